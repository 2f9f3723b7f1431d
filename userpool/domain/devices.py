"""Remembered devices, pure: when a pool tracks devices, their keys, the verifier a client
registers with ConfirmDevice, when a remembered device stands in for MFA, when a refresh
token may be used, which devices a user and an administrator see, and the caps on how many
a user keeps.

A pool tracks devices when its ``DeviceConfiguration`` is present (even with both members
false). A sign-in that ends with tokens and did not authenticate a device of the user makes
a new, unconfirmed one (``NewDeviceMetadata``: its key ``<region>_<uuid>`` and the user's
group key). ConfirmDevice stores its SRP verifier and makes it ``remembered`` at once, or
``not_remembered`` when ``DeviceOnlyRememberedOnUserPrompt`` asks the user first
(``UserConfirmationNecessary``). A sign-in presenting a remembered device's key proves it
with device SRP (DEVICE_SRP_AUTH, DEVICE_PASSWORD_VERIFIER); with
``ChallengeRequiredOnNewDevice`` that proof replaces the MFA step.

DEVIATION: Cognito publishes no cap on a user's devices; here a user keeps at most
``MAX_CONFIRMED`` confirmed devices (confirming another forgets the one authenticated
longest ago) and ``MAX_UNCONFIRMED`` unconfirmed ones (a sign-in making another drops the
oldest), so repeated sign-ins without a device key cannot grow the table without end.
"""

from __future__ import annotations

import re
import secrets
import string
import uuid
from collections.abc import Iterable
from typing import Any

from userpool.domain.store_ports import Device

REMEMBERED, NOT_REMEMBERED = "remembered", "not_remembered"
SRP_AUTH, PASSWORD_VERIFIER = "DEVICE_SRP_AUTH", "DEVICE_PASSWORD_VERIFIER"
CHALLENGES = (SRP_AUTH, PASSWORD_VERIFIER)
MAX_CONFIRMED = 100
MAX_UNCONFIRMED = 20
# ListDevices / AdminListDevices without a Limit (or with 0).
# DEVIATION: Cognito's default page size is unconfirmed; 60 is the model's maximum.
DEFAULT_LIMIT = 60
# The model's DeviceKeyType, for a DEVICE_KEY sent in AuthParameters/ChallengeResponses
# (which the model does not check).
KEY_PATTERN = re.compile(r"[\w-]+_[0-9a-f-]+")
MAX_KEY = 55
_ALNUM = string.ascii_letters + string.digits


def tracking(config: dict[str, Any]) -> bool:
    """Whether a pool configured ``config`` tracks devices."""
    return isinstance(config.get("DeviceConfiguration"), dict)


def _setting(config: dict[str, Any], name: str) -> bool:
    return bool((config.get("DeviceConfiguration") or {}).get(name))


def user_prompt(config: dict[str, Any]) -> bool:
    """``DeviceOnlyRememberedOnUserPrompt``: a confirmed device waits for the user's word."""
    return _setting(config, "DeviceOnlyRememberedOnUserPrompt")


def replaces_mfa(config: dict[str, Any]) -> bool:
    """``ChallengeRequiredOnNewDevice``: a remembered device's proof replaces MFA."""
    return _setting(config, "ChallengeRequiredOnNewDevice")


def new_key(pool_id: str) -> str:
    """A device key: the pool's region, ``_``, a random UUID."""
    return f"{pool_id.split('_')[0]}_{uuid.uuid4()}"


def new_group_key() -> str:
    """A user's device group key, short and opaque like Cognito's (``-wt2ha1Zd``)."""
    return "-" + "".join(secrets.choice(_ALNUM) for _ in range(8))


def well_formed_key(key: str) -> bool:
    return len(key) <= MAX_KEY and KEY_PATTERN.fullmatch(key) is not None


def group_key_of(devices: Iterable[Device]) -> str:
    """The user's group key: the one their devices share, else a new one."""
    for device in devices:
        return device.group_key
    return new_group_key()


def skips_mfa(config: dict[str, Any], device: Device | None, risk_demand: str | None) -> bool:
    """Whether a remembered ``device`` presented at sign-in replaces the MFA step: the pool
    says so (``ChallengeRequiredOnNewDevice``) and threat protection does not ask for MFA.

    DEVIATION: that threat protection's MFA actions are not skipped, and that email MFA is
    skipped as SMS and TOTP are (the model names those two), are our choices."""
    return device is not None and device.remembered and replaces_mfa(config) and risk_demand is None


def refresh_allowed(
    config: dict[str, Any], bound: str | None, given: str | None, device: Device | None
) -> bool:
    """Whether a refresh token bound to the device ``bound`` (None: bound to none) may be
    used with the key ``given``, ``device`` being that key's stored device (None: gone).

    In a pool tracking devices a token issued to a device needs its confirmed key.
    DEVIATION: a token issued while the pool tracked no device refreshes without one."""
    if not tracking(config) or bound is None:
        return True
    return given == bound and device is not None and device.confirmed


def status(device: Device) -> str:
    return REMEMBERED if device.remembered else NOT_REMEMBERED


def device_type(device: Device, username: str, account: str, admin: bool) -> dict[str, Any]:
    """The wire's DeviceType. An administrator sees the ``dev:`` attributes too (the ARN,
    the owner, the remembered status), as the AWS CLI's examples show; the user sees
    ``device_status``, ``device_name`` and ``last_ip_used``."""
    owner = f"{username}.{device.pool_id}"
    region = device.pool_id.split("_")[0]
    arn = f"arn:aws:cognito-idp:{region}:{account}:owner/{owner}/device/{device.key}"
    attributes: list[tuple[str, str | None]] = [
        ("device_status", "valid"),
        ("device_name", device.name),
    ]
    if admin:
        attributes += [("dev:device_arn", arn), ("dev:device_owner", owner)]
    attributes.append(("last_ip_used", device.last_ip))
    if admin:
        attributes.append(("dev:device_remembered_status", status(device)))
    last = device.last_authenticated if device.last_authenticated is not None else device.created
    return {
        "DeviceKey": device.key,
        "DeviceAttributes": [{"Name": n, "Value": v} for n, v in attributes if v is not None],
        "DeviceCreateDate": device.created,
        "DeviceLastModifiedDate": device.modified,
        "DeviceLastAuthenticatedDate": float(int(last)),
    }


def over_unconfirmed(devices: Iterable[Device]) -> tuple[str, ...]:
    """Before one more unconfirmed device: the oldest unconfirmed ones beyond the cap."""
    waiting = sorted((d for d in devices if not d.confirmed), key=lambda d: (d.created, d.key))
    extra = len(waiting) - MAX_UNCONFIRMED + 1
    return tuple(d.key for d in waiting[: max(extra, 0)])


def over_confirmed(devices: Iterable[Device], confirming: str) -> tuple[str, ...]:
    """Before ``confirming`` is confirmed: the confirmed devices authenticated longest ago
    beyond the cap."""
    kept = sorted(
        (d for d in devices if d.confirmed and d.key != confirming),
        key=lambda d: (d.last_authenticated or d.created, d.key),
    )
    extra = len(kept) - MAX_CONFIRMED + 1
    return tuple(d.key for d in kept[: max(extra, 0)])
