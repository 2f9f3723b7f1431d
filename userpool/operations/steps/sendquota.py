"""How many messages one address may receive: the one gate every message passes on its
way into the outbox (sign-up and resent codes, recovery and verification codes,
invitations, EMAIL_OTP/SMS_OTP sign-in codes, threat notices).

At most ``messages_per_destination_per_hour`` messages (default 10, 0: no limit) go to
one email address or phone number of a pool in a rolling hour, whichever operation and
whichever user they are for, so signing up many names with one victim's address, or
alternating resends, recoveries and sign-in codes, cannot flood a mailbox. The address is
normalised (an email lower-cased, a phone number reduced to ``+`` and digits) and kept
only as a keyed hash. Each admitted message is a row of the store's ``attempts`` table,
written in the request's transaction after a count of the last hour: every process on
the database sees the same count, exactly (SQLite has one writer; PostgreSQL locks the
name), and it survives restarts; the relay's purge drops rows older than a day.

A refused message raises ``QuotaExceeded`` before anything of it is written. Callers
decide what it means: a refusal (the transaction rolls back, so no new code is left
behind), a refusal after commit (SignUp keeps its UNCONFIRMED user, as Cognito does), or
silence (``quietly``) where the answer must not tell a real user from an unknown one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from userpool.domain import crypto
from userpool.domain.entities import Message
from userpool.domain.ports import Tx
from userpool.domain.services import Services
from userpool.errors import CognitoError
from userpool.operations.steps import attempts

# DEVIATION: Cognito's sending quota is per account and daily; this one is per address of
# a pool (one tenant's traffic cannot block another's codes) and hourly.
ACTION = "message"  # the attempts table's action for an admitted message
# DEVIATION: Cognito answers its (daily, per account) sending quota with
# "Exceeded daily email limit for the operation or the account."; this quota is hourly and
# per address, so it answers with the generic text of Cognito's per-user quotas.
_NOT_PHONE_DIGITS = re.compile(r"[^0-9+]")


class QuotaExceeded(CognitoError):
    """LimitExceededException: the destination has had its quota of messages this hour;
    nothing was queued."""

    code = "LimitExceededException"


def destination_key(svc: Services, pool_id: str, medium: str, destination: str) -> str:
    """The attempts table's key for an address: normalised, then a keyed hash."""
    if medium == "SMS":
        normal = _NOT_PHONE_DIGITS.sub("", destination)
    else:
        normal = destination.strip().lower()
    return "@" + crypto.keyed_hash(svc.key, "destination", pool_id, medium, normal)


def admit(svc: Services, tx: Tx, pool_id: str, medium: str, destination: str, now: float) -> None:
    """Count one message to ``destination``, or raise QuotaExceeded (and count nothing)."""
    limit = svc.settings.messages_per_destination_per_hour
    if limit <= 0:
        return
    key = destination_key(svc, pool_id, medium, destination)
    attempts.take(tx, pool_id, key, ACTION, limit, now, QuotaExceeded)


def enqueue(svc: Services, tx: Tx, message: Message, now: float) -> None:
    """Queue ``message`` in the request's transaction if its destination's quota allows."""
    admit(svc, tx, message.pool_id, message.medium, message.destination, now)
    tx.enqueue_message(message)


# DEVIATION: Cognito's answer over its quota does not depend on the client; here clients
# hiding users send nothing and answer as usual, since anyone can fill an address's quota.
@contextmanager
def quietly(hide: bool) -> Iterator[None]:
    """Over the quota, send nothing and carry on when ``hide`` (a client hiding whether
    users exist: a real user's answer must look like an unknown one's); else refuse."""
    try:
        yield
    except QuotaExceeded:
        if not hide:
            raise
