"""The outbox over HTTP, with ``--dev`` only: ``GET /_userpool/messages`` answers the recent
messages as JSON with their code parsed out, so tests in any language read codes without
our command line; ``/_userpool/messages.html`` (or the same path asked for ``text/html``)
lists them as a page.

Without ``--dev`` nothing here is reachable: ``serves_messages`` is false and the paths answer as
any unknown path does. With it, the answer is still refused to a ``Host`` that is not
loopback (a page whose name was rebound to 127.0.0.1 must not read codes), carries no CORS
headers (no other origin's page may read it), and the query is bounded: known names only,
each once, values short and free of control characters, at most ``MAX_LIMIT`` messages.
The store filters with parameters; nothing from the query becomes SQL.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import orjson

from userpool.config import Settings, is_loopback
from userpool.domain.entities import Message
from userpool.server.response import Response
from userpool.services import Runtime

JSON_PATH = "/_userpool/messages"
HTML_PATH = "/_userpool/messages.html"
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_VALUE = 2048  # characters of one filter (Cognito's longest attribute value)
MAX_QUERY = 8192  # characters of the whole query string
# query name -> the store's filter
FILTERS = {"to": "destination", "pool": "pool_id", "user": "username"}
_CODE = re.compile(r"(?<![0-9A-Za-z_])[0-9]{6}(?![0-9A-Za-z_])")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_COMMON = [
    ("cache-control", "no-store"),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
]
_PAGE_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


class _Refused(Exception):
    """A request this endpoint answers with ``status`` and a plain message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def serves_messages(settings: Settings, path: str) -> bool:
    """Whether ``path`` is this endpoint's and the server runs with ``--dev``."""
    return settings.dev and path in (JSON_PATH, HTML_PATH)


def code_in(text: str | None) -> str | None:
    """The code in a message's text: its last run of exactly six digits standing alone
    (Cognito's codes are six digits; the default texts end with the code)."""
    found = _CODE.findall(text or "")
    return str(found[-1]) if found else None


def answer_messages(
    svc: Runtime,
    request_id: str,
    path: str,
    query: str,
    headers: Callable[[str], str | None],
    head: bool = False,
) -> Response:
    """The messages that match the query, as JSON or as a page (``head``: no body)."""
    accept = (headers("accept") or "").lower()
    page = path == HTML_PATH or ("text/html" in accept and "application/json" not in accept)
    try:
        if not _loopback_host(headers("host")):
            raise _Refused(403, "The messages are served only to a loopback Host.")
        limit, filters = _query(query, blank_ignored=page)
        found = svc.store.recent_messages(limit, **filters)
    except _Refused as refused:
        return _refusal(request_id, page, refused, head)
    if page:
        body = _page(found, query_values(query)).encode()
        kind = "text/html; charset=utf-8"
        extra = [("content-security-policy", _PAGE_POLICY)]
    else:
        body = orjson.dumps({"messages": [_as_json(m) for m in found]})
        kind, extra = "application/json", []
    return Response(200, _headers(request_id, kind, path) + extra, b"" if head else body)


def _headers(request_id: str, kind: str, path: str) -> list[tuple[str, str]]:
    vary = [("vary", "accept")] if path == JSON_PATH else []
    return [("content-type", kind), ("x-amzn-requestid", request_id), *_COMMON, *vary]


def _refusal(request_id: str, page: bool, refused: _Refused, head: bool) -> Response:
    if page:
        kind, body = "text/plain; charset=utf-8", f"{refused.message}\n".encode()
    else:
        kind, body = "application/json", orjson.dumps({"message": refused.message})
    headers = _headers(request_id, kind, JSON_PATH)
    return Response(refused.status, headers, b"" if head else body)


def _loopback_host(host: str | None) -> bool:
    """Whether the request names this server by a loopback name or address."""
    if not host or _CONTROL.search(host):
        return False
    try:
        return is_loopback(urlsplit(f"//{host}").hostname)
    except ValueError:
        return False


def _pairs(query: str) -> list[tuple[str, str]]:
    if len(query) > MAX_QUERY:
        raise _Refused(400, f"The query string is longer than {MAX_QUERY} characters.")
    try:
        return parse_qsl(query, keep_blank_values=True, errors="strict", max_num_fields=10)
    except ValueError:
        raise _Refused(400, "The query string is not valid.") from None


def _query(query: str, blank_ignored: bool = False) -> tuple[int, dict[str, str]]:
    """(limit, the store's filters) from the query, or the reason to refuse it. A blank
    value is refused (a test that forgot to fill in its pool must not see every pool's
    messages), except from the page's form (``blank_ignored``), which sends every field."""
    limit = DEFAULT_LIMIT
    filters: dict[str, str] = {}
    seen: set[str] = set()
    for name, value in _pairs(query):
        if name not in (*FILTERS, "limit"):
            raise _Refused(400, f"Unknown parameter '{name[:40]}': use to, pool, user, limit.")
        if name in seen:
            raise _Refused(400, f"Parameter '{name}' is given more than once.")
        seen.add(name)
        if blank_ignored and not value:
            continue
        if not value or len(value) > MAX_VALUE or _CONTROL.search(value):
            raise _Refused(
                400, f"Parameter '{name}' must have 1 to {MAX_VALUE} printable characters."
            )
        if name == "limit":
            if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= MAX_LIMIT:
                raise _Refused(400, f"Parameter 'limit' must be a whole number, 1 to {MAX_LIMIT}.")
            limit = int(value)
        else:
            # "+" unencoded in a query reads as a space; neither an address nor a phone
            # number has one, so ``to=+15555550100`` and ``to=a+b@x`` find what they mean.
            filters[FILTERS[name]] = value.replace(" ", "+") if name == "to" else value
    return limit, filters


def query_values(query: str) -> dict[str, str]:
    """The filters the page's form shows again (the query was accepted, so it parses)."""
    return dict(_pairs(query))


def _time(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


def _as_json(m: Message) -> dict[str, Any]:
    return {
        "id": m.id,
        "time": _time(m.created),
        "pool": m.pool_id,
        "user": m.username,
        "medium": m.medium,
        "destination": m.destination,
        "subject": m.subject,
        "text": m.body,
        "code": code_in(m.body),
        "status": m.status,
    }


_STYLE = (
    "body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse}"
    "td,th{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top}"
    ".code{font-family:monospace;font-size:1.2em}form{margin-bottom:1em}"
)
_COLUMNS = ("Time (UTC)", "Pool", "User", "Medium", "To", "Subject", "Code", "Text", "Status")


def _page(messages: list[Message], values: dict[str, str]) -> str:
    """The page: a filter form and a row per message, every value HTML-escaped."""

    def e(value: object) -> str:
        return html.escape("" if value is None else str(value), quote=True)

    fields = "".join(
        f'<label>{name} <input name="{name}" value="{e(values.get(name, ""))}"></label> '
        for name in (*FILTERS, "limit")
    )
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td>{cell}</td>"
            for cell in (
                e(_time(m.created)),
                e(m.pool_id),
                e(m.username),
                e(m.medium),
                e(m.destination),
                e(m.subject),
                f'<span class="code">{e(code_in(m.body))}</span>',
                e(m.body) if m.body is not None else "<i>(text not kept)</i>",
                e(m.status),
            )
        )
        + "</tr>"
        for m in messages
    )
    if not rows:
        rows = f'<tr><td colspan="{len(_COLUMNS)}">No messages.</td></tr>'
    head = "".join(f"<th>{c}</th>" for c in _COLUMNS)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>userpool messages</title><style>{_STYLE}</style></head><body>"
        f'<h1>Messages</h1><form method="get" action="{HTML_PATH}">{fields}'
        '<button type="submit">Show</button></form>'
        f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></body></html>\n"
    )
