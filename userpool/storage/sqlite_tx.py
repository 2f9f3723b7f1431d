"""One SQLite transaction's reads and writes: the ``Tx`` port on a connection.

Every lookup is an indexed probe; uniqueness violations become ``AlreadyExists``.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from userpool.domain.entities import AppClient, Code, Message, Pool, RefreshToken, Session, User
from userpool.domain.ports import AlreadyExists, NotFound
from userpool.storage.rows import (
    SESSION_COLS,
    USER_COLS,
    client_row,
    client_values,
    code_values,
    dumps,
    message_row,
    message_values,
    pool_row,
    refresh_values,
    session_row,
    session_values,
    user_row,
    user_values,
)
from userpool.storage.sql_tx import SqlTx

__all__ = ["SQLiteTx", "message_row"]


class SQLiteTx(SqlTx):
    """Reads and writes of one transaction on the store's connection."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self._prefetched = {}

    def _write(self, sql: str, args: tuple[Any, ...], what: str) -> None:
        try:
            self.db.execute(sql, args)
        except sqlite3.IntegrityError as exc:
            raise AlreadyExists(what) from exc

    # pools ---------------------------------------------------------------
    def insert_pool(self, pool: Pool) -> None:
        self._write(
            "INSERT INTO pools VALUES (?,?,?,?,?)",
            (pool.id, pool.name, dumps(pool.config), pool.created, pool.modified),
            "pool",
        )

    def list_pools(self, after: str | None, limit: int) -> list[Pool]:
        rows = self.db.execute(
            "SELECT * FROM pools WHERE id > ? ORDER BY id LIMIT ?", (after or "", limit)
        ).fetchall()
        return [pool_row(tuple(r)) for r in rows]

    # clients -------------------------------------------------------------
    def insert_client(self, client: AppClient) -> None:
        self._write("INSERT INTO clients VALUES (?,?,?,?,?,?,?)", client_values(client), "client")

    def list_clients(self, pool_id: str, after: str | None, limit: int) -> list[AppClient]:
        rows = self.db.execute(
            "SELECT * FROM clients WHERE pool_id=? AND id > ? ORDER BY id LIMIT ?",
            (pool_id, after or "", limit),
        ).fetchall()
        return [client_row(tuple(r)) for r in rows]

    # users ---------------------------------------------------------------
    def insert_user(self, user: User, key: str) -> None:
        self._write(
            f"INSERT INTO users ({USER_COLS}) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            user_values(user, key),
            "username",
        )

    def user_by_key(self, pool_id: str, key: str) -> User:
        return user_row(
            self._one(
                f"SELECT {USER_COLS} FROM users WHERE pool_id=? AND username_key=?", (pool_id, key)
            )
        )

    def user_by_sub(self, pool_id: str, sub: str) -> User:
        return user_row(
            self._one(f"SELECT {USER_COLS} FROM users WHERE pool_id=? AND sub=?", (pool_id, sub))
        )

    def user_by_alias(self, pool_id: str, attribute: str, key: str) -> User:
        owner = self.alias_owner(pool_id, attribute, key)
        if owner is None:
            raise NotFound("alias")
        return self.user_by_sub(pool_id, owner)

    def list_users(self, pool_id: str, after: str | None, limit: int) -> list[User]:
        rows = self.db.execute(
            f"SELECT {USER_COLS} FROM users WHERE pool_id=? AND username_key > ? "
            "ORDER BY username_key LIMIT ?",
            (pool_id, after or "", limit),
        ).fetchall()
        return [user_row(tuple(r)) for r in rows]

    # aliases -------------------------------------------------------------
    def set_alias(self, pool_id: str, attribute: str, key: str, sub: str) -> None:
        self._write(
            "INSERT INTO aliases VALUES (?,?,?,?)", (pool_id, attribute, key, sub), attribute
        )

    def alias_owner(self, pool_id: str, attribute: str, key: str) -> str | None:
        row = self.db.execute(
            "SELECT sub FROM aliases WHERE pool_id=? AND attribute=? AND value_key=?",
            (pool_id, attribute, key),
        ).fetchone()
        return None if row is None else str(row[0])

    # codes and attempts --------------------------------------------------
    def _put_code(self, code: Code) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO codes VALUES (?,?,?,?,?,?,?,?,?)", code_values(code)
        )

    def count_attempts(self, pool_id: str, sub: str, action: str, since: float) -> int:
        row = self.db.execute(
            "SELECT count(*) FROM attempts WHERE pool_id=? AND sub=? AND action=? AND at>=?",
            (pool_id, sub, action, since),
        ).fetchone()
        return int(row[0])

    # sessions ------------------------------------------------------------
    def put_session(self, session: Session) -> None:
        self.db.execute("INSERT INTO sessions VALUES (?,?,?,?,?,?,?)", session_values(session))

    def take_session(self, token_hash: str) -> Session:
        return session_row(
            self._one(
                f"DELETE FROM sessions WHERE token_hash=? RETURNING {SESSION_COLS}", (token_hash,)
            )
        )

    # signing keys and refresh tokens --------------------------------------
    def insert_key(self, kid: str, pool_id: str, use: str, pem: str, created: float) -> None:
        self._write(
            "INSERT INTO signing_keys VALUES (?,?,?,?,?,1)",
            (kid, pool_id, use, pem, created),
            "key",
        )

    def insert_access_key(self, key_id: str, sealed: str, created: float) -> None:
        self._write("INSERT INTO access_keys VALUES (?,?,?,0)", (key_id, sealed, created), "key")

    def keys_version(self, pool_id: str) -> str:
        """Changes whenever a key of the pool is added or retired."""
        row = self.db.execute(
            "SELECT count(*), max(created), sum(active) FROM signing_keys WHERE pool_id=?",
            (pool_id,),
        ).fetchone()
        return f"{row[0]}:{row[1]}:{row[2]}"

    def put_refresh(self, token: RefreshToken) -> None:
        self.db.execute(
            "INSERT INTO refresh_tokens VALUES (?,?,?,?,?,?,?,?)", refresh_values(token)
        )

    def revoke_origin(self, origin_jti: str, expires: float) -> None:
        self.db.execute("UPDATE refresh_tokens SET revoked=1 WHERE origin_jti=?", (origin_jti,))
        self.db.execute(
            "INSERT OR REPLACE INTO revoked_origins VALUES (?,?)", (origin_jti, expires)
        )

    def revoke_user_tokens(self, pool_id: str, sub: str) -> None:
        """Every sign-in of the user: refresh tokens, and access/ID tokens by their origin."""
        self.db.execute(
            "INSERT OR REPLACE INTO revoked_origins SELECT origin_jti, expires FROM "
            "refresh_tokens WHERE pool_id=? AND sub=? AND revoked=0",
            (pool_id, sub),
        )
        self.db.execute(
            "UPDATE refresh_tokens SET revoked=1 WHERE pool_id=? AND sub=?", (pool_id, sub)
        )

    # outbox and events ---------------------------------------------------
    def enqueue_message(self, message: Message) -> int:
        cur = self.db.execute(
            "INSERT INTO outbox (pool_id, username, medium, destination, subject, body, "
            "created, status) VALUES (?,?,?,?,?,?,?,?)",
            message_values(message),
        )
        return int(cur.lastrowid or 0)
