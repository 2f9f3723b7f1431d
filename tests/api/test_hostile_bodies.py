"""Hostile bodies on every operation: explicit ``null`` members and nesting as deep as the
JSON parser takes, on a server logging at debug (which walks every request to mask it).

Each must get a modelled answer (a success or a 400), never a 500: an explicit ``null``
means what an absent member means, and members the model does not know are dropped before
any handler (or the debug log) sees them.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.helpers import Server, sign
from userpool.model import TARGET_PREFIX, service_model
from userpool.operations import REGISTRY

DEEP = "[" * 1020 + "]" * 1020  # just under orjson's limit (1024), past Python's stack


@pytest.fixture(scope="module")
def debug_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("debug"), "--log-level", "debug").start()
    yield srv
    srv.stop()


def _post(server: Server, name: str, body: bytes) -> tuple[int, dict[str, Any]]:
    headers = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": TARGET_PREFIX + name}
    headers = sign(server, headers, body)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.request("POST", "/", body=body, headers=headers)
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        conn.close()


def _members(name: str) -> list[str]:
    shape = service_model()["operations"][name].get("input", {}).get("shape")
    return list(service_model()["shapes"][shape]["members"]) if shape else []


def test_deep_nesting_in_any_member_is_a_400_even_at_debug(debug_server: Server) -> None:
    failures = []
    for name in sorted(REGISTRY):
        for member in ("NotAModelMember", *_members(name)[:1]):
            body = f'{{"{member}": {{"x": {DEEP}}}}}'.encode()
            status, answer = _post(debug_server, name, body)
            if status != 400:
                failures.append((name, member, status, answer.get("__type")))
    assert failures == []
    assert "Traceback" not in debug_server.log.read_text()


def test_explicit_nulls_mean_absent_members(debug_server: Server) -> None:
    idp = debug_server.client()
    pool = idp.create_user_pool(PoolName="nulls")["UserPool"]["Id"]
    client = idp.create_user_pool_client(UserPoolId=pool, ClientName="app")["UserPoolClient"]
    null_everything = {
        "CreateUserPool": {**dict.fromkeys(_members("CreateUserPool")), "PoolName": "q"},
        "UpdateUserPool": {"UserPoolId": pool, "Policies": {"PasswordPolicy": None}},
        "UpdateUserPoolClient": {
            "UserPoolId": pool,
            "ClientId": client["ClientId"],
            "TokenValidityUnits": {"AccessToken": None},
            "ExplicitAuthFlows": None,
            "ReadAttributes": None,
        },
        "SignUp": {
            "ClientId": client["ClientId"],
            "Username": "nully",
            "Password": "Passw0rd!x",
            "UserAttributes": None,
            "UserContextData": {"IpAddress": None, "EncodedData": None},
            "ClientMetadata": None,
        },
    }
    for name, request in null_everything.items():
        status, answer = _post(debug_server, name, json.dumps(request).encode())
        assert status == 200, (name, answer)
    user = idp.admin_get_user(UserPoolId=pool, Username="nully")
    assert user["UserStatus"] == "UNCONFIRMED"
