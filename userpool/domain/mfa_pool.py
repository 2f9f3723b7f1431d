"""A pool's MFA settings, pure: SetUserPoolMfaConfig's and GetUserPoolMfaConfig's view, and
the rules CreateUserPool and UpdateUserPool apply to ``MfaConfiguration``.

A pool's configuration holds ``MfaConfiguration`` (OFF, ON, OPTIONAL), ``SmsConfiguration``
and ``SmsAuthenticationMessage`` as the wire's UserPoolType members; the rest lives in the
private ``_mfa`` member (never shown by DescribeUserPool): ``SmsMfa`` (SMS MFA offered),
and ``SoftwareTokenMfaConfiguration``, ``EmailMfaConfiguration`` and
``WebAuthnConfiguration`` as last set. SetUserPoolMfaConfig replaces the whole MFA
configuration (a member it does not name is no longer configured; no ``MfaConfiguration``
means OFF), and GetUserPoolMfaConfig shows only the members configured.
"""

from __future__ import annotations

import copy
from typing import Any

from userpool.domain import webauthn
from userpool.errors import (
    BAD_RELYING_PARTY,
    EMAIL_MFA_NEEDS_SES,
    MFA_NEEDS_SMS,
    MFA_OFF_WITH_FACTOR,
    MFA_ON_AFTER_CREATION,
    MFA_WITHOUT_FACTOR,
    NOT_IN_TIER,
    SMS_MFA_NEEDS_ROLE,
    FeatureUnavailableInTierException,
    InvalidParameterException,
)

PRIVATE = "_mfa"
# DescribeUserPool's SmsAuthenticationMessage of a new pool, trailing space included.
DEFAULT_SMS_MESSAGE = "Your authentication code is {####}. "
_FACTORS = ("SmsMfaConfiguration", "SoftwareTokenMfaConfiguration", "EmailMfaConfiguration")
_KEPT = ("SoftwareTokenMfaConfiguration", "EmailMfaConfiguration", "WebAuthnConfiguration")


def _private(config: dict[str, Any]) -> dict[str, Any]:
    return dict(config.get(PRIVATE) or {})


def mode(config: dict[str, Any]) -> str:
    return str(config.get("MfaConfiguration") or "OFF")


def totp_offered(config: dict[str, Any]) -> bool:
    """Whether users of the pool may set up a software token (AssociateSoftwareToken)."""
    setting = _private(config).get("SoftwareTokenMfaConfiguration") or {}
    return mode(config) != "OFF" and bool(setting.get("Enabled"))


def email_offered(config: dict[str, Any]) -> bool:
    return mode(config) != "OFF" and "EmailMfaConfiguration" in _private(config)


def sms_offered(config: dict[str, Any]) -> bool:
    return (
        mode(config) != "OFF"
        and bool(_private(config).get("SmsMfa"))
        and bool(config.get("SmsConfiguration"))
    )


def view(config: dict[str, Any]) -> dict[str, Any]:
    """GetUserPoolMfaConfig's answer (and SetUserPoolMfaConfig's): ``MfaConfiguration``
    and only the members that are configured.

    DEVIATION: a pool that offers SMS MFA without an SmsAuthenticationMessage of its own
    shows Cognito's default one; what Cognito shows then is unconfirmed.
    """
    private = _private(config)
    out: dict[str, Any] = {"MfaConfiguration": mode(config)}
    if private.get("SmsMfa") and config.get("SmsConfiguration"):
        out["SmsMfaConfiguration"] = {
            "SmsAuthenticationMessage": config.get("SmsAuthenticationMessage")
            or DEFAULT_SMS_MESSAGE,
            "SmsConfiguration": copy.deepcopy(config["SmsConfiguration"]),
        }
    for name in _KEPT:
        if name in private:
            out[name] = copy.deepcopy(private[name])
    return out


def _check_tier(config: dict[str, Any], req: dict[str, Any]) -> None:
    """Email MFA and WebAuthn as a second factor need the Essentials tier or higher.

    DEVIATION: the text is Cognito's for a feature of a higher tier (seen at
    UpdateUserPool); its wording here is unconfirmed.
    """
    if config.get("UserPoolTier") != "LITE":
        return
    webauthn = req.get("WebAuthnConfiguration") or {}
    if "EmailMfaConfiguration" in req:
        raise FeatureUnavailableInTierException(NOT_IN_TIER.format("LITE", "Email MFA"))
    if webauthn.get("FactorConfiguration") == "MULTI_FACTOR_WITH_USER_VERIFICATION":
        raise FeatureUnavailableInTierException(
            NOT_IN_TIER.format("LITE", "WebAuthn multi-factor authentication")
        )


def _sms_configuration(config: dict[str, Any], sms: dict[str, Any]) -> dict[str, Any]:
    """The SmsConfiguration SMS MFA will use: the request's, else the pool's; it must name
    a caller ARN and an external id."""
    chosen = sms.get("SmsConfiguration") or config.get("SmsConfiguration") or {}
    if not chosen.get("SnsCallerArn") or not chosen.get("ExternalId"):
        raise InvalidParameterException(SMS_MFA_NEEDS_ROLE)
    return dict(chosen)


def set_config(config: dict[str, Any], req: dict[str, Any]) -> dict[str, Any]:
    """The pool configuration after SetUserPoolMfaConfig ``req``, or Cognito's refusal.

    Checked in this order (Cognito's order is unconfirmed, except that the SMS role is
    checked before the OFF rule): the tier, SMS MFA's role, email MFA's sender, OFF with
    a factor, ON/OPTIONAL without one.

    DEVIATION: ON/OPTIONAL with factor members none of which is enabled
    (``SoftwareTokenMfaConfiguration: {"Enabled": false}`` alone) is accepted, as observed
    in 2026; a 2024 report had it refused.

    DEVIATION: email MFA is refused unless the pool's EmailConfiguration sends with
    ``DEVELOPER`` (Cognito refuses a pool without its own SES sender; its text is
    unconfirmed); whether email account recovery is refused with email MFA is unconfirmed,
    and not checked.
    """
    _check_tier(config, req)
    out = dict(config)
    sms = req.get("SmsMfaConfiguration")
    if sms is not None:
        out["SmsConfiguration"] = _sms_configuration(config, sms)
        if sms.get("SmsAuthenticationMessage"):
            out["SmsAuthenticationMessage"] = sms["SmsAuthenticationMessage"]
    if "EmailMfaConfiguration" in req:
        sending = (config.get("EmailConfiguration") or {}).get("EmailSendingAccount")
        if sending != "DEVELOPER":
            raise InvalidParameterException(EMAIL_MFA_NEEDS_SES)
    wanted = req.get("MfaConfiguration") or "OFF"
    factors = [name for name in _FACTORS if name in req]
    if wanted == "OFF" and factors:
        raise InvalidParameterException(MFA_OFF_WITH_FACTOR)
    if wanted != "OFF" and not factors:
        raise InvalidParameterException(MFA_WITHOUT_FACTOR)
    private: dict[str, Any] = {name: copy.deepcopy(req[name]) for name in _KEPT if name in req}
    if "WebAuthnConfiguration" in private:
        private["WebAuthnConfiguration"] = _webauthn(private["WebAuthnConfiguration"])
    if sms is not None:
        private["SmsMfa"] = True
    out["MfaConfiguration"] = wanted
    _put_private(out, private)
    return out


def _webauthn(given: dict[str, Any]) -> dict[str, Any]:
    """A WebAuthnConfiguration as kept and shown: its RelyingPartyId must be a host name
    that is not a public suffix (WebAuthn's rule; lower case, no scheme or port), and
    UserVerification is ``preferred`` when not given (Cognito's documented default).

    DEVIATION: the refusal's text is ours, and GetUserPoolMfaConfig shows the default
    UserVerification (whether Cognito echoes it when not set is unconfirmed)."""
    out = dict(given)
    rp_id = out.get("RelyingPartyId")
    if rp_id is not None and not webauthn.valid_relying_party(str(rp_id)):
        raise InvalidParameterException(BAD_RELYING_PARTY.format(rp_id))
    out.setdefault("UserVerification", "preferred")
    return out


def _put_private(config: dict[str, Any], private: dict[str, Any]) -> None:
    if private:
        config[PRIVATE] = private
    else:
        config.pop(PRIVATE, None)


def created(config: dict[str, Any]) -> None:
    """CreateUserPool's rule: MFA ON or OPTIONAL needs an SmsConfiguration (even when only
    TOTP or email MFA is meant; those are set with SetUserPoolMfaConfig), and then offers
    SMS MFA.

    DEVIATION: the text also names auto-verification of phone_number, which is not
    required here (unconfirmed).
    """
    config.pop(PRIVATE, None)
    if mode(config) == "OFF":
        return
    if not config.get("SmsConfiguration"):
        raise InvalidParameterException(MFA_NEEDS_SMS)
    config[PRIVATE] = {"SmsMfa": True}


def updated(before: dict[str, Any], config: dict[str, Any]) -> None:
    """UpdateUserPool's rule on ``config`` (the pool's new configuration; ``before`` its
    old one). An omitted ``MfaConfiguration`` is OFF, as any omitted member is reset.
    Turning MFA ON is refused unless the pool is ON already (observed: "Cannot turn MFA
    functionality ON, once the user pool has been created."; Terraform calls
    SetUserPoolMfaConfig first, then UpdateUserPool with the same mode). ON or OPTIONAL
    needs a factor the pool still has: TOTP or email MFA as SetUserPoolMfaConfig left
    them (enabled or not, as that operation accepts), or SMS MFA with the SmsConfiguration
    this request keeps; else the SMS error.

    DEVIATION: with MFA OFF the factors are dropped (WebAuthn stays), and SMS MFA goes
    with the SmsConfiguration; with ON/OPTIONAL and no factor left an SmsConfiguration
    makes SMS MFA offered, as at creation. Cognito's handling of factors here is
    unconfirmed.
    """
    wanted = mode(config)
    if wanted == "ON" and mode(before) != "ON":
        raise InvalidParameterException(MFA_ON_AFTER_CREATION)
    private = _private(before)
    if wanted == "OFF":
        private = {k: v for k, v in private.items() if k == "WebAuthnConfiguration"}
    else:
        if not config.get("SmsConfiguration"):
            private.pop("SmsMfa", None)
        if not any(name in private for name in ("SmsMfa", *_FACTORS)):
            if not config.get("SmsConfiguration"):
                raise InvalidParameterException(MFA_NEEDS_SMS)
            private["SmsMfa"] = True
    _put_private(config, private)
