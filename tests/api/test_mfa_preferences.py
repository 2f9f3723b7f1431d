"""A user's MFA factors through boto3: SetUserMFAPreference and AdminSetUserMFAPreference
with the rules measured on the live service, the legacy SetUserSettings /
AdminSetUserSettings, and what GetUser and AdminGetUser show (nothing for a user never
configured; the list, possibly empty, afterwards)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyotp
import pytest

from tests.factories import PASSWORD, confirmed_user
from tests.helpers import Server, outcome

FLOWS = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
SMS_CONFIG = {"SnsCallerArn": "arn:aws:iam::123456789012:role/sms", "ExternalId": "ext-1"}
LEGACY_SMS = [{"DeliveryMedium": "SMS", "AttributeName": "phone_number"}]
MEMBERS = ("MFAOptions", "PreferredMfaSetting", "UserMFASettingList")
ON = {"Enabled": True}
PREFERRED = {"Enabled": True, "PreferredMfa": True}
NOT_PREFERRED = {"Enabled": True, "PreferredMfa": False}
OFF = {"Enabled": False}


class Person:
    """A confirmed, signed-in user of a pool with TOTP and SMS MFA offered."""

    def __init__(self, idp: Any, pool_id: str, name: str, token: str) -> None:
        self.idp, self.pool_id, self.name, self.token = idp, pool_id, name, token

    def shown(self) -> dict[str, Any]:
        """The MFA members of GetUser, checked to be AdminGetUser's too."""
        mine = self.idp.get_user(AccessToken=self.token)
        admin = self.idp.admin_get_user(UserPoolId=self.pool_id, Username=self.name)
        members = {k: mine[k] for k in MEMBERS if k in mine}
        assert members == {k: admin[k] for k in MEMBERS if k in admin}
        return members

    def prefer(self, **settings: Any) -> None:
        self.idp.set_user_mfa_preference(AccessToken=self.token, **settings)

    def with_phone(self) -> Person:
        self.idp.admin_update_user_attributes(
            UserPoolId=self.pool_id,
            Username=self.name,
            UserAttributes=[{"Name": "phone_number", "Value": "+15555550100"}],
        )
        return self

    def with_token(self) -> Person:
        secret = self.idp.associate_software_token(AccessToken=self.token)["SecretCode"]
        self.idp.verify_software_token(AccessToken=self.token, UserCode=pyotp.TOTP(secret).now())
        return self


@pytest.fixture
def mfa_pool(idp: Any, make_pool: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    pool = make_pool(SmsConfiguration=SMS_CONFIG)
    idp.set_user_pool_mfa_config(
        UserPoolId=pool["Id"],
        MfaConfiguration="OPTIONAL",
        SoftwareTokenMfaConfiguration={"Enabled": True},
        SmsMfaConfiguration={},
    )
    return pool


@pytest.fixture
def person(
    idp: Any, server: Server, mfa_pool: dict[str, Any], make_client: Callable[..., Any]
) -> Callable[[str], Person]:
    client = make_client(mfa_pool, ExplicitAuthFlows=FLOWS)

    def make(short: str) -> Person:
        name = f"mfa-{short}"  # addresses no other test's messages count
        confirmed_user(idp, server, client["ClientId"], name)
        out = idp.initiate_auth(
            AuthFlow="USER_PASSWORD_AUTH",
            ClientId=client["ClientId"],
            AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD},
        )
        return Person(idp, mfa_pool["Id"], name, out["AuthenticationResult"]["AccessToken"])

    return make


def test_a_user_never_configured_shows_no_mfa_members(person: Any) -> None:
    assert person("ann").shown() == {}


def test_totp_needs_a_verified_token(person: Any) -> None:
    bob = person("bob")
    assert outcome(lambda: bob.prefer(SoftwareTokenMfaSettings=ON)) == (
        "InvalidParameterException",
        "User does not have delivery config set to turn on SOFTWARE_TOKEN_MFA",
    )
    bob.with_token().prefer(SoftwareTokenMfaSettings=PREFERRED)
    assert bob.shown() == {
        "PreferredMfaSetting": "SOFTWARE_TOKEN_MFA",
        "UserMFASettingList": ["SOFTWARE_TOKEN_MFA"],
    }


def test_sms_needs_a_phone_number_not_a_verified_one(person: Any) -> None:
    cy = person("cy")
    assert outcome(lambda: cy.prefer(SMSMfaSettings=ON)) == (
        "InvalidParameterException",
        "User does not have delivery config set to turn on SMS_MFA",
    )
    cy.with_phone().prefer(SMSMfaSettings=ON)
    assert cy.shown() == {"MFAOptions": LEGACY_SMS, "UserMFASettingList": ["SMS_MFA"]}


def test_email_mfa_uses_the_email(person: Any) -> None:
    di = person("di")
    di.prefer(EmailMfaSettings=PREFERRED)
    assert di.shown() == {"PreferredMfaSetting": "EMAIL_OTP", "UserMFASettingList": ["EMAIL_OTP"]}


def test_the_preference_moves_and_clears_as_on_cognito(person: Any) -> None:
    ed = person("ed").with_phone().with_token()
    ed.prefer(SoftwareTokenMfaSettings=PREFERRED)
    ed.prefer(SMSMfaSettings=ON)  # enabling keeps TOTP preferred
    assert ed.shown()["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"
    ed.prefer(SMSMfaSettings=PREFERRED)  # SMS takes it; TOTP stays enabled
    assert ed.shown() == {
        "MFAOptions": LEGACY_SMS,
        "PreferredMfaSetting": "SMS_MFA",
        "UserMFASettingList": ["SMS_MFA", "SOFTWARE_TOKEN_MFA"],
    }
    ed.prefer(SMSMfaSettings=NOT_PREFERRED)
    assert ed.shown() == {
        "MFAOptions": LEGACY_SMS,
        "UserMFASettingList": ["SMS_MFA", "SOFTWARE_TOKEN_MFA"],
    }
    ed.prefer(SoftwareTokenMfaSettings=PREFERRED)
    ed.prefer(SoftwareTokenMfaSettings=OFF)  # disabled, its preference gone
    assert ed.shown() == {"MFAOptions": LEGACY_SMS, "UserMFASettingList": ["SMS_MFA"]}
    ed.prefer(SMSMfaSettings=OFF)
    assert ed.shown() == {"UserMFASettingList": []}  # once written, the list stays


def test_two_preferred_factors_are_refused(person: Any) -> None:
    fa = person("fa").with_phone()
    code, _ = outcome(lambda: fa.prefer(SMSMfaSettings=PREFERRED, EmailMfaSettings=PREFERRED))
    assert code == "InvalidParameterException"
    assert fa.shown() == {}


def test_disabling_never_fails(person: Any) -> None:
    gi = person("gi")  # no phone, no token
    gi.prefer(SMSMfaSettings=OFF, SoftwareTokenMfaSettings=OFF, EmailMfaSettings=OFF)
    assert gi.shown() == {"UserMFASettingList": []}


def test_the_admin_sets_preferences_by_username_or_sub(idp: Any, person: Any) -> None:
    hu = person("hu").with_token()
    sub = idp.get_user(AccessToken=hu.token)["UserAttributes"][0]["Value"]
    idp.admin_set_user_mfa_preference(
        UserPoolId=hu.pool_id, Username="mfa-hu", SoftwareTokenMfaSettings=ON
    )
    idp.admin_set_user_mfa_preference(
        UserPoolId=hu.pool_id, Username=sub, EmailMfaSettings=PREFERRED
    )
    assert hu.shown() == {
        "PreferredMfaSetting": "EMAIL_OTP",
        "UserMFASettingList": ["SOFTWARE_TOKEN_MFA", "EMAIL_OTP"],
    }
    assert outcome(
        lambda: idp.admin_set_user_mfa_preference(
            UserPoolId=hu.pool_id, Username="nobody", SMSMfaSettings=OFF
        )
    ) == ("UserNotFoundException", "User does not exist.")


def test_webauthn_mfa_needs_the_pools_multi_factor_setting(person: Any) -> None:
    io = person("io")
    code, _ = outcome(lambda: io.prefer(WebAuthnMfaSettings={"Enabled": True}))
    assert code == "InvalidParameterException"
    io.prefer(WebAuthnMfaSettings={"Enabled": False})


def test_legacy_settings_switch_sms_mfa(idp: Any, person: Any) -> None:
    jo = person("jo").with_phone()
    idp.set_user_settings(AccessToken=jo.token, MFAOptions=LEGACY_SMS)
    assert jo.shown() == {"MFAOptions": LEGACY_SMS, "UserMFASettingList": ["SMS_MFA"]}
    idp.admin_set_user_settings(UserPoolId=jo.pool_id, Username="mfa-jo", MFAOptions=[])
    assert jo.shown() == {"UserMFASettingList": []}
    idp.admin_set_user_settings(UserPoolId=jo.pool_id, Username="mfa-jo", MFAOptions=LEGACY_SMS)
    assert jo.shown()["UserMFASettingList"] == ["SMS_MFA"]


def test_legacy_settings_are_for_the_phone_only(idp: Any, person: Any) -> None:
    ka = person("ka")
    email = [{"DeliveryMedium": "EMAIL", "AttributeName": "email"}]
    assert outcome(lambda: idp.set_user_settings(AccessToken=ka.token, MFAOptions=email)) == (
        "InvalidParameterException",
        "Only phone_number attribute is currently supported as a MFA option.",
    )
    assert outcome(lambda: idp.set_user_settings(AccessToken=ka.token, MFAOptions=LEGACY_SMS)) == (
        "InvalidParameterException",
        "User does not have delivery config set to turn on SMS_MFA",
    )


def test_in_an_on_pool_a_phone_user_is_shown_sms_in_the_legacy_options_only(
    idp: Any, server: Server, make_pool: Callable[..., Any], make_client: Callable[..., Any]
) -> None:
    pool = make_pool(MfaConfiguration="ON", SmsConfiguration=SMS_CONFIG)
    client = make_client(pool, ExplicitAuthFlows=FLOWS)
    confirmed_user(idp, server, client["ClientId"], "mfa-lu")
    idp.admin_update_user_attributes(
        UserPoolId=pool["Id"],
        Username="mfa-lu",
        UserAttributes=[{"Name": "phone_number", "Value": "+15555550101"}],
    )
    admin = idp.admin_get_user(UserPoolId=pool["Id"], Username="mfa-lu")
    assert {k: admin[k] for k in MEMBERS if k in admin} == {"MFAOptions": LEGACY_SMS}
