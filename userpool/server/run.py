"""``userpool serve``'s processes: the listening sockets, the event loop, the workers.

One worker runs in the command's own process. With ``--workers N`` the command binds the
sockets, forks N workers that accept on them, restarts a worker that dies, and on SIGTERM
or SIGINT stops them all; each worker answers the requests it has begun before it exits.

With HTTPS, each worker loads the certificate and key (checked before by ``certs``) into
its own TLS context: TLS 1.2 or 1.3, forward-secret AEAD ciphers only, ALPN ``http/1.1``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import ssl
import sys
import time
from dataclasses import dataclass

from userpool.config import Settings
from userpool.server.http import HttpServer
from userpool.services import build_services

log = logging.getLogger("userpool.server")

QUICK_EXIT = 5.0  # a worker that exits (not killed) this soon after it started: stop all
# TLS 1.2's suites (1.3 has its own, all of them AEAD): ECDHE key exchange, AEAD ciphers.
TLS12_CIPHERS = "ECDHE+AESGCM:ECDHE+CHACHA20"


@dataclass(frozen=True)
class Listening:
    """What the workers accept on: HTTP on ``plain``, HTTPS on ``secure`` with the
    certificate chain and key files ``tls``; either may be absent, not both."""

    plain: socket.socket | None
    secure: socket.socket | None = None
    tls: tuple[str, str] | None = None  # (certificate chain, key)


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


def tls_context(cert: str, key: str) -> ssl.SSLContext:
    """A server's TLS context for the PEM files ``cert`` (the chain) and ``key``."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_ciphers(TLS12_CIPHERS)
    context.options |= ssl.OP_NO_COMPRESSION | ssl.OP_NO_RENEGOTIATION
    context.options |= ssl.OP_CIPHER_SERVER_PREFERENCE
    context.set_alpn_protocols(["http/1.1"])
    context.load_cert_chain(cert, key)
    return context


def serve(settings: Settings, sock: socket.socket | Listening, workers: int) -> int:
    """Serve until stopped; the exit status."""
    listening = sock if isinstance(sock, Listening) else Listening(sock)
    if workers <= 1:
        return _worker(settings, listening)
    return _supervise(settings, listening, workers)


def _new_loop(choice: str) -> asyncio.AbstractEventLoop:
    if choice != "asyncio":
        try:
            import uvloop

            return uvloop.new_event_loop()
        except ImportError:
            if choice == "uvloop":
                raise
    return asyncio.new_event_loop()


def _worker(settings: Settings, listening: Listening) -> int:
    loop = _new_loop(settings.loop)
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(_run(settings, listening))
    finally:
        loop.close()
    return 0


async def _run(settings: Settings, listening: Listening) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    secure = None
    if listening.secure is not None and listening.tls is not None:
        secure = (listening.secure, tls_context(*listening.tls))
    svc = build_services(settings)
    try:
        svc.start(loop)
        await HttpServer(svc).serve(listening.plain, stop, secure)
        await svc.stop()
    finally:
        svc.close()


def _supervise(settings: Settings, sock: Listening, workers: int) -> int:
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


def _fork(settings: Settings, sock: Listening) -> int:
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
