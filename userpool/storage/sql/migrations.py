"""The schema's migrations, ``NNN_name.sql`` files applied in order of their number; each
backend records which numbers it applied (SQLite: ``user_version``; PostgreSQL: the
``schema_version`` table)."""

from __future__ import annotations

from importlib import resources


def migrations(folder: str) -> list[tuple[int, str]]:
    """(version, SQL) of each migration in ``userpool/storage/<folder>``, in order."""
    found = []
    for item in (resources.files("userpool.storage") / folder).iterdir():
        if item.name.endswith(".sql"):
            found.append((int(item.name.split("_", 1)[0]), item.read_text()))
    return sorted(found)
