"""Request logging around ``dispatch``, in process: what each level writes, and the
failure log of an unexpected exception (a traceback without the request's secrets)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from userpool.config import from_env
from userpool.domain.services import Call
from userpool.operations import REGISTRY
from userpool.server.wire import dispatch
from userpool.services import Runtime, build_services

PASSWORD = "Secret-Passw0rd!"
SIGN_UP = {"ClientId": "client1", "Username": "alice", "Password": PASSWORD}


@pytest.fixture
def svc(tmp_path: Path) -> Iterator[Runtime]:
    services = build_services(from_env(db=str(tmp_path / "u.db"), sender="none", dev=True))
    yield services
    services.close()


def _call(svc: Runtime, operation: str, body: dict[str, Any]) -> Any:
    headers = {
        "content-type": "application/x-amz-json-1.1",
        "x-amz-target": f"AWSCognitoIdentityProviderService.{operation}",
    }
    return asyncio.run(dispatch(svc, "POST", "/", headers.get, orjson.dumps(body)))


def _lines(caplog: pytest.LogCaptureFixture, logger: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == logger]


def test_unexpected_failure_logs_type_and_frames_without_request_secrets(
    svc: Runtime, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def failing(_svc: Runtime, _call: Call, request: dict[str, Any]) -> dict[str, Any]:
        raise ValueError(f"cannot hash {request['Password']} for {request['Username']}")

    monkeypatch.setitem(REGISTRY, "SignUp", failing)
    caplog.set_level(logging.ERROR, logger="userpool.server")

    response = _call(svc, "SignUp", SIGN_UP)

    assert response.status == 500
    assert orjson.loads(response.body)["__type"] == "InternalErrorException"
    [line] = _lines(caplog, "userpool.server")
    assert "Traceback" in line and "in failing" in line
    assert "ValueError: cannot hash *** for ***" in line
    assert PASSWORD not in line and "alice" not in line
    assert not any(r.exc_info for r in caplog.records)  # no second, unmasked rendering


def test_info_writes_nothing_per_request_unless_the_access_log_is_on(
    svc: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="userpool.access")
    _call(svc, "SignUp", SIGN_UP)
    assert _lines(caplog, "userpool.access") == []

    svc.settings.access_log = True
    _call(svc, "SignUp", SIGN_UP)
    [line] = _lines(caplog, "userpool.access")
    assert line.startswith("op=SignUp status=400 error=ResourceNotFoundException ms=")
    assert " id=" in line and "body" not in line


def test_warning_level_writes_no_access_line_even_when_asked(
    svc: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="userpool.access")
    svc.settings.access_log = True
    _call(svc, "SignUp", SIGN_UP)
    assert _lines(caplog, "userpool.access") == []


def test_debug_writes_masked_bodies_and_scrubs_error_messages(
    svc: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="userpool.access")
    _call(svc, "SignUp", SIGN_UP)
    _call(svc, "NoSuchThing", {"Password": PASSWORD})

    lines = _lines(caplog, "userpool.access")
    assert any('body={"ClientId":"***","Username":"***","Password":"***"}' in x for x in lines)
    # Cognito's message names the client id, which the model marks sensitive.
    assert any('"message":"User pool client *** does not exist."' in x for x in lines)
    assert any(x.startswith("op=unknown status=400 error=UnknownOperationException") for x in lines)
    assert not any(PASSWORD in x or "alice" in x for x in lines)
