"""MFA settings: a pool's (SetUserPoolMfaConfig, GetUserPoolMfaConfig) and a user's
(SetUserMFAPreference, AdminSetUserMFAPreference, and the legacy SetUserSettings /
AdminSetUserSettings, which switch SMS MFA only). The rules are in ``domain/mfa_pool.py``
and ``domain/mfa.py``; GetUser and AdminGetUser show a user's factors with
``domain.mfa.user_members``."""

from __future__ import annotations

from typing import Any

from userpool.domain import mfa, mfa_pool
from userpool.domain.entities import Pool
from userpool.domain.services import Call, Services
from userpool.errors import InvalidParameterException
from userpool.operations.steps import totp
from userpool.operations.steps.lookups import access_user, pool_of, stored_user
from userpool.operations.steps.users import named_user

# DEVIATION: the wording is ours; the model says WebAuthn MFA needs the pool's
# FactorConfiguration MULTI_FACTOR_WITH_USER_VERIFICATION.
NO_WEBAUTHN_MFA = (
    "WebAuthn MFA requires a user pool WebAuthnConfiguration with FactorConfiguration "
    "MULTI_FACTOR_WITH_USER_VERIFICATION."
)


async def set_user_pool_mfa_config(
    svc: Services, call: Call, req: dict[str, Any]
) -> dict[str, Any]:
    with svc.store.transaction() as tx:
        pool = pool_of(tx, req["UserPoolId"])
        pool.config = mfa_pool.set_config(pool.config, req)
        pool.modified = svc.clock.now()
        tx.update_pool(pool)
    return mfa_pool.view(pool.config)


async def get_user_pool_mfa_config(
    svc: Services, call: Call, req: dict[str, Any]
) -> dict[str, Any]:
    with svc.store.read() as tx:
        pool = pool_of(tx, req["UserPoolId"])
    return mfa_pool.view(pool.config)


def _preferences(svc: Services, pool: Pool, sub: str, req: dict[str, Any]) -> None:
    """Apply SetUserMFAPreference's settings to the user ``sub`` (one transaction).

    DEVIATION: a factor the pool does not offer (or any factor in a pool with MFA OFF) may
    still be enabled; Cognito's answer is unconfirmed. The user's delivery is checked:
    a phone number for SMS (verified or not), an email for email MFA, a verified software
    token for TOTP.
    """
    settings = {factor: req[member] for member, factor in mfa.SETTINGS.items() if member in req}
    webauthn = req.get("WebAuthnMfaSettings")
    if webauthn is not None and webauthn.get("Enabled"):
        factor = (pool.config.get(mfa_pool.PRIVATE) or {}).get("WebAuthnConfiguration") or {}
        if factor.get("FactorConfiguration") != "MULTI_FACTOR_WITH_USER_VERIFICATION":
            raise InvalidParameterException(NO_WEBAUTHN_MFA)
    with svc.store.transaction() as tx:
        user = stored_user(tx, pool.id, sub)
        wants_totp = bool(settings.get(mfa.TOTP, {}).get("Enabled"))
        can_enable = {
            mfa.SMS: bool(user.attributes.get("phone_number")),
            mfa.EMAIL: bool(user.attributes.get("email")),
            mfa.TOTP: wants_totp and totp.has_token(tx, user),
        }
        factors = mfa.apply_preferences(mfa.factors_of(user), settings, can_enable)
        if webauthn is not None:
            factors.webauthn = bool(webauthn.get("Enabled"))
        mfa.store(user, factors)
        tx.update_user(user)


async def set_user_mfa_preference(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    pool, user, _ = await access_user(svc, req["AccessToken"])
    _preferences(svc, pool, user.sub, req)
    return {}


async def admin_set_user_mfa_preference(
    svc: Services, call: Call, req: dict[str, Any]
) -> dict[str, Any]:
    pool, user = named_user(svc, req)
    _preferences(svc, pool, user.sub, req)
    return {}


def _legacy_settings(svc: Services, pool: Pool, sub: str, options: list[dict[str, Any]]) -> None:
    """SetUserSettings' ``MFAOptions`` switch SMS MFA on (SMS to phone_number) or off (an
    empty list), the same switch as ``SMSMfaSettings.Enabled``.

    DEVIATION: turning it on needs a phone number, as SetUserMFAPreference does.
    """
    on = mfa.legacy_options(options)
    with svc.store.transaction() as tx:
        user = stored_user(tx, pool.id, sub)
        has_phone = bool(user.attributes.get("phone_number"))
        factors = mfa.apply_preferences(
            mfa.factors_of(user), {mfa.SMS: {"Enabled": on}}, {mfa.SMS: has_phone}
        )
        mfa.store(user, factors)
        tx.update_user(user)


async def set_user_settings(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    pool, user, _ = await access_user(svc, req["AccessToken"])
    _legacy_settings(svc, pool, user.sub, req["MFAOptions"])
    return {}


async def admin_set_user_settings(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    pool, user = named_user(svc, req)
    _legacy_settings(svc, pool, user.sub, req["MFAOptions"])
    return {}
