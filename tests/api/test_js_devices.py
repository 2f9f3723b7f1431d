"""Remembered devices with the JavaScript clients (driver: tests/js/device_flow.mjs):
Amplify JS v6 confirms the device a sign-in gives it, ``rememberDevice`` remembers it, and
its next sign-in skips MFA (device SRP instead), refreshes with the device key, and, once
the device is forgotten behind its back, hears "Device does not exist.", drops the key and
signs in again; amazon-cognito-identity-js confirms its device, ``setDeviceStatusRemembered``,
and signs in again with the cached key without an MFA code. Codes come from pyotp."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from tests.api.device_helpers import OPT_IN, device_app
from tests.api.mfa_helpers import PASSWORD, MfaApp
from tests.helpers import ROOT, Server

SCRIPT = ROOT / "tests" / "js" / "device_flow.mjs"


def _run(node: str, app: MfaApp, mode: str, name: str, secret: str) -> dict[str, Any]:
    args = {
        "mode": mode,
        "endpoint": app.server.url,
        "pool-id": app.pool_id,
        "client-id": app.client_id,
        "username": name,
        "password": PASSWORD,
        "python": sys.executable,
        "totp-secret": secret,
    }
    argv = [node, str(SCRIPT)]
    for key, value in args.items():
        argv += [f"--{key}", value]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, (mode, done.stderr, done.stdout)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _statuses(app: MfaApp, name: str) -> dict[str, str]:
    found = app.idp.admin_list_devices(UserPoolId=app.pool_id, Username=name)["Devices"]
    return {
        d["DeviceKey"]: {a["Name"]: a["Value"] for a in d["DeviceAttributes"]}[
            "dev:device_remembered_status"
        ]
        for d in found
    }


def test_amplify_remembers_a_device_and_signs_in_without_mfa(
    node: str, idp: Any, server: Server
) -> None:
    app = device_app(idp, server, OPT_IN)
    app.user("amp-dev")
    secret = app.set_up_totp("amp-dev")
    out = _run(node, app, "amplify", "amp-dev", secret)
    assert out["steps"] == [
        "CONFIRM_SIGN_IN_WITH_TOTP_CODE",
        "DONE",
        "DONE",  # the remembered device replaced the software token
        "CONFIRM_SIGN_IN_WITH_TOTP_CODE",  # the forgotten device: MFA again, after the retry
    ]
    assert [d["id"] for d in out["devices"]] == [out["deviceKey"]]
    assert out["devices"][0]["name"]  # Amplify names the device (its user agent)
    assert "amr" not in out["secondClaims"]
    assert out["refreshed"] is True
    assert out["keyAfterRetry"] is None  # Amplify dropped the forgotten key
    assert out["deviceKey"] not in _statuses(app, "amp-dev")


def test_identity_js_remembers_a_device_and_signs_in_with_device_srp(
    node: str, idp: Any, server: Server
) -> None:
    app = device_app(idp, server, OPT_IN)
    app.user("ijs-dev")
    secret = app.set_up_totp("ijs-dev")
    out = _run(node, app, "identity-js", "ijs-dev", secret)
    assert out["steps"] == [
        "totpRequired:SOFTWARE_TOKEN_MFA",
        "onSuccess:true",  # UserConfirmationNecessary: the pool asks the user first
        "setDeviceStatusRemembered",
        "onSuccess:false",  # no totpRequired: DEVICE_SRP_AUTH instead
    ]
    assert out["devices"] == [out["deviceKey"]] and out["secondDeviceKey"] == out["deviceKey"]
    assert _statuses(app, "ijs-dev") == {out["deviceKey"]: "remembered"}
    assert "amr" not in out["secondClaims"]
