"""``userpool.server.app``: the RSGI and ASGI adapters for those who run userpool under
another server (granian, uvicorn) instead of ``userpool serve``."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import Server
from userpool.config import from_env
from userpool.server.app import App, create_app

GRANIAN = str(Path(sys.executable).with_name("granian"))


def test_granian_serves_the_rsgi_app(tmp_path: Path) -> None:
    srv = Server(tmp_path)
    srv.key_id, srv.key_secret = "dev", "dev"  # --dev: any credentials are accepted
    env = {
        **os.environ,
        "USERPOOL_DB": srv.db,
        "USERPOOL_DEV": "true",
        "USERPOOL_SENDER": "console",
    }
    argv = [GRANIAN, "--interface", "rsgi", "--factory", "--host", "127.0.0.1"]
    argv += ["--port", str(srv.port), "userpool.server.app:create_app"]
    with open(srv.log, "ab") as log:
        srv.proc = subprocess.Popen(argv, stdout=log, stderr=log, env=env)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(f"{srv.url}/health", timeout=1).read()
                break
            except OSError:
                assert time.monotonic() < deadline, srv.log.read_text()
                time.sleep(0.1)
        idp = srv.client()
        pool = idp.create_user_pool(PoolName="rsgi", AutoVerifiedAttributes=["email"])
        pool_id = pool["UserPool"]["Id"]
        client = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="c")
        client_id = client["UserPoolClient"]["ClientId"]
        attrs = [{"Name": "email", "Value": "rsgi@example.com"}]
        idp.sign_up(ClientId=client_id, Username="r", Password="Passw0rd!x", UserAttributes=attrs)
        code = srv.code("rsgi@example.com")
        idp.confirm_sign_up(ClientId=client_id, Username="r", ConfirmationCode=code)
        assert idp.admin_get_user(UserPoolId=pool_id, Username="r")["UserStatus"] == "CONFIRMED"
    finally:
        srv.stop()


def test_asgi_app_answers_a_request(tmp_path: Path) -> None:
    app = App(from_env(db=str(tmp_path / "db.sqlite"), dev=True))
    sent: list[dict[str, Any]] = []
    body = json.dumps({"PoolName": "asgi"}).encode()
    messages = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> dict[str, Any]:
        return messages.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/",
        "query_string": b"",
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 9229),  # --dev answers on loopback only
        "headers": [
            (b"content-type", b"application/x-amz-json-1.1"),
            (b"x-amz-target", b"AWSCognitoIdentityProviderService.CreateUserPool"),
        ],
    }
    try:
        asyncio.run(app(scope, receive, send))
    finally:
        assert app.svc is not None
        app.svc.close()
    assert sent[0]["status"] == 200
    assert json.loads(sent[1]["body"])["UserPool"]["Name"] == "asgi"


def test_the_app_factory_refuses_dev_off_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USERPOOL_DEV", "1")
    monkeypatch.setenv("USERPOOL_HOST", "0.0.0.0")
    with pytest.raises(SystemExit, match="non-loopback 0.0.0.0"):
        create_app()
    with pytest.raises(SystemExit, match="non-loopback"):
        App(from_env())


def test_a_dev_asgi_app_answers_403_off_loopback(tmp_path: Path) -> None:
    app = App(from_env(db=str(tmp_path / "db.sqlite"), dev=True))
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def ask(server: tuple[str, int]) -> int:
        scope = {
            "type": "http",
            "method": "GET",
            "path": "/health",
            "headers": [(b"host", b"x")],
            "server": server,
            "client": ("10.1.2.3", 5000),
        }
        await app(scope, receive, send)
        return int(sent[-2]["status"])

    try:
        assert asyncio.run(ask(("127.0.0.1", 8000))) == 200
        assert asyncio.run(ask(("192.0.2.7", 8000))) == 403
    finally:
        if app.svc is not None:
            app.svc.close()


def test_an_app_on_fast_password_hashing_says_so_when_it_starts(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Under granian or uvicorn there is no ``userpool serve`` to print the warning: each
    worker logs it as it builds its services."""
    app = App(from_env(db=str(tmp_path / "db.sqlite"), dev=True, password_hashing="fast"))

    async def start() -> str:
        return app._start(asyncio.get_running_loop()).hasher.hashing

    with caplog.at_level(logging.WARNING, logger="userpool.server"):
        try:
            assert asyncio.run(start()) == "fast"
        finally:
            assert app.svc is not None
            app.svc.close()
    warned = [r.getMessage() for r in caplog.records if "weakly hashed" in r.getMessage()]
    assert warned and "--password-hashing fast" in warned[0]
