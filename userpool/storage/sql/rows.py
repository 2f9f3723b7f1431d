"""Rows to entities and back, shared by the SQLite and PostgreSQL adapters.

Both schemas have the same tables with the same columns in the same order, so one set of
mappers serves both. Pool and app-client configurations are parsed once per
(id, modified, text) and cached: a configuration is read on every request but changes
rarely. Cached configs are read-only (updates assign new dicts).
"""

from __future__ import annotations

from typing import Any

import orjson

from userpool.domain.entities import AppClient, Code, Message, Pool, RefreshToken, Session, User

USER_COLS = (
    "pool_id, sub, username, username_key, status, enabled, password_hash, attributes, "
    "extra, created, modified"
)
# USER_COLS of a join's users table (alias ``u``)
U_USER_COLS = ", ".join("u." + name.strip() for name in USER_COLS.split(","))
SESSION_COLS = "token_hash, pool_id, client_id, sub, purpose, expires, data"


def dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


_CONFIGS: dict[str, tuple[float, str, Any]] = {}


def parsed_config(key: str, modified: float, text: str) -> Any:
    hit = _CONFIGS.get(key)
    if hit is not None and hit[0] == modified and hit[1] == text:
        return hit[2]
    parsed = orjson.loads(text)
    if len(_CONFIGS) > 10_000:
        _CONFIGS.clear()
    _CONFIGS[key] = (modified, text, parsed)
    return parsed


def user_row(row: tuple[Any, ...]) -> User:
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


def user_values(user: User, key: str) -> tuple[Any, ...]:
    """The values of ``USER_COLS`` for an insert."""
    return (
        user.pool_id,
        user.sub,
        user.username,
        key,
        user.status,
        int(user.enabled),
        user.password_hash,
        dumps(user.attributes),
        dumps(user.extra),
        user.created,
        user.modified,
    )


def pool_row(row: tuple[Any, ...]) -> Pool:
    config = parsed_config("p:" + row[0], row[4], row[2])
    return Pool(id=row[0], name=row[1], config=config, created=row[3], modified=row[4])


def client_row(row: tuple[Any, ...]) -> AppClient:
    return AppClient(
        id=row[0],
        pool_id=row[1],
        name=row[2],
        secret=row[3],
        config=parsed_config("c:" + row[0], row[6], row[4]),
        created=row[5],
        modified=row[6],
    )


def client_values(client: AppClient) -> tuple[Any, ...]:
    return (
        client.id,
        client.pool_id,
        client.name,
        client.secret,
        dumps(client.config),
        client.created,
        client.modified,
    )


def code_row(row: tuple[Any, ...]) -> Code:
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


def code_values(code: Code) -> tuple[Any, ...]:
    return (
        code.pool_id,
        code.sub,
        code.purpose,
        code.code_hash,
        code.expires,
        code.attribute,
        code.medium,
        dumps(code.superseded),
        dumps(code.failures),
    )


def session_row(row: tuple[Any, ...]) -> Session:
    return Session(
        token_hash=row[0],
        pool_id=row[1],
        client_id=row[2],
        sub=row[3],
        purpose=row[4],
        expires=row[5],
        data=orjson.loads(row[6]),
    )


def session_values(session: Session) -> tuple[Any, ...]:
    return (
        session.token_hash,
        session.pool_id,
        session.client_id,
        session.sub,
        session.purpose,
        session.expires,
        dumps(session.data),
    )


def refresh_row(row: tuple[Any, ...]) -> RefreshToken:
    return RefreshToken(
        token_hash=row[0],
        pool_id=row[1],
        client_id=row[2],
        sub=row[3],
        origin_jti=row[4],
        auth_time=row[5],
        expires=row[6],
        revoked=bool(row[7]),
        device_key=row[8],
    )


def refresh_values(token: RefreshToken) -> tuple[Any, ...]:
    return (
        token.token_hash,
        token.pool_id,
        token.client_id,
        token.sub,
        token.origin_jti,
        token.auth_time,
        token.expires,
        int(token.revoked),
        token.device_key,
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


def message_values(message: Message) -> tuple[Any, ...]:
    """pool_id, username, medium, destination, subject, body, created, status."""
    return (
        message.pool_id,
        message.username,
        message.medium,
        message.destination,
        message.subject,
        message.body,
        message.created,
        message.status,
    )


# Everything of a pool, and of a user, that goes when it goes.
POOL_TABLES = (
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
    "user_groups",
    "group_members",
    "software_tokens",
    "import_jobs",
    "import_chunks",
    "import_log",
    "devices",
    "pool_domains",
    "resource_servers",
    "webauthn_credentials",
    "pool_resources",
)
USER_TABLES = (
    "users",
    "aliases",
    "codes",
    "attempts",
    "sessions",
    "refresh_tokens",
    "events",
    "group_members",
    "software_tokens",
    "devices",
    "webauthn_credentials",
)
