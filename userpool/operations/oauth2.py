"""The OAuth 2.0 endpoints' entry points: the token endpoint (``POST /oauth2/token``), token
revocation (``/oauth2/revoke``) and ``/oauth2/userInfo``. The transport (``server.oauth``)
parses the form and names the pool the host or path points at; these answer with a dict
(the JSON body) or raise ``domain.oauth.OAuthError``.

The token endpoint dispatches on ``grant_type`` through ``GRANTS``: each grant is a function
of the authenticated app client and the form. ``client_credentials`` mints machine tokens; the
code grant spends the hosted pages' codes (``steps.oauth_tokens``); the refresh-token grant
takes refresh tokens of the OAuth endpoints and of the API.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson

from userpool.domain import tokens
from userpool.domain.entities import AppClient, Pool, User
from userpool.domain.hosted import pkce_matches
from userpool.domain.oauth import (
    ADMIN_SCOPE,
    OAuthError,
    client_credentials_claims,
    client_credentials_scopes,
    oauth_client,
    user_info,
)
from userpool.domain.ports import NotFound
from userpool.domain.schema import readable
from userpool.domain.services import Call, Services
from userpool.errors import CognitoError, NotAuthorizedException, UserNotFoundException
from userpool.operations.steps import oauth, oauth_tokens, token_hooks
from userpool.operations.steps.lookups import access_user, client_of

BAD_USERINFO = "Bad OAuth2 request at UserInfo Endpoint"
DEAD_TOKEN = "Access token is expired, disabled, or deleted, or the user has globally signed out."
NO_OPENID = "Access token does not contain openid scope"


@dataclass(frozen=True)
class EndpointRequest:
    """What the transport hands an endpoint: the form (each field once), the
    ``Authorization`` header, and the pool the request's host or path names (None: the
    server's root, where the app client names the pool)."""

    form: dict[str, str]
    authorization: str | None = None
    pool_id: str | None = None


Grant = Callable[[Services, Call, Pool, AppClient, dict[str, str]], Awaitable[dict[str, Any]]]


def _authenticated(svc: Services, call: Call, req: EndpointRequest) -> tuple[AppClient, Pool]:
    """The app client, as ``steps.oauth.authenticate``; a failed authentication counts as a
    failed guess of the address (``--fail-per-ip``), as a wrong password does."""
    svc.limiter.check("fail", call.source_ip)
    try:
        return oauth.authenticate(svc, call, req.form, req.authorization, req.pool_id)
    except OAuthError as error:
        if error.error == "invalid_client":
            svc.limiter.count("fail", call.source_ip)
        raise


def _client_metadata(text: str | None) -> dict[str, str] | None:
    """``aws_client_metadata``: a JSON object of strings, for PreTokenGeneration."""
    if text is None:
        return None
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        raise OAuthError("invalid_request") from None
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise OAuthError("invalid_request")
    return value


async def _client_credentials(
    svc: Services, call: Call, pool: Pool, client: AppClient, form: dict[str, str]
) -> dict[str, Any]:
    """An access token for the app client itself, with custom scopes only; no ID or
    refresh token. A client the OAuth endpoints do not serve (AllowedOAuthFlowsUserPoolClient
    false) is ``invalid_grant``, as observed; one without the flow, ``unauthorized_client``."""
    if not oauth_client(client.config):
        raise OAuthError("invalid_grant")
    if "client_credentials" not in (client.config.get("AllowedOAuthFlows") or []):
        raise OAuthError("unauthorized_client")
    if client.secret is None:  # a public client never gets a machine token
        raise OAuthError("invalid_client")
    metadata = _client_metadata(form.get("aws_client_metadata"))
    with svc.store.read() as tx:
        active = oauth.pool_scopes(tx, pool.id)
    allowed = list(client.config.get("AllowedOAuthScopes") or [])
    scopes = client_credentials_scopes(form.get("scope"), allowed, active)
    changes = await token_hooks.client_credentials(svc, pool, client.id, scopes, metadata)
    keys = await svc.keys.keys(pool.id)
    now = int(svc.clock.now())
    ttl = tokens.validity(client.config, "AccessTokenValidity", 3600, "hours")
    claims = client_credentials_claims(client.id, svc.settings.issuer(pool.id), scopes, now, ttl)
    access = tokens.sign(keys.signing["access"], changes.apply(claims, "access"))
    return {"access_token": access, "expires_in": ttl, "token_type": "Bearer"}


def _user_client(client: AppClient, flow: str) -> None:
    """A client the OAuth endpoints serve, with ``flow`` (code) allowed."""
    if not oauth_client(client.config):
        raise OAuthError("unauthorized_client")
    if flow not in (client.config.get("AllowedOAuthFlows") or []):
        raise OAuthError("unauthorized_client")


def _user(svc: Services, pool: Pool, sub: str) -> User:
    try:
        with svc.store.read() as tx:
            user = tx.user_by_sub(pool.id, sub)
    except NotFound:
        raise OAuthError("invalid_grant") from None
    if not user.enabled:
        raise OAuthError("invalid_grant")
    return user


async def _authorization_code(
    svc: Services, call: Call, pool: Pool, client: AppClient, form: dict[str, str]
) -> dict[str, Any]:
    """A code from the hosted pages for tokens: spent by the first request that names it,
    whatever it then lacks (a retry with the same code is ``invalid_grant``, as observed);
    bound to the client, the redirect URI and the PKCE challenge.

    DEVIATION: a reused code revokes nothing (RFC 6749 advises revoking the tokens it
    gave; Cognito's behaviour is unconfirmed)."""
    code = form.get("code")
    if not code:
        raise OAuthError("invalid_request")
    row = oauth_tokens.take_code(svc, code)
    _user_client(client, "code")
    if row is None or row.client_id != client.id or row.pool_id != pool.id:
        raise OAuthError("invalid_grant")
    data = row.data
    if form.get("redirect_uri") != data.get("redirect_uri"):
        raise OAuthError("invalid_grant")
    if data.get("challenge") is not None and not form.get("code_verifier"):
        raise OAuthError("invalid_request")
    if not pkce_matches(data.get("challenge"), form.get("code_verifier")):
        raise OAuthError("invalid_grant")
    user = _user(svc, pool, row.sub)
    call.request = {"ClientMetadata": _client_metadata(form.get("aws_client_metadata"))}
    scopes = tuple(str(s) for s in data.get("scopes") or [])
    amr = tuple(str(m) for m in data.get("amr") or ())
    sign_in = oauth_tokens.SignIn(scopes, data.get("nonce"), int(data.get("auth_time") or 0), amr)
    return await oauth_tokens.issue(svc, call, pool, client, user, sign_in)


async def _refresh_token(
    svc: Services, call: Call, pool: Pool, client: AppClient, form: dict[str, str]
) -> dict[str, Any]:
    """New access and ID tokens for a live refresh token of this client, with the scopes
    of its sign-in (an API sign-in's: aws.cognito.signin.user.admin); no new refresh token.

    DEVIATION: the ID token comes only when the sign-in granted ``openid`` (an API
    sign-in's refresh token gets one too, as from InitiateAuth)."""
    text = form.get("refresh_token")
    if not text:
        raise OAuthError("invalid_request")
    stored = oauth_tokens.refresh_token(svc, text)
    if stored is None or stored.client_id != client.id or stored.pool_id != pool.id:
        raise OAuthError("invalid_grant")
    if stored.revoked or stored.expires < svc.clock.now():
        raise OAuthError("invalid_grant")
    user = _user(svc, pool, stored.sub)
    kept = oauth_tokens.kept_scopes(svc, stored)
    scopes = kept if kept is not None else (ADMIN_SCOPE, "openid")
    sign_in = oauth_tokens.SignIn(scopes, None, stored.auth_time)
    call.request = {"ClientMetadata": _client_metadata(form.get("aws_client_metadata"))}
    return await oauth_tokens.issue(svc, call, pool, client, user, sign_in, refresh=stored)


GRANTS: dict[str, Grant] = {
    "authorization_code": _authorization_code,
    "client_credentials": _client_credentials,
    "refresh_token": _refresh_token,
}


async def token(svc: Services, call: Call, req: EndpointRequest) -> dict[str, Any]:
    """``POST /oauth2/token``: the grant type first (missing: ``invalid_request``; not
    served: ``unsupported_grant_type``), then the client, then the grant's own rules.

    DEVIATION: every error is status 400, ``invalid_client`` too (Cognito's documentation
    shows 400; its status for a failed Basic authentication is unconfirmed)."""
    grant_type = req.form.get("grant_type")
    if not grant_type:
        raise OAuthError("invalid_request")
    grant = GRANTS.get(grant_type)
    if grant is None:
        raise OAuthError("unsupported_grant_type")
    client, pool = _authenticated(svc, call, req)
    return await grant(svc, call, pool, client, req.form)


async def revoke(svc: Services, call: Call, req: EndpointRequest) -> None:
    """``POST /oauth2/revoke``: a refresh token and every token of its sign-in stop
    working. A bad client is 401 ``invalid_client``; an unknown or already revoked token
    is success, as Cognito answers."""
    token_text = req.form.get("token")
    if not token_text:
        raise OAuthError("invalid_request")
    try:
        client, _ = _authenticated(svc, call, req)
    except OAuthError as error:
        if error.error == "invalid_client":
            raise OAuthError("invalid_client", 401) from None
        raise
    if client.config.get("EnableTokenRevocation") is False:
        raise OAuthError("invalid_request")
    if token_text.count(".") == 2:  # a JWT: an access or ID token, never a refresh token
        raise OAuthError("unsupported_token_type")
    oauth.revoke_refresh(svc, client, token_text)


def bearer(authorization: str | None) -> str:
    scheme, _, value = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise OAuthError("invalid_request", 400, BAD_USERINFO)
    return value.strip()


async def user_info_endpoint(svc: Services, call: Call, req: EndpointRequest) -> dict[str, Any]:
    """``/oauth2/userInfo``: the user's attributes that the access token's scopes reach
    (it must carry ``openid``), as far as its app client may read them.

    DEVIATION: a token without ``openid`` is 401 ``invalid_token`` (Cognito's status for it
    is unconfirmed)."""
    token_text = bearer(req.authorization)
    try:
        pool, user, claims = await access_user(svc, token_text, scope=None)
    except (NotAuthorizedException, UserNotFoundException):
        raise OAuthError("invalid_token", 401, DEAD_TOKEN) from None
    scopes = str(claims.get("scope", "")).split()
    if "openid" not in scopes:
        raise OAuthError("invalid_token", 401, NO_OPENID)
    if req.pool_id is not None and pool.id != req.pool_id:
        raise OAuthError("invalid_token", 401, DEAD_TOKEN)
    try:
        with svc.store.read() as tx:
            client = client_of(tx, str(claims.get("client_id")))
    except CognitoError:
        raise OAuthError("invalid_token", 401, DEAD_TOKEN) from None
    shown = readable(user.attributes, client.config.get("ReadAttributes"))
    return user_info(user.sub, user.username, shown, scopes)
