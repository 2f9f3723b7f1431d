"""Sign-in rules, pure: which auth flows an app client allows, who may sign in, and
Cognito's lockout after failed passwords (5 failures, then 1 s doubling to 15 minutes; 15
quiet minutes reset it).

An app client's ``ExplicitAuthFlows`` are either the ``ALLOW_`` values, each allowing its
flow, or the legacy values of clients made before them (never both): a legacy client
always allows USER_SRP_AUTH, CUSTOM_AUTH and the refresh flows; ``USER_PASSWORD_AUTH`` and
``ADMIN_NO_SRP_AUTH`` add their password flows; ``CUSTOM_AUTH_FLOW_ONLY`` leaves custom
authentication only."""

from __future__ import annotations

from userpool.domain.entities import (
    RESET_REQUIRED,
    UNCONFIRMED,
    User,
)
from userpool.errors import (
    CUSTOM_AUTH_ONLY,
    MIXED_AUTH_FLOWS,
    NOT_CONFIRMED,
    PASSWORD_RESET_REQUIRED,
    USER_DISABLED,
    InvalidParameterException,
    NotAuthorizedException,
    PasswordResetRequiredException,
    UserNotConfirmedException,
)

QUIET = 900.0
LEGACY_FLOWS = frozenset({"ADMIN_NO_SRP_AUTH", "CUSTOM_AUTH_FLOW_ONLY", "USER_PASSWORD_AUTH"})
# The ALLOW_ value (or, for the admin password flow, also its legacy name) each flow needs.
_ENABLERS = {
    "USER_PASSWORD_AUTH": ("ALLOW_USER_PASSWORD_AUTH",),
    "ADMIN_USER_PASSWORD_AUTH": ("ALLOW_ADMIN_USER_PASSWORD_AUTH",),
    "ADMIN_NO_SRP_AUTH": ("ALLOW_ADMIN_USER_PASSWORD_AUTH",),
    "USER_SRP_AUTH": ("ALLOW_USER_SRP_AUTH",),
    "REFRESH_TOKEN_AUTH": ("ALLOW_REFRESH_TOKEN_AUTH",),
    "REFRESH_TOKEN": ("ALLOW_REFRESH_TOKEN_AUTH",),
    "USER_AUTH": ("ALLOW_USER_AUTH",),
    "CUSTOM_AUTH": ("ALLOW_CUSTOM_AUTH",),
}
# DEVIATION: that legacy clients allow CUSTOM_AUTH (as they allow SRP) is inferred from the
# defaults (a client without ExplicitAuthFlows allows both), not documented.
_LEGACY_ALWAYS = frozenset({"USER_SRP_AUTH", "REFRESH_TOKEN_AUTH", "REFRESH_TOKEN", "CUSTOM_AUTH"})
_LEGACY_ENABLERS = {
    "USER_PASSWORD_AUTH": "USER_PASSWORD_AUTH",
    "ADMIN_USER_PASSWORD_AUTH": "ADMIN_NO_SRP_AUTH",
    "ADMIN_NO_SRP_AUTH": "ADMIN_NO_SRP_AUTH",
}


def check_flows_setting(flows: list[str]) -> None:
    """An ExplicitAuthFlows setting: legacy values and ALLOW_ values are never mixed."""
    if LEGACY_FLOWS & set(flows) and any(f.startswith("ALLOW_") for f in flows):
        raise InvalidParameterException(MIXED_AUTH_FLOWS)


def check_flow_enabled(flows: list[str], flow: str) -> None:
    """Refuse ``flow`` unless the client's ExplicitAuthFlows allow it."""
    if not LEGACY_FLOWS & set(flows):
        if not set(_ENABLERS[flow]) & set(flows):
            # DEVIATION: the wording is widely reported but not documented.
            raise InvalidParameterException(f"{flow} flow not enabled for this client")
        return
    if "CUSTOM_AUTH_FLOW_ONLY" in flows and flow not in (
        "CUSTOM_AUTH",
        "REFRESH_TOKEN_AUTH",
        "REFRESH_TOKEN",
    ):
        # DEVIATION: the refresh flows stay open to such a client (its tokens must renew).
        raise InvalidParameterException(CUSTOM_AUTH_ONLY)
    if flow not in _LEGACY_ALWAYS and _LEGACY_ENABLERS.get(flow) not in flows:
        raise InvalidParameterException(f"{flow} flow not enabled for this client")


def check_status(user: User) -> None:
    """What a user who may not sign in hears (in LEGACY before the password is checked; when
    the client hides existence only after a correct one, so a guess learns nothing)."""
    if not user.enabled:
        raise NotAuthorizedException(USER_DISABLED)
    if user.status == UNCONFIRMED:
        raise UserNotConfirmedException(NOT_CONFIRMED)
    if user.status == RESET_REQUIRED:
        raise PasswordResetRequiredException(PASSWORD_RESET_REQUIRED)


def locked(user: User, now: float) -> bool:
    return float(user.extra.get("locked_until", 0)) > now


def lock_seconds(failures: int) -> float | None:
    """How long the ``failures``-th failure in a row locks sign-in: none before the fifth,
    then 1 s doubling up to 15 minutes. DEVIATION: the documented shape; Cognito's exact
    counting is unconfirmed."""
    return min(2.0 ** (failures - 5), QUIET) if failures >= 5 else None


def note_failure(user: User, now: float) -> None:
    """Cognito's lockout: after 5 failures, 1 s doubling to 15 min; 15 quiet minutes reset."""
    if now - float(user.extra.get("last_failure", 0)) > QUIET:
        user.extra["failures"] = 0
    failures = int(user.extra.get("failures", 0)) + 1
    user.extra.update(failures=failures, last_failure=now)
    lock = lock_seconds(failures)
    if lock is not None:
        user.extra["locked_until"] = now + lock


def clear_failures(user: User) -> None:
    for key in ("failures", "last_failure", "locked_until"):
        user.extra.pop(key, None)
