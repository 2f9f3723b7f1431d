"""Migrations: each backend runs every migration once, in order, whether its file is shared
or the dialect's own; and a database made before migrations were shared (when every
migration had a file per dialect) opens at the version it recorded, runs only the
migrations after it, keeps working, and has the schema a new database gets.

``old_layout/`` holds such databases as the old code (d6e8b93) made them, one row in each
table: a SQLite dump and a PostgreSQL dump.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import pg_schema
from userpool.domain.entities import User
from userpool.domain.ports import SoftwareToken, Store, Tx
from userpool.storage import open_store
from userpool.storage.sql.migrations import DIALECTS, migration_files, migrations

OLD = Path(__file__).parent / "old_layout"
OLD_VERSION = 10  # what the old code recorded in both dumps


def test_each_dialect_runs_every_migration_once_in_order() -> None:
    numbers = {dialect: sorted(migration_files(dialect)) for dialect in DIALECTS}
    assert numbers["sqlite"] == numbers["postgres"]
    assert numbers["sqlite"] == list(range(1, len(numbers["sqlite"]) + 1))
    assert len(numbers["sqlite"]) >= OLD_VERSION


def test_a_migration_both_dialects_read_alike_has_one_file() -> None:
    """Shared where the text is the same; a dialect's own file differs from its twin's."""
    sqlite, postgres = migration_files("sqlite"), migration_files("postgres")
    shared = [v for v in sqlite if sqlite[v] == postgres[v]]
    assert shared, "no migration is shared"
    for version in set(sqlite) - set(shared):
        assert sqlite[version].read_text() != postgres[version].read_text(), version
    assert [v for v, _ in migrations("sqlite")] == sorted(sqlite)


def _affinity(declared: str) -> str:
    """SQLite's type affinity of a declared column type (its documented rules, in order)."""
    kind = declared.upper()
    if "INT" in kind:
        return "INTEGER"
    if any(word in kind for word in ("CHAR", "CLOB", "TEXT")):
        return "TEXT"
    if not kind or "BLOB" in kind:
        return "BLOB"
    if any(word in kind for word in ("REAL", "FLOA", "DOUB")):
        return "REAL"
    return "NUMERIC"


def _sqlite_schema(path: Path) -> dict[str, Any]:
    db = sqlite3.connect(path)
    try:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        columns = {
            table: [
                (name, _affinity(kind), notnull, default, pk)
                for _, name, kind, notnull, default, pk in db.execute(f"PRAGMA table_info({table})")
            ]
            for table in tables
        }
        indexes = set(
            db.execute("SELECT name, tbl_name, sql FROM sqlite_master WHERE type='index'")
        )
        version = db.execute("PRAGMA user_version").fetchone()[0]
    finally:
        db.close()
    return {"columns": columns, "indexes": indexes, "version": version}


def _pg_schema(url: str) -> dict[str, Any]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as db:
        columns = set(
            db.execute(
                "SELECT table_name, column_name, ordinal_position, data_type, collation_name, "
                "is_nullable, column_default, is_identity FROM information_schema.columns "
                "WHERE table_schema = current_schema()"
            ).fetchall()
        )
        indexes = set(
            db.execute(
                "SELECT tablename, indexname, replace(indexdef, current_schema() || '.', '') "
                "FROM pg_indexes WHERE schemaname = current_schema()"
            ).fetchall()
        )
        versions = [r[0] for r in db.execute("SELECT version FROM schema_version ORDER BY version")]
    return {"columns": columns, "indexes": indexes, "versions": versions}


@pytest.fixture
def old_sqlite(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """(a file the old code made, a file the current code made)."""
    old, new = tmp_path / "old.db", tmp_path / "new.db"
    db = sqlite3.connect(old)
    db.executescript((OLD / "sqlite.sql").read_text())
    db.close()
    open_store(str(new)).close()
    yield old, new


def test_a_sqlite_file_made_before_migrations_were_shared_opens_and_works(
    old_sqlite: tuple[Path, Path],
) -> None:
    old, new = old_sqlite
    before = _sqlite_schema(old)
    assert before["version"] == OLD_VERSION
    store = open_store(str(old))
    try:
        _works(store)
    finally:
        store.close()
    after, fresh = _sqlite_schema(old), _sqlite_schema(new)
    # nothing of the first ten ran again: their columns are as they were (later migrations
    # add tables, and columns after the old ones)
    kept = {
        t: c[: len(before["columns"][t])]
        for t, c in after["columns"].items()
        if t in before["columns"]
    }
    assert kept == before["columns"]
    assert before["indexes"] <= after["indexes"]
    assert after["version"] == fresh["version"]
    assert after["columns"] == fresh["columns"]
    assert after["indexes"] == fresh["indexes"]
    assert fresh["version"] == len(migration_files("sqlite"))


def test_a_postgresql_schema_made_before_migrations_were_shared_opens_and_works() -> None:
    import psycopg

    old, new = pg_schema("old_layout"), pg_schema("new_layout")
    with psycopg.connect(old, autocommit=True) as db:
        db.execute((OLD / "postgres.sql").read_text().encode())
    before = _pg_schema(old)
    assert before["versions"] == list(range(1, OLD_VERSION + 1))
    store = open_store(old)
    try:
        _works(store)
    finally:
        store.close()
    open_store(new).close()
    after, fresh = _pg_schema(old), _pg_schema(new)
    tables = {c[0] for c in before["columns"]}
    kept = {c for c in after["columns"] if c[0] in tables}
    assert before["columns"] <= kept
    added = kept - before["columns"]
    # nothing of the first ten ran again: their columns are as they were (later migrations
    # add tables, and columns after the old ones)
    old_ends: dict[str, int] = {}
    for column in before["columns"]:
        old_ends[column[0]] = max(old_ends.get(column[0], 0), column[2])
    assert all(c[2] > old_ends[c[0]] for c in added), added
    assert before["indexes"] <= after["indexes"]
    assert after["versions"] == fresh["versions"]
    assert after["columns"] == fresh["columns"]
    assert after["indexes"] == fresh["indexes"]
    assert fresh["versions"] == sorted(migration_files("postgres"))


def _works(store: Store) -> None:
    """The old rows read back through today's code, and new rows go in beside them."""
    pool_id = "us-east-1_old"
    with store.read() as tx:
        _reads(tx, pool_id)
    assert [i.trigger for i in store.recent_invocations(10)] == ["PreSignUp"]
    assert [m.destination for m in store.claim_messages(10, 4e9)] == ["amy@example.com"]
    old_ids = [e.id for e in store.events_after(0, 10)]
    with store.transaction() as tx:
        assert tx.take_session("sess").data == {"a": 1}
        bob = User(
            pool_id=pool_id,
            sub="sub-bob",
            username="bob",
            status="CONFIRMED",
            enabled=True,
            password_hash=None,
            attributes={},
            created=5.0,
            modified=5.0,
            extra={},
        )
        tx.insert_user(bob, "bob")
        tx.add_member(pool_id, "admins", "sub-bob")
        new_id = tx.add_event(pool_id, "sub-bob", "SignIn", 5.0, "{}", True)
        assert tx.add_counts({("rate", 7): 2}) == {("rate", 7): 5}
        tx.revoke_user_tokens(pool_id, "sub-amy")
        tx.put_software_token(SoftwareToken(pool_id, "sub-amy", "pending", "sealed", 5.0, id="t"))
    assert new_id > max(old_ids)
    with store.read() as tx:
        members = tx.members_of(pool_id, "admins", None, 10)
        assert [u.username for u in members] == ["amy", "bob"]
        assert tx.get_refresh("rt").revoked and tx.origin_revoked("origin")
        assert tx.software_token(pool_id, "sub-amy", "pending").sealed == "sealed"


def _reads(tx: Tx, pool_id: str) -> None:
    client, pool, amy = tx.client_pool_user("oldclient", "amy", "signup")
    assert (client.secret, pool.name) == ("sealed-secret", "old")
    assert amy is not None and amy.attributes == {"email": "amy@example.com"}
    assert tx.get_code(pool_id, "sub-amy", "signup").code_hash == "codehash"
    assert tx.user_by_alias(pool_id, "email", "amy@example.com").sub == "sub-amy"
    assert [g.name for g in tx.groups_of(pool_id, "sub-amy")] == ["admins"]
    assert [e.kind for e in tx.list_events(pool_id, "sub-amy", None, 10)] == ["SignUp"]
    assert [k.kid for k in tx.pool_keys(pool_id)] == ["kid-old"]
    assert [k.key_id for k in tx.access_keys()] == ["AKIAOLD"]
    assert tx.meta_value("marker") == b"old"
    assert len(tx.sealed_values()) == 3
