"""Reads and writes whose SQL is the same on SQLite and PostgreSQL, written once.

``?`` marks parameters; a backend whose driver wants another marker says so in
``marker``. Each backend's Tx class adds what differs: inserts and their uniqueness
answers, and, on PostgreSQL, the row and advisory locks that stand in for SQLite's
single writer.
"""

from __future__ import annotations

from typing import Any

from userpool.domain.entities import AppClient, Code, Pool, RefreshToken, User
from userpool.domain.ports import NotFound
from userpool.storage.groups_sql import GroupQueries
from userpool.storage.rows import (
    POOL_TABLES,
    USER_COLS,
    USER_TABLES,
    client_row,
    code_row,
    dumps,
    pool_row,
    refresh_row,
    user_row,
)

# (table, id column, sealed column) of every value sealed with the master key
SEALED_COLUMNS = (
    ("clients", "id", "secret"),
    ("access_keys", "access_key_id", "secret"),
    ("signing_keys", "kid", "pem"),
)
_U_COLS = ", ".join("u." + name.strip() for name in USER_COLS.split(","))


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


class SqlTx(GroupQueries):
    """The backend-independent part of a transaction; subclasses set ``db`` and ``marker``."""

    db: Any
    marker = "?"
    row_id = "rowid"  # the backend's physical row id, for deletes in batches
    _for_update = ""  # what a read that a write may follow adds (PostgreSQL locks rows)
    # codes read by client_pool_user, for the next get_code (key: pool, sub, purpose)
    _prefetched: dict[tuple[str, str, str], tuple[Any, ...] | None]

    def _run(self, sql: str, args: tuple[Any, ...] = ()) -> Any:
        if self.marker != "?":
            sql = sql.replace("?", self.marker)
        return self.db.execute(sql, args)

    def _later(self, sql: str, args: tuple[Any, ...]) -> None:
        """A write whose answer nobody reads: a backend may send it with the next statement
        of the transaction (PostgreSQL does, saving a round trip); SQLite runs it now."""
        self._run(sql, args)

    def _one(self, sql: str, args: tuple[Any, ...]) -> tuple[Any, ...]:
        row = self._run(sql, args).fetchone()
        if row is None:
            raise NotFound(sql)
        return tuple(row)

    def get_pool(self, pool_id: str) -> Pool:
        return pool_row(self._one("SELECT * FROM pools WHERE id=?", (pool_id,)))

    def update_pool(self, pool: Pool) -> None:
        self._run(
            "UPDATE pools SET name=?, config=?, modified=? WHERE id=?",
            (pool.name, dumps(pool.config), pool.modified, pool.id),
        )

    def delete_pool(self, pool_id: str) -> None:
        self._prefetched.clear()  # its codes go with it
        for table in POOL_TABLES:
            self._run(f"DELETE FROM {table} WHERE pool_id=?", (pool_id,))
        self._run("DELETE FROM pools WHERE id=?", (pool_id,))

    def get_client(self, client_id: str) -> AppClient:
        return client_row(self._one("SELECT * FROM clients WHERE id=?", (client_id,)))

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

    def _probe_sql(self, with_code: bool) -> str:
        """The probe's SQL: parameters (username key, [code purpose,] client id)."""
        return probe_sql(
            _U_COLS,
            " LEFT JOIN users u ON u.pool_id = c.pool_id AND u.username_key = ?",
            " LEFT JOIN codes k ON k.pool_id = c.pool_id AND k.sub = u.sub AND k.purpose = ?"
            if with_code
            else "",
        )

    def get_code(self, pool_id: str, sub: str, purpose: str) -> Code:
        if self._prefetched:
            key = (pool_id, sub, purpose)
            if key in self._prefetched:
                row = self._prefetched.pop(key)
                if row is None:
                    raise NotFound("code")
                return code_row(row)
        return code_row(
            self._one(
                "SELECT * FROM codes WHERE pool_id=? AND sub=? AND purpose=?" + self._for_update,
                (pool_id, sub, purpose),
            )
        )

    def put_code(self, code: Code) -> None:
        self._prefetched.pop((code.pool_id, code.sub, code.purpose), None)
        self._put_code(code)

    def _put_code(self, code: Code) -> None:
        raise NotImplementedError

    def update_client(self, client: AppClient) -> None:
        self._run(
            "UPDATE clients SET name=?, config=?, modified=? WHERE id=?",
            (client.name, dumps(client.config), client.modified, client.id),
        )

    def delete_client(self, client_id: str) -> None:
        self._run("DELETE FROM clients WHERE id=?", (client_id,))

    def drop_alias(self, pool_id: str, attribute: str, key: str) -> None:
        self._run(
            "DELETE FROM aliases WHERE pool_id=? AND attribute=? AND value_key=?",
            (pool_id, attribute, key),
        )

    def drop_aliases_of(self, pool_id: str, sub: str, attribute: str | None = None) -> None:
        if attribute is None:
            self._run("DELETE FROM aliases WHERE pool_id=? AND sub=?", (pool_id, sub))
        else:
            self._run(
                "DELETE FROM aliases WHERE pool_id=? AND sub=? AND attribute=?",
                (pool_id, sub, attribute),
            )

    def delete_code(self, pool_id: str, sub: str, purpose: str) -> None:
        self._prefetched.pop((pool_id, sub, purpose), None)
        self._later(
            "DELETE FROM codes WHERE pool_id=? AND sub=? AND purpose=?", (pool_id, sub, purpose)
        )

    def add_attempt(self, pool_id: str, sub: str, action: str, at: float) -> None:
        self._later("INSERT INTO attempts VALUES (?,?,?,?)", (pool_id, sub, action, at))

    def retire_keys(self, pool_id: str, use: str) -> None:
        self._run("UPDATE signing_keys SET active=0 WHERE pool_id=? AND use=?", (pool_id, use))

    def pool_keys(self, pool_id: str) -> list[tuple[str, str, str, bool]]:
        """(kid, use, sealed pem, active) of every key of the pool, newest first."""
        rows = self._run(
            "SELECT kid, use, pem, active FROM signing_keys WHERE pool_id=? ORDER BY created DESC",
            (pool_id,),
        ).fetchall()
        return [(r[0], r[1], r[2], bool(r[3])) for r in rows]

    def access_key(self, key_id: str) -> str | None:
        """The sealed secret of a live access key."""
        row = self._run(
            "SELECT secret FROM access_keys WHERE access_key_id=? AND revoked=0", (key_id,)
        ).fetchone()
        return None if row is None else str(row[0])

    # meta and sealed values (at_rest) ----------------------------------------------
    def meta_value(self, name: str, lock: bool = False) -> bytes | None:
        sql = "SELECT value FROM meta WHERE key=?" + (self._for_update if lock else "")
        row = self._run(sql, (name,)).fetchone()
        return None if row is None else bytes(row[0])

    def set_meta(self, name: str, value: bytes) -> None:
        """Insert ``name`` unless it is there (another process's value then stays)."""
        self._run("INSERT INTO meta VALUES (?,?) ON CONFLICT (key) DO NOTHING", (name, value))

    def replace_meta(self, name: str, value: bytes) -> None:
        self._run("UPDATE meta SET value=? WHERE key=?", (value, name))

    def delete_meta(self, name: str) -> None:
        self._run("DELETE FROM meta WHERE key=?", (name,))

    def sealed_values(self) -> list[tuple[str, str, str]]:
        """(table, row id, sealed value) of every value sealed with the master key."""
        found = []
        for table, id_col, col in SEALED_COLUMNS:
            rows = self._run(
                f"SELECT {id_col}, {col} FROM {table} WHERE {col} IS NOT NULL{self._for_update}"
            ).fetchall()
            found += [(table, str(r[0]), str(r[1])) for r in rows]
        return found

    def reseal(self, table: str, row_id: str, sealed: str) -> None:
        id_col, col = {t: (i, c) for t, i, c in SEALED_COLUMNS}[table]
        self._run(f"UPDATE {table} SET {col}=? WHERE {id_col}=?", (sealed, row_id))

    def access_keys(self) -> list[tuple[str, float, bool]]:
        rows = self._run(
            "SELECT access_key_id, created, revoked FROM access_keys ORDER BY created"
        ).fetchall()
        return [(r[0], r[1], bool(r[2])) for r in rows]

    def get_refresh(self, token_hash: str) -> RefreshToken:
        return refresh_row(
            self._one("SELECT * FROM refresh_tokens WHERE token_hash=?", (token_hash,))
        )

    def origin_revoked(self, origin_jti: str) -> bool:
        row = self._run(
            "SELECT 1 FROM revoked_origins WHERE origin_jti=?", (origin_jti,)
        ).fetchone()
        return row is not None

    def list_events(
        self, pool_id: str, sub: str, before: int | None, limit: int
    ) -> list[tuple[int, str, float, str]]:
        """(id, kind, at, data) of a user's listed events, newest first."""
        rows = self._run(
            "SELECT id, kind, at, data FROM events WHERE pool_id=? AND sub=? AND listed=1 "
            "AND id<? ORDER BY id DESC LIMIT ?",
            (pool_id, sub, before if before is not None else 1 << 62, limit),
        ).fetchall()
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    def get_event(self, pool_id: str, sub: str, event_id: int) -> tuple[int, str, float, str]:
        row = self._one(
            "SELECT id, kind, at, data FROM events WHERE pool_id=? AND sub=? AND id=?",
            (pool_id, sub, event_id),
        )
        return (row[0], row[1], row[2], row[3])

    def update_event(self, pool_id: str, sub: str, event_id: int, data: str) -> None:
        self._run(
            "UPDATE events SET data=? WHERE pool_id=? AND sub=? AND id=?",
            (data, pool_id, sub, event_id),
        )

    def add_counts(self, counts: dict[tuple[str, int], int]) -> dict[tuple[str, int], int]:
        """Add each (name, slot) delta to the shared counters; the totals after adding."""
        totals = {}
        for (name, slot), delta in sorted(counts.items()):
            row = self._run(
                "INSERT INTO rate_counters (name, slot, count) VALUES (?,?,?) "
                "ON CONFLICT (name, slot) DO UPDATE SET count = rate_counters.count + "
                "excluded.count RETURNING count",
                (name, slot, delta),
            ).fetchone()
            totals[(name, slot)] = int(row[0])
        return totals

    def purge_counts(self, before_slot: int, limit: int) -> int:
        """Delete up to ``limit`` counters of slots before ``before_slot``; how many."""
        return int(
            self._run(
                f"DELETE FROM rate_counters WHERE {self.row_id} IN (SELECT {self.row_id} "
                "FROM rate_counters WHERE slot<? LIMIT ?)",
                (before_slot, limit),
            ).rowcount
        )

    def add_event(
        self, pool_id: str, sub: str, kind: str, at: float, data: str, listed: bool
    ) -> int:
        """Record an auth event; its id. ``listed``: the user's event list shows it."""
        row = self._run(
            "INSERT INTO events (pool_id, sub, kind, at, data, listed) VALUES (?,?,?,?,?,?) "
            "RETURNING id",
            (pool_id, sub, kind, at, data, int(listed)),
        ).fetchone()
        return int(row[0])

    def record_event(
        self, pool_id: str, sub: str, kind: str, at: float, data: str, listed: bool
    ) -> None:
        self._later(
            "INSERT INTO events (pool_id, sub, kind, at, data, listed) VALUES (?,?,?,?,?,?)",
            (pool_id, sub, kind, at, data, int(listed)),
        )

    def update_user(self, user: User) -> None:
        self._later(
            "UPDATE users SET status=?, enabled=?, password_hash=?, attributes=?, extra=?, "
            "modified=? WHERE pool_id=? AND sub=?",
            (
                user.status,
                int(user.enabled),
                user.password_hash,
                dumps(user.attributes),
                dumps(user.extra),
                user.modified,
                user.pool_id,
                user.sub,
            ),
        )

    def delete_user(self, pool_id: str, sub: str) -> None:
        self._prefetched.clear()  # its codes go with it
        row = self._run(
            "SELECT username FROM users WHERE pool_id=? AND sub=?", (pool_id, sub)
        ).fetchone()
        if row is not None:  # messages and events about the user go with the user
            self._run("DELETE FROM outbox WHERE pool_id=? AND username=?", (pool_id, row[0]))
        for table in USER_TABLES:
            self._run(f"DELETE FROM {table} WHERE pool_id=? AND sub=?", (pool_id, sub))

    def clear_attempts(self, pool_id: str, sub: str, action: str) -> None:
        self._later(
            "DELETE FROM attempts WHERE pool_id=? AND sub=? AND action=?", (pool_id, sub, action)
        )

    def revoke_access_key(self, key_id: str) -> bool:
        cur = self._run(
            "UPDATE access_keys SET revoked=1 WHERE access_key_id=? AND revoked=0", (key_id,)
        )
        return bool(cur.rowcount > 0)
