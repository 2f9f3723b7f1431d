"""``userpool serve``'s processes: the listening socket, the event loop, the workers.

One worker runs in the command's own process. With ``--workers N`` the command binds the
socket, forks N workers that accept on it, restarts a worker that dies, and on SIGTERM or
SIGINT stops them all; each worker answers the requests it has begun before it exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import sys
import time

from userpool.config import Settings
from userpool.server.http import HttpServer
from userpool.services import build_services

log = logging.getLogger("userpool.server")

QUICK_EXIT = 5.0  # a worker that exits (not killed) this soon after it started: stop all


def listen(host: str, port: int) -> socket.socket:
    """The listening socket every worker accepts on (``OSError`` if it cannot be bound)."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    sock.setblocking(False)
    return sock


def serve(settings: Settings, sock: socket.socket, workers: int) -> int:
    """Serve until stopped; the exit status."""
    if workers <= 1:
        return _worker(settings, sock)
    return _supervise(settings, sock, workers)


def _new_loop(choice: str) -> asyncio.AbstractEventLoop:
    if choice != "asyncio":
        try:
            import uvloop

            return uvloop.new_event_loop()
        except ImportError:
            if choice == "uvloop":
                raise
    return asyncio.new_event_loop()


def _worker(settings: Settings, sock: socket.socket) -> int:
    loop = _new_loop(settings.loop)
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(_run(settings, sock))
    finally:
        loop.close()
    return 0


async def _run(settings: Settings, sock: socket.socket) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    svc = build_services(settings)
    try:
        svc.start(loop)
        await HttpServer(svc).serve(sock, stop)
        await svc.stop()
    finally:
        svc.close()


def _supervise(settings: Settings, sock: socket.socket, workers: int) -> int:
    stopping = False
    children: dict[int, float] = {}  # pid -> when it started

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True
        for pid in children:
            _signal(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for _ in range(workers):
        children[_fork(settings, sock)] = time.monotonic()
    status = 0
    while children:
        try:
            pid, how = os.wait()
        except ChildProcessError:
            break
        started = children.pop(pid, None)
        if started is None or stopping:
            continue
        if os.WIFEXITED(how) and time.monotonic() - started < QUICK_EXIT:
            print(f"worker {pid} exited at start; stopping", file=sys.stderr, flush=True)
            status = 1
            stop(signal.SIGTERM, None)
            continue
        log.warning("worker %s exited; starting another", pid)
        children[_fork(settings, sock)] = time.monotonic()
    return status


def _fork(settings: Settings, sock: socket.socket) -> int:
    pid = os.fork()
    if pid:
        return pid
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    status = 1
    try:
        status = _worker(settings, sock)
    except BaseException:
        log.exception("worker failed")
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)


def _signal(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signum)
