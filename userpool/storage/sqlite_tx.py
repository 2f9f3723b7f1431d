"""One SQLite transaction's reads and writes: the ``Tx`` port on a connection.

Every lookup is an indexed probe; uniqueness violations become ``AlreadyExists``.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from userpool.domain.entities import AppClient, Code, Message, Pool, RefreshToken, Session, User
from userpool.domain.ports import AlreadyExists, NotFound
from userpool.storage.rows import (
    POOL_TABLES,
    SESSION_COLS,
    USER_COLS,
    USER_TABLES,
    client_row,
    client_values,
    code_row,
    code_values,
    dumps,
    message_row,
    message_values,
    pool_row,
    refresh_row,
    refresh_values,
    session_row,
    session_values,
    user_row,
    user_values,
)

__all__ = ["SQLiteTx", "message_row"]


class SQLiteTx:
    """Reads and writes of one transaction on the store's connection."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def _one(self, sql: str, args: tuple[Any, ...]) -> tuple[Any, ...]:
        row = self.db.execute(sql, args).fetchone()
        if row is None:
            raise NotFound(sql)
        return tuple(row)

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

    def get_pool(self, pool_id: str) -> Pool:
        return pool_row(self._one("SELECT * FROM pools WHERE id=?", (pool_id,)))

    def update_pool(self, pool: Pool) -> None:
        self.db.execute(
            "UPDATE pools SET name=?, config=?, modified=? WHERE id=?",
            (pool.name, dumps(pool.config), pool.modified, pool.id),
        )

    def delete_pool(self, pool_id: str) -> None:
        for table in POOL_TABLES:
            self.db.execute(f"DELETE FROM {table} WHERE pool_id=?", (pool_id,))
        self.db.execute("DELETE FROM pools WHERE id=?", (pool_id,))

    def list_pools(self, after: str | None, limit: int) -> list[Pool]:
        rows = self.db.execute(
            "SELECT * FROM pools WHERE id > ? ORDER BY id LIMIT ?", (after or "", limit)
        ).fetchall()
        return [pool_row(tuple(r)) for r in rows]

    # clients -------------------------------------------------------------
    def insert_client(self, client: AppClient) -> None:
        self._write("INSERT INTO clients VALUES (?,?,?,?,?,?,?)", client_values(client), "client")

    def get_client(self, client_id: str) -> AppClient:
        return client_row(self._one("SELECT * FROM clients WHERE id=?", (client_id,)))

    def client_and_pool(self, client_id: str) -> tuple[AppClient, Pool]:
        """One probe for the two things every public operation starts with."""
        row = self._one(
            "SELECT c.*, p.* FROM clients c JOIN pools p ON p.id = c.pool_id WHERE c.id=?",
            (client_id,),
        )
        return client_row(row[:7]), pool_row(row[7:])

    def update_client(self, client: AppClient) -> None:
        self.db.execute(
            "UPDATE clients SET name=?, config=?, modified=? WHERE id=?",
            (client.name, dumps(client.config), client.modified, client.id),
        )

    def delete_client(self, client_id: str) -> None:
        self.db.execute("DELETE FROM clients WHERE id=?", (client_id,))

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

    def update_user(self, user: User) -> None:
        self.db.execute(
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
        row = self.db.execute(
            "SELECT username FROM users WHERE pool_id=? AND sub=?", (pool_id, sub)
        ).fetchone()
        if row is not None:  # messages and events about the user go with the user
            self.db.execute("DELETE FROM outbox WHERE pool_id=? AND username=?", (pool_id, row[0]))
        for table in USER_TABLES:
            self.db.execute(f"DELETE FROM {table} WHERE pool_id=? AND sub=?", (pool_id, sub))

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

    def drop_alias(self, pool_id: str, attribute: str, key: str) -> None:
        self.db.execute(
            "DELETE FROM aliases WHERE pool_id=? AND attribute=? AND value_key=?",
            (pool_id, attribute, key),
        )

    def drop_aliases_of(self, pool_id: str, sub: str, attribute: str | None = None) -> None:
        if attribute is None:
            self.db.execute("DELETE FROM aliases WHERE pool_id=? AND sub=?", (pool_id, sub))
        else:
            self.db.execute(
                "DELETE FROM aliases WHERE pool_id=? AND sub=? AND attribute=?",
                (pool_id, sub, attribute),
            )

    # codes and attempts --------------------------------------------------
    def put_code(self, code: Code) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO codes VALUES (?,?,?,?,?,?,?,?,?)", code_values(code)
        )

    def get_code(self, pool_id: str, sub: str, purpose: str) -> Code:
        return code_row(
            self._one(
                "SELECT * FROM codes WHERE pool_id=? AND sub=? AND purpose=?",
                (pool_id, sub, purpose),
            )
        )

    def delete_code(self, pool_id: str, sub: str, purpose: str) -> None:
        self.db.execute(
            "DELETE FROM codes WHERE pool_id=? AND sub=? AND purpose=?", (pool_id, sub, purpose)
        )

    def count_attempts(self, pool_id: str, sub: str, action: str, since: float) -> int:
        row = self.db.execute(
            "SELECT count(*) FROM attempts WHERE pool_id=? AND sub=? AND action=? AND at>=?",
            (pool_id, sub, action, since),
        ).fetchone()
        return int(row[0])

    def add_attempt(self, pool_id: str, sub: str, action: str, at: float) -> None:
        self.db.execute("INSERT INTO attempts VALUES (?,?,?,?)", (pool_id, sub, action, at))

    def clear_attempts(self, pool_id: str, sub: str, action: str) -> None:
        self.db.execute(
            "DELETE FROM attempts WHERE pool_id=? AND sub=? AND action=?", (pool_id, sub, action)
        )

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

    def retire_keys(self, pool_id: str, use: str) -> None:
        self.db.execute(
            "UPDATE signing_keys SET active=0 WHERE pool_id=? AND use=?", (pool_id, use)
        )

    def pool_keys(self, pool_id: str) -> list[tuple[str, str, str, bool]]:
        """(kid, use, sealed pem, active) of every key of the pool, newest first."""
        rows = self.db.execute(
            "SELECT kid, use, pem, active FROM signing_keys WHERE pool_id=? ORDER BY created DESC",
            (pool_id,),
        ).fetchall()
        return [(r[0], r[1], r[2], bool(r[3])) for r in rows]

    def insert_access_key(self, key_id: str, sealed: str, created: float) -> None:
        self._write("INSERT INTO access_keys VALUES (?,?,?,0)", (key_id, sealed, created), "key")

    def access_key(self, key_id: str) -> str | None:
        """The sealed secret of a live access key."""
        row = self.db.execute(
            "SELECT secret FROM access_keys WHERE access_key_id=? AND revoked=0", (key_id,)
        ).fetchone()
        return None if row is None else str(row[0])

    def access_keys(self) -> list[tuple[str, float, bool]]:
        rows = self.db.execute(
            "SELECT access_key_id, created, revoked FROM access_keys ORDER BY created"
        ).fetchall()
        return [(r[0], r[1], bool(r[2])) for r in rows]

    def revoke_access_key(self, key_id: str) -> bool:
        cur = self.db.execute(
            "UPDATE access_keys SET revoked=1 WHERE access_key_id=? AND revoked=0", (key_id,)
        )
        return cur.rowcount > 0

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

    def get_refresh(self, token_hash: str) -> RefreshToken:
        return refresh_row(
            self._one("SELECT * FROM refresh_tokens WHERE token_hash=?", (token_hash,))
        )

    def revoke_origin(self, origin_jti: str, expires: float) -> None:
        self.db.execute("UPDATE refresh_tokens SET revoked=1 WHERE origin_jti=?", (origin_jti,))
        self.db.execute(
            "INSERT OR REPLACE INTO revoked_origins VALUES (?,?)", (origin_jti, expires)
        )

    def origin_revoked(self, origin_jti: str) -> bool:
        row = self.db.execute(
            "SELECT 1 FROM revoked_origins WHERE origin_jti=?", (origin_jti,)
        ).fetchone()
        return row is not None

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

    def list_events(
        self, pool_id: str, sub: str, before: int | None, limit: int
    ) -> list[tuple[int, str, float, str]]:
        """(id, kind, at, data) of a user's events, newest first."""
        rows = self.db.execute(
            "SELECT id, kind, at, data FROM events WHERE pool_id=? AND sub=? AND id<? "
            "ORDER BY id DESC LIMIT ?",
            (pool_id, sub, before if before is not None else 1 << 62, limit),
        ).fetchall()
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    def record_event(self, pool_id: str, sub: str, kind: str, at: float, data: str) -> None:
        self.db.execute(
            "INSERT INTO events (pool_id, sub, kind, at, data) VALUES (?,?,?,?,?)",
            (pool_id, sub, kind, at, data),
        )
