"""The other servers of the full benchmark: cognito-local (npm) and userpool on PostgreSQL.

cognito-local 5.3.0 is installed with npm into ``bench/.peers/node_modules`` (git-ignored)
when it is missing, and runs in its own temp folder (its state goes to ``./.cognito`` of
its working directory) with ``CODE`` fixed, so every sign-up code is known. PostgreSQL is
the local server at 127.0.0.1:5432 (database ``test``); each userpool instance gets a fresh
schema through ``search_path`` in the URL, dropped afterwards. Only 127.0.0.1 is a target.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

from bench import cognito, procs
from bench.driver import log

ROOT = Path(__file__).resolve().parent.parent
PEERS_DIR = ROOT / "bench" / ".peers"
COGNITO_LOCAL = "cognito-local"
COGNITO_LOCAL_VERSION = "5.3.0"
CL_CODE = "123456"  # cognito-local's CODE env: every code it issues
V8_MAX_STRING = 0x1FFFFFE8  # longest string Node 20 can build: its readFile+JSON.parse limit
PG_HOST = procs.LOOPBACK
PG_PORT = 5432
PG_DB = "test"


# cognito-local -----------------------------------------------------------------------


def cognito_local_bin(install: bool = True) -> tuple[Path | None, str]:
    """cognito-local's start script, installed with npm if missing; (path or None, note)."""
    script = PEERS_DIR / "node_modules" / ".bin" / COGNITO_LOCAL
    package = PEERS_DIR / "node_modules" / COGNITO_LOCAL / "package.json"

    def installed() -> str | None:
        try:
            return str(json.loads(package.read_text())["version"])
        except (OSError, ValueError, KeyError):
            return None

    if installed() != COGNITO_LOCAL_VERSION and install:
        npm = shutil.which("npm")
        if npm is None:
            return None, "npm is not installed, so cognito-local could not be installed"
        PEERS_DIR.mkdir(parents=True, exist_ok=True)
        manifest = PEERS_DIR / "package.json"
        if not manifest.exists():
            manifest.write_text('{"name": "userpool-bench-peers", "private": true}\n')
        log(f"installing {COGNITO_LOCAL}@{COGNITO_LOCAL_VERSION} into {PEERS_DIR} with npm")
        try:
            out = subprocess.run(
                [npm, "install", "--no-audit", "--no-fund", "--loglevel=error",
                 f"{COGNITO_LOCAL}@{COGNITO_LOCAL_VERSION}"],
                cwd=PEERS_DIR, capture_output=True, text=True, timeout=600, check=False,
            )  # fmt: skip
        except (OSError, subprocess.TimeoutExpired) as exc:
            return None, f"npm install {COGNITO_LOCAL} failed: {exc}"
        if out.returncode != 0:
            return None, f"npm install {COGNITO_LOCAL} failed: {out.stderr.strip()[-300:]}"
    version = installed()
    if version is None or not script.exists():
        return None, f"{COGNITO_LOCAL} is not installed in {PEERS_DIR}"
    node = subprocess.run(["node", "--version"], capture_output=True, text=True, timeout=10)
    return script, f"{COGNITO_LOCAL} {version} (Node.js {node.stdout.strip()})"


def start_cognito_local(script: Path, data_dir: Path, log_dir: Path,
                        name: str = COGNITO_LOCAL) -> procs.Server:  # fmt: skip
    """cognito-local on a free loopback port; state in ``data_dir/.cognito``; codes fixed.

    ``UserPoolDefaults.UsernameAttributes=[]`` lets pools take plain usernames (by default
    it forces email-as-username on every pool)."""
    config = data_dir / ".cognito" / "config.json"
    config.parent.mkdir(parents=True, exist_ok=True)
    if not config.exists():
        config.write_text(json.dumps({"UserPoolDefaults": {"UsernameAttributes": []}}))
    port = procs.free_port()
    env = dict(os.environ, HOST=procs.LOOPBACK, PORT=str(port), CODE=CL_CODE)
    env.pop("DEBUG", None)  # debug logging would print the whole store on every write
    return procs._spawn(name, [str(script)], port, log_dir / f"{name}.log", None, env=env,
                        cwd=data_dir)  # fmt: skip


def cognito_local_pool_file(data_dir: Path, pool_id: str) -> Path:
    return data_dir / ".cognito" / "db" / f"{pool_id}.json"


def cognito_local_files_check(data_dir: Path) -> str:
    """``ok`` if every pool file of cognito-local parses as JSON, else what is torn."""
    folder = data_dir / ".cognito" / "db"
    bad = []
    files = sorted(folder.glob("*.json")) if folder.exists() else []
    for path in files:
        try:
            json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            bad.append(f"{path.name}: {str(exc)[:80]}")
    return "ok" if not bad else f"{len(bad)} of {len(files)} files torn: " + "; ".join(bad)


# PostgreSQL --------------------------------------------------------------------------


def pg_connect() -> Any:
    """A psycopg connection to the local test database (autocommit), or raise."""
    import psycopg

    return psycopg.connect(host=PG_HOST, port=PG_PORT, dbname=PG_DB, autocommit=True,
                           connect_timeout=5)  # fmt: skip


def pg_url(schema: str) -> str:
    return f"postgresql://{PG_HOST}:{PG_PORT}/{PG_DB}?options=-csearch_path%3D{schema}"


def create_schema(tag: str) -> str:
    name = f"bench_{tag}_{os.getpid()}_{int(time.time() * 1000) % 10**9}"
    with pg_connect() as conn:
        conn.execute(f'CREATE SCHEMA "{name}"')
    return name


def drop_schema(name: str) -> None:
    try:
        with pg_connect() as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
    except Exception as exc:  # best effort: report, never fail the run on cleanup
        log(f"could not drop schema {name}: {exc}")


def schema_tables(name: str) -> list[str]:
    with pg_connect() as conn:
        rows = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema=%s", (name,)
        ).fetchall()
    return sorted(str(r[0]) for r in rows)


def probe_postgres(venv_bin: Path, work: Path, log_dir: Path) -> str | None:
    """None if ``userpool serve --db postgresql://...`` works here, else why not.

    It tries: a fresh schema, a server on it (in a scratch folder, in case an older server
    takes the URL for a SQLite path), ListUserPools, and then the schema must hold tables."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed in the venv"
    try:
        schema = create_schema("probe")
    except Exception as exc:
        return f"no PostgreSQL at {PG_HOST}:{PG_PORT}/{PG_DB}: {str(exc).strip()[:200]}"
    scratch = work / "pg-probe"
    scratch.mkdir(parents=True, exist_ok=True)
    server = procs.start_userpool(venv_bin, None, log_dir, "none", name="pg-probe",
                                  db_url=pg_url(schema), cwd=scratch)  # fmt: skip
    try:
        procs.wait_ready(server, timeout=60)
        tables = schema_tables(schema)
        if "users" not in tables:
            return (f"userpool serve answered with --db {pg_url(schema)} but created no tables "
                    "in the schema (the URL was not taken as PostgreSQL)")  # fmt: skip
        return None
    except Exception as exc:
        tail = server.log_path.read_text(errors="replace").strip().splitlines()[-3:]
        return f"userpool serve --db postgresql://... failed: {exc} | " + " | ".join(tail)[-300:]
    finally:
        procs.stop(server)
        drop_schema(schema)


def pg_outbox_codes(schema: str) -> cognito.CodeSource:
    """userpool on PostgreSQL: codes from the outbox table of its schema."""

    def rows() -> list[tuple[str, str | None]]:
        with pg_connect() as conn:
            conn.execute(f'SET search_path TO "{schema}"')
            found = conn.execute("SELECT destination, body FROM outbox ORDER BY id").fetchall()
        return [(str(d), b) for d, b in found]

    return cognito.outbox_rows_codes(rows)


def _tcp_ports_to(remote_port: int, inodes: set[str]) -> set[int]:
    """Local ports of the TCP sockets among ``inodes`` connected to ``remote_port``."""
    ports: set[int] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if (len(fields) > 9 and fields[9] in inodes
                    and int(fields[2].rsplit(":", 1)[1], 16) == remote_port):  # fmt: skip
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


class PgBackendCpu:
    """CPU seconds of the PostgreSQL backends that serve one server's process tree.

    The backends are found through the server's TCP sockets to port 5432 and
    ``pg_stat_activity.client_port``. Each backend's last-seen CPU is remembered, so the
    sum never goes down when a connection closes (its CPU after the last look is lost)."""

    def __init__(self, root_pid: int) -> None:
        self.root_pid = root_pid
        self.seen: dict[int, float] = {}
        self.conn: Any = None

    def __call__(self) -> float:
        inodes: set[str] = set()
        for pid in procs.tree_pids(self.root_pid):
            try:
                for fd in os.listdir(f"/proc/{pid}/fd"):
                    target = os.readlink(f"/proc/{pid}/fd/{fd}")
                    if target.startswith("socket:["):
                        inodes.add(target[8:-1])
            except OSError:
                continue
        ports = _tcp_ports_to(PG_PORT, inodes)
        if ports:
            if self.conn is None:
                self.conn = pg_connect()
            rows = self.conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE client_port = ANY(%s)", (list(ports),)
            ).fetchall()
            for (pid,) in rows:
                self.seen[int(pid)] = procs.process_cpu(int(pid)) or self.seen.get(int(pid), 0)
        return sum(self.seen.values())

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None
