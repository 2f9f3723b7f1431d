"""The AWS SDK for JavaScript v3 (@aws-sdk/client-cognito-identity-provider) drives the
sign-up confirmation end to end: SignUp, ConfirmSignUp with every optional member, the
USER_AUTH sign-in with its Session, password recovery, the errors as the SDK surfaces them,
and its retry of throttled requests (driver: tests/js/sdk_v3.mjs, one command per run)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import ROOT, Server
from userpool.domain.context_data import encode

SCRIPT = ROOT / "tests" / "js" / "sdk_v3.mjs"
PASSWORD = "Passw0rd!"


def _sdk(
    node: str, server: Server, command: str, request: dict[str, Any], attempts: int = 1
) -> Any:
    done = subprocess.run(
        [node, str(SCRIPT), server.url, command, json.dumps(request), str(attempts)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, (command, done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture
def app(idp: Any) -> tuple[str, str]:
    pool = idp.create_user_pool(PoolName="sdkv3", AutoVerifiedAttributes=["email"])["UserPool"]
    client = idp.create_user_pool_client(
        UserPoolId=pool["Id"],
        ClientName="web",
        ExplicitAuthFlows=["ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]
    return pool["Id"], client["ClientId"]


def test_sign_up_confirm_with_every_member_then_sign_in_with_the_session(
    node: str,
    server: Server,
    idp: Any,
    app: tuple[str, str],
) -> None:
    pool_id, cid = app
    email = "v3-ann@sdkv3.example.com"
    signed = _sdk(
        node,
        server,
        "SignUp",
        {
            "ClientId": cid,
            "Username": "v3-ann",
            "Password": PASSWORD,
            "UserAttributes": [{"Name": "email", "Value": email}],
        },
    )["output"]
    assert signed["UserConfirmed"] is False
    assert signed["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    context = encode({"DeviceId": "phone-1"}, "v3-ann", pool_id, cid)
    confirmed = _sdk(
        node,
        server,
        "ConfirmSignUp",
        {
            "ClientId": cid,
            "Username": "v3-ann",
            "ConfirmationCode": server.code(email),
            "ForceAliasCreation": False,
            "AnalyticsMetadata": {"AnalyticsEndpointId": "endpoint-1"},
            "UserContextData": {"EncodedData": context},
            "ClientMetadata": {"source": "sdk-v3"},
            "Session": signed["Session"],
        },
    )
    assert "error" not in confirmed, confirmed
    assert idp.admin_get_user(UserPoolId=pool_id, Username="v3-ann")["UserStatus"] == "CONFIRMED"
    tokens = _sdk(
        node,
        server,
        "InitiateAuth",
        {
            "AuthFlow": "USER_AUTH",
            "ClientId": cid,
            "AuthParameters": {"USERNAME": "v3-ann"},
            "Session": confirmed["output"]["Session"],
        },
    )["output"]
    assert tokens["AuthenticationResult"]["TokenType"] == "Bearer"
    user = _sdk(
        node, server, "GetUser", {"AccessToken": tokens["AuthenticationResult"]["AccessToken"]}
    )["output"]
    assert user["Username"] == "v3-ann"


def test_errors_reach_the_sdk_as_cognitos(
    node: str,
    server: Server,
    app: tuple[str, str],
) -> None:
    _, cid = app
    email = "v3-bob@sdkv3.example.com"
    _sdk(
        node,
        server,
        "SignUp",
        {
            "ClientId": cid,
            "Username": "v3-bob",
            "Password": PASSWORD,
            "UserAttributes": [{"Name": "email", "Value": email}],
        },
    )
    code = server.code(email)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    answer = _sdk(
        node,
        server,
        "ConfirmSignUp",
        {"ClientId": cid, "Username": "v3-bob", "ConfirmationCode": wrong},
    )
    assert answer["error"] == {
        "name": "CodeMismatchException",
        "message": "Invalid verification code provided, please try again.",
        "status": 400,
        "fault": "client",
    }
    missing = _sdk(
        node,
        server,
        "ConfirmSignUp",
        {"ClientId": "1nosuchclient23456", "Username": "v3-bob", "ConfirmationCode": code},
    )
    assert missing["error"]["name"] == "ResourceNotFoundException"


def test_password_recovery(
    node: str,
    server: Server,
    idp: Any,
    app: tuple[str, str],
) -> None:
    pool_id, cid = app
    email = "v3-cat@sdkv3.example.com"
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username="v3-cat",
        UserAttributes=[
            {"Name": "email", "Value": email},
            {"Name": "email_verified", "Value": "true"},
        ],
        MessageAction="SUPPRESS",
    )
    idp.admin_set_user_password(
        UserPoolId=pool_id, Username="v3-cat", Password=PASSWORD, Permanent=True
    )
    sent = _sdk(node, server, "ForgotPassword", {"ClientId": cid, "Username": "v3-cat"})
    assert sent["output"]["CodeDeliveryDetails"]["AttributeName"] == "email"
    done = _sdk(
        node,
        server,
        "ConfirmForgotPassword",
        {
            "ClientId": cid,
            "Username": "v3-cat",
            "ConfirmationCode": server.code(email),
            "Password": "N3w-Passw0rd!",
        },
    )
    assert "error" not in done, done


def test_the_sdk_retries_a_throttled_request(node: str, tmp_path: Path) -> None:
    """TooManyRequestsException is a throttling error to the SDK (by code, whatever the
    status): with maxAttempts 3 it tries three times before giving up."""
    server = Server(tmp_path, "--rate-per-ip", "2", "--rate-per-client", "0").start()
    try:
        request = {"ClientId": "1nosuchclient23456", "Username": "u", "ConfirmationCode": "1"}
        for _ in range(2):
            assert _sdk(node, server, "ConfirmSignUp", request)["error"]["name"] == (
                "ResourceNotFoundException"
            )
        throttled = _sdk(node, server, "ConfirmSignUp", request, attempts=3)
        assert throttled["error"]["name"] == "TooManyRequestsException"
        assert throttled["attempts"] == 3
    finally:
        server.stop()
