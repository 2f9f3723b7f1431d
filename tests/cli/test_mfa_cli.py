"""TOTP set-up from the command line, as a user would type it: ``userpool cognito-idp``
against a live server and on the local data, and the AWS CLI against the server:
set-user-pool-mfa-config, associate-software-token, verify-software-token with the code
an authenticator app (pyotp) shows, set-user-mfa-preference, get-user."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyotp
import pytest

from tests.cli.harness import AWS, PASSWORD, Cli, Up


@pytest.fixture(params=["userpool-server", "userpool-embedded", "aws-server"])
def run(request: pytest.FixtureRequest, cli: Cli, tmp_path: Path) -> Up:
    program, mode = request.param.split("-")
    server = request.getfixturevalue("server") if mode == "server" else None
    up = Up(cli, mode, server, tmp_path)
    if program == "aws":
        up.cli = _Aws(cli)  # type: ignore[assignment]
    return up


class _Aws:
    """``Cli`` running the AWS CLI instead of ``userpool``."""

    def __init__(self, cli: Cli) -> None:
        self.cli = cli

    def __call__(self, *args: str, **kwargs: Any) -> Any:
        return self.cli(*args, program=AWS, **kwargs)


def test_a_user_sets_up_totp_from_the_command_line(run: Up) -> None:
    pool = run.pool()
    run.ok(
        *["set-user-pool-mfa-config", "--user-pool-id", pool, "--mfa-configuration", "OPTIONAL"],
        *["--software-token-mfa-configuration", "Enabled=true"],
    )
    client = run.client(
        pool, "--explicit-auth-flows", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"
    )
    run.ok(
        *["admin-create-user", "--user-pool-id", pool, "--username", "tia"],
        *["--message-action", "SUPPRESS"],
    )
    run.ok(
        *["admin-set-user-password", "--user-pool-id", pool, "--username", "tia"],
        *["--password", PASSWORD, "--permanent"],
    )
    signed_in = run.ok(
        *["admin-initiate-auth", "--user-pool-id", pool, "--client-id", client["ClientId"]],
        *["--auth-flow", "ADMIN_USER_PASSWORD_AUTH"],
        *["--auth-parameters", f"USERNAME=tia,PASSWORD={PASSWORD}"],
    )
    token = signed_in["AuthenticationResult"]["AccessToken"]

    secret = run.ok("associate-software-token", "--access-token", token)["SecretCode"]
    verified = run.ok(
        *["verify-software-token", "--access-token", token],
        *["--user-code", pyotp.TOTP(secret).now(), "--friendly-device-name", "phone"],
    )
    assert verified == {"Status": "SUCCESS"}
    done = run(
        *["set-user-mfa-preference", "--access-token", token],
        "--software-token-mfa-settings",
        "Enabled=true,PreferredMfa=true",
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    user = run.ok("get-user", "--access-token", token)
    assert user["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"
    assert user["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]


def test_the_pool_setting_reads_back_and_errors_are_cognitos(run: Up) -> None:
    pool = run.pool()
    run.ok(
        *["set-user-pool-mfa-config", "--user-pool-id", pool, "--mfa-configuration", "ON"],
        *["--software-token-mfa-configuration", "Enabled=true"],
    )
    assert run.ok("get-user-pool-mfa-config", "--user-pool-id", pool) == {
        "SoftwareTokenMfaConfiguration": {"Enabled": True},
        "MfaConfiguration": "ON",
    }
    done = run("verify-software-token", "--access-token", "x.y.z", "--user-code", "123456")
    assert done.returncode == (255 if isinstance(run.cli, _Aws) else 254)  # AWS CLI v1: 255
    assert done.stderr == (
        "\nAn error occurred (NotAuthorizedException) when calling the VerifySoftwareToken "
        "operation: Invalid Access Token\n"
    )
