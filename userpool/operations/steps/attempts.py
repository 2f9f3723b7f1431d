"""Per-hour limits kept in the attempts table: how many times a key (a user's sub, an
unknown name's keyed hash, a destination) did an action in the last hour, and counting one
more or refusing it. Rows are purged after a day."""

from __future__ import annotations

from userpool.domain.ports import Tx
from userpool.errors import ATTEMPTS, CognitoError, LimitExceededException

HOUR = 3600.0


def over(tx: Tx, pool_id: str, key: str, action: str, limit: int, now: float) -> bool:
    """Whether ``key`` did ``action`` ``limit`` times or more in the last hour."""
    return tx.count_attempts(pool_id, key, action, now - HOUR) >= limit


def take(
    tx: Tx,
    pool_id: str,
    key: str,
    action: str,
    limit: int,
    now: float,
    refusal: type[CognitoError] = LimitExceededException,
) -> None:
    """Count one ``action`` of ``key``; at ``limit`` in the last hour, refuse it instead
    (``refusal``, "Attempt limit exceeded...") and count nothing."""
    if over(tx, pool_id, key, action, limit, now):
        raise refusal(ATTEMPTS)
    tx.add_attempt(pool_id, key, action, now)
