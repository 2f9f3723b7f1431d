"""Storage adapters implementing the ``Store`` port (SQLite now; PostgreSQL later)."""

from __future__ import annotations

from userpool.domain.ports import Store


def open_store(url: str, synchronous: str = "NORMAL") -> Store:
    """Open the store a ``--db`` value names: a path or ``sqlite:///path`` for SQLite."""
    from userpool.storage.sqlite import SQLiteStore

    path = url.removeprefix("sqlite://") if url.startswith("sqlite://") else url
    return SQLiteStore(path, synchronous=synchronous)
