"""A software WebAuthn authenticator for tests: real ``none`` and ``packed`` (self)
attestations and real assertions, made with ``cryptography`` (keys, signatures) and
fido2's data classes (CBOR and authenticator-data encoding); the server verifies them
with its own library calls, so a wrong byte here fails there."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from fido2.cose import ES256
from fido2.webauthn import AttestationObject, AttestedCredentialData, AuthenticatorData

FLAGS_UP_UV = AuthenticatorData.FLAG.UP | AuthenticatorData.FLAG.UV


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Authenticator:
    """One passkey: an ES256 key, a credential id and a sign count."""

    def __init__(self, counter: int = 0) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.counter = counter
        self.user_handle: bytes | None = None

    @property
    def id(self) -> str:
        return b64url(self.credential_id)

    def _client_data(self, kind: str, challenge: str, origin: str) -> bytes:
        return json.dumps(
            {"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": False}
        ).encode()

    def register(
        self,
        options: dict[str, Any],
        origin: str,
        fmt: str = "packed",
        rp_id: str | None = None,
        flags: AuthenticatorData.FLAG = FLAGS_UP_UV,
        challenge: str | None = None,
    ) -> dict[str, Any]:
        """A RegistrationResponseJSON (as Amplify sends it) for ``options``."""
        rp = rp_id or options["rp"]["id"]
        self.user_handle = unb64url(options["user"]["id"])
        data = self._client_data("webauthn.create", challenge or options["challenge"], origin)
        public = ES256.from_cryptography_key(self.key.public_key())
        attested = AttestedCredentialData.create(b"\0" * 16, self.credential_id, public)
        auth = AuthenticatorData.create(
            hashlib.sha256(rp.encode()).digest(),
            flags | AuthenticatorData.FLAG.AT,
            self.counter,
            bytes(attested),
        )
        statement: dict[str, Any] = {}
        if fmt == "packed":
            signed = bytes(auth) + hashlib.sha256(data).digest()
            statement = {"alg": -7, "sig": self.key.sign(signed, ec.ECDSA(hashes.SHA256()))}
        attestation = AttestationObject.create(fmt, auth, statement)
        return {
            "type": "public-key",
            "id": self.id,
            "rawId": self.id,
            "clientExtensionResults": {},
            "authenticatorAttachment": "cross-platform",
            "response": {
                "clientDataJSON": b64url(data),
                "attestationObject": b64url(bytes(attestation)),
                "transports": ["usb", "nfc"],
            },
        }

    def assert_(
        self, options: dict[str, Any], origin: str, step: int = 1, rp_id: str | None = None
    ) -> str:
        """An AuthenticationResponseJSON string (the CREDENTIAL answer) for ``options``;
        the sign count moves by ``step`` (0 or negative: a cloned authenticator)."""
        self.counter += step
        rp = rp_id or options["rpId"]
        data = self._client_data("webauthn.get", options["challenge"], origin)
        auth = AuthenticatorData.create(
            hashlib.sha256(rp.encode()).digest(), FLAGS_UP_UV, max(self.counter, 0)
        )
        signed = bytes(auth) + hashlib.sha256(data).digest()
        response = {
            "clientDataJSON": b64url(data),
            "authenticatorData": b64url(bytes(auth)),
            "signature": b64url(self.key.sign(signed, ec.ECDSA(hashes.SHA256()))),
        }
        if self.user_handle is not None:
            response["userHandle"] = b64url(self.user_handle)
        return json.dumps(
            {
                "id": self.id,
                "rawId": self.id,
                "type": "public-key",
                "clientExtensionResults": {},
                "response": response,
            }
        )
