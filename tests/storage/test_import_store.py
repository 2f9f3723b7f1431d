"""The storage contract of user import jobs, on SQLite and on PostgreSQL: a job is stored,
written only from the statuses a caller expects, listed newest first a page at a time; its
CSV is kept in chunks per upload; its log keeps the rows not imported; a batch of users is
inserted where their names are free; aliases are checked and claimed a batch at a time;
and a pool's jobs go with it."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.helpers import pg_schema
from userpool.domain.entities import Pool, User
from userpool.domain.ports import AlreadyExists, ImportJob, ImportLogLine, NotFound, Store
from userpool.storage import open_store

_schemas = itertools.count()
POOL = "us-east-1_pool"


@pytest.fixture(params=["sqlite", "postgresql"])
def opener(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], Store]]:
    url = str(tmp_path / "store.db") if request.param == "sqlite" else None
    if url is None:
        url = pg_schema(f"imports_{next(_schemas)}")
    opened: list[Store] = []

    def open_one() -> Store:
        opened.append(open_store(url))
        return opened[-1]

    yield open_one
    for store in opened:
        store.close()


@pytest.fixture
def store(opener: Callable[[], Store]) -> Store:
    made = opener()
    with made.transaction() as tx:
        tx.insert_pool(Pool(POOL, "pool", {}, 1.0, 1.0))
        tx.insert_pool(Pool("other", "other", {}, 1.0, 1.0))
    return made


def job(job_id: str, created: float = 10.0, pool_id: str = POOL) -> ImportJob:
    return ImportJob(job_id, pool_id, "name", "arn:aws:iam::1:role/r", "Created", created, "u")


def user(name: str) -> User:
    return User(POOL, name, f"sub-{name}", "RESET_REQUIRED", True, None, {}, 1.0, 1.0)


def test_a_job_is_stored_and_written_only_from_an_expected_status(store: Store) -> None:
    with store.transaction() as tx:
        tx.insert_import_job(job("import-a"))
        with pytest.raises(AlreadyExists):
            tx.insert_import_job(job("import-a"))
    with store.transaction() as tx:
        found = tx.get_import_job("import-a", lock=True)
        assert found == job("import-a")
        found.status, found.started, found.upload, found.lines = "Pending", 11.0, "up1", 3
        assert tx.update_import_job(found, ("Created",))
        found.status = "Stopped"
        assert not tx.update_import_job(found, ("Created",))
    with store.read() as tx:
        stored = tx.get_import_job("import-a")
        assert (stored.status, stored.started, stored.upload, stored.lines) == (
            "Pending",
            11.0,
            "up1",
            3,
        )
        assert [j.id for j in tx.active_import_jobs(POOL)] == ["import-a"]
        with pytest.raises(NotFound):
            tx.get_import_job("import-nothere")


def test_a_batch_advances_a_job_only_while_it_is_in_progress(store: Store) -> None:
    with store.transaction() as tx:
        tx.insert_import_job(job("import-a"))
        assert not tx.advance_import_job("import-a", 20.0, (1, 0, 0), 2)
        running = tx.get_import_job("import-a")
        running.status = "InProgress"
        tx.update_import_job(running, ("Created",))
        assert tx.advance_import_job("import-a", 20.0, (2, 1, 0), 4)
        assert tx.advance_import_job("import-a", 21.0, (1, 0, 3), 8)
    with store.read() as tx:
        done = tx.get_import_job("import-a")
    assert (done.imported, done.skipped, done.failed, done.heartbeat, done.last_line) == (
        3,
        1,
        3,
        21.0,
        8,
    )


def test_jobs_are_listed_newest_first_a_page_at_a_time(store: Store) -> None:
    with store.transaction() as tx:
        for n, created in enumerate([5.0, 7.0, 7.0, 6.0]):
            tx.insert_import_job(job(f"import-{n}", created))
        tx.insert_import_job(job("import-other", 9.0, "other"))
    with store.read() as tx:
        everything = [j.id for j in tx.list_import_jobs(POOL, None, 10)]
        assert everything == ["import-2", "import-1", "import-3", "import-0"]
        assert [j.id for j in tx.list_import_jobs(POOL, (7.0, "import-2"), 2)] == [
            "import-1",
            "import-3",
        ]
        assert tx.count_import_jobs(POOL) == 4


def test_an_uploads_chunks_are_kept_until_dropped(store: Store) -> None:
    with store.transaction() as tx:
        tx.insert_import_job(job("import-a"))
        for upload in ("old", "new"):
            for seq in range(2):
                tx.put_import_chunk(POOL, "import-a", upload, seq, f"{upload}{seq}\x00".encode())
    with store.transaction() as tx:
        assert tx.import_chunk("import-a", "new", 1) == b"new1\x00"
        tx.drop_import_chunks("import-a", keep="new")
    with store.transaction() as tx:
        assert tx.import_chunk("import-a", "old", 0) is None
        assert tx.import_chunk("import-a", "new", 0) == b"new0\x00"
        tx.drop_import_chunks("import-a")
    with store.read() as tx:
        assert tx.import_chunk("import-a", "new", 0) is None


def test_the_log_keeps_rows_in_line_order(store: Store) -> None:
    lines = [ImportLogLine(n, "FAILED", f"why {n}") for n in range(900, 0, -3)]
    with store.transaction() as tx:
        tx.insert_import_job(job("import-a"))
        tx.add_import_log(POOL, "import-a", lines)
    with store.read() as tx:
        first = tx.import_log("import-a", 0, 2)
        rest = tx.import_log("import-a", first[-1].line, 1000)
    assert [e.line for e in first + rest] == sorted(e.line for e in lines)
    assert first[0] == ImportLogLine(3, "FAILED", "why 3")


def test_a_batch_of_users_is_inserted_where_the_names_are_free(store: Store) -> None:
    with store.transaction() as tx:
        tx.insert_user(user("amy"), "amy")
    batch = [(user(f"u{n}"), f"u{n}") for n in range(450)] + [(user("amy2"), "amy")]
    with store.transaction() as tx:
        inserted = tx.insert_new_users(batch)
    assert inserted == {f"u{n}" for n in range(450)}
    with store.read() as tx:
        assert tx.count_users(POOL) == 451
        assert tx.user_by_key(POOL, "amy").sub == "sub-amy"


def test_aliases_are_checked_and_claimed_a_batch_at_a_time(store: Store) -> None:
    with store.transaction() as tx:
        tx.insert_user(user("amy"), "amy")
        tx.set_alias(POOL, "email", "amy@example.com", "sub-amy")
    keys = [f"u{n}@example.com" for n in range(450)] + ["amy@example.com"]
    with store.transaction() as tx:
        assert tx.taken_aliases(POOL, "email", keys) == {"amy@example.com"}
        tx.insert_aliases(POOL, [("email", k, f"sub-{k}") for k in keys[:-1]])
    with store.read() as tx:
        assert tx.alias_owner(POOL, "email", "u7@example.com") == "sub-u7@example.com"
        assert tx.taken_aliases(POOL, "email", ["u449@example.com", "x@example.com"]) == {
            "u449@example.com"
        }


def test_a_batch_that_checked_aliases_holds_them_until_it_commits(
    opener: Callable[[], Store],
) -> None:
    """Another writer's claim of an alias the batch checked waits for the batch (on
    PostgreSQL by the same advisory lock; on SQLite by the single writer)."""
    first, second = opener(), opener()
    with first.transaction() as tx:
        tx.insert_pool(Pool(POOL, "pool", {}, 1.0, 1.0))
    owners: list[str | None] = []
    checked, done = threading.Event(), threading.Event()

    def other() -> None:
        checked.wait(10)
        with second.transaction() as tx:
            owners.append(tx.alias_owner(POOL, "email", "a@example.com"))
        done.set()

    thread = threading.Thread(target=other)
    thread.start()
    with first.transaction() as tx:
        assert tx.taken_aliases(POOL, "email", ["a@example.com"]) == set()
        checked.set()
        time.sleep(0.3)  # the other writer is given time to (wrongly) go first
        assert not done.is_set()
        tx.insert_user(user("amy"), "amy")
        tx.insert_aliases(POOL, [("email", "a@example.com", "sub-amy")])
    thread.join(10)
    assert owners == ["sub-amy"]


def test_a_pools_jobs_chunks_and_log_go_with_it(store: Store) -> None:
    with store.transaction() as tx:
        tx.insert_import_job(job("import-a"))
        tx.insert_import_job(job("import-b", pool_id="other"))
        tx.put_import_chunk(POOL, "import-a", "up", 0, b"csv")
        tx.add_import_log(POOL, "import-a", [ImportLogLine(2, "SKIPPED", "exists")])
    with store.transaction() as tx:
        tx.delete_pool(POOL)
    with store.read() as tx:
        with pytest.raises(NotFound):
            tx.get_import_job("import-a")
        assert tx.import_chunk("import-a", "up", 0) is None
        assert tx.import_log("import-a", 0, 10) == []
        assert tx.get_import_job("import-b").pool_id == "other"
