"""Background work a server owns: what a request begins and does not wait for (an import
job). Each piece runs in a task of the worker's event loop, inside ``bridge.run`` on a store
across the network (so its waits for the database let requests run); a failure is logged;
``stop`` cancels what is still running and waits for it, before the store closes. Nothing
survives the process: what a stopped task leaves behind is its owner's to mark.

Before ``start`` (the CLI on local data, the in-process harness) there is no loop to own a
task beyond the request, so the work is done at once, inside the call.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from userpool import bridge

log = logging.getLogger("userpool.background")


class Tasks:
    """The ``Background`` port of a running server."""

    def __init__(self, remote: bool) -> None:
        self.remote = remote
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    async def run(self, work: Callable[[], Coroutine[Any, Any, None]]) -> None:
        if self._loop is None:
            await work()
            return
        task = self._loop.create_task(self._guarded(work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _guarded(self, work: Callable[[], Coroutine[Any, Any, None]]) -> None:
        try:
            await (bridge.run(work()) if self.remote else work())
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("background work failed")

    async def stop(self) -> None:
        """Cancel the work still running and wait for it to end (it may write on its way
        out: the store is still open)."""
        self._loop = None
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
