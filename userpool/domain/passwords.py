"""Passwords: the pool's policy, and Argon2id hashing with explicit OWASP parameters.

Hashing is CPU bound (~20-40 ms); callers run it in the bounded hasher pool
(``Hasher``), never on the event loop.

The cost of new hashes is a setting (``--password-hashing``): ``normal``, OWASP's
parameters, or ``fast``, Argon2id at its least cost for test suites (still Argon2id,
still salted). Each encoded hash carries its parameters (``$argon2id$v=19$m=..,t=..,p=..``),
so any stored hash verifies under either setting; under ``normal`` a hash made otherwise
is made again at the next right password (``Hasher.check``). ``fast`` never rewrites a
stronger hash: a store served for a while with ``fast`` loses no strength it had.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import string
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.profiles import CHEAPEST

from userpool.errors import InvalidPasswordException

T = TypeVar("T")

# OWASP: m=19 MiB, t=2, p=1.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1, type=Type.ID)
# argon2-cffi's least cost (its CHEAPEST profile: m=8 KiB, t=1, p=1), about 25 µs a hash.
# Salt and hash keep their normal lengths (16 and 32 bytes; CHEAPEST has 8 and 4), which
# cost nothing: with a 4-byte hash one wrong password in 2^32 would pass.
_FAST = PasswordHasher(
    time_cost=CHEAPEST.time_cost,
    memory_cost=CHEAPEST.memory_cost,
    parallelism=CHEAPEST.parallelism,
    type=Type.ID,
)
HASHINGS = {"normal": _HASHER, "fast": _FAST}
_SYMBOLS = set("^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ")

DEFAULT_POLICY: dict[str, Any] = {
    "MinimumLength": 8,
    "RequireUppercase": True,
    "RequireLowercase": True,
    "RequireNumbers": True,
    "RequireSymbols": True,
    "TemporaryPasswordValidityDays": 7,
}


def check_policy(password: str, policy: dict[str, Any]) -> None:
    """Raise Cognito's InvalidPasswordException for the first rule broken."""
    problems = []
    if len(password) < int(policy.get("MinimumLength", 8)):
        problems.append("Password not long enough")
    if policy.get("RequireLowercase") and not any(c.islower() for c in password):
        problems.append("Password must have lowercase characters")
    if policy.get("RequireUppercase") and not any(c.isupper() for c in password):
        problems.append("Password must have uppercase characters")
    if policy.get("RequireNumbers") and not any(c.isdigit() for c in password):
        problems.append("Password must have numeric characters")
    if policy.get("RequireSymbols") and not any(c in _SYMBOLS for c in password):
        problems.append("Password must have symbol characters")
    if problems:
        raise InvalidPasswordException("Password did not conform with policy: " + problems[0])


def temporary_password(policy: dict[str, Any]) -> str:
    """A random password that satisfies the policy."""
    length = max(int(policy.get("MinimumLength", 8)), 12)
    pools = [string.ascii_lowercase, string.ascii_uppercase, string.digits, "^$*.!@#%&"]
    chars = [secrets.choice(p) for p in pools]
    everything = "".join(pools)
    chars += [secrets.choice(everything) for _ in range(length - len(chars))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


def hash_password(password: str, hashing: str = "normal") -> str:
    return HASHINGS[hashing].hash(password)


def verify_password(stored: str, password: str) -> bool:
    """Whether ``password`` is the one ``stored`` was made from, whatever its parameters."""
    try:
        return _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def parameters(stored: str) -> str:
    """The cost part of an encoded hash: ``m=19456,t=2,p=1``."""
    return stored.split("$")[3]


def upgrade_due(stored: str, hashing: str) -> bool:
    """Whether a hash that just verified is to be made again: under ``normal``, any hash
    not made with its parameters (a ``fast`` one, or older parameters); under ``fast``,
    none (a stronger hash is never weakened)."""
    if hashing != "normal":
        return False
    try:
        return _HASHER.check_needs_rehash(stored)
    except (InvalidHashError, ValueError):
        return True


def check_password(stored: str, password: str, hashing: str) -> tuple[bool, str | None]:
    """``(right, new)``: whether ``password`` matches ``stored``, and when it does and the
    hash is due an upgrade (``upgrade_due``), the password hashed again at ``hashing``."""
    right = verify_password(stored, password)
    if right and upgrade_due(stored, hashing):
        return True, hash_password(password, hashing)
    return right, None


def _lower_priority() -> None:
    """Hashing yields the CPU to the event loop: on Linux, nice applies per thread."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)


class Hasher:
    """A bounded pool of low-priority threads for CPU-heavy work: Argon2 (whose C code
    releases the GIL) and SRP arithmetic. Low priority keeps ConfirmSignUp's latency when
    sign-ups and sign-ins keep every hasher busy.

    Under ``fast`` the threads keep the process's priority: a job is then about 1 ms (SRP's
    verifier), no threat to the event loop, and at nice 19 on a machine shared with other
    work (a CI runner) every SignUp would wait behind all of it."""

    def __init__(self, threads: int = 2, hashing: str = "normal") -> None:
        if hashing not in HASHINGS:
            raise ValueError(f"password hashing {hashing!r} is not one of {', '.join(HASHINGS)}")
        self.hashing = hashing
        self._decoy: str | None = None
        self._pool = ThreadPoolExecutor(
            max_workers=threads,
            thread_name_prefix="argon2",
            initializer=_lower_priority if hashing == "normal" else None,
        )

    def hash_now(self, password: str) -> str:
        """The hash at this hasher's setting, in the calling thread (for work already in
        the pool: ``run``)."""
        return hash_password(password, self.hashing)

    async def hash(self, password: str) -> str:
        return await self.run(self.hash_now, password)

    async def verify(self, stored: str, password: str) -> bool:
        return await self.run(verify_password, stored, password)

    async def check(self, stored: str, password: str) -> tuple[bool, str | None]:
        """``check_password`` at this hasher's setting: whether the password is right, and
        the upgraded hash to store when one is due."""
        return await self.run(check_password, stored, password, self.hashing)

    async def decoy(self) -> str:
        """A hash at this setting that no password matches (made once): what a user who
        does not exist is checked against, at the cost a real user's check has."""
        if self._decoy is None:
            self._decoy = await self.hash(secrets.token_urlsafe(16))
        return self._decoy

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)

    def close(self) -> None:
        self._pool.shutdown(wait=False)
