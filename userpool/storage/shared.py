"""Store methods whose SQL is the same on SQLite and PostgreSQL (purge, the trigger log,
the event log), and PostgreSQL's group commit bookkeeping (``GroupCommit``); a backend
names its parameter marker and its transactions."""

from __future__ import annotations

import asyncio
from contextlib import AbstractContextManager
from typing import Any, Protocol


class _Tx(Protocol):
    @property
    def db(self) -> Any: ...


class GroupCommit:
    """The part of PostgreSQL's ``grouped()``/``flush()`` that is not about connections:
    which group's COMMIT a request waits for, and the refusal to nest."""

    _last: asyncio.Future[None] | None = None  # the group flush() waits for
    _in_group = False  # inside a grouped() transaction's body

    def _group_loop(self) -> asyncio.AbstractEventLoop | None:
        """The running event loop a group belongs to; None outside one (the transaction
        then commits by itself)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._last = None
            return None
        if self._in_group:
            raise RuntimeError("grouped() inside a grouped() transaction")
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


class SharedQueries:
    """Mixed into each Store adapter; ``?`` in the SQL becomes the backend's ``marker``."""

    marker = "?"

    def transaction(self) -> AbstractContextManager[Any]:
        raise NotImplementedError

    def read(self) -> AbstractContextManager[Any]:
        raise NotImplementedError

    def _sql(self, sql: str) -> str:
        return sql if self.marker == "?" else sql.replace("?", self.marker)

    def purge(self, now: float) -> None:
        """Drop what has expired: sessions, old attempts, revoked and expired tokens."""
        with self.transaction() as tx:
            tx.db.execute(self._sql("DELETE FROM sessions WHERE expires<?"), (now,))
            tx.db.execute(self._sql("DELETE FROM attempts WHERE at<?"), (now - 86400,))
            tx.db.execute(self._sql("DELETE FROM revoked_origins WHERE expires<?"), (now,))
            tx.db.execute(self._sql("DELETE FROM refresh_tokens WHERE expires<?"), (now,))

    def record_invocation(
        self,
        pool_id: str,
        trigger: str,
        source: str,
        username: str,
        started: float,
        duration_ms: float,
        outcome: str,
        error: str | None,
    ) -> None:
        with self.transaction() as tx:
            tx.db.execute(
                self._sql(
                    "INSERT INTO trigger_log (pool_id, trigger, source, username, "
                    "started, duration_ms, outcome, error) VALUES (?,?,?,?,?,?,?,?)"
                ),
                (pool_id, trigger, source, username, started, duration_ms, outcome, error),
            )

    def recent_invocations(self, limit: int) -> list[tuple[Any, ...]]:
        with self.read() as tx:
            rows = tx.db.execute(
                self._sql(
                    "SELECT pool_id, trigger, source, username, started, duration_ms, "
                    "outcome, error FROM trigger_log ORDER BY id DESC LIMIT ?"
                ),
                (limit,),
            ).fetchall()
        return [tuple(r) for r in rows]

    def events_after(
        self, after_id: int, limit: int
    ) -> list[tuple[int, str, str, str, float, str]]:
        """(id, pool_id, sub, kind, at, data) of events after ``after_id``, oldest first."""
        with self.read() as tx:
            rows = tx.db.execute(
                self._sql(
                    "SELECT id, pool_id, sub, kind, at, data FROM events WHERE id>? "
                    "ORDER BY id LIMIT ?"
                ),
                (after_id, limit),
            ).fetchall()
        return [(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows]
