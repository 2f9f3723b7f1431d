"""A user's tokens from the OAuth endpoints (the code grant, the implicit grant, the
refresh-token grant): the API's claims plus the granted ``scope`` and ``version``, the ID
token's ``nonce`` and ``at_hash``, PreTokenGeneration with the hosted sources; and the
scopes a refresh token of the OAuth endpoints keeps (a session row keyed by its origin)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from userpool.domain import codes, crypto, tokens
from userpool.domain.entities import AppClient, Pool, RefreshToken, Session, User
from userpool.domain.hosted import CODE_SECONDS, oauth_access, oauth_id
from userpool.domain.ports import NotFound
from userpool.domain.services import Call, Services
from userpool.operations.steps import token_hooks
from userpool.operations.steps.signin import new_refresh

HOSTED = "TokenGeneration_HostedAuth"
REFRESHED = "TokenGeneration_RefreshTokens"
_SCOPES = "oauth:scopes"  # purpose of the row keeping a sign-in's granted scopes


@dataclass(frozen=True)
class SignIn:
    """What the tokens of one browser sign-in carry."""

    scopes: tuple[str, ...]
    nonce: str | None
    auth_time: int
    amr: tuple[str, ...] = ()  # the ID token's methods of a sign-in that completed MFA


def _scopes_key(svc: Services, origin: str) -> str:
    return crypto.keyed_hash(svc.key, "oauth-scopes", origin)


def _keep_scopes(
    svc: Services,
    pool: Pool,
    client: AppClient,
    user: User,
    origin: str,
    scopes: tuple[str, ...],
    expires: float,
) -> None:
    row = Session(_scopes_key(svc, origin), pool.id, client.id, user.sub, _SCOPES, expires)
    row.data = {"scopes": list(scopes)}
    with svc.store.transaction() as tx:
        tx.put_session(row)


def kept_scopes(svc: Services, stored: RefreshToken) -> tuple[str, ...] | None:
    """The scopes a refresh token of the OAuth endpoints was granted; None for one of the
    API (InitiateAuth)."""
    try:
        with svc.store.transaction() as tx:
            row = tx.take_session(_scopes_key(svc, stored.origin_jti))
            tx.put_session(row)
    except NotFound:
        return None
    if row.purpose != _SCOPES or row.client_id != stored.client_id:
        return None
    return tuple(str(s) for s in row.data.get("scopes") or [])


async def issue(
    svc: Services,
    call: Call,
    pool: Pool,
    client: AppClient,
    user: User,
    sign_in: SignIn,
    refresh: RefreshToken | None = None,
    with_refresh: bool = True,
) -> dict[str, Any]:
    """The token endpoint's answer (``access_token``, ``id_token`` when ``openid`` was
    granted, ``refresh_token`` for a new sign-in with ``with_refresh``, ``token_type``,
    ``expires_in``). With ``refresh``: its auth_time and origin are kept."""
    source = REFRESHED if refresh is not None else HOSTED
    with svc.store.read() as tx:
        groups = tx.groups_of(pool.id, user.sub)
    names = tuple(g.name for g in groups)
    roles = tuple(g.role_arn for g in groups if g.role_arn)
    changes = await token_hooks.pre_token_generation(
        svc, call, pool, client.id, user, source, names, roles, sign_in.scopes
    )
    keys = await svc.keys.keys(pool.id)
    now = int(svc.clock.now())
    origin = refresh.origin_jti if refresh else str(uuid.uuid4())
    read = tuple(client.config.get("ReadAttributes") or ())
    amr = sign_in.amr if refresh is None else ()
    grant = tokens.Grant(pool, client.id, user, sign_in.auth_time, origin, names, roles, read, amr)
    issuer = svc.settings.issuer(pool.id)
    access_ttl = tokens.validity(client.config, "AccessTokenValidity", 3600, "hours")
    id_ttl = tokens.validity(client.config, "IdTokenValidity", 3600, "hours")
    access_claims = oauth_access(
        tokens.access_claims(grant, issuer, now, access_ttl), sign_in.scopes
    )
    access = tokens.sign(keys.signing["access"], changes.apply(access_claims, "access"))
    out: dict[str, Any] = {"access_token": access}
    if "openid" in sign_in.scopes:
        id_claims = oauth_id(
            tokens.id_claims(grant, issuer, now, id_ttl), sign_in.scopes, sign_in.nonce, access
        )
        out["id_token"] = tokens.sign(keys.signing["id"], changes.apply(id_claims, "id"))
    if refresh is None and with_refresh:
        out["refresh_token"] = new_refresh(svc, call, pool, client, user, origin, now)
        ttl = tokens.validity(client.config, "RefreshTokenValidity", 30 * 86400, "days")
        _keep_scopes(svc, pool, client, user, origin, sign_in.scopes, now + ttl)
    out["token_type"] = "Bearer"
    out["expires_in"] = access_ttl
    return out


def refresh_token(svc: Services, token: str) -> RefreshToken | None:
    try:
        with svc.store.read() as tx:
            return tx.get_refresh(codes.session_hash(svc.key, token))
    except NotFound:
        return None


_CODE = "oauth:code"


def new_code(svc: Services, pool: Pool, user: User, client_id: str, data: dict[str, Any]) -> str:
    """An authorization code for ``user`` at ``client_id``, single use, living
    ``CODE_SECONDS``; ``data``: its redirect URI, PKCE challenge, nonce, scopes, auth_time.
    Only its keyed hash is kept."""
    expires = svc.clock.now() + CODE_SECONDS
    code, row = codes.new_session(svc.key, pool.id, client_id, user.sub, _CODE, expires)
    row.data = data
    with svc.store.transaction() as tx:
        tx.put_session(row)
    return code


def take_code(svc: Services, code: str) -> Session | None:
    """The code's row, spent by this call (a second use finds nothing); None for an
    unknown, spent or expired code."""
    if not code or len(code) > 256:
        return None
    try:
        with svc.store.transaction() as tx:
            row = tx.take_session(codes.session_hash(svc.key, code))
    except NotFound:
        return None
    if row.purpose != _CODE or row.expires < svc.clock.now():
        return None
    return row
