"""SQLite's WAL is checkpointed by the store's own thread, not inside a request's COMMIT;
writers of every process queue on a lock file of their own (and turn the WAL on under it).

The database file is read with ``immutable=1``, which ignores the WAL: rows show there
only once a checkpoint has copied them into the file.
"""

from __future__ import annotations

import asyncio
import fcntl
import multiprocessing
import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.storage.test_contract import pool, user
from userpool.domain.ports import NotFound
from userpool.storage.sqlite import GROUP_MAX, SQLiteStore

USERS = 200


def _users_in_file(path: Path) -> int:
    """Users in the database file itself (the WAL unread); -1 while it has no such table."""
    db = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    try:
        return int(db.execute("SELECT count(*) FROM users").fetchone()[0])
    except sqlite3.DatabaseError:  # no table yet, or a page caught mid-checkpoint
        return -1
    finally:
        db.close()


def _fill(store: SQLiteStore) -> None:
    with store.transaction() as tx:
        tx.insert_pool(pool())
    for i in range(USERS):
        with store.transaction() as tx:
            tx.insert_user(user(f"user{i}"), f"user{i}")


def test_commits_reach_the_database_file_through_the_checkpoint_thread(tmp_path: Path) -> None:
    store = SQLiteStore(str(tmp_path / "store.db"))
    try:
        _fill(store)
        deadline = time.monotonic() + 10
        while _users_in_file(tmp_path / "store.db") != USERS and time.monotonic() < deadline:
            time.sleep(0.02)
        assert _users_in_file(tmp_path / "store.db") == USERS
        assert store.checkpointer is not None and store.checkpointer.runs >= 1
    finally:
        store.close()


def test_a_commit_does_not_checkpoint_by_itself_and_close_stops_the_thread(
    tmp_path: Path,
) -> None:
    store = SQLiteStore(str(tmp_path / "store.db"))
    assert store.checkpointer is not None
    thread = store.checkpointer._thread
    store.checkpointer.close()
    assert not thread.is_alive()
    store.checkpointer = None
    try:
        _fill(store)
        time.sleep(0.2)
        assert _users_in_file(tmp_path / "store.db") < USERS
        with store.read() as tx:
            assert (
                tx.user_by_key("us-east-1_pool", f"user{USERS - 1}").sub == f"sub-user{USERS - 1}"
            )
    finally:
        store.close()
    # The last connection to close checkpoints what is left.
    assert _users_in_file(tmp_path / "store.db") == USERS


def _free(lock_file: Path) -> bool:
    """Whether another process's writer could take the writer lock now."""
    fd = os.open(lock_file, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # closing drops a lock taken here
    return True


def test_a_writer_holds_the_writer_lock_from_begin_to_commit_or_rollback(tmp_path: Path) -> None:
    store = SQLiteStore(str(tmp_path / "store.db"))
    lock_file = tmp_path / "store.db-writer"
    try:
        assert _free(lock_file)
        with store.transaction() as tx:
            tx.insert_pool(pool())
            assert not _free(lock_file)
        assert _free(lock_file)
        with pytest.raises(RuntimeError), store.transaction() as tx:
            tx.insert_user(user("amy"), "amy")
            assert not _free(lock_file)
            raise RuntimeError("give up")
        assert _free(lock_file)
        with store.read() as tx:  # readers never wait for writers (WAL)
            assert _free(lock_file)
    finally:
        store.close()


def test_batched_work_holds_the_writer_lock_only_while_it_runs(tmp_path: Path) -> None:
    store = SQLiteStore(str(tmp_path / "store.db"))
    lock_file = tmp_path / "store.db-writer"
    held: list[bool] = []

    def work(tx: Any) -> None:
        tx.insert_pool(pool())
        held.append(not _free(lock_file))

    async def one_request() -> None:
        task = asyncio.ensure_future(store.batched(work))
        await asyncio.sleep(0)  # the request is queued; its work runs at the turn's end
        assert _free(lock_file) and not held
        await task
        assert held == [True] and _free(lock_file)

    try:
        asyncio.run(one_request())
    finally:
        store.close()


def test_the_batched_work_of_a_turn_shares_one_commit_per_group_max(tmp_path: Path) -> None:
    store = SQLiteStore(str(tmp_path / "store.db"))
    statements: list[str] = []

    def work(n: int) -> Callable[[Any], int]:
        def insert(tx: Any) -> int:
            tx.insert_pool(pool(f"us-east-1_p{n}"))
            return n

        return insert

    async def requests(count: int) -> list[int]:
        return list(await asyncio.gather(*(store.batched(work(n)) for n in range(count))))

    try:
        store.db.set_trace_callback(statements.append)
        assert asyncio.run(requests(GROUP_MAX + 6)) == list(range(GROUP_MAX + 6))
        assert statements.count("BEGIN IMMEDIATE") == statements.count("COMMIT") == 2
        assert statements.count("SAVEPOINT request") == 0  # none of them gave up
    finally:
        store.db.set_trace_callback(None)
        store.close()


def test_a_batch_runs_again_in_savepoints_only_when_work_gives_up_after_writing(
    tmp_path: Path,
) -> None:
    """Work runs without a savepoint; work that raises before it wrote costs nothing
    more, but work that raises after writing makes the batch roll back and run again,
    each work in a savepoint, so that only its own writes are undone."""
    store = SQLiteStore(str(tmp_path / "store.db"))
    statements: list[str] = []
    runs: list[str] = []

    def work(name: str, give_up: str) -> Callable[[Any], str]:
        def insert(tx: Any) -> str:
            runs.append(name)
            if give_up == "before writing":
                raise LookupError(name)
            tx.insert_pool(pool(f"us-east-1_{name}"))
            if give_up == "after writing":
                raise LookupError(name)
            return name

        return insert

    async def batch(*works: tuple[str, str]) -> list[Any]:
        return list(
            await asyncio.gather(
                *(store.batched(work(n, g)) for n, g in works), return_exceptions=True
            )
        )

    try:
        store.db.set_trace_callback(statements.append)
        first = asyncio.run(batch(("a", "no"), ("b", "before writing"), ("c", "no")))
        assert first[0::2] == ["a", "c"] and isinstance(first[1], LookupError)
        assert runs == ["a", "b", "c"] and "SAVEPOINT request" not in statements
        assert statements.count("COMMIT") == 1 and "ROLLBACK" not in statements
        runs.clear()
        statements.clear()
        second = asyncio.run(batch(("d", "no"), ("e", "after writing"), ("f", "no")))
        assert second[0::2] == ["d", "f"] and isinstance(second[1], LookupError)
        assert runs == ["d", "e", "d", "e", "f"]  # the second run goes on to the end
        assert statements.count("ROLLBACK") == 1 and statements.count("COMMIT") == 1
        assert statements.count("SAVEPOINT request") == 3
        assert statements.count("ROLLBACK TO request") == 1
        with store.read() as tx:
            assert tx.get_pool("us-east-1_d").id == "us-east-1_d"
            assert tx.get_pool("us-east-1_f").id == "us-east-1_f"
            with pytest.raises(NotFound):
                tx.get_pool("us-east-1_e")
    finally:
        store.db.set_trace_callback(None)
        store.close()


def _mmap_size(store: SQLiteStore) -> int:
    return int(store.db.execute("PRAGMA mmap_size").fetchone()[0])


def test_a_store_reads_through_the_memory_map_until_another_process_writes(
    tmp_path: Path,
) -> None:
    """A second connection stands in for a second worker: a store's write transaction
    that follows the other's commit sees it, and its memory map is turned off."""
    path = str(tmp_path / "store.db")
    alone, other = SQLiteStore(path), SQLiteStore(path)
    try:
        with alone.transaction() as tx:
            tx.insert_pool(pool("us-east-1_a"))
        with alone.transaction() as tx:
            tx.insert_pool(pool("us-east-1_b"))
        assert _mmap_size(alone) > 0  # its own commits, and the other's start-up, are old
        with other.transaction() as tx:  # it sees alone's writes since its start-up
            tx.insert_pool(pool("us-east-1_c"))
        assert _mmap_size(other) == 0 and _mmap_size(alone) > 0
        with alone.transaction() as tx:
            assert tx.get_pool("us-east-1_c").id == "us-east-1_c"
        assert _mmap_size(alone) == 0
        with alone.transaction() as tx:  # and it goes on working without it
            tx.insert_pool(pool("us-east-1_d"))
        with other.read() as tx:
            assert tx.get_pool("us-east-1_d").id == "us-east-1_d"
    finally:
        other.close()
        alone.close()


def _open_at_once(path: str, barrier: Any, failures: Any) -> None:
    barrier.wait()
    try:
        SQLiteStore(path).close()
    except sqlite3.Error as exc:
        failures.put(f"{type(exc).__name__}: {exc}")


def test_processes_opening_a_new_database_at_once_all_succeed(tmp_path: Path) -> None:
    """``userpool serve --workers N`` on a new file: every worker turns on the WAL and
    migrates at once; one of them used to fail with 'database is locked'."""
    ctx = multiprocessing.get_context("fork")
    failures = ctx.Queue()
    for attempt in range(8):
        path = str(tmp_path / f"new{attempt}.db")
        barrier = ctx.Barrier(4)
        procs = [
            ctx.Process(target=_open_at_once, args=(path, barrier, failures)) for _ in range(4)
        ]
        for proc in procs:
            proc.start()
        for proc in procs:
            proc.join(60)
            assert proc.exitcode == 0
    seen = []
    while not failures.empty():
        seen.append(failures.get())
    assert seen == []


def test_a_users_event_list_is_read_through_the_partial_index(tmp_path: Path) -> None:
    """list_events names ``listed=1`` as the partial index does, so SQLite uses it (and an
    event that is not listed never enters that index)."""
    store = SQLiteStore(str(tmp_path / "u.db"))
    try:
        statements: list[str] = []
        store.db.set_trace_callback(statements.append)
        with store.read() as tx:
            tx.list_events("us-east-1_pool", "sub-amy", None, 10)
        store.db.set_trace_callback(None)
        query = next(s for s in statements if "FROM events" in s)
        plan = " ".join(str(row[3]) for row in store.db.execute("EXPLAIN QUERY PLAN " + query))
        assert "USING INDEX events_listed" in plan, plan
    finally:
        store.close()


def test_purged_rows_give_their_pages_back(tmp_path: Path) -> None:
    """A new database vacuums incrementally: once a flood of rate counters is purged, the
    pages it took leave the file (they are not merely kept on its free list)."""
    store = SQLiteStore(str(tmp_path / "store.db"))
    try:
        assert store.db.execute("PRAGMA auto_vacuum").fetchone()[0] == 2  # incremental
        with store.transaction() as tx:
            tx.add_counts({(f"client:{'x' * 120}{i}@127.0.0.1", 100): 1 for i in range(5000)})
        full = store.db.execute("PRAGMA page_count").fetchone()[0]
        with store.transaction() as tx:
            while tx.purge_counts(200, 1000):
                pass
        store.purge(time.time())
        pages = store.db.execute("PRAGMA page_count").fetchone()[0]
        assert store.db.execute("PRAGMA freelist_count").fetchone()[0] == 0
        assert pages < full / 4, (pages, full)
    finally:
        store.close()
