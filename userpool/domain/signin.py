"""Sign-in rules for a user, pure: who may sign in, and Cognito's lockout after failed
passwords (5 failures, then 1 s doubling to 15 minutes; 15 quiet minutes reset it)."""

from __future__ import annotations

from userpool.domain.entities import (
    RESET_REQUIRED,
    UNCONFIRMED,
    User,
)
from userpool.errors import (
    NOT_CONFIRMED,
    PASSWORD_RESET_REQUIRED,
    USER_DISABLED,
    NotAuthorizedException,
    PasswordResetRequiredException,
    UserNotConfirmedException,
)

QUIET = 900.0


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


def note_failure(user: User, now: float) -> None:
    """Cognito's lockout: after 5 failures, 1 s doubling to 15 min; 15 quiet minutes reset."""
    if now - float(user.extra.get("last_failure", 0)) > QUIET:
        user.extra["failures"] = 0
    failures = int(user.extra.get("failures", 0)) + 1
    user.extra.update(failures=failures, last_failure=now)
    if failures >= 5:
        user.extra["locked_until"] = now + min(2 ** (failures - 5), QUIET)


def clear_failures(user: User) -> None:
    for key in ("failures", "last_failure", "locked_until"):
        user.extra.pop(key, None)
