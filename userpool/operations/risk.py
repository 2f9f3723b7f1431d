"""Threat protection (UserPoolAddOns.AdvancedSecurityMode OFF / AUDIT / ENFORCED): the
risk configuration of a pool or client, the IP a request comes from, the risk decision,
and the auth-event log shown by AdminListUserAuthEvents.

The request's own address arrives through ``REQUEST_IP`` (set by the server per request);
``UserContextData.IpAddress`` replaces it only for clients that propagate user context
data (they must have a secret), as in Cognito.
"""

from __future__ import annotations

import ipaddress
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import orjson

from userpool.domain.entities import AppClient, Pool, User
from userpool.domain.ports import Tx
from userpool.errors import NotAuthorizedException, UserPoolAddOnNotEnabledException
from userpool.services import Services

REQUEST_IP: ContextVar[str | None] = ContextVar("request_ip", default=None)
RISK_KEY = "_RiskConfigurations"  # private member of the pool config, never shown
# DEVIATION: Cognito's wording for a blocked request is unconfirmed.
BLOCKED = "Request not allowed due to security reasons."


@dataclass(frozen=True)
class Risk:
    decision: str = "NoRisk"  # NoRisk | Block
    level: str | None = None


def mode(pool: Pool) -> str:
    return str((pool.config.get("UserPoolAddOns") or {}).get("AdvancedSecurityMode", "OFF"))


def require_add_on(pool: Pool) -> None:
    if mode(pool) == "OFF":
        # DEVIATION: wording unconfirmed.
        raise UserPoolAddOnNotEnabledException(
            "Threat protection is not enabled for this user pool."
        )


def configuration(pool: Pool, client_id: str | None) -> dict[str, Any]:
    configs = pool.config.get(RISK_KEY) or {}
    return dict(configs.get(client_id or "") or configs.get("") or {})


def request_ip(client: AppClient | None, req: dict[str, Any]) -> str | None:
    given = (req.get("UserContextData") or {}).get("IpAddress") or (
        req.get("ContextData") or {}
    ).get("IpAddress")
    propagates = (
        client is not None
        and client.secret is not None
        and client.config.get("EnablePropagateAdditionalUserContextData")
    )
    return str(given) if given and (propagates or "ContextData" in req) else REQUEST_IP.get()


def _in(ip: str | None, ranges: list[str]) -> bool:
    if not ip or not ranges:
        return False
    try:
        address = ipaddress.ip_address(ip)
        return any(address in ipaddress.ip_network(r, strict=False) for r in ranges)
    except ValueError:
        return False


def assess(pool: Pool, client: AppClient | None, req: dict[str, Any]) -> Risk:
    if mode(pool) == "OFF":
        return Risk()
    exceptions = (
        configuration(pool, client.id if client else None).get("RiskExceptionConfiguration") or {}
    )
    ip = request_ip(client, req)
    if _in(ip, exceptions.get("SkippedIPRangeList") or []):
        return Risk()
    if _in(ip, exceptions.get("BlockedIPRangeList") or []):
        return Risk("Block", "High")
    return Risk(level="Low")


def record(
    tx: Tx,
    user: User,
    kind: str,
    req: dict[str, Any],
    now: float,
    *,
    client: AppClient | None = None,
    response: str = "Pass",
    risk: Risk | None = None,
) -> None:
    """An auth event with the request's context and analytics data (never secrets)."""
    context = req.get("UserContextData") or {}
    risk = risk or Risk()
    data = {
        "IpAddress": request_ip(client, req),
        "ContextIpAddress": context.get("IpAddress"),
        "ClientId": client.id if client else None,
        "EncodedDataLength": len(context.get("EncodedData") or ""),
        "AnalyticsEndpointId": (req.get("AnalyticsMetadata") or {}).get("AnalyticsEndpointId"),
        "Response": response,
        "RiskDecision": risk.decision,
        "RiskLevel": risk.level,
    }
    tx.record_event(user.pool_id, user.sub, kind, now, orjson.dumps(data).decode())


def blocks(pool: Pool, risk: Risk) -> bool:
    return risk.decision == "Block" and mode(pool) == "ENFORCED"


def guard(
    svc: Services,
    pool: Pool,
    client: AppClient | None,
    user: User | None,
    kind: str,
    req: dict[str, Any],
) -> Risk:
    """Refuse a blocked request under ENFORCED (recording it); otherwise return the risk."""
    risk = assess(pool, client, req)
    if blocks(pool, risk):
        if user is not None:
            with svc.store.transaction() as tx:
                record(
                    tx, user, kind, req, svc.clock.now(), client=client, response="Fail", risk=risk
                )
        raise NotAuthorizedException(BLOCKED)
    return risk
