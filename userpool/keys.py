"""Signing keys per pool: created on first use, sealed at rest in the store, loaded once.

Each pool has an active key for ID tokens and another for access tokens (different
``kid``s, as Cognito). Retired keys stay published in the JWKS so tokens they signed still
verify. Key objects are cached per process; a ``kid`` this process has not seen (a key
another process created or rotated in) reloads the pool's keys from the store.
"""

from __future__ import annotations

import asyncio
import secrets

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from userpool.domain.crypto import SecretBox
from userpool.domain.ports import AlreadyExists, Clock, Store
from userpool.domain.tokens import PoolKeys, SigningKey, b64url

USES = ("id", "access")


def _new_pem() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return b64url(secrets.token_bytes(24)), pem


class KeyRing:
    def __init__(self, store: Store, box: SecretBox, clock: Clock) -> None:
        self.store, self.box, self.clock = store, box, clock
        self._cache: dict[str, PoolKeys] = {}
        # One load or creation per pool at a time in this process: without it, every
        # request that met a pool's first sign-in (16 at once, say) made its own two RSA
        # keys, or loaded them.
        self._creating: dict[str, asyncio.Lock] = {}

    def _load(self, pool_id: str) -> PoolKeys | None:
        with self.store.read() as tx:
            rows = tx.pool_keys(pool_id)
            version = tx.keys_version(pool_id)
        signing: dict[str, SigningKey] = {}
        public: dict[str, rsa.RSAPublicKey] = {}
        jwks = []
        for row in rows:
            pem = self.box.open(row.sealed_pem).encode()
            # Our own key, opened from its AES-GCM seal: checking its RSA arithmetic again
            # would cost ~60 ms of CPU per key, at every pool's first use in every process.
            private = serialization.load_pem_private_key(
                pem, None, unsafe_skip_rsa_key_validation=True
            )
            assert isinstance(private, rsa.RSAPrivateKey)
            key = SigningKey(row.kid, private)
            public[row.kid] = private.public_key()
            jwks.append(key.jwk())
            if row.active and row.use not in signing:
                signing[row.use] = key
        if not all(use in signing for use in USES):
            return None
        self._cache[pool_id] = PoolKeys(version, signing, public, jwks)
        return self._cache[pool_id]

    async def keys(self, pool_id: str) -> PoolKeys:
        """The pool's keys, creating them the first time (RSA generation runs in a thread).
        Requests that find them missing or stale at once load (or make) them once."""
        stale = self._cache.get(pool_id)
        if stale is not None:
            with self.store.read() as tx:  # one cheap probe: rotated by another process?
                if tx.keys_version(pool_id) == stale.version:
                    return stale
        lock = self._creating.setdefault(pool_id, asyncio.Lock())
        async with lock:
            found = self._cache.get(pool_id)
            if found is None or found is stale:  # not (re)loaded while this one waited
                found = self._load(pool_id)
                if found is None:
                    await self._create(pool_id, [u for u in USES])
                    found = self._load(pool_id)
        if not lock.locked():
            self._creating.pop(pool_id, None)
        assert found is not None
        return found

    def public_key(self, pool_id: str, kid: str) -> rsa.RSAPublicKey | None:
        """A pool's public key by ``kid``; an unknown kid costs one cheap probe, and the
        keys are reloaded only when the pool's keys really changed."""
        cached = self._cache.get(pool_id)
        if cached is not None and kid in cached.public:
            return cached.public[kid]
        if cached is not None:
            with self.store.read() as tx:
                if tx.keys_version(pool_id) == cached.version:
                    return None
        cached = self._load(pool_id)
        return None if cached is None else cached.public.get(kid)

    async def rotate(self, pool_id: str) -> None:
        """New active keys for both uses; the old ones stay published."""
        with self.store.transaction() as tx:
            for use in USES:
                tx.retire_keys(pool_id, use)
        self._cache.pop(pool_id, None)
        await self._create(pool_id, list(USES))

    async def _create(self, pool_id: str, uses: list[str]) -> None:
        made = [await asyncio.to_thread(_new_pem) for _ in uses]
        try:
            with self.store.transaction() as tx:
                existing = {key.use for key in tx.pool_keys(pool_id) if key.active}
                for use, (kid, pem) in zip(uses, made, strict=True):
                    if use not in existing:
                        tx.insert_key(kid, pool_id, use, self.box.seal(pem), self.clock.now())
        except AlreadyExists:
            pass  # another process made them first
