"""The AWS CLI (v1, as installed in the venv) drives sign-up and confirmation end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import Server

AWS = str(Path(sys.executable).with_name("aws"))
PASSWORD = "Corr3ct-Horse!"

Aws = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def aws(server: Server, tmp: Path) -> Aws:
    """Run ``aws cognito-idp <args>`` against the test server with throwaway credentials."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        {
            "AWS_ACCESS_KEY_ID": server.key_id,
            "AWS_SECRET_ACCESS_KEY": server.key_secret,
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_CONFIG_FILE": str(tmp / "no-such-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp / "no-such-credentials"),
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_PAGER": "",
        }
    )

    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [AWS, "cognito-idp", *args, "--endpoint-url", server.url, "--output", "json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        if check:
            assert done.returncode == 0, (args, done.returncode, done.stderr)
        return done

    return run


def run_json(aws: Aws, *args: str) -> Any:
    out = aws(*args).stdout
    return json.loads(out) if out.strip() else {}


@pytest.fixture
def app(aws: Aws) -> tuple[str, str]:
    """(pool id, client id) created through the CLI."""
    pool = run_json(
        aws, "create-user-pool", "--pool-name", "cli-pool", "--auto-verified-attributes", "email"
    )["UserPool"]
    client = run_json(
        aws, "create-user-pool-client", "--user-pool-id", pool["Id"], "--client-name", "cli-app"
    )["UserPoolClient"]
    assert client["UserPoolId"] == pool["Id"]
    return pool["Id"], client["ClientId"]


def sign_up(aws: Aws, client_id: str, username: str, email: str) -> dict[str, Any]:
    return dict(
        run_json(
            aws,
            "sign-up",
            "--client-id",
            client_id,
            "--username",
            username,
            "--password",
            PASSWORD,
            "--user-attributes",
            f"Name=email,Value={email}",
        )
    )


def test_cli_sign_up_then_confirm_with_the_emailed_code_confirms_the_user(
    aws: Aws, server: Server, app: tuple[str, str]
) -> None:
    pool_id, client_id = app
    signed = sign_up(aws, client_id, "cli-alice", "cli-alice@example.com")
    assert signed["UserConfirmed"] is False
    assert signed["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"

    before = run_json(aws, "admin-get-user", "--user-pool-id", pool_id, "--username", "cli-alice")
    assert before["UserStatus"] == "UNCONFIRMED"

    code = server.code("cli-alice@example.com")
    aws(
        "confirm-sign-up",
        "--client-id",
        client_id,
        "--username",
        "cli-alice",
        "--confirmation-code",
        code,
    )

    user = run_json(aws, "admin-get-user", "--user-pool-id", pool_id, "--username", "cli-alice")
    assert user["UserStatus"] == "CONFIRMED"
    attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert attributes["email"] == "cli-alice@example.com"
    assert attributes["email_verified"] == "true"


def test_cli_confirm_with_a_wrong_code_exits_non_zero_with_code_mismatch(
    aws: Aws, server: Server, app: tuple[str, str]
) -> None:
    pool_id, client_id = app
    sign_up(aws, client_id, "cli-bob", "cli-bob@example.com")
    code = server.code("cli-bob@example.com")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"

    done = aws(
        "confirm-sign-up",
        "--client-id",
        client_id,
        "--username",
        "cli-bob",
        "--confirmation-code",
        wrong,
        check=False,
    )

    assert done.returncode != 0
    assert "CodeMismatchException" in done.stderr, done.stderr
    user = run_json(aws, "admin-get-user", "--user-pool-id", pool_id, "--username", "cli-bob")
    assert user["UserStatus"] == "UNCONFIRMED"


def test_cli_forgot_password_then_confirm_forgot_password_sets_the_new_password(
    aws: Aws, server: Server, app: tuple[str, str]
) -> None:
    _, client_id = app
    email = "cli-fp-carol@example.com"
    sign_up(aws, client_id, "cli-carol", email)
    aws(
        "confirm-sign-up",
        "--client-id",
        client_id,
        "--username",
        "cli-carol",
        "--confirmation-code",
        server.code(email),
    )
    sent = run_json(aws, "forgot-password", "--client-id", client_id, "--username", "cli-carol")
    assert sent["CodeDeliveryDetails"] == {
        "Destination": "c***@e***",
        "DeliveryMedium": "EMAIL",
        "AttributeName": "email",
    }
    new_password = "Fresh-H0rse-Battery!"
    aws(
        "confirm-forgot-password",
        "--client-id",
        client_id,
        "--username",
        "cli-carol",
        "--confirmation-code",
        server.code(email),
        "--password",
        new_password,
    )
    done = aws(
        "confirm-forgot-password",
        "--client-id",
        client_id,
        "--username",
        "cli-carol",
        "--confirmation-code",
        "000000",
        "--password",
        new_password,
        check=False,
    )
    assert done.returncode != 0 and "ExpiredCodeException" in done.stderr, done.stderr
