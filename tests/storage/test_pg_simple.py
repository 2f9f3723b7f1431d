"""``storage.postgres.simple``: client-side literals and prepared statements, against the real PostgreSQL.

Every value the store may send must reach the server as itself, whatever characters it
holds (quotes, backslashes, dollar quotes, comment and statement separators), on the
literal path and on the prepared (``EXECUTE``) path; a failure in a batch raises
psycopg's exception class and leaves prepared statements usable. And the one behaviour of
PostgreSQL's group commit that SQLite's does not share: a database error inside a group
fails the whole group.
"""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg import errors as pg_errors

from tests.helpers import pg_schema
from userpool.domain.entities import Pool, User
from userpool.storage import open_store
from userpool.storage.postgres import simple as pg_simple
from userpool.storage.postgres.simple import run
from userpool.storage.postgres.store import PostgresStore

NASTY_TEXT = [
    "",
    "plain",
    "it's",
    "''; DROP TABLE t; --",
    "back\\slash\\' and \\x00-looking",
    "$$dollar$$ $tag$ quoted $tag$",
    "semi;colon -- comment /* c */",
    "%s %% %(name)s",
    "E'escape'",
    "new\nline\ttab\r",
    "é ünïcödé 日本語 🙂",
    "\u2028\ufeff",
]
NASTY_BYTES = [b"", bytes(range(256)), b"'\\x00", b"\x00" * 7]
NUMBERS: list[Any] = [0, 1, -1, -(2**62), 2**62, 0.0, -0.0, 1.5, -2.25, 1e-300, 1.7e308]


@pytest.fixture
def conn() -> Iterator[psycopg.Connection[tuple[Any, ...]]]:
    with psycopg.connect(pg_schema("pg_simple"), autocommit=True) as db:
        for setting in pg_simple.SETTINGS:
            db.execute(setting)
        yield db


def _roundtrip(conn: psycopg.Connection[tuple[Any, ...]], sql: str, value: Any) -> Any:
    row = run(conn, [(sql, (value,))]).fetchone()
    assert row is not None
    return row[0]


@pytest.mark.parametrize("value", NASTY_TEXT)
def test_text_arrives_as_itself_literal_and_prepared(conn: Any, value: str) -> None:
    for _ in range(pg_simple.PREPARE_AFTER + 2):  # the last uses go through EXECUTE
        assert _roundtrip(conn, "SELECT %s::text", value) == value
    assert "SELECT $1::text" in _prepared_statements(conn)


@pytest.mark.parametrize("value", NASTY_BYTES)
def test_bytes_arrive_as_themselves(conn: Any, value: bytes) -> None:
    for _ in range(pg_simple.PREPARE_AFTER + 2):
        assert _roundtrip(conn, "SELECT %s::bytea", value) == value


@pytest.mark.parametrize("value", NUMBERS)
def test_numbers_arrive_as_themselves(conn: Any, value: Any) -> None:
    kind = "bigint" if isinstance(value, int) else "double precision"
    for _ in range(pg_simple.PREPARE_AFTER + 2):
        got = _roundtrip(conn, f"SELECT %s::{kind}", value)
        assert got == value and type(got) is type(value)


def test_null_bool_and_non_finite_floats(conn: Any) -> None:
    assert _roundtrip(conn, "SELECT %s::text", None) is None
    assert _roundtrip(conn, "SELECT %s::boolean", True) is True
    assert _roundtrip(conn, "SELECT %s::boolean", False) is False
    assert _roundtrip(conn, "SELECT %s::float8", float("inf")) == float("inf")
    assert _roundtrip(conn, "SELECT %s::float8", float("-inf")) == float("-inf")
    got = _roundtrip(conn, "SELECT %s::float8", float("nan"))
    assert got != got


def test_results_arrive_as_psycopg_gives_them(conn: Any) -> None:
    sql = "SELECT 7::bigint, 3::integer, 1.5::numeric, 2.5::real, 'x'::text, NULL::bigint"
    assert run(conn, [(sql, None)]).fetchall() == conn.execute(sql).fetchall()
    assert run(conn, [("SELECT 1 WHERE false", None)]).fetchall() == []


def test_a_closed_connection_leaves_nothing_behind() -> None:
    """The per-connection state (prepared names, the loader of results) is weakly keyed:
    a connection that is dropped (lost, replaced) is not kept alive by it."""
    db = psycopg.connect(pg_schema("pg_simple"), autocommit=True)
    for setting in pg_simple.SETTINGS:
        db.execute(setting)
    assert run(db, [("SELECT %s::text", ("x",))]).fetchone() == ("x",)
    assert db in pg_simple._prepared
    dropped = weakref.ref(db)
    db.close()
    del db
    gc.collect()
    assert dropped() is None


def test_text_with_nul_is_refused_before_sending(conn: Any) -> None:
    with pytest.raises(pg_simple.Unsendable):
        run(conn, [("SELECT %s::text", ("a\x00b",))])


def test_other_types_are_refused(conn: Any) -> None:
    with pytest.raises(TypeError):
        run(conn, [("SELECT %s::text", (["a list"],))])
    with pytest.raises(TypeError):
        run(conn, [("SELECT %s, %s", (1,))])


def test_a_batch_answers_with_its_last_statement_and_counts_rows(conn: Any) -> None:
    run(conn, [("CREATE TABLE t (id bigint PRIMARY KEY, name text)", None)])
    rows = run(
        conn,
        [
            ("INSERT INTO t VALUES (%s, %s)", (1, "a")),
            ("INSERT INTO t VALUES (%s, %s)", (2, "b'")),
            ("SELECT id, name FROM t ORDER BY id", ()),
        ],
    )
    assert rows.fetchall() == [(1, "a"), (2, "b'")]
    assert run(conn, [("UPDATE t SET name=%s WHERE id > %s", ("z", 0))]).rowcount == 2
    assert run(conn, [("SELECT * FROM t WHERE id=%s", (9,))]).fetchone() is None


def test_a_failing_statement_stops_the_batch_with_psycopgs_error(conn: Any) -> None:
    run(conn, [("CREATE TABLE u (id bigint PRIMARY KEY)", None)])
    for i in range(pg_simple.PREPARE_AFTER + 2):
        with pytest.raises(pg_errors.UniqueViolation):
            run(
                conn,
                [
                    ("BEGIN", None),
                    ("INSERT INTO u VALUES (%s)", (100 + i,)),
                    ("INSERT INTO u VALUES (%s)", (100 + i,)),
                    ("SELECT 1", None),
                ],
            )
        run(conn, [("ROLLBACK", None)])
    # the PREPAREs of failed batches may or may not have run: later uses still work
    for i in range(pg_simple.PREPARE_AFTER + 2):
        run(conn, [("INSERT INTO u VALUES (%s)", (i,))])
    assert run(conn, [("SELECT count(*) FROM u", None)]).fetchone() == (
        pg_simple.PREPARE_AFTER + 2,
    )


def _prepared_statements(conn: Any) -> str:
    rows = run(conn, [("SELECT statement FROM pg_prepared_statements", None)]).fetchall()
    return "\n".join(str(r[0]) for r in rows)


def test_a_database_error_in_a_group_fails_every_request_of_the_group() -> None:
    """PostgreSQL: a request's held writes go with the next request's statement, so after
    a server-side error the group's transaction is unusable; each request of the group is
    told so and none of its writes stays. The next request opens a new group."""
    store = open_store(pg_schema("pg_group_failure"))
    assert isinstance(store, PostgresStore)
    try:
        with store.transaction() as tx:
            tx.insert_pool(Pool("us-east-1_pool", "pool", {}, 1.0, 1.0))
            for name in ("amy", "bob", "cat"):
                tx.insert_user(_user(name), name)

        async def confirm(name: str) -> str:
            with store.grouped() as tx:
                found = tx.user_by_key("us-east-1_pool", name)
                found.status = "CONFIRMED"
                tx.update_user(found)
                if name == "bob":
                    tx.db.execute("SELECT 1/0")  # type: ignore[attr-defined]
            await store.flush()
            return "ok"

        async def group() -> list[Any]:
            return list(
                await asyncio.gather(
                    confirm("amy"), confirm("bob"), confirm("cat"), return_exceptions=True
                )
            )

        amy, bob, cat = asyncio.run(group())
        assert isinstance(amy, pg_errors.DivisionByZero)
        assert isinstance(bob, pg_errors.DivisionByZero)
        assert cat == "ok"
        with store.read() as tx:
            found = {u.username: u.status for u in tx.list_users("us-east-1_pool", None, 10)}
        assert found == {"amy": "UNCONFIRMED", "bob": "UNCONFIRMED", "cat": "CONFIRMED"}
    finally:
        store.close()


def _user(name: str) -> User:
    return User("us-east-1_pool", name, f"sub-{name}", "UNCONFIRMED", True, None, {}, 1.0, 1.0)


def test_text_that_is_not_unicode_is_refused_before_sending(conn: Any) -> None:
    with pytest.raises(pg_simple.Unsendable):
        run(conn, [("SELECT %s::text", ("lone \ud800 surrogate",))])
