"""OAuth 2.0 rules, pure: pools' domains (prefix and custom), custom scopes of resource
servers, app clients' OAuth settings, the token endpoint's errors, and the claims of
client-credentials access tokens, userInfo answers and the discovery document."""

from __future__ import annotations

import secrets
import string
import time
import uuid
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import regex

from userpool.errors import (
    BAD_CUSTOM_DOMAIN,
    BAD_DOMAIN,
    BAD_REDIRECT_URL,
    CALLBACK_NEEDED,
    CLIENT_CREDENTIALS_ALONE,
    CLIENT_CREDENTIALS_SECRET,
    DEFAULT_REDIRECT_NOT_CALLBACK,
    NO_PROVIDER,
    NO_SCOPE,
    NOT_WITH_CLIENT_CREDENTIALS,
    RESERVED_DOMAIN_WORD,
    InvalidOAuthFlowException,
    InvalidParameterException,
    ScopeDoesNotExistException,
)

ADMIN_SCOPE = "aws.cognito.signin.user.admin"
STANDARD_SCOPES = ("phone", "email", "openid", "profile", ADMIN_SCOPE)
RESERVED_WORDS = ("aws", "amazon", "cognito")
HOSTED_BASE = "amazoncognito.com"  # prefix domains are <prefix>.auth.<region>.<this>
_LABEL = regex.compile(r"[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?")
_LOOPBACK = ("localhost", "127.0.0.1", "::1")
# The airport code in the S3 bucket of a domain's assets (DescribeUserPoolDomain).
_AIRPORTS = {
    "us-east-1": "iad",
    "us-east-2": "cmh",
    "us-west-1": "sfo",
    "us-west-2": "pdx",
    "eu-west-1": "dub",
    "eu-west-2": "lhr",
    "eu-central-1": "fra",
    "ap-northeast-1": "nrt",
    "ap-southeast-1": "sin",
    "ap-southeast-2": "syd",
}
_PROFILE = (
    "name",
    "family_name",
    "given_name",
    "middle_name",
    "nickname",
    "preferred_username",
    "profile",
    "picture",
    "website",
    "gender",
    "birthdate",
    "zoneinfo",
    "locale",
    "updated_at",
)


class OAuthError(Exception):
    """An RFC 6749 error of an OAuth endpoint: ``error`` (``invalid_client`` ...), the HTTP
    status, and an optional ``error_description``."""

    def __init__(self, error: str, status: int = 400, description: str | None = None) -> None:
        super().__init__(error)
        self.error, self.status, self.description = error, status, description

    def body(self) -> dict[str, str]:
        out = {"error": self.error}
        if self.description:
            out["error_description"] = self.description
        return out


# -- domains ---------------------------------------------------------------------------------
def check_prefix(domain: str) -> None:
    """A prefix domain: 1-63 lower-case letters, digits and inner hyphens, with none of
    Cognito's reserved words anywhere in it."""
    if _LABEL.fullmatch(domain) is None:
        raise InvalidParameterException(BAD_DOMAIN)
    for word in RESERVED_WORDS:
        if word in domain:
            raise InvalidParameterException(RESERVED_DOMAIN_WORD.format(word))


def check_custom(domain: str) -> None:
    """A custom domain: a host name of at least two labels, each like a prefix domain.

    DEVIATION: Cognito checks the name's parent in DNS and its certificate in ACM; we check
    neither, only the name's form."""
    labels = domain.split(".")
    if len(domain) > 253 or len(labels) < 2 or not all(_LABEL.fullmatch(x) for x in labels):
        raise InvalidParameterException(BAD_CUSTOM_DOMAIN.format(domain))


def prefix_host(prefix: str, region: str) -> str:
    """The host name of a prefix domain."""
    return f"{prefix}.auth.{region}.{HOSTED_BASE}"


def prefix_of_host(host: str, region: str) -> str | None:
    """The prefix a ``<prefix>.auth.<region>.amazoncognito.com`` host names, else None."""
    suffix = f".auth.{region}.{HOSTED_BASE}"
    if host.endswith(suffix) and "." not in host[: -len(suffix)]:
        return host[: -len(suffix)] or None
    return None


def cloudfront_name() -> str:
    """A distribution host name like CloudFront's (``d`` and 13 characters)."""
    alphabet = string.ascii_lowercase + string.digits
    return "d" + "".join(secrets.choice(alphabet) for _ in range(13)) + ".cloudfront.net"


def assets_bucket(region: str) -> str:
    """The S3 bucket DescribeUserPoolDomain names. DEVIATION: the airport codes of regions
    other than us-east-1 (iad) and us-west-2 (pdx) are inferred; elsewhere the region."""
    return f"aws-cognito-prod-{_AIRPORTS.get(region, region)}-assets"


def domain_version(now: float) -> str:
    """A domain's ``Version``: its creation or update time as ``yyyyMMddHHmmss`` (UTC)."""
    return time.strftime("%Y%m%d%H%M%S", time.gmtime(now))


# -- scopes and app clients' settings --------------------------------------------------------
def custom_scope(scope: str) -> tuple[str, str] | None:
    """(resource server identifier, scope name) of ``<identifier>/<name>``, else None (a
    scope name has no ``/``; an identifier may, e.g. ``https://api.example.com``)."""
    identifier, slash, name = scope.rpartition("/")
    return (identifier, name) if slash and identifier and name else None


def scope_strings(identifier: str, scopes: Iterable[dict[str, str]]) -> list[str]:
    return [f"{identifier}/{s['ScopeName']}" for s in scopes]


def check_url(url: str, member: str) -> None:
    """A callback or sign-out URL: absolute, no fragment; HTTPS, except plain HTTP on a
    loopback host (any port) and an app's own scheme (``myapp://callback``)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        raise InvalidParameterException(BAD_REDIRECT_URL.format(member, url)) from None
    scheme = parts.scheme.lower()
    ok = bool(scheme) and "#" not in url and bool(parts.netloc or parts.path)
    if scheme == "https":
        ok = ok and bool(host)
    elif scheme == "http":
        ok = ok and host in _LOOPBACK
    if not ok:
        raise InvalidParameterException(BAD_REDIRECT_URL.format(member, url))


def check_client_settings(
    config: dict[str, Any], has_secret: bool, scopes: set[str], pool_id: str
) -> None:
    """An app client's OAuth settings (CreateUserPoolClient, UpdateUserPoolClient) as
    Cognito checks them; ``scopes`` are the pool's custom scopes. The settings are kept
    whatever AllowedOAuthFlowsUserPoolClient says (the endpoints read that flag).

    DEVIATION: the order of these checks is Cognito's unknown one; identity providers
    other than COGNITO are refused, since this server has none."""
    for provider in config.get("SupportedIdentityProviders") or []:
        if provider != "COGNITO":
            raise InvalidParameterException(NO_PROVIDER.format(provider, pool_id))
    callbacks = list(config.get("CallbackURLs") or [])
    for member, urls in (("CallbackURLs", callbacks), ("LogoutURLs", config.get("LogoutURLs"))):
        for url in urls or []:
            check_url(url, member)
    default = config.get("DefaultRedirectURI")
    if default is not None:
        check_url(default, "DefaultRedirectURI")
        if default not in callbacks:
            raise InvalidParameterException(DEFAULT_REDIRECT_NOT_CALLBACK)
    allowed = list(config.get("AllowedOAuthScopes") or [])
    for scope in allowed:
        if scope not in STANDARD_SCOPES and scope not in scopes:
            raise ScopeDoesNotExistException(NO_SCOPE.format(scope))
    flows = set(config.get("AllowedOAuthFlows") or [])
    if "client_credentials" in flows:
        if flows & {"code", "implicit"}:
            raise InvalidOAuthFlowException(CLIENT_CREDENTIALS_ALONE)
        if not has_secret:
            raise InvalidOAuthFlowException(CLIENT_CREDENTIALS_SECRET)
        for scope in allowed:
            if scope in STANDARD_SCOPES:
                raise InvalidOAuthFlowException(NOT_WITH_CLIENT_CREDENTIALS.format(scope))
    elif flows & {"code", "implicit"} and not callbacks:
        raise InvalidOAuthFlowException(CALLBACK_NEEDED)


def oauth_client(config: dict[str, Any]) -> bool:
    """Whether the OAuth endpoints serve the client (AllowedOAuthFlowsUserPoolClient)."""
    return bool(config.get("AllowedOAuthFlowsUserPoolClient"))


def client_credentials_scopes(
    requested: str | None, allowed: list[str], active: set[str]
) -> list[str]:
    """The scopes a client-credentials token carries: those requested (all the client's
    custom scopes when none are), each of which the client must be allowed (else
    ``invalid_scope``); a scope its resource server no longer has is dropped.

    DEVIATION: when nothing is left to grant, ``invalid_scope`` (Cognito's answer is
    unconfirmed)."""
    custom = [s for s in allowed if custom_scope(s) is not None]
    wanted = list(dict.fromkeys(requested.split())) if requested and requested.strip() else custom
    for scope in wanted:
        if scope not in custom:
            raise OAuthError("invalid_scope")
    granted = [s for s in wanted if s in active]
    if not granted:
        raise OAuthError("invalid_scope")
    return granted


# -- tokens and answers ----------------------------------------------------------------------
def client_credentials_claims(
    client_id: str, issuer: str, scopes: list[str], now: int, ttl: int
) -> dict[str, Any]:
    """A machine-to-machine access token: the app client is its subject; no user claims.

    DEVIATION: the claim set (``auth_time``, ``version``) and order follow tokens shown in
    public posts; Cognito does not document it whole."""
    return {
        "sub": client_id,
        "token_use": "access",
        "scope": " ".join(scopes),
        "auth_time": now,
        "iss": issuer,
        "exp": now + ttl,
        "iat": now,
        "version": 2,
        "jti": str(uuid.uuid4()),
        "client_id": client_id,
    }


def attribute_scope(name: str) -> str | None:
    """The OAuth scope that reaches attribute ``name`` (besides ``openid``), if any."""
    if name in ("email", "email_verified"):
        return "email"
    if name in ("phone_number", "phone_number_verified"):
        return "phone"
    if name in _PROFILE or name.startswith("custom:"):
        return "profile"
    return None


def user_info(
    sub: str, username: str, readable: dict[str, str], scopes: list[str]
) -> dict[str, Any]:
    """userInfo's answer: ``sub``, the attributes the scopes reach (``openid`` alone: every
    attribute the client reads; else ``profile``, ``email``, ``phone`` each their own),
    ``username``; the ``*_verified`` values stay strings, as Cognito sends them."""
    named = {"profile", "email", "phone"} & set(scopes)
    out: dict[str, Any] = {"sub": sub}
    for name, value in readable.items():
        if name == "sub":
            continue
        if named and attribute_scope(name) not in named:
            continue
        out[name] = value
    out["username"] = username
    return out


def discovery(issuer: str, endpoints: str | None) -> dict[str, Any]:
    """The pool's OpenID configuration: the endpoints on ``endpoints`` (a domain's
    ``https://host``), else on the pool's own paths under the issuer; the issuer and
    ``jwks_uri`` always on the issuer's server. Keys in alphabetical order, as Cognito's."""
    if endpoints is None:
        paths = {k: f"{issuer}/{k}" for k in ("authorize", "logout", "revoke", "token")}
        paths["userInfo"] = f"{issuer}/userInfo"
    else:
        paths = {k: f"{endpoints}/oauth2/{k}" for k in ("authorize", "revoke", "token")}
        paths["userInfo"] = f"{endpoints}/oauth2/userInfo"
        paths["logout"] = f"{endpoints}/logout"
    return {
        "authorization_endpoint": paths["authorize"],
        "end_session_endpoint": paths["logout"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "issuer": issuer,
        "jwks_uri": f"{issuer}/.well-known/jwks.json",
        "response_types_supported": ["code", "token"],
        "revocation_endpoint": paths["revoke"],
        "scopes_supported": ["openid", "email", "phone", "profile"],
        "subject_types_supported": ["public"],
        "token_endpoint": paths["token"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "userinfo_endpoint": paths["userInfo"],
    }
