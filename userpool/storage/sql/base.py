"""What every statement of the shared SQL layer runs through, and the hooks a backend sets.

A statement is written once, with ``?`` marking its parameters; ``run`` gives it to the
backend's connection with the backend's ``marker``. A backend's transaction class sets:

* ``marker`` and ``row_id`` (the physical row id, for deletes in batches);
* ``_for_update``: what a read that a write may follow adds (PostgreSQL locks the row);
* ``_lock``: a lock on a name, for rows that may not exist yet (PostgreSQL's advisory
  locks; SQLite's single writer needs none);
* ``_later``: a write whose answer nobody reads (PostgreSQL sends it with the next
  statement; SQLite runs it now).
"""

from __future__ import annotations

from typing import Any

from userpool.domain.ports import AlreadyExists, NotFound


def marks(n: int) -> str:
    """``n`` parameter markers, comma-separated."""
    return ",".join(["?"] * n)


class SqlBase:
    """The statement runner the area mixins (``sql.pools``, ``sql.users`` ...) share."""

    db: Any
    marker = "?"
    row_id = "rowid"
    _for_update = ""
    # codes read by client_pool_user, for the next get_code (key: pool, sub, purpose)
    _prefetched: dict[tuple[str, str, str], tuple[Any, ...] | None]

    def run(self, sql: str, args: tuple[Any, ...] = ()) -> Any:
        """Run one statement now; the backend's cursor (``fetchone``, ``rowcount``)."""
        if self.marker != "?":
            sql = sql.replace("?", self.marker)
        return self.db.execute(sql, args)

    def _later(self, sql: str, args: tuple[Any, ...]) -> None:
        """A write whose answer nobody reads: a backend may send it with the next statement
        of the transaction (PostgreSQL does, saving a round trip); SQLite runs it now."""
        self.run(sql, args)

    def purge_rows(self, table: str, column: str, before: float, limit: int) -> int:
        """Delete up to ``limit`` rows of ``table`` whose ``column`` is before ``before``
        (by physical row id: no scan beyond the batch where ``column`` is indexed); how many."""
        sql = (
            f"DELETE FROM {table} WHERE {self.row_id} IN "
            f"(SELECT {self.row_id} FROM {table} WHERE {column}<? LIMIT ?)"
        )
        return int(self.run(sql, (before, limit)).rowcount)

    def _lock(self, *parts: str) -> None:
        """A lock on a name until the transaction ends; none is needed by a single writer."""

    def _one(self, sql: str, args: tuple[Any, ...]) -> tuple[Any, ...]:
        row = self.run(sql, args).fetchone()
        if row is None:
            raise NotFound(sql)
        return tuple(row)

    def _insert(self, sql: str, args: tuple[Any, ...], what: str) -> None:
        """An insert that a uniqueness constraint may refuse: ``AlreadyExists(what)``, and the
        transaction stays usable (the conflict is skipped, not raised, on both backends)."""
        if self.run(sql + " ON CONFLICT DO NOTHING", args).rowcount == 0:
            raise AlreadyExists(what)
