"""Password hashing benchmark (``bench/run --hashing``, issue 31 item 9): SignUp and
InitiateAuth (USER_PASSWORD_AUTH) side by side on userpool with ``--password-hashing
normal``, userpool with ``--password-hashing fast`` and moto_server, with the ratios to
moto and normal's throughput against the Argon2 bound of the machine.

Servers: ``normal`` (userpool, OWASP's Argon2id, its default hasher threads: the cores
less one), ``normal-cores`` (the same with ``--hasher-threads`` = the cores, so the hash
can use the whole machine), ``fast`` (Argon2id at its least cost) and ``moto``.

Per run, level and server (interleaved, as ``bench/run --full``'s main table): a fresh
pool whose client allows USER_PASSWORD_AUTH; SignUp xN, the codes, ConfirmSignUp xN,
InitiateAuth xN (every 200 answer must hold an AccessToken); ListUsers must show N
CONFIRMED; a wrong code must get CodeMismatchException.

The Argon2 bound: before each run and after the last, this process times Argon2id at
normal's parameters (``--hash-samples`` hashes and verifies, CPU time of one thread);
the bound is the cores ÷ the median cost of one hash (SignUp) or one verify
(InitiateAuth). It also times one thread per core hashing at once (wall clock), the
machine's hashing rate as it was then. After the last run, each userpool store's hashes
must carry its setting's parameters.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench import cognito, hashingreport, procs
from bench.driver import CONFIRM, SIGN_UP, Check, Phase, Target, _version, log
from bench.engines import Engine, cpu_count, pick_engine
from bench.full import AUTH_FLOWS, Running, level

ROOT = Path(__file__).resolve().parent.parent
ALL_SERVERS = ["normal", "normal-cores", "fast", "moto"]
PARAMETERS = {"normal": "m=19456,t=2,p=1", "fast": "m=8,t=1,p=1"}
PASSWORD = "Passw0rd!"


def options(key: str, cores: int) -> tuple[str, ...]:
    """``userpool serve``'s options of a userpool server of this benchmark."""
    if key == "normal-cores":
        return ("--password-hashing", "normal", "--hasher-threads", str(cores))
    return ("--password-hashing", key)


def labels(cores: int) -> dict[str, str]:
    return {
        "normal": f"userpool normal ({max(1, cores - 1)} hasher thread(s), the default)",
        "normal-cores": f"userpool normal (--hasher-threads {cores})",
        "fast": "userpool fast",
        "moto": "moto_server 5.2.1",
    }


def argon2_cost(samples: int) -> dict[str, float]:
    """This process's cost of Argon2id at normal's parameters: CPU ms of one hash and of
    one verify (medians of ``samples``), and the hashes per second of one thread per core
    hashing at once (wall clock; the machine's other load included)."""
    from userpool.domain.passwords import hash_password, verify_password

    hash_ms, verify_ms = [], []
    stored = hash_password(PASSWORD)
    for _ in range(samples):
        started = time.process_time()
        hash_password(PASSWORD)
        hash_ms.append((time.process_time() - started) * 1000)
        started = time.process_time()
        verify_password(stored, PASSWORD)
        verify_ms.append((time.process_time() - started) * 1000)

    def hashing() -> None:
        for _ in range(samples):
            hash_password(PASSWORD)

    workers = [threading.Thread(target=hashing) for _ in range(cpu_count())]
    started = time.monotonic()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    wall = time.monotonic() - started
    return {
        "hash_ms": statistics.median(hash_ms),
        "verify_ms": statistics.median(verify_ms),
        "parallel_per_s": len(workers) * samples / wall,
        "at": time.time(),
    }


def start(key: str, venv_bin: Path, work: Path, log_dir: Path) -> Running:
    if key == "moto":
        server = procs.start_moto(venv_bin, log_dir)
        return Running(Target(server, None, cognito.fixed_codes("000000")),
                       lambda: procs.tree_cpu(server.pid))  # fmt: skip
    db = work / f"{key}.db"
    server = procs.start_userpool(venv_bin, db, log_dir, "none", name=key,
                                  extra=options(key, cpu_count()))  # fmt: skip
    return Running(Target(server, None, cognito.outbox_codes(db)),
                   lambda: procs.tree_cpu(server.pid), db=db)  # fmt: skip


def stored_parameters(db: Path) -> list[str]:
    """The cost parameters of the password hashes in a userpool SQLite file (distinct)."""
    import sqlite3

    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        rows = conn.execute("SELECT DISTINCT password_hash FROM users").fetchall()
    return sorted({str(r[0]).split("$")[3] for r in rows if r[0]})


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/run --hashing", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    add = parser.add_argument
    add("-n", "--users", type=int, default=300, help="users per pool, level and run (300)")
    add("--levels", default="16,64", help="concurrency levels (16,64)")
    add("--runs", type=int, default=3, help="runs per level; medians (3)")
    add("--warmup", type=int, default=50, help="warm-up users per server (50)")
    add("--servers", default=",".join(ALL_SERVERS), help=f"({','.join(ALL_SERVERS)})")
    add("--hash-samples", type=int, default=10,
        help="Argon2id hashes and verifies timed per measurement of the bound (10)")  # fmt: skip
    add("--engine", choices=["auto", "wrk", "asyncio"], default="auto")
    add("--wrk-threads", type=int, default=1, help="wrk threads (1)")
    add("--phase-timeout", type=float, default=0.0, help="seconds per phase (60 + 0.25 x users)")
    add("--out", type=Path, default=ROOT / "bench" / "results", help="results (bench/results)")
    args = parser.parse_args(argv)
    args.level_list = [int(x) for x in args.levels.split(",") if x.strip()]
    args.server_list = [s.strip() for s in args.servers.split(",") if s.strip()]
    if not 1 <= args.users <= 100_000 or not 1 <= args.runs <= 10:
        parser.error("--users must be 1..100000, --runs 1..10")
    if not args.level_list or any(not 1 <= c <= 1024 for c in args.level_list):
        parser.error("--levels must be 1..1024")
    if not args.server_list or set(args.server_list) - set(ALL_SERVERS):
        parser.error(f"--servers takes {', '.join(ALL_SERVERS)}")
    if not 1 <= args.hash_samples <= 1000:
        parser.error("--hash-samples must be 1..1000")
    return args


def warm_up(engine: Engine, running: dict[str, Running], n: int, work: Path) -> None:
    for key, r in running.items():
        names = cognito.usernames("warm", n)
        pool = cognito.make_pool(r.target.idp, "bench-warmup", AUTH_FLOWS)
        workdir = work / f"wrk-{key}"
        port = r.target.server.port
        engine.run(port, SIGN_UP, cognito.signup_bodies(pool, names), 16, workdir, 60 + n)
        codes = r.target.codes([cognito.email_of(u) for u in names])
        engine.run(port, CONFIRM, cognito.confirm_bodies(pool, names, codes), 16, workdir, 60 + n)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    engine, engine_note = pick_engine(args.engine, args.wrk_threads)
    time_limit = args.phase_timeout or 60 + 0.25 * args.users
    out_dir: Path = args.out
    log_dir = out_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    venv_bin = Path(sys.executable).parent
    cores = cpu_count()
    meta: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "command": " ".join(["bench/run", "--hashing", *(a for a in sys.argv[1:] if a != "--hashing")]),
        "users": args.users, "levels": args.level_list, "runs": args.runs,
        "warmup": args.warmup, "hash_samples": args.hash_samples, "engine": engine.name,
        "engine_note": engine_note, "cpus": cores, "cpu_model": hashingreport.cpu_model(),
        "userpool": _version("userpool"), "moto": _version("moto"), "labels": labels(cores),
        "servers": [s for s in ALL_SERVERS if s in args.server_list],
        "options": {k: list(options(k, cores)) for k in ALL_SERVERS if k != "moto"},
    }  # fmt: skip
    phases: list[Phase] = []
    checks: list[Check] = []
    costs: list[dict[str, float]] = []
    problems: list[str] = []
    stored: dict[str, list[str]] = {}
    running: dict[str, Running] = {}
    with tempfile.TemporaryDirectory(prefix="userpool-hashing-") as tmp:
        work = Path(tmp)
        try:
            for key in meta["servers"]:
                running[key] = start(key, venv_bin, work, log_dir)
                procs.wait_ready(running[key].target.server)
                running[key].target.idp = cognito.client(running[key].target.server.url)
                log(f"{key} ready on {running[key].target.server.url}")
            if args.warmup:
                warm_up(engine, running, args.warmup, work)
            for run in range(1, args.runs + 1):
                costs.append(argon2_cost(args.hash_samples))
                log(f"argon2id: {costs[-1]['hash_ms']:.1f} ms a hash, "
                    f"{costs[-1]['parallel_per_s']:.1f}/s on {cores} threads")  # fmt: skip
                for concurrency in args.level_list:
                    for key, r in running.items():
                        log(f"{key} c={concurrency} run {run}: x{args.users}")
                        measured, check = level(engine, key, r, args.users, concurrency, run,
                                                work, time_limit)  # fmt: skip
                        phases.extend(measured)
                        checks.append(check)
            costs.append(argon2_cost(args.hash_samples))
        except Exception as exc:
            problems.append(f"benchmark aborted: {type(exc).__name__}: {exc}")
            log(problems[-1])
        finally:
            for key, r in running.items():
                procs.stop(r.target.server)
                problems.extend(f"{key}: {p}" for p in procs.log_problems(r.target.server))
                if r.db is not None:
                    meta.setdefault("integrity", {})[key] = cognito.integrity_check(r.db)
                    stored[key] = stored_parameters(r.db)
    for key, found in stored.items():
        want = PARAMETERS["fast" if key == "fast" else "normal"]
        if found != [want]:
            problems.append(f"{key}: stored hashes carry {found}, not only {want}")
    meta["finished"] = time.strftime("%Y-%m-%d %H:%M:%S %z")
    data: dict[str, Any] = {
        "meta": meta, "phases": [asdict(p) for p in phases],
        "checks": [asdict(c) for c in checks], "argon2": costs, "stored": stored,
        "problems": problems,
    }  # fmt: skip
    markdown = hashingreport.render(data)
    hashingreport.write(out_dir, markdown, data)
    print(markdown)
    failed = bool(problems) or any(c.problems for c in checks if c.server != "moto")
    failed |= any(v != "ok" for v in meta.get("integrity", {}).values())
    return 1 if failed else 0
