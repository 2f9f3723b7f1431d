"""Identifiers shaped like Cognito's: pool ids, client ids, client secrets, subs, request ids."""

from __future__ import annotations

import os
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


def new_request_id() -> str:
    """A random (version 4) UUID, formatted without the cost of ``uuid.uuid4()``."""
    h = bytearray(os.urandom(16))
    h[6] = (h[6] & 0x0F) | 0x40
    h[8] = (h[8] & 0x3F) | 0x80
    x = h.hex()
    return f"{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:]}"
