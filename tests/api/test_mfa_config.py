"""A pool's MFA settings through boto3: SetUserPoolMfaConfig replaces the whole MFA
configuration and GetUserPoolMfaConfig shows only what is configured (Terraform reads it
on every refresh), Cognito's refusals, and MfaConfiguration in CreateUserPool,
UpdateUserPool and DescribeUserPool kept consistent with them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.helpers import outcome

SMS_CONFIG = {"SnsCallerArn": "arn:aws:iam::123456789012:role/sms", "ExternalId": "ext-1"}
DEVELOPER_EMAIL = {
    "EmailSendingAccount": "DEVELOPER",
    "SourceArn": "arn:aws:ses:us-east-1:123456789012:identity/no-reply@example.com",
    "From": "no-reply@example.com",
}
TOTP_ON = {"SoftwareTokenMfaConfiguration": {"Enabled": True}}
EMAIL_MFA = {"EmailMfaConfiguration": {"Message": "Your code is {####}", "Subject": "Code"}}
OFF_WITH_FACTOR = (
    "InvalidParameterException",
    "Invalid MFA configuration given, can't turn off MFA and configure an MFA together.",
)
NO_FACTOR = (
    "InvalidParameterException",
    "Invalid MFA Configuration given. SMS MFA, Email MFA, or Software Token MFA must be enabled.",
)
NO_ROLE = (
    "InvalidParameterException",
    "Invalid SMS MFA configuration given, external id and a valid caller arn are required",
)
NEEDS_SMS = (
    "InvalidParameterException",
    "SMS configuration and Auto verification for phone_number are required when MFA is "
    "required/optional",
)


def _get(idp: Any, pool_id: str) -> dict[str, Any]:
    answer = dict(idp.get_user_pool_mfa_config(UserPoolId=pool_id))
    answer.pop("ResponseMetadata")
    return answer


def _set(idp: Any, pool_id: str, **config: Any) -> dict[str, Any]:
    answer = dict(idp.set_user_pool_mfa_config(UserPoolId=pool_id, **config))
    answer.pop("ResponseMetadata")
    return answer


def _described(idp: Any, pool_id: str) -> dict[str, Any]:
    return dict(idp.describe_user_pool(UserPoolId=pool_id)["UserPool"])


def test_a_new_pool_has_mfa_off_and_nothing_configured(idp: Any, pool: dict[str, Any]) -> None:
    assert _get(idp, pool["Id"]) == {"MfaConfiguration": "OFF"}
    assert _described(idp, pool["Id"])["MfaConfiguration"] == "OFF"


def test_set_echoes_the_configuration_and_get_and_describe_follow(
    idp: Any, pool: dict[str, Any]
) -> None:
    expected = {"MfaConfiguration": "OPTIONAL", "SoftwareTokenMfaConfiguration": {"Enabled": True}}
    assert _set(idp, pool["Id"], MfaConfiguration="OPTIONAL", **TOTP_ON) == expected
    assert _get(idp, pool["Id"]) == expected
    described = _described(idp, pool["Id"])
    assert described["MfaConfiguration"] == "OPTIONAL"
    assert "SoftwareTokenMfaConfiguration" not in described  # not a UserPoolType member
    assert not [k for k in described if k.startswith("_")]


def test_a_set_with_only_the_pool_id_turns_mfa_off(idp: Any, pool: dict[str, Any]) -> None:
    _set(idp, pool["Id"], MfaConfiguration="ON", **TOTP_ON)
    assert _set(idp, pool["Id"]) == {"MfaConfiguration": "OFF"}
    assert _get(idp, pool["Id"]) == {"MfaConfiguration": "OFF"}
    assert _described(idp, pool["Id"])["MfaConfiguration"] == "OFF"


@pytest.mark.parametrize("mode", [{"MfaConfiguration": "OFF"}, {}])
@pytest.mark.parametrize(
    "factor",
    [
        {"SoftwareTokenMfaConfiguration": {"Enabled": False}},
        {"SoftwareTokenMfaConfiguration": {"Enabled": True}},
        {"SmsMfaConfiguration": {"SmsConfiguration": SMS_CONFIG}},
    ],
)
def test_off_with_a_factor_is_refused(
    idp: Any, pool: dict[str, Any], mode: dict[str, str], factor: dict[str, Any]
) -> None:
    _set(idp, pool["Id"], MfaConfiguration="OPTIONAL", **TOTP_ON)
    refused = outcome(lambda: idp.set_user_pool_mfa_config(UserPoolId=pool["Id"], **mode, **factor))
    assert refused == OFF_WITH_FACTOR
    assert _get(idp, pool["Id"])["MfaConfiguration"] == "OPTIONAL"  # unchanged


def test_off_with_webauthn_alone_is_accepted(idp: Any, pool: dict[str, Any]) -> None:
    webauthn = {"RelyingPartyId": "example.com", "UserVerification": "preferred"}
    expected = {"MfaConfiguration": "OFF", "WebAuthnConfiguration": webauthn}
    assert _set(idp, pool["Id"], MfaConfiguration="OFF", WebAuthnConfiguration=webauthn) == (
        expected
    )
    assert _get(idp, pool["Id"]) == expected


@pytest.mark.parametrize("mode", ["ON", "OPTIONAL"])
@pytest.mark.parametrize("extra", [{}, {"WebAuthnConfiguration": {"RelyingPartyId": "a.b"}}])
def test_mfa_on_needs_a_factor(
    idp: Any, pool: dict[str, Any], mode: str, extra: dict[str, Any]
) -> None:
    refused = outcome(
        lambda: idp.set_user_pool_mfa_config(UserPoolId=pool["Id"], MfaConfiguration=mode, **extra)
    )
    assert refused == NO_FACTOR


def test_a_factor_member_that_enables_nothing_is_accepted(idp: Any, pool: dict[str, Any]) -> None:
    disabled = {"SoftwareTokenMfaConfiguration": {"Enabled": False}}
    assert _set(idp, pool["Id"], MfaConfiguration="OPTIONAL", **disabled) == {
        "MfaConfiguration": "OPTIONAL",
        **disabled,
    }


@pytest.mark.parametrize("mode", ["OFF", "OPTIONAL"])
@pytest.mark.parametrize(
    "sms", [{}, {"SmsConfiguration": {"SnsCallerArn": SMS_CONFIG["SnsCallerArn"]}}]
)
def test_sms_mfa_needs_a_role_and_external_id_before_anything_else(
    idp: Any, pool: dict[str, Any], mode: str, sms: dict[str, Any]
) -> None:
    refused = outcome(
        lambda: idp.set_user_pool_mfa_config(
            UserPoolId=pool["Id"], MfaConfiguration=mode, SmsMfaConfiguration=sms
        )
    )
    assert refused == NO_ROLE


def test_sms_mfa_sets_the_pools_sms_configuration_and_message(
    idp: Any, pool: dict[str, Any]
) -> None:
    sms = {"SmsAuthenticationMessage": "Code: {####}", "SmsConfiguration": SMS_CONFIG}
    expected = {"MfaConfiguration": "ON", "SmsMfaConfiguration": sms, **TOTP_ON}
    assert _set(idp, pool["Id"], MfaConfiguration="ON", SmsMfaConfiguration=sms, **TOTP_ON) == (
        expected
    )
    assert _get(idp, pool["Id"]) == expected
    described = _described(idp, pool["Id"])
    assert described["SmsConfiguration"] == SMS_CONFIG
    assert described["SmsAuthenticationMessage"] == "Code: {####}"
    assert described["MfaConfiguration"] == "ON"


def test_sms_mfa_may_use_the_sms_configuration_the_pool_has(
    idp: Any, make_pool: Callable[..., dict[str, Any]]
) -> None:
    pool = make_pool(SmsConfiguration=SMS_CONFIG)
    assert _get(idp, pool["Id"]) == {"MfaConfiguration": "OFF"}  # SMS configured, MFA off
    assert _set(idp, pool["Id"], MfaConfiguration="OPTIONAL", SmsMfaConfiguration={}) == {
        "MfaConfiguration": "OPTIONAL",
        "SmsMfaConfiguration": {
            "SmsAuthenticationMessage": "Your authentication code is {####}. ",
            "SmsConfiguration": SMS_CONFIG,
        },
    }


def test_an_sms_message_without_the_code_is_refused(idp: Any, pool: dict[str, Any]) -> None:
    code, message = outcome(
        lambda: idp.set_user_pool_mfa_config(
            UserPoolId=pool["Id"],
            MfaConfiguration="ON",
            SmsMfaConfiguration={
                "SmsAuthenticationMessage": "no code",
                "SmsConfiguration": SMS_CONFIG,
            },
        )
    )
    assert code == "InvalidParameterException"
    assert "smsMfaConfiguration.smsAuthenticationMessage" in message


def test_email_mfa_needs_a_pool_that_sends_its_own_email(
    idp: Any, pool: dict[str, Any], make_pool: Callable[..., dict[str, Any]]
) -> None:
    code, _ = outcome(
        lambda: idp.set_user_pool_mfa_config(
            UserPoolId=pool["Id"], MfaConfiguration="OPTIONAL", **EMAIL_MFA
        )
    )
    assert code == "InvalidParameterException"
    sender = make_pool(EmailConfiguration=DEVELOPER_EMAIL)
    assert _set(idp, sender["Id"], MfaConfiguration="OPTIONAL", **EMAIL_MFA) == {
        "MfaConfiguration": "OPTIONAL",
        **EMAIL_MFA,
    }


def test_email_mfa_is_not_in_the_lite_tier(
    idp: Any, make_pool: Callable[..., dict[str, Any]]
) -> None:
    lite = make_pool(EmailConfiguration=DEVELOPER_EMAIL, UserPoolTier="LITE")
    code, _ = outcome(
        lambda: idp.set_user_pool_mfa_config(
            UserPoolId=lite["Id"], MfaConfiguration="OPTIONAL", **EMAIL_MFA
        )
    )
    assert code == "FeatureUnavailableInTierException"


def test_a_bad_mode_is_a_validation_error(idp: Any, pool: dict[str, Any]) -> None:
    code, message = outcome(
        lambda: idp.set_user_pool_mfa_config(UserPoolId=pool["Id"], MfaConfiguration="false")
    )
    assert code == "InvalidParameterException"
    # (the live service lists the set as [OPTIONAL, OFF, ON]; model/validate.py keeps the
    # model's order for every enum)
    assert message.startswith(
        "1 validation error detected: Value 'false' at 'mfaConfiguration' failed to satisfy "
        "constraint: Member must satisfy enum value set: ["
    )


def test_an_unknown_pool_is_not_found(idp: Any) -> None:
    assert outcome(lambda: idp.get_user_pool_mfa_config(UserPoolId="us-east-1_nothere0"))[0] == (
        "ResourceNotFoundException"
    )
    assert outcome(lambda: idp.set_user_pool_mfa_config(UserPoolId="us-east-1_nothere0"))[0] == (
        "ResourceNotFoundException"
    )


# CreateUserPool / UpdateUserPool -------------------------------------------------------
@pytest.mark.parametrize("mode", ["ON", "OPTIONAL"])
def test_create_with_mfa_on_needs_an_sms_configuration(
    idp: Any, make_pool: Callable[..., dict[str, Any]], mode: str
) -> None:
    assert outcome(lambda: make_pool(MfaConfiguration=mode)) == NEEDS_SMS
    made = make_pool(MfaConfiguration=mode, SmsConfiguration=SMS_CONFIG)
    assert made["MfaConfiguration"] == mode
    assert _get(idp, made["Id"]) == {
        "MfaConfiguration": mode,
        "SmsMfaConfiguration": {
            "SmsAuthenticationMessage": "Your authentication code is {####}. ",
            "SmsConfiguration": SMS_CONFIG,
        },
    }


def test_terraforms_update_after_set_keeps_totp_mfa_on(idp: Any, pool: dict[str, Any]) -> None:
    """Terraform: SetUserPoolMfaConfig, then UpdateUserPool with the same mode and no SMS."""
    _set(idp, pool["Id"], MfaConfiguration="ON", **TOTP_ON)
    idp.update_user_pool(UserPoolId=pool["Id"], MfaConfiguration="ON")
    assert _get(idp, pool["Id"]) == {"MfaConfiguration": "ON", **TOTP_ON}
    assert _described(idp, pool["Id"])["MfaConfiguration"] == "ON"


def test_update_cannot_turn_mfa_on(idp: Any, pool: dict[str, Any]) -> None:
    refused = outcome(
        lambda: idp.update_user_pool(
            UserPoolId=pool["Id"], MfaConfiguration="ON", SmsConfiguration=SMS_CONFIG
        )
    )
    assert refused == (
        "InvalidParameterException",
        "Cannot turn MFA functionality ON, once the user pool has been created.",
    )
    assert _get(idp, pool["Id"]) == {"MfaConfiguration": "OFF"}


def test_update_to_optional_needs_a_factor(idp: Any, pool: dict[str, Any]) -> None:
    assert (
        outcome(lambda: idp.update_user_pool(UserPoolId=pool["Id"], MfaConfiguration="OPTIONAL"))
        == NEEDS_SMS
    )
    idp.update_user_pool(
        UserPoolId=pool["Id"], MfaConfiguration="OPTIONAL", SmsConfiguration=SMS_CONFIG
    )
    assert _get(idp, pool["Id"])["SmsMfaConfiguration"]["SmsConfiguration"] == SMS_CONFIG


def test_an_update_that_omits_mfa_turns_it_off(idp: Any, pool: dict[str, Any]) -> None:
    _set(idp, pool["Id"], MfaConfiguration="OPTIONAL", **TOTP_ON)
    idp.update_user_pool(UserPoolId=pool["Id"], AutoVerifiedAttributes=["email"])
    assert _get(idp, pool["Id"]) == {"MfaConfiguration": "OFF"}
