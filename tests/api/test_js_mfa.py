"""MFA at sign-in with the JavaScript clients (driver: tests/js/mfa_flow.mjs): Amplify JS v6
sets up an authenticator app during sign-in (CONTINUE_SIGN_IN_WITH_TOTP_SETUP) and signs
in with it later (CONFIRM_SIGN_IN_WITH_TOTP_CODE), answers SMS and email codes, sets up
email MFA and selects a factor; amazon-cognito-identity-js answers SOFTWARE_TOKEN_MFA
(``totpRequired`` -> ``sendMFACode``) and MFA_SETUP. Software-token codes come from pyotp,
SMS and email codes from ``userpool outbox``."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any
from urllib.parse import parse_qs, urlparse

from tests.api.mfa_helpers import (
    EMAIL_ON,
    PASSWORD,
    SMS_ON,
    TOTP_ON,
    MfaApp,
    make_mfa_app,
)
from tests.helpers import ROOT, USERPOOL, Server

SCRIPT = ROOT / "tests" / "js" / "mfa_flow.mjs"


def _run(node: str, app: MfaApp, mode: str, name: str, **opts: str) -> dict[str, Any]:
    args = {
        "mode": mode,
        "endpoint": app.server.url,
        "pool-id": app.pool_id,
        "client-id": app.client_id,
        "username": name,
        "password": PASSWORD,
        "userpool": USERPOOL,
        "db": app.server.db,
        "python": sys.executable,
        **opts,
    }
    argv = [node, str(SCRIPT)]
    for key, value in args.items():
        argv += [f"--{key}", value]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, (mode, done.stderr, done.stdout)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_amplify_sets_up_an_authenticator_app_while_signing_in(
    node: str, idp: Any, server: Server
) -> None:
    app = make_mfa_app(idp, server, "ON", **TOTP_ON)
    app.user("amp-ann", email=False)
    out = _run(node, app, "amplify-totp-setup", "amp-ann")
    assert out["steps"] == [
        "CONTINUE_SIGN_IN_WITH_TOTP_SETUP",
        "DONE",
        "CONFIRM_SIGN_IN_WITH_TOTP_CODE",
        "DONE",
    ]
    uri = urlparse(out["setupUri"])
    assert uri.scheme == "otpauth" and uri.netloc == "totp"
    assert parse_qs(uri.query)["secret"] == [out["sharedSecret"]]
    assert out["firstClaims"]["amr"] == ["pwd", "otp", "mfa"]
    assert out["claims"]["cognito:username"] == "amp-ann"
    shown = idp.admin_get_user(UserPoolId=app.pool_id, Username="amp-ann")
    assert shown["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]


def test_amplify_answers_an_sms_code(node: str, idp: Any, server: Server) -> None:
    app = make_mfa_app(idp, server, "ON", **SMS_ON)
    phone = str(app.user("amp-ben", phone=True))
    out = _run(node, app, "amplify-sms", "amp-ben", destination=phone)
    assert out["steps"] == ["CONFIRM_SIGN_IN_WITH_SMS_CODE", "DONE"]
    assert out["codeDeliveryDetails"] == {
        "deliveryMedium": "SMS",
        "destination": "+" + "*" * (len(phone) - 5) + phone[-4:],
    }
    assert out["claims"]["amr"] == ["pwd", "sms", "mfa"]
    assert out["claims"]["phone_number_verified"] is True


def test_amplify_answers_an_email_code(node: str, idp: Any, server: Server) -> None:
    app = make_mfa_app(idp, server, "OPTIONAL", **EMAIL_ON, **TOTP_ON)
    app.user("amp-cy")
    app.prefer("amp-cy", EmailMfaSettings={"Enabled": True, "PreferredMfa": True})
    out = _run(node, app, "amplify-email", "amp-cy", destination=app.email_of("amp-cy"))
    assert out["steps"] == ["CONFIRM_SIGN_IN_WITH_EMAIL_CODE", "DONE"]
    assert out["codeDeliveryDetails"] == {"deliveryMedium": "EMAIL", "destination": "a***@e***"}
    assert out["claims"]["amr"] == ["pwd", "otp", "mfa"]


def test_amplify_sets_up_email_mfa(node: str, idp: Any, server: Server) -> None:
    app = make_mfa_app(idp, server, "ON", **EMAIL_ON)
    app.user("amp-dee", email=False)
    address = app.email_of("amp-dee")
    out = _run(node, app, "amplify-email-setup", "amp-dee", destination=address)
    assert out["steps"] == [
        "CONTINUE_SIGN_IN_WITH_EMAIL_SETUP",
        "CONFIRM_SIGN_IN_WITH_EMAIL_CODE",
        "DONE",
    ]
    assert out["claims"]["email"] == address and out["claims"]["email_verified"] is True


def test_amplify_selects_a_factor(node: str, idp: Any, server: Server) -> None:
    app = make_mfa_app(idp, server, "OPTIONAL", **SMS_ON, **TOTP_ON)
    app.user("amp-eve", phone=True)
    secret = app.set_up_totp("amp-eve")
    app.prefer("amp-eve", SMSMfaSettings={"Enabled": True})
    out = _run(node, app, "amplify-select", "amp-eve", **{"totp-secret": secret})
    assert out["allowedMFATypes"] == ["SMS", "TOTP"]
    assert out["steps"] == [
        "CONTINUE_SIGN_IN_WITH_MFA_SELECTION",
        "CONFIRM_SIGN_IN_WITH_TOTP_CODE",
        "DONE",
    ]


def test_identity_js_answers_a_software_token_challenge(
    node: str, idp: Any, server: Server
) -> None:
    app = make_mfa_app(idp, server, "OPTIONAL", **TOTP_ON)
    app.user("ijs-fay")
    secret = app.set_up_totp("ijs-fay")
    out = _run(node, app, "identity-js-totp", "ijs-fay", **{"totp-secret": secret})
    assert out["steps"] == ["totpRequired:SOFTWARE_TOKEN_MFA", "onSuccess"]
    assert out["claims"]["amr"] == ["pwd", "otp", "mfa"]


def test_identity_js_sets_up_a_software_token(node: str, idp: Any, server: Server) -> None:
    app = make_mfa_app(idp, server, "ON", **TOTP_ON)
    app.user("ijs-gus", email=False)
    out = _run(node, app, "identity-js-setup", "ijs-gus")
    assert out["steps"] == ["mfaSetup:MFA_SETUP", "associateSecretCode", "onSuccess"]
    assert json.loads(out["setupParameters"]["MFAS_CAN_SETUP"]) == ["SOFTWARE_TOKEN_MFA"]
    shown = idp.admin_get_user(UserPoolId=app.pool_id, Username="ijs-gus")
    assert shown["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]
