"""One-time codes around a user: one way to store a code (its message queued with it), one
way to check one (Cognito's attempt limit, constant-time compare, spent once right), and
one way to answer a code sent for nobody (wrong, and limited exactly like a real user's
guesses, so the answers tell no unknown name from a real one).

DEVIATION: Cognito's threshold is unpublished; N failed codes per user and hour (default
5, ``--code-attempts-per-hour``) give LimitExceededException, and refused requests are not
counted.
"""

from __future__ import annotations

import contextlib

from userpool.domain import codes
from userpool.domain.entities import Message, User
from userpool.domain.ports import NotFound, Tx
from userpool.domain.services import Services
from userpool.errors import (
    ATTEMPTS,
    CODE_EXPIRED,
    CODE_MISMATCH,
    CodeMismatchException,
    CognitoError,
    ExpiredCodeException,
    LimitExceededException,
)
from userpool.operations.steps import attempts, hooks, sendquota


def store(
    svc: Services,
    tx: Tx,
    user: User,
    purpose: str,
    out: hooks.Outgoing,
    now: float,
    validity: float,
    first: bool = False,
) -> None:
    """Make ``out``'s code the user's only valid code for ``purpose`` and queue its message
    (the message first: over its address's quota nothing is written). ``first``: the user
    has no earlier code of it to replace (no read)."""
    enqueue(svc, tx, user, out, now)
    previous = None
    if not first:
        with contextlib.suppress(NotFound):
            previous = tx.get_code(user.pool_id, user.sub, purpose)
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
    svc: Services,
    tx: Tx,
    user: User,
    purpose: str,
    given: str,
    now: float,
    hidden: str | None = None,
) -> codes.Code | CognitoError:
    """The right code, now spent; else the error to report after commit (the failure is
    recorded). Over the limit, LimitExceededException at once. No outstanding code is
    ExpiredCodeException (documented for ConfirmForgotPassword; DEVIATION elsewhere); but
    for a client that hides existence (``hidden``: the action its guesses count as) it is
    answered as a code for nobody, so a user with no code looks like no user."""
    try:
        stored = tx.get_code(user.pool_id, user.sub, purpose)
    except NotFound:
        if hidden is not None:
            return guess(svc, tx, user.pool_id, user.sub, hidden, now)
        return ExpiredCodeException(CODE_EXPIRED)
    recent = codes.recent_failures(stored, now - attempts.HOUR)
    if len(recent) >= svc.settings.code_attempts_per_hour:
        raise LimitExceededException(ATTEMPTS)
    verdict = codes.judge(svc.key, stored, given, now)
    if verdict is codes.Verdict.OK:
        tx.delete_code(user.pool_id, user.sub, purpose)
        return stored
    stored.failures = [*recent, now]
    tx.put_code(stored)
    if verdict is codes.Verdict.EXPIRED:
        return ExpiredCodeException(CODE_EXPIRED)
    return CodeMismatchException(CODE_MISMATCH)


def guess(svc: Services, tx: Tx, pool_id: str, key: str, action: str, now: float) -> CognitoError:
    """A code where none is outstanding (``key``: a user's sub, or ``nobody``'s): wrong, and
    limited per key and ``action`` like a real user's guesses."""
    try:
        attempts.take(tx, pool_id, key, action, svc.settings.code_attempts_per_hour, now)
    except LimitExceededException as refused:
        return refused
    return CodeMismatchException(CODE_MISMATCH)


def enqueue(svc: Services, tx: Tx, user: User, out: hooks.Outgoing, now: float) -> None:
    """Queue ``out``'s message, or raise QuotaExceeded (its address had enough this hour)."""
    d = out.delivery
    message = Message(
        0,
        user.pool_id,
        user.username,
        d.medium,
        d.destination,
        out.subject,
        out.body,
        now,
        "pending",
    )
    sendquota.enqueue(svc, tx, message, now)
