"""Users' devices (remembered devices): ConfirmDevice, UpdateDeviceStatus, GetDevice,
ListDevices and ForgetDevice, authorized by the user's access token, and the
administrator's AdminGetDevice, AdminListDevices, AdminUpdateDeviceStatus and
AdminForgetDevice. Sign-ins make the devices and prove them (``steps/devices.py``); the
rules are ``domain/devices.py``'s.

What a user sees, as observed of Cognito: ListDevices lists the remembered devices only,
and GetDevice finds only a remembered one (``ResourceNotFoundException`` "Device does not
exist." for one that is not), while the administrator's operations see every confirmed
device, remembered or not. A device a sign-in made but nobody confirmed is listed by none.

DEVIATION: the administrator's list holding the devices that are not remembered is
inferred; lists are in device-key order (Cognito's order is unconfirmed); a request
without ``DeviceRememberedStatus``, or GetDevice/ForgetDevice without ``AccessToken`` (the
model marks neither required), is InvalidParameterException "Missing required parameter
<name>"; ForgetDevice forgets a confirmed device whether remembered or not.
"""

from __future__ import annotations

from typing import Any

from userpool.domain import device_srp, devices
from userpool.domain.entities import Pool, User
from userpool.domain.ports import Device, NotFound, Tx
from userpool.domain.services import Call, Services
from userpool.errors import (
    BAD_DEVICE_KEY,
    BAD_DEVICE_VERIFIER,
    DEVICE_CONFIRMED,
    DEVICE_GONE,
    DeviceKeyExistsException,
    InvalidParameterException,
    ResourceNotFoundException,
    UserNotFoundException,
)
from userpool.operations.steps.devices import find
from userpool.operations.steps.lookups import access_user
from userpool.operations.steps.paging import decode_token, encode_token
from userpool.operations.steps.users import named_user


def _required(req: dict[str, Any], name: str) -> str:
    value = req.get(name)
    if not value:
        raise InvalidParameterException(f"Missing required parameter {name}")
    return str(value)


async def _user(svc: Services, req: dict[str, Any]) -> tuple[Pool, User]:
    pool, user, _ = await access_user(svc, _required(req, "AccessToken"))
    return pool, user


def _named(svc: Services, req: dict[str, Any]) -> tuple[Pool, User]:
    """``named_user`` for the Admin operations that do not declare UserNotFoundException."""
    try:
        return named_user(svc, req)
    except UserNotFoundException as exc:
        raise ResourceNotFoundException(exc.message) from None


def _device(tx: Tx, pool: Pool, user: User, key: str, lock: bool = False) -> Device:
    device = find(tx, pool, user, key, lock)
    if device is None:
        raise ResourceNotFoundException(DEVICE_GONE)
    return device


async def confirm_device(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    """Confirm the device a sign-in of this user made (``NewDeviceMetadata``), with its SRP
    verifier: remembered at once, or (``DeviceOnlyRememberedOnUserPrompt``) not until
    UpdateDeviceStatus, which ``UserConfirmationNecessary`` tells the app. Confirming more
    than the cap forgets the device authenticated longest ago."""
    pool, user = await _user(svc, req)
    verifier = device_srp.parse_verifier(req.get("DeviceSecretVerifierConfig"))
    prompt = devices.user_prompt(pool.config)
    now = svc.clock.now()
    with svc.store.transaction() as tx:
        device = _unconfirmed(tx, pool, user, req["DeviceKey"])
        if verifier is None:
            raise InvalidParameterException(BAD_DEVICE_VERIFIER)
        for key in devices.over_confirmed(tx.user_devices(pool.id, user.sub), device.key):
            tx.delete_device(key)
        device.confirmed, device.remembered = True, not prompt
        device.salt, device.verifier = verifier
        device.name = req.get("DeviceName")
        device.modified = now
        device.last_ip = call.source_ip or device.last_ip
        tx.put_device(device)
    return {"UserConfirmationNecessary": prompt}


def _unconfirmed(tx: Tx, pool: Pool, user: User, key: str) -> Device:
    """The user's device ``key`` awaiting confirmation: another user's or an unknown key is
    "Invalid device key given." (as observed), a confirmed one DeviceKeyExistsException."""
    try:
        device = tx.get_device(key, lock=True)
    except NotFound:
        raise InvalidParameterException(BAD_DEVICE_KEY) from None
    if device.pool_id != pool.id or device.sub != user.sub:
        raise InvalidParameterException(BAD_DEVICE_KEY)
    if device.confirmed:
        raise DeviceKeyExistsException(DEVICE_CONFIRMED)
    return device


def _set_status(svc: Services, pool: Pool, user: User, req: dict[str, Any]) -> dict[str, Any]:
    status = _required(req, "DeviceRememberedStatus")
    with svc.store.transaction() as tx:
        device = _device(tx, pool, user, req["DeviceKey"], lock=True)
        device.remembered = status == devices.REMEMBERED
        device.modified = svc.clock.now()
        tx.put_device(device)
    return {}


async def update_device_status(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    pool, user = await _user(svc, req)
    return _set_status(svc, pool, user, req)


async def admin_update_device_status(
    svc: Services, call: Call, req: dict[str, Any]
) -> dict[str, Any]:
    pool, user = named_user(svc, req)
    return _set_status(svc, pool, user, req)


def _get(svc: Services, pool: Pool, user: User, key: str, admin: bool) -> dict[str, Any]:
    with svc.store.read() as tx:
        device = _device(tx, pool, user, key)
    if not admin and not device.remembered:
        raise ResourceNotFoundException(DEVICE_GONE)
    account = svc.settings.account_id
    return {"Device": devices.device_type(device, user.username, account, admin)}


async def get_device(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    pool, user = await _user(svc, req)
    return _get(svc, pool, user, req["DeviceKey"], admin=False)


async def admin_get_device(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    pool, user = _named(svc, req)
    return _get(svc, pool, user, req["DeviceKey"], admin=True)


def _list(
    svc: Services, pool: Pool, user: User, req: dict[str, Any], admin: bool
) -> dict[str, Any]:
    limit = req.get("Limit") or devices.DEFAULT_LIMIT
    after = decode_token(req.get("PaginationToken"))
    with svc.store.read() as tx:
        found = tx.list_devices(pool.id, user.sub, not admin, after, limit + 1)
    account = svc.settings.account_id
    out: dict[str, Any] = {
        "Devices": [devices.device_type(d, user.username, account, admin) for d in found[:limit]]
    }
    if len(found) > limit:
        out["PaginationToken"] = encode_token(found[limit - 1].key)
    return out


async def list_devices(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    pool, user = await _user(svc, req)
    return _list(svc, pool, user, req, admin=False)


async def admin_list_devices(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    pool, user = _named(svc, req)
    return _list(svc, pool, user, req, admin=True)


def _forget(svc: Services, pool: Pool, user: User, key: str) -> dict[str, Any]:
    """Forget the device: its later sign-ins, refreshes and look-ups find no device."""
    with svc.store.transaction() as tx:
        device = _device(tx, pool, user, key, lock=True)
        tx.delete_device(device.key)
    return {}


async def forget_device(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    pool, user = await _user(svc, req)
    return _forget(svc, pool, user, req["DeviceKey"])


async def admin_forget_device(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    pool, user = _named(svc, req)
    return _forget(svc, pool, user, req["DeviceKey"])
