"""Device SRP (DEVICE_SRP_AUTH, then DEVICE_PASSWORD_VERIFIER): the user SRP of ``srp.py``
with two names changed, as amazon-cognito-identity-js, Amplify and pycognito compute it.

* A device registers with ConfirmDevice: ``x = H(pad(salt) | H(group_key | device_key |
  ":" | random_password))``, ``v = g^x``; it sends ``Salt`` and ``PasswordVerifier`` as
  base64 of their unsigned big-endian bytes. The server keeps ``v`` and the salt; the
  random password never leaves the device.
* The server answers SRP_A with ``B = k*v + g^b`` (``srp.server_challenge``), and checks
  ``PASSWORD_CLAIM_SIGNATURE = base64(HMAC-SHA256(key, group_key | device_key |
  secret_block | TIMESTAMP))``: the user SRP's signature with the pool name replaced by
  the device group key and the user id by the device key. ``srp.verify_claim`` computes
  it when given the pool id ``_`` (whose pool name is empty) and ``group_key +
  device_key`` as the user id: the same bytes, as AWS's own Python example signs.

Pure, like ``srp.py``: no I/O, no clock; malformed input is refused, never reinterpreted.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from userpool.domain import srp

# A verifier's and a salt's decoded size: a 3072-bit verifier is 384 bytes (385 padded).
MAX_VERIFIER_BYTES = 512
MAX_SALT_BYTES = 128


def _unbase64(text: Any, limit: int) -> bytes | None:
    if not isinstance(text, str) or not text or len(text) > 2 * limit:
        return None
    try:
        raw = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if 0 < len(raw) <= limit else None


def parse_verifier(config: Any) -> tuple[str, str] | None:
    """``(salt_hex, verifier_hex)`` from ConfirmDevice's ``DeviceSecretVerifierConfig``
    (``Salt`` and ``PasswordVerifier``: base64 of unsigned big-endian bytes; padding may
    be left out), or None when either is missing or malformed or the verifier is 0 mod N.
    The salt is kept as the bytes given (hex): clients read SALT as a number and re-pad
    it, which gives those bytes back."""
    if not isinstance(config, dict):
        return None
    salt = _unbase64(config.get("Salt"), MAX_SALT_BYTES)
    verifier = _unbase64(config.get("PasswordVerifier"), MAX_VERIFIER_BYTES)
    if salt is None or verifier is None:
        return None
    v = int.from_bytes(verifier, "big")
    if v % srp.N == 0:
        return None
    return salt.hex(), srp.pad_hex(v)


def verify_claim(
    group_key: str,
    device_key: str,
    verifier_hex: str,
    a_hex: str,
    b_hex: str,
    secret_block_b64: str,
    timestamp: str,
    signature_b64: str,
) -> bool:
    """Check a DEVICE_PASSWORD_VERIFIER's ``PASSWORD_CLAIM_SIGNATURE`` (False for any
    malformed input); ``secret_block_b64`` must be the block the server issued."""
    return srp.verify_claim(
        "_",
        group_key + device_key,
        "",
        verifier_hex,
        a_hex,
        b_hex,
        secret_block_b64,
        timestamp,
        signature_b64,
    )
