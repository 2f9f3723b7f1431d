"""Limits of ``userpool serve``'s HTTP server beyond one connection: how many connections
a worker keeps open (and the answer past it), TLS's timeouts, handing freed memory back."""

from __future__ import annotations

import asyncio
import ctypes
import resource
import ssl
from typing import Any, Protocol

FD_RESERVE = 64  # descriptors kept for the store, logs, triggers and refusals
MAX_REFUSING = 256  # refused connections still being answered; past this they are just closed
# Seconds a closing TLS connection waits for the client's close_notify (asyncio's default,
# 30, would keep a client that never answers on the connection count, and stops waiting).
TLS_SHUTDOWN = 2.0

# DEVIATION: a connection over --max-connections gets this answer and is closed.
_BUSY = (
    b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain\r\ncontent-length: 30\r\n"
    b"connection: close\r\nretry-after: 1\r\n\r\nToo many connections; retry.\r\n"
)


class Refusing(Protocol):
    """What a refusal counts on: the server's number of refusals in progress."""

    refusing: int


def default_max_connections() -> int:
    """Open connections one worker accepts: its descriptor limit less a reserve, bounded."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft <= 0:
        return 10_000
    return max(16, min(10_000, soft - FD_RESERVE))


def tls_options(context: ssl.SSLContext | None, handshake: float) -> dict[str, Any]:
    """``create_server``'s TLS arguments (none without ``context``): how long a handshake
    and a closing may take."""
    if context is None:
        return {}
    return {
        "ssl": context,
        "ssl_handshake_timeout": handshake,
        "ssl_shutdown_timeout": TLS_SHUTDOWN,
    }


def malloc_trim() -> None:
    """Hand freed heap memory back to the system (glibc keeps it otherwise); else nothing."""
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # not glibc
        return
    trim(0)


class Refused(asyncio.Protocol):
    """A connection over the limit: a 503, the write side closed, then closed within 1 s
    (or at once while too many refusals are pending). What the client sent is dropped, and
    read, so that closing does not reset the connection before the client reads the 503."""

    def __init__(self, server: Refusing) -> None:
        self.server = server
        self.counted = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if self.server.refusing >= MAX_REFUSING:
            transport.close()
            return
        self.counted = True
        self.server.refusing += 1
        transport.write(_BUSY)  # type: ignore[attr-defined]
        if transport.can_write_eof():  # type: ignore[attr-defined]  # not over TLS
            transport.write_eof()  # type: ignore[attr-defined]
        asyncio.get_running_loop().call_later(1.0, transport.close)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.counted:
            self.counted = False
            self.server.refusing -= 1

    def data_received(self, data: bytes) -> None:
        pass

    def eof_received(self) -> bool:
        return False  # the client has read its answer: close
