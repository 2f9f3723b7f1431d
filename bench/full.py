"""Full benchmark (``bench/run --full``): userpool on SQLite (1 and 2 workers) and on
PostgreSQL (1 and 2 workers, if the server supports it) against moto_server and
cognito-local, SignUp, ConfirmSignUp and InitiateAuth at c=1/16/64, then ConfirmSignUp and
AdminGetUser in pools of 1k, 100k and 1M users; a table with the ratios, the goals of
issue 6, JSON and a plot.

Main table, per run, level and server (interleaved): a fresh pool whose client allows
USER_PASSWORD_AUTH; SignUp xN, the codes, ConfirmSignUp xN, InitiateAuth xN (every 200
answer must hold an AccessToken); ListUsers must show N CONFIRMED; a wrong code must get
CodeMismatchException. Then the pool-size experiment (``sizes.py``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import orjson

from bench import cognito, fullreport, peers, procs, sizes, sizes_run
from bench.driver import CONFIRM, SIGN_UP, Check, Phase, Target, _version, log, timed_phase
from bench.engines import Engine, cpu_count, pick_engine

ROOT = Path(__file__).resolve().parent.parent
INITIATE = cognito.PREFIX + "InitiateAuth"
AUTH_FLOWS = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
USERPOOL_KEYS = {"sqlite1": 1, "sqlite2": 2, "pg1": 1, "pg2": 2}  # key -> workers
ALL_SERVERS = [*USERPOOL_KEYS, "moto", peers.COGNITO_LOCAL]
LABELS = {
    "sqlite1": "userpool SQLite 1 worker", "sqlite2": "userpool SQLite 2 workers",
    "pg1": "userpool PostgreSQL 1 worker", "pg2": "userpool PostgreSQL 2 workers",
    "moto": "moto_server 5.2.1", peers.COGNITO_LOCAL: "cognito-local 5.3.0",
}  # fmt: skip


@dataclass
class Running:
    """A server of the main table and what the driver needs to measure it."""

    target: Target
    cpu: Callable[[], float]
    db: Path | None = None  # SQLite file
    schema: str = ""  # PostgreSQL schema
    data_dir: Path | None = None  # cognito-local state


def initiate_bodies(pool: cognito.Pool, names: list[str]) -> list[bytes]:
    return [
        orjson.dumps({
            "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": pool.client_id,
            "AuthParameters": {"USERNAME": name, "PASSWORD": cognito.PASSWORD},
        })
        for name in names
    ]  # fmt: skip


def level(engine: Engine, key: str, running: Running, n: int, concurrency: int, run: int,
          work: Path, time_limit: float) -> tuple[list[Phase], Check]:  # fmt: skip
    """A fresh pool: SignUp, ConfirmSignUp and InitiateAuth xN, then the checks."""
    target, prefix = running.target, f"r{run}c{concurrency}"
    pool = cognito.make_pool(target.idp, f"bench-{prefix}", AUTH_FLOWS)
    names = cognito.usernames(prefix, n)
    workdir = work / f"wrk-{key}"
    phases: list[Phase] = []

    def phase(op: str, bodies: list[bytes], expect: str = "") -> None:
        got = timed_phase(engine, target, op, bodies, concurrency, run, workdir, time_limit,
                          expect=expect, cpu=running.cpu)  # fmt: skip
        got.server = key
        phases.append(got)
        log(f"  {key} {got.op} c={concurrency}: {got.rps:,.0f} req/s, p99 {got.p99_ms:.1f} ms, "
            f"{got.server_cpu_ms:.3f} ms CPU/req, errors {got.errors or 'none'}")  # fmt: skip

    phase(SIGN_UP, cognito.signup_bodies(pool, names))
    codes = target.codes([cognito.email_of(u) for u in names])
    phase(CONFIRM, cognito.confirm_bodies(pool, names, codes))
    phase(INITIATE, initiate_bodies(pool, names), expect='"AccessToken"')
    listed, confirmed = cognito.count_confirmed(target.idp, pool, prefix + "u")
    probe = cognito.wrong_code_probe(target.idp, pool, prefix + "probe", target.codes)
    check = Check(key, concurrency, run, n, len(codes), listed, confirmed, probe)
    for got in phases:
        check.problems += sizes.phase_problems(got)
    if confirmed != n:
        check.problems.append(f"ListUsers: {confirmed}/{n} CONFIRMED ({listed} listed)")
    if probe != "CodeMismatchException":
        check.problems.append(f"wrong-code probe gave {probe}")
    return phases, check


def start(key: str, venv_bin: Path, work: Path, log_dir: Path, cl_script: Path | None) -> Running:
    if key in USERPOOL_KEYS and key.startswith("sqlite"):
        db = work / f"{key}.db"
        server = procs.start_userpool(venv_bin, db, log_dir, "none", name=key,
                                      workers=USERPOOL_KEYS[key])  # fmt: skip
        return Running(Target(server, None, cognito.outbox_codes(db)),
                       lambda: procs.tree_cpu(server.pid), db=db)  # fmt: skip
    if key in USERPOOL_KEYS:
        schema = peers.create_schema(key)
        server = procs.start_userpool(venv_bin, None, log_dir, "none", name=key, cwd=work,
                                      workers=USERPOOL_KEYS[key], db_url=peers.pg_url(schema))  # fmt: skip
        backends = peers.PgBackendCpu(server.pid)
        return Running(Target(server, None, peers.pg_outbox_codes(schema)),
                       lambda: procs.tree_cpu(server.pid) + backends(), schema=schema)  # fmt: skip
    if key == "moto":
        server = procs.start_moto(venv_bin, log_dir)
        return Running(Target(server, None, cognito.fixed_codes("000000")),
                       lambda: procs.tree_cpu(server.pid))  # fmt: skip
    assert cl_script is not None
    data_dir = work / "cognito-local-main"
    data_dir.mkdir(parents=True, exist_ok=True)
    server = peers.start_cognito_local(cl_script, data_dir, log_dir)
    return Running(Target(server, None, cognito.fixed_codes(peers.CL_CODE)),
                   lambda: procs.tree_cpu(server.pid), data_dir=data_dir)  # fmt: skip


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/run --full", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    add = parser.add_argument
    add("-n", "--users", type=int, default=1000, help="users per pool and level (1000)")
    add("--levels", default="1,16,64", help="concurrency levels (1,16,64)")
    add("--runs", type=int, default=1, help="runs per level; medians (1)")
    add("--goal-runs", type=int, default=3,
        help=f"runs of the goals' level (c={fullreport.GOAL_C}), at least --runs; medians (3)")  # fmt: skip
    add("--warmup", type=int, default=100,
        help="warm-up users per server, and per pool size (100)")  # fmt: skip
    add("--servers", default=",".join(ALL_SERVERS), help=f"main table ({','.join(ALL_SERVERS)})")
    add("--sizes", default="1000,100000,1000000", help="pool sizes (1000,100000,1000000)")
    add("--size-servers", default="sqlite1,pg1,moto,cognito-local",
        help="servers of the pool-size experiment (sqlite1,pg1,moto,cognito-local)")  # fmt: skip
    add("--size-levels", default="64", help="concurrency of the size phases (64)")
    add("--size-users", type=int, default=1000,
        help="measured users per size, level and round, at most what the smallest pool has (1000)")  # fmt: skip
    add("--size-runs", type=int, default=5,
        help="userpool: rounds per level, each measuring every size in turn; medians (5)")  # fmt: skip
    add("--peer-preload-seconds", type=float, default=600.0,
        help="moto: seconds of API preloading, all sizes together (600)")  # fmt: skip
    add("--peer-phase-seconds", type=float, default=60.0,
        help="cognito-local: fewer users per size phase so it lasts about this long (60)")  # fmt: skip
    add("--skip-main", action="store_true", help="only the pool-size experiment")
    add("--skip-sizes", action="store_true", help="only the main table")
    add("--engine", choices=["auto", "wrk", "asyncio"], default="auto")
    add("--wrk-threads", type=int, default=1, help="wrk threads (1)")
    add("--phase-timeout", type=float, default=0.0, help="seconds per phase (60 + 0.25 x users)")
    add("--no-install", action="store_true", help="do not npm-install cognito-local")
    add("--out", type=Path, default=ROOT / "bench" / "results", help="results (bench/results)")
    args = parser.parse_args(argv)

    def ints(text: str) -> list[int]:
        return [int(x) for x in text.split(",") if x.strip()]

    args.level_list, args.size_list = ints(args.levels), ints(args.sizes)
    args.size_level_list = ints(args.size_levels)
    args.server_list = [s.strip() for s in args.servers.split(",") if s.strip()]
    args.size_server_list = [s.strip() for s in args.size_servers.split(",") if s.strip()]
    if not 1 <= args.users <= 100_000 or not 1 <= args.runs <= 10 or args.size_users < 1:
        parser.error("--users must be 1..100000, --runs 1..10, --size-users >= 1")
    if not 1 <= args.size_runs <= 10 or not 1 <= args.goal_runs <= 10:
        parser.error("--size-runs and --goal-runs must be 1..10")
    # Runs of the goals' level: a phase of c=64 lasts a fraction of a second on userpool,
    # so its goals are judged on medians of several runs, not on one.
    has_goal_level = fullreport.GOAL_C in args.level_list
    args.goal_runs = max(args.runs, args.goal_runs) if has_goal_level else args.runs
    if any(not 1 <= c <= 1024 for c in args.level_list + args.size_level_list):
        parser.error("concurrency levels must be 1..1024")
    if any(not 2 <= s <= 10_000_000 for s in args.size_list):
        parser.error("--sizes must be 2..10000000")
    unknown = set(args.server_list + args.size_server_list) - set(ALL_SERVERS)
    if unknown:
        parser.error(f"unknown servers {sorted(unknown)}; known: {', '.join(ALL_SERVERS)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    engine, engine_note = pick_engine(args.engine, args.wrk_threads)
    time_limit = args.phase_timeout or 60 + 0.25 * max(args.users, args.size_users)
    out_dir: Path = args.out
    log_dir = out_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    venv_bin = Path(sys.executable).parent
    wanted = set(args.server_list) | (set() if args.skip_sizes else set(args.size_server_list))
    meta: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%d %H:%M:%S %z"), "command": " ".join(["bench/run", "--full", *(a for a in sys.argv[1:] if a != "--full")]),
        "users": args.users, "levels": args.level_list, "runs": args.runs,
        "goal_runs": args.goal_runs,
        "warmup": args.warmup, "sizes": args.size_list, "size_levels": args.size_level_list,
        "size_users": args.size_users, "size_runs": args.size_runs, "engine": engine.name, "engine_note": engine_note,
        "cpus": cpu_count(), "cpu_model": fullreport.cpu_model(),
        "userpool": _version("userpool"), "moto": _version("moto"), "labels": LABELS,
        "servers": [s for s in ALL_SERVERS if s in args.server_list],
        "size_servers": [s for s in ALL_SERVERS if s in args.size_server_list],
        "peer_preload_seconds": args.peer_preload_seconds,
        "peer_phase_seconds": args.peer_phase_seconds,
    }  # fmt: skip
    skipped: dict[str, str] = {}
    problems: list[str] = []
    phases: list[Phase] = []
    checks: list[Check] = []
    size_results: list[sizes.SizeResult] = []
    with tempfile.TemporaryDirectory(prefix="userpool-full-") as tmp:
        work = Path(tmp)
        cl_script: Path | None = None
        if peers.COGNITO_LOCAL in wanted:
            cl_script, meta["cognito_local"] = peers.cognito_local_bin(not args.no_install)
            if cl_script is None:
                skipped[peers.COGNITO_LOCAL] = meta["cognito_local"]
        if wanted & {"pg1", "pg2"}:
            reason = peers.probe_postgres(venv_bin, work, log_dir)
            for key in ("pg1", "pg2"):
                if reason:
                    skipped[key] = reason
            log(f"PostgreSQL: {reason or 'supported'}")
        if not args.skip_main:
            fatal = run_main(args, engine, work, log_dir, venv_bin, cl_script, skipped, meta,
                             phases, checks, problems, time_limit)  # fmt: skip
            if fatal:
                problems.append("main table aborted; pool sizes not run")
        if not args.skip_sizes and not any(p.startswith("main table aborted") for p in problems):
            ctx = sizes.Ctx(engine, work, log_dir, venv_bin, args.size_users,
                            args.size_level_list, time_limit, args.peer_preload_seconds,
                            args.peer_phase_seconds, cl_script, args.warmup, args.size_runs)  # fmt: skip
            size_results = sizes_run.run_all(ctx, meta["size_servers"], args.size_list, skipped,
                                         USERPOOL_KEYS)  # fmt: skip
    meta["finished"] = time.strftime("%Y-%m-%d %H:%M:%S %z")
    data: dict[str, Any] = {
        "meta": meta, "skipped": skipped, "phases": [asdict(p) for p in phases],
        "checks": [asdict(c) for c in checks], "sizes": sizes.as_dicts(size_results),
        "problems": problems,
    }  # fmt: skip
    markdown = fullreport.render(data)
    fullreport.write(out_dir, markdown, data)
    print(markdown)
    # Exit 1 on a userpool gate or an abort; the peers' known failures are only reported.
    failed = any(c.problems for c in checks if c.server in USERPOOL_KEYS)
    failed |= any(r.problems for r in size_results if r.server in USERPOOL_KEYS)
    failed |= any(v != "ok" for k, v in meta.get("integrity", {}).items() if k in USERPOOL_KEYS)
    failed |= any(p.split(":")[0] in USERPOOL_KEYS or "aborted" in p for p in problems)
    return 1 if failed else 0


def run_main(args: argparse.Namespace, engine: Engine, work: Path, log_dir: Path,
             venv_bin: Path, cl_script: Path | None, skipped: dict[str, str],
             meta: dict[str, Any], phases: list[Phase], checks: list[Check],
             problems: list[str], time_limit: float) -> bool:  # fmt: skip
    """The main table; True if it aborted."""
    running: dict[str, Running] = {}
    fatal = False
    try:
        for key in meta["servers"]:
            if key in skipped:
                log(f"{key} skipped: {skipped[key]}")
                continue
            running[key] = start(key, venv_bin, work, log_dir, cl_script)
            procs.wait_ready(running[key].target.server)
            running[key].target.idp = cognito.client(running[key].target.server.url)
            log(f"{key} ready on {running[key].target.server.url}")
        for key, r in running.items() if args.warmup else ():
            warm = cognito.usernames("warm", args.warmup)
            pool = cognito.make_pool(r.target.idp, "bench-warmup", AUTH_FLOWS)
            workdir = work / f"wrk-{key}"
            engine.run(r.target.server.port, SIGN_UP, cognito.signup_bodies(pool, warm), 16,
                       workdir, 60 + args.warmup)  # fmt: skip
            warm_codes = r.target.codes([cognito.email_of(u) for u in warm])
            engine.run(r.target.server.port, CONFIRM,
                       cognito.confirm_bodies(pool, warm, warm_codes), 16,
                       workdir, 60 + args.warmup)  # fmt: skip
        for run in range(1, args.goal_runs + 1):
            for concurrency in args.level_list:
                if run > args.runs and concurrency != fullreport.GOAL_C:
                    continue  # the runs past --runs are for the goals' level only
                for key, r in running.items():
                    log(f"{key} c={concurrency} run {run}: x{args.users}")
                    measured, check = level(engine, key, r, args.users, concurrency, run,
                                            work, time_limit)  # fmt: skip
                    phases.extend(measured)
                    checks.append(check)
    except Exception as exc:
        problems.append(f"benchmark aborted: {type(exc).__name__}: {exc}")
        log(problems[-1])
        fatal = True
    finally:
        integrity: dict[str, str] = {}
        for key, r in running.items():
            procs.stop(r.target.server)
            problems.extend(f"{key}: {p}" for p in procs.log_problems(r.target.server))
            if r.db is not None:
                integrity[key] = cognito.integrity_check(r.db)
            if r.data_dir is not None:
                integrity[key] = peers.cognito_local_files_check(r.data_dir)
            if r.schema:
                peers.drop_schema(r.schema)
        meta["integrity"] = integrity
    return fatal
