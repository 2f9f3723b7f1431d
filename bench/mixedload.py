"""The mixed benchmark's own HTTP clients (``bench/run --mixed``), Python threads on
keep-alive connections to userpool on 127.0.0.1: the untimed setup's parallel calls and the
closed-loop background that keeps the hash pool busy (InitiateAuth and SignUp), with the
summary of what that background did while the measured ConfirmSignUp phase ran. The
measured phases themselves go through wrk (``driver.timed_phase``).
"""

from __future__ import annotations

import http.client
import statistics
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass

import orjson

from bench import cognito, procs
from bench.driver import Phase
from bench.engines import TYPE_RE


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
