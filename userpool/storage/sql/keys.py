"""The statements of token signing keys, access keys for signed operations, meta values,
and the values sealed with the master key (``userpool.at_rest`` re-seals them)."""

from __future__ import annotations

from userpool.domain.store_ports import AccessKeyEntry, SealedValue, StoredKey
from userpool.storage.sql.base import SqlBase, marks

# (table, id column, sealed column) of every value sealed with the master key
SEALED_COLUMNS = (
    ("clients", "id", "secret"),
    ("access_keys", "access_key_id", "secret"),
    ("signing_keys", "kid", "pem"),
    ("software_tokens", "id", "secret"),
    ("webauthn_credentials", "id", "public_key"),
    ("pool_resources", "id", "sealed"),
)


class KeyQueries(SqlBase):
    """Signing keys of a pool, access keys, ``meta`` and sealed values."""

    # signing keys --------------------------------------------------------
    def insert_key(self, kid: str, pool_id: str, use: str, pem: str, created: float) -> None:
        self._insert(
            f"INSERT INTO signing_keys VALUES ({marks(5)},1)",
            (kid, pool_id, use, pem, created),
            "key",
        )

    def retire_keys(self, pool_id: str, use: str) -> None:
        self.run("UPDATE signing_keys SET active=0 WHERE pool_id=? AND use=?", (pool_id, use))

    def pool_keys(self, pool_id: str) -> list[StoredKey]:
        """Every key of the pool, newest first."""
        rows = self.run(
            "SELECT kid, use, pem, active FROM signing_keys WHERE pool_id=? ORDER BY created DESC",
            (pool_id,),
        ).fetchall()
        return [StoredKey(r[0], r[1], r[2], bool(r[3])) for r in rows]

    def keys_version(self, pool_id: str) -> str:
        """Changes whenever a key of the pool is added or retired."""
        row = self._one(
            "SELECT count(*), max(created), sum(active) FROM signing_keys WHERE pool_id=?",
            (pool_id,),
        )
        return f"{row[0]}:{row[1]}:{row[2]}"

    # access keys ---------------------------------------------------------
    def insert_access_key(self, key_id: str, sealed: str, created: float) -> None:
        self._insert(
            f"INSERT INTO access_keys VALUES ({marks(3)},0)", (key_id, sealed, created), "key"
        )

    def access_key(self, key_id: str) -> str | None:
        """The sealed secret of a live access key."""
        row = self.run(
            "SELECT secret FROM access_keys WHERE access_key_id=? AND revoked=0", (key_id,)
        ).fetchone()
        return None if row is None else str(row[0])

    def access_keys(self) -> list[AccessKeyEntry]:
        rows = self.run(
            "SELECT access_key_id, created, revoked FROM access_keys ORDER BY created"
        ).fetchall()
        return [AccessKeyEntry(r[0], r[1], bool(r[2])) for r in rows]

    def revoke_access_key(self, key_id: str) -> bool:
        cur = self.run(
            "UPDATE access_keys SET revoked=1 WHERE access_key_id=? AND revoked=0", (key_id,)
        )
        return bool(cur.rowcount > 0)

    # meta and sealed values (at_rest) ------------------------------------
    def meta_value(self, name: str, lock: bool = False) -> bytes | None:
        sql = "SELECT value FROM meta WHERE key=?" + (self._for_update if lock else "")
        row = self.run(sql, (name,)).fetchone()
        return None if row is None else bytes(row[0])

    def set_meta(self, name: str, value: bytes) -> None:
        """Insert ``name`` unless it is there (another process's value then stays)."""
        self.run("INSERT INTO meta VALUES (?,?) ON CONFLICT (key) DO NOTHING", (name, value))

    def replace_meta(self, name: str, value: bytes) -> None:
        self.run("UPDATE meta SET value=? WHERE key=?", (value, name))

    def delete_meta(self, name: str) -> None:
        self.run("DELETE FROM meta WHERE key=?", (name,))

    def sealed_values(self) -> list[SealedValue]:
        """Every value sealed with the master key."""
        found = []
        for table, id_col, col in SEALED_COLUMNS:
            rows = self.run(
                f"SELECT {id_col}, {col} FROM {table} WHERE {col} IS NOT NULL{self._for_update}"
            ).fetchall()
            found += [SealedValue(table, str(r[0]), str(r[1])) for r in rows]
        return found

    def reseal(self, table: str, row_id: str, sealed: str) -> None:
        id_col, col = {t: (i, c) for t, i, c in SEALED_COLUMNS}[table]
        self.run(f"UPDATE {table} SET {col}=? WHERE {id_col}=?", (sealed, row_id))
