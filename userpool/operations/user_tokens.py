"""Operations a signed-in user makes with their tokens: GetUser, DeleteUser, GlobalSignOut, RevokeToken, GetTokensFromRefreshToken; and the admin's
AdminUserGlobalSignOut."""

from __future__ import annotations

from typing import Any

from userpool.domain import codes
from userpool.domain.entities import Pool, User
from userpool.domain.mfa import user_members
from userpool.domain.ports import NotFound
from userpool.domain.schema import readable
from userpool.domain.services import Call, Services
from userpool.errors import (
    BAD_CLIENT_SECRET,
    NotAuthorizedException,
    UnauthorizedException,
)
from userpool.operations.steps.lookups import (
    access_user,
    attributes_out,
    client_of,
    pool_of,
    secret_matches,
)
from userpool.operations.steps.signin import refresh
from userpool.operations.steps.users import named_user


async def get_user(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    pool, user, claims = await access_user(svc, req["AccessToken"])
    with svc.store.read() as tx:
        client = client_of(tx, claims["client_id"])
    shown = readable(user.attributes, client.config.get("ReadAttributes"))
    return {
        "Username": user.username,
        "UserAttributes": attributes_out(shown),
        **user_members(pool, user),
    }


async def delete_user(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    pool, user, _ = await access_user(svc, req["AccessToken"])
    with svc.store.transaction() as tx:
        tx.delete_user(pool.id, user.sub)
    return {}


def _sign_out(svc: Services, pool: Pool, user: User) -> None:
    with svc.store.transaction() as tx:
        tx.revoke_user_tokens(pool.id, user.sub)


async def global_sign_out(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    pool, user, _ = await access_user(svc, req["AccessToken"])
    _sign_out(svc, pool, user)
    return {}


async def admin_user_global_sign_out(
    svc: Services, call: Call, req: dict[str, Any]
) -> dict[str, Any]:
    pool, user = named_user(svc, req)
    _sign_out(svc, pool, user)
    return {}


async def revoke_token(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    """Revoke a refresh token and every access/ID token issued from the same sign-in.

    DEVIATION: an unknown token, or another client's, is answered with success (as OAuth
    token revocation does); a bad client or secret is UnauthorizedException, as observed.
    """
    with svc.store.read() as tx:
        try:
            client = tx.get_client(req["ClientId"])
        except NotFound:
            raise UnauthorizedException(BAD_CLIENT_SECRET) from None
    if client.secret is not None and not secret_matches(svc, client, req.get("ClientSecret") or ""):
        raise UnauthorizedException(BAD_CLIENT_SECRET)
    try:
        with svc.store.transaction() as tx:
            stored = tx.get_refresh(codes.session_hash(svc.key, req["Token"]))
            if stored.client_id == client.id:
                tx.revoke_origin(stored.origin_jti, stored.expires)
    except NotFound:
        pass
    return {}


async def get_tokens_from_refresh_token(
    svc: Services, call: Call, req: dict[str, Any]
) -> dict[str, Any]:
    with svc.store.read() as tx:
        client = client_of(tx, req["ClientId"])
        pool = pool_of(tx, client.pool_id)
    if client.secret is not None and not secret_matches(svc, client, req.get("ClientSecret") or ""):
        raise NotAuthorizedException("Client authentication failed.")
    device = {"DEVICE_KEY": req["DeviceKey"]} if req.get("DeviceKey") else {}
    out = await refresh(svc, call, pool, client, req["RefreshToken"], device, secret_checked=True)
    return {"AuthenticationResult": out["AuthenticationResult"]}
