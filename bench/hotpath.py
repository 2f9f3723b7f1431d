"""In-process cost of ConfirmSignUp (``python -m bench.hotpath``): no HTTP, no load generator.

It builds the services on a fresh SQLite file (or ``--db postgresql://...``), creates a pool
and a client through ``wire.dispatch`` as the server would, signs up N users (passwords are
hashed by a stand-in, since only ConfirmSignUp is measured), reads their codes from the
outbox, then sends N ConfirmSignUp requests through ``wire.dispatch`` one after another and
reports the process CPU time per request. Every answer must be 200 and every user must end
CONFIRMED. ``--cprofile FILE`` writes a cProfile of the timed phase; run it under
``valgrind --tool=callgrind`` for instruction counts that a busy machine does not disturb.

It measures what HTTP does not: the server's own work per request (``wire.dispatch`` down to
the store). Compare runs on the same machine; the absolute figures move with the CPU.

``--http C`` instead prepares the users in-process, then starts ``userpool serve`` on that
store and sends the ConfirmSignUp requests with wrk at concurrency C: req/s, p99 and server
CPU per request as ``bench/run`` measures them, without the Argon2-bound SignUp phase, so a
change can be measured in seconds. ``--py-spy FILE`` records the server meanwhile;
``--perf FILE`` records the whole machine (kernel included) with ``perf record -a -g``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import os
import re
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import orjson

from userpool.config import Settings
from userpool.domain.passwords import Hasher
from userpool.server.response import Response
from userpool.server.wire import dispatch
from userpool.services import Runtime, build_services

PREFIX = "AWSCognitoIdentityProviderService."
CODE_RE = re.compile(r"verification code is (\d{6})")
T = TypeVar("T")


class _FastHasher(Hasher):
    """Stands in for Argon2 while users are created: only ConfirmSignUp is measured."""

    def __init__(self) -> None:
        super().__init__(threads=1)  # no thread starts: hash and run never use the pool

    async def hash(self, password: str) -> str:
        return "not-a-hash"

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        return fn(*args)


def in_process_settings(db: str) -> Settings:
    """This process's settings for ``db``, with the master key file the servers it starts
    read (``USERPOOL_MASTER_KEY_FILE``, else the default: ``<db>.key`` on SQLite)."""
    key_file = os.environ.get("USERPOOL_MASTER_KEY_FILE") or None
    return Settings(db=db, dev=True, sender="none", master_key_file=key_file)


async def call(svc: Runtime, op: str, body: dict[str, Any]) -> dict[str, Any]:
    headers = {"content-type": "application/x-amz-json-1.1", "x-amz-target": PREFIX + op}
    response: Response = await dispatch(svc, "POST", "/", headers.get, orjson.dumps(body))
    result: dict[str, Any] = orjson.loads(response.body or b"{}")
    if response.status != 200:
        raise RuntimeError(f"{op}: {response.status} {result}")
    return result


async def prepare(svc: Runtime, n: int, alias: bool) -> tuple[str, list[bytes]]:
    config: dict[str, Any] = {"PoolName": "hotpath", "AutoVerifiedAttributes": ["email"]}
    if alias:
        config["AliasAttributes"] = ["email"]
    pool_id = (await call(svc, "CreateUserPool", config))["UserPool"]["Id"]
    client = await call(svc, "CreateUserPoolClient", {"UserPoolId": pool_id, "ClientName": "c"})
    client_id = client["UserPoolClient"]["ClientId"]
    svc.hasher.close()
    svc.hasher = _FastHasher()
    names = [f"user{i:06d}" for i in range(n)]
    for name in names:
        await call(
            svc,
            "SignUp",
            {
                "ClientId": client_id,
                "Username": name,
                "Password": "Passw0rd!",
                "UserAttributes": [{"Name": "email", "Value": f"{name}@example.com"}],
            },
        )
    codes = {}
    for message in svc.store.recent_messages(n + 10):
        found = CODE_RE.search(message.body or "")
        if found and message.pool_id == pool_id:
            codes[message.username] = found.group(1)
    bodies = [
        orjson.dumps({"ClientId": client_id, "Username": name, "ConfirmationCode": codes[name]})
        for name in names
    ]
    return pool_id, bodies


async def confirm_all(svc: Runtime, bodies: list[bytes], batch: int = 1) -> None:
    """ConfirmSignUp of every body, ``batch`` at a time (a batch shares a group commit,
    as concurrent requests through a server do)."""
    headers = {
        "content-type": "application/x-amz-json-1.1",
        "x-amz-target": PREFIX + "ConfirmSignUp",
    }.get
    for start in range(0, len(bodies), batch):
        responses = await asyncio.gather(
            *(dispatch(svc, "POST", "/", headers, body) for body in bodies[start : start + batch])
        )
        for response in responses:
            if response.status != 200:
                raise RuntimeError(f"ConfirmSignUp: {response.status} {response.body!r}")


async def check(svc: Runtime, pool_id: str, n: int) -> None:
    confirmed, token = 0, None
    while True:
        body: dict[str, Any] = {"UserPoolId": pool_id, "Limit": 60}
        if token:
            body["PaginationToken"] = token
        page = await call(svc, "ListUsers", body)
        confirmed += sum(u["UserStatus"] == "CONFIRMED" for u in page["Users"])
        token = page.get("PaginationToken")
        if not token:
            break
    if confirmed != n:
        raise RuntimeError(f"{confirmed} of {n} users CONFIRMED")


async def prepare_only(db: str, n: int, alias: bool) -> tuple[str, list[bytes]]:
    svc = build_services(in_process_settings(db))
    try:
        return await prepare(svc, n, alias)
    finally:
        svc.close()


def http_rounds(args: argparse.Namespace, db: str, work: Path) -> None:
    """Each round: fresh users in-process, then ConfirmSignUp through a real server and wrk."""
    import subprocess

    from bench import procs
    from bench.driver import Target, timed_phase
    from bench.engines import pick_engine

    engine, note = pick_engine("wrk", 1)
    if note:
        print(note)
    venv_bin = Path(sys.executable).parent
    for i in range(args.rounds):
        if args.replay:  # users saved by --save: a copy of that store, all its bodies
            import shutil

            shutil.copy(Path(args.replay) / "hotpath.db", db)
            shutil.copy(Path(args.replay) / "hotpath.db.key", f"{db}.key")  # its master key
            bodies = (Path(args.replay) / "bodies.jsonl").read_bytes().splitlines()
            with contextlib.closing(sqlite3.connect(db)) as conn:
                pool_id = conn.execute("SELECT id FROM pools").fetchone()[0]
            args.users = len(bodies)
        else:
            pool_id, bodies = asyncio.run(prepare_only(db, args.users, args.alias))
        url = db if db.startswith("postgres") else None
        server = procs.start_userpool(
            venv_bin, None if url else Path(db), work, "none", db_url=url, cwd=work,
            workers=args.workers,
        )  # fmt: skip
        spy = None
        try:
            procs.wait_ready(server)
            if args.py_spy:
                with open(f"{args.py_spy}.log", "w") as spy_log:  # the child keeps its copy
                    spy = subprocess.Popen(
                        [args.py_spy_bin, "record", "-p", str(server.pid), "--subprocesses",
                         "-r", "200", "--threads", "-f", "raw", "-o", f"{args.py_spy}.{i}"],
                        stdout=subprocess.DEVNULL, stderr=spy_log,
                    )  # fmt: skip
                time.sleep(1.5)
            elif args.perf:
                with open(f"{args.perf}.log", "w") as spy_log:
                    spy = subprocess.Popen(
                        ["perf", "record", "-a", "-g", "-F", "2000", "-o", f"{args.perf}.{i}"],
                        stdout=subprocess.DEVNULL, stderr=spy_log,
                    )  # fmt: skip
                time.sleep(1.0)
            phase = timed_phase(
                engine, Target(server, None, lambda _: {}), PREFIX + "ConfirmSignUp", bodies,
                args.http, i, work / f"wrk{i}", 120.0,
            )  # fmt: skip
        finally:
            if spy is not None:
                spy.send_signal(2)
                spy.wait(30)
            procs.stop(server)
        bad = {**phase.errors, **phase.transport_errors}
        print(
            f"ConfirmSignUp c={args.http} x{phase.answered}: {phase.rps:,.0f} req/s, "
            f"p50 {phase.p50_ms:.1f} ms, p99 {phase.p99_ms:.1f} ms, "
            f"{phase.server_cpu_ms:.3f} ms server CPU/req, "
            f"foreign CPU {phase.foreign_cpu_pct:.0f} %, errors {bad or 'none'}"
        )
        asyncio.run(check_only(db, pool_id, args.users))


async def check_only(db: str, pool_id: str, n: int) -> None:
    svc = build_services(in_process_settings(db))
    try:
        await check(svc, pool_id, n)
    finally:
        svc.close()


async def main_async(args: argparse.Namespace, db: str) -> None:
    svc = build_services(in_process_settings(db))
    try:
        for _ in range(args.rounds):
            pool_id, bodies = await prepare(svc, args.users, args.alias)
            profiler = cProfile.Profile() if args.cprofile else None
            cpu, wall = time.process_time(), time.perf_counter()
            if profiler:
                profiler.enable()
            await confirm_all(svc, bodies, args.batch)
            if profiler:
                profiler.disable()
                profiler.dump_stats(args.cprofile)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            await check(svc, pool_id, args.users)
            n = len(bodies)
            print(
                f"ConfirmSignUp x{n}: {cpu / n * 1e6:.1f} us CPU/req, "
                f"{wall / n * 1e6:.1f} us wall/req ({n / wall:,.0f} req/s sequential)"
            )
    finally:
        svc.close()


def save(args: argparse.Namespace) -> None:
    """Users and their ConfirmSignUp bodies, prepared once for ``--replay`` runs."""
    folder = Path(args.save)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)  # userpool refuses an open one
    _, bodies = asyncio.run(prepare_only(str(folder / "hotpath.db"), args.users, args.alias))
    (folder / "bodies.jsonl").write_bytes(b"\n".join(bodies) + b"\n")


async def replay(args: argparse.Namespace) -> None:
    """Confirm the first ``--count`` saved users (on a copy of the saved store): for
    instruction counts, run this under callgrind with two counts and take the difference
    divided by the difference of the counts, so that start-up cancels out."""
    import shutil

    folder = Path(args.replay)
    with tempfile.TemporaryDirectory(prefix="userpool-replay-") as tmp:
        db = Path(tmp) / "hotpath.db"
        shutil.copy(folder / "hotpath.db", db)
        shutil.copy(folder / "hotpath.db.key", f"{db}.key")  # its master key
        bodies = (folder / "bodies.jsonl").read_bytes().splitlines()[: args.count]
        svc = build_services(in_process_settings(str(db)))
        try:
            await confirm_all(svc, bodies[:1])  # first use: imports, caches
            await confirm_all(svc, bodies[1:], args.batch)
        finally:
            svc.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.hotpath", description=__doc__)
    parser.add_argument("-n", "--users", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=1, help="fresh pool per round")
    parser.add_argument("--db", default="", help="a postgresql:// URL (default: a temp SQLite)")
    parser.add_argument("--pg", action="store_true", help="a fresh schema on the local PostgreSQL")
    parser.add_argument("--alias", action="store_true", help="email as an alias attribute")
    parser.add_argument("--cprofile", default="", help="write a cProfile of the timed phase")
    parser.add_argument("--http", type=int, default=0, help="through a server, wrk at this c")
    parser.add_argument("--workers", type=int, default=1, help="with --http: server workers")
    parser.add_argument("--py-spy", default="", help="with --http: py-spy raw output prefix")
    parser.add_argument("--py-spy-bin", default="py-spy")
    parser.add_argument("--perf", default="", help="with --http: perf record -a output prefix")
    parser.add_argument("--save", default="", help="prepare users into this folder and stop")
    parser.add_argument(
        "--replay", default="", help="confirm users saved by --save (with --http: all of them)"
    )
    parser.add_argument("--count", type=int, default=100, help="with --replay: how many")
    parser.add_argument("--batch", type=int, default=1, help="in-process: requests at once")
    args = parser.parse_args(argv)
    if args.save:
        return save(args)
    if args.replay and not args.http:
        return asyncio.run(replay(args))
    schema = ""
    if args.pg:
        from bench import peers

        schema = peers.create_schema("hotpath")
        args.db = peers.pg_url(schema)
    try:
        with tempfile.TemporaryDirectory(prefix="userpool-hotpath-") as tmp:
            db = args.db or str(Path(tmp) / "hotpath.db")
            if db.startswith("postgres"):  # one key file for this process and the servers
                os.environ.setdefault("USERPOOL_MASTER_KEY_FILE", str(Path(tmp) / "master.key"))
            if args.http:
                http_rounds(args, db, Path(tmp))
            else:
                asyncio.run(main_async(args, db))
    finally:
        if schema:
            peers.drop_schema(schema)


if __name__ == "__main__":
    main()
