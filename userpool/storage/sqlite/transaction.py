"""One SQLite transaction: the ``Tx`` port on the store's connection.

Every statement is the shared layer's (``userpool.storage.sql``); SQLite's single writer
(``BEGIN IMMEDIATE``) needs no row or advisory locks, so only the probe's joins are its
own: plain outer joins, which SQLite's planner turns into indexed probes.
"""

from __future__ import annotations

import sqlite3

from userpool.storage.sql.pools import probe_sql
from userpool.storage.sql.rows import U_USER_COLS
from userpool.storage.sql.tx import SqlTx

# The probe's two statements (with and without the code), written once.
_PROBES = {
    with_code: probe_sql(
        U_USER_COLS,
        " LEFT JOIN users u ON u.pool_id = c.pool_id AND u.username_key = ?",
        " LEFT JOIN codes k ON k.pool_id = c.pool_id AND k.sub = u.sub AND k.purpose = ?"
        if with_code
        else "",
    )
    for with_code in (False, True)
}


class SQLiteTx(SqlTx):
    """Reads and writes of one transaction on the store's connection."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self._prefetched = {}

    def _probe_sql(self, with_code: bool) -> str:
        return _PROBES[with_code]
