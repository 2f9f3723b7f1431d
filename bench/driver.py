"""Orchestration: start both servers, run SignUp then ConfirmSignUp per level, check, report.

For each run, concurrency level and server (interleaved, so both see the same machine
state): a fresh pool, SignUp xN, codes from the server's code source, ConfirmSignUp xN,
then ListUsers must show N CONFIRMED users and a wrong code must be refused. Every timed
phase is wrapped in CPU snapshots of the server's process tree and of the whole machine.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from bench import cognito, procs, report
from bench.engines import Engine, WrkEngine, cpu_count, pick_engine

ROOT = Path(__file__).resolve().parent.parent
SIGN_UP = cognito.PREFIX + "SignUp"
CONFIRM = cognito.PREFIX + "ConfirmSignUp"


@dataclass
class Phase:
    """One timed phase, as measured."""

    server: str
    op: str
    concurrency: int
    run: int
    n: int
    answered: int
    ok: int
    errors: dict[str, int]
    transport_errors: dict[str, int]
    complete: bool
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    server_cpu_ms: float
    client_cpu_ms: float
    foreign_cpu_pct: float
    t_first: float = 0.0  # first send and last answer, time.monotonic() clock
    t_last: float = 0.0


@dataclass
class Check:
    """Correctness after one level: ListUsers and the wrong-code probe."""

    server: str
    concurrency: int
    run: int
    n: int
    codes_found: int
    listed: int
    confirmed: int
    probe: str
    problems: list[str] = field(default_factory=list)


@dataclass
class Target:
    server: procs.Server
    idp: Any
    codes: cognito.CodeSource


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def timed_phase(engine: Engine, target: Target, op: str, bodies: list[bytes], concurrency: int,
                run: int, workdir: Path, time_limit: float, expect: str = "",
                cpu: Callable[[], float] | None = None) -> Phase:  # fmt: skip
    """One engine run between CPU snapshots. ``cpu`` gives the server's CPU seconds so far
    (default: its process tree); ``expect`` is text every 200 answer must contain."""
    pid = target.server.pid
    server_cpu_now = cpu or (lambda: procs.tree_cpu(pid))
    busy0, server0, self0 = procs.machine_busy(), server_cpu_now(), time.process_time()
    wall0 = time.monotonic()
    out = engine.run(target.server.port, op, bodies, concurrency, workdir, time_limit, expect)
    wall = time.monotonic() - wall0
    busy1, server1, self1 = procs.machine_busy(), server_cpu_now(), time.process_time()
    answered = out.ok + sum(out.errors.values())
    seconds = max(out.t_last - out.t_first, 1e-9)
    server_cpu = server1 - server0
    client_cpu = out.client_cpu_s if isinstance(engine, WrkEngine) else 0.0
    foreign = (busy1 - busy0) - server_cpu - client_cpu - (self1 - self0)
    return Phase(
        server=target.server.name, op=op.removeprefix(cognito.PREFIX), concurrency=concurrency,
        run=run, n=len(bodies), answered=answered, ok=out.ok, errors=dict(out.errors),
        transport_errors=dict(out.transport_errors), complete=out.complete, seconds=seconds,
        rps=answered / seconds if answered else 0.0, p50_ms=out.p50_ms, p90_ms=out.p90_ms,
        p99_ms=out.p99_ms, max_ms=out.max_ms,
        server_cpu_ms=server_cpu * 1000 / max(answered, 1),
        client_cpu_ms=out.client_cpu_s * 1000 / max(answered, 1),
        foreign_cpu_pct=max(0.0, 100 * foreign / (cpu_count() * wall)),
        t_first=out.t_first, t_last=out.t_last,
    )  # fmt: skip


def level(engine: Engine, target: Target, n: int, concurrency: int, run: int, prefix: str,
          workdir: Path, time_limit: float) -> tuple[list[Phase], Check]:  # fmt: skip
    """A fresh pool: SignUp xN, ConfirmSignUp xN, then the correctness checks."""
    name = target.server.name
    pool = cognito.make_pool(target.idp, f"bench-{prefix}")
    names = cognito.usernames(prefix, n)
    log(f"{name} c={concurrency} run {run}: SignUp x{n}")
    sign_up = timed_phase(engine, target, SIGN_UP, cognito.signup_bodies(pool, names),
                          concurrency, run, workdir, time_limit)  # fmt: skip
    log(f"  {sign_up.rps:.0f} req/s, {sign_up.server_cpu_ms:.2f} ms CPU/req, "
        f"errors {sign_up.errors or 'none'}")  # fmt: skip
    codes = target.codes([cognito.email_of(u) for u in names])
    log(f"{name} c={concurrency} run {run}: ConfirmSignUp x{n} ({len(codes)} codes)")
    confirm = timed_phase(engine, target, CONFIRM, cognito.confirm_bodies(pool, names, codes),
                          concurrency, run, workdir, time_limit)  # fmt: skip
    log(f"  {confirm.rps:.0f} req/s, {confirm.server_cpu_ms:.2f} ms CPU/req, "
        f"errors {confirm.errors or 'none'}")  # fmt: skip
    listed, confirmed = cognito.count_confirmed(target.idp, pool, prefix + "u")
    probe = cognito.wrong_code_probe(target.idp, pool, prefix + "probe", target.codes)
    check = Check(name, concurrency, run, n, len(codes), listed, confirmed, probe)
    for phase in (sign_up, confirm):
        if not phase.complete:
            check.problems.append(f"{phase.op}: incomplete ({phase.answered}/{phase.n} answered)")
        if phase.errors:
            check.problems.append(f"{phase.op}: non-200 answers {phase.errors}")
        if phase.transport_errors:
            check.problems.append(f"{phase.op}: transport errors {phase.transport_errors}")
    if confirmed != n:
        check.problems.append(f"ListUsers: {confirmed}/{n} CONFIRMED ({listed} listed)")
    if probe != "CodeMismatchException":
        check.problems.append(f"wrong-code probe gave {probe}")
    log(f"  check: {confirmed}/{n} CONFIRMED, wrong code -> {probe}")
    return [sign_up, confirm], check


def warm_up(engine: Engine, target: Target, n: int, workdir: Path) -> dict[str, Any]:
    """A throwaway pool: SignUp and ConfirmSignUp xn at c=16, not reported in the table."""
    pool = cognito.make_pool(target.idp, "bench-warmup")
    names = cognito.usernames("warm", n)
    log(f"{target.server.name}: warm-up x{n}")
    phases = [timed_phase(engine, target, SIGN_UP, cognito.signup_bodies(pool, names), 16, 0,
                          workdir, 60 + n)]  # fmt: skip
    codes = target.codes([cognito.email_of(u) for u in names])
    phases.append(timed_phase(engine, target, CONFIRM, cognito.confirm_bodies(pool, names, codes),
                              16, 0, workdir, 60 + n))  # fmt: skip
    return {p.op: {"rps": round(p.rps, 1), "errors": p.errors} for p in phases}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/run", description=__doc__,
        epilog="bench/run --mixed --help: the mixed-load benchmark (bench/mixed.py)",
    )  # fmt: skip
    parser.add_argument("-n", "--users", type=int, default=1000, help="users per pool (1000)")
    parser.add_argument("--levels", default="1,16,64", help="concurrency levels (1,16,64)")
    parser.add_argument("--runs", type=int, default=1, help="runs per level; medians (1)")
    parser.add_argument("--warmup", type=int, default=100, help="warm-up users per server (100)")
    parser.add_argument("--servers", default="userpool,moto", help="userpool,moto (both)")
    parser.add_argument("--engine", choices=["auto", "wrk", "asyncio"], default="auto")
    parser.add_argument("--wrk-threads", type=int, default=1, help="wrk threads (1)")
    parser.add_argument("--sender", default="none", choices=["none", "console"],
                        help="userpool --sender (none: codes stay in the outbox)")  # fmt: skip
    parser.add_argument("--phase-timeout", type=float, default=0.0,
                        help="seconds per timed phase (default 60 + 0.25 x users)")  # fmt: skip
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results",
                        help="results folder (bench/results)")  # fmt: skip
    args = parser.parse_args(argv)
    args.level_list = [int(x) for x in args.levels.split(",") if x.strip()]
    args.server_list = [s.strip() for s in args.servers.split(",") if s.strip()]
    if not 1 <= args.users <= 100_000 or not 1 <= args.runs <= 10:
        parser.error("--users must be 1..100000 and --runs 1..10")
    if any(not 1 <= c <= 1024 for c in args.level_list) or not args.level_list:
        parser.error("--levels must be 1..1024")
    if not set(args.server_list) <= {"userpool", "moto"} or not args.server_list:
        parser.error("--servers takes userpool and/or moto")
    return args


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "?"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    engine, engine_note = pick_engine(args.engine, args.wrk_threads)
    if engine_note.startswith("FALLBACK"):
        print(f"bench: {engine_note}", file=sys.stderr)
    time_limit = args.phase_timeout or 60 + 0.25 * args.users
    out_dir: Path = args.out
    log_dir = out_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    venv_bin = Path(sys.executable).parent
    meta: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%d %H:%M:%S %z"), "users": args.users,
        "levels": args.level_list, "runs": args.runs, "warmup": args.warmup,
        "engine": engine.name, "engine_note": engine_note, "wrk_threads": args.wrk_threads,
        "cpus": cpu_count(), "cpu_model": report.cpu_model(), "sender": args.sender,
        "userpool": _version("userpool"), "moto": _version("moto"), "servers": args.server_list,
    }  # fmt: skip
    phases: list[Phase] = []
    checks: list[Check] = []
    problems: list[str] = []
    fatal = False
    with tempfile.TemporaryDirectory(prefix="userpool-bench-") as tmp:
        work = Path(tmp)
        targets: dict[str, Target] = {}
        try:
            for name in args.server_list:
                if name == "userpool":
                    server = procs.start_userpool(venv_bin, work / "userpool.db", log_dir,
                                                  args.sender)  # fmt: skip
                    assert server.db_path is not None
                    codes = cognito.outbox_codes(server.db_path)
                else:
                    server = procs.start_moto(venv_bin, log_dir)
                    codes = cognito.fixed_codes("000000")
                targets[name] = Target(server, None, codes)
                procs.wait_ready(server)
                targets[name].idp = cognito.client(server.url)
                log(f"{name} ready on {server.url} (pid {server.pid})")
            if args.warmup:
                meta["warmup_results"] = {
                    name: warm_up(engine, t, args.warmup, work / f"wrk-{name}")
                    for name, t in targets.items()
                }
            for run in range(1, args.runs + 1):
                for concurrency in args.level_list:
                    for name, target in targets.items():
                        got, check = level(engine, target, args.users, concurrency, run,
                                           f"r{run}c{concurrency}", work / f"wrk-{name}",
                                           time_limit)  # fmt: skip
                        phases.extend(got)
                        checks.append(check)
            if "userpool" in targets and targets["userpool"].server.db_path:
                meta["userpool_integrity_check"] = cognito.integrity_check(
                    targets["userpool"].server.db_path
                )
        except Exception as exc:  # report what was measured, then fail
            problems.append(f"benchmark aborted: {type(exc).__name__}: {exc}")
            log(problems[-1])
            fatal = True
        finally:
            for target in targets.values():
                procs.stop(target.server)
                found = procs.log_problems(target.server)
                problems.extend(f"{target.server.name}: {p}" for p in found)
                fatal = fatal or (target.server.name == "userpool" and bool(found))
    meta["finished"] = time.strftime("%Y-%m-%d %H:%M:%S %z")
    data = {
        "meta": meta,
        "phases": [asdict(p) for p in phases],
        "checks": [asdict(c) for c in checks],
        "problems": problems,
    }
    markdown = report.render(data)
    report.write(out_dir, markdown, data)
    print(markdown)
    gate_failed = fatal or any(c.problems for c in checks if c.server == "userpool")
    if meta.get("userpool_integrity_check", "ok") != "ok":
        gate_failed = True
    return 1 if gate_failed else 0
