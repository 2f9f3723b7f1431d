"""Mixed load: ConfirmSignUp latency while SignUp and InitiateAuth keep the hashers busy.

Goal: password hashing stays off the event loop. ConfirmSignUp never hashes (about 0.2 ms of
CPU), while SignUp and InitiateAuth (USER_PASSWORD_AUTH) each cost one argon2id hash (about
38 ms of CPU) in userpool's 2-thread hash pool. So ConfirmSignUp's p99 at c=16 should grow
less than 2x when a background load saturates that pool.

One fresh userpool, one pool. Setup (not timed): SignUp 2N + warm-up + sign-in users through
a bounded Python thread pool, codes from the outbox, confirm the sign-in users. Then:

- phase A: ConfirmSignUp for the first N users at c=16 with wrk, alone;
- phase B: a background load (Python threads, c=8) alternates InitiateAuth with the sign-in
  users' correct passwords and SignUp of fresh usernames; once it runs, ConfirmSignUp for
  the other N users at c=16 with wrk; then the background stops.

Afterwards ListUsers (filter ``cognito:user_status = "CONFIRMED"``) must list all 2N users.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import cognito, procs, report
from bench.driver import CONFIRM, Phase, Target, _version, log, timed_phase
from bench.engines import Engine, cpu_count, pick_engine
from bench.mixedload import (
    Background,
    JsonConn,
    initiate_auth_body,
    outcome_of,
    parallel_calls,
    signup_body,
    summarize_background,
)
from bench.mixedreport import Result, render, write

ROOT = Path(__file__).resolve().parent.parent
AUTH_FLOWS = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]


def confirmed_users(idp: Any, pool: cognito.Pool) -> set[str]:
    """Usernames ListUsers shows with ``cognito:user_status = "CONFIRMED"`` (paged, bounded)."""
    names: set[str] = set()
    token: str | None = None
    for _ in range(10_000):  # 60 per page
        args: dict[str, Any] = {
            "UserPoolId": pool.pool_id, "Limit": 60,
            "Filter": 'cognito:user_status = "CONFIRMED"',
        }  # fmt: skip
        if token:
            args["PaginationToken"] = token
        page = idp.list_users(**args)
        names.update(user["Username"] for user in page["Users"])
        token = page.get("PaginationToken")
        if not token:
            break
    return names


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/run --mixed", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    parser.add_argument("-n", "--users", type=int, default=1000,
                        help="ConfirmSignUp users per phase (1000); 2N are signed up")  # fmt: skip
    parser.add_argument("-c", "--concurrency", type=int, default=16,
                        help="ConfirmSignUp connections (16)")  # fmt: skip
    parser.add_argument("--bg-concurrency", type=int, default=8,
                        help="background connections, InitiateAuth + SignUp (8)")  # fmt: skip
    parser.add_argument("--signin-users", type=int, default=50,
                        help="confirmed users the background signs in as (50)")  # fmt: skip
    parser.add_argument("--settle", type=float, default=1.0,
                        help="seconds the background runs before phase B starts (1.0)")  # fmt: skip
    parser.add_argument("--warmup", type=int, default=100,
                        help="ConfirmSignUp warm-up users at c=16, not reported (100)")  # fmt: skip
    parser.add_argument("--setup-threads", type=int, default=8,
                        help="connections for the untimed setup (8)")  # fmt: skip
    parser.add_argument("--engine", choices=["auto", "wrk", "asyncio"], default="auto")
    parser.add_argument("--wrk-threads", type=int, default=1, help="wrk threads (1)")
    parser.add_argument("--phase-timeout", type=float, default=0.0,
                        help="seconds per timed phase (default 60 + 0.25 x users)")  # fmt: skip
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results",
                        help="results folder (bench/results)")  # fmt: skip
    args = parser.parse_args(argv)
    if not 1 <= args.users <= 100_000:
        parser.error("--users must be 1..100000")
    if not 1 <= args.concurrency <= 1024 or not 1 <= args.bg_concurrency <= 256:
        parser.error("--concurrency must be 1..1024 and --bg-concurrency 1..256")
    if not 1 <= args.signin_users <= 10_000 or not 0 <= args.warmup <= 100_000:
        parser.error("--signin-users must be 1..10000 and --warmup 0..100000")
    if not 0 <= args.settle <= 60 or not 1 <= args.setup_threads <= 64:
        parser.error("--settle must be 0..60 s and --setup-threads 1..64")
    return args


def measured(engine: Engine, target: Target, bodies: list[bytes], concurrency: int,
             workdir: Path, time_limit: float, result: Result, key: str) -> Phase:  # fmt: skip
    """``timed_phase`` for ConfirmSignUp, plus the server's CPU in cores over the phase."""
    pid = target.server.pid
    threads0, server0, wall0 = procs.thread_times(pid), procs.tree_cpu(pid), time.monotonic()
    phase = timed_phase(engine, target, CONFIRM, bodies, concurrency, 1, workdir, time_limit)
    server1, wall1, threads1 = procs.tree_cpu(pid), time.monotonic(), procs.thread_times(pid)
    result.phases[key] = phase
    result.cores[key] = (server1 - server0) / max(wall1 - wall0, 1e-9)
    result.threads[key] = procs.busiest_threads(threads0, threads1, wall1 - wall0)
    log(f"  {key}: {phase.rps:,.0f} req/s, p50 {phase.p50_ms:.2f} ms, p99 {phase.p99_ms:.2f} ms, "
        f"errors {phase.errors or 'none'}")  # fmt: skip
    if not phase.complete:
        result.problems.append(f"{key}: incomplete ({phase.answered}/{phase.n} answered)")
    if phase.errors or phase.transport_errors:
        result.problems.append(
            f"{key}: non-200 answers {phase.errors}, transport errors {phase.transport_errors}"
        )
    return phase


def setup(target: Target, args: argparse.Namespace, pool: cognito.Pool,
          groups: dict[str, list[str]], result: Result) -> dict[str, str]:  # fmt: skip
    """SignUp every user (untimed, bounded thread pool); their codes; confirm sign-in users."""
    port = target.server.port
    everyone = [name for names in groups.values() for name in names]
    limit = 120 + 0.5 * len(everyone)
    log(f"setup: SignUp x{len(everyone)} through {args.setup_threads} connections")
    t0 = time.monotonic()
    outcomes = parallel_calls(port, "SignUp", [signup_body(pool, n) for n in everyone],
                              args.setup_threads, limit)  # fmt: skip
    seconds = time.monotonic() - t0
    rate = len(everyone) / seconds
    result.notes.append(
        f"setup: SignUp x{len(everyone)} in {seconds:.1f} s ({rate:.1f}/s), {dict(outcomes)}"
    )
    log(f"  {rate:.1f} SignUps/s, outcomes {dict(outcomes)}")
    if outcomes["200"] != len(everyone):
        raise RuntimeError(f"setup SignUp failed: {dict(outcomes)}")
    codes = target.codes([cognito.email_of(n) for n in everyone])
    if len(codes) != len(everyone):
        raise RuntimeError(f"only {len(codes)}/{len(everyone)} codes in the outbox")
    signin = groups["signin"]
    confirmed = parallel_calls(port, "ConfirmSignUp", cognito.confirm_bodies(pool, signin, codes),
                               args.setup_threads, limit)  # fmt: skip
    if confirmed["200"] != len(signin):
        raise RuntimeError(f"confirming the sign-in users failed: {dict(confirmed)}")
    conn = JsonConn(port, timeout=60.0)
    try:
        status, data = conn.call("InitiateAuth", initiate_auth_body(pool, signin[0]))
    finally:
        conn.close()
    if status != 200 or b"AccessToken" not in data:
        raise RuntimeError(f"InitiateAuth sanity check failed: {outcome_of(status, data)}")
    return codes


def run(engine: Engine, target: Target, args: argparse.Namespace, work: Path,
        result: Result) -> None:  # fmt: skip
    time_limit = args.phase_timeout or 60 + 0.25 * args.users
    pool = cognito.make_pool(target.idp, "bench-mixed", auth_flows=AUTH_FLOWS)
    groups = {
        "A": cognito.usernames("mxa", args.users),
        "B": cognito.usernames("mxb", args.users),
        "warm": cognito.usernames("mxw", args.warmup),
        "signin": cognito.usernames("mxs", args.signin_users),
    }
    codes = setup(target, args, pool, groups, result)
    wrk_dir = work / "wrk"
    if args.warmup:
        log(f"warm-up: ConfirmSignUp x{args.warmup} at c={args.concurrency}")
        warm = timed_phase(engine, target, CONFIRM,
                           cognito.confirm_bodies(pool, groups["warm"], codes),
                           args.concurrency, 0, wrk_dir, time_limit)  # fmt: skip
        result.notes.append(f"warm-up (not reported): ConfirmSignUp x{args.warmup}, "
                            f"{warm.rps:,.0f} req/s, errors {warm.errors or 'none'}")  # fmt: skip

    log(f"phase A: ConfirmSignUp x{args.users} at c={args.concurrency}, alone")
    measured(engine, target, cognito.confirm_bodies(pool, groups["A"], codes),
             args.concurrency, wrk_dir, time_limit, result, "A")  # fmt: skip

    bg_limit = args.settle + time_limit + 30
    bg = Background(target.server.port, pool, groups["signin"], "mxbg", args.bg_concurrency,
                    bg_limit, max_requests=int(bg_limit * 500))  # fmt: skip
    log(f"phase B: background c={args.bg_concurrency} (InitiateAuth + SignUp), "
        f"settling {args.settle:.1f} s")  # fmt: skip
    bg.start()
    try:
        settle_end = time.monotonic() + args.settle
        while time.monotonic() < settle_end:  # bounded by --settle
            time.sleep(0.02)
        log(f"  background answered {bg.answered()} so far; "
            f"ConfirmSignUp x{args.users} at c={args.concurrency}")  # fmt: skip
        fg = measured(engine, target, cognito.confirm_bodies(pool, groups["B"], codes),
                      args.concurrency, wrk_dir, time_limit, result, "B")  # fmt: skip
    finally:
        bg.stop()
    summary = summarize_background(bg, fg)
    result.background = summary
    log(f"  background: {summary.answered} answers, {summary.window_answers} during phase B "
        f"({summary.window_hashes_per_s:.1f} hashes/s), outcomes {summary.outcomes}")  # fmt: skip
    bad = {k: v for k, v in summary.outcomes.items() if not k.endswith(" 200")}
    if bad:
        result.problems.append(f"background: non-200 answers {bad}")
    if not summary.covers:
        result.problems.append("background did not cover the whole of phase B")
    if summary.threads_left:
        result.problems.append(f"background: {summary.threads_left} thread(s) did not stop")

    confirmed = confirmed_users(target.idp, pool)
    wanted = set(groups["A"]) | set(groups["B"])
    got = len(wanted & confirmed)
    result.checks["ListUsers CONFIRMED (phase A + B users)"] = f"{got}/{len(wanted)}"
    if got != len(wanted):
        result.problems.append(f"ListUsers: {got}/{len(wanted)} phase users CONFIRMED")
    for key in ("A", "B"):
        phase = result.phases[key]
        result.checks[f"ConfirmSignUp HTTP 200, phase {key}"] = f"{phase.ok}/{phase.n}"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    engine, engine_note = pick_engine(args.engine, args.wrk_threads)
    if engine_note.startswith("FALLBACK"):
        print(f"bench: {engine_note}", file=sys.stderr)
    out_dir: Path = args.out
    log_dir = out_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    result = Result(meta={
        "started": time.strftime("%Y-%m-%d %H:%M:%S %z"), "users": args.users,
        "concurrency": args.concurrency, "bg_concurrency": args.bg_concurrency,
        "signin_users": args.signin_users, "settle": args.settle, "warmup": args.warmup,
        "engine": engine.name, "engine_note": engine_note, "cpus": cpu_count(),
        "cpu_model": report.cpu_model(), "userpool": _version("userpool"),
    })  # fmt: skip
    venv_bin = Path(sys.executable).parent
    with tempfile.TemporaryDirectory(prefix="userpool-mixed-") as tmp:
        work = Path(tmp)
        server: procs.Server | None = None
        try:
            server = procs.start_userpool(venv_bin, work / "userpool.db", log_dir, "none")
            assert server.db_path is not None
            target = Target(server, None, cognito.outbox_codes(server.db_path))
            procs.wait_ready(server)
            target.idp = cognito.client(server.url)
            log(f"userpool ready on {server.url} (pid {server.pid})")
            run(engine, target, args, work, result)
            integrity = cognito.integrity_check(server.db_path)
            result.checks["SQLite integrity_check"] = integrity
            if integrity != "ok":
                result.problems.append(f"integrity_check: {integrity}")
        except Exception as exc:  # report what was measured, then fail
            result.problems.append(f"benchmark aborted: {type(exc).__name__}: {exc}")
            log(result.problems[-1])
        finally:
            if server is not None:
                procs.stop(server)
                found = procs.log_problems(server)
                result.problems.extend(f"userpool log: {p}" for p in found)
                result.checks["tracebacks in the server log"] = (
                    found[0] if found else "none"
                )  # fmt: skip
    result.meta["finished"] = time.strftime("%Y-%m-%d %H:%M:%S %z")
    markdown = render(result)
    write(out_dir, markdown, result)
    print(markdown)
    return 1 if result.problems else 0
