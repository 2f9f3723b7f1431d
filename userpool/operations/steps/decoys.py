"""Answers for users that do not exist, when the client has PreventUserExistenceErrors
ENABLED: the same shapes and the same costs as for a real user, so neither the answer nor
its timing tells whether a user exists.

An unknown name signs in as a *ghost*: a User that is never stored, whose sub, username,
SRP salt and verifier are keyed hashes of (pool, name) with the store's key, so they are
the same on every request and in every process, and whose password hash is a dummy no
password matches. It goes through the sign-in steps a real user does (challenge sessions,
the lockout, the Argon2 or SRP work) and always ends in "Incorrect username or password."

DEVIATION: the documented intent of PreventUserExistenceErrors; the exact shapes of
Cognito's decoy answers are unconfirmed (docs/compatibility.md).
"""

from __future__ import annotations

import re
import secrets
import uuid
from typing import Any

from userpool.domain import crypto, srp
from userpool.domain.entities import AppClient, Pool, User
from userpool.domain.messages import Delivery, mask
from userpool.domain.services import Services
from userpool.operations.steps.lookups import EMAIL_RE, PHONE_RE
from userpool.operations.steps.signin import GHOST, challenge_session

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _stable_hex(svc: Services, *parts: str) -> str:
    return crypto.keyed_hash(svc.key, "decoy", *parts)


def ghost_key(svc: Services, pool: Pool, name: str) -> str:
    """The attempt-table key of a name that belongs to nobody (as recovery and sign-up
    count an unknown name's requests)."""
    return "?" + crypto.keyed_hash(svc.key, "ghost", pool.id, pool.key(name))


def srp_secret(svc: Services, pool_id: str, who: str) -> dict[str, str]:
    """A salt and verifier stable per (pool, who), shaped as ``srp.make_verifier``'s: for
    unknown names, and for real users without a verifier when existence is hidden."""
    raw = bytes.fromhex(_stable_hex(svc, "salt", pool_id, who)[:32])
    digits = "".join(_stable_hex(svc, "verifier", pool_id, who, str(i)) for i in range(12))
    return {
        "salt": srp.pad_hex(int.from_bytes(raw, "big")),
        "verifier": srp.pad_hex(int(digits, 16) % srp.N),
    }


def ghost_username(svc: Services, pool: Pool, name: str) -> str:
    """What a real user's USERNAME / USER_ID_FOR_SRP would look like for this name: in pools
    whose usernames are emails or phone numbers the username is a UUID (the sub), so an
    unknown name gets a UUID stable per name; elsewhere the name, in the pool's case form.

    DEVIATION: Cognito echoes the name typed; a typed email answered with a UUID for a real
    user and with itself for nobody would tell them apart. In alias pools a typed alias is
    still echoed (the real username cannot be guessed), as Cognito's docs warn for SRP."""
    key = pool.key(name)
    if pool.username_attributes and not _UUID.fullmatch(key.lower()):
        raw = bytes.fromhex(_stable_hex(svc, "username", pool.id, key)[:32])
        return str(uuid.UUID(bytes=raw, version=4))
    return key


async def ghost(svc: Services, pool: Pool, name: str) -> User:
    """The stand-in that signs in for an unknown name (see the module's docstring)."""
    username = ghost_username(svc, pool, name)
    sub = "?" + crypto.keyed_hash(svc.key, "ghost-signin", pool.id, pool.key(username))
    extra: dict[str, Any] = {"srp": srp_secret(svc, pool.id, pool.key(username)), "typed": name}
    now = svc.clock.now()
    return User(
        pool.id, username, sub, GHOST, True, await svc.hasher.decoy(), {}, now, now, 0, extra
    )


def otp_challenge(
    svc: Services, pool: Pool, client: AppClient, user: User, choice: str
) -> dict[str, Any]:
    """An EMAIL_OTP / SMS_OTP challenge that sends nothing and that no code answers: for a
    ghost, or a real user who could not get the code (unverified address, unconfirmed or
    disabled) when the client hides existence."""
    with svc.store.transaction() as tx:
        token = challenge_session(svc, tx, client, user, choice, {"code": secrets.token_hex(32)})
    medium = "EMAIL" if choice == "EMAIL_OTP" else "SMS"
    return {
        "ChallengeName": choice,
        "Session": token,
        "ChallengeParameters": {
            "CODE_DELIVERY_DELIVERY_MEDIUM": medium,
            "CODE_DELIVERY_DESTINATION": _destination(svc, pool, user, medium),
        },
    }


def _destination(svc: Services, pool: Pool, user: User, medium: str) -> str:
    attribute = "email" if medium == "EMAIL" else "phone_number"
    typed = str(user.extra.get("typed") or user.username)
    value = user.attributes.get(attribute)
    if value:
        return mask(value, medium)
    if medium == "EMAIL":
        return mask(typed, medium) if EMAIL_RE.fullmatch(typed) else masked_destination(svc, typed)
    if PHONE_RE.fullmatch(typed):
        return mask(typed, medium)
    return mask(_decoy_phone(svc, pool, typed), medium)


def _decoy_phone(svc: Services, pool: Pool, name: str) -> str:
    """A phone number for a name that has none, stable per pool and name."""
    digits = str(int(_stable_hex(svc, "phone", pool.id, name)[:12], 16))[-4:].zfill(4)
    return f"+1555000{digits}"


def masked_destination(svc: Services, name: str) -> str:
    """A plausible masked email for an unknown name, stable per name."""
    digest = _stable_hex(svc, "destination", name)[:2]
    letter = "abcdefghijklmnopqrstuvwxyz"[int(digest, 16) % 26]
    return f"{name[:1]}***@{letter}***"


def masked_delivery(svc: Services, pool: Pool, name: str) -> dict[str, str]:
    """A plausible CodeDeliveryDetails for a user that does not exist (ENABLED clients)."""
    if EMAIL_RE.fullmatch(name):
        return Delivery("email", "EMAIL", name).details()
    if PHONE_RE.fullmatch(name):
        return Delivery("phone_number", "SMS", name).details()
    if "phone_number" in pool.auto_verified and "email" not in pool.auto_verified:
        return {
            "Destination": mask(_decoy_phone(svc, pool, name), "SMS"),
            "DeliveryMedium": "SMS",
            "AttributeName": "phone_number",
        }
    return {
        "Destination": masked_destination(svc, name),
        "DeliveryMedium": "EMAIL",
        "AttributeName": "email",
    }
