"""Passwords: the pool's policy, and Argon2id hashing with explicit OWASP parameters.

Hashing is CPU bound (~38 ms); callers run it in the bounded hasher pool
(``Hasher``), never on the event loop.
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

from userpool.errors import InvalidPasswordException

T = TypeVar("T")

# OWASP: m=19 MiB, t=2, p=1.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1, type=Type.ID)
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


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored: str, password: str) -> bool:
    try:
        return _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def _lower_priority() -> None:
    """Hashing yields the CPU to the event loop: on Linux, nice applies per thread."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)


class Hasher:
    """A bounded pool of low-priority threads for CPU-heavy work: Argon2 (whose C code
    releases the GIL) and SRP arithmetic. Low priority keeps ConfirmSignUp's latency when
    sign-ups and sign-ins keep every hasher busy."""

    def __init__(self, threads: int = 2) -> None:
        self._pool = ThreadPoolExecutor(
            max_workers=threads, thread_name_prefix="argon2", initializer=_lower_priority
        )

    async def hash(self, password: str) -> str:
        return await asyncio.get_running_loop().run_in_executor(self._pool, hash_password, password)

    async def verify(self, stored: str, password: str) -> bool:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, verify_password, stored, password)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)

    def close(self) -> None:
        self._pool.shutdown(wait=False)
