"""A user's MFA factors, pure: which of SMS, email and software-token MFA are enabled,
which one is preferred, and how GetUser/AdminGetUser show them.

The state is kept in the user's ``extra["mfa"]``: ``{"enabled": [...], "preferred": ...}``,
written by SetUserMFAPreference, AdminSetUserMFAPreference, the legacy SetUserSettings /
AdminSetUserSettings and a software token verified during MFA_SETUP. A user never
written has no ``"mfa"`` key: GetUser then shows neither ``UserMFASettingList`` nor
``PreferredMfaSetting`` (Cognito answers so for a never-configured user); after the first
write the list is always shown, possibly empty (as observed after a user disabled
everything). ``PreferredMfaSetting`` is shown only when a factor is preferred.

DEVIATION: when Cognito starts sending the (empty) list is unconfirmed; we send it from
the first write of a user's MFA settings on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from userpool.domain import mfa_pool
from userpool.domain.entities import Pool, User
from userpool.errors import InvalidParameterException

SMS = "SMS_MFA"
TOTP = "SOFTWARE_TOKEN_MFA"
EMAIL = "EMAIL_OTP"
FACTORS = (SMS, TOTP, EMAIL)  # the order UserMFASettingList lists them in
# The request members of SetUserMFAPreference, by factor.
SETTINGS = {"SMSMfaSettings": SMS, "SoftwareTokenMfaSettings": TOTP, "EmailMfaSettings": EMAIL}
# The attribute a factor delivers codes to (None: the software token itself).
TARGET = {SMS: "phone_number", EMAIL: "email", TOTP: None}
LEGACY_SMS = {"DeliveryMedium": "SMS", "AttributeName": "phone_number"}

NO_DELIVERY = "User does not have delivery config set to turn on {}"
TWO_PREFERRED = "Only one MFA type can be set as preferred."  # DEVIATION: wording unconfirmed
LEGACY_ONLY_PHONE = "Only phone_number attribute is currently supported as a MFA option."


@dataclass
class Factors:
    """A user's MFA state: the enabled factors (in ``FACTORS`` order) and the preferred one."""

    configured: bool
    enabled: list[str]
    preferred: str | None
    webauthn: bool = False  # WebAuthnMfaSettings.Enabled (never listed by GetUser)

    def as_extra(self) -> dict[str, Any]:
        out: dict[str, Any] = {"enabled": [f for f in FACTORS if f in self.enabled]}
        if self.preferred is not None:
            out["preferred"] = self.preferred
        if self.webauthn:
            out["webauthn"] = True
        return out


def factors_of(user: User) -> Factors:
    stored = user.extra.get("mfa")
    if not isinstance(stored, dict):
        return Factors(False, [], None)
    enabled = [f for f in FACTORS if f in (stored.get("enabled") or [])]
    preferred = stored.get("preferred")
    chosen = preferred if preferred in enabled else None
    return Factors(True, enabled, chosen, bool(stored.get("webauthn")))


def store(user: User, factors: Factors) -> None:
    user.extra["mfa"] = factors.as_extra()


def apply_preferences(
    factors: Factors, settings: dict[str, dict[str, Any]], can_enable: dict[str, bool]
) -> Factors:
    """SetUserMFAPreference's rule, as measured on the live service: only the factors
    named in ``settings`` (factor -> ``{Enabled, PreferredMfa}``) change; enabling keeps
    another factor's preference unless this one is made preferred; ``PreferredMfa: false``
    or disabling clears this factor's preference. ``can_enable``: whether the user has the
    delivery (phone, email, verified token) each factor needs; disabling never fails.

    DEVIATION: a missing ``Enabled`` means false, and ``PreferredMfa: true`` on a factor
    that is not enabled is ignored (Cognito's answers to both are unconfirmed).
    """
    wanted = [f for f, s in settings.items() if s.get("Enabled") and s.get("PreferredMfa")]
    if len(wanted) > 1:
        raise InvalidParameterException(TWO_PREFERRED)
    enabled, preferred = list(factors.enabled), factors.preferred
    for factor, setting in settings.items():
        if setting.get("Enabled"):
            if factor not in enabled and not can_enable.get(factor, False):
                raise InvalidParameterException(NO_DELIVERY.format(factor))
            if factor not in enabled:
                enabled.append(factor)
            if setting.get("PreferredMfa"):
                preferred = factor
            elif preferred == factor:
                preferred = None
        else:
            if factor in enabled:
                enabled.remove(factor)
            if preferred == factor:
                preferred = None
    return Factors(True, [f for f in FACTORS if f in enabled], preferred, factors.webauthn)


def legacy_options(options: list[dict[str, Any]]) -> bool:
    """SetUserSettings' ``MFAOptions``: whether they turn SMS MFA on (an empty list turns
    it off). Only SMS to ``phone_number`` is an option.

    DEVIATION: an ``EMAIL`` medium is refused with the attribute's text; the live answer
    for it is unconfirmed.
    """
    for option in options:
        if option.get("AttributeName") != "phone_number" or option.get("DeliveryMedium") != "SMS":
            raise InvalidParameterException(LEGACY_ONLY_PHONE)
    return bool(options)


def user_members(pool: Pool, user: User) -> dict[str, Any]:
    """GetUser's and AdminGetUser's ``MFAOptions``, ``PreferredMfaSetting`` and
    ``UserMFASettingList``: each absent when there is nothing to show.

    ``MFAOptions`` (the legacy view) shows SMS while SMS MFA is enabled, and also for a
    user of an ``ON`` pool with SMS MFA who has a phone number and no factor enabled:
    Cognito challenges such a user by SMS and shows it only there (observed, and called
    expected by AWS).
    """
    factors = factors_of(user)
    out: dict[str, Any] = {}
    auto_sms = (
        not factors.enabled
        and mfa_pool.mode(pool.config) == "ON"
        and mfa_pool.sms_offered(pool.config)
        and bool(user.attributes.get("phone_number"))
    )
    if SMS in factors.enabled or auto_sms:
        out["MFAOptions"] = [dict(LEGACY_SMS)]
    if factors.preferred is not None:
        out["PreferredMfaSetting"] = factors.preferred
    if factors.configured:
        out["UserMFASettingList"] = list(factors.enabled)
    return out
