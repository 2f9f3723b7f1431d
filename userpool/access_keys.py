"""Access keys the server knows, for SigV4-signed (administrative) operations.

A secret is shown once, when created, and kept sealed: SigV4 verification needs it back.
"""

from __future__ import annotations

import secrets
import string

from userpool.domain.services import Services

_UPPER = string.ascii_uppercase + string.digits


def create(svc: Services) -> tuple[str, str]:
    """A new (AccessKeyId, SecretAccessKey)."""
    key_id = "AKIA" + "".join(secrets.choice(_UPPER) for _ in range(16))
    secret = secrets.token_urlsafe(30)[:40]
    with svc.store.transaction() as tx:
        tx.insert_access_key(key_id, svc.box.seal(secret), svc.clock.now())
    return key_id, secret


def secret_of(svc: Services, key_id: str) -> str | None:
    with svc.store.read() as tx:
        sealed = tx.access_key(key_id)
    return None if sealed is None else svc.box.open(sealed)


def any_live(svc: Services) -> bool:
    with svc.store.read() as tx:
        return any(not key.revoked for key in tx.access_keys())
