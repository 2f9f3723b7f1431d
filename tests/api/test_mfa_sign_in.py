"""MFA at sign-in through boto3, software tokens: SOFTWARE_TOKEN_MFA after every flow that
checks a password (USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH, USER_SRP_AUTH through
pycognito, USER_AUTH's PASSWORD and PASSWORD_SRP, a new password after
NEW_PASSWORD_REQUIRED), none after a passwordless first factor or in pools with MFA OFF,
MFA_SETUP (a software token set up with the challenge's Session, or an email), a code used
once, and the ``amr`` claim. Codes come from pyotp. (SMS and email codes, SELECT_MFA_TYPE,
threat protection: test_mfa_codes.py; session lifetimes: tests/inprocess/test_mfa_sessions.py.)"""

from __future__ import annotations

import re
from typing import Any

import pytest
from pycognito.aws_srp import AWSSRP
from pycognito.exceptions import SoftwareTokenMFAChallengeException

from tests.api.mfa_helpers import (
    EMAIL_ON,
    INVALID,
    MISMATCH,
    PASSWORD,
    TOTP_ON,
    USED,
    MfaApp,
    claims,
    make_mfa_app,
    totp_code,
    wrong_totp,
)
from tests.helpers import Server, outcome


@pytest.fixture
def optional(idp: Any, server: Server) -> MfaApp:
    return make_mfa_app(idp, server, "OPTIONAL", **TOTP_ON)


@pytest.fixture
def required(idp: Any, server: Server) -> MfaApp:
    return make_mfa_app(idp, server, "ON", **TOTP_ON)


def _tokens(answer: Any) -> dict[str, Any]:
    assert "AuthenticationResult" in answer, answer
    assert answer["ChallengeParameters"] == {}
    return dict(answer["AuthenticationResult"])


def test_pools_with_mfa_off_or_users_without_factors_sign_in_at_once(
    idp: Any, server: Server, optional: MfaApp
) -> None:
    off = make_mfa_app(idp, server, "OFF")
    off.user("off-ann", phone=True)
    off.prefer("off-ann", SMSMfaSettings={"Enabled": True, "PreferredMfa": True})
    result = _tokens(off.sign_in("off-ann"))
    assert "amr" not in claims(result["IdToken"])
    optional.user("opt-ann")
    result = _tokens(optional.sign_in("opt-ann"))
    assert "amr" not in claims(result["IdToken"])


def test_a_token_set_up_with_the_access_token_is_asked_for_once_per_code(
    idp: Any, optional: MfaApp
) -> None:
    optional.user("tok-ben")
    secret = optional.set_up_totp("tok-ben")
    assert idp.admin_get_user(UserPoolId=optional.pool_id, Username="tok-ben")[
        "UserMFASettingList"
    ] == ["SOFTWARE_TOKEN_MFA"]

    asked = optional.sign_in("tok-ben")
    assert asked["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    assert asked["ChallengeParameters"] == {}
    assert "AuthenticationResult" not in asked
    session = asked["Session"]
    bad = wrong_totp(secret)
    wrong = outcome(
        lambda: optional.answer(
            "tok-ben", "SOFTWARE_TOKEN_MFA", session, SOFTWARE_TOKEN_MFA_CODE=bad
        )
    )
    assert wrong == MISMATCH
    code = totp_code(secret, 1)  # the step Verify used is spent: the app's next code
    done = optional.answer("tok-ben", "SOFTWARE_TOKEN_MFA", session, SOFTWARE_TOKEN_MFA_CODE=code)
    result = _tokens(done)
    assert claims(result["IdToken"])["amr"] == ["pwd", "otp", "mfa"]
    assert "amr" not in claims(result["AccessToken"])
    spent = outcome(
        lambda: optional.answer(
            "tok-ben", "SOFTWARE_TOKEN_MFA", session, SOFTWARE_TOKEN_MFA_CODE=code
        )
    )
    assert spent == INVALID

    again = optional.sign_in("tok-ben")["Session"]
    assert (
        outcome(
            lambda: optional.answer(
                "tok-ben", "SOFTWARE_TOKEN_MFA", again, SOFTWARE_TOKEN_MFA_CODE=code
            )
        )
        == USED
    )
    assert (
        outcome(  # the session survived the refusal
            lambda: optional.answer(
                "tok-ben", "SOFTWARE_TOKEN_MFA", again, SOFTWARE_TOKEN_MFA_CODE=bad
            )
        )
        == MISMATCH
    )


def test_a_missing_code_is_a_missing_parameter(optional: MfaApp) -> None:
    optional.user("tok-cy")
    optional.set_up_totp("tok-cy")
    session = optional.sign_in("tok-cy")["Session"]
    assert outcome(lambda: optional.answer("tok-cy", "SOFTWARE_TOKEN_MFA", session)) == (
        "InvalidParameterException",
        "Missing required parameter SOFTWARE_TOKEN_MFA_CODE",
    )
    refused = outcome(lambda: optional.answer("tok-cy", "SMS_MFA", session, SMS_MFA_CODE="123456"))
    assert refused == INVALID  # another challenge's name: refused, the session kept
    assert outcome(
        lambda: optional.idp.respond_to_auth_challenge(
            ClientId=optional.client_id,
            ChallengeName="SOFTWARE_TOKEN_MFA",
            ChallengeResponses={"USERNAME": "tok-cy", "SOFTWARE_TOKEN_MFA_CODE": "123456"},
        )
    ) == ("InvalidParameterException", "Missing required parameter Session")


def _srp(app: MfaApp, name: str) -> AWSSRP:
    return AWSSRP(
        username=name,
        password=PASSWORD,
        pool_id=app.pool_id,
        client_id=app.client_id,
        client=app.idp,
    )


def _challenge(app: MfaApp, name: str, flow: str) -> Any:
    """Sign ``name`` in with its password through ``flow``: the answer that follows it."""
    if flow == "USER_SRP_AUTH":
        with pytest.raises(SoftwareTokenMFAChallengeException) as exc:
            _srp(app, name).authenticate_user()
        return exc.value.get_tokens()
    if flow == "USER_AUTH/PASSWORD":
        return app.sign_in(name, "USER_AUTH", PREFERRED_CHALLENGE="PASSWORD")
    if flow == "USER_AUTH/PASSWORD_SRP":
        srp = _srp(app, name)
        params = srp.get_auth_params()
        verifier = app.idp.initiate_auth(
            ClientId=app.client_id,
            AuthFlow="USER_AUTH",
            AuthParameters={**params, "PREFERRED_CHALLENGE": "PASSWORD_SRP"},
        )
        assert verifier["ChallengeName"] == "PASSWORD_VERIFIER"
        proof = srp.process_challenge(verifier["ChallengeParameters"], params)
        return app.answer(name, "PASSWORD_VERIFIER", verifier["Session"], **proof)
    return app.sign_in(name, flow)


@pytest.mark.parametrize(
    "flow",
    [
        "USER_PASSWORD_AUTH",
        "ADMIN_USER_PASSWORD_AUTH",
        "USER_SRP_AUTH",
        "USER_AUTH/PASSWORD",
        "USER_AUTH/PASSWORD_SRP",
    ],
)
def test_every_password_flow_asks_for_the_token(optional: MfaApp, flow: str) -> None:
    name = "flow-" + re.sub(r"[^a-z]", "", flow.lower())
    optional.user(name)
    secret = optional.set_up_totp(name)
    asked = _challenge(optional, name, flow)
    assert asked["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    admin = flow.startswith("ADMIN_")
    done = optional.answer(
        name,
        "SOFTWARE_TOKEN_MFA",
        asked["Session"],
        admin=admin,
        SOFTWARE_TOKEN_MFA_CODE=totp_code(secret, 1),
    )
    assert claims(_tokens(done)["IdToken"])["cognito:username"] == name


def test_a_passwordless_first_factor_is_not_followed_by_mfa(idp: Any, server: Server) -> None:
    policy = {"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP"]}}
    app = make_mfa_app(idp, server, "OPTIONAL", pool={"Policies": policy}, **TOTP_ON)
    app.user("otp-dee")
    app.set_up_totp("otp-dee")
    asked = app.idp.initiate_auth(
        ClientId=app.client_id,
        AuthFlow="USER_AUTH",
        AuthParameters={"USERNAME": "otp-dee", "PREFERRED_CHALLENGE": "EMAIL_OTP"},
    )
    assert asked["ChallengeName"] == "EMAIL_OTP"
    code = re.findall(r"\b(\d{8})\b", server.messages(app.email_of("otp-dee"))[-1])[-1]
    done = app.answer("otp-dee", "EMAIL_OTP", asked["Session"], EMAIL_OTP_CODE=code)
    assert "amr" not in claims(_tokens(done)["IdToken"])


def _set_up(app: MfaApp, name: str, asked: Any, admin: bool = False) -> tuple[str, Any]:
    """Answer MFA_SETUP with a token set up through its Session; (secret, the answer)."""
    assert asked["ChallengeName"] == "MFA_SETUP"
    associated = app.idp.associate_software_token(Session=asked["Session"])
    secret = associated["SecretCode"]
    verified = app.idp.verify_software_token(
        Session=associated["Session"], UserCode=totp_code(secret), FriendlyDeviceName="phone"
    )
    assert verified["Status"] == "SUCCESS"
    return secret, app.answer(name, "MFA_SETUP", verified["Session"], admin=admin)


def test_mfa_setup_with_a_software_token(required: MfaApp) -> None:
    required.user("set-eve", email=False)
    asked = required.sign_in("set-eve")
    assert asked["ChallengeParameters"] == {
        "MFAS_CAN_SETUP": '["SOFTWARE_TOKEN_MFA"]',
        "USER_ID_FOR_SRP": "set-eve",
    }
    early = outcome(lambda: required.answer("set-eve", "MFA_SETUP", asked["Session"]))
    assert early[0] == "InvalidParameterException"  # nothing set up yet; the session stays
    secret, done = _set_up(required, "set-eve", asked)
    assert claims(_tokens(done)["IdToken"])["amr"] == ["pwd", "otp", "mfa"]
    shown = required.idp.admin_get_user(UserPoolId=required.pool_id, Username="set-eve")
    assert shown["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]

    later = required.sign_in("set-eve")
    assert later["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    again = required.answer(
        "set-eve",
        "SOFTWARE_TOKEN_MFA",
        later["Session"],
        SOFTWARE_TOKEN_MFA_CODE=totp_code(secret, 1),
    )
    _tokens(again)


def test_mfa_setup_after_a_new_password(required: MfaApp) -> None:
    required.idp.admin_create_user(
        UserPoolId=required.pool_id,
        Username="new-fay",
        TemporaryPassword="Temp0rary!",
        MessageAction="SUPPRESS",
    )
    first = required.idp.admin_initiate_auth(
        UserPoolId=required.pool_id,
        ClientId=required.client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "new-fay", "PASSWORD": "Temp0rary!"},
    )
    assert first["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    asked = required.answer(
        "new-fay", "NEW_PASSWORD_REQUIRED", first["Session"], admin=True, NEW_PASSWORD=PASSWORD
    )
    _, done = _set_up(required, "new-fay", asked, admin=True)
    _tokens(done)
    shown = required.idp.admin_get_user(UserPoolId=required.pool_id, Username="new-fay")
    assert shown["UserStatus"] == "CONFIRMED"


def test_mfa_setup_with_an_email(idp: Any, server: Server) -> None:
    app = make_mfa_app(idp, server, "ON", **TOTP_ON, **EMAIL_ON)
    app.user("mail-gus", email=False)
    asked = app.sign_in("mail-gus")
    assert asked["ChallengeName"] == "MFA_SETUP"
    assert asked["ChallengeParameters"]["MFAS_CAN_SETUP"] == '["SOFTWARE_TOKEN_MFA","EMAIL_OTP"]'
    address = app.email_of("mail-gus")
    sent = app.answer("mail-gus", "MFA_SETUP", asked["Session"], EMAIL=address)
    assert sent["ChallengeName"] == "EMAIL_OTP"
    assert sent["ChallengeParameters"] == {
        "CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL",
        "CODE_DELIVERY_DESTINATION": "m***@e***",
    }
    assert app.attributes("mail-gus")["email"] == address
    assert app.attributes("mail-gus")["email_verified"] == "false"
    assert app.last_message(address) == f"Your MFA code is {app.code(address)}."
    done = app.answer("mail-gus", "EMAIL_OTP", sent["Session"], EMAIL_OTP_CODE=app.code(address))
    assert claims(_tokens(done)["IdToken"])["amr"] == ["pwd", "otp", "mfa"]
    assert app.attributes("mail-gus")["email_verified"] == "true"
    shown = idp.admin_get_user(UserPoolId=app.pool_id, Username="mail-gus")
    assert shown["UserMFASettingList"] == ["EMAIL_OTP"]
    assert app.sign_in("mail-gus")["ChallengeName"] == "EMAIL_OTP"


def test_the_setup_session_is_the_challenges_own(
    required: MfaApp, idp: Any, server: Server
) -> None:
    required.user("own-hal", email=False)
    required.user("own-ida", email=False)
    asked = required.sign_in("own-hal")
    _, done = _set_up(required, "own-hal", asked)
    _tokens(done)
    other = required.sign_in("own-ida")
    associated = idp.associate_software_token(Session=other["Session"])
    verified = idp.verify_software_token(
        Session=associated["Session"], UserCode=totp_code(associated["SecretCode"])
    )
    # another user's name with this session: refused, and the session still works
    assert outcome(lambda: required.answer("own-hal", "MFA_SETUP", verified["Session"])) == INVALID
    _tokens(required.answer("own-ida", "MFA_SETUP", verified["Session"]))
