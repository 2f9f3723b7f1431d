"""Synchronous code that waits without blocking the event loop (greenlets).

Operations call the store synchronously (``with svc.store.transaction() as tx: ...``).
On SQLite that is right: a statement takes microseconds. On PostgreSQL each statement
batch is a network round trip, and a process that blocks its event loop on it leaves the
CPU idle while the database works. ``run(coro)`` awaits a coroutine inside a greenlet of
its own; synchronous code anywhere below it may call ``wait(future)``, which switches
back to the task that drives the greenlet, lets it await the future (other requests run
meanwhile), and switches back in with the result. Outside ``run`` (``active()`` is
False) the caller must do its blocking call instead.

The coroutine's own awaits pass through unchanged: what it yields goes up to the task,
and what the task sends or throws goes down to it (so cancellation reaches it). The
greenlet runs in a copy of the caller's context variables. ``Line`` queues requests that
wait in turn to be handed something (a connection, a group commit to join).
"""

from __future__ import annotations

import asyncio
import contextvars
from collections import deque
from collections.abc import Callable, Coroutine, Generator
from typing import Any, Generic, TypeVar

from greenlet import getcurrent, greenlet

T = TypeVar("T")

_YIELD = 0  # the coroutine yielded (an asyncio future, or None for a bare yield)
_WAIT = 1  # synchronous code waits for a future


class _Bridged(greenlet):  # type: ignore[misc]
    """The greenlet of one ``run``; ``wait`` knows it is inside one by this type."""


class _Raw:
    """Yields an object up to the task as the inner coroutine yielded it."""

    __slots__ = ("obj",)

    def __init__(self, obj: Any) -> None:
        self.obj = obj

    def __await__(self) -> Generator[Any, Any, Any]:
        return (yield self.obj)


def _drive(coro: Coroutine[Any, Any, T]) -> T:
    """In the child greenlet: step the coroutine; each yield goes to the parent, which
    answers with (value, exception) once the task resumes."""
    value: Any = None
    error: BaseException | None = None
    parent = getcurrent().parent
    while True:
        try:
            yielded = coro.send(value) if error is None else coro.throw(error)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        value, error = parent.switch((_YIELD, yielded))


async def run(coro: Coroutine[Any, Any, T]) -> T:
    """Await ``coro`` so that synchronous code it calls may ``wait``."""
    child = _Bridged(_drive)
    child.gr_context = contextvars.copy_context()
    message = child.switch(coro)
    while not child.dead:
        kind, obj = message
        try:
            value = await (_Raw(obj) if kind == _YIELD else obj)
        except BaseException as exc:  # every outcome goes back down
            message = child.switch(None, exc)
        else:
            message = child.switch(value, None)
    return message  # type: ignore[no-any-return]


def active() -> bool:
    """Whether ``wait`` may be called here (inside ``run``)."""
    return isinstance(getcurrent(), _Bridged)


def wait(future: Any) -> Any:
    """The result of an awaitable, awaited by the task driving this greenlet; the event
    loop runs other work meanwhile. Only where ``active()``."""
    value, error = getcurrent().parent.switch((_WAIT, future))
    if error is not None:
        raise error
    return value


class Line(Generic[T]):
    """Requests waiting in turn to be handed a ``T``, or ``None`` (whatever that means to
    the line's owner: "look again", "open one yourself")."""

    def __init__(self) -> None:
        self._waiting: deque[asyncio.Future[T | None]] = deque()

    def wait(self, give_back: Callable[[T | None], None]) -> T | None:
        """Queue up and ``wait`` for what is handed over. If the wait ends otherwise (the
        request was cancelled) after something was handed over, it goes to ``give_back``
        so that it is not lost."""
        waiter: asyncio.Future[T | None] = asyncio.get_running_loop().create_future()
        self._waiting.append(waiter)
        try:
            return wait(waiter)  # type: ignore[no-any-return]
        except BaseException:
            if not waiter.done():
                waiter.cancel()
            elif not waiter.cancelled():
                give_back(waiter.result())
            raise

    def hand(self, value: T | None) -> bool:
        """Hand ``value`` to the first request still waiting; False if there is none."""
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done() and not waiter.get_loop().is_closed():
                waiter.set_result(value)
                return True
        return False
