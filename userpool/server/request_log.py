"""Request logging for ``wire.dispatch``, on the ``userpool.access`` logger.

- Above INFO (``--log-level warning``): nothing is logged and nothing is measured; the
  request costs one ``isEnabledFor`` check more than a bare ``dispatch``.
- INFO with ``--access-log``: one line per request, no bodies:
  ``op=ConfirmSignUp status=400 error=CodeMismatchException ms=3.1 id=<request id>``.
- DEBUG (``--log-level debug``): the access line, then the request and response bodies,
  masked by ``model.redact`` (sensitive members show ``***``; an error's message has the
  request's hidden values cut out). Bodies are parsed again and masked only here, so
  the cost of masking is paid only at DEBUG.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import orjson

from userpool.config import Settings
from userpool.model import operation_named
from userpool.model.redact import mask_request, mask_response, scrub
from userpool.server.response import Response

log = logging.getLogger("userpool.access")


def set_level(settings: Settings) -> None:
    """Set the level of the ``userpool`` loggers only: other libraries' debug output
    (SQL drivers, HTTP clients, trigger payloads) is not masked, so it stays at INFO."""
    logging.getLogger("userpool").setLevel(settings.log_level.upper())


def _operation(method: str, path: str, headers: Callable[[str], str | None]) -> str:
    """The operation's wire name; a path for other routes; ``unknown`` for anything else."""
    if method != "POST" or path not in ("/", ""):
        return f"{method}:{ascii(path[:200])[1:-1]}"  # escaped: the path is the caller's text
    return operation_named(headers("x-amz-target") or "") or "unknown"


def wanted(settings: Settings) -> bool:
    """Whether requests are logged: at DEBUG, or with ``--access-log`` at INFO."""
    # DEBUG enabled implies INFO enabled: one check either way.
    return log.isEnabledFor(logging.INFO if settings.access_log else logging.DEBUG)


def record(
    method: str,
    path: str,
    headers: Callable[[str], str | None],
    body: bytes,
    response: Response,
    started: float,
) -> None:
    """The access line of an answered request (and at DEBUG its masked bodies)."""
    elapsed = (time.perf_counter() - started) * 1000
    operation = _operation(method, path, headers)
    request_id = error = "-"
    for name, value in response.headers:
        if name == "x-amzn-requestid":
            request_id = value
        elif name == "x-amzn-errortype":
            error = value.rstrip(":")
    log.info(
        "op=%s status=%d error=%s ms=%.2f id=%s",
        operation,
        response.status,
        error,
        elapsed,
        request_id,
    )
    # Only the JSON API's bodies: an OAuth endpoint's form and answer hold secrets and tokens
    # no model masks.
    if method == "POST" and path in ("/", "") and log.isEnabledFor(logging.DEBUG):
        try:
            _log_bodies(operation, body, response, request_id)
        except Exception as exc:  # logging a request must never cost its answer
            log.debug("bodies id=%s not shown: %s", request_id, type(exc).__name__)


def _log_bodies(operation: str, body: bytes, response: Response, request_id: str) -> None:
    hidden: list[str] = []
    try:
        request: Any = orjson.loads(body or b"{}")
    except orjson.JSONDecodeError:
        request = None
    if isinstance(request, dict):
        shown = orjson.dumps(mask_request(operation, request, hidden)).decode()
    else:
        shown = f"({len(body)} bytes, not a JSON object: not shown)"
    log.debug("request id=%s op=%s body=%s", request_id, operation, shown)
    try:
        answer: Any = orjson.loads(response.body or b"{}")
    except orjson.JSONDecodeError:
        answer = None
    if not isinstance(answer, dict):
        shown = f"({len(response.body)} bytes: not shown)"
    elif response.status == 200:
        shown = orjson.dumps(mask_response(operation, answer)).decode()
    else:  # an error: its code, and its message without any value the request hid
        message = answer.get("message")
        if isinstance(message, str):
            answer["message"] = scrub(message, hidden)
        shown = orjson.dumps(answer).decode()
    log.debug("response id=%s op=%s body=%s", request_id, operation, shown)
