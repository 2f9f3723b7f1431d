"""Passkeys (WebAuthn), pure: a pool's relying party, the options Cognito hands a browser
for a registration (``CredentialCreationOptions``) and a sign-in
(``CREDENTIAL_REQUEST_OPTIONS``), and the verification of what the authenticator answers.

Every signature and attestation check is the ``fido2`` library's (``Fido2Server``,
``fido2.attestation``); this module only orders the checks so that each failure gets the
error Cognito names, and keeps what a credential needs for later sign-ins. The origin rule
is WebAuthn's (``fido2.rpid.verify_rp_id``): ``https://`` on the relying-party id or a
subdomain of it (not when the id is a public suffix), ``http://`` only on ``localhost``.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

import orjson
from cryptography.hazmat.primitives import constant_time
from fido2.attestation.base import Attestation, UnsupportedAttestation
from fido2.cose import CoseKey
from fido2.rpid import suffixes, verify_rp_id
from fido2.server import Fido2Server
from fido2.webauthn import (
    AttestationConveyancePreference,
    AttestationObject,
    AttestedCredentialData,
    AuthenticationResponse,
    PublicKeyCredentialRpEntity,
    RegistrationResponse,
)

ALGORITHMS = (-7, -257)  # ES256 and RS256, the two Cognito offers
MAX_CREDENTIALS = 20  # passkeys per user
REGISTRATION_TIMEOUT_MS = 60_000  # as in Cognito's example options
SIGN_IN_TIMEOUT_MS = 180_000  # a 3-minute challenge session, as Cognito's options say
_LABEL = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
_HOST = re.compile(rf"^(?=.{{1,127}}$){_LABEL}(\.{_LABEL})*$")
_SUFFIXES = frozenset(suffixes)


class Refused(Exception):
    """A credential refused; ``kind`` says which check: ``malformed``, ``challenge``,
    ``origin``, ``relying_party``, ``unsupported``, ``unknown`` or ``count``."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind


@dataclass
class Credential:
    """A registered passkey. ``public`` (the attested credential data: id, AAGUID and
    public key) is what the store keeps sealed."""

    credential_id: str  # base64url, no padding
    public: bytes
    sign_count: int
    relying_party_id: str
    attachment: str | None
    transports: list[str] = field(default_factory=list)
    name: str = ""
    created: float = 0.0


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def valid_relying_party(rp_id: str) -> bool:
    """A host name (lower case, no scheme or port) that is not a public suffix."""
    return bool(_HOST.match(rp_id)) and rp_id not in _SUFFIXES


def origin_allowed(rp_id: str, origin: str) -> bool:
    return verify_rp_id(rp_id, origin)


def user_handle(sub: str) -> str:
    """``user.id`` of the options: the user's sub, UTF-8, base64url."""
    return b64url(sub.encode())


def creation_options(
    rp_id: str, verification: str, sub: str, username: str, challenge: bytes, exclude: list[str]
) -> dict[str, Any]:
    """StartWebAuthnRegistration's ``CredentialCreationOptions``, shaped as Cognito's.

    DEVIATION: ``displayName`` is the username, as in AWS's example (Amplify's fixture has
    ``""``); which attribute Cognito uses is unconfirmed."""
    return {
        "authenticatorSelection": {
            "requireResidentKey": True,
            "residentKey": "required",
            "userVerification": verification,
        },
        "challenge": b64url(challenge),
        "excludeCredentials": [{"id": cid, "type": "public-key"} for cid in exclude],
        "pubKeyCredParams": [{"alg": alg, "type": "public-key"} for alg in ALGORITHMS],
        "rp": {"id": rp_id, "name": rp_id},
        "timeout": REGISTRATION_TIMEOUT_MS,
        "user": {"displayName": username, "id": user_handle(sub), "name": username},
    }


def request_options(
    rp_id: str, verification: str, challenge: bytes, allow: list[str]
) -> dict[str, Any]:
    """The WEB_AUTHN challenge's ``CREDENTIAL_REQUEST_OPTIONS`` (as a JSON object)."""
    return {
        "hints": [],
        "attestation": "none",
        "attestationFormats": [],
        "challenge": b64url(challenge),
        "timeout": SIGN_IN_TIMEOUT_MS,
        "rpId": rp_id,
        "allowCredentials": [{"id": cid, "type": "public-key"} for cid in allow],
        "userVerification": verification,
    }


def parse_registration(credential: Any) -> RegistrationResponse:
    try:
        parsed: RegistrationResponse = RegistrationResponse.from_dict(credential)
        return parsed
    except Exception as exc:  # the library raises many kinds on bad input
        raise Refused("malformed", str(exc)) from None


def parse_assertion(text: str) -> AuthenticationResponse:
    try:
        parsed: AuthenticationResponse = AuthenticationResponse.from_dict(orjson.loads(text))
        return parsed
    except Exception as exc:
        raise Refused("malformed", str(exc)) from None


def _attestation(obj: AttestationObject, client_data_hash: bytes) -> None:
    """The attestation statement must verify (none, packed, and the other formats fido2
    knows); its certificate chain is not trusted or required, as Cognito does not."""
    kind = Attestation.for_type(obj.fmt)
    if issubclass(kind, UnsupportedAttestation):
        raise ValueError(f"unsupported attestation format {obj.fmt}")
    kind().verify(obj.att_stmt, obj.auth_data, client_data_hash)


def _server(rp_id: str, verify_attestation: bool) -> Fido2Server:
    return Fido2Server(
        PublicKeyCredentialRpEntity(name=rp_id, id=rp_id),
        attestation=AttestationConveyancePreference.DIRECT if verify_attestation else None,
        verify_origin=lambda origin: origin_allowed(rp_id, origin),
        verify_attestation=_attestation,
    )


def _state(challenge: bytes, verification: str) -> dict[str, Any]:
    return {"challenge": b64url(challenge), "user_verification": verification}


def verify_registration(
    rp_id: str,
    verification: str,
    challenge: bytes,
    response: RegistrationResponse,
    transports: list[str],
) -> Credential:
    """The new credential, or Refused. ``challenge`` is the one Start gave; ``transports``
    the client's ``response.transports`` (kept to be listed)."""
    data = response.response.client_data
    if data.type != "webauthn.create" or not constant_time.bytes_eq(data.challenge, challenge):
        raise Refused("challenge")
    if not origin_allowed(rp_id, data.origin):
        raise Refused("origin", data.origin)
    auth = response.response.attestation_object.auth_data
    if not constant_time.bytes_eq(auth.rp_id_hash, hashlib.sha256(rp_id.encode()).digest()):
        raise Refused("relying_party")
    try:
        auth = _server(rp_id, True).register_complete(_state(challenge, verification), response)
        attested = auth.credential_data
        if attested is None:
            raise ValueError("no credential data")
        if CoseKey.parse(attested.public_key).ALGORITHM not in ALGORITHMS:
            raise ValueError("algorithm not offered")
    except Exception as exc:
        raise Refused("unsupported", str(exc)) from None
    attachment = response.authenticator_attachment
    return Credential(
        credential_id=b64url(attested.credential_id),
        public=bytes(attested),
        sign_count=auth.counter,
        relying_party_id=rp_id,
        attachment=None if attachment is None else str(attachment),
        transports=transports,
    )


def credential_id_of(response: AuthenticationResponse) -> str:
    return b64url(response.raw_id)


def challenge_of(response: AuthenticationResponse) -> bytes:
    return bytes(response.response.client_data.challenge)


def verify_assertion(
    rp_id: str,
    verification: str,
    challenge: bytes,
    sub: str,
    response: AuthenticationResponse,
    credential: Credential,
) -> int:
    """The authenticator's new sign count, or Refused: the library checks type, challenge,
    origin, relying party, presence (and verification when required) and the signature;
    here the user handle (when sent) must be the user's and the sign count must grow
    whenever either count is not zero (WebAuthn's rule against cloned authenticators)."""
    handle = response.response.user_handle
    if handle is not None and handle != sub.encode():
        raise Refused("unknown", "user handle")
    attested, _ = AttestedCredentialData.unpack_from(credential.public)
    try:
        _server(rp_id, False).authenticate_complete(
            _state(challenge, verification), [attested], response
        )
    except Exception as exc:
        raise Refused("unsupported", str(exc)) from None
    count = response.response.authenticator_data.counter
    if (count or credential.sign_count) and count <= credential.sign_count:
        raise Refused("count", f"{count} <= {credential.sign_count}")
    return int(count)
