"""The PostgreSQL store's connections: each used by one transaction at a time.

A process keeps up to ``size`` connections. A request that finds none idle while
``size`` are out waits for one (``bridge.wait``: the event loop runs the requests that
hold them meanwhile). Code that cannot wait (outside ``bridge.run``) opens one more
instead, closed again when it comes back. A connection comes back idle or is closed: one
that was lost, or that still has a transaction open (an error path that could not roll
back), is never handed out again. Inside ``bridge.run`` a new connection is opened on a
thread of the pool's (``open``): the handshake with the server (TCP, authentication, the
session settings) is several round trips, a reconnect to a database that fails over
takes up to its timeout, and meanwhile the event loop serves the other requests.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import psycopg

from userpool import bridge

Connection = psycopg.Connection[tuple[Any, ...]]


class ConnectionPool:
    """Connections made by ``connect``, at most ``size`` out at once for waiting callers."""

    def __init__(self, connect: Callable[[], Connection], size: int) -> None:
        self._connect = connect
        self.size = max(1, size)
        self.on_idle: Callable[[], None] = lambda: None  # a connection just went idle
        self._idle: list[Connection] = []
        self._count = 0  # connections out or idle, and places promised to waiters
        self._waiting: bridge.Line[Connection] = bridge.Line()
        self._opener = ThreadPoolExecutor(self.size, thread_name_prefix="pg-connect")
        self.closed = False

    def open(self) -> Connection:
        """A new connection (not counted: ``take`` counts). Inside ``bridge.run`` it is
        opened on a thread while the event loop runs; one that is ready only after its
        request gave up waiting (cancelled) is closed."""
        if not bridge.active():
            return self._connect()
        opening = self._opener.submit(self._connect)
        try:
            return bridge.wait(asyncio.wrap_future(opening))  # type: ignore[no-any-return]
        except BaseException:
            opening.add_done_callback(_close_unclaimed)
            raise

    def take(self) -> Connection:
        """An idle connection, a new one, or (inside ``bridge.run``, all ``size`` out) the
        next one given back."""
        while self._idle:
            conn = self._idle.pop()
            if not conn.closed:
                return conn
            self._count -= 1
        if self._count >= self.size and bridge.active():
            handed = self._wait()
            if handed is not None:
                return handed
        else:
            self._count += 1
        try:
            return self.open()
        except BaseException:
            self._place_freed()
            raise

    def _wait(self) -> Connection | None:
        """A connection given back, or None: a place to open one (already counted)."""
        return self._waiting.wait(self._give_back)

    def _give_back(self, handed: Connection | None) -> None:
        """What a waiter was handed before it was cancelled."""
        if handed is None:
            self._place_freed()
        else:
            self.give(handed)

    def give(self, conn: Connection) -> None:
        """Back from a transaction: to a waiter, idle, or closed."""
        usable = not self.closed and not conn.closed and _idle_on_server(conn)
        if not usable:
            if not conn.closed:
                conn.close()
            self._place_freed()
            return
        if self._waiting.hand(conn):
            return
        if self._count > self.size:
            conn.close()
            self._count -= 1
        else:
            self._idle.append(conn)
            self.on_idle()

    def available(self) -> bool:
        """Whether ``take`` would give a connection without waiting."""
        return bool(self._idle) or self._count < self.size

    def _place_freed(self) -> None:
        """One connection fewer: its place goes to the next waiter, if any."""
        if not self._waiting.hand(None):
            self._count -= 1
            self.on_idle()

    def close(self) -> None:
        """Close the idle connections; the ones still out close when they come back."""
        self.closed = True
        while self._idle:
            self._idle.pop().close()
            self._count -= 1
        self._opener.shutdown(wait=False)


def _close_unclaimed(opening: Future[Connection]) -> None:
    """A connection opened for a request that stopped waiting for it."""
    if not opening.cancelled() and opening.exception() is None:
        opening.result().close()


def _idle_on_server(conn: Connection) -> bool:
    return bool(conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE)
