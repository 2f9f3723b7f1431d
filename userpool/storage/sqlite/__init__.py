"""The SQLite backend: ``store`` (the file, its writer lock, group commit, migrations by
``user_version``), ``transaction`` (the ``Tx`` port on its connection: the shared SQL
layer and the probe's joins) and ``checkpoint`` (WAL checkpoints on a thread)."""

from userpool.storage.sqlite.store import GROUP_MAX, SQLiteStore
from userpool.storage.sqlite.transaction import SQLiteTx

__all__ = ["GROUP_MAX", "SQLiteStore", "SQLiteTx"]
