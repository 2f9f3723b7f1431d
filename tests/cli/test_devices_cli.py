"""Remembered devices from the command line: ``userpool cognito-idp`` against a live server
and on the local data, and the AWS CLI against the server: a pool with
``--device-configuration``, a sign-in's NewDeviceMetadata, confirm-device (the verifier
made by pycognito), admin-list-devices, update-device-status, list-devices, get-device,
admin-forget-device and its "Device does not exist."."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pycognito.aws_srp import generate_hash_device

from tests.cli.harness import PASSWORD, Cli, Up
from tests.cli.test_mfa_cli import _Aws


@pytest.fixture(params=["userpool-server", "userpool-embedded", "aws-server"])
def run(request: pytest.FixtureRequest, cli: Cli, tmp_path: Path) -> Up:
    program, mode = request.param.split("-")
    server = request.getfixturevalue("server") if mode == "server" else None
    up = Up(cli, mode, server, tmp_path)
    if program == "aws":
        up.cli = _Aws(cli)  # type: ignore[assignment]
    return up


def test_a_device_is_confirmed_remembered_listed_and_forgotten(run: Up) -> None:
    pool = run.pool(
        "--device-configuration",
        "ChallengeRequiredOnNewDevice=true,DeviceOnlyRememberedOnUserPrompt=true",
    )
    client = run.client(pool, "--explicit-auth-flows", "ALLOW_ADMIN_USER_PASSWORD_AUTH")
    run.ok("admin-create-user", "--user-pool-id", pool, "--username", "dex")
    run.ok(
        *["admin-set-user-password", "--user-pool-id", pool, "--username", "dex"],
        *["--password", PASSWORD, "--permanent"],
    )
    signed_in = run.ok(
        *["admin-initiate-auth", "--user-pool-id", pool, "--client-id", client["ClientId"]],
        *["--auth-flow", "ADMIN_USER_PASSWORD_AUTH"],
        *["--auth-parameters", f"USERNAME=dex,PASSWORD={PASSWORD}"],
    )["AuthenticationResult"]
    meta = signed_in["NewDeviceMetadata"]
    key, token = meta["DeviceKey"], signed_in["AccessToken"]
    _, verifier = generate_hash_device(meta["DeviceGroupKey"], key)
    confirmed = run.ok(
        *["confirm-device", "--access-token", token, "--device-key", key],
        *["--device-secret-verifier-config", json.dumps(verifier), "--device-name", "laptop"],
    )
    assert confirmed == {"UserConfirmationNecessary": True}
    named = ["--user-pool-id", pool, "--username", "dex"]
    listed = run.ok("admin-list-devices", *named)["Devices"]
    assert [d["DeviceKey"] for d in listed] == [key]
    assert run.ok("list-devices", "--access-token", token) == {"Devices": []}
    run.ok(
        *["update-device-status", "--access-token", token, "--device-key", key],
        *["--device-remembered-status", "remembered"],
    )
    device = run.ok("get-device", "--access-token", token, "--device-key", key)["Device"]
    assert {"Name": "device_name", "Value": "laptop"} in device["DeviceAttributes"]
    run.ok("admin-forget-device", *named, "--device-key", key)
    gone = run("get-device", "--access-token", token, "--device-key", key)
    assert gone.returncode == (255 if isinstance(run.cli, _Aws) else 254)  # AWS CLI v1: 255
    assert "ResourceNotFoundException" in gone.stderr and "Device does not exist." in gone.stderr
