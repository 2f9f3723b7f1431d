"""``domain.mfa`` and ``domain.mfa_pool``: a user's factors under SetUserMFAPreference's
rules as measured on the live service, GetUser's members (absent until the first write,
then the list always), the legacy MFAOptions, and a pool's MFA rules at Create/Update."""

from __future__ import annotations

from typing import Any

import pytest

from userpool.domain import mfa, mfa_pool
from userpool.domain.entities import Pool, User
from userpool.domain.mfa import EMAIL, SMS, TOTP, Factors
from userpool.errors import InvalidParameterException

ALL = {SMS: True, TOTP: True, EMAIL: True}
ON = {"Enabled": True}
PREFERRED = {"Enabled": True, "PreferredMfa": True}
NOT_PREFERRED = {"Enabled": True, "PreferredMfa": False}
OFF = {"Enabled": False}


def _user(**extra: Any) -> User:
    attributes = {"email": "a@example.com", "phone_number": "+15555550100"}
    return User("p", "ann", "sub", "CONFIRMED", True, None, attributes, 1.0, 1.0, extra=extra)


def _apply(factors: Factors, **settings: dict[str, Any]) -> Factors:
    named = {{"sms": SMS, "totp": TOTP, "email": EMAIL}[k]: v for k, v in settings.items()}
    return mfa.apply_preferences(factors, named, ALL)


NONE = Factors(False, [], None)


def test_enabling_keeps_another_factors_preference() -> None:
    both = _apply(_apply(NONE, totp=PREFERRED), sms=ON)
    assert (both.enabled, both.preferred) == ([SMS, TOTP], TOTP)


def test_preferring_one_takes_the_preference_from_the_other() -> None:
    both = _apply(_apply(NONE, totp=PREFERRED), sms=PREFERRED)
    assert (both.enabled, both.preferred) == ([SMS, TOTP], SMS)


def test_not_preferred_clears_only_this_factors_preference() -> None:
    start = _apply(NONE, totp=PREFERRED, sms=ON)
    assert _apply(start, totp=NOT_PREFERRED).preferred is None
    assert _apply(start, sms=NOT_PREFERRED).preferred == TOTP


def test_disabling_clears_its_preference_and_leaves_the_rest() -> None:
    start = _apply(NONE, totp=PREFERRED, sms=ON, email=ON)
    after = _apply(start, totp=OFF)
    assert (after.enabled, after.preferred) == ([SMS, EMAIL], None)
    assert _apply(start, sms=OFF).preferred == TOTP


def test_absent_factors_are_untouched() -> None:
    start = _apply(NONE, email=PREFERRED)
    assert _apply(start, sms=ON) == Factors(True, [SMS, EMAIL], EMAIL)


def test_two_preferred_in_one_request_are_refused() -> None:
    with pytest.raises(InvalidParameterException):
        _apply(NONE, sms=PREFERRED, totp=PREFERRED)


def test_enabling_without_delivery_is_refused_but_disabling_never_is() -> None:
    with pytest.raises(InvalidParameterException) as exc:
        mfa.apply_preferences(NONE, {TOTP: ON}, {TOTP: False})
    assert (
        exc.value.message == "User does not have delivery config set to turn on SOFTWARE_TOKEN_MFA"
    )
    assert mfa.apply_preferences(NONE, {SMS: OFF, TOTP: OFF}, {}) == Factors(True, [], None)


def test_a_user_never_written_shows_nothing_and_afterwards_always_the_list() -> None:
    pool = Pool("p", "p", {}, 1.0, 1.0)
    user = _user()
    assert mfa.user_members(pool, user) == {}
    mfa.store(user, _apply(NONE, sms=PREFERRED))
    assert mfa.user_members(pool, user) == {
        "MFAOptions": [{"DeliveryMedium": "SMS", "AttributeName": "phone_number"}],
        "PreferredMfaSetting": SMS,
        "UserMFASettingList": [SMS],
    }
    mfa.store(user, _apply(mfa.factors_of(user), sms=OFF))
    assert mfa.user_members(pool, user) == {"UserMFASettingList": []}


def test_an_on_pools_phone_user_is_shown_sms_only_in_the_legacy_options() -> None:
    config = {
        "MfaConfiguration": "ON",
        "SmsConfiguration": {"SnsCallerArn": "arn:aws:iam::1:role/r", "ExternalId": "x"},
        "_mfa": {"SmsMfa": True},
    }
    shown = mfa.user_members(Pool("p", "p", config, 1.0, 1.0), _user())
    assert shown == {"MFAOptions": [{"DeliveryMedium": "SMS", "AttributeName": "phone_number"}]}


@pytest.mark.parametrize(
    ("options", "on"),
    [([{"DeliveryMedium": "SMS", "AttributeName": "phone_number"}], True), ([], False)],
)
def test_legacy_options_switch_sms(options: list[dict[str, str]], on: bool) -> None:
    assert mfa.legacy_options(options) is on


@pytest.mark.parametrize(
    "option",
    [
        {"DeliveryMedium": "EMAIL", "AttributeName": "email"},
        {"DeliveryMedium": "SMS", "AttributeName": "email"},
    ],
)
def test_legacy_options_are_sms_to_the_phone_only(option: dict[str, str]) -> None:
    with pytest.raises(InvalidParameterException) as exc:
        mfa.legacy_options([option])
    assert (
        exc.value.message == "Only phone_number attribute is currently supported as a MFA option."
    )


# the pool --------------------------------------------------------------------------------
SMS_CONFIG = {"SnsCallerArn": "arn:aws:iam::123456789012:role/sms", "ExternalId": "ext"}


def test_set_replaces_the_whole_configuration() -> None:
    config = mfa_pool.set_config(
        {}, {"MfaConfiguration": "ON", "SoftwareTokenMfaConfiguration": {"Enabled": True}}
    )
    assert mfa_pool.totp_offered(config)
    reset = mfa_pool.set_config(config, {})
    assert mfa_pool.view(reset) == {"MfaConfiguration": "OFF"}
    assert not mfa_pool.totp_offered(reset)


def test_an_update_that_omits_mfa_turns_it_off_and_drops_the_factors() -> None:
    config = mfa_pool.set_config(
        {},
        {
            "MfaConfiguration": "OPTIONAL",
            "SoftwareTokenMfaConfiguration": {"Enabled": True},
            "WebAuthnConfiguration": {"RelyingPartyId": "example.com"},
        },
    )
    after: dict[str, Any] = {}
    mfa_pool.updated(config, after)
    # WebAuthn stays; GetUserPoolMfaConfig shows UserVerification's default, "preferred"
    assert mfa_pool.view(after) == {
        "MfaConfiguration": "OFF",
        "WebAuthnConfiguration": {"RelyingPartyId": "example.com", "UserVerification": "preferred"},
    }


def test_an_update_keeping_mfa_on_keeps_sms_only_with_its_configuration() -> None:
    config = mfa_pool.set_config(
        {},
        {
            "MfaConfiguration": "ON",
            "SmsMfaConfiguration": {"SmsConfiguration": SMS_CONFIG},
            "SoftwareTokenMfaConfiguration": {"Enabled": True},
        },
    )
    kept = {"MfaConfiguration": "ON", "SmsConfiguration": SMS_CONFIG}
    mfa_pool.updated(config, kept)
    assert mfa_pool.sms_offered(kept) and mfa_pool.totp_offered(kept)
    dropped = {"MfaConfiguration": "ON"}
    mfa_pool.updated(config, dropped)
    assert not mfa_pool.sms_offered(dropped) and mfa_pool.totp_offered(dropped)
