"""A minimal asyncio HTTP/1.1 client for trigger calls, and the webhook invoker.

Written on ``asyncio.open_connection`` so a slow or hung endpoint is cancelled by the
caller's timeout without tying up a thread, a worker or a database transaction.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

import orjson


class HTTPError(Exception):
    """The endpoint could not be reached, or answered something unreadable; ``retriable``:
    whether asking again may succeed (not for a function that does not exist)."""

    def __init__(self, message: str, retriable: bool = True) -> None:
        super().__init__(message)
        self.retriable = retriable


async def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    """POST ``body`` to ``url``; returns (status, lower-cased headers, body)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise HTTPError(f"unsupported URL scheme in {url!r}")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        reader, writer = await asyncio.open_connection(
            parts.hostname, port, ssl=parts.scheme == "https"
        )
    except OSError as exc:
        raise HTTPError(f"connection failed: {exc}") from exc
    try:
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        head = [
            f"POST {path} HTTP/1.1",
            f"Host: {parts.netloc}",
            "Connection: close",
            f"Content-Length: {len(body)}",
        ]
        head += [f"{k}: {v}" for k, v in headers.items()]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
        await writer.drain()
        return _parse(await reader.read())
    finally:
        writer.close()


def _parse(raw: bytes) -> tuple[int, dict[str, str], bytes]:
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep:
        raise HTTPError("incomplete HTTP response")
    lines = head.decode("latin-1").split("\r\n")
    try:
        status = int(lines[0].split()[1])
    except (IndexError, ValueError):
        raise HTTPError("malformed HTTP status line") from None
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        try:
            body = _dechunk(body)
        except ValueError:
            raise HTTPError("malformed chunked body") from None
    return status, headers, body


def _dechunk(data: bytes) -> bytes:
    out = b""
    while data:
        size_line, _, rest = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out += rest[:size]
        data = rest[size + 2 :]
    return out


class FunctionError(Exception):
    """The function ran and failed; ``message`` is its error message."""


class WebhookInvoker:
    """POST the event JSON; a 2xx answer's JSON is the function's output."""

    def __init__(self, url: str) -> None:
        self.url = url

    async def invoke(self, event: dict[str, Any]) -> bytes:
        status, _, body = await post(
            self.url, orjson.dumps(event), {"Content-Type": "application/json"}
        )
        if status >= 500:
            raise HTTPError(f"webhook answered {status}")
        if status >= 400:
            raise FunctionError(_error_message(body) or f"HTTP {status}")
        return body


def _error_message(body: bytes) -> str | None:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return body.decode("utf-8", "replace").strip() or None
    if isinstance(data, dict):
        for key in ("errorMessage", "message", "error"):
            if isinstance(data.get(key), str):
                return str(data[key])
    return None
