"""Threat protection (UserPoolAddOns.AdvancedSecurityMode OFF / AUDIT / ENFORCED): the
risk configuration of a pool or client, the IP a request comes from, the risk score and
decision, and the auth-event log shown by AdminListUserAuthEvents.

The request's own address arrives through ``REQUEST_IP`` (set by the server per request);
``UserContextData.IpAddress`` replaces it only for clients that propagate user context
data (they must have a secret), as in Cognito.

The score: an address in the risk configuration's BlockedIPRangeList is High and blocked,
one in SkippedIPRangeList is not scored. Otherwise each signal raises the level one step
from Low (one signal: Medium, two or more: High): failed sign-ins and confirmations from
the address in the last minute (counted across processes by the rate limiter) at or above
``IP_FAILURES``; the user's own recent failed sign-ins at or above ``USER_FAILURES``; a
device (from a correctly signed ``EncodedData``) the user has not signed in from before.
The decision follows AccountTakeoverRiskConfiguration's action for the level: BLOCK, and
MFA_REQUIRED for a user without MFA (userpool has none to offer), block; a raised level
otherwise is AccountTakeover, a Low one NoRisk. ENFORCED refuses blocked requests; AUDIT
only records them.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import orjson

from userpool.domain import context_data
from userpool.domain.entities import AppClient, Pool, User
from userpool.domain.ports import Tx
from userpool.errors import NotAuthorizedException, UserPoolAddOnNotEnabledException
from userpool.services import Services

REQUEST_IP: ContextVar[str | None] = ContextVar("request_ip", default=None)
RISK_KEY = "_RiskConfigurations"  # private member of the pool config, never shown
# DEVIATION: Cognito's wording for a blocked request is unconfirmed.
BLOCKED = "Request not allowed due to security reasons."
# DEVIATION: Cognito's risk model is proprietary; these signals and thresholds are ours.
IP_FAILURES = 10  # failed attempts from one address in a sliding minute
USER_FAILURES = 3  # the user's failed sign-ins since their last quiet quarter-hour
KNOWN_DEVICES = 20  # devices remembered per user
LEVELS = ("Low", "Medium", "High")


# Failed attempts from an address in the last minute; the rate limiter's shared counts
# (wired once per process by build_services).
def _no_failures(ip: str) -> float:
    return 0.0


failures_from: Callable[[str], float] = _no_failures


@dataclass(frozen=True)
class Risk:
    decision: str = "NoRisk"  # NoRisk | AccountTakeover | Block
    level: str | None = None
    reasons: tuple[str, ...] = ()
    device: context_data.Device | None = None


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


def _signed_by_secret(req: dict[str, Any]) -> bool:
    """Whether the request carries a secret hash (every operation checks it, for a client
    with a secret, before anything here reads the request)."""
    nested = (req.get("AuthParameters") or {}).get("SECRET_HASH") or (
        req.get("ChallengeResponses") or {}
    ).get("SECRET_HASH")
    return bool(req.get("SecretHash") or nested)


def request_ip(client: AppClient | None, req: dict[str, Any]) -> str | None:
    """The address a request speaks for: the caller's; ``ContextData.IpAddress`` on the
    signed Admin operations (the validator drops it from every other request); and
    ``UserContextData.IpAddress`` only from a client with a secret that propagates user
    context data, in a request that carries its secret hash, as in Cognito."""
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
    return str(given) if given and propagates else REQUEST_IP.get()


def _in(ip: str | None, ranges: list[str]) -> bool:
    if not ip or not ranges:
        return False
    try:
        address = ipaddress.ip_address(ip)
        return any(address in ipaddress.ip_network(r, strict=False) for r in ranges)
    except ValueError:
        return False


def device(client: AppClient | None, req: dict[str, Any]) -> context_data.Device | None:
    context = req.get("UserContextData") or {}
    return context_data.decode(context.get("EncodedData"), client.id if client else None)


def _signals(
    ip: str | None, user: User | None, seen: context_data.Device | None
) -> tuple[str, ...]:
    found = []
    if ip and failures_from(ip) >= IP_FAILURES:
        found.append("IpVelocity")
    if user is not None and int(user.extra.get("failures", 0)) >= USER_FAILURES:
        found.append("UserVelocity")
    known = user.extra.get("devices") if user is not None else None
    if seen is not None and known and seen.key not in known:
        found.append("NewDevice")
    return tuple(found)


# DEVIATION: Cognito documents account-takeover actions for sign-in only; here the same
# level-to-action rule also decides SignUp, ConfirmSignUp and ForgotPassword.
def _decision(config: dict[str, Any], level: str) -> str:
    actions = (config.get("AccountTakeoverRiskConfiguration") or {}).get("Actions") or {}
    action = (actions.get(f"{level}Action") or {}).get("EventAction", "NO_ACTION")
    if action in ("BLOCK", "MFA_REQUIRED"):
        return "Block"
    return "NoRisk" if level == "Low" else "AccountTakeover"


def assess(
    pool: Pool, client: AppClient | None, req: dict[str, Any], user: User | None = None
) -> Risk:
    if mode(pool) == "OFF":
        return Risk()
    config = configuration(pool, client.id if client else None)
    exceptions = config.get("RiskExceptionConfiguration") or {}
    ip = request_ip(client, req)
    seen = device(client, req)
    if _in(ip, exceptions.get("SkippedIPRangeList") or []):
        return Risk(device=seen)
    if _in(ip, exceptions.get("BlockedIPRangeList") or []):
        return Risk("Block", "High", ("BlockedIp",), seen)
    reasons = _signals(ip, user, seen)
    level = LEVELS[min(len(reasons), 2)]
    return Risk(_decision(config, level), level, reasons, seen)


def remember_device(user: User, risk: Risk) -> bool:
    """Note the device of a successful sign-in; whether the user changed."""
    if risk.device is None:
        return False
    known = [d for d in user.extra.get("devices") or [] if d != risk.device.key]
    user.extra["devices"] = [risk.device.key, *known][:KNOWN_DEVICES]
    return True


def event_data(
    req: dict[str, Any],
    *,
    client: AppClient | None = None,
    response: str = "Pass",
    risk: Risk | None = None,
) -> str:
    """An auth event's data, as stored: the request's context and analytics data (never
    secrets)."""
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
        "Reasons": list(risk.reasons),
        "DeviceName": risk.device.name if risk.device else None,
        "Timezone": risk.device.timezone if risk.device else None,
        "DeviceKey": risk.device.key if risk.device else None,
    }
    return orjson.dumps(data).decode()


def listed(pool: Pool) -> bool:
    """Whether a user's events recorded now are listed by AdminListUserAuthEvents."""
    # DEVIATION: Cognito collects auth events only with threat protection on; userpool
    # records every event (``userpool events export``) and lists those recorded with it on.
    return mode(pool) != "OFF"


def record(
    tx: Tx,
    pool: Pool,
    user: User,
    kind: str,
    req: dict[str, Any],
    now: float,
    *,
    client: AppClient | None = None,
    response: str = "Pass",
    risk: Risk | None = None,
) -> None:
    """Record an auth event (a write nobody waits on: a backend may send it with COMMIT);
    ``notify.record_and_notify`` records one whose id a notice links to."""
    data = event_data(req, client=client, response=response, risk=risk)
    tx.record_event(user.pool_id, user.sub, kind, now, data, listed(pool))


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
    risk = assess(pool, client, req, user)
    if blocks(pool, risk):
        if user is not None:
            from userpool.operations.notify import record_and_notify

            with svc.store.transaction() as tx:
                record_and_notify(svc, tx, pool, client, user, kind, req, risk, "Fail")
            svc.outbox.notify()
        raise NotAuthorizedException(BLOCKED)
    return risk
