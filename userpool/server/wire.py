"""The wire: one ``dispatch`` from (method, path, headers, body) to a response.

It checks the content type, splits ``X-Amz-Target``, parses JSON, validates against
the model, calls the operation and renders every outcome — success, a Cognito error,
or an unexpected failure (logged with its request id, answered as a bare
``InternalErrorException``) — with ``x-amzn-RequestId`` and CORS headers.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import orjson

from userpool import access_keys, bridge
from userpool.domain.ids import new_request_id
from userpool.domain.services import Call
from userpool.errors import (
    CognitoError,
    InternalErrorException,
    InternalServerException,
    SerializationException,
    UnknownOperationException,
    UnsupportedMediaTypeException,
)
from userpool.model import operation_named, operations
from userpool.model.redact import format_failure, hidden_values
from userpool.operations import handler_of, run
from userpool.operations.steps.lookups import pool_of
from userpool.server import oauth, pages, request_log, sigv4, uploads
from userpool.server.address import caller
from userpool.server.dev_messages import answer_messages, serves_messages
from userpool.server.response import Response
from userpool.services import Runtime

log = logging.getLogger("userpool.server")

JSON_TYPE = "application/x-amz-json-1.1"
_ACCEPTED_TYPES = ("application/x-amz-json-1.1", "application/x-amz-json-1.0", "application/json")
ALLOW_HEADERS = (
    "content-type, x-amz-target, x-amz-user-agent, cache-control, amz-sdk-invocation-id, "
    "amz-sdk-request, authorization, x-amz-date, x-amz-security-token, x-amz-content-sha256, "
    "x-amz-api-version, user-agent"
)
CORS = [
    ("access-control-allow-origin", "*"),
    ("access-control-expose-headers", "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date"),
]


def _headers(
    request_id: str, content_type: str = JSON_TYPE, cors: bool = True
) -> list[tuple[str, str]]:
    """An answer's headers. DEVIATION: answers to signed (administrative) operations carry
    no CORS headers (``cors=False``), with or without --dev, so no web page can read them;
    the preflight and the public operations keep them. Cognito allows any origin on all."""
    if not cors:
        return [("content-type", content_type), ("x-amzn-requestid", request_id)]
    return [("content-type", content_type), ("x-amzn-requestid", request_id), *CORS]


def _header_safe(text: str) -> str:
    return text.encode("ascii", "replace").decode().replace("\r", " ").replace("\n", " ")


def error_response(error: CognitoError, request_id: str, cors: bool = True) -> Response:
    """The one renderer of errors: body ``__type``/``message`` and ``x-amzn-ErrorType``.

    DEVIATION: every client error is 400 (as live Cognito answers), not Smithy's 403/404/429.
    """
    headers = _headers(request_id, cors=cors)
    headers.append(("x-amzn-errortype", f"{error.code}:"))
    headers.append(("x-amzn-errormessage", _header_safe(error.message)[:1024]))
    return Response(error.status, headers, orjson.dumps(error.body()))


def _preflight(request_id: str) -> Response:
    headers = _headers(request_id)
    headers += [
        ("access-control-allow-methods", "POST, GET, OPTIONS"),
        ("access-control-allow-headers", ALLOW_HEADERS),
        ("access-control-max-age", "86400"),
    ]
    return Response(200, headers, b"")


MAX_BODY = 1 << 20  # DEVIATION: Cognito's request size limit is unpublished; 1 MiB here.


def body_too_large() -> CognitoError:
    """The answer to a body over ``MAX_BODY`` (here, and in the HTTP server's reading)."""
    return SerializationException(f"The request body is larger than {MAX_BODY} bytes.")


def _parse(headers: Callable[[str], str | None], body: bytes) -> tuple[str, dict[str, Any]]:
    """(operation name, request dict), or the protocol error that stops the request."""
    content_type = (headers("content-type") or "").split(";")[0].strip().lower()
    if content_type not in _ACCEPTED_TYPES:
        raise UnsupportedMediaTypeException(
            f"Unsupported content type '{content_type}'; expected {JSON_TYPE}."
        )
    if len(body) > MAX_BODY:
        raise body_too_large()
    target = headers("x-amz-target") or ""
    name = operation_named(target)
    if not name:
        raise UnknownOperationException(f"Unknown operation '{target}'.")
    try:
        request = orjson.loads(body or b"{}")
    except orjson.JSONDecodeError:
        raise SerializationException("The request body is not valid JSON.") from None
    if not isinstance(request, dict):
        raise SerializationException("Start of structure or map found where not expected.")
    return name, request


async def well_known(
    svc: Runtime, call: Call, path: str, query: str = "", head: bool = False
) -> Response:
    """``/health``, and per pool ``/.well-known/jwks.json``, ``openid-configuration``
    (``oauth.openid_configuration``) and
    the one-click ``auth-event-feedback`` page of threat-protection notices (which a HEAD,
    as link checkers and mail scanners send, never submits)."""
    request_id = call.request_id
    headers = _headers(request_id, "application/json")
    if path == "/health":
        return Response(200, headers, b'{"status":"ok"}')
    parts = path.strip("/").split("/")
    if len(parts) == 2 and parts[1] == "auth-event-feedback":
        if head:
            return Response(200, _headers(request_id, "text/plain; charset=utf-8"), b"")
        return await _feedback_page(svc, call, parts[0], query)
    if len(parts) == 3 and parts[1] == ".well-known":
        try:
            with svc.store.read() as tx:
                pool_of(tx, parts[0])
        except CognitoError as error:
            return error_response(error, request_id)
        if parts[2] == "jwks.json":
            keys = await svc.keys.keys(parts[0])
            return Response(200, headers, orjson.dumps({"keys": keys.jwks}))
        if parts[2] == "openid-configuration":
            document = oauth.openid_configuration(svc, parts[0])
            return Response(200, headers, orjson.dumps(document))
    return Response(404, headers, b'{"message":"Not Found"}')


async def _feedback_page(svc: Runtime, call: Call, pool_id: str, query: str) -> Response:
    """A notice's feedback link: UpdateAuthEventFeedback from its query, a plain answer."""
    args = {k: v[0] for k, v in parse_qs(query).items()}
    headers = _headers(call.request_id, "text/plain; charset=utf-8")
    request = {
        "UserPoolId": pool_id,
        "Username": args.get("username", ""),
        "EventId": args.get("event_id", ""),
        "FeedbackToken": args.get("token", ""),
        "FeedbackValue": args.get("value", ""),
    }
    try:
        await run(svc, call, "UpdateAuthEventFeedback", request)
    except CognitoError as error:
        return Response(400, headers, f"{error.code}: {error.message}\n".encode())
    return Response(200, headers, b"Thank you: your feedback was recorded.\n")


async def dispatch(
    svc: Runtime,
    method: str,
    path: str,
    headers: Callable[[str], str | None],
    body: bytes,
    query: str = "",
    peer: str | None = None,
    upload: uploads.Upload | None = None,
) -> Response:
    """The response to one request from ``peer`` (the connection's address); on a store
    across the network the whole request runs inside ``bridge.run``, so its waits for the
    database let other requests run. With ``--access-log`` or at DEBUG it is logged
    (``request_log``). ``upload``: the body of an import job's CSV, which our HTTP server
    streamed to a file (``uploads``) instead of ``body``."""
    work = _dispatch(svc, method, path, headers, body, query, peer, upload)
    if not request_log.wanted(svc.settings):
        return await (bridge.run(work) if svc.store.remote else work)
    started = time.perf_counter()
    response = await (bridge.run(work) if svc.store.remote else work)
    request_log.record(method, path, headers, body, response, started)
    return response


async def _dispatch(
    svc: Runtime,
    method: str,
    path: str,
    headers: Callable[[str], str | None],
    body: bytes,
    query: str,
    peer: str | None,
    upload: uploads.Upload | None = None,
) -> Response:
    request_id = new_request_id()
    if method == "OPTIONS":
        return _preflight(request_id)
    call = Call(request_id, caller(peer, headers, svc.settings.trusted_proxy))
    if upload is not None or uploads.claims(method, path):  # an import job's CSV, as to S3
        return await uploads.receive(svc, call, path, query, headers, body, upload)
    page = pages.route(path)
    if page is not None:  # /oauth2/authorize and the hosted pages (server/pages.py)
        return await pages.serve(svc, call, method, page[0], page[1], headers, body, query)
    found = oauth.route(path)
    if found is not None:  # an OAuth endpoint (server/oauth.py)
        return await oauth.serve(svc, call, method, found, headers, body, query)
    # DEVIATION: HEAD is answered as GET without the body (a feedback link is not submitted).
    if method in ("GET", "HEAD"):
        try:
            if path != "/health":  # a constant answer; a load balancer's probes must pass
                svc.limiter.admit("ip", call.source_ip)
        except CognitoError as error:
            return error_response(error, request_id)
        if serves_messages(svc.settings, path):  # --dev only: the outbox for tests
            return answer_messages(svc, request_id, path, query, headers, method == "HEAD")
        return await well_known(svc, call, path, query, method == "HEAD")
    name = ""  # the operation, once parsed
    request: dict[str, Any] = {}  # for the failure log, should the request fail before parsing
    signed = False  # a signed operation's answers carry no CORS headers (``_headers``)
    try:
        if method != "POST" or path not in ("/", ""):
            raise UnknownOperationException(f"No operation at {method} {path}.")
        svc.limiter.admit("ip", call.source_ip)
        name, request = _parse(headers, body)
        signed = operations()[name].signed
        if signed:
            handler_of(name)  # an operation we do not serve says so before the signature
            _verify(svc, method, path, query, headers, body)
            call.signed = True
        result = await run(svc, call, name, request)
        return Response(200, _headers(request_id, cors=not signed), orjson.dumps(result))
    except CognitoError as error:
        return error_response(error, request_id, cors=not signed)
    except Exception as exc:
        # The traceback (Python prints no locals) without the request's sensitive values,
        # which an exception's message may quote.
        trace = format_failure(exc, hidden_values(name, request))
        log.error("request %s failed: %s", request_id, trace)
        return error_response(internal_error(name), request_id, cors=not signed)


def internal_error(name: str) -> InternalErrorException:
    """The unexpected failure of operation ``name`` under the code it declares: the
    client-secret operations declare ``InternalServerException``, all others
    ``InternalErrorException``."""
    model = operations().get(name)
    if model is not None and "InternalServerException" in model.errors:
        return InternalServerException()
    return InternalErrorException()


def _verify(
    svc: Runtime,
    method: str,
    path: str,
    query: str,
    headers: Callable[[str], str | None],
    body: bytes,
) -> None:
    """Check a signed operation's SigV4 signature. --dev takes any credentials, but not
    from a web page (a browser sends Origin): a page open on the developer's machine cannot
    run signed operations on it."""
    if svc.settings.dev and headers("origin") is None:
        return
    sigv4.verify(
        method,
        path,
        query,
        headers,
        body,
        lambda key_id: access_keys.secret_of(svc, key_id),
        datetime.now(UTC),
        svc.settings.region,
    )
