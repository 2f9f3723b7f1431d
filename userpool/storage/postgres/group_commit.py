"""PostgreSQL's group commit bookkeeping that is not about connections: which group's
COMMIT a request waits for (``flush``). (``grouped()`` refuses nesting itself.)"""

from __future__ import annotations

import asyncio


class GroupCommit:
    """The part of PostgreSQL's ``grouped()``/``flush()`` that is not about connections:
    which group's COMMIT a request waits for."""

    _last: asyncio.Future[None] | None = None  # the group flush() waits for

    def _group_loop(self) -> asyncio.AbstractEventLoop | None:
        """The running event loop a group belongs to; None outside one (the transaction
        then commits by itself)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._last = None
            return None
        return loop

    async def flush(self) -> None:
        """Wait for the COMMIT of the group of the last grouped() transaction; raise if it
        failed (call it right after that transaction, with no await between: a group that
        reached its size limit is committed, or failed, before flush is called)."""
        last, self._last = self._last, None
        if last is not None and last.get_loop() is asyncio.get_running_loop():
            await asyncio.shield(last)


def retrieved(group: asyncio.Future[None]) -> None:
    """A group's failure is reported to its requests; none of them may be waiting."""
    if not group.cancelled():
        group.exception()
