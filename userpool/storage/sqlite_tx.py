"""One SQLite transaction's reads and writes: the ``Tx`` port on a connection.

Every lookup is an indexed probe; uniqueness violations become ``AlreadyExists``.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import orjson

from userpool.domain.entities import AppClient, Code, Message, Pool, RefreshToken, Session, User
from userpool.domain.ports import AlreadyExists, NotFound

_USER_COLS = (
    "pool_id, sub, username, username_key, status, enabled, password_hash, attributes, "
    "extra, created, modified"
)


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def _user(row: tuple[Any, ...]) -> User:
    return User(
        pool_id=row[0],
        sub=row[1],
        username=row[2],
        status=row[4],
        enabled=bool(row[5]),
        password_hash=row[6],
        attributes=orjson.loads(row[7]),
        extra=orjson.loads(row[8]),
        created=row[9],
        modified=row[10],
    )


# Parsed pool/client configurations by (id, modified): a configuration is read on every
# request but changes rarely. Configs are treated as read-only (updates assign new dicts).
_CONFIGS: dict[str, tuple[float, str, Any]] = {}


def _config(key: str, modified: float, text: str) -> Any:
    hit = _CONFIGS.get(key)
    if hit is not None and hit[0] == modified and hit[1] == text:
        return hit[2]
    parsed = orjson.loads(text)
    if len(_CONFIGS) > 10_000:
        _CONFIGS.clear()
    _CONFIGS[key] = (modified, text, parsed)
    return parsed


def _pool(row: tuple[Any, ...]) -> Pool:
    config = _config("p:" + row[0], row[4], row[2])
    return Pool(id=row[0], name=row[1], config=config, created=row[3], modified=row[4])


def _client(row: tuple[Any, ...]) -> AppClient:
    return AppClient(
        id=row[0],
        pool_id=row[1],
        name=row[2],
        secret=row[3],
        config=_config("c:" + row[0], row[6], row[4]),
        created=row[5],
        modified=row[6],
    )


def message_row(row: tuple[Any, ...]) -> Message:
    return Message(
        id=row[0],
        pool_id=row[1],
        username=row[2],
        medium=row[3],
        destination=row[4],
        subject=row[5],
        body=row[6],
        created=row[7],
        status=row[8],
        error=row[9],
    )


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
            (pool.id, pool.name, _dumps(pool.config), pool.created, pool.modified),
            "pool",
        )

    def get_pool(self, pool_id: str) -> Pool:
        return _pool(self._one("SELECT * FROM pools WHERE id=?", (pool_id,)))

    def update_pool(self, pool: Pool) -> None:
        self.db.execute(
            "UPDATE pools SET name=?, config=?, modified=? WHERE id=?",
            (pool.name, _dumps(pool.config), pool.modified, pool.id),
        )

    def delete_pool(self, pool_id: str) -> None:
        for table in (
            "users",
            "aliases",
            "codes",
            "attempts",
            "sessions",
            "clients",
            "refresh_tokens",
            "signing_keys",
            "events",
            "outbox",
            "trigger_log",
        ):
            self.db.execute(f"DELETE FROM {table} WHERE pool_id=?", (pool_id,))
        self.db.execute("DELETE FROM pools WHERE id=?", (pool_id,))

    def list_pools(self, after: str | None, limit: int) -> list[Pool]:
        rows = self.db.execute(
            "SELECT * FROM pools WHERE id > ? ORDER BY id LIMIT ?", (after or "", limit)
        ).fetchall()
        return [_pool(tuple(r)) for r in rows]

    # clients -------------------------------------------------------------
    def insert_client(self, client: AppClient) -> None:
        self._write(
            "INSERT INTO clients VALUES (?,?,?,?,?,?,?)",
            (
                client.id,
                client.pool_id,
                client.name,
                client.secret,
                _dumps(client.config),
                client.created,
                client.modified,
            ),
            "client",
        )

    def get_client(self, client_id: str) -> AppClient:
        return _client(self._one("SELECT * FROM clients WHERE id=?", (client_id,)))

    def client_and_pool(self, client_id: str) -> tuple[AppClient, Pool]:
        """One probe for the two things every public operation starts with."""
        row = self._one(
            "SELECT c.*, p.* FROM clients c JOIN pools p ON p.id = c.pool_id WHERE c.id=?",
            (client_id,),
        )
        return _client(row[:7]), _pool(row[7:])

    def update_client(self, client: AppClient) -> None:
        self.db.execute(
            "UPDATE clients SET name=?, config=?, modified=? WHERE id=?",
            (client.name, _dumps(client.config), client.modified, client.id),
        )

    def delete_client(self, client_id: str) -> None:
        self.db.execute("DELETE FROM clients WHERE id=?", (client_id,))

    def list_clients(self, pool_id: str, after: str | None, limit: int) -> list[AppClient]:
        rows = self.db.execute(
            "SELECT * FROM clients WHERE pool_id=? AND id > ? ORDER BY id LIMIT ?",
            (pool_id, after or "", limit),
        ).fetchall()
        return [_client(tuple(r)) for r in rows]

    # users ---------------------------------------------------------------
    def insert_user(self, user: User, key: str) -> None:
        self._write(
            f"INSERT INTO users ({_USER_COLS}) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                user.pool_id,
                user.sub,
                user.username,
                key,
                user.status,
                int(user.enabled),
                user.password_hash,
                _dumps(user.attributes),
                _dumps(user.extra),
                user.created,
                user.modified,
            ),
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
                _dumps(user.attributes),
                _dumps(user.extra),
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
        for table in (
            "users",
            "aliases",
            "codes",
            "attempts",
            "sessions",
            "refresh_tokens",
            "events",
        ):
            self.db.execute(f"DELETE FROM {table} WHERE pool_id=? AND sub=?", (pool_id, sub))

    def user_by_key(self, pool_id: str, key: str) -> User:
        return _user(
            self._one(
                f"SELECT {_USER_COLS} FROM users WHERE pool_id=? AND username_key=?", (pool_id, key)
            )
        )

    def user_by_sub(self, pool_id: str, sub: str) -> User:
        return _user(
            self._one(f"SELECT {_USER_COLS} FROM users WHERE pool_id=? AND sub=?", (pool_id, sub))
        )

    def user_by_alias(self, pool_id: str, attribute: str, key: str) -> User:
        owner = self.alias_owner(pool_id, attribute, key)
        if owner is None:
            raise NotFound("alias")
        return self.user_by_sub(pool_id, owner)

    def list_users(self, pool_id: str, after: str | None, limit: int) -> list[User]:
        rows = self.db.execute(
            f"SELECT {_USER_COLS} FROM users WHERE pool_id=? AND username_key > ? "
            "ORDER BY username_key LIMIT ?",
            (pool_id, after or "", limit),
        ).fetchall()
        return [_user(tuple(r)) for r in rows]

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
            "INSERT OR REPLACE INTO codes VALUES (?,?,?,?,?,?,?,?,?)",
            (
                code.pool_id,
                code.sub,
                code.purpose,
                code.code_hash,
                code.expires,
                code.attribute,
                code.medium,
                _dumps(code.superseded),
                _dumps(code.failures),
            ),
        )

    def get_code(self, pool_id: str, sub: str, purpose: str) -> Code:
        row = self._one(
            "SELECT * FROM codes WHERE pool_id=? AND sub=? AND purpose=?", (pool_id, sub, purpose)
        )
        return Code(
            pool_id=row[0],
            sub=row[1],
            purpose=row[2],
            code_hash=row[3],
            expires=row[4],
            attribute=row[5],
            medium=row[6],
            superseded=orjson.loads(row[7]),
            failures=orjson.loads(row[8]),
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
        self.db.execute(
            "INSERT INTO sessions VALUES (?,?,?,?,?,?,?)",
            (
                session.token_hash,
                session.pool_id,
                session.client_id,
                session.sub,
                session.purpose,
                session.expires,
                _dumps(session.data),
            ),
        )

    def take_session(self, token_hash: str) -> Session:
        row = self._one(
            "DELETE FROM sessions WHERE token_hash=? RETURNING token_hash, pool_id, client_id, "
            "sub, purpose, expires, data",
            (token_hash,),
        )
        return Session(
            token_hash=row[0],
            pool_id=row[1],
            client_id=row[2],
            sub=row[3],
            purpose=row[4],
            expires=row[5],
            data=orjson.loads(row[6]),
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
            "INSERT INTO refresh_tokens VALUES (?,?,?,?,?,?,?,?)",
            (
                token.token_hash,
                token.pool_id,
                token.client_id,
                token.sub,
                token.origin_jti,
                token.auth_time,
                token.expires,
                int(token.revoked),
            ),
        )

    def get_refresh(self, token_hash: str) -> RefreshToken:
        row = self._one("SELECT * FROM refresh_tokens WHERE token_hash=?", (token_hash,))
        return RefreshToken(
            token_hash=row[0],
            pool_id=row[1],
            client_id=row[2],
            sub=row[3],
            origin_jti=row[4],
            auth_time=row[5],
            expires=row[6],
            revoked=bool(row[7]),
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
            (
                message.pool_id,
                message.username,
                message.medium,
                message.destination,
                message.subject,
                message.body,
                message.created,
                message.status,
            ),
        )
        return int(cur.lastrowid or 0)

    def record_event(self, pool_id: str, sub: str, kind: str, at: float, data: str) -> None:
        self.db.execute(
            "INSERT INTO events (pool_id, sub, kind, at, data) VALUES (?,?,?,?,?)",
            (pool_id, sub, kind, at, data),
        )
