"""The time rules of MFA challenges at sign-in, on a fake clock: a challenge's Session (and
the SMS or email code sent with it) lives the client's ``AuthSessionValidity`` minutes
(default 3), then "Invalid session for the user, session is expired."; the codes are
messages like any other, limited per address and hour."""

from __future__ import annotations

from typing import Any

import pyotp
import pytest

from tests.api.mfa_helpers import EMAIL_ON, SMS_ON, TOTP_ON, MfaApp, make_mfa_app
from tests.harness import CallError, InProcess

EXPIRED = ("NotAuthorizedException", "Invalid session for the user, session is expired.")


def _error(exc: pytest.ExceptionInfo[CallError]) -> tuple[str, str]:
    return exc.value.code, exc.value.message


def _app(inproc: InProcess, mode: str = "OPTIONAL") -> MfaApp:
    return make_mfa_app(inproc.idp, inproc, mode, **SMS_ON, **TOTP_ON, **EMAIL_ON)


def test_an_sms_code_lives_as_long_as_its_session(inproc: InProcess) -> None:
    app = _app(inproc)
    phone = str(app.user("ann", phone=True))
    app.prefer("ann", SMSMfaSettings={"Enabled": True})
    asked = app.sign_in("ann")
    inproc.clock.advance(181)
    with pytest.raises(CallError) as late:
        app.answer("ann", "SMS_MFA", asked["Session"], SMS_MFA_CODE=inproc.code(phone))
    assert _error(late) == EXPIRED
    again = app.sign_in("ann")
    inproc.clock.advance(170)
    done = app.answer("ann", "SMS_MFA", again["Session"], SMS_MFA_CODE=inproc.code(phone))
    assert "AuthenticationResult" in done


def test_each_step_lives_the_clients_session_validity(inproc: InProcess) -> None:
    app = _app(inproc)
    inproc.idp.update_user_pool_client(
        UserPoolId=app.pool_id,
        ClientId=app.client_id,
        AuthSessionValidity=5,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"],
    )
    phone = str(app.user("bea", phone=True))
    token = app.sign_in("bea")["AuthenticationResult"]["AccessToken"]
    secret = inproc.idp.associate_software_token(AccessToken=token)["SecretCode"]
    code = pyotp.TOTP(secret).at(inproc.clock.now())
    inproc.idp.verify_software_token(AccessToken=token, UserCode=code)
    app.prefer("bea", SMSMfaSettings={"Enabled": True}, SoftwareTokenMfaSettings={"Enabled": True})
    select = app.sign_in("bea")
    assert select["ChallengeName"] == "SELECT_MFA_TYPE"
    inproc.clock.advance(290)  # within 5 minutes
    chosen = app.answer("bea", "SELECT_MFA_TYPE", select["Session"], ANSWER="SMS_MFA")
    inproc.clock.advance(290)  # 580 s after the sign-in, 290 s after the choice
    done = app.answer("bea", "SMS_MFA", chosen["Session"], SMS_MFA_CODE=inproc.code(phone))
    assert "AuthenticationResult" in done


def test_mfa_codes_count_against_the_address_quota(tmp_path: Any) -> None:
    inproc = InProcess(tmp_path / "quota", messages_per_destination_per_hour=2)
    try:
        app = _app(inproc)
        phone = str(app.user("dee", phone=True, email=False))
        app.prefer("dee", SMSMfaSettings={"Enabled": True})
        for _ in range(2):
            assert app.sign_in("dee")["ChallengeName"] == "SMS_MFA"
        with pytest.raises(CallError) as refused:
            app.sign_in("dee")
        assert refused.value.code == "LimitExceededException"
        assert len(inproc.messages(phone)) == 2
        inproc.clock.advance(3601)
        assert app.sign_in("dee")["ChallengeName"] == "SMS_MFA"
    finally:
        inproc.close()
