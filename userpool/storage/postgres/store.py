"""The PostgreSQL store: connections, migrations, transactions and the outbox's queries.

Owns the connections (``pool``: a few per process, one transaction on each at a time;
inside ``bridge.run`` a request waiting for the database lets the event loop run other
requests, so Python and PostgreSQL work at once), the migrations (``sql.migrations``,
applied under an advisory lock and recorded in ``schema_version``, so several processes
may start at once), and the mapping of PostgreSQL's concurrency failures to an answer a
client retries.

Group commit (``batched()``, made of ``grouped()`` and ``flush()``): as on SQLite, the
ConfirmSignUps of one event-loop turn share a transaction, each in a savepoint, and one
``COMMIT`` (a group per connection in use).

Write transactions run at READ COMMITTED; ``transaction`` takes the row and advisory
locks that give them the same outcomes as SQLite's single writer. Read transactions are
REPEATABLE READ READ ONLY: one snapshot, as a SQLite read transaction. Nothing shared
lives in this process: several servers on one database answer as one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TypeVar

import psycopg
from psycopg import errors as pg_errors

from userpool import bridge
from userpool.errors import InvalidParameterException, TooManyRequestsException
from userpool.storage.postgres import simple
from userpool.storage.postgres.batching import Batching, Connection
from userpool.storage.postgres.group_commit import GroupCommit, retrieved
from userpool.storage.postgres.pool import ConnectionPool
from userpool.storage.postgres.transaction import PostgresTx
from userpool.storage.sql.migrations import migrations
from userpool.storage.sql.store import StoreQueries

log = logging.getLogger("userpool.storage")

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
T = TypeVar("T")
# Connections per process (``--db-connections``): transactions in flight at once.
CONNECTIONS = 4
# Inside a grouped() transaction's body (per request: a context variable, since requests
# inside bridge.run interleave).
_IN_GROUP: ContextVar[bool] = ContextVar("in_group", default=False)
# The group this request last left, not yet known to be committed.
_LEFT: ContextVar[_Group | None] = ContextVar("left_group", default=None)
SESSION_SETTINGS = (
    *simple.SETTINGS,  # the client-side literals' quoting relies on these
    # A lock wait is bounded ...
    "SET lock_timeout = '10s'",
    # ... and a process frozen inside a transaction cannot hold its locks for long.
    "SET idle_in_transaction_session_timeout = '60s'",
)


@dataclass(eq=False)
class _Group:
    """Grouped transactions sharing one transaction on one connection."""

    future: asyncio.Future[None]  # its COMMIT: done once committed or failed
    batch: Batching
    members: int = 0
    busy: bool = True  # a request is inside (or is being handed the group)
    scheduled: bool = False  # its COMMIT's task is made: it takes no new member
    closing: bool = False  # a member reads before flush: commit when the one inside leaves
    finishing: bool = False  # its COMMIT (or rollback) has begun


class PostgresStore(StoreQueries, GroupCommit):
    """The PostgreSQL adapter of the ``Store`` port."""

    remote = True
    epoch_now = "floor(extract(epoch FROM now()))"
    claim_lock = " FOR UPDATE SKIP LOCKED"

    def __init__(self, url: str, connections: int = CONNECTIONS) -> None:
        self.url = url
        self.pool = ConnectionPool(self._connect, connections)
        self.pool.on_idle = self._connection_idle
        self._groups: list[_Group] = []  # groups not yet committing
        # requests waiting for a group: handed one, or None when a connection comes back
        self._joiners: bridge.Line[_Group] = bridge.Line()
        self._migrate()

    def _connect(self) -> Connection:
        db = psycopg.connect(self.url, autocommit=True)
        for statement in SESSION_SETTINGS:
            db.execute(statement)
        return db

    @contextmanager
    def _tx(self, begin: str, write: bool) -> Iterator[PostgresTx]:
        """A transaction on a connection of its own; its ``BEGIN`` goes with its first
        statement (``Batching``), on a new connection if that one was lost. The group
        this request left commits first, so it reads what its grouped transaction wrote."""
        if _IN_GROUP.get():
            raise RuntimeError("a transaction inside a grouped() transaction")
        self._finish_stale_groups()
        self._settle_own_group()
        tx = PostgresTx(self.pool.take(), write, begin, self.pool.open)
        try:
            yield tx
            tx.commit()  # with the writes it still holds
        except BaseException as exc:
            _roll_back(tx.db)
            answer = _answer(exc)
            if answer is exc:
                raise
            raise answer from exc
        finally:
            self.pool.give(tx.db.conn)

    @contextmanager
    def transaction(self) -> Iterator[PostgresTx]:
        with self._tx("BEGIN", True) as tx:
            yield tx

    async def batched(self, work: Callable[[PostgresTx], T]) -> T:
        """``work(tx)`` in a grouped() transaction; its result once the group's COMMIT is
        done (an exception of the work comes at once: nothing of it is committed)."""
        with self.grouped() as tx:
            result = work(tx)
        await self.flush()
        return result

    @contextmanager
    def grouped(self) -> Iterator[PostgresTx]:
        """A write transaction whose COMMIT may be shared; ``await flush()`` after it.

        As on SQLite, grouped transactions share one transaction, each in a savepoint of
        its own (an operation that gives up rolls back alone), and one ``COMMIT``. Each
        request's writes are held and go with the next request's first statement, or
        with the ``COMMIT``: one round trip per request, one commit flush per group.

        A group has one request inside at a time. Inside ``bridge.run`` a request waits
        for its answers without blocking the event loop, so the next request opens a
        group of its own on another connection while one is free, and otherwise waits to
        be handed the first group its request leaves: the database works while Python
        does, and under load groups fill up. A group commits when a request leaves it
        and none is waiting to join (at the end of that event-loop turn), or when it has
        ``GROUP_MAX`` members. A database error inside a group (a lost connection, a
        deadlock) leaves its transaction unusable: every request of the group is told it
        failed."""
        if _IN_GROUP.get():
            raise RuntimeError("grouped() inside a grouped() transaction")
        loop = self._group_loop()
        if loop is None:
            with self.transaction() as tx:
                yield tx
            return
        group = self._join(loop)
        batch = group.batch
        batch.hold("SAVEPOINT request", None)
        mark, sent = len(batch.held), batch.sent
        token = _IN_GROUP.set(True)
        try:
            yield PostgresTx(batch, True)
        except BaseException as exc:
            _IN_GROUP.reset(token)
            self._last = group.future
            _LEFT.set(group)
            if isinstance(exc, psycopg.Error) and not isinstance(exc, simple.Unsendable):
                group.busy = False
                answer = self._finish(group, exc) or _answer(exc)
            elif batch.conn.closed:  # cancelled with an answer unread: the group is lost
                group.busy = False
                self._finish(group, psycopg.OperationalError("a request of the group was cut off"))
                answer = exc
            else:
                if batch.sent == sent:  # nothing of this request reached the server
                    del batch.held[mark - 1 :]
                else:  # what it sent is undone; what it still holds is dropped
                    batch.held = [("ROLLBACK TO SAVEPOINT request", None)]
                    batch.hold("RELEASE SAVEPOINT request", None)
                answer = _answer(exc)
                self._leave(group)
            if answer is exc:
                raise
            raise answer from exc
        _IN_GROUP.reset(token)
        self._last = group.future
        _LEFT.set(group)
        batch.hold("RELEASE SAVEPOINT request", None)
        group.members += 1
        self._leave(group)

    def _join(self, loop: asyncio.AbstractEventLoop) -> _Group:
        """A group of this loop that no request is in, a new one, or (all connections
        out, inside ``bridge.run``) the first group another request leaves."""
        self._finish_stale_groups()
        while True:
            for group in self._groups:
                if not group.busy and not group.scheduled:
                    group.busy = True
                    return group
            if self.pool.available() or not bridge.active():
                return self._open_group(loop, self.pool.take())
            handed = self._joiners.wait(self._give_back)
            if handed is not None:
                return handed
            # None: a connection came back to the pool; look again

    def _give_back(self, handed: _Group | None) -> None:
        """What a request waiting to join was handed before it was cancelled: the group
        goes on to the next, as does the news that a connection came back."""
        if handed is None:
            self._connection_idle()
        else:
            self._leave(handed)

    def _open_group(self, loop: asyncio.AbstractEventLoop, conn: Connection) -> _Group:
        future = loop.create_future()
        future.add_done_callback(retrieved)
        group = _Group(future, Batching(conn, "BEGIN", self.pool.open))
        self._groups.append(group)
        return group

    def _leave(self, group: _Group) -> None:
        """A request is out of the group: the next waiting request goes in, or the group
        commits (at once when full, else at the end of this turn if no one joined)."""
        if group.finishing:
            return
        open_to_join = group.members < GROUP_MAX and not group.scheduled and not group.closing
        if open_to_join and self._joiners.hand(group):  # still busy: it is the joiner's now
            return
        group.busy = False
        if group.members >= GROUP_MAX or group.closing:
            self._commit_soon(group)
        else:
            group.future.get_loop().call_soon(self._end_if_idle, group)

    def _end_if_idle(self, group: _Group) -> None:
        if not group.busy:
            self._commit_soon(group)

    def _connection_idle(self) -> None:
        """A connection came back to the pool: a request waiting to join looks again
        (and opens a group on it, in its own greenlet: a failed connect is its error)."""
        self._joiners.hand(None)

    def _commit_soon(self, group: _Group) -> None:
        """COMMIT in a task of its own, so no request waits for the round trip."""
        if not group.scheduled and not group.finishing:
            group.scheduled = True
            group.future.get_loop().create_task(self._commit(group))

    async def _commit(self, group: _Group) -> None:
        async def commit() -> None:
            self._finish(group)

        await bridge.run(commit())

    def _finish_stale_groups(self) -> None:
        """Commit the groups left by an event loop other than the running one (an
        embedded run's loop may end before its group's COMMIT ran)."""
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        for group in list(self._groups):
            if group.future.get_loop() is not loop and not group.busy:
                self._finish(group)

    def _settle_own_group(self) -> None:
        """Commit the group this request left, or (another request inside it now) wait
        for its commit; outside ``bridge.run`` a busy group cannot be waited for."""
        group = _LEFT.get()
        if group is None or group.future.done():
            return
        _LEFT.set(None)
        if not group.busy:
            self._finish(group)
        if group.future.done() or not bridge.active():
            return
        group.closing = True
        with contextlib.suppress(Exception):  # its failure is for flush() to report
            bridge.wait(asyncio.shield(group.future))

    def _finish(self, group: _Group, error: BaseException | None = None) -> BaseException | None:
        """COMMIT the group (or roll it back after ``error``), give its connection back
        and answer its requests; the answer to the error, if any."""
        if group.finishing:
            return None
        group.finishing = True
        self._groups.remove(group)
        if error is None:
            try:
                group.batch.execute("COMMIT")
            except BaseException as exc:
                error = exc
        answer = None if error is None else _answer(error)
        if error is not None:
            try:
                _roll_back(group.batch)
            except Exception:
                log.warning("a failed group's rollback failed too", exc_info=True)
        try:
            self.pool.give(group.batch.conn)
        finally:
            if not group.future.get_loop().is_closed():  # an embedded run's loop may be gone
                if answer is None:
                    group.future.set_result(None)
                else:
                    group.future.set_exception(answer)
        if error is not None and not isinstance(error, Exception):
            raise error  # KeyboardInterrupt and the like go on
        return answer

    def _migrate(self) -> None:
        with self._tx("BEGIN", True) as tx:
            tx.db.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended("
                "'userpool migrations ' || current_schema(), 0))"
            )
            tx.db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = tx.db.execute("SELECT max(version) FROM schema_version").fetchone()
            current = row[0] if row and row[0] is not None else 0
            for version, sql in migrations("postgres"):
                if version > current:
                    tx.db.execute(sql.encode())
                    tx.db.execute("INSERT INTO schema_version VALUES (%s)", (version,))

    def scrub(self) -> None:
        """Rewrite ``meta`` (VACUUM FULL): a deleted row's bytes leave the table's files."""
        db = self._connect()
        try:
            db.execute("VACUUM FULL meta")
        finally:
            db.close()

    @contextmanager
    def read(self) -> Iterator[PostgresTx]:
        with self._tx("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", False) as tx:
            yield tx

    def close(self) -> None:
        for group in list(self._groups):
            self._finish(group)
        self.pool.close()


def _answer(exc: BaseException) -> BaseException:
    """What a request is told when its transaction failed with ``exc``."""
    if isinstance(exc, RETRYABLE):
        log.info("transaction gave way to a concurrent one: %s", exc)
        return TooManyRequestsException(
            "Too many concurrent requests for this resource; try again."
        )
    if isinstance(exc, simple.Unsendable):
        # DEVIATION: SQLite stores U+0000 in text; PostgreSQL cannot, so a value holding
        # one that validation let through is refused here, not a 500.
        return InvalidParameterException(
            "A value contains a character that cannot be stored (U+0000)."
        )
    return exc


def _roll_back(batch: Batching) -> None:
    """End the connection's failed or abandoned transaction, if the server has one open
    (what the batch still holds is dropped)."""
    db = batch.conn
    if not db.broken and not db.closed and batch.in_transaction():
        batch.held = []
        batch.execute("ROLLBACK")
