"""One PostgreSQL transaction's reads and writes: the ``Tx`` port on a psycopg connection.

Owns the locking that makes a PostgreSQL transaction answer as SQLite's single writer
does (``BEGIN IMMEDIATE`` serializes every write transaction there):

* In a write transaction a user read (``user_by_key``/``_sub``/``_alias``) takes the
  user's row lock (``FOR UPDATE``), and so does ``get_code`` for the code: two requests
  about one user run one after the other, and the second sees what the first committed
  (READ COMMITTED re-reads a locked row's newest version). Two confirmations of one code
  give one success.
* A value that may not exist yet cannot be row-locked, so an alias key and an attempt
  counter are guarded by transaction-scoped advisory locks: ``alias_owner`` and
  ``set_alias`` of one (pool, attribute, key) serialize, so two forced claims of one alias
  end with one owner, the second taking it from the first as on SQLite.
* Inserts use ``ON CONFLICT DO NOTHING``: a uniqueness conflict (also with a concurrent,
  not yet committed insert, which it waits for) becomes ``AlreadyExists(what)`` without
  aborting the transaction, so an operation may catch it and go on, as on SQLite.

Each batch of statements is one query and one network round trip (``pg_simple``), so
``BEGIN`` and the writes whose answer nobody reads (``_later``: user updates, code and
event writes, attempts, sessions) are held back and sent with the next statement, or
with ``COMMIT``. The server runs the statements in the order they were made, so locks and
outcomes are those of sending them one by one; a held write's failure surfaces at the
next statement of the same transaction, which then rolls back as it would have. (In a
group, ``postgres.PostgresStore.grouped``, the next statement may be another request's:
the whole group then fails.)
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import psycopg

from userpool.domain.entities import AppClient, Code, Message, Pool, RefreshToken, Session, User
from userpool.domain.ports import AlreadyExists, NotFound
from userpool.storage.pg_simple import Rows, Statement, compose, run, send
from userpool.storage.rows import (
    SESSION_COLS,
    USER_COLS,
    client_row,
    client_values,
    code_values,
    dumps,
    message_values,
    pool_row,
    refresh_values,
    session_row,
    session_values,
    user_row,
    user_values,
)
from userpool.storage.sql_tx import SqlTx, probe_sql

Connection = psycopg.Connection[tuple[Any, ...]]
log = logging.getLogger("userpool.storage")


class Batching:
    """The connection as one transaction uses it: ``hold`` keeps a statement back until
    the next ``execute``, which sends everything held and itself as one query
    (``pg_simple``): one round trip.

    The transaction's ``BEGIN`` is held too, so it costs no round trip of its own. If the
    connection turns out to be lost when that first batch is sent, nothing of the
    transaction has reached the server: ``reconnect`` gives a new connection and the batch
    is sent again there."""

    __slots__ = ("conn", "held", "reconnect", "sent")

    def __init__(
        self,
        conn: Connection,
        begin: str | None = None,
        reconnect: Callable[[], Connection] | None = None,
    ) -> None:
        self.conn = conn
        self.held: list[Statement] = [] if begin is None else [(begin, None)]
        self.reconnect = reconnect if begin is not None else None
        self.sent = 0  # batches sent so far

    def hold(self, sql: str, args: tuple[Any, ...] | None) -> None:
        self.held.append((sql, args))

    def execute(self, sql: str | bytes, args: Any = None) -> Rows:
        batch = [*self.held, (sql, args)]
        query, new = compose(self.conn, batch)  # may refuse a value: then nothing changed
        self.held = []
        reconnect, self.reconnect = self.reconnect, None
        self.sent += 1
        try:
            return send(self.conn, query, new)
        except psycopg.OperationalError:
            if reconnect is None or not self.conn.broken:
                raise
            log.warning("database connection lost; reconnecting")
            self.conn = reconnect()
            return run(self.conn, batch)

    def in_transaction(self) -> bool:
        """Whether the server has a transaction open on this connection."""
        return self.conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE


def _marks(n: int) -> str:
    return ",".join(["%s"] * n)


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

    def _insert(self, sql: str, args: tuple[Any, ...], what: str) -> None:
        if self.db.execute(sql + " ON CONFLICT DO NOTHING", args).rowcount == 0:
            raise AlreadyExists(what)

    def _lock(self, *parts: str) -> None:
        """A lock on a name until the transaction ends (for rows that may not exist yet).

        Its own statement: the read after it must take a snapshot after the wait."""
        name = "\x1f".join(parts)
        if self.write and name not in self._held:
            self.db.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (name,))
            self._held.add(name)

    # pools ---------------------------------------------------------------
    def insert_pool(self, pool: Pool) -> None:
        self._insert(
            "INSERT INTO pools VALUES (%s,%s,%s,%s,%s)",
            (pool.id, pool.name, dumps(pool.config), pool.created, pool.modified),
            "pool",
        )

    def list_pools(self, after: str | None, limit: int) -> list[Pool]:
        rows = self.db.execute(
            "SELECT * FROM pools WHERE id > %s ORDER BY id LIMIT %s", (after or "", limit)
        ).fetchall()
        return [pool_row(r) for r in rows]

    # clients -------------------------------------------------------------
    def insert_client(self, client: AppClient) -> None:
        self._insert(f"INSERT INTO clients VALUES ({_marks(7)})", client_values(client), "client")

    def list_clients(self, pool_id: str, after: str | None, limit: int) -> list[AppClient]:
        rows = self.db.execute(
            "SELECT * FROM clients WHERE pool_id=%s AND id > %s ORDER BY id LIMIT %s",
            (pool_id, after or "", limit),
        ).fetchall()
        return [client_row(r) for r in rows]

    # users ---------------------------------------------------------------
    def insert_user(self, user: User, key: str) -> None:
        self._insert(
            f"INSERT INTO users ({USER_COLS}) VALUES ({_marks(11)})",
            user_values(user, key),
            "username",
        )

    def _probe_sql(self, with_code: bool) -> str:
        """As on SQLite; in a write transaction the user's row and code are locked as
        ``user_by_key`` and ``get_code`` lock them (lateral subqueries: a lock cannot reach
        into an outer join)."""
        return probe_sql(
            "u.*",
            f" LEFT JOIN LATERAL (SELECT {USER_COLS} FROM users WHERE pool_id = c.pool_id "
            f"AND username_key = ?{self._for_update}) u ON true",
            " LEFT JOIN LATERAL (SELECT * FROM codes WHERE pool_id = c.pool_id "
            f"AND sub = u.sub AND purpose = ?{self._for_update}) k ON true"
            if with_code
            else "",
        )

    def user_by_key(self, pool_id: str, key: str) -> User:
        return user_row(
            self._one(
                f"SELECT {USER_COLS} FROM users WHERE pool_id=%s AND username_key=%s"
                + self._for_update,
                (pool_id, key),
            )
        )

    def user_by_sub(self, pool_id: str, sub: str) -> User:
        return user_row(
            self._one(
                f"SELECT {USER_COLS} FROM users WHERE pool_id=%s AND sub=%s" + self._for_update,
                (pool_id, sub),
            )
        )

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

    def list_users(self, pool_id: str, after: str | None, limit: int) -> list[User]:
        rows = self.db.execute(
            f"SELECT {USER_COLS} FROM users WHERE pool_id=%s AND username_key > %s "
            "ORDER BY username_key LIMIT %s",
            (pool_id, after or "", limit),
        ).fetchall()
        return [user_row(r) for r in rows]

    # aliases -------------------------------------------------------------
    def _owner(self, pool_id: str, attribute: str, key: str) -> str | None:
        row = self.db.execute(
            "SELECT sub FROM aliases WHERE pool_id=%s AND attribute=%s AND value_key=%s",
            (pool_id, attribute, key),
        ).fetchone()
        return None if row is None else str(row[0])

    def set_alias(self, pool_id: str, attribute: str, key: str, sub: str) -> None:
        self._lock("alias", pool_id, attribute, key)
        self._insert(
            "INSERT INTO aliases VALUES (%s,%s,%s,%s)", (pool_id, attribute, key, sub), attribute
        )

    def alias_owner(self, pool_id: str, attribute: str, key: str) -> str | None:
        self._lock("alias", pool_id, attribute, key)
        return self._owner(pool_id, attribute, key)

    # codes and attempts --------------------------------------------------
    def _put_code(self, code: Code) -> None:
        self._later(
            f"INSERT INTO codes VALUES ({_marks(9)}) ON CONFLICT (pool_id, sub, purpose) DO "
            "UPDATE SET code_hash=EXCLUDED.code_hash, expires=EXCLUDED.expires, "
            "attribute=EXCLUDED.attribute, medium=EXCLUDED.medium, "
            "superseded=EXCLUDED.superseded, failures=EXCLUDED.failures",
            code_values(code),
        )

    def count_attempts(self, pool_id: str, sub: str, action: str, since: float) -> int:
        self._lock("attempts", pool_id, sub, action)
        row = self.db.execute(
            "SELECT count(*) FROM attempts WHERE pool_id=%s AND sub=%s AND action=%s AND at>=%s",
            (pool_id, sub, action, since),
        ).fetchone()
        return int(row[0]) if row else 0

    # sessions ------------------------------------------------------------
    def put_session(self, session: Session) -> None:
        self._later(f"INSERT INTO sessions VALUES ({_marks(7)})", session_values(session))

    def take_session(self, token_hash: str) -> Session:
        """Single use: of two concurrent takes the second waits, then finds nothing."""
        return session_row(
            self._one(
                f"DELETE FROM sessions WHERE token_hash=%s RETURNING {SESSION_COLS}",
                (token_hash,),
            )
        )

    # signing keys and access keys -----------------------------------------
    def insert_key(self, kid: str, pool_id: str, use: str, pem: str, created: float) -> None:
        self._insert(
            "INSERT INTO signing_keys VALUES (%s,%s,%s,%s,%s,1)",
            (kid, pool_id, use, pem, created),
            "key",
        )

    def keys_version(self, pool_id: str) -> str:
        """Changes whenever a key of the pool is added or retired."""
        row = self.db.execute(
            "SELECT count(*), max(created), sum(active) FROM signing_keys WHERE pool_id=%s",
            (pool_id,),
        ).fetchone()
        assert row is not None
        return f"{row[0]}:{row[1]}:{row[2]}"

    def insert_access_key(self, key_id: str, sealed: str, created: float) -> None:
        self._insert(
            "INSERT INTO access_keys VALUES (%s,%s,%s,0)", (key_id, sealed, created), "key"
        )

    # refresh tokens ------------------------------------------------------
    def put_refresh(self, token: RefreshToken) -> None:
        self.db.execute(f"INSERT INTO refresh_tokens VALUES ({_marks(8)})", refresh_values(token))

    def revoke_origin(self, origin_jti: str, expires: float) -> None:
        self.db.execute("UPDATE refresh_tokens SET revoked=1 WHERE origin_jti=%s", (origin_jti,))
        self.db.execute(
            "INSERT INTO revoked_origins VALUES (%s,%s) "
            "ON CONFLICT (origin_jti) DO UPDATE SET expires=EXCLUDED.expires",
            (origin_jti, expires),
        )

    def revoke_user_tokens(self, pool_id: str, sub: str) -> None:
        """Every sign-in of the user: refresh tokens, and access/ID tokens by their origin."""
        # One row per origin (an upsert may not touch a row twice); the latest expiry.
        self.db.execute(
            "INSERT INTO revoked_origins SELECT origin_jti, max(expires) FROM refresh_tokens "
            "WHERE pool_id=%s AND sub=%s AND revoked=0 GROUP BY origin_jti "
            "ON CONFLICT (origin_jti) DO UPDATE SET expires=EXCLUDED.expires",
            (pool_id, sub),
        )
        self.db.execute(
            "UPDATE refresh_tokens SET revoked=1 WHERE pool_id=%s AND sub=%s", (pool_id, sub)
        )

    # outbox and events ---------------------------------------------------
    def enqueue_message(self, message: Message) -> int:
        row = self._one(
            "INSERT INTO outbox (pool_id, username, medium, destination, subject, body, "
            f"created, status) VALUES ({_marks(8)}) RETURNING id",
            message_values(message),
        )
        return int(row[0])
