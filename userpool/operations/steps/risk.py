"""Threat protection around a request: the address a request speaks for, its risk (scored
by ``userpool.domain.risk``), auth events recorded with it, and the notice a risky sign-in
sends when its level's action says ``Notify``.

The request's own address is the ``Call``'s; ``UserContextData.IpAddress`` replaces it only
for clients that propagate user context data (they must have a secret), as in Cognito.
The notice uses AccountTakeoverRiskConfiguration.NotifyConfiguration's template for the
action taken (BlockEmail, MfaEmail, NoActionEmail) with Cognito's placeholders. Its
``{one-click-link-valid}``/``{one-click-link-invalid}`` links point at this server's
``GET /<pool id>/auth-event-feedback`` page (see ``operations.feedback``); the feedback
token they carry is a keyed digest of (pool, user, event), never stored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import urllib.parse
from collections.abc import Callable
from typing import Any, NoReturn

import orjson

from userpool.domain import context_data
from userpool.domain.entities import AppClient, Message, Pool, User
from userpool.domain.ports import Tx
from userpool.domain.risk import Risk, blocks, configuration, listed, mode, score
from userpool.domain.services import Call, Services
from userpool.errors import BLOCKED, NotAuthorizedException
from userpool.operations.steps import sendquota

_TEMPLATES = {"BLOCK": "BlockEmail", "MFA_REQUIRED": "MfaEmail", "MFA_IF_CONFIGURED": "MfaEmail"}
# DEVIATION: Cognito's own notice text is unpublished; without a template this one is sent.
_DEFAULT = {
    "Subject": "Sign-in attempt",
    "TextBody": "We noticed a sign-in to your account {username} from {device-name} at "
    "{ip-address} on {login-time}. If this was you: {one-click-link-valid} . If not: "
    "{one-click-link-invalid} .",
}


def _signed_by_secret(req: Any) -> bool:
    """Whether the request carries a secret hash (every operation checks it, for a client
    with a secret, before anything here reads the request)."""
    nested = (req.get("AuthParameters") or {}).get("SECRET_HASH") or (
        req.get("ChallengeResponses") or {}
    ).get("SECRET_HASH")
    return bool(req.get("SecretHash") or nested)


def request_ip(call: Call, client: AppClient | None) -> str | None:
    """The address a request speaks for: the caller's; ``ContextData.IpAddress`` on the
    signed Admin operations (the validator drops it from every other request); and
    ``UserContextData.IpAddress`` only from a client with a secret that propagates user
    context data, in a request that carries its secret hash, as in Cognito."""
    req = call.request
    admin_given = (req.get("ContextData") or {}).get("IpAddress")
    if admin_given:
        return str(admin_given)
    given = (req.get("UserContextData") or {}).get("IpAddress")
    propagates = (
        client is not None
        and client.secret is not None
        and client.config.get("EnablePropagateAdditionalUserContextData")
        and _signed_by_secret(req)
    )
    return str(given) if given and propagates else call.source_ip


def device(call: Call, client: AppClient | None) -> context_data.Device | None:
    context = call.request.get("UserContextData") or {}
    return context_data.decode(context.get("EncodedData"), client.id if client else None)


def assess(
    svc: Services, call: Call, pool: Pool, client: AppClient | None, user: User | None = None
) -> Risk:
    if mode(pool) == "OFF":
        return Risk()
    config = configuration(pool, client.id if client else None)
    ip = request_ip(call, client)
    return score(config, ip, _failures_of(svc), user, device(call, client))


def _failures_of(svc: Services) -> Callable[[str], float]:
    return lambda ip: svc.limiter.recent("fail", ip)


def event_data(
    call: Call,
    *,
    client: AppClient | None = None,
    response: str = "Pass",
    risk: Risk | None = None,
) -> str:
    """An auth event's data, as stored: the request's context and analytics data (never
    secrets)."""
    req = call.request
    context = req.get("UserContextData") or {}
    risk = risk or Risk()
    data = {
        "IpAddress": request_ip(call, client),
        "ContextIpAddress": context.get("IpAddress"),
        "ClientId": client.id if client else None,
        "EncodedDataLength": len(context.get("EncodedData") or ""),
        "AnalyticsEndpointId": (req.get("AnalyticsMetadata") or {}).get("AnalyticsEndpointId"),
        "Response": response,
        "RiskDecision": risk.decision,
        "RiskLevel": risk.level,
        "Reasons": list(risk.reasons),
        "DeviceName": risk.device.name if risk.device else None,
        "Timezone": risk.device.timezone if risk.device else None,
        "DeviceKey": risk.device.key if risk.device else None,
    }
    return orjson.dumps(data).decode()


def record(
    tx: Tx,
    call: Call,
    pool: Pool,
    user: User,
    kind: str,
    now: float,
    *,
    client: AppClient | None = None,
    response: str = "Pass",
    risk: Risk | None = None,
    notify: Services | None = None,
) -> None:
    """Record an auth event. With ``notify``, also queue its notice if the level's action
    asks for one (the notice's feedback links name the event); without, the write is one
    nobody waits on (a backend may send it with COMMIT)."""
    data = event_data(call, client=client, response=response, risk=risk)
    if notify is None:
        tx.record_event(user.pool_id, user.sub, kind, now, data, listed(pool))
        return
    event_id = tx.add_event(user.pool_id, user.sub, kind, now, data, listed(pool))
    _notify(notify, call, tx, pool, client, user, risk or Risk(), event_id, now)


def guard(
    svc: Services,
    call: Call,
    pool: Pool,
    client: AppClient | None,
    user: User | None,
    kind: str,
) -> Risk:
    """Refuse a blocked request under ENFORCED (recording it); otherwise return the risk."""
    risk = assess(svc, call, pool, client, user)
    if blocks(pool, risk):
        refuse(svc, call, pool, client, user, kind, risk)
    return risk


def refuse(
    svc: Services,
    call: Call,
    pool: Pool,
    client: AppClient | None,
    user: User | None,
    kind: str,
    risk: Risk,
) -> NoReturn:
    """Record the refused request (for a known user) and refuse it for security reasons."""
    if user is not None:
        with svc.store.transaction() as tx:
            now = svc.clock.now()
            record(
                tx,
                call,
                pool,
                user,
                kind,
                now,
                client=client,
                response="Fail",
                risk=risk,
                notify=svc,
            )
        svc.outbox.notify()
    raise NotAuthorizedException(BLOCKED)


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


def _notify(
    svc: Services,
    call: Call,
    tx: Tx,
    pool: Pool,
    client: AppClient | None,
    user: User,
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
        "{ip-address}": request_ip(call, client) or "unknown",
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
