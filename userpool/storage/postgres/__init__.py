"""The PostgreSQL backend: ``store`` (transactions, group commit, migrations),
``transaction`` (the ``Tx`` port: the shared SQL layer with row and advisory locks),
``batching`` (statements held and sent together), ``simple`` (one simple query per batch,
client-side literals), ``pool`` (connections) and ``group_commit`` (which COMMIT a request
waits for)."""

from userpool.storage.postgres.store import PostgresStore
from userpool.storage.postgres.transaction import PostgresTx

__all__ = ["PostgresStore", "PostgresTx"]
