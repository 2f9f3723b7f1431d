"""A recording endpoint with the canned answers of captures/aws-cli-v2.33.md §0 (the capture proxy).

ConfirmSignUp answers by code: ``000000`` CodeMismatchException, ``555555`` a namespaced
ExpiredCodeException, ``500500`` HTTP 500, ``429429`` TooManyRequestsException,
``111111`` a Session, ``777777`` a slow answer; any other code an empty body (as moto).
AdminGetUser and ListUsers answer with the spec's users dave and erin (ListUsers pages
by ``Limit``); ListUserPools with no pools. Every request is recorded with its target,
body, access key and region.
"""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SESSION = "AYABeEXAMPLESESSIONxxxxxxxx"
# The subs of the spec's sign-up captures (§7.6), so their output compares byte for byte.
SUBS = {
    "suenvjson": "585c4842-4df9-4cca-be4f-78b986d5f816",
    "suenvtext": "558a1452-8e5c-4e71-82ec-eba79c47d99a",
    "suenvtable": "31e93f6b-e7ba-472b-b8c1-16d38321eab4",
    "su2yaml": "4cfe1aba-7609-41a0-a05d-9af062e2b4ee",
    "su2yaml-stream": "c26c7cb5-d2dc-45cf-ad5c-5e6ce16e5826",
}
CREATED = 1795703845.65


def _user(name: str, attributes: list[tuple[str, str]], created: float) -> dict[str, Any]:
    return {
        "Username": name,
        "Attributes": [{"Name": n, "Value": v} for n, v in attributes],
        "UserCreateDate": created,
        "UserLastModifiedDate": created,
        "Enabled": True,
        "UserStatus": "FORCE_CHANGE_PASSWORD",
        "MFAOptions": [],
    }


DAVE = _user(
    "dave",
    [
        ("email", "dave@example.com"),
        ("email_verified", "true"),
        ("sub", "d1fa6db2-c0b5-42b7-942d-1cf1e0e715d1"),
    ],
    CREATED,
)
ERIN = _user(
    "erin",
    [
        ("email", "erin@example.com"),
        ("custom:tier", "gold"),
        ("sub", "37638e30-fe2e-4b8b-b478-67977fa0fb1d"),
    ],
    1795703846.543,
)


def _error(code: str, message: str, status: int = 400) -> tuple[int, dict[str, Any]]:
    return status, {"__type": code, "message": message}


def _confirm(body: dict[str, Any]) -> tuple[int, dict[str, Any] | None]:
    code = body.get("ConfirmationCode")
    if body.get("ClientId") == "FROMJSON_CLIENT":
        return _error("ResourceNotFoundException", "FROMJSON_CLIENT")
    if code == "000000":
        return _error(
            "CodeMismatchException", "Invalid verification code provided, please try again."
        )
    if code == "555555":
        return _error(
            "com.amazonaws.cognito.identity.idp.model#ExpiredCodeException",
            "Invalid code provided, please request a code again.",
        )
    if code == "500500":
        return _error("InternalErrorException", "Internal error", 500)
    if code == "429429":
        return _error("TooManyRequestsException", "Too many requests")
    if code == "111111":
        return 200, {"Session": SESSION}
    if code == "777777":
        time.sleep(5)
    return 200, None


def _list_users(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    users = [DAVE, ERIN]
    start = int(body.get("PaginationToken") or 0)
    limit = int(body.get("Limit") or 60)
    page = users[start : start + limit]
    out: dict[str, Any] = {"Users": page}
    if start + limit < len(users):
        out["PaginationToken"] = str(start + limit)
    return 200, out


def answer(target: str, body: dict[str, Any]) -> tuple[int, dict[str, Any] | None]:
    if target == "ConfirmSignUp":
        return _confirm(body)
    if target == "ListUsers":
        return _list_users(body)
    if target == "AdminGetUser":
        user = {k: v for k, v in DAVE.items() if k != "Attributes"}
        user["UserAttributes"] = DAVE["Attributes"]
        user["PreferredMfaSetting"] = ""
        user["UserMFASettingList"] = []
        return 200, user
    if target == "ListUserPools":
        return 200, {"UserPools": []}
    if target == "SignUp":
        return 200, {
            "UserConfirmed": False,
            "CodeDeliveryDetails": {
                "Destination": "s***@e***",
                "DeliveryMedium": "EMAIL",
                "AttributeName": "email",
            },
            "UserSub": SUBS.get(body.get("Username", ""), "00000000-0000-4000-8000-000000000000"),
        }
    return _error("UnsupportedOperationException", f"fake endpoint: {target}")


class Endpoint:
    """``with Endpoint() as ep:`` a fake endpoint at ``ep.url``; ``ep.requests`` recorded."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                target = (self.headers.get("X-Amz-Target") or "").split(".")[-1]
                auth = self.headers.get("Authorization") or ""
                found = re.search(r"Credential=([^/]+)/\d+/([^/]+)/", auth)
                outer.requests.append(
                    {
                        "target": target,
                        "raw": raw.decode(),
                        "body": json.loads(raw or b"{}"),
                        "key": found.group(1) if found else None,
                        "region": found.group(2) if found else None,
                        "headers": dict(self.headers),
                    }
                )
                status, payload = answer(target, json.loads(raw or b"{}"))
                data = json.dumps(payload).encode() if payload is not None else b""
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/x-amz-json-1.1")
                    self.send_header("x-amzn-RequestId", "00000000-0000-4000-8000-000000000000")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client gave up (a timeout test)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> Endpoint:
        self.thread.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self.server.shutdown()
        self.server.server_close()


if __name__ == "__main__":  # manual runs: python -m tests.cli.fake_endpoint
    with Endpoint() as ep:
        print(ep.url, flush=True)
        while True:
            time.sleep(3600)
