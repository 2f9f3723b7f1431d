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
import http.client
import json
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import orjson

from bench import cognito, procs, report
from bench.driver import CONFIRM, Phase, Target, _version, log, timed_phase
from bench.engines import TYPE_RE, Engine, cpu_count, pick_engine

ROOT = Path(__file__).resolve().parent.parent
AUTH_FLOWS = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
GOAL_RATIO = 2.0


class JsonConn:
    """One keep-alive HTTP/1.1 connection to userpool on 127.0.0.1 (one thread only)."""

    def __init__(self, port: int, timeout: float) -> None:
        self.port = port
        self.timeout = timeout
        self.conn: http.client.HTTPConnection | None = None

    def call(self, op: str, body: bytes) -> tuple[int, bytes]:
        """POST one request; no retry (SignUp is not idempotent). Raises on socket errors."""
        if self.conn is None:
            self.conn = http.client.HTTPConnection(procs.LOOPBACK, self.port, timeout=self.timeout)
        headers = {
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": cognito.PREFIX + op,
        }
        try:
            self.conn.request("POST", "/", body, headers)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        if response.will_close:
            self.close()
        return response.status, data

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def outcome_of(status: int, data: bytes) -> str:
    """``200`` or ``<status> <__type>``."""
    if status == 200:
        return "200"
    match = TYPE_RE.search(data)
    return f"{status} {match.group(1).decode().rsplit('#', 1)[-1] if match else '-'}"


def signup_body(pool: cognito.Pool, name: str) -> bytes:
    return cognito.signup_bodies(pool, [name])[0]


def initiate_auth_body(pool: cognito.Pool, name: str) -> bytes:
    return orjson.dumps({
        "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": pool.client_id,
        "AuthParameters": {"USERNAME": name, "PASSWORD": cognito.PASSWORD},
    })  # fmt: skip


def parallel_calls(port: int, op: str, bodies: list[bytes], threads: int,
                   time_limit: float) -> Counter[str]:  # fmt: skip
    """Send each body once through ``threads`` keep-alive connections; outcomes counted."""
    local = threading.local()
    conns: list[JsonConn] = []
    lock = threading.Lock()
    deadline = time.monotonic() + time_limit

    def one(body: bytes) -> str:
        if time.monotonic() > deadline:
            return "skipped (setup time limit)"
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = JsonConn(port, timeout=60.0)
            with lock:
                conns.append(conn)
        try:
            return outcome_of(*conn.call(op, body))
        except (OSError, http.client.HTTPException) as exc:
            return f"transport {type(exc).__name__}"

    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="setup") as pool:
        futures = [pool.submit(one, body) for body in bodies]
        done, pending = wait(futures, timeout=time_limit + 70)
        for future in pending:
            future.cancel()
    outcomes = Counter(f.result() for f in done)
    if pending:
        outcomes["unanswered"] += len(pending)
    for conn in conns:
        conn.close()
    return outcomes


@dataclass
class BgAnswer:
    op: str
    outcome: str
    t_sent: float
    t_done: float


class Background:
    """Closed-loop load on the hash pool: ``concurrency`` threads, each with its own
    connection, alternating InitiateAuth (sign-in users, correct password) and SignUp (fresh
    usernames). Bounded by ``max_requests`` and ``time_limit``; ``stop()`` ends it early."""

    def __init__(self, port: int, pool: cognito.Pool, signin: list[str], prefix: str,
                 concurrency: int, time_limit: float, max_requests: int) -> None:  # fmt: skip
        self.port = port
        self.pool = pool
        self.signin = signin
        self.prefix = prefix
        self.concurrency = concurrency
        self.time_limit = time_limit
        self.max_requests = max_requests
        self.answers: list[BgAnswer] = []
        self.issued = 0
        self.t_start = 0.0
        self.t_stop = 0.0
        self.threads_left = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._deadline = 0.0

    def _next(self) -> tuple[str, bytes] | None:
        with self._lock:
            if (self._stop.is_set() or self.issued >= self.max_requests
                    or time.monotonic() > self._deadline):  # fmt: skip
                return None
            index = self.issued
            self.issued += 1
        if index % 2 == 0:
            name = self.signin[(index // 2) % len(self.signin)]
            return "InitiateAuth", initiate_auth_body(self.pool, name)
        return "SignUp", signup_body(self.pool, f"{self.prefix}u{index // 2:06d}")

    def _worker(self) -> None:
        conn = JsonConn(self.port, timeout=min(60.0, self.time_limit))
        try:
            while (item := self._next()) is not None:
                op, body = item
                t_sent = time.monotonic()
                try:
                    outcome = outcome_of(*conn.call(op, body))
                except (OSError, http.client.HTTPException) as exc:
                    outcome = f"transport {type(exc).__name__}"
                answer = BgAnswer(op, outcome, t_sent, time.monotonic())
                with self._lock:
                    self.answers.append(answer)
        finally:
            conn.close()

    def start(self) -> None:
        self.t_start = time.monotonic()
        self._deadline = self.t_start + self.time_limit
        for i in range(self.concurrency):
            thread = threading.Thread(target=self._worker, name=f"bg{i}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def answered(self) -> int:
        with self._lock:
            return len(self.answers)

    def stop(self, timeout: float = 60.0) -> None:
        """Ask every thread to finish its request in flight; wait (bounded) for them."""
        self._stop.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self.t_stop = time.monotonic()
        self.threads_left = sum(t.is_alive() for t in self._threads)


@dataclass
class BgSummary:
    concurrency: int
    signin_users: int
    issued: int
    answered: int
    seconds: float
    hashes_per_s: float
    window_answers: int
    window_seconds: float
    window_hashes_per_s: float
    lead_s: float
    tail_s: float
    covers: bool
    outcomes: dict[str, int]
    latency_ms: dict[str, dict[str, float]]
    threads_left: int


def summarize_background(bg: Background, fg: Phase) -> BgSummary:
    answers = list(bg.answers)
    ok = [a for a in answers if a.outcome == "200"]
    seconds = max(bg.t_stop - bg.t_start, 1e-9)
    window = max(fg.t_last - fg.t_first, 1e-9)
    in_window = [a for a in ok if fg.t_first <= a.t_done <= fg.t_last]
    first_send = min((a.t_sent for a in answers), default=bg.t_start)
    last_done = max((a.t_done for a in answers), default=bg.t_start)
    latency: dict[str, dict[str, float]] = {}
    for op in ("InitiateAuth", "SignUp"):
        values = sorted((a.t_done - a.t_sent) * 1000 for a in ok if a.op == op)
        if values:
            latency[op] = {
                "p50": statistics.median(values),
                "p99": values[min(len(values) - 1, int(0.99 * len(values)))],
                "max": values[-1],
            }
    outcomes = Counter(f"{a.op} {a.outcome}" for a in answers)
    return BgSummary(
        concurrency=bg.concurrency, signin_users=len(bg.signin), issued=bg.issued,
        answered=len(answers), seconds=seconds, hashes_per_s=len(ok) / seconds,
        window_answers=len(in_window), window_seconds=window,
        window_hashes_per_s=len(in_window) / window, lead_s=fg.t_first - first_send,
        tail_s=last_done - fg.t_last,
        covers=first_send <= fg.t_first and last_done >= fg.t_last and bg.issued > 0,
        outcomes=dict(sorted(outcomes.items())), latency_ms=latency,
        threads_left=bg.threads_left,
    )  # fmt: skip


def thread_times(root: int) -> dict[str, tuple[float, float]]:
    """Per thread of ``root`` and its descendants, ``"pid/tid" -> (running s, runnable s)``.

    From ``/proc/<pid>/task/<tid>/schedstat`` (nanoseconds: time on a CPU, time waiting on a
    run queue); if that file is missing, user+sys from ``stat`` (10 ms ticks) and no wait.
    """
    out: dict[str, tuple[float, float]] = {}
    for pid in procs.tree_pids(root):
        try:
            tasks = list(Path(f"/proc/{pid}/task").iterdir())
        except OSError:
            continue
        for task in tasks:
            times = procs.task_schedstat(pid, task.name)
            if times is not None:
                out[f"{pid}/{task.name}"] = times
                continue
            try:
                raw = (task / "stat").read_text()
            except OSError:
                continue
            fields = raw[raw.rfind(")") + 2 :].split()
            ticks = int(fields[11]) + int(fields[12])
            out[f"{pid}/{task.name}"] = (ticks / procs.CLK_TCK, 0.0)
    return out


def busiest_threads(before: dict[str, tuple[float, float]], after: dict[str, tuple[float, float]],
                    wall: float, top: int = 5) -> list[tuple[str, float, float]]:  # fmt: skip
    """The ``top`` threads by CPU: (label, running cores, runnable-but-waiting cores) over
    ``wall`` seconds; ``(main)`` marks tid == pid, the worker's event-loop thread."""
    rows = []
    for key, (run_s, wait_s) in after.items():
        run0, wait0 = before.get(key, (0.0, 0.0))
        pid, tid = key.split("/")
        label = key + (" (main)" if pid == tid else "")
        rows.append((label, (run_s - run0) / max(wall, 1e-9), (wait_s - wait0) / max(wall, 1e-9)))
    rows.sort(key=lambda row: -row[1])
    return [row for row in rows[:top] if row[1] > 0.005]


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


@dataclass
class Result:
    meta: dict[str, Any]
    phases: dict[str, Phase] = field(default_factory=dict)
    cores: dict[str, float] = field(default_factory=dict)  # server CPU / wall, per phase
    threads: dict[str, list[tuple[str, float, float]]] = field(default_factory=dict)  # busiest
    background: BgSummary | None = None
    checks: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def measured(engine: Engine, target: Target, bodies: list[bytes], concurrency: int,
             workdir: Path, time_limit: float, result: Result, key: str) -> Phase:  # fmt: skip
    """``timed_phase`` for ConfirmSignUp, plus the server's CPU in cores over the phase."""
    pid = target.server.pid
    threads0, server0, wall0 = thread_times(pid), procs.tree_cpu(pid), time.monotonic()
    phase = timed_phase(engine, target, CONFIRM, bodies, concurrency, 1, workdir, time_limit)
    server1, wall1, threads1 = procs.tree_cpu(pid), time.monotonic(), thread_times(pid)
    result.phases[key] = phase
    result.cores[key] = (server1 - server0) / max(wall1 - wall0, 1e-9)
    result.threads[key] = busiest_threads(threads0, threads1, wall1 - wall0)
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


def _ms(value: float) -> str:
    return f"{value:,.2f}"


def render(result: Result) -> str:
    meta = result.meta
    lines = [
        "# Mixed load: ConfirmSignUp while SignUp and InitiateAuth saturate the hashers",
        "",
        f"- {meta['started']}; {meta['cpus']} cores ({meta['cpu_model']}); userpool "
        f"{meta['userpool']} (SQLite, --sender none) on 127.0.0.1",
        f"- foreground: ConfirmSignUp x{meta['users']} per phase at c={meta['concurrency']}, "
        f"{meta['engine']} ({meta['engine_note']}), each body sent once",
        f"- background (phase B only): {meta['bg_concurrency']} Python connections, closed "
        f"loop, alternating InitiateAuth (USER_PASSWORD_AUTH, {meta['signin_users']} "
        f"confirmed users, correct password) and SignUp (fresh usernames); started "
        f"{meta['settle']:.1f} s before the foreground, stopped after it",
        "- goal: p99(B) / p99(A) < 2×",
        "",
        "| phase | req/s | p50 ms | p90 ms | p99 ms | max ms | server CPU (cores) "
        "| foreign CPU | non-200 |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    labels = {"A": "A: ConfirmSignUp alone", "B": "B: ConfirmSignUp + hash load"}
    for key, phase in result.phases.items():
        noisy = " (!)" if phase.foreign_cpu_pct > report.QUIET_PCT else ""
        errors = {**phase.errors, **phase.transport_errors}
        if not phase.complete:
            errors["unanswered"] = phase.n - phase.answered
        lines.append(
            f"| {labels[key]} | {phase.rps:,.0f} | {_ms(phase.p50_ms)} | {_ms(phase.p90_ms)} | "
            f"{_ms(phase.p99_ms)} | {_ms(phase.max_ms)} | {result.cores[key]:.2f} | "
            f"{phase.foreign_cpu_pct:.0f} %{noisy} | "
            f"{', '.join(f'{k}: {v}' for k, v in errors.items()) or '0'} |"
        )
    a, b = result.phases.get("A"), result.phases.get("B")
    if a and b and a.p99_ms > 0:
        ratio = b.p99_ms / a.p99_ms
        verdict = "met" if ratio < GOAL_RATIO else "MISSED"
        lines += [
            "",
            f"**p99(B) / p99(A) = {ratio:.2f}×** (goal < {GOAL_RATIO:.0f}×: {verdict}); "
            f"p50 {b.p50_ms / a.p50_ms if a.p50_ms else 0:.2f}×, "
            f"req/s {b.rps / a.rps if a.rps else 0:.2f}×",
        ]
        meta["p99_ratio"] = ratio
    bg = result.background
    if bg is not None:
        lat = "; ".join(
            f"{op} p50 {_ms(v['p50'])}, p99 {_ms(v['p99'])}, max {_ms(v['max'])}"
            for op, v in bg.latency_ms.items()
        )  # fmt: skip
        lines += [
            "",
            "## Background load (phase B)",
            "",
            "| measure | value |",
            "|---|---|",
            f"| hashes/s during the ConfirmSignUp window | {bg.window_hashes_per_s:.1f} "
            f"({bg.window_answers} answers in {bg.window_seconds:.2f} s) |",
            f"| hashes/s over the whole background run | {bg.hashes_per_s:.1f} "
            f"({bg.answered} answers in {bg.seconds:.2f} s) |",
            f"| hash ceiling (cores ÷ 38 ms) | {meta['cpus'] / 0.038:.0f} |",
            f"| started before / ended after the foreground | {bg.lead_s:.2f} s / "
            f"{bg.tail_s:.2f} s (covers it: {'yes' if bg.covers else 'NO'}) |",
            f"| answers by op and status | "
            f"{', '.join(f'{k}: {v}' for k, v in bg.outcomes.items()) or 'none'} |",
            f"| background latency ms (200s) | {lat or '-'} |",
        ]
    if result.threads:
        lines += [
            "",
            "## Server threads (busiest first)",
            "",
            "Cores over the phase's wall time: running / runnable but waiting for a CPU "
            "(`/proc/<pid>/task/<tid>/schedstat`). `(main)` is the worker's event-loop thread.",
            "",
            "| phase | thread (pid/tid) | running | waiting for a CPU |",
            "|---|---|---|---|",
        ]
        for key, rows in result.threads.items():
            lines += [f"| {key} | {t} | {run:.2f} | {wait:.2f} |" for t, run, wait in rows]
    lines += ["", "## Correctness", ""]
    lines += [f"- {name}: {value}" for name, value in result.checks.items()]
    verdict = "ok" if not result.problems else "FAIL"
    lines.append(f"- verdict: {verdict}")
    notes = list(result.notes)
    if any(p.foreign_cpu_pct > report.QUIET_PCT for p in result.phases.values()):
        notes.append(
            f"(!) other processes used more than {report.QUIET_PCT:.0f} % of the cores during "
            "that phase: its latency is inflated by them, so rerun in a quiet window to quote it"
        )
    notes.append(
        "server CPU (cores) = the server process tree's user+sys over the phase's wall time; "
        "in phase B it includes the hashing. In phase B the two argon2 threads should lead the "
        "thread table"
    )
    notes += [f"PROBLEM: {p}" for p in result.problems]
    lines += ["", "## Notes", ""] + [f"- {n}" for n in notes]
    return "\n".join(lines) + "\n"


def write(out_dir: Path, markdown: str, result: Result) -> None:
    """mixed-latest.md/.json plus timestamped copies."""
    out_dir.mkdir(parents=True, exist_ok=True)
    data = {
        "meta": result.meta,
        "phases": {k: asdict(p) for k, p in result.phases.items()},
        "server_cores": result.cores,
        "server_threads": result.threads,
        "background": asdict(result.background) if result.background else None,
        "checks": result.checks,
        "problems": result.problems,
        "notes": result.notes,
    }
    text = json.dumps(data, indent=2) + "\n"
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for name in ("mixed-latest", f"mixed-{stamp}"):
        (out_dir / f"{name}.md").write_text(markdown)
        (out_dir / f"{name}.json").write_text(text)


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
