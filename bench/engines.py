"""Load engines: wrk with a generated Lua script (default) and a stdlib asyncio fallback.

An engine sends each pre-built JSON body exactly once to ``POST /`` with the given
``X-Amz-Target``, at a fixed number of connections, and returns the raw outcome: counts,
errors by status and ``__type``, latency percentiles and the first-send/last-answer
timestamps (``time.monotonic`` clock). The driver wraps a run with CPU snapshots.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.procs import LOOPBACK, process_cpu

LUA_TEMPLATE = Path(__file__).with_name("wrk_once.lua")
TYPE_RE = re.compile(rb'"__type"\s*:\s*"([^"]+)"')


@dataclass
class Outcome:
    """What one engine run saw from the client side."""

    sent: int = 0
    ok: int = 0
    errors: dict[str, int] = field(default_factory=dict)  # "<status> <__type>" -> count
    transport_errors: dict[str, int] = field(default_factory=dict)
    t_first: float = 0.0
    t_last: float = 0.0
    p50_ms: float = 0.0
    p90_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    complete: bool = False
    client_cpu_s: float = 0.0


class Engine:
    """Interface: ``run`` blocks until every body is answered or ``time_limit`` passes.

    ``expect``, if not empty, is text every 200 answer must contain; a 200 answer without it
    is counted as the error ``200 unexpected-body``.
    """

    name = "engine"

    def run(self, port: int, target: str, bodies: list[bytes], concurrency: int,
            workdir: Path, time_limit: float, expect: str = "") -> Outcome:  # fmt: skip
        raise NotImplementedError


def _percentile(sorted_values: list[float], pct: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, int(round(pct / 100 * len(sorted_values))) - 1))
    return sorted_values[index]


class WrkEngine(Engine):
    """wrk 4.x: one thread per core at most, each handing out its share of the bodies."""

    name = "wrk"

    def __init__(self, wrk: str, threads: int = 1) -> None:
        self.wrk = wrk
        self.threads = threads

    @staticmethod
    def version(wrk: str) -> str:
        out = subprocess.run([wrk, "-v"], capture_output=True, text=True, timeout=10)
        first = (out.stdout + out.stderr).strip().splitlines()
        return first[0].split(" Copyright")[0] if first else "wrk (unknown version)"

    def run(self, port: int, target: str, bodies: list[bytes], concurrency: int,
            workdir: Path, time_limit: float, expect: str = "") -> Outcome:  # fmt: skip
        threads = max(1, min(self.threads, concurrency, len(bodies)))
        workdir.mkdir(parents=True, exist_ok=True)
        body_file = workdir / "bodies.jsonl"
        body_file.write_bytes(b"".join(b.replace(b"\n", b" ") + b"\n" for b in bodies))
        done_prefix = str(workdir / "done-")
        for old in workdir.glob("done-*"):
            old.unlink()
        script = LUA_TEMPLATE.read_text()
        for key, value in (("BODIES", str(body_file)), ("TARGET", target),
                           ("DONE_PREFIX", done_prefix), ("THREADS", str(threads)),
                           ("EXPECT", expect)):  # fmt: skip
            script = script.replace(f"@{key}@", value)
        script_path = workdir / "once.lua"
        script_path.write_text(script)
        argv = [
            self.wrk, "-t", str(threads), "-c", str(concurrency), "-d", f"{int(time_limit) + 5}s",
            "--timeout", f"{int(time_limit) + 5}s", "-s", str(script_path),
            f"http://{LOOPBACK}:{port}/",
        ]  # fmt: skip
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        done_files = [Path(f"{done_prefix}{t}.json") for t in range(threads)]
        deadline = time.monotonic() + time_limit
        complete = False
        while time.monotonic() < deadline and proc.poll() is None:
            if all(p.exists() for p in done_files):
                complete = True
                break
            time.sleep(0.005)
        client_cpu = process_cpu(proc.pid)
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
        try:
            output, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            output, _ = proc.communicate()
        return self._collect(done_files, output, complete, client_cpu)

    @staticmethod
    def _collect(done_files: list[Path], output: str, complete: bool, cpu: float) -> Outcome:
        outcome = Outcome(complete=complete, client_cpu_s=cpu)
        firsts: list[float] = []
        lasts: list[float] = []
        for path in done_files:
            if not path.exists():
                outcome.complete = False
                continue
            data = json.loads(path.read_text())
            outcome.sent += int(data["sent"])
            failed = 0
            for kind, count in data["errors"].items():
                outcome.errors[kind] = outcome.errors.get(kind, 0) + int(count)
                failed += int(count)
            outcome.ok += int(data["received"]) - failed
            if data["n"]:
                firsts.append(float(data["t_first"]))
                lasts.append(float(data["t_last"]))
        outcome.t_first = min(firsts) if firsts else 0.0
        outcome.t_last = max(lasts) if lasts else 0.0
        summary = next((ln for ln in output.splitlines() if ln.startswith("BENCH_DONE ")), "")
        if not summary:
            outcome.transport_errors["wrk printed no summary"] = 1
            outcome.complete = False
            tail = output.strip().splitlines()[-5:]
            if tail:
                outcome.transport_errors["wrk: " + " | ".join(tail)[:200]] = 1
            return outcome
        stats = json.loads(summary.split(" ", 1)[1])
        answered = outcome.ok + sum(outcome.errors.values())
        if stats["requests"] != answered:  # wrk's own count must match the script's
            outcome.transport_errors[f"wrk counted {stats['requests']} responses"] = 1
        for key in ("connect", "read", "write"):
            if stats[key]:
                outcome.transport_errors[f"socket {key} errors"] = int(stats[key])
        outcome.p50_ms = stats["p50_us"] / 1000
        outcome.p90_ms = stats["p90_us"] / 1000
        outcome.p99_ms = stats["p99_us"] / 1000
        outcome.max_ms = stats["max_us"] / 1000
        return outcome


class AsyncioEngine(Engine):
    """Pure-stdlib HTTP/1.1 client (asyncio streams). About 5x wrk's CPU per request."""

    name = "asyncio"

    def run(self, port: int, target: str, bodies: list[bytes], concurrency: int,
            workdir: Path, time_limit: float, expect: str = "") -> Outcome:  # fmt: skip
        cpu0 = time.process_time()
        outcome = asyncio.run(self._run(port, target, bodies, concurrency, time_limit, expect))
        outcome.client_cpu_s = time.process_time() - cpu0
        return outcome

    async def _run(self, port: int, target: str, bodies: list[bytes], concurrency: int,
                   time_limit: float, expect: str) -> Outcome:  # fmt: skip
        head = (
            f"POST / HTTP/1.1\r\nHost: {LOOPBACK}:{port}\r\n"
            f"Content-Type: application/x-amz-json-1.1\r\nX-Amz-Target: {target}\r\n"
        ).encode()
        requests = [head + b"Content-Length: %d\r\n\r\n" % len(b) + b for b in bodies]
        outcome = Outcome()
        latencies: list[float] = []
        next_index = 0

        def take() -> int | None:
            nonlocal next_index
            if next_index >= len(requests):
                return None
            next_index += 1
            if outcome.t_first == 0.0:
                outcome.t_first = time.monotonic()
            return next_index - 1

        async def worker() -> None:
            reader: asyncio.StreamReader | None = None
            writer: asyncio.StreamWriter | None = None
            while (index := take()) is not None:
                try:
                    if writer is None:
                        reader, writer = await asyncio.open_connection(LOOPBACK, port)
                    assert reader is not None
                    start = time.monotonic()
                    writer.write(requests[index])
                    outcome.sent += 1
                    status, body, close = await _read_response(reader)
                    latencies.append(time.monotonic() - start)
                    outcome.t_last = time.monotonic()
                except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                    kind = f"socket error: {type(exc).__name__}"
                    outcome.transport_errors[kind] = outcome.transport_errors.get(kind, 0) + 1
                    if writer is not None:
                        writer.close()
                    writer = None
                    continue
                if status == 200 and expect and expect.encode() not in body:
                    kind = "200 unexpected-body"
                    outcome.errors[kind] = outcome.errors.get(kind, 0) + 1
                elif status == 200:
                    outcome.ok += 1
                else:
                    match = TYPE_RE.search(body)
                    kind = f"{status} {match.group(1).decode() if match else '-'}"
                    outcome.errors[kind] = outcome.errors.get(kind, 0) + 1
                if close:
                    writer.close()
                    writer = None
            if writer is not None:
                writer.close()

        tasks = [asyncio.create_task(worker()) for _ in range(concurrency)]
        _, pending = await asyncio.wait(tasks, timeout=time_limit)
        for task in pending:
            task.cancel()
        outcome.complete = not pending and outcome.ok + sum(outcome.errors.values()) == len(bodies)
        latencies.sort()
        outcome.p50_ms = _percentile(latencies, 50) * 1000
        outcome.p90_ms = _percentile(latencies, 90) * 1000
        outcome.p99_ms = _percentile(latencies, 99) * 1000
        outcome.max_ms = (latencies[-1] if latencies else 0.0) * 1000
        return outcome


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """Status, body and whether the server closes the connection (Content-Length only)."""
    status_line = await reader.readuntil(b"\r\n")
    status = int(status_line.split()[1])
    length, close = 0, status_line.startswith(b"HTTP/1.0")
    while (line := await reader.readuntil(b"\r\n")) != b"\r\n":
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value.strip())
        elif name == b"connection":
            close = value.strip().lower() == b"close"
    body = await reader.readexactly(length) if length else b""
    return status, body, close


def pick_engine(requested: str, wrk_threads: int) -> tuple[Engine, str]:
    """The engine and a note for the report (why the fallback was used, if it was)."""
    wrk = shutil.which("wrk")
    if requested == "asyncio":
        return AsyncioEngine(), "asyncio engine (requested)"
    if wrk is None:
        if requested == "wrk":
            raise SystemExit("wrk is not installed (apt-get install -y wrk)")
        return AsyncioEngine(), (
            "FALLBACK: wrk is not installed, so the stdlib asyncio engine was used; it costs "
            "about 5x more client CPU per request and caps throughput (see the spec, section 4)"
        )
    return WrkEngine(wrk, wrk_threads), WrkEngine.version(wrk)


def cpu_count() -> int:
    return os.cpu_count() or 1
