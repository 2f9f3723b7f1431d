"""Account recovery's rules, pure: where a reset code goes (AccountRecoverySetting's
mechanisms in priority order, to a verified address), and who cannot reset now."""

from __future__ import annotations

from userpool.domain.entities import FORCE_CHANGE_PASSWORD, Pool, User
from userpool.domain.messages import Delivery
from userpool.errors import (
    CANNOT_RESET,
    NO_RECOVERY_CHANNEL,
    USER_DISABLED,
    InvalidParameterException,
    NotAuthorizedException,
)

FORGOT = "forgot"  # the purpose of a reset code
FORGOT_VALIDITY = 3600.0
_CHANNELS = {
    "verified_phone_number": ("phone_number", "SMS"),
    "verified_email": ("email", "EMAIL"),
}


def _mechanisms(pool: Pool) -> list[str]:
    setting = (pool.config.get("AccountRecoverySetting") or {}).get("RecoveryMechanisms") or []
    return [m["Name"] for m in sorted(setting, key=lambda m: m.get("Priority", 1))]


def refuse_for_pool(pool: Pool) -> None:
    """A refusal that depends on the pool only, so unknown names hear it too."""
    if _mechanisms(pool) == ["admin_only"]:
        raise NotAuthorizedException(CANNOT_RESET)


def recovery_delivery(pool: Pool, user: User) -> Delivery:
    """Where a recovery code goes, or Cognito's refusal."""
    refuse_for_pool(pool)
    names = _mechanisms(pool)
    for name in names or ["verified_phone_number", "verified_email"]:
        if name not in _CHANNELS:
            continue
        attribute, medium = _CHANNELS[name]
        value = user.attributes.get(attribute)
        if value and user.verified(attribute):
            return Delivery(attribute, medium, value)
    raise InvalidParameterException(NO_RECOVERY_CHANNEL)


def delivery_for(pool: Pool, user: User) -> Delivery:
    if not user.enabled:
        raise NotAuthorizedException(USER_DISABLED)
    if user.status == FORCE_CHANGE_PASSWORD:
        raise NotAuthorizedException(CANNOT_RESET)
    return recovery_delivery(pool, user)
