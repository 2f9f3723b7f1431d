"""Threat-protection notices and event feedback: the email a risky sign-in sends when its
action says ``Notify``, the feedback token that email carries, and the two feedback
operations (AdminUpdateAuthEventFeedback, UpdateAuthEventFeedback).

The notice uses AccountTakeoverRiskConfiguration.NotifyConfiguration's template for the
action taken (BlockEmail, MfaEmail, NoActionEmail) with Cognito's placeholders. Its
``{one-click-link-valid}``/``{one-click-link-invalid}`` links point at this server's
``GET /<pool id>/auth-event-feedback`` page, which takes the same feedback as
UpdateAuthEventFeedback. A feedback token is a keyed digest of (pool, user, event): it is
never stored and is compared in constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import urllib.parse
from typing import Any

import orjson

from userpool.domain.context_data import Device
from userpool.domain.entities import AppClient, Message, Pool, User
from userpool.domain.ports import NotFound, Tx
from userpool.errors import NotAuthorizedException, ResourceNotFoundException
from userpool.operations import sendquota
from userpool.operations.admin_users import admin_user
from userpool.operations.common import pool_of
from userpool.operations.risk import (
    Risk,
    configuration,
    event_data,
    listed,
    remember_device,
    request_ip,
)
from userpool.operations.risk import require_add_on as _require_add_on
from userpool.services import Services

# DEVIATION: Cognito's wording for an unknown event id and a bad feedback token is
# unconfirmed.
NO_EVENT = "Auth event not found."
BAD_TOKEN = "Invalid feedback token."
_TEMPLATES = {"BLOCK": "BlockEmail", "MFA_REQUIRED": "MfaEmail", "MFA_IF_CONFIGURED": "MfaEmail"}
# DEVIATION: Cognito's own notice text is unpublished; without a template this one is sent.
_DEFAULT = {
    "Subject": "Sign-in attempt",
    "TextBody": "We noticed a sign-in to your account {username} from {device-name} at "
    "{ip-address} on {login-time}. If this was you: {one-click-link-valid} . If not: "
    "{one-click-link-invalid} .",
}


def feedback_token(key: bytes, pool_id: str, sub: str, event_id: int) -> str:
    mac = hmac.new(key, f"feedback|{pool_id}|{sub}|{event_id}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).decode().rstrip("=")


def _links(svc: Services, pool: Pool, user: User, event_id: int) -> dict[str, str]:
    base = svc.settings.issuer(pool.id)
    query = {
        "username": user.username,
        "event_id": str(event_id),
        "token": feedback_token(svc.key, pool.id, user.sub, event_id),
    }
    return {
        f"{{one-click-link-{value.lower()}}}": f"{base}/auth-event-feedback?"
        + urllib.parse.urlencode({**query, "value": value})
        for value in ("Valid", "Invalid")
    }


def record_and_notify(
    svc: Services,
    tx: Tx,
    pool: Pool,
    client: AppClient | None,
    user: User,
    kind: str,
    req: dict[str, Any],
    risk: Risk,
    response: str,
) -> None:
    """Record a scored auth event and queue its notice, if its level's action asks for one
    (the notice's feedback links name the event)."""
    now = svc.clock.now()
    data = event_data(req, client=client, response=response, risk=risk)
    event_id = tx.add_event(user.pool_id, user.sub, kind, now, data, listed(pool))
    _notify(svc, tx, pool, client, user, req, risk, event_id, now)


def _notify(
    svc: Services,
    tx: Tx,
    pool: Pool,
    client: AppClient | None,
    user: User,
    req: dict[str, Any],
    risk: Risk,
    event_id: int,
    now: float,
) -> None:
    """Queue the notice of a scored sign-in, if its level's action asks for one."""
    takeover = configuration(pool, client.id if client else None).get(
        "AccountTakeoverRiskConfiguration"
    )
    email = user.attributes.get("email")
    if not takeover or not risk.level or not email:
        return
    action = (takeover.get("Actions") or {}).get(f"{risk.level}Action") or {}
    if not action.get("Notify"):
        return
    config = takeover.get("NotifyConfiguration") or {}
    template = (
        config.get(_TEMPLATES.get(action.get("EventAction", ""), "NoActionEmail")) or _DEFAULT
    )
    values = {
        "{username}": user.username,
        "{ip-address}": request_ip(client, req) or "unknown",
        "{city}": "unknown",
        "{country}": "unknown",
        "{login-time}": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(now)),
        "{device-name}": (risk.device.name if risk.device else None) or "an unknown device",
        **_links(svc, pool, user, event_id),
    }
    body = str(template.get("TextBody") or template.get("HtmlBody") or _DEFAULT["TextBody"])
    subject = str(template.get("Subject") or _DEFAULT["Subject"])
    for name, value in values.items():
        body, subject = body.replace(name, value), subject.replace(name, value)
    message = Message(0, pool.id, user.username, "EMAIL", email, subject, body, now, "pending")
    # A notice over its address's quota is dropped: the sign-in's answer must not change.
    with sendquota.quietly(True):
        sendquota.enqueue(svc, tx, message, now)


def _give_feedback(
    svc: Services, req: dict[str, Any], provider: str, token: str | None = None
) -> dict[str, Any]:
    with svc.store.transaction() as tx:
        pool = pool_of(tx, req["UserPoolId"])
        _require_add_on(pool)
        user = admin_user(tx, pool, req["Username"])
        try:
            event_id = int(req["EventId"])
            raw = tx.get_event(pool.id, user.sub, event_id).data
        except (ValueError, NotFound):
            raise ResourceNotFoundException(NO_EVENT) from None
        if token is not None and not hmac.compare_digest(
            feedback_token(svc.key, pool.id, user.sub, event_id).encode(), token.encode()
        ):
            raise NotAuthorizedException(BAD_TOKEN)
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


async def admin_update_auth_event_feedback(svc: Services, req: dict[str, Any]) -> dict[str, Any]:
    # DEVIATION: the Provider Cognito records for an administrator's feedback is "Admin"
    # (as for the console); for a user's, "User". The second is unconfirmed.
    return _give_feedback(svc, req, "Admin")


async def update_auth_event_feedback(svc: Services, req: dict[str, Any]) -> dict[str, Any]:
    return _give_feedback(svc, req, "User", req["FeedbackToken"])
