"""One PostgreSQL transaction: the ``Tx`` port on a connection, with the locking that
makes it answer as SQLite's single writer does (``BEGIN IMMEDIATE`` serializes every write
transaction there). The statements are the shared layer's (``userpool.storage.sql``);
this module sets its hooks:

* In a write transaction a user read (``user_by_key``/``_sub``/``_alias``) takes the
  user's row lock (``FOR UPDATE``), and so does ``get_code`` for the code: two requests
  about one user run one after the other, and the second sees what the first committed
  (READ COMMITTED re-reads a locked row's newest version). Two confirmations of one code
  give one success.
* A value that may not exist yet cannot be row-locked, so an alias key and an attempt
  counter are guarded by transaction-scoped advisory locks: ``alias_owner`` and
  ``set_alias`` of one (pool, attribute, key) serialize, so two forced claims of one alias
  end with one owner, the second taking it from the first as on SQLite.
* Inserts use ``ON CONFLICT DO NOTHING`` (``sql.base``): a uniqueness conflict (also with a
  concurrent, not yet committed insert, which it waits for) becomes ``AlreadyExists(what)``
  without aborting the transaction, so an operation may catch it and go on, as on SQLite.

Each batch of statements is one query and one network round trip (``batching``), so
``BEGIN`` and the writes whose answer nobody reads (``_later``: user updates, code and
event writes, attempts, sessions) are held back and sent with the next statement, or
with ``COMMIT``. The server runs the statements in the order they were made, so locks and
outcomes are those of sending them one by one; a held write's failure surfaces at the
next statement of the same transaction, which then rolls back as it would have. (In a
group, ``store.PostgresStore.grouped``, the next statement may be another request's:
the whole group then fails.)
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from userpool.domain.entities import User
from userpool.domain.ports import NotFound
from userpool.storage.postgres.batching import Batching, Connection
from userpool.storage.sql.pools import probe_sql
from userpool.storage.sql.rows import USER_COLS
from userpool.storage.sql.tx import SqlTx


@functools.cache
def _probe(with_code: bool, for_update: str) -> str:
    """The probe's statement. In a write transaction (``for_update``) the user's row and code
    are locked as ``user_by_key`` and ``get_code`` lock them (lateral subqueries: a lock
    cannot reach into an outer join)."""
    return probe_sql(
        "u.*",
        f" LEFT JOIN LATERAL (SELECT {USER_COLS} FROM users WHERE pool_id = c.pool_id "
        f"AND username_key = ?{for_update}) u ON true",
        " LEFT JOIN LATERAL (SELECT * FROM codes WHERE pool_id = c.pool_id "
        f"AND sub = u.sub AND purpose = ?{for_update}) k ON true"
        if with_code
        else "",
    )


class PostgresTx(SqlTx):
    """Reads and writes of one transaction; ``write`` says whether reads lock (see above)."""

    marker = "%s"
    row_id = "ctid"

    def __init__(
        self,
        db: Connection | Batching,
        write: bool,
        begin: str | None = None,
        reconnect: Callable[[], Connection] | None = None,
    ) -> None:
        # a Batching: the transaction of a group, shared with the group's other requests
        self.db = db if isinstance(db, Batching) else Batching(db, begin, reconnect)
        self.write = write
        self._for_update = " FOR UPDATE" if write else ""
        self._held: set[str] = set()
        self._prefetched = {}

    def _later(self, sql: str, args: tuple[Any, ...]) -> None:
        self.db.hold(sql.replace("?", "%s"), args)

    def commit(self) -> None:
        """``COMMIT``, with the writes still held."""
        self.db.execute("COMMIT")

    def _lock(self, *parts: str) -> None:
        """A lock on a name until the transaction ends (for rows that may not exist yet).

        Its own statement: the read after it must take a snapshot after the wait."""
        name = "\x1f".join(parts)
        if self.write and name not in self._held:
            self.db.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (name,))
            self._held.add(name)

    def _lock_all(self, names: list[tuple[str, ...]]) -> None:
        """``_lock`` on many names in one statement (an import's batch of aliases)."""
        wanted = ["\x1f".join(parts) for parts in names]
        wanted = [name for name in wanted if name not in self._held]
        if not self.write or not wanted:
            return
        rows = ",".join(["(%s)"] * len(wanted))
        self.db.execute(
            "SELECT count(pg_advisory_xact_lock(hashtextextended(n, 0))) "
            f"FROM (VALUES {rows}) AS t(n)",
            tuple(wanted),
        )
        self._held.update(wanted)

    def _probe_sql(self, with_code: bool) -> str:
        return _probe(with_code, self._for_update)

    def user_by_alias(self, pool_id: str, attribute: str, key: str) -> User:
        """The alias's owner; once the owner is locked the alias is read again, since a
        forced claim may have moved it while this transaction waited for the lock."""
        for _ in range(3):
            owner = self._owner(pool_id, attribute, key)
            if owner is None:
                raise NotFound("alias")
            user = self.user_by_sub(pool_id, owner)
            if not self.write or self._owner(pool_id, attribute, key) == owner:
                return user
        return user
