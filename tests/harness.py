"""An in-process userpool with a fake clock: operations called through the wire's
``dispatch`` (the path an HTTP request takes, without the socket), on a private SQLite
file, with time that moves only when a test says so.

Passwords are hashed as on the suite's servers (``tests.helpers.TEST_HASHING``: fast).
Rules about time (code expiry, session expiry, attempts per hour, token lifetimes) are
tested here by ``clock.advance(seconds)`` rather than by editing stored expiries in SQL.
``InProcess.idp`` answers boto3's method names (``idp.sign_up(ClientId=...)``), so the
factories in ``tests.factories`` serve both this harness and a live server.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from botocore import xform_name

from tests.helpers import TEST_HASHING
from userpool.config import Settings
from userpool.model import TARGET_PREFIX, operations
from userpool.server.wire import dispatch
from userpool.services import Runtime, build_services


class FakeClock:
    """A ``Clock`` that stands still until ``advance``; it starts at the real time, so
    what the services compare with other clocks (signatures, rate slots) stays sane."""

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else start

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += seconds


class CallError(Exception):
    """A Cognito error answer: ``code`` is its ``__type``, ``message`` its text."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


_METHODS: dict[str, str] = {}  # boto3 method name -> operation name


def operation_name(method: str) -> str:
    """``admin_get_user`` -> ``AdminGetUser``, as boto3 names the model's operations."""
    if not _METHODS:
        _METHODS.update({xform_name(name): name for name in operations()})
    return _METHODS[method]


class Idp:
    """boto3's method names over ``InProcess.call``: ``idp.sign_up(ClientId=...)``."""

    def __init__(self, owner: InProcess) -> None:
        self._owner = owner

    def __getattr__(self, method: str) -> Callable[..., dict[str, Any]]:
        name = operation_name(method)

        def call(**request: Any) -> dict[str, Any]:
            return self._owner.call(name, **request)

        return call


class InProcess:
    """Services on ``folder/userpool.db`` (the folder made private) with a ``FakeClock``."""

    def __init__(self, folder: Path, clock: FakeClock | None = None, **settings: Any) -> None:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        folder.chmod(0o700)
        self.clock = clock or FakeClock()
        options: dict[str, Any] = {
            "sender": "none",
            "dev": True,
            "hasher_threads": 1,
            "password_hashing": TEST_HASHING,
        }
        options.update(settings)
        self.settings = Settings(db=str(folder / "userpool.db"), **options)
        self.svc: Runtime = build_services(self.settings, clock=self.clock)
        self.loop = asyncio.new_event_loop()
        self.idp = Idp(self)

    def call(self, operation: str, **request: Any) -> dict[str, Any]:
        """The operation's parsed answer, or ``CallError`` with the answer's code and text."""
        headers = {
            "content-type": "application/x-amz-json-1.1",
            "x-amz-target": f"{TARGET_PREFIX}{operation}",
        }
        work = dispatch(self.svc, "POST", "/", headers.get, orjson.dumps(request))
        response = self.loop.run_until_complete(work)
        answer: dict[str, Any] = orjson.loads(response.body) if response.body else {}
        if response.status != 200:
            raise CallError(str(answer.get("__type")), str(answer.get("message")))
        return answer

    def messages(self, destination: str) -> list[str]:
        """The texts queued for ``destination``, oldest first."""
        queued = self.svc.store.recent_messages(10_000)
        return [m.body or "" for m in reversed(queued) if m.destination == destination]

    def code(self, destination: str) -> str:
        """The code in the latest message to ``destination``."""
        body = self.messages(destination)[-1]
        found = re.findall(r"\b(\d{6})\b", body)
        assert found, body
        return str(found[-1])

    def close(self) -> None:
        self.loop.close()
        self.svc.close()
