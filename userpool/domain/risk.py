"""Threat protection's rules (UserPoolAddOns.AdvancedSecurityMode OFF / AUDIT / ENFORCED),
pure: a pool's or client's risk configuration, the score of a request and its decision.

The score: an address in the risk configuration's BlockedIPRangeList is High and blocked,
one in SkippedIPRangeList is not scored. Otherwise each signal raises the level one step
from Low (one signal: Medium, two or more: High): failed sign-ins and confirmations from
the address in the last minute at or above ``IP_FAILURES``; the user's own recent failed
sign-ins at or above ``USER_FAILURES``; a device (from a correctly signed ``EncodedData``)
the user has not signed in from before. The decision follows
AccountTakeoverRiskConfiguration's action for the level: BLOCK blocks; a raised level
otherwise is AccountTakeover, a Low one NoRisk. The action is kept with the risk:
MFA_REQUIRED and MFA_IF_CONFIGURED ask a signing-in user for a second factor
(``domain/mfa_signin.py``). ENFORCED refuses blocked requests and asks for that MFA; AUDIT
only records them. What a request brings (its address, its device, the address's failure count) is
gathered by ``userpool.operations.steps.risk``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from userpool.domain import context_data
from userpool.domain.entities import Pool, User
from userpool.errors import UserPoolAddOnNotEnabledException

RISK_KEY = "_RiskConfigurations"  # private member of the pool config, never shown
# DEVIATION: Cognito's risk model is proprietary; these signals and thresholds are ours.
IP_FAILURES = 10  # failed attempts from one address in a sliding minute
USER_FAILURES = 3  # the user's failed sign-ins since their last quiet quarter-hour
KNOWN_DEVICES = 20  # devices remembered per user
LEVELS = ("Low", "Medium", "High")


@dataclass(frozen=True)
class Risk:
    decision: str = "NoRisk"  # NoRisk | AccountTakeover | Block
    level: str | None = None
    reasons: tuple[str, ...] = ()
    device: context_data.Device | None = None
    action: str = "NO_ACTION"  # the level's EventAction (BLOCK, MFA_REQUIRED, ...)


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


def _in(ip: str | None, ranges: list[str]) -> bool:
    if not ip or not ranges:
        return False
    try:
        address = ipaddress.ip_address(ip)
        return any(address in ipaddress.ip_network(r, strict=False) for r in ranges)
    except ValueError:
        return False


def _signals(
    ip: str | None,
    failures_of: Callable[[str], float],
    user: User | None,
    seen: context_data.Device | None,
) -> tuple[str, ...]:
    found = []
    if ip and failures_of(ip) >= IP_FAILURES:
        found.append("IpVelocity")
    if user is not None and int(user.extra.get("failures", 0)) >= USER_FAILURES:
        found.append("UserVelocity")
    known = user.extra.get("devices") if user is not None else None
    if seen is not None and known and seen.key not in known:
        found.append("NewDevice")
    return tuple(found)


# DEVIATION: Cognito documents account-takeover actions for sign-in only; here the same
# level-to-action rule also decides SignUp, ConfirmSignUp and ForgotPassword (where BLOCK
# blocks, and the MFA actions, having no second factor to ask for, let the request pass).
def _action(config: dict[str, Any], level: str) -> str:
    actions = (config.get("AccountTakeoverRiskConfiguration") or {}).get("Actions") or {}
    return str((actions.get(f"{level}Action") or {}).get("EventAction", "NO_ACTION"))


def _decision(action: str, level: str) -> str:
    if action == "BLOCK":
        return "Block"
    return "NoRisk" if level == "Low" else "AccountTakeover"


def score(
    config: dict[str, Any],
    ip: str | None,
    failures_of: Callable[[str], float],
    user: User | None,
    seen: context_data.Device | None,
) -> Risk:
    """The risk of a request from ``ip`` on a device ``seen``, for ``user`` if known, under
    a pool with threat protection on; ``failures_of`` counts an address's recent failures
    (asked only when the address is scored)."""
    exceptions = config.get("RiskExceptionConfiguration") or {}
    if _in(ip, exceptions.get("SkippedIPRangeList") or []):
        return Risk(device=seen)
    if _in(ip, exceptions.get("BlockedIPRangeList") or []):
        return Risk("Block", "High", ("BlockedIp",), seen)
    reasons = _signals(ip, failures_of, user, seen)
    level = LEVELS[min(len(reasons), 2)]
    action = _action(config, level)
    return Risk(_decision(action, level), level, reasons, seen, action)


def remember_device(user: User, risk: Risk) -> bool:
    """Note the device of a successful sign-in; whether the user changed."""
    if risk.device is None:
        return False
    known = [d for d in user.extra.get("devices") or [] if d != risk.device.key]
    user.extra["devices"] = [risk.device.key, *known][:KNOWN_DEVICES]
    return True


def listed(pool: Pool) -> bool:
    """Whether a user's events recorded now are listed by AdminListUserAuthEvents."""
    # DEVIATION: Cognito collects auth events only with threat protection on; userpool
    # records every event (``userpool events export``) and lists those recorded with it on.
    return mode(pool) != "OFF"


def blocks(pool: Pool, risk: Risk) -> bool:
    return risk.decision == "Block" and mode(pool) == "ENFORCED"


def mfa_action(pool: Pool, risk: Risk) -> str | None:
    """MFA_REQUIRED or MFA_IF_CONFIGURED when the risk's action asks a signing-in user for
    a second factor (ENFORCED pools only); else None."""
    if mode(pool) == "ENFORCED" and risk.action in ("MFA_REQUIRED", "MFA_IF_CONFIGURED"):
        return risk.action
    return None
