"""Answers for users that do not exist, when the client has PreventUserExistenceErrors
ENABLED: the same shapes and the same costs as for a real user, so neither the answer nor
its timing tells whether a user exists.

DEVIATION: the documented intent of PreventUserExistenceErrors; the exact shapes of
Cognito's decoy answers are unconfirmed (docs/compatibility.md).
"""

from __future__ import annotations

import secrets
from typing import Any

from userpool.domain import crypto, srp
from userpool.domain.passwords import hash_password
from userpool.errors import CognitoError, NotAuthorizedException
from userpool.operations.signin import WRONG
from userpool.services import Services

_DUMMY: list[str] = []


async def _dummy_hash(svc: Services) -> str:
    if not _DUMMY:
        _DUMMY.append(await svc.hasher.run(hash_password, secrets.token_urlsafe(16)))
    return _DUMMY[0]


async def wrong_password(svc: Services, password: str) -> CognitoError:
    """Spend an Argon2 check, as for a real user, then the same refusal."""
    await svc.hasher.verify(await _dummy_hash(svc), password)
    return NotAuthorizedException(WRONG)


def _stable_hex(svc: Services, name: str, what: str, length: int) -> str:
    return crypto.keyed_hash(svc.key, "decoy", what, name)[:length]


async def srp_challenge(svc: Services, pool_id: str, name: str) -> dict[str, Any]:
    """A PASSWORD_VERIFIER challenge with a salt stable per name; no answer will pass."""
    salt = srp.pad_hex(_stable_hex(svc, name, "salt", 32))
    verifier = srp.pad_hex(_stable_hex(svc, name, "verifier", 64))
    _, big_b = await svc.hasher.run(srp.server_challenge, verifier)
    return {
        "ChallengeName": "PASSWORD_VERIFIER",
        "ChallengeParameters": {
            "SALT": salt,
            "SRP_B": big_b,
            "SECRET_BLOCK": srp.new_secret_block(),
            "USER_ID_FOR_SRP": name,
            "USERNAME": name,
        },
    }


def select_challenge() -> dict[str, Any]:
    return {
        "ChallengeName": "SELECT_CHALLENGE",
        "Session": secrets.token_urlsafe(48),
        "ChallengeParameters": {},
        "AvailableChallenges": ["PASSWORD", "PASSWORD_SRP"],
    }


def masked_destination(svc: Services, name: str) -> str:
    """A plausible masked email for an unknown name, stable per name."""
    digest = _stable_hex(svc, name, "destination", 2)
    letter = "abcdefghijklmnopqrstuvwxyz"[int(digest, 16) % 26]
    return f"{name[:1]}***@{letter}***"
