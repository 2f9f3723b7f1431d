"""Feedback on auth events: AdminUpdateAuthEventFeedback, and UpdateAuthEventFeedback,
which the links of a threat-protection notice (``steps.risk``) also reach through this
server's ``GET /<pool id>/auth-event-feedback`` page. The feedback token is compared in
constant time.
"""

from __future__ import annotations

import hmac
from typing import Any

import orjson

from userpool.domain.context_data import Device
from userpool.domain.entities import User
from userpool.domain.ports import NotFound, Tx
from userpool.domain.risk import Risk, remember_device, require_add_on
from userpool.domain.services import Call, Services
from userpool.errors import (
    BAD_FEEDBACK_TOKEN,
    NO_EVENT,
    NotAuthorizedException,
    ResourceNotFoundException,
)
from userpool.operations.steps.lookups import pool_of
from userpool.operations.steps.risk import feedback_token
from userpool.operations.steps.users import admin_user


def _give_feedback(
    svc: Services, req: dict[str, Any], provider: str, token: str | None = None
) -> dict[str, Any]:
    with svc.store.transaction() as tx:
        pool = pool_of(tx, req["UserPoolId"])
        require_add_on(pool)
        user = admin_user(tx, pool, req["Username"])
        try:
            event_id = int(req["EventId"])
            raw = tx.get_event(pool.id, user.sub, event_id).data
        except (ValueError, NotFound):
            raise ResourceNotFoundException(NO_EVENT) from None
        if token is not None and not hmac.compare_digest(
            feedback_token(svc.key, pool.id, user.sub, event_id).encode(), token.encode()
        ):
            raise NotAuthorizedException(BAD_FEEDBACK_TOKEN)
        data = orjson.loads(raw)
        data["Feedback"] = {
            "FeedbackValue": req["FeedbackValue"],
            "Provider": provider,
            "FeedbackDate": svc.clock.now(),
        }
        tx.update_event(pool.id, user.sub, event_id, orjson.dumps(data).decode())
        if req["FeedbackValue"] == "Valid" and data.get("DeviceKey"):
            # The user vouches for the sign-in: its device is theirs from now on.
            _remember(tx, user, data["DeviceKey"])
    return {}


def _remember(tx: Tx, user: User, device_key: str) -> None:
    if remember_device(user, Risk(device=Device(device_key))):
        tx.update_user(user)


async def admin_update_auth_event_feedback(
    svc: Services, call: Call, req: dict[str, Any]
) -> dict[str, Any]:
    # DEVIATION: the Provider Cognito records for an administrator's feedback is "Admin"
    # (as for the console); for a user's, "User". The second is unconfirmed.
    return _give_feedback(svc, req, "Admin")


async def update_auth_event_feedback(
    svc: Services, call: Call, req: dict[str, Any]
) -> dict[str, Any]:
    return _give_feedback(svc, req, "User", req["FeedbackToken"])
