"""MFA at sign-in through boto3, codes by SMS and email (read from the outbox): SMS_MFA and
EMAIL_OTP with their masked destinations and the pool's messages, the attribute a right
code verifies, the factor an ON pool picks for a user with none, SELECT_MFA_TYPE, the
preferred factor, wrong codes on one Session and their cap, and threat protection's
MFA_REQUIRED / MFA_IF_CONFIGURED actions."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.mfa_helpers import (
    EMAIL_ON,
    INVALID,
    MISMATCH,
    SMS_ON,
    TOTP_ON,
    MfaApp,
    claims,
    make_mfa_app,
    totp_code,
)
from tests.helpers import Server, outcome

ENABLED = {"Enabled": True}
PREFERRED = {"Enabled": True, "PreferredMfa": True}


@pytest.fixture
def every(idp: Any, server: Server) -> MfaApp:
    """An OPTIONAL pool offering SMS, TOTP and email MFA."""
    return make_mfa_app(idp, server, "OPTIONAL", **SMS_ON, **TOTP_ON, **EMAIL_ON)


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_sms_mfa_sends_the_pools_message_and_verifies_the_phone(every: MfaApp) -> None:
    phone = str(every.user("sms-ann", phone=True))
    every.prefer("sms-ann", SMSMfaSettings=ENABLED)
    asked = every.sign_in("sms-ann")
    assert asked["ChallengeName"] == "SMS_MFA"
    assert asked["ChallengeParameters"] == {
        "CODE_DELIVERY_DELIVERY_MEDIUM": "SMS",
        "CODE_DELIVERY_DESTINATION": "+" + "*" * (len(phone) - 5) + phone[-4:],
    }
    code = every.code(phone)
    assert every.last_message(phone) == f"Your sign-in code: {code}"
    assert every.subjects(phone) == [None]
    session = asked["Session"]
    wrong = outcome(lambda: every.answer("sms-ann", "SMS_MFA", session, SMS_MFA_CODE=_wrong(code)))
    assert wrong == MISMATCH
    assert every.attributes("sms-ann").get("phone_number_verified") != "true"
    done = every.answer("sms-ann", "SMS_MFA", session, SMS_MFA_CODE=code)
    result = done["AuthenticationResult"]
    assert claims(result["IdToken"])["amr"] == ["pwd", "sms", "mfa"]
    assert claims(result["IdToken"])["phone_number_verified"] is True
    assert every.attributes("sms-ann")["phone_number_verified"] == "true"
    again = outcome(lambda: every.answer("sms-ann", "SMS_MFA", session, SMS_MFA_CODE=code))
    assert again == INVALID


def test_email_mfa_uses_the_pools_message_and_subject(every: MfaApp) -> None:
    every.user("mail-ben")
    every.prefer("mail-ben", EmailMfaSettings=ENABLED)
    asked = every.sign_in("mail-ben")
    assert asked["ChallengeName"] == "EMAIL_OTP"
    assert asked["ChallengeParameters"] == {
        "CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL",
        "CODE_DELIVERY_DESTINATION": "m***@e***",
    }
    address = every.email_of("mail-ben")
    code = every.code(address)
    assert every.last_message(address) == f"Your MFA code is {code}."
    assert every.subjects(address)[-1] == "MFA"
    # the documentation's EMAIL_MFA_CODE is taken as EMAIL_OTP_CODE
    done = every.answer("mail-ben", "EMAIL_OTP", asked["Session"], EMAIL_MFA_CODE=code)
    assert claims(done["AuthenticationResult"]["IdToken"])["amr"] == ["pwd", "otp", "mfa"]


def test_an_on_pool_picks_sms_then_email_for_a_user_with_no_factor(
    idp: Any, server: Server
) -> None:
    app = make_mfa_app(idp, server, "ON", **SMS_ON, **TOTP_ON, **EMAIL_ON)
    phone = str(app.user("on-cy", phone=True))
    app.user("on-dee")
    by_sms = app.sign_in("on-cy")
    assert by_sms["ChallengeName"] == "SMS_MFA"
    done = app.answer("on-cy", "SMS_MFA", by_sms["Session"], SMS_MFA_CODE=app.code(phone))
    assert "AuthenticationResult" in done
    by_email = app.sign_in("on-dee")
    assert by_email["ChallengeName"] == "EMAIL_OTP"
    address = app.email_of("on-dee")
    done = app.answer("on-dee", "EMAIL_OTP", by_email["Session"], EMAIL_OTP_CODE=app.code(address))
    assert "AuthenticationResult" in done
    shown = idp.admin_get_user(UserPoolId=app.pool_id, Username="on-dee")
    assert "UserMFASettingList" not in shown  # challenged, yet nothing was enabled


def test_several_factors_and_none_preferred_select_one(every: MfaApp) -> None:
    phone = str(every.user("sel-eve", phone=True))
    secret = every.set_up_totp("sel-eve")
    every.prefer("sel-eve", SMSMfaSettings=ENABLED)
    asked = every.sign_in("sel-eve")
    assert asked["ChallengeName"] == "SELECT_MFA_TYPE"
    assert asked["ChallengeParameters"] == {"MFAS_CAN_CHOOSE": '["SMS_MFA","SOFTWARE_TOKEN_MFA"]'}
    select = asked["Session"]
    refused = outcome(
        lambda: every.answer("sel-eve", "SELECT_MFA_TYPE", select, ANSWER="EMAIL_OTP")
    )
    assert refused[0] == "InvalidParameterException"
    chosen = every.answer("sel-eve", "SELECT_MFA_TYPE", select, ANSWER="SMS_MFA")
    assert chosen["ChallengeName"] == "SMS_MFA" and chosen["Session"] != select
    assert chosen["ChallengeParameters"]["CODE_DELIVERY_DELIVERY_MEDIUM"] == "SMS"
    assert outcome(
        lambda: every.answer("sel-eve", "SELECT_MFA_TYPE", select, ANSWER="SMS_MFA")
    ) == (INVALID)
    done = every.answer("sel-eve", "SMS_MFA", chosen["Session"], SMS_MFA_CODE=every.code(phone))
    assert "AuthenticationResult" in done

    token = every.answer(
        "sel-eve",
        "SELECT_MFA_TYPE",
        every.sign_in("sel-eve")["Session"],
        ANSWER="SOFTWARE_TOKEN_MFA",
    )
    assert token["ChallengeName"] == "SOFTWARE_TOKEN_MFA" and token["ChallengeParameters"] == {}
    done = every.answer(
        "sel-eve",
        "SOFTWARE_TOKEN_MFA",
        token["Session"],
        SOFTWARE_TOKEN_MFA_CODE=totp_code(secret, 1),
    )
    assert "AuthenticationResult" in done


def test_the_preferred_factor_is_asked_for(every: MfaApp) -> None:
    every.user("pref-fay", phone=True)
    every.set_up_totp("pref-fay")
    every.prefer("pref-fay", SMSMfaSettings=ENABLED, EmailMfaSettings=PREFERRED)
    assert every.sign_in("pref-fay")["ChallengeName"] == "EMAIL_OTP"
    every.prefer("pref-fay", SoftwareTokenMfaSettings=PREFERRED)
    assert every.sign_in("pref-fay")["ChallengeName"] == "SOFTWARE_TOKEN_MFA"


def test_wrong_codes_are_capped_per_session(every: MfaApp) -> None:
    phone = str(every.user("cap-gus", phone=True))
    every.prefer("cap-gus", SMSMfaSettings=ENABLED)
    asked = every.sign_in("cap-gus")
    code = every.code(phone)
    for _ in range(5):
        wrong = outcome(
            lambda: every.answer("cap-gus", "SMS_MFA", asked["Session"], SMS_MFA_CODE=_wrong(code))
        )
        assert wrong == MISMATCH
    spent = outcome(lambda: every.answer("cap-gus", "SMS_MFA", asked["Session"], SMS_MFA_CODE=code))
    assert spent == INVALID
    again = every.sign_in("cap-gus")  # a new sign-in, a new code
    done = every.answer("cap-gus", "SMS_MFA", again["Session"], SMS_MFA_CODE=every.code(phone))
    assert "AuthenticationResult" in done


def test_a_session_answers_only_its_client(every: MfaApp, idp: Any) -> None:
    every.user("cli-hal")
    every.prefer("cli-hal", EmailMfaSettings=ENABLED)
    asked = every.sign_in("cli-hal")
    other = idp.create_user_pool_client(
        UserPoolId=every.pool_id, ClientName="other", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    code = every.code(every.email_of("cli-hal"))
    refused = outcome(
        lambda: idp.respond_to_auth_challenge(
            ClientId=other,
            ChallengeName="EMAIL_OTP",
            Session=asked["Session"],
            ChallengeResponses={"USERNAME": "cli-hal", "EMAIL_OTP_CODE": code},
        )
    )
    assert refused == INVALID
    done = every.answer("cli-hal", "EMAIL_OTP", asked["Session"], EMAIL_OTP_CODE=code)
    assert "AuthenticationResult" in done


def _risky(idp: Any, server: Server, action: str) -> MfaApp:
    """An ENFORCED pool (MFA OPTIONAL, SMS offered) whose every sign-in (Low risk) gets
    ``action``."""
    app = make_mfa_app(
        idp,
        server,
        "OPTIONAL",
        pool={"UserPoolAddOns": {"AdvancedSecurityMode": "ENFORCED"}},
        **SMS_ON,
        **TOTP_ON,
    )
    idp.set_risk_configuration(
        UserPoolId=app.pool_id,
        AccountTakeoverRiskConfiguration={
            "Actions": {
                "LowAction": {"Notify": False, "EventAction": action},
                "MediumAction": {"Notify": False, "EventAction": action},
                "HighAction": {"Notify": False, "EventAction": "BLOCK"},
            },
        },
    )
    return app


def test_threat_protection_mfa_required_challenges_or_blocks(idp: Any, server: Server) -> None:
    app = _risky(idp, server, "MFA_REQUIRED")
    phone = str(app.user("risk-ida", phone=True))
    asked = app.sign_in("risk-ida")
    assert asked["ChallengeName"] == "SMS_MFA"
    done = app.answer("risk-ida", "SMS_MFA", asked["Session"], SMS_MFA_CODE=app.code(phone))
    assert "AuthenticationResult" in done
    app.user("risk-jo")  # no phone, no token: nothing to answer with
    assert outcome(lambda: app.sign_in("risk-jo")) == (
        "NotAuthorizedException",
        "Request not allowed due to security reasons.",
    )
    events = idp.admin_list_user_auth_events(UserPoolId=app.pool_id, Username="risk-jo")
    assert events["AuthEvents"][0]["EventResponse"] == "Fail"


def test_threat_protection_mfa_if_configured_lets_the_others_in(idp: Any, server: Server) -> None:
    app = _risky(idp, server, "MFA_IF_CONFIGURED")
    app.user("risk-kit", phone=True)
    assert app.sign_in("risk-kit")["ChallengeName"] == "SMS_MFA"
    app.user("risk-lou")
    assert "AuthenticationResult" in app.sign_in("risk-lou")
