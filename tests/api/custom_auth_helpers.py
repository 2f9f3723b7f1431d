"""What the CUSTOM_AUTH tests share: a server whose custom-auth triggers run either as
Python callables in the server (ARNs ``function:py-<name>``) or behind a fake AWS Lambda
Invoke endpoint in the test process (every other ARN, ``function:<name>``), both serving
the functions of tests/custom_auth_functions.py; a pool and app client wired to them;
users made by an administrator; the custom flow's calls; the events the functions got."""

from __future__ import annotations

import contextlib
import inspect
import json
import os
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from tests import custom_auth_functions
from tests.helpers import ROOT, Server

PASSWORD = "Passw0rd!"
ARN = "arn:aws:lambda:us-east-1:123456789012:function:{}"
FLOWS = ["ALLOW_CUSTOM_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
WRONG = ("NotAuthorizedException", "Incorrect username or password.")
INVALID_SESSION = ("NotAuthorizedException", "Invalid session for the user.")
FUNCTIONS = [
    name
    for name, fn in inspect.getmembers(custom_auth_functions, inspect.isfunction)
    if not name.startswith("_") and fn.__module__ == custom_auth_functions.__name__
]


class FakeLambda(BaseHTTPRequestHandler):
    """AWS Lambda's Invoke API (``POST /2015-03-31/functions/<arn>/invocations``) running
    tests/custom_auth_functions.py: a function that raises answers as Lambda reports a
    function error (``X-Amz-Function-Error``), an unserialisable result as a broken body."""

    invoked: list[str] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        event = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        arn = unquote(self.path.split("/functions/")[1].split("/invocations")[0])
        name = arn.rsplit(":", 1)[-1]
        FakeLambda.invoked.append(name)
        headers: dict[str, str] = {}
        try:
            payload = json.dumps(getattr(custom_auth_functions, name)(event)).encode()
        except TypeError:
            payload = b"<html>not json</html>"
        except Exception as exc:
            headers["X-Amz-Function-Error"] = "Unhandled"
            payload = json.dumps({"errorMessage": str(exc), "errorType": "Error"}).encode()
        self.send_response(200)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        pass


@contextlib.contextmanager
def custom_server(tmp: Path) -> Iterator[Server]:
    """A started server with the fake Lambda endpoint, every function also routed as a
    Python callable (``py-<name>``), and tests/trigger_functions.py's ``record`` and ``deny``
    (``py-record``, ``py-deny``) for the other triggers; the functions of both kinds
    record into ``tmp/events.jsonl``."""
    events = tmp / "events.jsonl"
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FakeLambda)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    args = ["--lambda-endpoint", f"http://127.0.0.1:{httpd.server_address[1]}"]
    for name in FUNCTIONS:
        args += [
            "--trigger",
            ARN.format(f"py-{name}"),
            f"python:{custom_auth_functions.__name__}:{name}",
        ]
    for name in ("record", "deny"):
        args += ["--trigger", ARN.format(f"py-{name}"), f"python:tests.trigger_functions:{name}"]
    before = os.environ.get("TRIGGER_EVENTS")
    os.environ["TRIGGER_EVENTS"] = str(events)  # for the functions the fake endpoint runs
    srv = Server(tmp, *args, env={"PYTHONPATH": str(ROOT), "TRIGGER_EVENTS": str(events)})
    try:
        srv.start()
        srv.events_file = events  # type: ignore[attr-defined]
        yield srv
    finally:
        srv.stop()
        httpd.shutdown()
        if before is None:
            os.environ.pop("TRIGGER_EVENTS", None)
        else:
            os.environ["TRIGGER_EVENTS"] = before


@dataclass
class CustomApp:
    """A pool whose custom-auth triggers are set, and an app client of it."""

    idp: Any
    server: Server
    pool_id: str
    client_id: str

    def user(self, name: str, **attributes: str) -> None:
        """A confirmed user with password ``PASSWORD`` and a verified email."""
        given = {"email": f"{name}@example.com", "email_verified": "true", **attributes}
        self.idp.admin_create_user(
            UserPoolId=self.pool_id,
            Username=name,
            UserAttributes=[{"Name": k, "Value": v} for k, v in given.items()],
            MessageAction="SUPPRESS",
        )
        self.idp.admin_set_user_password(
            UserPoolId=self.pool_id, Username=name, Password=PASSWORD, Permanent=True
        )

    def initiate(self, name: str, admin: bool = False, **request: Any) -> dict[str, Any]:
        """(Admin)InitiateAuth with CUSTOM_AUTH; ``request`` adds members (``ClientMetadata``)
        and AuthParameters (``params``)."""
        params = {"USERNAME": name, **request.pop("params", {})}
        call = {"ClientId": self.client_id, "AuthFlow": "CUSTOM_AUTH", "AuthParameters": params}
        if admin:
            return dict(self.idp.admin_initiate_auth(UserPoolId=self.pool_id, **call, **request))
        return dict(self.idp.initiate_auth(**call, **request))

    def answer(
        self, name: str, session: str, answer: str | None, admin: bool = False, **request: Any
    ) -> dict[str, Any]:
        """(Admin)RespondToAuthChallenge to CUSTOM_CHALLENGE with ``answer`` (none if None)."""
        responses = {"USERNAME": name, **request.pop("responses", {})}
        if answer is not None:
            responses["ANSWER"] = answer
        call = {
            "ClientId": self.client_id,
            "ChallengeName": request.pop("challenge", "CUSTOM_CHALLENGE"),
            "Session": session,
            "ChallengeResponses": responses,
        }
        if admin:
            return dict(
                self.idp.admin_respond_to_auth_challenge(UserPoolId=self.pool_id, **call, **request)
            )
        return dict(self.idp.respond_to_auth_challenge(**call, **request))

    def events(self, source: str | None = None) -> list[dict[str, Any]]:
        """The events this pool's functions got, oldest first (only ``source``'s if given)."""
        path: Path = self.server.events_file  # type: ignore[attr-defined]
        rows = [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
        return [
            e
            for e in rows
            if e.get("userPoolId") == self.pool_id
            and (source is None or e.get("triggerSource") == source)
        ]

    def sessions_seen(self) -> list[list[dict[str, Any]]]:
        """The ``session`` list of each DefineAuthChallenge call, in order."""
        return [e["request"]["session"] for e in self.events("DefineAuthChallenge_Authentication")]


def make_custom_app(
    idp: Any,
    server: Server,
    via: str,
    define: str,
    create: str | None = "quiz_create",
    verify: str | None = "quiz_verify",
    client: dict[str, Any] | None = None,
    **triggers: str,
) -> CustomApp:
    """A pool with the three triggers set to functions of tests/custom_auth_functions.py
    (``via`` "python": Python callables, "lambda": the fake Lambda endpoint; a None one is
    not set), ``triggers`` adding other LambdaConfig members (ARNs of function names), and a
    client allowing CUSTOM_AUTH, SRP and refresh (``client`` overrides its settings)."""
    prefix = "py-" if via == "python" else ""
    config = {"DefineAuthChallenge": ARN.format(prefix + define)}
    if create:
        config["CreateAuthChallenge"] = ARN.format(prefix + create)
    if verify:
        config["VerifyAuthChallengeResponse"] = ARN.format(prefix + verify)
    config |= {key: ARN.format(name) for key, name in triggers.items()}
    pool = idp.create_user_pool(PoolName=f"custom{secrets.token_hex(3)}", LambdaConfig=config)
    settings = {"ClientName": "app", "ExplicitAuthFlows": FLOWS, **(client or {})}
    made = idp.create_user_pool_client(UserPoolId=pool["UserPool"]["Id"], **settings)
    return CustomApp(idp, server, pool["UserPool"]["Id"], made["UserPoolClient"]["ClientId"])
