"""Steps shared by operations: finding pools, clients and users; secret hashes; wire shapes."""

from __future__ import annotations

from typing import Any

import orjson
import regex

from userpool.domain import client_secrets, tokens
from userpool.domain.entities import AppClient, Pool, User
from userpool.domain.ports import NotFound, Tx
from userpool.domain.services import Services
from userpool.errors import (
    INVALID_ACCESS_TOKEN,
    NO_ADMIN_SCOPE,
    NO_USER,
    USER_DISABLED,
    InvalidParameterException,
    NotAuthorizedException,
    ResourceNotFoundException,
    UserNotFoundException,
)

EMAIL_RE = regex.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
PHONE_RE = regex.compile(r"\+[0-9]{4,15}")


def pool_of(tx: Tx, pool_id: str, lock: bool = False) -> Pool:
    """The pool; ``lock``: its row is locked until the transaction ends (a read a write of
    the row follows)."""
    try:
        return tx.get_pool(pool_id, lock)
    except NotFound:
        raise ResourceNotFoundException(f"User pool {pool_id} does not exist.") from None


def client_of(tx: Tx, client_id: str, pool_id: str | None = None, lock: bool = False) -> AppClient:
    try:
        client = tx.get_client(client_id, lock)
    except NotFound:
        client = None
    if client is None or (pool_id is not None and client.pool_id != pool_id):
        raise ResourceNotFoundException(f"User pool client {client_id} does not exist.")
    return client


def client_and_pool(tx: Tx, client_id: str) -> tuple[AppClient, Pool]:
    try:
        return tx.client_and_pool(client_id)
    except NotFound:
        raise ResourceNotFoundException(f"User pool client {client_id} does not exist.") from None


def client_pool_user(
    tx: Tx, client_id: str, name: str, code: str | None = None
) -> tuple[AppClient, Pool, User | None]:
    """``client_and_pool`` and, in the same probe, the user whose username is ``name``
    (None if there is none: then ``find_user(..., username_probed=True)`` goes on with the
    alias and sub probes). In a case-insensitive pool a name with capitals probes the
    wrong key; it then finds nobody and ``username_probed`` is False. ``code``: the
    purpose of the code the operation reads next (a hint: one round trip on PostgreSQL)."""
    try:
        client, pool, user = tx.client_pool_user(client_id, name, code)
    except NotFound:
        raise ResourceNotFoundException(f"User pool client {client_id} does not exist.") from None
    return client, pool, user if pool.key(name) == name else None


def active_secrets(svc: Services, client: AppClient) -> list[client_secrets.ClientSecret]:
    """The client's active secrets, oldest first; none for a public client. (Every check of
    a secret goes through ``secret_matches`` or the secret-hash checks here, so each
    accepts any active secret.)"""
    if client.secret is None:
        return []
    return client_secrets.parse(svc.box.open(client.secret), client.id, client.created)


def seal_secrets(svc: Services, secrets: list[client_secrets.ClientSecret]) -> str | None:
    """The client's ``secret`` value holding ``secrets`` (None: none, a public client)."""
    return svc.box.seal(client_secrets.dump(secrets)) if secrets else None


def shown_secret(svc: Services, client: AppClient) -> str | None:
    """DescribeUserPoolClient's ``ClientSecret``: the secret the client was created with,
    while it is active; an added secret is never shown (as observed of Cognito)."""
    return next((s.value for s in active_secrets(svc, client) if s.original), None)


def secret_matches(svc: Services, client: AppClient, given: str) -> bool:
    """Whether ``given`` is one of the client's active secrets (a ``ClientSecret`` sent as
    is), compared in constant time with each."""
    return client_secrets.value_matches(active_secrets(svc, client), given)


def secret_hash_matches(svc: Services, client: AppClient, names: list[str], given: str) -> bool:
    """Whether ``given`` is the SecretHash of one of ``names`` with any active secret."""
    return client_secrets.hash_matches(active_secrets(svc, client), names, client.id, given)


def check_secret_hash(svc: Services, client: AppClient, username: str, given: str | None) -> None:
    """Cognito's rule for top-level ``SecretHash`` members (any active secret's hash)."""
    if client.secret is None:
        if given is not None:
            raise InvalidParameterException(
                f"App client {client.id} is not configured for secret but secret hash was received"
            )
        return
    if given is None or not secret_hash_matches(svc, client, [username], given):
        raise NotAuthorizedException(f"Unable to verify secret hash for client {client.id}")


def find_user(tx: Tx, pool: Pool, name: str, username_probed: bool = False) -> User:
    """Resolve a name as Cognito does: username, then sign-in alias, then sub.

    Two (or three) indexed probes, never an OR that scans the pool. In alias pools only
    verified aliases are in the alias table, so an unconfirmed user's email finds nobody.
    ``username_probed``: the caller already looked the username up and found nobody.
    """
    key = pool.key(name)
    if not username_probed:
        try:
            return tx.user_by_key(pool.id, key)
        except NotFound:
            pass
    attribute = _alias_kind(pool, name)
    if attribute is not None:
        try:
            return tx.user_by_alias(pool.id, attribute, alias_key(pool, attribute, name))
        except NotFound:
            pass
    return tx.user_by_sub(pool.id, name.lower())


def checked_client(svc: Services, tx: Tx, req: dict[str, Any]) -> tuple[AppClient, Pool]:
    """The request's app client (``ClientId``) and its pool, the request's ``SecretHash``
    checked for its ``Username``: both before the user is looked up.

    DEVIATION: the order (client, secret hash, then the user) is inferred, not documented."""
    client, pool = client_and_pool(tx, req["ClientId"])
    check_secret_hash(svc, client, req["Username"], req.get("SecretHash"))
    return client, pool


def user_unless_hidden(
    tx: Tx,
    pool: Pool,
    client: AppClient,
    name: str,
    unknown: str = NO_USER,
    username_probed: bool = False,
) -> User | None:
    """``find_user``; for a name that finds nobody, None when the client hides existence
    (PreventUserExistenceErrors=ENABLED: the caller answers as for a real user), else
    UserNotFoundException with the text ``unknown``."""
    try:
        return find_user(tx, pool, name, username_probed)
    except NotFound:
        if client.prevent_user_existence_errors:
            return None
        raise UserNotFoundException(unknown) from None


def stored_user(tx: Tx, pool_id: str, sub: str) -> User:
    """The user as stored now (it may have been deleted while the request waited)."""
    try:
        return tx.user_by_sub(pool_id, sub)
    except NotFound:
        raise UserNotFoundException(NO_USER) from None


def _alias_kind(pool: Pool, name: str) -> str | None:
    kinds = pool.sign_in_attributes
    if "email" in kinds and "@" in name:
        return "email"
    if "phone_number" in kinds and name.startswith("+"):
        return "phone_number"
    if "preferred_username" in kinds:
        return "preferred_username"
    return None


def alias_key(pool: Pool, attribute: str, value: str) -> str:
    # DEVIATION: emails match case-insensitively as aliases in every pool (Cognito's rule for
    # the domain part is documented, for the local part it is not).
    if attribute == "email":
        return value.lower()
    return pool.key(value)


def check_writable(client: AppClient, attributes: dict[str, str]) -> None:
    """What an app client may write: never ``*_verified`` or ``dev:*``, and only its
    ``WriteAttributes`` when it lists them."""
    allowed = client.config.get("WriteAttributes")
    for name in attributes:
        if (
            name.endswith("_verified")
            or name.startswith("dev:")
            or (allowed and name not in allowed)
        ):
            raise NotAuthorizedException("A client attempted to write unauthorized attribute")


def attributes_in(items: list[dict[str, Any]] | None) -> dict[str, str]:
    return {item["Name"]: item.get("Value") or "" for item in items or []}


def attributes_out(
    attributes: dict[str, str], only: list[str] | None = None
) -> list[dict[str, str]]:
    return [{"Name": k, "Value": v} for k, v in attributes.items() if only is None or k in only]


def user_type(user: User, only: list[str] | None = None) -> dict[str, Any]:
    """The wire's UserType."""
    return {
        "Username": user.username,
        "Attributes": attributes_out(user.attributes, only),
        "UserCreateDate": user.created,
        "UserLastModifiedDate": user.modified,
        "Enabled": user.enabled,
        "UserStatus": user.status,
    }


def drop_none(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


async def access_user(
    svc: Services, token: str, scope: str | None = tokens.SCOPE
) -> tuple[Pool, User, dict[str, Any]]:
    """The pool, user and claims of a live access token we issued, which must carry
    ``scope`` (the user APIs' ``aws.cognito.signin.user.admin``; None: any)."""
    try:
        header, body, _ = token.split(".")
        kid = orjson.loads(tokens.unb64url(header))["kid"]
        pool_id = str(orjson.loads(tokens.unb64url(body))["iss"]).rsplit("/", 1)[-1]
    except (ValueError, KeyError, TypeError, orjson.JSONDecodeError):
        raise NotAuthorizedException(INVALID_ACCESS_TOKEN) from None
    key = svc.keys.public_key(pool_id, str(kid))
    if key is None:
        raise NotAuthorizedException(INVALID_ACCESS_TOKEN)
    try:
        claims = tokens.verify(
            token, {kid: key}, svc.settings.issuer(pool_id), "access", svc.clock.now()
        )
    except tokens.InvalidToken as exc:
        if str(exc) == "expired":
            raise NotAuthorizedException("Access Token has expired") from None
        raise NotAuthorizedException(INVALID_ACCESS_TOKEN) from None
    if scope is not None and scope not in str(claims.get("scope", "")).split():
        raise NotAuthorizedException(NO_ADMIN_SCOPE)
    try:
        with svc.store.read() as tx:
            pool = tx.get_pool(pool_id)
            user = tx.user_by_sub(pool_id, claims["sub"])
            revoked = tx.origin_revoked(claims["origin_jti"])
    except NotFound:
        raise UserNotFoundException(NO_USER) from None
    if revoked:
        raise NotAuthorizedException("Access Token has been revoked")
    if not user.enabled:
        raise NotAuthorizedException(USER_DISABLED)
    return pool, user, claims
