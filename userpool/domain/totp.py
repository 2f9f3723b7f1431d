"""Time-based one-time passwords (RFC 6238) for software-token MFA, pure: the secret an
authenticator app is given, the code for a time step, and the judgement of a code typed
now, with Cognito's tolerance and its single use.

RFC 6238 with the defaults every authenticator app assumes: HMAC-SHA1 over the 30-second
step counter (RFC 4226's dynamic truncation), 6 digits. Cognito "accepts TOTP tokens
that are within 30 seconds before or after the attempt": the steps T-1, T and T+1. A code
once accepted (VerifySoftwareToken or a SOFTWARE_TOKEN_MFA answer) cannot be accepted
again: the step of the last accepted code is kept with the token, and a code of that step
or an earlier one is refused as used.

DEVIATION: Cognito refuses a code used once in its window (observed); refusing every step
up to the last accepted one, per token, is our reading of that.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from enum import Enum

STEP = 30  # seconds per time step
DIGITS = 6
WINDOW = 1  # steps accepted before and after the current one
SECRET_BYTES = 20  # 160 bits: 32 base32 characters, no padding


class Verdict(Enum):
    OK = "ok"
    WRONG = "wrong"
    USED = "used"  # right, but its step (or a later one) was accepted before


def new_secret() -> str:
    """A new shared secret as the wire's ``SecretCode``: RFC 4648 base32 without padding
    (``A-Z2-7``), which authenticator apps read from an ``otpauth://`` URI.

    DEVIATION: Cognito's length is unconfirmed (the model says at least 16 characters);
    32 characters carry a 160-bit key, RFC 4226's recommended length for HMAC-SHA1.
    """
    return base64.b32encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def key_of(secret: str) -> bytes:
    """The HMAC key a base32 secret stands for (padding optional, case ignored)."""
    text = secret.strip().upper().rstrip("=")
    return base64.b32decode(text + "=" * (-len(text) % 8))


def step_at(now: float) -> int:
    """The RFC 6238 counter at ``now`` (seconds since the epoch)."""
    return int(now // STEP)


def code_at(secret: str, step: int) -> str:
    """The code of ``step``: RFC 4226's HOTP of the counter, ``DIGITS`` digits."""
    mac = hmac.new(key_of(secret), struct.pack(">Q", step), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 10**DIGITS:0{DIGITS}d}"


def judge(secret: str, given: str, now: float, last_step: int | None) -> tuple[Verdict, int]:
    """The verdict on ``given`` at ``now``, and the step it matched (-1 if none).

    Every step of the window is compared, in constant time, whatever matched first, so the
    answer's timing tells nothing about which step (if any) was right.
    """
    current = step_at(now)
    matched = -1
    for step in range(current - WINDOW, current + WINDOW + 1):
        if hmac.compare_digest(code_at(secret, step).encode(), given.encode()):
            matched = step
    if matched < 0:
        return Verdict.WRONG, -1
    if last_step is not None and matched <= last_step:
        return Verdict.USED, matched
    return Verdict.OK, matched
