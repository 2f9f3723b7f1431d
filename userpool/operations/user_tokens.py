"""Operations a signed-in user makes with their tokens: GetUser, DeleteUser, GlobalSignOut, RevokeToken, GetTokensFromRefreshToken; and the admin's
AdminUserGlobalSignOut."""

from __future__ import annotations

from typing import Any

import orjson

from userpool.domain import codes, crypto, tokens
from userpool.domain.entities import Pool, User
from userpool.domain.ports import NotFound
from userpool.errors import NotAuthorizedException, UnauthorizedException, UserNotFoundException
from userpool.operations.admin_users import admin_user
from userpool.operations.auth import refresh
from userpool.operations.common import (
    attributes_out,
    client_of,
    pool_of,
)
from userpool.services import Services

INVALID = "Invalid Access Token"


async def access_user(svc: Services, token: str) -> tuple[Pool, User, dict[str, Any]]:
    """The pool, user and claims of a live access token we issued."""
    try:
        header, body, _ = token.split(".")
        kid = orjson.loads(tokens.unb64url(header))["kid"]
        pool_id = str(orjson.loads(tokens.unb64url(body))["iss"]).rsplit("/", 1)[-1]
    except (ValueError, KeyError, TypeError, orjson.JSONDecodeError):
        raise NotAuthorizedException(INVALID) from None
    key = svc.keys.public_key(pool_id, str(kid))
    if key is None:
        raise NotAuthorizedException(INVALID)
    try:
        claims = tokens.verify(
            token, {kid: key}, svc.settings.issuer(pool_id), "access", svc.clock.now()
        )
    except tokens.InvalidToken as exc:
        if str(exc) == "expired":
            raise NotAuthorizedException("Access Token has expired") from None
        raise NotAuthorizedException(INVALID) from None
    try:
        with svc.store.read() as tx:
            pool = tx.get_pool(pool_id)
            user = tx.user_by_sub(pool_id, claims["sub"])
            revoked = tx.origin_revoked(claims["origin_jti"])
    except NotFound:
        raise UserNotFoundException("User does not exist.") from None
    if revoked:
        raise NotAuthorizedException("Access Token has been revoked")
    if not user.enabled:
        raise NotAuthorizedException("User is disabled.")
    return pool, user, claims


async def get_user(svc: Services, req: dict[str, Any]) -> dict[str, Any]:
    _, user, _ = await access_user(svc, req["AccessToken"])
    return {"Username": user.username, "UserAttributes": attributes_out(user.attributes)}


async def delete_user(svc: Services, req: dict[str, Any]) -> dict[str, Any]:
    pool, user, _ = await access_user(svc, req["AccessToken"])
    with svc.store.transaction() as tx:
        tx.delete_user(pool.id, user.sub)
    return {}


def _sign_out(svc: Services, pool: Pool, user: User) -> None:
    with svc.store.transaction() as tx:
        tx.revoke_user_tokens(pool.id, user.sub)


async def global_sign_out(svc: Services, req: dict[str, Any]) -> dict[str, Any]:
    pool, user, _ = await access_user(svc, req["AccessToken"])
    _sign_out(svc, pool, user)
    return {}


async def admin_user_global_sign_out(svc: Services, req: dict[str, Any]) -> dict[str, Any]:
    with svc.store.read() as tx:
        pool = pool_of(tx, req["UserPoolId"])
        user = admin_user(tx, pool, req["Username"])
    _sign_out(svc, pool, user)
    return {}


async def revoke_token(svc: Services, req: dict[str, Any]) -> dict[str, Any]:
    """Revoke a refresh token and every access/ID token issued from the same sign-in.

    DEVIATION: an unknown token, or another client's, is answered with success (as OAuth
    token revocation does); a bad client or secret is UnauthorizedException, as observed.
    """
    with svc.store.read() as tx:
        try:
            client = tx.get_client(req["ClientId"])
        except NotFound:
            raise UnauthorizedException("Invalid client or secret") from None
    secret = svc.box.open(client.secret) if client.secret else None
    if secret is not None and not crypto.equal(req.get("ClientSecret") or "", secret):
        raise UnauthorizedException("Invalid client or secret")
    try:
        with svc.store.transaction() as tx:
            stored = tx.get_refresh(codes.session_hash(svc.key, req["Token"]))
            if stored.client_id == client.id:
                tx.revoke_origin(stored.origin_jti, stored.expires)
    except NotFound:
        pass
    return {}


async def get_tokens_from_refresh_token(svc: Services, req: dict[str, Any]) -> dict[str, Any]:
    with svc.store.read() as tx:
        client = client_of(tx, req["ClientId"])
        pool = pool_of(tx, client.pool_id)
    secret = svc.box.open(client.secret) if client.secret else None
    if secret is not None and not crypto.equal(req.get("ClientSecret") or "", secret):
        raise NotAuthorizedException("Client authentication failed.")
    out = await refresh(svc, pool, client, req["RefreshToken"], {})
    return {"AuthenticationResult": out["AuthenticationResult"]}
