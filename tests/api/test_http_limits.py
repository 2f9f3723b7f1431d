"""Bounded resources of ``userpool serve``'s HTTP server: the bytes a connection and a
worker hold, the number of open connections, and timeouts that bytes cannot reset."""

from __future__ import annotations

import contextlib
import json
import socket
import time
from pathlib import Path

import boto3
import pytest

from tests.api.test_http import (
    _pool_with_slow_pre_sign_up,
    closed,
    connect,
    in_process,
    post,
    responses,
)
from tests.helpers import Server
from userpool.server.http import HttpServer
from userpool.server.wire import MAX_BODY


def test_a_connection_sending_only_crlf_is_closed_by_the_idle_timeout(tmp_path: Path) -> None:
    with (
        in_process(tmp_path, idle_timeout=2.0, request_timeout=2.0) as (port, _),
        socket.create_connection(("127.0.0.1", port)) as sock,
    ):
        start = time.monotonic()
        sock.settimeout(0.3)
        ended = False
        while not ended and time.monotonic() - start < 10:
            try:
                sock.sendall(b"\r\n")  # bytes that never begin a request
                ended = sock.recv(100) == b""
            except TimeoutError:
                continue
            except (BrokenPipeError, ConnectionResetError):
                ended = True
        assert ended and time.monotonic() - start < 6  # timeouts of 2 s, swept once a second


SLOW_ARN = "arn:aws:lambda:us-east-1:123456789012:function:slow"


def _slow_sign_up(port: int) -> bytes:
    """A SignUp whose PreSignUp trigger sleeps 3 s, as a raw request."""
    idp = boto3.client(
        "cognito-idp",
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name="us-east-1",
        aws_access_key_id="dev",
        aws_secret_access_key="dev",
    )
    client_id = _pool_with_slow_pre_sign_up(idp)
    body = json.dumps({"ClientId": client_id, "Username": "u1", "Password": "Passw0rd!x"})
    return post("SignUp", body.encode())


def test_pipelined_bodies_behind_a_slow_request_stop_the_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A connection's requests held past connection_buffer stop the reading: the client's
    sends block, and the server holds no more than the limit and one read."""
    monkeypatch.setenv("TRIGGER_EVENTS", str(tmp_path / "events.jsonl"))
    big = post("ListUserPools", b'{"MaxResults": 1}'.ljust(MAX_BODY))
    with in_process(tmp_path, triggers={SLOW_ARN: "python:tests.trigger_functions:slow"}) as (
        port,
        server,
    ):
        slow = _slow_sign_up(port)
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 64 * 1024)
            sock.sendall(slow)
            sock.settimeout(1.0)  # well inside the slow request's 3 s
            sent = 0
            with contextlib.suppress(TimeoutError):
                for _ in range(40):  # 40 MiB offered; 32 queued requests were the old bound
                    sock.sendall(big)
                    sent += len(big)
            # the kernel's buffers on loopback take a few MiB more, never 16
            assert sent < 16 * MAX_BODY, sent
            held = server.buffered
            assert held <= server.connection_buffer + 512 * 1024, held
            sock.settimeout(20)
            assert responses(sock, 1)[0].status == 200  # the slow SignUp, then the rest flow
        deadline = time.monotonic() + 5
        while server.buffered and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.buffered == 0


def test_connections_over_the_limit_get_a_503_and_are_closed(tmp_path: Path) -> None:
    srv = Server(tmp_path, "--dev", "--max-connections", "3").start()
    kept: list[socket.socket] = []
    try:
        for _ in range(20):  # the start-up check's connection may still be counted
            if len(kept) == 3:
                break
            sock = connect(srv)
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            if responses(sock, 1)[0].status == 200:
                kept.append(sock)
            else:
                sock.close()
        assert len(kept) == 3
        with connect(srv) as refused:
            (answer,) = responses(refused, 1)
            assert answer.status == 503 and answer.getheader("connection") == "close"
            assert answer.body == b"Too many connections; retry.\r\n"
            assert closed(refused)
        kept.pop().close()  # a place frees up
        deadline = time.monotonic() + 5
        status = 0
        while status != 200 and time.monotonic() < deadline:
            with connect(srv) as sock:
                sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
                status = responses(sock, 1)[0].status
        assert status == 200
    finally:
        for sock in kept:
            sock.close()
        srv.stop()


def _settled(server: HttpServer) -> int:
    """``server.buffered`` once it has not changed for 0.3 s (at most 5 s)."""
    deadline = time.monotonic() + 5
    last, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        if server.buffered != last:
            last, since = server.buffered, time.monotonic()
        elif time.monotonic() - since > 0.3:
            break
        time.sleep(0.02)
    return last


def test_large_bodies_stop_reading_while_the_worker_holds_too_much(tmp_path: Path) -> None:
    """Six connections each send all but the end of a 1 MiB body to a worker allowed
    2 MiB: past the limit they stop being read, small requests still flow, and every
    body is answered once the first are."""
    body = b'{"MaxResults": 1}'.ljust(MAX_BODY)
    request = post("ListUserPools", body)
    with in_process(tmp_path, worker_buffer=2 * MAX_BODY) as (port, server):
        socks = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(6)]
        try:
            for sock in socks:
                sock.sendall(request[:-100])
            held = _settled(server)
            assert held <= 2 * MAX_BODY + MAX_BODY + 5 * 256 * 1024, held  # not all 6 MiB
            with socket.create_connection(("127.0.0.1", port), timeout=10) as small:
                small.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
                assert responses(small, 1)[0].status == 200
            for sock in socks:
                sock.sendall(request[-100:])
            assert all(responses(sock, 1)[0].status == 200 for sock in socks)
        finally:
            for sock in socks:
                sock.close()
