"""The statements of user pools and app clients, and the probe every public operation
starts with (client, pool and user in one statement; the backend supplies its joins)."""

from __future__ import annotations

from typing import Any

from userpool.domain.entities import AppClient, Pool, User
from userpool.storage.sql.base import SqlBase, marks
from userpool.storage.sql.rows import (
    POOL_TABLES,
    client_row,
    client_values,
    dumps,
    pool_row,
    user_row,
)


def split_client_pool_user(row: tuple[Any, ...]) -> tuple[AppClient, Pool, User | None]:
    """Rows of ``client_pool_user``: the client's 7 columns, the pool's 5, the user's 11."""
    user = None if row[12] is None else user_row(row[12:])
    return client_row(row[:7]), pool_row(row[7:12]), user


def probe_sql(user_cols: str, user_join: str, code_join: str) -> str:
    """``client_pool_user``'s statement from a backend's joins of the user (alias ``u``)
    and, when not empty, of the code (alias ``k``)."""
    codes = ", k.*" if code_join else ""
    return (
        f"SELECT c.*, p.*, {user_cols}{codes} FROM clients c JOIN pools p "
        f"ON p.id = c.pool_id{user_join}{code_join} WHERE c.id=?"
    )


class PoolQueries(SqlBase):
    """Pools and their app clients."""

    def _probe_sql(self, with_code: bool) -> str:
        """The probe's SQL (``probe_sql`` with the backend's joins): parameters (username
        key, [code purpose,] client id)."""
        raise NotImplementedError

    def insert_pool(self, pool: Pool) -> None:
        self._insert(
            f"INSERT INTO pools VALUES ({marks(5)})",
            (pool.id, pool.name, dumps(pool.config), pool.created, pool.modified),
            "pool",
        )

    def get_pool(self, pool_id: str, lock: bool = False) -> Pool:
        sql = "SELECT * FROM pools WHERE id=?" + (self._for_update if lock else "")
        return pool_row(self._one(sql, (pool_id,)))

    def update_pool(self, pool: Pool) -> None:
        self.run(
            "UPDATE pools SET name=?, config=?, modified=? WHERE id=?",
            (pool.name, dumps(pool.config), pool.modified, pool.id),
        )

    def delete_pool(self, pool_id: str) -> None:
        self._prefetched.clear()  # its codes go with it
        for table in POOL_TABLES:
            self.run(f"DELETE FROM {table} WHERE pool_id=?", (pool_id,))
        self.run("DELETE FROM pools WHERE id=?", (pool_id,))

    def list_pools(self, after: str | None, limit: int) -> list[Pool]:
        rows = self.run(
            "SELECT * FROM pools WHERE id > ? ORDER BY id LIMIT ?", (after or "", limit)
        ).fetchall()
        return [pool_row(tuple(r)) for r in rows]

    def insert_client(self, client: AppClient) -> None:
        self._insert(f"INSERT INTO clients VALUES ({marks(7)})", client_values(client), "client")

    def get_client(self, client_id: str, lock: bool = False) -> AppClient:
        sql = "SELECT * FROM clients WHERE id=?" + (self._for_update if lock else "")
        return client_row(self._one(sql, (client_id,)))

    def client_and_pool(self, client_id: str) -> tuple[AppClient, Pool]:
        """One probe for the two things every public operation starts with."""
        row = self._one(
            "SELECT c.*, p.* FROM clients c JOIN pools p ON p.id = c.pool_id WHERE c.id=?",
            (client_id,),
        )
        return client_row(row[:7]), pool_row(row[7:])

    def client_pool_user(
        self, client_id: str, key: str, code: str | None = None
    ) -> tuple[AppClient, Pool, User | None]:
        """``client_and_pool`` and ``user_by_key`` in one probe: the user whose username key
        is ``key`` in the client's pool, or None. With ``code``, the user's code of that
        purpose comes in the same probe, and the next ``get_code`` of it answers from here
        (a statement saved: ConfirmSignUp's probe)."""
        args = (key, client_id) if code is None else (key, code, client_id)
        row = self._one(self._probe_sql(code is not None), args)
        client, pool, user = split_client_pool_user(row[:23])
        if code is not None and user is not None:
            self._prefetched[(pool.id, user.sub, code)] = None if row[23] is None else row[23:]
        return client, pool, user

    def update_client(self, client: AppClient) -> None:
        self.run(
            "UPDATE clients SET name=?, config=?, modified=? WHERE id=?",
            (client.name, dumps(client.config), client.modified, client.id),
        )

    def set_client_secret(self, client_id: str, sealed: str | None) -> None:
        self.run("UPDATE clients SET secret=? WHERE id=?", (sealed, client_id))

    def delete_client(self, client_id: str) -> None:
        self.run("DELETE FROM clients WHERE id=?", (client_id,))

    def list_clients(self, pool_id: str, after: str | None, limit: int) -> list[AppClient]:
        rows = self.run(
            "SELECT * FROM clients WHERE pool_id=? AND id > ? ORDER BY id LIMIT ?",
            (pool_id, after or "", limit),
        ).fetchall()
        return [client_row(tuple(r)) for r in rows]
