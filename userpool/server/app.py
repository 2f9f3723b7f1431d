"""Adapters from granian's RSGI and from ASGI to ``wire.dispatch``; services built per worker.

``userpool serve``'s rule holds here too: ``--dev`` (``USERPOOL_DEV``) is refused unless
``USERPOOL_HOST`` is loopback, and a --dev app answers 403 to any request that reached it
on an address that is not loopback (the outer server may bind wider than USERPOOL_HOST).
What ``userpool serve`` announces at start (``USERPOOL_PASSWORD_HASHING=fast``) each
worker logs as a warning when it builds its services.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from userpool.config import Settings, from_env, is_loopback, refusal, warnings
from userpool.server.request_log import set_level
from userpool.server.response import Response
from userpool.server.wire import dispatch
from userpool.services import Runtime, build_services

log = logging.getLogger("userpool.server")

_OFF_LOOPBACK = Response(
    403,
    [("content-type", "application/json")],
    b'{"message":"This development server answers on loopback only."}',
)


class App:
    """An RSGI application (granian) that is also an ASGI one (uvicorn and friends)."""

    def __init__(self, settings: Settings | None = None) -> None:
        if settings is not None:
            _refuse(settings)
        self.settings = settings
        self.svc: Runtime | None = None

    def _start(self, loop: asyncio.AbstractEventLoop) -> Runtime:
        if self.svc is None:
            settings = self.settings
            if settings is None:  # (given settings were checked by __init__)
                settings = from_env()
                _refuse(settings)
            for warning in warnings(settings):
                log.warning("%s", warning)
            self.svc = build_services(settings)
            self.svc.start(loop)
        return self.svc

    # RSGI ----------------------------------------------------------------
    def __rsgi_init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._start(loop)

    def __rsgi_del__(self, loop: asyncio.AbstractEventLoop) -> None:
        if self.svc is not None:
            self.svc.close()

    async def __rsgi__(self, scope: Any, proto: Any) -> None:
        svc = self.svc or self._start(asyncio.get_running_loop())
        body = await proto()
        if svc.settings.dev and not is_loopback(_host(scope.server)):
            response = _OFF_LOOPBACK
        else:
            response = await dispatch(
                svc,
                scope.method,
                scope.path,
                scope.headers.get,
                body,
                scope.query_string,
                _host(scope.client),
            )
        proto.response_bytes(response.status, response.headers, response.body)

    # ASGI ----------------------------------------------------------------
    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                self._start(asyncio.get_running_loop())
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        svc = self.svc or self._start(asyncio.get_running_loop())
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if svc.settings.dev and not is_loopback((scope.get("server") or (None,))[0]):
            response = _OFF_LOOPBACK
        else:
            response = await dispatch(
                svc,
                scope["method"],
                scope["path"],
                headers.get,
                b"".join(chunks),
                scope.get("query_string", b"").decode("latin-1"),
                (scope.get("client") or (None,))[0],
            )
        await send(
            {
                "type": "http.response.start",
                "status": response.status,
                "headers": [(k.encode(), v.encode()) for k, v in response.headers],
            }
        )
        await send({"type": "http.response.body", "body": response.body})


def _host(client: str | None) -> str | None:
    """The address part of granian's ``host:port`` (IPv6 in brackets or bare)."""
    if not client:
        return None
    host = client.rsplit(":", 1)[0] if client.count(":") == 1 or "]" in client else client
    return host.strip("[]")


def _refuse(settings: Settings) -> None:
    refused = refusal(settings)
    if refused:
        raise SystemExit(refused)


def create_app() -> App:
    """The factory granian workers call: settings come from ``USERPOOL_*`` variables."""
    settings = from_env()
    set_level(settings)
    return App(settings)  # which refuses what userpool serve refuses
