"""Servers under test and CPU accounting from /proc.

Each server runs on its own free loopback port in its own session (process group) and is
stopped by its own pid. CPU time is read for the server's whole process tree (``--workers N``
forks its workers as child processes), so a phase's server cost is the difference of two
snapshots. Each process counts the nanoseconds its live threads ran
(``/proc/<pid>/task/*/schedstat``) where that covers all its CPU; where threads have ended
(their time shows only in ``/proc/<pid>/stat``), it counts clock ticks (10 ms) instead. A
phase of 1,000 requests at 0.1 ms each is 10 ticks, so ticks alone would be 10 % coarse.
Per thread (the mixed benchmark's thread table), it reads the time each thread ran and the
time it waited for a CPU.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")
LOOPBACK = "127.0.0.1"


@dataclass
class Server:
    """A server process we started, reachable at ``url``."""

    name: str
    proc: subprocess.Popen[bytes]
    port: int
    log_path: Path
    db_path: Path | None = None

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def pid(self) -> int:
        return self.proc.pid


def free_port() -> int:
    """A port the kernel considers free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def _spawn(name: str, argv: list[str], port: int, log_path: Path, db: Path | None,
           env: dict[str, str] | None = None, cwd: Path | None = None) -> Server:  # fmt: skip
    log = log_path.open("wb")
    proc = subprocess.Popen(
        argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        start_new_session=True, env=env, cwd=cwd,
    )  # fmt: skip
    log.close()
    return Server(name=name, proc=proc, port=port, log_path=log_path, db_path=db)


def _serve_has_dev(userpool: str) -> bool:
    """Whether ``userpool serve`` has ``--dev`` (accept any credentials, loopback only)."""
    return _serve_has(userpool, "--dev")


def _serve_has(userpool: str, flag: str) -> bool:
    """Whether ``userpool serve --help`` lists ``flag`` (the bench runs older builds too)."""
    try:
        out = subprocess.run([userpool, "serve", "--help"], capture_output=True, text=True,
                             timeout=30, check=False)  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return False
    return flag in out.stdout


def start_userpool(venv_bin: Path, db: Path | None, log_dir: Path, sender: str, *,
                   name: str = "userpool", workers: int = 1, db_url: str | None = None,
                   cwd: Path | None = None, extra: tuple[str, ...] = ()) -> Server:  # fmt: skip
    """``userpool serve`` on the (fresh) SQLite file ``db``, or on ``db_url`` if given (then
    ``db_path`` is None); with ``--dev`` where the server has it, so that boto3's dummy
    credentials are accepted on signed operations. ``workers`` > 1 adds ``--workers``;
    ``extra`` are more options (``--password-hashing fast``)."""
    port = free_port()
    userpool = str(venv_bin / "userpool")
    argv = [
        userpool, "serve", "--host", LOOPBACK, "--port", str(port),
        "--db", db_url or str(db), "--sender", sender,
    ]  # fmt: skip
    if workers != 1:
        argv += ["--workers", str(workers)]
    if _serve_has_dev(userpool):
        argv.append("--dev")
    if _serve_has(userpool, "--rate-per-ip"):
        # Every request of the load comes from one loopback address: the per-address and
        # per-client rate limits (which would throttle it at 200 req/s) are off.
        argv += ["--rate-per-ip", "0", "--rate-per-client", "0"]
    if _serve_has(userpool, "--fail-per-ip"):
        argv += ["--fail-per-ip", "0"]  # runs with wrong codes must not be throttled either
    argv += extra
    log_path = log_dir / f"{name}.log"
    return _spawn(name, argv, port, log_path, None if db_url else db, cwd=cwd)


def start_moto(venv_bin: Path, log_dir: Path) -> Server:
    """``moto_server`` (Werkzeug, threaded, in memory)."""
    port = free_port()
    argv = [str(venv_bin / "moto_server"), "-H", LOOPBACK, "-p", str(port)]
    return _spawn("moto", argv, port, log_dir / "moto.log", None)


def wait_ready(server: Server, timeout: float = 60.0) -> None:
    """Poll with ListUserPools until the server answers 200; bounded by ``timeout``."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(
                f"{server.name} exited with {server.proc.returncode}; see {server.log_path}"
            )
        request = urllib.request.Request(
            server.url + "/",
            data=b'{"MaxResults": 1}',
            headers={
                "Content-Type": "application/x-amz-json-1.1",
                "X-Amz-Target": "AWSCognitoIdentityProviderService.ListUserPools",
                "Authorization": "AWS4-HMAC-SHA256 Credential=bench/20250101/us-east-1/"
                "cognito-idp/aws4_request, SignedHeaders=host, Signature=0",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=2.0) as response:
                if response.status == 200:
                    return
                last = f"HTTP {response.status}"
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code}"
        except OSError as exc:
            last = str(exc)
        time.sleep(0.2)
    raise RuntimeError(
        f"{server.name} not ready after {timeout:.0f} s ({last}); see {server.log_path}"
    )


def stop(server: Server, timeout: float = 20.0) -> None:
    """SIGTERM the server's pid, then its own process group; SIGKILL after ``timeout``."""
    if server.proc.poll() is None:
        server.proc.send_signal(signal.SIGTERM)
        try:
            server.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait(timeout=5.0)
    # Workers that outlived their parent are in the session we created for this server.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(server.pid, signal.SIGKILL)


def _stat_fields(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rfind(")") + 2 :].split()


def task_schedstat(pid: int, tid: str) -> tuple[float, float] | None:
    """(seconds on a CPU, seconds runnable but waiting) of one thread, from
    ``/proc/<pid>/task/<tid>/schedstat`` (nanoseconds); None if it is gone or unreadable."""
    try:
        run_ns, wait_ns = Path(f"/proc/{pid}/task/{tid}/schedstat").read_text().split()[:2]
        return int(run_ns) / 1e9, int(wait_ns) / 1e9
    except (OSError, ValueError):
        return None


def _live_threads_seconds(pid: int) -> float | None:
    """CPU seconds of the threads of ``pid`` alive now, in nanoseconds' precision."""
    total = 0.0
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return None
    for tid in tids:
        got = task_schedstat(pid, tid)
        if got is None:  # a thread ended while we read
            return None
        total += got[0]
    return total


def _own_cpu(pid: int, fields: list[str]) -> float:
    """user+sys seconds of one process (all its threads, not its children). The ticks in
    ``stat`` are truncated, so with no ended thread the live threads' sum is at least the
    ticks; below them, ended threads hold CPU that only the ticks show."""
    ticks = (int(fields[11]) + int(fields[12])) / CLK_TCK
    live = _live_threads_seconds(pid)
    return ticks if live is None or live < ticks else live


def process_cpu(pid: int) -> float:
    """user+sys seconds of one process (all its threads); 0 if it is gone."""
    fields = _stat_fields(pid)
    return 0.0 if fields is None else _own_cpu(pid, fields)


def _process_table() -> tuple[dict[int, int], dict[int, list[str]]]:
    """(parent of each pid, the ``stat`` fields of each pid)."""
    parent: dict[int, int] = {}
    stats: dict[int, list[str]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        fields = _stat_fields(int(entry))
        if fields is None:
            continue
        pid = int(entry)
        parent[pid] = int(fields[1])
        stats[pid] = fields
    return parent, stats


def _in_tree(pid: int, root: int, parent: dict[int, int]) -> bool:
    node, hops = pid, 0
    while node not in (0, 1) and hops < 64:
        if node == root:
            return True
        node, hops = parent.get(node, 0), hops + 1
    return False


def tree_pids(root: int) -> list[int]:
    """``root`` and all its live descendants."""
    parent, _ = _process_table()
    return [pid for pid in parent if _in_tree(pid, root, parent)]


def tree_cpu(root: int) -> float:
    """user+sys seconds of ``root`` and all its descendants, reaped children included."""
    parent, stats = _process_table()
    total = 0.0
    for pid, fields in stats.items():
        if _in_tree(pid, root, parent):
            reaped = (int(fields[13]) + int(fields[14])) / CLK_TCK
            total += _own_cpu(pid, fields) + reaped
    return total


def thread_times(root: int) -> dict[str, tuple[float, float]]:
    """Per thread of ``root`` and its descendants, ``"pid/tid" -> (running s, runnable s)``.

    From ``/proc/<pid>/task/<tid>/schedstat`` (nanoseconds: time on a CPU, time waiting on a
    run queue); if that file is missing, user+sys from ``stat`` (10 ms ticks) and no wait.
    """
    out: dict[str, tuple[float, float]] = {}
    for pid in tree_pids(root):
        try:
            tasks = list(Path(f"/proc/{pid}/task").iterdir())
        except OSError:
            continue
        for task in tasks:
            times = task_schedstat(pid, task.name)
            if times is not None:
                out[f"{pid}/{task.name}"] = times
                continue
            try:
                raw = (task / "stat").read_text()
            except OSError:
                continue
            fields = raw[raw.rfind(")") + 2 :].split()
            ticks = int(fields[11]) + int(fields[12])
            out[f"{pid}/{task.name}"] = (ticks / CLK_TCK, 0.0)
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


def machine_busy() -> float:
    """Busy CPU seconds of the whole machine, all cores (from /proc/stat)."""
    with open("/proc/stat") as handle:
        fields = handle.readline().split()
    # user nice system idle iowait irq softirq steal ...
    busy = sum(int(fields[i]) for i in (1, 2, 3, 6, 7, 8))
    return busy / CLK_TCK


def log_problems(server: Server, limit: int = 3) -> list[str]:
    """Tracebacks found in a server's log: up to ``limit`` excerpts (last lines of each)."""
    try:
        lines = server.log_path.read_text(errors="replace").splitlines()
    except OSError:
        return []
    excerpts: list[str] = []
    count = 0
    for index, line in enumerate(lines):
        if line.startswith("Traceback"):
            count += 1
            if len(excerpts) < limit:
                end = index + 1
                while end < len(lines) and (lines[end].startswith(" ") or not lines[end]):
                    end += 1
                excerpts.append("\n".join(lines[max(index, end - 6) : end + 1]))
    if count:
        excerpts.insert(0, f"{count} traceback(s) in {server.log_path}")
    return excerpts
