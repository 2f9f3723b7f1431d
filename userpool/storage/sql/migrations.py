"""The schema's migrations: which SQL each backend runs, in order.

A migration is ``NNN_name.sql``. One that both dialects read alike lives once, in
``userpool/storage/migrations/``; one they disagree on has a twin in ``migrations/sqlite/``
and ``migrations/postgres/`` under the same number (SQLite's ``AUTOINCREMENT`` against an
identity column, PostgreSQL's ``COLLATE "C"`` keys that sort as SQLite's binary
comparison). A shared migration writes column types both read alike: ``DOUBLE PRECISION``
(REAL affinity on SQLite), ``BIGINT`` and ``INTEGER`` (INTEGER affinity), ``TEXT``.

Each backend records the numbers it applied (SQLite: ``user_version``; PostgreSQL: the
``schema_version`` table), so the numbers never change: a database made when every
migration had a file per dialect (``migrations/`` and ``migrations_pg/``) is at the same
number now and runs only the migrations after it.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable

DIALECTS = ("sqlite", "postgres")


def _numbered(folder: Traversable) -> dict[int, Traversable]:
    found: dict[int, Traversable] = {}
    for item in folder.iterdir():
        if item.name.endswith(".sql"):
            version = int(item.name.split("_", 1)[0])
            if version in found:
                raise RuntimeError(f"two migrations numbered {version} in {folder}")
            found[version] = item
    return found


def migration_files(dialect: str) -> dict[int, Traversable]:
    """The file of each migration ``dialect`` runs, by number: its own, or the shared one."""
    if dialect not in DIALECTS:
        raise ValueError(f"no dialect {dialect!r}")
    folder = resources.files("userpool.storage") / "migrations"
    shared, own = _numbered(folder), _numbered(folder / dialect)
    both = sorted(shared.keys() & own.keys())
    if both:
        raise RuntimeError(f"migrations {both} are both shared and {dialect}'s own")
    return {**shared, **own}


def migrations(dialect: str) -> list[tuple[int, str]]:
    """(number, SQL) of each migration ``dialect`` runs, in order."""
    files = migration_files(dialect)
    return [(version, files[version].read_text()) for version in sorted(files)]
