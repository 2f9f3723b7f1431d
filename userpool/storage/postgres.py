"""The PostgreSQL store: connection, migrations, transactions and the outbox's queries.

Owns the connection (one per process, used from the event loop thread; operations call
the store synchronously and never await inside a transaction, so transactions on it never
interleave), the migrations (``migrations_pg/NNN_*.sql``, applied under an advisory lock
and recorded in ``schema_version``, so several processes may start at once), the secret
key in ``meta`` (created once by whichever process gets there first), and the mapping of
PostgreSQL's concurrency failures to an answer a client retries.

Group commit as on SQLite (``grouped()``/``flush()``): the ConfirmSignUps of one
event-loop turn share a transaction, each in a savepoint, and one ``COMMIT``.

Write transactions run at READ COMMITTED; ``postgres_tx`` takes the row and advisory
locks that give them the same outcomes as SQLite's single writer. Read transactions are
REPEATABLE READ READ ONLY: one snapshot, as a SQLite read transaction. Nothing shared
lives in this process: several servers on one database answer as one.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources

import psycopg
from psycopg import errors as pg_errors

from userpool.domain.entities import Message
from userpool.errors import InvalidParameterException, TooManyRequestsException
from userpool.storage import pg_simple
from userpool.storage.postgres_tx import Batching, Connection, PostgresTx
from userpool.storage.rows import message_row
from userpool.storage.shared import SharedQueries, retrieved

log = logging.getLogger("userpool.storage")

LEASE = 60.0  # seconds a claimed message may stay unsent before another process retries it
MAX_TRIES = 5
# Failures of a normal race (a deadlock between two requests, a lock held too long):
# the request is answered with a throttling error, which the AWS SDKs retry.
RETRYABLE = (
    pg_errors.DeadlockDetected,
    pg_errors.SerializationFailure,
    pg_errors.LockNotAvailable,
)
# Transactions per shared COMMIT at most: bounds how long row locks are held, how many
# requests one failure fails, and the savepoints (subtransactions) of one transaction
# (PostgreSQL tracks up to 64 per backend cheaply).
GROUP_MAX = 32
Group = tuple["asyncio.Future[None]", Batching]
SESSION_SETTINGS = (
    *pg_simple.SETTINGS,  # the client-side literals' quoting relies on these
    # A lock wait is bounded (it blocks this process's event loop while it lasts) ...
    "SET lock_timeout = '10s'",
    # ... and a process frozen inside a transaction cannot hold its locks for long.
    "SET idle_in_transaction_session_timeout = '60s'",
)


def _migrations() -> list[tuple[int, str]]:
    folder = resources.files("userpool.storage") / "migrations_pg"
    found = []
    for item in folder.iterdir():
        if item.name.endswith(".sql"):
            found.append((int(item.name.split("_", 1)[0]), item.read_text()))
    return sorted(found)


class PostgresStore(SharedQueries):
    """The PostgreSQL adapter of the ``Store`` port."""

    marker = "%s"

    def __init__(self, url: str) -> None:
        self.url = url
        self.db = self._connect()
        self._group: Group | None = None  # the open group: its COMMIT's future, its batch
        self._members = 0
        self._migrate()
        self._key = self._load_key()

    def _connect(self) -> Connection:
        db = psycopg.connect(self.url, autocommit=True)
        for statement in SESSION_SETTINGS:
            db.execute(statement)
        return db

    def _reconnect(self) -> Connection:
        self.db = self._connect()
        return self.db

    @contextmanager
    def _tx(self, begin: str, write: bool) -> Iterator[PostgresTx]:
        """A transaction; its ``BEGIN`` goes with its first statement (``Batching``), on a
        new connection if this one was lost."""
        self.end_group()
        if self.db.closed or self.db.broken:
            self.db = self._connect()
        tx = PostgresTx(self.db, write, begin, self._reconnect)
        try:
            yield tx
            tx.commit()  # with the writes it still holds
        except BaseException as exc:
            _roll_back(tx.db)
            answer = _answer(exc)
            if answer is exc:
                raise
            raise answer from exc

    @contextmanager
    def transaction(self) -> Iterator[PostgresTx]:
        with self._tx("BEGIN", True) as tx:
            yield tx

    @contextmanager
    def grouped(self) -> Iterator[PostgresTx]:
        """A write transaction whose COMMIT may be shared; ``await flush()`` after it.

        As on SQLite, the grouped transactions of one event-loop turn share one
        transaction, each in a savepoint of its own (an operation that gives up rolls back
        alone), and one ``COMMIT`` at the end of the turn or when any other transaction
        starts. Each request's writes are held and go with the next request's first
        statement, or with the ``COMMIT``: one round trip per request, one commit flush per
        group. A database error inside a group (a lost connection, a deadlock) leaves its
        transaction unusable: every request of the group is told it failed."""
        loop = self._group_loop()
        if loop is None:
            with self.transaction() as tx:
                yield tx
            return
        if self._group is not None and self._group[0].get_loop() is not loop:
            self.end_group()  # left by an event loop that is gone
        group = self._group or self._open_group(loop)
        batch = group[1]
        batch.hold("SAVEPOINT request", None)
        mark, sent = len(batch.held), batch.sent
        self._in_group = True
        try:
            yield PostgresTx(batch, True)
        except BaseException as exc:
            self._in_group = False
            self._last = group[0]
            if isinstance(exc, psycopg.Error) and not isinstance(exc, pg_simple.Unsendable):
                answer = self._fail_group(exc)
            elif batch.sent == sent:  # nothing of this request reached the server
                del batch.held[mark - 1 :]
                answer = _answer(exc)
            else:  # what it sent is undone; what it still holds is dropped
                batch.held = [("ROLLBACK TO SAVEPOINT request", None)]
                batch.hold("RELEASE SAVEPOINT request", None)
                answer = _answer(exc)
            if answer is exc:
                raise
            raise answer from exc
        self._in_group = False
        self._last = group[0]
        batch.hold("RELEASE SAVEPOINT request", None)
        self._members += 1
        if self._members >= GROUP_MAX:
            self.end_group()

    def _open_group(self, loop: asyncio.AbstractEventLoop) -> Group:
        if self.db.closed or self.db.broken:
            self.db = self._connect()
        future = loop.create_future()
        future.add_done_callback(retrieved)
        self._group = (future, Batching(self.db, "BEGIN", self._reconnect))
        self._members = 0
        loop.call_soon(self.end_group)
        return self._group

    def _fail_group(self, exc: BaseException) -> BaseException:
        """Roll the open group back; its requests (and this one) get the answer to ``exc``."""
        group, self._group = self._group, None
        answer = _answer(exc)
        if group is not None:
            _roll_back(group[1])
            if not group[0].get_loop().is_closed():
                group[0].set_exception(answer)
        return answer

    def end_group(self) -> None:
        """COMMIT the open group now (nothing if none is open)."""
        if self._in_group:
            raise RuntimeError("a transaction inside a grouped() transaction")
        if self._group is None:
            return
        try:
            self._group[1].execute("COMMIT")
        except Exception as exc:  # every request of the group is told it failed
            self._fail_group(exc)
            return
        except BaseException as exc:
            self._fail_group(exc)
            raise
        group, self._group = self._group, None
        if not group[0].get_loop().is_closed():  # an embedded run's loop may be gone
            group[0].set_result(None)

    def _migrate(self) -> None:
        with self._tx("BEGIN", True) as tx:
            tx.db.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended("
                "'userpool migrations ' || current_schema(), 0))"
            )
            tx.db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = tx.db.execute("SELECT max(version) FROM schema_version").fetchone()
            current = row[0] if row and row[0] is not None else 0
            for version, sql in _migrations():
                if version > current:
                    tx.db.execute(sql.encode())
                    tx.db.execute("INSERT INTO schema_version VALUES (%s)", (version,))

    def _load_key(self) -> bytes:
        with self.transaction() as tx:
            row = tx.db.execute("SELECT value FROM meta WHERE key='code_key'").fetchone()
            if row is not None:
                return bytes(row[0])
            tx.db.execute(
                "INSERT INTO meta VALUES ('code_key', %s) ON CONFLICT DO NOTHING",
                (secrets.token_bytes(32),),
            )
            # another process may have been first: its key is the key
            row = tx.db.execute("SELECT value FROM meta WHERE key='code_key'").fetchone()
            assert row is not None
            return bytes(row[0])

    def secret_key(self) -> bytes:
        """The key of this store's keyed hashes (codes, sessions)."""
        return self._key

    @contextmanager
    def read(self) -> Iterator[PostgresTx]:
        with self._tx("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", False) as tx:
            yield tx

    def claim_messages(self, limit: int, now: float) -> list[Message]:
        """Pending messages due now, and ones whose claim's lease ran out (their process died).

        Rows another process is claiming right now are skipped, not waited for."""
        with self.transaction() as tx:
            rows = tx.db.execute(
                "UPDATE outbox SET status='sending', claimed=%s, tries=tries+1 WHERE id IN "
                "(SELECT id FROM outbox WHERE (status='pending' AND next_try<=%s) OR "
                "(status='sending' AND claimed<%s) ORDER BY id LIMIT %s "
                "FOR UPDATE SKIP LOCKED) RETURNING *",
                (now, now, now - LEASE, limit),
            ).fetchall()
        return sorted((message_row(r) for r in rows), key=lambda m: m.id)

    def finish_message(self, message_id: int, ok: bool, error: str | None, keep_text: bool) -> None:
        """Sent (text dropped unless kept), retried later with backoff, or given up."""
        with self.transaction() as tx:
            if ok:
                body = "body" if keep_text else "NULL"
                tx.db.execute(
                    "UPDATE outbox SET status='sent', error=NULL, "
                    f"sent=floor(extract(epoch FROM now())), body={body} WHERE id=%s",
                    (message_id,),
                )
                return
            tx.db.execute(
                "UPDATE outbox SET error=%s, status=CASE WHEN tries>=%s THEN 'failed' "
                "ELSE 'pending' END, "
                "next_try=floor(extract(epoch FROM now())) + 5 * (1 << tries) WHERE id=%s",
                (error, MAX_TRIES, message_id),
            )

    def recent_messages(self, limit: int) -> list[Message]:
        with self.read() as tx:
            rows = tx.db.execute(
                "SELECT * FROM outbox ORDER BY id DESC LIMIT %s", (limit,)
            ).fetchall()
        return [message_row(r) for r in rows]

    def close(self) -> None:
        self.end_group()
        self.db.close()


def _answer(exc: BaseException) -> BaseException:
    """What a request is told when its transaction failed with ``exc``."""
    if isinstance(exc, RETRYABLE):
        log.info("transaction gave way to a concurrent one: %s", exc)
        return TooManyRequestsException(
            "Too many concurrent requests for this resource; try again."
        )
    if isinstance(exc, pg_simple.Unsendable):
        # DEVIATION: SQLite stores U+0000 in text; PostgreSQL cannot, so a value holding
        # one that validation let through is refused here, not a 500.
        return InvalidParameterException(
            "A value contains a character that cannot be stored (U+0000)."
        )
    return exc


def _roll_back(batch: Batching) -> None:
    """End the connection's failed or abandoned transaction, if the server has one open."""
    db = batch.conn
    if not db.broken and not db.closed and batch.in_transaction():
        db.execute("ROLLBACK")
