"""The authorization endpoint's rules, pure: its parameters checked in Cognito's order
(an error page, then errors sent back to the redirect URI), PKCE (S256 only), the scopes a
browser sign-in grants, and the OAuth additions to user tokens (``scope``, ``version``,
``nonce``, ``at_hash``, the ID token's attributes narrowed by scope)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import regex

from userpool.domain.crypto import equal
from userpool.domain.oauth import ADMIN_SCOPE, STANDARD_SCOPES, attribute_scope, oauth_client
from userpool.domain.tokens import b64url

CODE_SECONDS = 300  # an authorization code lives 5 minutes, single use
_VERIFIER = regex.compile(r"[A-Za-z0-9\-._~]{43,128}")  # RFC 7636 4.1
_CHALLENGE = regex.compile(r"[A-Za-z0-9\-_]{43}")  # base64url of a SHA-256, unpadded
FLOWS = {"code": "code", "token": "implicit"}  # response_type -> AllowedOAuthFlows entry
# The parameters a page keeps from /oauth2/authorize to the callback.
KEPT = (
    "client_id",
    "response_type",
    "redirect_uri",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
    "identity_provider",
    "idp_identifier",
    "login_hint",
    "prompt",
    "lang",
)


class ErrorPage(Exception):
    """The request cannot go back to the app: an error page on the domain (HTTP 400)."""

    def __init__(self, error: str, client_id: str | None = None) -> None:
        super().__init__(error)
        self.error, self.client_id = error, client_id


class BackToApp(Exception):
    """An error the app hears at its redirect URI: ``location`` is where to send it."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


@dataclass(frozen=True)
class Authorization:
    """A checked authorization request: what the code (or implicit tokens) will carry."""

    client_id: str
    response_type: str
    redirect_uri: str
    scopes: tuple[str, ...]
    state: str | None
    nonce: str | None
    challenge: str | None
    query: dict[str, str]  # the kept parameters, for the pages' links and forms


def error_location(redirect_uri: str, state: str | None, error: str, described: str = "") -> str:
    """``redirect_uri`` with ``error`` (and ``error_description``, ``state``) in its query,
    form-encoded as Cognito sends them."""
    fields = {"error_description": described} if described else {}
    fields["error"] = error
    if state is not None:
        fields["state"] = state
    joiner = "&" if "?" in redirect_uri else "?"
    return f"{redirect_uri}{joiner}{urlencode(fields)}"


def check_authorization(
    query: dict[str, str], client_id: str, config: dict[str, Any], active: set[str]
) -> Authorization:
    """Check an authorization request of an existing client (``config``; ``active``: the
    pool's custom scopes now). Order: a client the OAuth endpoints do not serve → error
    page; a redirect URI not registered → the ``redirect_mismatch`` page; anything else
    back to the redirect URI.

    DEVIATION: an unknown or unallowed scope is sent back as
    ``error=invalid_request&error_description=invalid_scope`` (the form observed from
    Cognito; its documentation says ``error=invalid_scope``)."""
    if not oauth_client(config):
        raise ErrorPage("invalid_request", client_id)
    redirect_uri = query.get("redirect_uri", "")
    if redirect_uri not in (config.get("CallbackURLs") or []):
        raise ErrorPage("redirect_mismatch", client_id)
    state = query.get("state")

    def back(error: str, described: str = "") -> BackToApp:
        return BackToApp(error_location(redirect_uri, state, error, described))

    response_type = query.get("response_type", "")
    if response_type not in FLOWS:
        raise back("invalid_request")
    method = query.get("code_challenge_method")
    challenge = query.get("code_challenge")
    # Cognito refuses "plain" (RFC 7636 allows it), and a challenge needs its method.
    pkce = method is not None or challenge is not None
    if pkce and (method != "S256" or challenge is None or _CHALLENGE.fullmatch(challenge) is None):
        raise back("invalid_request")
    if FLOWS[response_type] not in (config.get("AllowedOAuthFlows") or []):
        raise back("unauthorized_client")
    allowed = [
        s for s in config.get("AllowedOAuthScopes") or [] if s in STANDARD_SCOPES or s in active
    ]
    wanted = query.get("scope")
    if wanted is None or not wanted.strip():
        scopes = allowed
    else:
        scopes = list(dict.fromkeys(wanted.split()))
        for scope in scopes:
            if scope not in (config.get("AllowedOAuthScopes") or []):
                raise back("invalid_request", "invalid_scope")
        scopes = [s for s in scopes if s in allowed]  # a deleted custom scope is dropped
    kept = {k: query[k] for k in KEPT if k in query}
    return Authorization(
        client_id,
        response_type,
        redirect_uri,
        tuple(scopes),
        state,
        query.get("nonce"),
        challenge if response_type == "code" else None,
        kept,
    )


def pkce_matches(challenge: str | None, verifier: str | None) -> bool:
    """Whether ``verifier`` answers the code's S256 ``challenge`` (no challenge: no
    verifier needed, and one given is ignored, as RFC 7636 servers do)."""
    if challenge is None:
        return True
    if verifier is None or _VERIFIER.fullmatch(verifier) is None:
        return False
    return equal(b64url(hashlib.sha256(verifier.encode()).digest()), challenge)


def at_hash(access_token: str) -> str:
    """OIDC Core 3.1.3.6: base64url of the left half of SHA-256 of the access token."""
    return b64url(hashlib.sha256(access_token.encode()).digest()[:16])


def oauth_access(claims: dict[str, Any], scopes: tuple[str, ...]) -> dict[str, Any]:
    """A user access token of the OAuth endpoints: the API's claims with the granted
    ``scope`` and ``version`` 2, in the order hosted-UI tokens show."""
    out: dict[str, Any] = {}
    for name, value in claims.items():
        if name == "scope":
            continue
        if name == "token_use":
            out["version"] = 2
            out[name] = value
            out["scope"] = " ".join(scopes)
            continue
        out[name] = value
    return out


def oauth_id(
    claims: dict[str, Any], scopes: tuple[str, ...], nonce: str | None, access: str
) -> dict[str, Any]:
    """A user ID token of the OAuth endpoints: ``at_hash`` first, ``nonce`` when the app
    sent one, and only the attributes the scopes reach (``openid`` alone: all the client
    reads; else ``profile``, ``email``, ``phone`` each their own)."""
    named = {"profile", "email", "phone"} & set(scopes)
    out: dict[str, Any] = {"at_hash": at_hash(access)}
    for name, value in claims.items():
        group = attribute_scope(name)
        if named and group is not None and group not in named:
            continue
        if name == "aud" and nonce is not None:
            out["nonce"] = nonce
        out[name] = value
    return out


def admin_scope(scopes: tuple[str, ...]) -> bool:
    return ADMIN_SCOPE in scopes
