"""userpool's own HTTP/1.1 server: httptools' parser on the event loop, ``dispatch`` per request.

It owns the connection: parsing, keep-alive, pipelined requests answered in order, the
limits (header bytes, body size, requests and bytes queued on one connection and in the
worker, open connections: with http_limits), the idle and slow-request timeouts, and the
framing of responses. Everything runs on the event loop's thread, so a request crosses
no thread and takes no lock on its way to ``dispatch``: that is why it replaced
granian's RSGI as what ``userpool serve`` runs (docs/performance.md).
"""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
import time
from collections import deque
from dataclasses import dataclass
from email.utils import formatdate

import httptools

from userpool.domain.ids import new_request_id
from userpool.errors import CognitoError, InternalErrorException
from userpool.server import http_limits, uploads
from userpool.server.http_limits import Refused, default_max_connections, malloc_trim
from userpool.server.response import Response
from userpool.server.wire import (
    MAX_BODY,
    body_too_large,
    dispatch,
    error_response,
)
from userpool.services import Runtime

log = logging.getLogger("userpool.server")

MAX_HEAD = 64 * 1024  # bytes of request line and headers
MAX_DISCARD = 64 * 1024 * 1024  # bytes of a too-large body read (and dropped) before answering
MAX_QUEUED = 32  # pipelined requests waiting on one connection before it stops reading
# The timeouts, buffer limits and connection limit are settings (userpool/config.py).

_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


class _Reject(Exception):
    """A request the connection answers itself (``error``, or the answer) and then closes."""

    def __init__(self, status: int, error: CognitoError | Response | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.error = error


@dataclass(slots=True)
class _Request:
    """A parsed request; or, with ``answer``, one the connection rejected itself."""

    method: str
    url: bytes
    headers: dict[str, str]
    body: bytes
    keep_alive: bool
    answer: Response | None = None
    size: int = 0  # bytes counted against the buffer limits until it is answered
    upload: uploads.Upload | None = None  # an import job's CSV, streamed to a file


class HttpServer:
    """The connections of one worker, its coarse clock (for timeouts and ``Date``), the
    bytes its connections hold, and a graceful stop: no new connections, idle ones closed,
    requests in flight answered."""

    def __init__(self, svc: Runtime) -> None:
        settings = svc.settings
        self.svc = svc
        self.idle_timeout = settings.idle_timeout
        self.request_timeout = settings.request_timeout
        self.max_connections = settings.max_connections or default_max_connections()
        self.connection_buffer = max(settings.connection_buffer, MAX_BODY + MAX_HEAD)
        self.worker_buffer = settings.worker_buffer
        self.buffered = 0  # bytes of requests held by all connections
        self.high = 0  # the most held since memory was last handed back
        self.refusing = 0  # connections refused and not yet closed
        self.connections: set[HttpConnection] = set()
        self.waiting: set[HttpConnection] = set()  # paused until the worker holds less
        self.favoured: HttpConnection | None = None  # reads its large body past the limit
        self.now = time.monotonic()
        self.date = formatdate(usegmt=True)
        self.stopping = False
        self._tick: asyncio.TimerHandle | None = None

    async def serve(
        self,
        sock: socket.socket | None,
        stop: asyncio.Event,
        secure: tuple[socket.socket, ssl.SSLContext] | None = None,
    ) -> None:
        """HTTP on ``sock``, HTTPS on ``secure``'s, until ``stop``; then finish what is in flight."""
        loop = asyncio.get_running_loop()
        listeners: list[tuple[socket.socket | None, ssl.SSLContext | None]] = [(sock, None)]
        options = http_limits.tls_options
        servers = [
            await loop.create_server(
                self._protocol, sock=s, backlog=2048, **options(tls, self.request_timeout)
            )
            for s, tls in listeners + [secure or (None, None)]
            if s is not None
        ]
        self._sweep()
        try:
            await stop.wait()
        finally:
            for server in servers:
                server.close()
            await self._drain()
            if self._tick is not None:
                self._tick.cancel()

    def _protocol(self) -> asyncio.Protocol:
        if len(self.connections) < self.max_connections:
            return HttpConnection(self)
        return Refused(self)

    async def _drain(self, grace: float = 10.0) -> None:
        self.stopping = True
        deadline = time.monotonic() + grace
        while self.connections and time.monotonic() < deadline:
            for conn in list(self.connections):
                if not conn.busy:
                    conn.close()
            await asyncio.sleep(0.01)
        for conn in list(self.connections):
            conn.close()

    def wake(self) -> None:
        """Let the connections paused for the worker's total read again."""
        waiting = list(self.waiting)
        self.waiting.clear()
        for conn in waiting:
            conn._resume()

    def _sweep(self) -> None:
        """Once a second: the clock, the ``Date`` header, connections that timed out, and
        memory handed back once the requests that needed it are gone."""
        self.now = time.monotonic()
        self.date = formatdate(usegmt=True)
        for conn in list(self.connections):
            if conn.transport is None and self.now - conn.active > self.request_timeout + 1:
                conn.close()  # its TLS handshake failed, unseen here
            if conn.busy or conn in self.waiting or conn.transport is None:
                continue  # our own work (or our pause, or a handshake) is not the client's delay
            if conn.began is not None:
                if self.now - conn.began > self.request_timeout:
                    conn.close()
            elif self.now - conn.active > self.idle_timeout:
                conn.close()
        if self.waiting and (self.buffered <= self.worker_buffer or self.favoured is None):
            self.wake()
        if self.high > 4 * self.connection_buffer and self.buffered < self.high // 8:
            self.high = self.buffered
            malloc_trim()
        self._tick = asyncio.get_running_loop().call_later(1.0, self._sweep)


class HttpConnection(asyncio.Protocol):
    """One client connection: requests parsed as they arrive, answered one at a time.

    While one of its requests is being answered, reading stops when the requests it holds
    pass ``connection_buffer`` bytes or ``MAX_QUEUED`` in number, or all the worker's pass
    ``worker_buffer``; it resumes as its answers free them. While the worker is over
    ``worker_buffer``, connections reading requests over 64 KiB (large bodies) also stop
    but one, which goes on to its end; then the next goes on. Small requests still flow."""

    def __init__(self, server: HttpServer) -> None:
        self.server = server
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None
        self.peer: str | None = None
        self.queued: deque[_Request] = deque()
        self.busy = False  # a request of this connection is being answered
        self.paused = False  # reading is paused: too much held, or writes are blocked
        self.write_blocked = False  # the transport's buffer is full (the client reads slowly)
        self.last: _Request | None = None  # the request parsed last
        self.ended = False  # a request was rejected, or the client sent EOF: nothing more is read
        self.began: float | None = None  # when the request being received began
        self.active = server.now  # when the connection last went idle (bytes do not count)
        self.held = 0  # bytes of this connection's requests counted in server.buffered
        self._url = b""
        self._headers: dict[str, str] = {}
        self._more: dict[str, list[str]] | None = None  # the values of repeated headers
        self._in_head = False  # between the request line and the end of the headers
        self._body: list[bytes] = []
        self._upload: uploads.Upload | None = None  # the body goes to it, not to _body
        self._size = 0  # body bytes
        self._head = 0  # request line and header bytes (trailers too)
        self._kept = 0  # bytes of the request being read that count against the buffers
        server.connections.add(self)  # now: a burst of accepts counts before connection_made

    # asyncio.Protocol ----------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is no subclass
        peer = transport.get_extra_info("peername")
        self.peer = peer[0] if isinstance(peer, tuple) else None
        self.server.connections.add(self)
        if self.server.stopping:
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.server.connections.discard(self)
        self.server.waiting.discard(self)
        self.server.buffered -= self.held
        if self.server.favoured is self:
            self.server.favoured = None
            self.server.wake()
        self.held = 0
        for upload in filter(None, [*(r.upload for r in self.queued), self._upload]):
            upload.close()  # (the request being answered closes its own)
        self.queued.clear()
        self._body = []

    def data_received(self, data: bytes) -> None:
        if self.ended:
            return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            # No protocol switch is offered: the request is answered, then the connection ends.
            self.ended = True
            if self.last is not None:
                self.last.keep_alive = False
        except httptools.HttpParserCallbackError as exc:
            reject = exc.__context__
            if not isinstance(reject, _Reject):
                log.error("HTTP parsing failed", exc_info=reject)
                reject = _Reject(500)
            self._reject(reject)
        except httptools.HttpParserError:
            self._reject(_Reject(400))

    def eof_received(self) -> bool:
        """A client that closed its side gets the answers to what it sent (not over TLS)."""
        self.ended = True
        if self.last is not None:
            self.last.keep_alive = False
        if not self.busy:
            self.close()
        return self.transport is None or self.transport.get_extra_info("sslcontext") is None

    def pause_writing(self) -> None:
        self.write_blocked = True
        self._pause()

    def resume_writing(self) -> None:
        self.write_blocked = False
        self._resume()

    # httptools callbacks -------------------------------------------------
    def on_message_begin(self) -> None:
        self.began = self.server.now
        self._url = b""
        self._headers = {}
        self._more = None
        self._in_head = True
        self._body = []
        self._size = 0  # body bytes
        self._head = 0  # request line and header bytes
        self._kept = 0

    def on_url(self, url: bytes) -> None:
        self._url += url
        self._count(len(url))

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value))
        if not self._in_head:
            return  # a trailer field: never merged into the headers
        key = name.decode("latin-1").lower()
        text = value.decode("latin-1")
        seen = self._headers.get(key)
        if seen is None:
            self._headers[key] = text
            return
        if self._more is None:
            self._more = {}
        self._more.setdefault(key, [seen]).append(text)

    def on_headers_complete(self) -> None:
        self._in_head = False
        headers = self._headers
        more = self._more
        if more is not None:
            for key, values in more.items():
                headers[key] = ", ".join(values)
        if "host" not in headers:
            if self.parser.get_http_version() != "1.0":
                raise _Reject(400)  # HTTP/1.1 needs a Host header; 1.0 may omit it
        elif more is not None and "host" in more:
            raise _Reject(400)  # more than one Host
        if self.transport is not None and self.transport.get_extra_info("sslcontext"):
            headers["x-forwarded-proto"] = "https"  # as a TLS proxy says it (pages: Secure cookies)
        length = headers.get("content-length", "0")
        self._upload = uploads.begin(self.server, self.parser.get_method(), self._url, headers.get)
        if self._upload is not None and self._upload.aborted:
            raise _Reject(400, self._upload.refusal)
        if self._upload is None and length.isdigit() and int(length) > MAX_DISCARD:
            raise _Reject(400, body_too_large())
        self._hold(self._head)
        if headers.get("expect", "").lower() == "100-continue" and self.transport:
            self.transport.write(_CONTINUE)

    def on_body(self, body: bytes) -> None:
        if self._upload is not None:  # to its file, never held; progress resets the timeout
            self.began = self.server.now
            if not self._upload.write(body):
                raise _Reject(400, self._upload.refusal)
            return
        # A body over the limit is read to its end (clients send it all before they read
        # an answer) but not kept; a body beyond MAX_DISCARD ends the connection.
        self._size += len(body)
        if self._size > MAX_DISCARD:
            raise _Reject(400, body_too_large())
        if self._size <= MAX_BODY:
            self._body.append(body)
            self._hold(len(body))

    def on_message_complete(self) -> None:
        self.began = None
        if self.server.favoured is self:
            self.server.favoured = None
            self.server.wake()
        method = self.parser.get_method().decode("latin-1")
        body = self._body[0] if len(self._body) == 1 else b"".join(self._body)
        self._body = []
        request = _Request(
            method,
            self._url,
            self._headers,
            body,
            bool(self.parser.should_keep_alive()),
            None,
            self._kept,
            self._upload,
        )
        self._upload = None
        if self._size > MAX_BODY:
            request.answer = error_response(body_too_large(), new_request_id())
        self.last = request
        self._enqueue(request)

    def _enqueue(self, request: _Request) -> None:
        """Answer ``request`` now, or after those before it (reading stops past the limits)."""
        if self.busy:
            self.queued.append(request)
            if len(self.queued) >= MAX_QUEUED:
                self._pause()
            return
        self.busy = True
        asyncio.get_running_loop().create_task(self._answer_all(request))

    # answering -----------------------------------------------------------
    async def _answer_all(self, request: _Request) -> None:
        """Answer ``request``, then those queued behind it, in order."""
        while True:
            response = await self._answer(request)
            self._release(request.size)
            transport = self.transport
            if transport is None or transport.is_closing():
                self.busy = False
                return
            keep_alive = request.keep_alive and not self.server.stopping
            transport.write(response.frame(request.method, keep_alive, self.server.date))
            if not keep_alive:
                self.busy = False
                transport.close()
                return
            if not self.queued:
                self.busy = False
                self.active = self.server.now
                if self.began is not None:
                    self.began = self.server.now  # it waited on our answers, not the client
                if self.ended:
                    transport.close()  # the client sent EOF: all it asked is answered
                self._resume()
                return
            request = self.queued.popleft()
            self._resume()

    async def _answer(self, request: _Request) -> Response:
        if request.answer is not None:
            return request.answer
        path, _, query = request.url.decode("latin-1").partition("?")
        try:
            return await dispatch(
                self.server.svc,
                request.method,
                path,
                request.headers.get,
                request.body,
                query,
                self.peer,
                request.upload,
            )
        except Exception:  # dispatch renders its own failures; this is a last resort
            request_id = new_request_id()
            log.exception("request %s failed outside dispatch", request_id)
            return error_response(InternalErrorException(), request_id)

    # limits --------------------------------------------------------------
    def _count(self, n: int) -> None:
        self._head += n
        if self._head > MAX_HEAD:
            raise _Reject(431)

    def _hold(self, n: int) -> None:
        """Count ``n`` bytes of the request being read; stop reading past a limit while
        a request ahead of it is being answered (whose answer resumes reading)."""
        self._kept += n
        self.held += n
        server = self.server
        server.buffered += n
        if server.buffered > server.high:
            server.high = server.buffered
        if server.buffered > server.worker_buffer and self._over():
            self._pause()
            if not self.busy:
                server.waiting.add(self)  # reads again as the worker's requests drain
        elif self.busy and self.held > server.connection_buffer:
            self._pause()

    def _over(self) -> bool:
        """Whether, the worker being over its limit, this connection must stop reading: one
        being answered must (its answers free bytes); one reading a small request need not;
        of those reading large bodies, one goes on (so they finish, one at a time)."""
        server = self.server
        if self.busy:
            return True
        if self.held <= MAX_HEAD or server.favoured is self:
            return False
        if server.favoured is None:
            server.favoured = self
            return False
        return True

    def _release(self, n: int) -> None:
        n = min(n, self.held)  # nothing, if the connection was lost meanwhile
        self.held -= n
        server = self.server
        server.buffered -= n
        if server.waiting and server.buffered <= server.worker_buffer:
            server.wake()

    def _reject(self, reject: _Reject) -> None:
        """Answer a request that cannot be served, after those before it, and close."""
        self.began = None
        self.ended = True
        if self.transport is None or self.transport.is_closing():
            return
        self.transport.pause_reading()
        request_id = new_request_id()
        response = reject.error if isinstance(reject.error, Response) else None
        if isinstance(reject.error, CognitoError):
            response = error_response(reject.error, request_id)
        response = response or Response(reject.status, [("x-amzn-requestid", request_id)], b"")
        # DEVIATION: HTTP-level refusals (431, 400) have no Cognito error body; then the
        # connection ends, after the answers to the requests queued before it.
        self._enqueue(_Request("", b"", {}, b"", False, response))

    def _pause(self) -> None:
        if not self.paused and self.transport is not None:
            self.paused = True
            self.transport.pause_reading()

    def _resume(self) -> None:
        """Read again unless writes are blocked, the worker holds too much or, while a
        request is being answered, this connection still holds over half its limit."""
        if not self.paused or self.ended or self.write_blocked:
            return
        server = self.server
        if server.buffered > server.worker_buffer and self._over():
            if not self.busy:
                server.waiting.add(self)
            return
        if self.busy and (
            len(self.queued) >= MAX_QUEUED // 2 or self.held > server.connection_buffer // 2
        ):
            return
        if self.transport is not None and not self.transport.is_closing():
            self.paused = False
            self.transport.resume_reading()
            if self.began is not None:
                self.began = server.now  # it waited on us, not the client

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()
        else:  # its TLS handshake goes on (then it is closed, if stopping) or failed unseen
            self.server.connections.discard(self)
