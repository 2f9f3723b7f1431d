"""Remembered devices inside sign-in (pools with a ``DeviceConfiguration``): the device a
request presents (``DEVICE_KEY`` in AuthParameters or ChallengeResponses, or carried by an
MFA challenge's session), the end of a sign-in (``finish``: tokens with
``NewDeviceMetadata`` for a new device, or DEVICE_SRP_AUTH for a remembered one), and the
answers to DEVICE_SRP_AUTH and DEVICE_PASSWORD_VERIFIER (``answer``). The rules are
``domain/devices.py``'s, the math ``domain/device_srp.py``'s.

A DEVICE_SRP_AUTH asked for is kept on the device's row (``Device.pending``: the hash of
the Session answered, the client, the expiry, the sign-in's token source and amr), so its
answer is accepted with that Session or, as Cognito allows (AWS's Python example and
pycognito send none), without one: then the user, the client and the device key bind it.
Answering it spends it. DEVICE_PASSWORD_VERIFIER's session is keyed by the SECRET_BLOCK it
sent, as PASSWORD_VERIFIER's is, so it too is found with or without the Session.

DEVIATION: DEVICE_SRP_AUTH carries no ChallengeParameters (Cognito's are unconfirmed); a
wrong device signature is "Incorrect username or password." (unconfirmed); a DEVICE_KEY in
a pool that tracks no devices is ignored; a confirmed device that is not remembered signs
in without device SRP and without a new key (its refresh tokens are bound to it).
"""

from __future__ import annotations

from typing import Any

from userpool.domain import codes, crypto, device_srp, devices, ids, srp
from userpool.domain.entities import AppClient, Pool, User
from userpool.domain.ports import Device, NotFound, Tx
from userpool.domain.services import Call, Services
from userpool.domain.signin import check_status
from userpool.errors import (
    DEVICE_GONE,
    INVALID_SESSION,
    SESSION_EXPIRED,
    WRONG_PASSWORD,
    NotAuthorizedException,
    ResourceNotFoundException,
)
from userpool.operations.steps.lookups import stored_user
from userpool.operations.steps.signin import (
    challenge_session,
    check_session,
    issue,
    param,
    signed_in,
)

KIND = "device"  # DEVICE_PASSWORD_VERIFIER sessions' purpose: "device:DEVICE_PASSWORD_VERIFIER"
CARRIED = "device"  # the member of an MFA session's data naming the device presented
AUTHENTICATION = "TokenGeneration_Authentication"


def presented_key(call: Call, carried: dict[str, Any] | None = None) -> str | None:
    """The ``DEVICE_KEY`` the request sends (ChallengeResponses, then AuthParameters), else
    the one an earlier step of the sign-in carried in its session's data."""
    for member in ("ChallengeResponses", "AuthParameters"):
        value = (call.request.get(member) or {}).get("DEVICE_KEY")
        if value:
            return str(value)
    value = (carried or {}).get(CARRIED)
    return str(value) if value else None


def find(tx: Tx, pool: Pool, user: User, key: str, lock: bool = False) -> Device | None:
    """The confirmed device ``key`` of ``user``, or None (no such key, or another user's,
    or not confirmed yet)."""
    if not devices.well_formed_key(key):
        return None
    try:
        device = tx.get_device(key, lock)
    except NotFound:
        return None
    if device.pool_id != pool.id or device.sub != user.sub or not device.confirmed:
        return None
    return device


def presented(
    svc: Services, call: Call, pool: Pool, user: User, carried: dict[str, Any] | None = None
) -> Device | None:
    """The confirmed device of ``user`` the sign-in presents; None when it presents none
    or the pool tracks no devices. A key naming no such device is ResourceNotFoundException
    "Device does not exist.", on which Amplify and amazon-cognito-identity-js drop the
    key they keep and answer again without it."""
    if not devices.tracking(pool.config):
        return None
    key = presented_key(call, carried)
    if key is None:
        return None
    with svc.store.read() as tx:
        device = find(tx, pool, user, key)
    if device is None:
        raise ResourceNotFoundException(DEVICE_GONE)
    return device


def carry(device: Device | None) -> dict[str, Any]:
    """What an MFA challenge's session data keeps of the device presented."""
    return {} if device is None else {CARRIED: device.key}


def carried(data: dict[str, Any]) -> dict[str, Any]:
    """The device an MFA session's ``data`` carries, to hand on to the next session."""
    return {CARRIED: data[CARRIED]} if data.get(CARRIED) else {}


async def finish(
    svc: Services,
    call: Call,
    pool: Pool,
    client: AppClient,
    user: User,
    source: str = AUTHENTICATION,
    amr: tuple[str, ...] = (),
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The end of a sign-in whose factors passed (``data``: the last challenge session's
    data). In a pool tracking devices: DEVICE_SRP_AUTH for a remembered device presented;
    tokens bound to a confirmed device presented that is not remembered; else tokens bound
    to a new, unconfirmed device, with its ``NewDeviceMetadata``."""
    if not devices.tracking(pool.config):
        return signed_in(await issue(svc, call, pool, client, user, source=source, amr=amr))
    device = presented(svc, call, pool, user, data)
    if device is not None and device.remembered:
        return _ask(svc, client, device, source, amr)
    if device is not None:
        result = await issue(
            svc, call, pool, client, user, source=source, amr=amr, device=device.key
        )
        return signed_in(result)
    new = _new_device(svc, call, pool, user)
    result = await issue(svc, call, pool, client, user, source=source, amr=amr, device=new.key)
    result["NewDeviceMetadata"] = {"DeviceKey": new.key, "DeviceGroupKey": new.group_key}
    return signed_in(result)


def _new_device(svc: Services, call: Call, pool: Pool, user: User) -> Device:
    """A new unconfirmed device of ``user`` (the user's group key, or a first one); the
    oldest unconfirmed ones beyond the cap are dropped."""
    now = svc.clock.now()
    with svc.store.transaction() as tx:
        mine = tx.user_devices(pool.id, user.sub)
        for key in devices.over_unconfirmed(mine):
            tx.delete_device(key)
        device = Device(
            pool.id,
            user.sub,
            devices.new_key(pool.id),
            devices.group_key_of(mine),
            now,
            now,
            last_authenticated=now,
            last_ip=call.source_ip,
        )
        tx.put_device(device)
    return device


def _ask(
    svc: Services, client: AppClient, device: Device, source: str, amr: tuple[str, ...]
) -> dict[str, Any]:
    """DEVICE_SRP_AUTH for ``device``: kept pending on its row until answered."""
    token = ids.token()
    expires = svc.clock.now() + client.auth_session_validity_minutes * 60
    with svc.store.transaction() as tx:
        try:
            fresh = tx.get_device(device.key, lock=True)
        except NotFound:
            raise ResourceNotFoundException(DEVICE_GONE) from None
        fresh.pending = {
            "session": codes.session_hash(svc.key, token),
            "client": client.id,
            "expires": expires,
            "source": source,
            "amr": list(amr),
        }
        tx.put_device(fresh)
    return {"ChallengeName": devices.SRP_AUTH, "Session": token, "ChallengeParameters": {}}


async def answer(
    svc: Services,
    call: Call,
    pool: Pool,
    client: AppClient,
    user: User,
    name: str,
    token: str | None,
    answers: dict[str, str],
) -> dict[str, Any]:
    """The answer to DEVICE_SRP_AUTH (``SRP_A``: the server's SRP_B, the device's SALT and
    a SECRET_BLOCK) or to DEVICE_PASSWORD_VERIFIER (the device's proof: tokens)."""
    if name == devices.SRP_AUTH:
        return await _srp_auth(svc, pool, client, user, token, answers)
    return await _password_verifier(svc, call, pool, client, user, answers)


async def _srp_auth(
    svc: Services,
    pool: Pool,
    client: AppClient,
    user: User,
    token: str | None,
    answers: dict[str, str],
) -> dict[str, Any]:
    key, a_hex = param(answers, "DEVICE_KEY"), param(answers, "SRP_A")
    now = svc.clock.now()
    expired = False
    with svc.store.transaction() as tx:
        device = find(tx, pool, user, key, lock=True)
        if device is None:
            raise ResourceNotFoundException(DEVICE_GONE)
        pending = device.pending or {}
        if pending.get("client") != client.id or (
            token is not None
            and not crypto.equal(codes.session_hash(svc.key, token), str(pending.get("session")))
        ):
            raise NotAuthorizedException(INVALID_SESSION)
        expired = float(pending.get("expires", 0)) < now
        device.pending = None
        tx.put_device(device)
    if expired:
        raise NotAuthorizedException(SESSION_EXPIRED)
    if not srp.check_a(a_hex) or not device.verifier:
        raise NotAuthorizedException(WRONG_PASSWORD)
    b_hex, big_b = await svc.hasher.run(srp.server_challenge, device.verifier)
    block = srp.new_secret_block()
    data = {
        "a": a_hex,
        "b": b_hex,
        CARRIED: device.key,
        "source": pending.get("source", AUTHENTICATION),
        "amr": pending.get("amr") or [],
    }
    with svc.store.transaction() as tx:
        challenge_session(svc, tx, client, user, devices.PASSWORD_VERIFIER, data, block, KIND)
    return {
        "ChallengeName": devices.PASSWORD_VERIFIER,
        "Session": block,
        "ChallengeParameters": {
            "SRP_B": big_b,
            "SALT": device.salt or "",
            "SECRET_BLOCK": block,
            "USERNAME": user.username,
        },
    }


async def _password_verifier(
    svc: Services,
    call: Call,
    pool: Pool,
    client: AppClient,
    user: User,
    answers: dict[str, str],
) -> dict[str, Any]:
    block = param(answers, "PASSWORD_CLAIM_SECRET_BLOCK")
    key = param(answers, "DEVICE_KEY")
    with svc.store.transaction() as tx:
        try:
            session = tx.take_session(codes.session_hash(svc.key, block))
        except NotFound:
            raise NotAuthorizedException(INVALID_SESSION) from None
    if session.data.get(CARRIED) != key:
        raise NotAuthorizedException(INVALID_SESSION)
    check_session(svc, session, client, user, f"{KIND}:{devices.PASSWORD_VERIFIER}")
    with svc.store.read() as tx:
        device = find(tx, pool, user, key)
    if device is None:
        raise ResourceNotFoundException(DEVICE_GONE)
    ok = await svc.hasher.run(
        device_srp.verify_claim,
        device.group_key,
        device.key,
        device.verifier or "",
        session.data["a"],
        session.data["b"],
        block,
        param(answers, "TIMESTAMP"),
        param(answers, "PASSWORD_CLAIM_SIGNATURE"),
    )
    if not ok:
        raise NotAuthorizedException(WRONG_PASSWORD)
    fresh = _authenticated(svc, call, pool, user, key)
    check_status(fresh)  # a user disabled meanwhile hears so, after a right proof
    source = str(session.data.get("source", AUTHENTICATION))
    amr = tuple(session.data.get("amr") or ())
    result = await issue(svc, call, pool, client, fresh, source=source, amr=amr, device=key)
    return signed_in(result)


def _authenticated(svc: Services, call: Call, pool: Pool, user: User, key: str) -> User:
    """Record the device's authentication (its date and the address); the user as stored."""
    now = svc.clock.now()
    with svc.store.transaction() as tx:
        fresh = stored_user(tx, pool.id, user.sub)
        device = find(tx, pool, user, key, lock=True)
        if device is None:
            raise ResourceNotFoundException(DEVICE_GONE)
        device.last_authenticated, device.last_ip = now, call.source_ip or device.last_ip
        tx.put_device(device)
    return fresh
