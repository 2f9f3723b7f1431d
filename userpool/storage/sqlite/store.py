"""The SQLite store: WAL, migrations by ``user_version``, one ``BEGIN IMMEDIATE`` per request.

One connection per process, used from the event loop thread only; SQL statements are
short (indexed probes), so they run inline. Uniqueness of usernames, subs and aliases
is enforced by the schema and surfaces as ``AlreadyExists``. With WAL and
``synchronous=NORMAL`` a committed request survives a crash of the process;
``synchronous=FULL`` adds power-loss safety.

Group commit: the ``batched()`` work of one turn of the event loop is queued and run at
the turn's end, all of it in one ``BEGIN IMMEDIATE``/``COMMIT``; each request gets its
result once that COMMIT is done, so an answer is still sent only after its changes are
committed. Work that raises must leave nothing behind: if it wrote before it gave up, the
batch is rolled back and run again, each work in a savepoint of its own, which undoes
that work alone (savepoints for every work cost about 5 % of ConfirmSignUp's CPU, and
refusals mostly come before any write). The COMMIT is the most expensive statement of a
short write (the WAL frames of every page it touched), and concurrent requests often
touch the same pages (the event log's last page).
Running the work back to back, rather than between the parsing and answering of other
requests, also holds the writer lock for less time, and took about 6 % of ConfirmSignUp's
instructions away (docs/performance.md).

Checkpoints of the WAL run on a thread of their own (``checkpoint.Checkpointer``), so no
request's COMMIT waits for pages to be copied into the database file and synced.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from userpool.storage.sql.migrations import migrations
from userpool.storage.sql.store import StoreQueries
from userpool.storage.sqlite.checkpoint import SAFETY_PAGES, WAL_LIMIT, Checkpointer
from userpool.storage.sqlite.transaction import SQLiteTx

# Transactions per shared COMMIT at most: bounds how long the write lock is held (other
# processes wait for it) and how many requests one failed COMMIT fails.
GROUP_MAX = 64
MMAP_SIZE = 1 << 34  # bytes; SQLite lowers it to its build's SQLITE_MAX_MMAP_SIZE
VACUUM_PAGES = 4096  # free pages given back to the file system per purge (16 MiB)
T = TypeVar("T")
_Queued = tuple[Callable[[SQLiteTx], Any], "asyncio.Future[Any]"]


def _statements(script: str) -> Iterator[str]:
    """Split a migration into statements (comments may hold semicolons)."""
    pending = ""
    for line in script.splitlines(keepends=True):
        if line.lstrip().startswith("--"):
            continue
        pending += line
        if sqlite3.complete_statement(pending):
            yield pending
            pending = ""


class SQLiteStore(StoreQueries):
    """The SQLite adapter of the ``Store`` port."""

    remote = False  # a statement takes microseconds: requests call it directly

    def __init__(self, path: str, synchronous: str = "NORMAL") -> None:
        self.path = path
        self._writer: int | None = None
        if path != ":memory:":  # a file: it has a WAL and other processes may write it
            os.makedirs(os.path.dirname(os.path.abspath(path)), mode=0o700, exist_ok=True)
            # private from the start: SQLite gives the WAL and shared memory its mode
            os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
            # Writers of every process take this lock before BEGIN IMMEDIATE: the kernel
            # wakes a waiter as soon as it is free, where SQLite's busy handler polls.
            self._writer = os.open(f"{path}-writer", os.O_RDWR | os.O_CREAT, 0o600)
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._wal_mode()
        synchronous = "FULL" if synchronous == "FULL" else "NORMAL"
        self.db.execute(f"PRAGMA synchronous={synchronous}")
        self.db.execute("PRAGMA busy_timeout=10000")
        self.db.execute(f"PRAGMA wal_autocheckpoint={SAFETY_PAGES}")
        self.db.execute(f"PRAGMA journal_size_limit={WAL_LIMIT}")
        # The page cache stays small (2 MiB, about SQLite's default): SQLite trims it at
        # every COMMIT, at a cost that grows with its size: at 50k users 6 % of the
        # server's time with 256 MiB, 1 % with 8 MiB (docs/performance.md). Reads come
        # through the memory map, as far as the build allows (Debian's SQLite stops at
        # 2 GiB; 1M users take 1.5 GB), until another process is seen writing the file
        # (``_watch_writers``).
        self.db.execute("PRAGMA cache_size=-2048")
        self.db.execute(f"PRAGMA mmap_size={MMAP_SIZE}")
        self._data_version: int | None = None  # at this process's last write transaction
        self._mapped = True  # no other process was seen writing the file
        self._in_work = False  # inside batched work
        self._queue: list[_Queued] = []  # batched() work of this event-loop turn
        self._queue_loop: asyncio.AbstractEventLoop | None = None
        self.checkpointer: Checkpointer | None = None
        if self._writer is not None:
            self.checkpointer = Checkpointer(path, synchronous)  # off the event loop
        self._migrate()

    def _wal_mode(self) -> None:
        """Turn on the WAL under the writer lock: on a new file it takes an exclusive lock,
        which SQLite refuses at once, without waiting, to a process that opens the file
        at the same moment (workers starting together)."""
        self._lock()
        try:
            # A new file gives the pages of purged rows back to the file system (``purge``);
            # an older one keeps its mode and reuses freed pages. (Set only on a new file:
            # on an open one the pragma counts as another connection's write to the others;
            # read under the lock, as another process's WAL switch refuses readers at once.)
            if self.db.execute("PRAGMA page_count").fetchone()[0] == 0:
                self.db.execute("PRAGMA auto_vacuum=INCREMENTAL")
            self.db.execute("PRAGMA journal_mode=WAL")
        finally:
            self._unlock()

    def _begin(self) -> None:
        """``BEGIN IMMEDIATE``, once this process holds the writer lock."""
        self._lock()
        try:
            if self._mapped:
                self._watch_writers()
            self.db.execute("BEGIN IMMEDIATE")
        except BaseException:
            self._unlock()
            raise

    def _watch_writers(self) -> None:
        """Note when another process (a worker, a second server) has written the file
        since this one last did: ``data_version`` changes only then. SQLite then drops its
        whole memory map at the start of every transaction that follows another process's
        COMMIT and maps the file again, which costs more than reading pages with ``pread``
        (two workers: about 11 % more req/s without the map, docs/performance.md); so the
        map goes, before the transaction begins."""
        version = self.db.execute("PRAGMA data_version").fetchone()[0]
        if self._data_version is not None and version != self._data_version:
            self.db.execute("PRAGMA mmap_size=0")
            self._mapped = False
        self._data_version = version

    def _finish(self, sql: str) -> None:
        """``COMMIT`` or ``ROLLBACK``; the writer lock goes once no transaction is left."""
        try:
            self.db.execute(sql)
        finally:
            if not self.db.in_transaction:
                self._unlock()

    def _lock(self) -> None:
        if self._writer is not None:
            fcntl.flock(self._writer, fcntl.LOCK_EX)

    def _unlock(self) -> None:
        if self._writer is not None:
            fcntl.flock(self._writer, fcntl.LOCK_UN)

    def _migrate(self) -> None:
        self._begin()
        try:
            current = self.db.execute("PRAGMA user_version").fetchone()[0]
            for version, sql in migrations("sqlite"):
                if version > current:
                    for statement in _statements(sql):
                        self.db.execute(statement)
                    self.db.execute(f"PRAGMA user_version={version}")
            self._finish("COMMIT")
        except BaseException:
            self._finish("ROLLBACK")
            raise

    def scrub(self) -> None:
        """Rebuild the file (VACUUM) and empty the WAL: deleted rows' bytes are gone."""
        self._lock()
        try:
            self.db.execute("VACUUM")
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            self._unlock()

    async def batched(self, work: Callable[[SQLiteTx], T]) -> T:
        """``work(tx)`` with the other batched work of this event-loop turn, run together at
        its end: one ``BEGIN IMMEDIATE``/``COMMIT``; work that raises leaves nothing
        behind (it may run again: see the module's docstring). Its result, or its
        exception, comes once the COMMIT is done.
        The writer lock is held only while the work runs, not while the requests of the
        turn are parsed or answered, so another worker process can do that meanwhile."""
        if self._in_work:
            raise RuntimeError("batched() inside batched work")
        loop = asyncio.get_running_loop()
        if self._queue and self._queue_loop is not loop:
            self._run_queue()  # left by an event loop that is gone
        if not self._queue:
            self._queue_loop = loop
            loop.call_soon(self._run_queue)
        future: asyncio.Future[T] = loop.create_future()
        self._queue.append((work, future))
        return await future

    def _run_queue(self) -> None:
        queue, self._queue = self._queue, []
        for start in range(0, len(queue), GROUP_MAX):
            self._run_batch([q for q in queue[start : start + GROUP_MAX] if not q[1].done()])

    def _run_batch(self, batch: list[_Queued]) -> None:
        if not batch:
            return
        outcomes: list[tuple[asyncio.Future[Any], Any, bool]] | None = None
        try:
            self._begin()
            outcomes = self._run_works(batch, savepoints=False)
            if outcomes is None:  # work gave up after writing: again, each in a savepoint
                self._finish("ROLLBACK")
                self._begin()
                outcomes = self._run_works(batch, savepoints=True)
            self._finish("COMMIT")
        except BaseException as exc:  # every request of the batch is told it failed
            if self.db.in_transaction:
                self._finish("ROLLBACK")
            outcomes = [(future, exc, True) for _, future in batch]
            if not isinstance(exc, Exception):
                _deliver(outcomes)
                raise
        else:
            self._committed()
        assert outcomes is not None
        _deliver(outcomes)

    def _run_works(
        self, batch: list[_Queued], savepoints: bool
    ) -> list[tuple[asyncio.Future[Any], Any, bool]] | None:
        """Each work's (future, result or exception, failed). Without savepoints, None as
        soon as a work raises after it wrote: only a savepoint could undo it alone."""
        outcomes = []
        for work, future in batch:
            changes = self.db.total_changes
            value, failed = self._run_work(work, savepoints)
            if failed and not savepoints and self.db.total_changes != changes:
                return None
            outcomes.append((future, value, failed))
        return outcomes

    def _run_work(self, work: Callable[[SQLiteTx], Any], savepoint: bool) -> tuple[Any, bool]:
        """(result, False) or (exception, True); a lost transaction raises."""
        if savepoint:
            self.db.execute("SAVEPOINT request")
        self._in_work = True
        try:
            result = work(SQLiteTx(self.db))
        except Exception as exc:
            if not self.db.in_transaction:
                raise  # an I/O error ended the transaction: the whole batch failed
            if savepoint:
                self.db.execute("ROLLBACK TO request")
                self.db.execute("RELEASE request")
            return exc, True
        finally:
            self._in_work = False
        if savepoint:
            self.db.execute("RELEASE request")
        return result, False

    def _committed(self) -> None:
        if self.checkpointer is not None:
            self.checkpointer.poke()

    def _outside_work(self) -> None:
        if self._in_work:
            raise RuntimeError("a transaction inside batched work")

    def purge(self, now: float, limit: int = 1000) -> bool:
        """``StoreQueries.purge``, then up to ``VACUUM_PAGES`` free pages returned to the
        file system, so that a flood of rows, once purged, does not leave the file large."""
        more = super().purge(now, limit)  # (refuses to run inside batched work)
        if self.db.execute("PRAGMA auto_vacuum").fetchone()[0] != 2:  # 2: INCREMENTAL
            return more  # a file made before it: freed pages are reused, not returned
        self._lock()
        try:  # a script: Python's execute() would step the pragma once, freeing one page
            self.db.executescript(f"PRAGMA incremental_vacuum({VACUUM_PAGES})")
        finally:
            self._unlock()
        self._committed()
        return more

    @contextmanager
    def transaction(self) -> Iterator[SQLiteTx]:
        self._outside_work()
        self._begin()
        try:
            yield SQLiteTx(self.db)
        except BaseException:
            self._finish("ROLLBACK")
            raise
        self._finish("COMMIT")
        self._committed()

    @contextmanager
    def read(self) -> Iterator[SQLiteTx]:
        self._outside_work()
        self.db.execute("BEGIN")
        try:
            yield SQLiteTx(self.db)
        finally:
            self.db.execute("COMMIT")

    def close(self) -> None:
        """Close the store; closing it again does nothing (the writer lock's descriptor
        number may belong to another file by then)."""
        if self._queue:
            self._run_queue()
        if self.checkpointer is not None:
            self.checkpointer.close()
        self.db.close()
        writer, self._writer = self._writer, None
        if writer is not None:
            os.close(writer)


def _deliver(outcomes: list[tuple[asyncio.Future[Any], Any, bool]]) -> None:
    """Each batched request's result or exception (none to a loop that is gone)."""
    for future, value, failed in outcomes:
        if future.done() or future.get_loop().is_closed():
            continue
        if failed:
            future.set_exception(value)
        else:
            future.set_result(value)
