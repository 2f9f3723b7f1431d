"""The OAuth 2.0 endpoints on the wire, beside the JSON API: where they answer, their forms,
and their answers (RFC 6749 JSON errors, never a stack trace), and the pool's discovery
document.

Where: at the server's root (``/oauth2/token``: the app client names the pool), under a
pool (``/<poolId>/token``, the paths discovery lists for a pool without a domain), and
under a domain (``/<domain>/oauth2/token``, so one host serves every pool). A request whose
``Host`` is a pool's domain (``<prefix>.auth.<region>.amazoncognito.com`` or a custom
domain, pointed here by /etc/hosts or a proxy) is served for that pool only; an
``amazoncognito.com`` host that is no pool's domain is 404.

DEVIATION: Cognito serves these endpoints only on a pool's domain, once it has one; here
they also answer at the root and under the pool's id, for pools with or without a domain,
so that no DNS is needed.

``ENDPOINTS`` maps an endpoint's name to its methods and entry point
(``operations.oauth2``); the hosted pages add theirs there.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import orjson

from userpool.config import is_loopback
from userpool.domain.oauth import OAuthError, discovery, prefix_host, prefix_of_host
from userpool.domain.services import Call
from userpool.errors import CognitoError, InternalErrorException, TooManyRequestsException
from userpool.operations import oauth2
from userpool.operations.oauth2 import EndpointRequest
from userpool.operations.steps.lookups import pool_of
from userpool.operations.steps.oauth import domain_members, pool_of_domain
from userpool.server.response import Response
from userpool.services import Runtime

log = logging.getLogger("userpool.server")

FORM_TYPE = "application/x-www-form-urlencoded"
JSON_UTF8 = "application/json;charset=UTF-8"
MAX_FORM = 16 << 10  # DEVIATION: Cognito's limits on these forms are unpublished
MAX_FIELDS = 32
NOT_FOUND = b'{"message":"Not Found"}'


@dataclass(frozen=True)
class Endpoint:
    """An endpoint's methods, its entry point, and its answers: ``empty`` (a bare 200,
    as revocation answers), ``bearer`` (errors also in ``WWW-Authenticate``)."""

    methods: frozenset[str]
    run: Callable[[Runtime, Call, EndpointRequest], Awaitable[dict[str, Any] | None]]
    form: bool = True  # the body is a form (POST only)
    bearer: bool = False


ENDPOINTS: dict[str, Endpoint] = {
    "token": Endpoint(frozenset({"POST"}), oauth2.token),
    "revoke": Endpoint(frozenset({"POST"}), oauth2.revoke),
    "userInfo": Endpoint(
        frozenset({"GET", "POST"}), oauth2.user_info_endpoint, form=False, bearer=True
    ),
}
_NAMES = {"userinfo": "userInfo"}  # the documented spelling is userInfo; either is served


@dataclass(frozen=True)
class Route:
    """An OAuth path: the endpoint, and the pool id or domain the path names, if any."""

    endpoint: str
    pool_id: str | None = None
    domain: str | None = None


def route(path: str) -> Route | None:
    """The route of ``path``, or None when it is no OAuth endpoint's."""
    parts = path.split("/")
    if len(parts) < 3 or parts[0]:
        return None
    name = _NAMES.get(parts[-1], parts[-1])
    if name not in ENDPOINTS:
        return None
    if len(parts) == 3 and parts[1] == "oauth2":
        return Route(name)
    if len(parts) == 3 and "_" in parts[1]:  # pool ids have one; domains never do
        return Route(name, pool_id=parts[1])
    if len(parts) == 4 and parts[2] == "oauth2" and parts[1]:
        return Route(name, domain=parts[1].lower())
    return None


class NotHere(Exception):
    """The host or path names no pool of ours: a 404."""


def _host(headers: Callable[[str], str | None]) -> str | None:
    """The request's host name (no port), or None for an address or a loopback name,
    which never name a domain."""
    host = (headers("host") or "").strip().lower()
    if not host or host.startswith("["):
        return None
    host = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    try:
        ipaddress.ip_address(host)
        return None
    except ValueError:
        pass
    return None if is_loopback(host) else host.rstrip(".")


def pool_scope(svc: Runtime, found: Route, headers: Callable[[str], str | None]) -> str | None:
    """The pool the host and path name (they must agree), or None: the server's root."""
    region = svc.settings.region
    host = _host(headers)
    named: set[str] = set()
    with svc.store.read() as tx:
        if host is not None:
            pool_id = pool_of_domain(tx, host, region)
            if pool_id is not None:
                named.add(pool_id)
            elif prefix_of_host(host, region) is not None or host.endswith(".amazoncognito.com"):
                raise NotHere
        if found.domain is not None:
            pool_id = pool_of_domain(tx, found.domain, region)
            if pool_id is None:
                raise NotHere
            named.add(pool_id)
        if found.pool_id is not None:
            try:
                named.add(pool_of(tx, found.pool_id).id)
            except CognitoError:
                raise NotHere from None
    if len(named) > 1:
        raise NotHere
    return next(iter(named), None)


def _form(headers: Callable[[str], str | None], body: bytes, query: str) -> dict[str, str]:
    """The fields of a form body, each at most once, bounded in size and number; fields
    of the query string come too (a token request with its parameters in the URL has been
    seen served by Cognito), unless the body has them."""
    content_type = (headers("content-type") or "").split(";")[0].strip().lower()
    if content_type != FORM_TYPE:
        raise _WrongType
    if len(body) > MAX_FORM or len(query) > MAX_FORM:
        raise OAuthError("invalid_request")
    try:
        pairs = parse_qsl(body.decode(), keep_blank_values=True, max_num_fields=MAX_FIELDS)
        extra = parse_qsl(query, keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except (UnicodeDecodeError, ValueError):
        raise OAuthError("invalid_request") from None
    form: dict[str, str] = {}
    for name, value in pairs:
        if name in form:  # RFC 6749 3.2: no parameter more than once
            raise OAuthError("invalid_request")
        form[name] = value
    for name, value in extra:
        form.setdefault(name, value)
    return form


class _WrongType(Exception):
    """A POST whose body is not a form: Cognito answers 405 with no body."""


def _headers(call: Call, extra: list[tuple[str, str]] | None = None) -> list[tuple[str, str]]:
    return [
        ("content-type", JSON_UTF8),
        ("x-amzn-requestid", call.request_id),
        ("x-amz-cognito-request-id", call.request_id),
        ("cache-control", "no-cache, no-store, max-age=0, must-revalidate"),
        ("pragma", "no-cache"),
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("access-control-allow-origin", "*"),
        *(extra or []),
    ]


def _error(call: Call, error: OAuthError, bearer: bool) -> Response:
    extra = []
    if bearer:
        described = f', error_description="{error.description}"' if error.description else ""
        extra.append(("www-authenticate", f'error="{error.error}"{described}'))
    return Response(error.status, _headers(call, extra), orjson.dumps(error.body()))


async def serve(
    svc: Runtime,
    call: Call,
    method: str,
    found: Route,
    headers: Callable[[str], str | None],
    body: bytes,
    query: str,
) -> Response:
    """One request to an OAuth endpoint, under the address's rate limit as the JSON API.

    DEVIATION: a request over the rate limits is 429 ``{"error": "too_many_requests"}``
    (Cognito's throttling answer here is unconfirmed); a trigger's failure is 400
    ``invalid_request`` with the trigger's message."""
    endpoint = ENDPOINTS[found.endpoint]
    try:
        svc.limiter.admit("ip", call.source_ip)
        pool_id = pool_scope(svc, found, headers)
        if method not in endpoint.methods:
            allow = ", ".join(sorted(endpoint.methods))
            return Response(405, [*_headers(call), ("allow", allow)], b"")
        form = _form(headers, body, query) if endpoint.form else {}
        request = EndpointRequest(form, headers("authorization"), pool_id)
        result = await endpoint.run(svc, call, request)
        if result is None:
            return Response(200, _headers(call), b"")
        return Response(200, _headers(call), orjson.dumps(result))
    except NotHere:
        return Response(404, _headers(call), NOT_FOUND)
    except _WrongType:
        return Response(405, _headers(call), b"")
    except OAuthError as error:
        return _error(call, error, endpoint.bearer)
    except TooManyRequestsException as exc:
        return _error(call, OAuthError("too_many_requests", 429, exc.message), False)
    except InternalErrorException:
        return _error(call, OAuthError("server_error", 500), False)
    except CognitoError as exc:
        return _error(call, OAuthError("invalid_request", 400, exc.message), endpoint.bearer)
    except Exception:
        log.exception("request %s to /oauth2/%s failed", call.request_id, found.endpoint)
        return _error(call, OAuthError("server_error", 500), False)


def openid_configuration(svc: Runtime, pool_id: str) -> dict[str, Any]:
    """The pool's discovery document: its endpoints on its domain (the custom one when it
    has both), else on its own paths here; issuer and keys on this server either way.

    DEVIATION: which domain Cognito lists when a pool has both is unconfirmed."""
    with svc.store.read() as tx:
        domains = domain_members(tx, pool_id)
    host = domains.get("CustomDomain")
    if host is None and "Domain" in domains:
        host = prefix_host(domains["Domain"], svc.settings.region)
    return discovery(svc.settings.issuer(pool_id), None if host is None else f"https://{host}")
