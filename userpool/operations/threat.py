"""Threat protection operations: SetRiskConfiguration, DescribeRiskConfiguration,
AdminListUserAuthEvents."""

from __future__ import annotations

import copy
from typing import Any

import orjson

from userpool.domain.risk import RISK_KEY, configuration, require_add_on
from userpool.domain.services import Call, Services
from userpool.operations.steps.lookups import client_of, pool_of
from userpool.operations.steps.paging import decode_token, encode_token
from userpool.operations.steps.users import admin_user

_MEMBERS = (
    "CompromisedCredentialsRiskConfiguration",
    "AccountTakeoverRiskConfiguration",
    "RiskExceptionConfiguration",
)
# DEVIATION: a ConfirmSignUp event is listed as the SignUp it completes (EventType has no
# ConfirmSignUp value).
_EVENT_TYPES = {"ConfirmSignUp": "SignUp"}


def _described(pool_id: str, client_id: str | None, config: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"UserPoolId": pool_id}
    if client_id:
        out["ClientId"] = client_id
    out.update({k: v for k, v in config.items() if k in (*_MEMBERS, "LastModifiedDate")})
    return out


async def set_risk_configuration(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    with svc.store.transaction() as tx:
        pool = pool_of(tx, req["UserPoolId"])
        require_add_on(pool)
        client_id = req.get("ClientId")
        if client_id:
            client_of(tx, client_id, pool.id)
        config = {k: copy.deepcopy(req[k]) for k in _MEMBERS if k in req}
        config["LastModifiedDate"] = svc.clock.now()
        configs = dict(pool.config.get(RISK_KEY) or {})
        configs[client_id or ""] = config
        pool.config = {**pool.config, RISK_KEY: configs}
        pool.modified = svc.clock.now()
        tx.update_pool(pool)
    return {"RiskConfiguration": _described(pool.id, client_id, config)}


async def describe_risk_configuration(
    svc: Services, call: Call, req: dict[str, Any]
) -> dict[str, Any]:
    with svc.store.read() as tx:
        pool = pool_of(tx, req["UserPoolId"])
        if req.get("ClientId"):
            client_of(tx, req["ClientId"], pool.id)
    require_add_on(pool)
    config = configuration(pool, req.get("ClientId"))
    return {"RiskConfiguration": _described(pool.id, req.get("ClientId"), config)}


def _challenge_responses(kind: str, data: dict[str, Any]) -> list[dict[str, str]]:
    """A sign-in's password check, as Cognito lists it (admin-list-user-auth-events'
    example: ``Password``/``Success``); a sign-in blocked before its password was checked
    lists none, nor do the other events.

    DEVIATION: only the successful case is in Cognito's example; ``Failure`` for a wrong
    password, and nothing for blocked sign-ins and other events, are our reading."""
    if kind != "SignIn" or data.get("RiskDecision") == "Block":
        return []
    outcome = "Success" if data.get("Response", "Pass") == "Pass" else "Failure"
    return [{"ChallengeName": "Password", "ChallengeResponse": outcome}]


def _event(event_id: int, kind: str, at: float, raw: str) -> dict[str, Any]:
    data = orjson.loads(raw)
    risk: dict[str, Any] = {
        "RiskDecision": data.get("RiskDecision", "NoRisk"),
        "CompromisedCredentialsDetected": False,
    }
    if data.get("RiskLevel"):
        risk["RiskLevel"] = data["RiskLevel"]
    context = {
        name: data[key]
        for name, key in (
            ("IpAddress", "IpAddress"),
            ("DeviceName", "DeviceName"),
            ("Timezone", "Timezone"),
        )
        if data.get(key)
    }
    event = {
        "EventId": str(event_id),
        "EventType": _EVENT_TYPES.get(kind, kind),
        "CreationDate": at,
        "EventResponse": data.get("Response", "Pass"),
        "EventRisk": risk,
        "ChallengeResponses": _challenge_responses(kind, data),
        "EventContextData": context,
    }
    if data.get("Feedback"):
        event["EventFeedback"] = data["Feedback"]
    return event


async def admin_list_user_auth_events(
    svc: Services, call: Call, req: dict[str, Any]
) -> dict[str, Any]:
    limit = req.get("MaxResults") or 60
    before = decode_token(req.get("NextToken"))
    with svc.store.read() as tx:
        pool = pool_of(tx, req["UserPoolId"])
        require_add_on(pool)
        user = admin_user(tx, pool, req["Username"])
        rows = tx.list_events(pool.id, user.sub, int(before) if before else None, limit + 1)
    out: dict[str, Any] = {"AuthEvents": [_event(e.id, e.kind, e.at, e.data) for e in rows[:limit]]}
    if len(rows) > limit:
        out["NextToken"] = encode_token(str(rows[limit - 1].id))
    return out
