"""Test helpers: a real ``userpool serve`` on a loopback port, boto3 clients, codes from the outbox.

``USERPOOL_TEST_BACKEND=postgresql`` puts every server on PostgreSQL (a fresh schema of
``USERPOOL_TEST_PG``, default the local server's database ``test``) instead of a SQLite
file. Without PostgreSQL such tests are skipped, saying why, except where ``CI=true``:
there they fail, since CI has PostgreSQL and a silent skip would hide breakage.

Test servers hash passwords with ``--password-hashing fast`` (Argon2id at its least cost)
unless a test asks for ``hashing="normal"`` (those that check the hash's strength or its
cost); ``USERPOOL_TEST_HASHING=normal`` runs every server on normal.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

ROOT = Path(__file__).resolve().parent.parent
USERPOOL = str(Path(sys.executable).with_name("userpool"))
BACKEND = os.environ.get("USERPOOL_TEST_BACKEND", "sqlite")
PG_URL = os.environ.get("USERPOOL_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
HASHING = "USERPOOL_PASSWORD_HASHING"
TEST_HASHING = os.environ.get("USERPOOL_TEST_HASHING", "fast")
RUN = secrets.token_hex(4)  # this test run's schemas are up_<RUN>_*: runs never collide
_schemas: set[str] = set()
_pg_problem: list[str | None] = []


def pg_problem() -> str | None:
    """Why PostgreSQL cannot be used, or None when it can (asked once per run)."""
    if not _pg_problem:
        try:
            import psycopg

            with psycopg.connect(PG_URL, connect_timeout=3) as db:
                db.execute("SELECT 1")
            _pg_problem.append(None)
        except Exception as exc:  # any failure to reach it is the reason to report
            _pg_problem.append(f"{type(exc).__name__}: {' '.join(str(exc).split())}")
    return _pg_problem[0]


def require_pg() -> None:
    """Skip the test without PostgreSQL, with the reason; fail instead when CI=true."""
    problem = pg_problem()
    if problem is None:
        return
    message = f"PostgreSQL at {PG_URL} is unreachable ({problem})"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}; CI must have it", pytrace=False)
    pytest.skip(message)


def pg_schema(name: str) -> str:
    """The URL of this run's schema ``name`` (created now; dropped by ``drop_schemas``)."""
    import psycopg

    require_pg()
    schema = f"up_{RUN}_{re.sub(r'[^a-z0-9_]', '_', name.lower())}"[:63]
    with psycopg.connect(PG_URL, autocommit=True) as db:
        db.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    _schemas.add(schema)
    return f"{PG_URL}{'&' if '?' in PG_URL else '?'}options=-csearch_path%3D{schema}"


def drop_schemas() -> None:
    """Drop the schemas this run made (and their master key files)."""
    import shutil

    shutil.rmtree(_key_folder(), ignore_errors=True)
    if not _schemas:
        return
    import psycopg

    with psycopg.connect(PG_URL, autocommit=True) as db:
        for schema in sorted(_schemas):
            db.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    _schemas.clear()


def server_db(tmp: Path) -> str:
    """The ``--db`` of a server whose data lives under ``tmp``: the same for every server
    made with that ``tmp`` (a restart finds its data), on the backend under test."""
    if BACKEND == "postgresql":
        return pg_schema(hashlib.sha1(str(tmp).encode()).hexdigest()[:16])
    return str(tmp / "userpool.db")


def _key_folder() -> Path:
    import tempfile

    return Path(tempfile.gettempdir()) / f"userpool-tests-{RUN}"


if BACKEND == "postgresql":
    # Every command on a PostgreSQL database (serve, keys, outbox...) needs its master key,
    # whose default file (.userpool/master.key) is in the working directory: this run's
    # commands, run from here, share one in a private temporary folder instead.
    _key_folder().mkdir(mode=0o700, exist_ok=True)
    os.environ.setdefault("USERPOOL_MASTER_KEY_FILE", str(_key_folder() / "master.key"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """A ``userpool serve`` subprocess with its own data directory (or ``db``, to share).

    ``hashing`` is its ``USERPOOL_PASSWORD_HASHING`` (default: the suite's, fast; None:
    the variable as this process has it); one given in ``env`` wins."""

    def __init__(
        self,
        tmp: Path,
        *args: str,
        env: dict[str, str] | None = None,
        db: str | None = None,
        hashing: str | None = TEST_HASHING,
    ) -> None:
        self.port = free_port()
        self.db = db or server_db(tmp)
        self.flags = list(args)
        self.args = ["serve", "--port", str(self.port), "--db", self.db, *args]
        chosen = {HASHING: hashing} if hashing is not None else {}
        self.env = {**os.environ, **chosen, **(env or {})}
        self.log = tmp / "server.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.key_id = ""
        self.key_secret = ""

    def twin(self, tmp: Path, hashing: str | None = None) -> Server:
        """Another server (not started; its log in ``tmp``) on this one's database, with
        the same options, variables and access key: a second process of one deployment
        (or, with ``hashing``, the same one restarted on another password hashing)."""
        tmp.mkdir(mode=0o700, exist_ok=True)
        other = Server(tmp, *self.flags, db=self.db)
        other.env = dict(self.env)
        if hashing is not None:
            other.env[HASHING] = hashing
        other.key_id, other.key_secret = self.key_id, self.key_secret
        return other

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        if not self.key_id:
            made = subprocess.run(
                [USERPOOL, "keys", "create", "--db", self.db, "--output", "json"],
                capture_output=True,
                text=True,
                check=True,
                env=self.env,
            )
            created = json.loads(made.stdout)
            self.key_id, self.key_secret = created["AccessKeyId"], created["SecretAccessKey"]
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [USERPOOL, *self.args], stdout=log, stderr=log, env=self.env
            )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/health", timeout=1).read()
                return self
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError(self.log.read_text()) from None
                time.sleep(0.05)
        raise RuntimeError("server did not start:\n" + self.log.read_text())

    def stop(self, sig: int | None = None) -> None:
        if self.proc is None:
            return
        if sig is None:
            self.proc.terminate()
        else:
            self.proc.send_signal(sig)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def client(self, **config: Any) -> Any:
        return boto3.client(
            "cognito-idp",
            endpoint_url=self.url,
            region_name="us-east-1",
            aws_access_key_id=self.key_id,
            aws_secret_access_key=self.key_secret,
            config=Config(**{"retries": {"max_attempts": 1, "mode": "standard"}, **config}),
        )

    def sql(self, query: str, *args: Any) -> list[tuple[Any, ...]]:
        """Read stored state directly, or change it where no operation can; ``?``
        placeholders. (Time rules move the clock in tests.harness instead of ageing rows.)"""
        if self.db.startswith("postgresql://"):
            return pg_sql(self.db, query, *args)
        db = sqlite3.connect(self.db, timeout=10)
        try:
            with db:
                return db.execute(query, args).fetchall()
        finally:
            db.close()

    def messages(self, destination: str) -> list[str]:
        rows = self.sql("SELECT body FROM outbox WHERE destination=? ORDER BY id", destination)
        return [r[0] for r in rows]

    def code(self, destination: str) -> str:
        """The code in the latest message sent to ``destination``."""
        import re

        body = self.messages(destination)[-1]
        found = re.findall(r"\b(\d{6})\b", body)
        assert found, body
        return str(found[-1])


def pg_sql(url: str, query: str, *args: Any) -> list[tuple[Any, ...]]:
    """``Server.sql`` on PostgreSQL: the same SQL, ``?`` placeholders made ``%s``."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as db:
        cur = db.execute(query.replace("?", "%s"), args)
        return [tuple(r) for r in cur.fetchall()] if cur.description else []


def secret_hash(secret: str, username: str, client_id: str) -> str:
    mac = hmac.new(secret.encode(), (username + client_id).encode(), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


def sign(server: Server, headers: dict[str, str], body: bytes, path: str = "/") -> dict[str, str]:
    """``headers`` plus a SigV4 signature with the server's access key (as botocore signs)."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest("POST", f"{server.url}{path}", data=body, headers=dict(headers))
    SigV4Auth(Credentials(server.key_id, server.key_secret), "cognito-idp", "us-east-1").add_auth(
        request
    )
    return {k: v for k, v in request.headers.items()}


def outcome(call: Callable[..., Any]) -> tuple[str, str]:
    """``("ok", "")``, or the (code, message) of the Cognito error a boto3 call ends with."""
    try:
        call()
    except ClientError as exc:
        return str(exc.response["Error"]["Code"]), str(exc.response["Error"]["Message"])
    return "ok", ""


def error_of(exc: pytest.ExceptionInfo[Any]) -> tuple[str, str]:
    """(code, message) of the botocore ClientError a ``pytest.raises`` caught."""
    err = exc.value.response["Error"]
    return str(err["Code"]), str(err["Message"])


def away_from_minute_end(margin: float = 8.0) -> None:
    """Wait out the end of the current minute if it is near: rate counts live in minute
    slots, and a test straddling one would see the previous minute's counts weigh less."""
    left = 60 - time.time() % 60
    if left < margin:
        time.sleep(left + 0.5)
