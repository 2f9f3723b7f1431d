"""One-time codes for a purpose other than sign-up (a password reset, an attribute's
verification): stored as keyed hashes with their message queued, and checked in constant
time with Cognito's attempt limit (5 wrong codes per user and hour by default)."""

from __future__ import annotations

from userpool.domain import codes
from userpool.domain.entities import User
from userpool.domain.ports import NotFound, Tx
from userpool.errors import (
    CodeMismatchException,
    CognitoError,
    ExpiredCodeException,
    LimitExceededException,
)
from userpool.operations import hooks
from userpool.operations.newusers import enqueue
from userpool.operations.signup import ATTEMPTS, EXPIRED, HOUR, MISMATCH
from userpool.services import Services


def store(
    svc: Services,
    tx: Tx,
    user: User,
    purpose: str,
    out: hooks.Outgoing,
    now: float,
    validity: float,
) -> None:
    """Make ``out``'s code the user's only valid code for ``purpose`` and queue its message
    (the message first: over its address's quota nothing is written)."""
    enqueue(svc, tx, user, out, now)
    try:
        previous = tx.get_code(user.pool_id, user.sub, purpose)
    except NotFound:
        previous = None
    d = out.delivery
    tx.put_code(
        codes.replace_code(
            svc.key,
            previous,
            user.pool_id,
            user.sub,
            purpose,
            out.secret,
            now + validity,
            d.attribute,
            d.medium,
        )
    )


def check(
    svc: Services, tx: Tx, user: User, purpose: str, given: str, now: float
) -> CognitoError | None:
    """None for the right code (now spent), else the error to report after commit (the
    failure is recorded); over the limit, LimitExceededException at once."""
    try:
        stored = tx.get_code(user.pool_id, user.sub, purpose)
    except NotFound:
        return ExpiredCodeException(EXPIRED)  # documented for ConfirmForgotPassword
    recent = codes.recent_failures(stored, now - HOUR)
    if len(recent) >= svc.settings.code_attempts_per_hour:
        raise LimitExceededException(ATTEMPTS)
    verdict = codes.judge(svc.key, stored, given, now)
    if verdict is codes.Verdict.OK:
        tx.delete_code(user.pool_id, user.sub, purpose)
        return None
    stored.failures = [*recent, now]
    tx.put_code(stored)
    if verdict is codes.Verdict.EXPIRED:
        return ExpiredCodeException(EXPIRED)
    return CodeMismatchException(MISMATCH)
