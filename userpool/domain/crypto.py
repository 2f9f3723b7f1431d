"""Keyed hashes, constant-time comparison, secret hashes and encryption of secrets at rest."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def keyed_hash(key: bytes, *parts: str) -> str:
    """HMAC-SHA256 over the parts (NUL separated), hex."""
    return hmac.new(key, "\0".join(parts).encode(), hashlib.sha256).hexdigest()


def equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def secret_hash(client_secret: str, username: str, client_id: str) -> str:
    """Cognito's SecretHash: Base64(HMAC_SHA256(secret, username + client_id))."""
    digest = hmac.new(client_secret.encode(), (username + client_id).encode(), hashlib.sha256)
    return base64.b64encode(digest.digest()).decode()


class SecretBox:
    """AES-GCM for secrets that must be read back (app client secrets)."""

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(hashlib.sha256(b"userpool-secretbox\0" + key).digest())

    def seal(self, plain: str) -> str:
        nonce = os.urandom(12)
        return base64.b64encode(nonce + self._aead.encrypt(nonce, plain.encode(), None)).decode()

    def open(self, sealed: str) -> str:
        raw = base64.b64decode(sealed)
        return self._aead.decrypt(raw[:12], raw[12:], None).decode()
