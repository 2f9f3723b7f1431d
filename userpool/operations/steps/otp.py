"""One-time passwords as a first factor (USER_AUTH with EMAIL_OTP or SMS_OTP)."""

from __future__ import annotations

import secrets
from typing import Any

from userpool.domain import crypto
from userpool.domain.entities import AppClient, Message, Pool, Session, User
from userpool.domain.messages import Delivery
from userpool.domain.services import Services
from userpool.errors import CODE_EXPIRED, CodeMismatchException, ExpiredCodeException
from userpool.operations.steps import sendquota
from userpool.operations.steps.signin import challenge_session

_TARGET = {"EMAIL_OTP": ("email", "EMAIL"), "SMS_OTP": ("phone_number", "SMS")}


def _hash(svc: Services, user: User, code: str) -> str:
    return crypto.keyed_hash(svc.key, "otp", user.pool_id, user.sub, code)


async def send(
    svc: Services, pool: Pool, client: AppClient, user: User, choice: str
) -> dict[str, Any]:
    """Send an 8-digit code and answer with the challenge to return it."""
    attribute, medium = _TARGET[choice]
    delivery = Delivery(attribute, medium, user.attributes[attribute])
    # DEVIATION: 8 digits, as reported for Cognito's sign-in codes (the length is unconfirmed).
    code = f"{secrets.randbelow(10**8):08d}"
    now = svc.clock.now()
    text = f"Your sign-in code is {code}. "
    subject = "Your sign-in code" if medium == "EMAIL" else None
    message = Message(
        0, pool.id, user.username, medium, delivery.destination, subject, text, now, "pending"
    )
    with svc.store.transaction() as tx:
        # Counted against the address's quota with every other message (no session is
        # left behind when refused; nothing is sent, silently, for clients hiding users).
        with sendquota.quietly(client.prevent_user_existence_errors):
            sendquota.enqueue(svc, tx, message, now)
        token = challenge_session(svc, tx, client, user, choice, {"code": _hash(svc, user, code)})
    svc.outbox.notify()
    details = delivery.details()
    return {
        "ChallengeName": choice,
        "Session": token,
        "ChallengeParameters": {
            "CODE_DELIVERY_DELIVERY_MEDIUM": details["DeliveryMedium"],
            "CODE_DELIVERY_DESTINATION": details["Destination"],
        },
    }


async def check(svc: Services, pool: Pool, user: User, session: Session, code: str) -> None:
    """The code must match the one sent in this (already consumed, single-use) session.

    DEVIATION: a wrong code ends the session; Cognito may allow retries within it.
    """
    if not code:
        raise ExpiredCodeException(CODE_EXPIRED)
    if not crypto.equal(_hash(svc, user, code), str(session.data.get("code", ""))):
        raise CodeMismatchException("Invalid code received for user")
