"""Storage adapters implementing the ``Store`` port: SQLite (a file) and PostgreSQL (a URL).

``--db`` (``USERPOOL_DB``) names the store: ``postgresql://...`` (or ``postgres://``) is a
PostgreSQL database, anything else a SQLite file (``sqlite:///path`` or a plain path).
"""

from __future__ import annotations

import os
import re

from userpool.domain.ports import Store

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_url(db: str) -> bool:
    """Whether ``db`` names a database server rather than a file."""
    return db.startswith(POSTGRES_SCHEMES)


def exists(db: str) -> bool:
    """Whether there may be data at ``db`` (a server database is assumed to be there)."""
    return is_url(db) or os.path.exists(sqlite_path(db))


def redact(db: str) -> str:
    """``db`` fit for a log line: a URL's password hidden."""
    if not is_url(db):
        return db
    db = re.sub(r"(://[^:/@?]*):[^@/?]*@", r"\1:***@", db)
    return re.sub(r"(?i)([?&]password=)[^&]*", r"\1***", db)


def sqlite_path(db: str) -> str:
    """The file of a SQLite ``--db`` value (``sqlite://path`` or a plain path)."""
    return db.removeprefix("sqlite://")


def open_store(url: str, synchronous: str = "NORMAL", connections: int = 4) -> Store:
    """Open the store a ``--db`` value names (``synchronous`` applies to SQLite only,
    ``connections`` per process to PostgreSQL only)."""
    if is_url(url):
        from userpool.storage.postgres import PostgresStore

        return PostgresStore(url, connections)
    from userpool.storage.sqlite import SQLiteStore

    return SQLiteStore(sqlite_path(url), synchronous=synchronous)
