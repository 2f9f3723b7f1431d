"""Steps of the OAuth 2.0 side: a pool's custom scopes, app clients' OAuth settings checked
against them, the pool a domain names, and the authentication of an app client at the
OAuth endpoints (``Authorization: Basic`` or ``client_id``/``client_secret`` in the form).
"""

from __future__ import annotations

import base64
import binascii

import regex

from userpool.domain import codes
from userpool.domain.entities import AppClient, Pool
from userpool.domain.oauth import (
    OAuthError,
    check_client_settings,
    custom_scope,
    prefix_of_host,
    scope_strings,
)
from userpool.domain.ports import NotFound, Tx
from userpool.domain.services import Call, Services
from userpool.operations.steps.lookups import secret_matches

MAX_RESOURCE_SERVERS = 25  # per pool, Cognito's quota
_CLIENT_ID = regex.compile(r"[\w+]{1,128}")


def pool_scopes(tx: Tx, pool_id: str) -> set[str]:
    """Every ``<identifier>/<scope>`` the pool's resource servers define now."""
    servers = tx.list_resource_servers(pool_id, None, 10 * MAX_RESOURCE_SERVERS)
    return {s for server in servers for s in scope_strings(server.identifier, server.scopes)}


def check_client(tx: Tx, pool_id: str, config: dict[str, object], has_secret: bool) -> None:
    """An app client's OAuth settings, its custom scopes looked up only when it names any."""
    allowed = config.get("AllowedOAuthScopes")
    wanted = isinstance(allowed, list) and any(custom_scope(s) for s in allowed)
    scopes = pool_scopes(tx, pool_id) if wanted else set()
    check_client_settings(config, has_secret, scopes, pool_id)


def pool_of_domain(tx: Tx, host: str, region: str) -> str | None:
    """The pool whose domain ``host`` is (a prefix domain's host name, a custom domain), or
    None when it is no domain of ours."""
    name = prefix_of_host(host, region) or host
    try:
        return tx.get_domain(name).pool_id
    except NotFound:
        return None


def domain_members(tx: Tx, pool_id: str) -> dict[str, str]:
    """DescribeUserPool's ``Domain`` (the prefix) and ``CustomDomain`` (the host name)."""
    return {"CustomDomain" if d.custom else "Domain": d.domain for d in tx.pool_domains(pool_id)}


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    """(client id, secret) of an ``Authorization: Basic`` header, None without one. The
    two are not percent-decoded (ids and secrets are ``[\\w+]``)."""
    if header is None:
        return None
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "basic":
        raise OAuthError("invalid_client")
    try:
        text = base64.b64decode(value.strip(), validate=True).decode()
    except (binascii.Error, ValueError):
        raise OAuthError("invalid_client") from None
    client_id, colon, secret = text.partition(":")
    if not colon:
        raise OAuthError("invalid_client")
    return client_id, secret


def authenticate(
    svc: Services,
    call: Call,
    form: dict[str, str],
    authorization: str | None,
    pool_id: str | None,
) -> tuple[AppClient, Pool]:
    """The app client a request to an OAuth endpoint authenticates as, and its pool.

    A client with a secret must give one of its active secrets (Basic, or ``client_secret``
    in the form); a
    client without one names itself with ``client_id``. Anything else, a client of
    another pool than the one the host or path names among it, is ``invalid_client``.
    Each request is counted against the client (by address), as the JSON API counts.

    DEVIATION: a request that authenticates both ways must name the same client and secret;
    a public client that sends a (non-empty) secret is refused."""
    basic = basic_credentials(authorization)
    client_id = form.get("client_id")
    secret = form.get("client_secret") or None
    if basic is not None:
        if (client_id and client_id != basic[0]) or (secret and secret != basic[1]):
            raise OAuthError("invalid_client")
        client_id, secret = basic[0], basic[1] or None
    if not client_id or _CLIENT_ID.fullmatch(client_id) is None:
        raise OAuthError("invalid_client")
    svc.limiter.admit("client", f"{client_id}@{call.source_ip}")
    try:
        with svc.store.read() as tx:
            client, pool = tx.client_and_pool(client_id)
    except NotFound:
        raise OAuthError("invalid_client") from None
    if pool_id is not None and pool.id != pool_id:
        raise OAuthError("invalid_client")
    if (client.secret is None) != (secret is None):
        raise OAuthError("invalid_client")
    if secret is not None and not secret_matches(svc, client, secret):
        raise OAuthError("invalid_client")
    return client, pool


def revoke_refresh(svc: Services, client: AppClient, token: str) -> None:
    """Revoke a refresh token of ``client`` and every token of its sign-in (its origin);
    an unknown token, or another client's, is left as it is."""
    try:
        with svc.store.transaction() as tx:
            stored = tx.get_refresh(codes.session_hash(svc.key, token))
            if stored.client_id == client.id:
                tx.revoke_origin(stored.origin_jti, stored.expires)
    except NotFound:
        pass
