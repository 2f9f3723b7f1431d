"""Identifiers shaped like Cognito's: pool ids, client ids, client secrets, subs."""

from __future__ import annotations

import secrets
import string
import uuid

_ALNUM = string.ascii_letters + string.digits
_LOWER_ALNUM = string.ascii_lowercase + string.digits


def _random(alphabet: str, n: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(n))


def pool_id(region: str) -> str:
    """``us-east-1_AbC123xyZ``: region, underscore, 9 alphanumerics."""
    return f"{region}_{_random(_ALNUM, 9)}"


def client_id() -> str:
    """26 lowercase alphanumerics, as Cognito's app client ids."""
    return _random(_LOWER_ALNUM, 26)


def client_secret() -> str:
    # DEVIATION: Cognito's secret length is unconfirmed; we use 51 chars, as seen in the wild.
    return _random(_LOWER_ALNUM, 51)


def sub() -> str:
    return str(uuid.uuid4())


def token(nbytes: int = 48) -> str:
    """An opaque URL-safe token (sessions, refresh tokens) that never starts with ``-``,
    so command lines do not take it for an option."""
    while (value := secrets.token_urlsafe(nbytes))[0] == "-":
        pass
    return value
