"""JSON Web Tokens as Cognito issues them: RS256 ID and access tokens with Cognito's claims.

Signing uses key objects loaded once (a PEM parsed per call costs ~58 ms); verification
checks signature, expiry, issuer and token use. Pure: keys and the clock are passed in.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from typing import Any

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from userpool.domain.entities import Pool, User
from userpool.domain.schema import readable

SCOPE = "aws.cognito.signin.user.admin"


@dataclass
class PoolKeys:
    """A pool's keys as loaded: the active one per use, every public one by kid, the JWKS."""

    version: str
    signing: dict[str, SigningKey]  # use -> active key
    public: dict[str, rsa.RSAPublicKey]  # kid -> key, active and retired
    jwks: list[dict[str, str]]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private: rsa.RSAPrivateKey

    def jwk(self) -> dict[str, str]:
        numbers = self.private.public_key().public_numbers()
        return {
            "alg": "RS256",
            "e": b64url(numbers.e.to_bytes(3, "big").lstrip(b"\0")),
            "kid": self.kid,
            "kty": "RSA",
            "n": b64url(numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")),
            "use": "sig",
        }


def sign(key: SigningKey, claims: dict[str, Any]) -> str:
    header = b64url(orjson.dumps({"kid": key.kid, "alg": "RS256"}))
    body = b64url(orjson.dumps(claims))
    signature = key.private.sign(f"{header}.{body}".encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{header}.{body}.{b64url(signature)}"


class InvalidToken(Exception):
    """Signature, format, issuer, use or expiry is wrong."""


def verify(
    token: str, keys: dict[str, rsa.RSAPublicKey], issuer: str, use: str, now: float
) -> dict[str, Any]:
    """The claims of a token we issued, or InvalidToken."""
    try:
        header_b64, body_b64, sig_b64 = token.split(".")
        header = orjson.loads(unb64url(header_b64))
        claims: dict[str, Any] = orjson.loads(unb64url(body_b64))
        key = keys[header["kid"]]
        key.verify(
            unb64url(sig_b64),
            f"{header_b64}.{body_b64}".encode(),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
    except (ValueError, KeyError, TypeError, InvalidSignature, orjson.JSONDecodeError):
        raise InvalidToken("signature") from None
    if claims.get("iss") != issuer or claims.get("token_use") != use:
        raise InvalidToken("issuer or use")
    if float(claims.get("exp", 0)) < now:
        raise InvalidToken("expired")
    return claims


@dataclass(frozen=True)
class Grant:
    """One authentication: who, through which client, when, and its origin id."""

    pool: Pool
    client_id: str
    user: User
    auth_time: int
    origin_jti: str
    groups: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()  # the groups' role ARNs, in the groups' order
    read_attributes: tuple[str, ...] = ()  # the client's ReadAttributes (none: all)
    amr: tuple[str, ...] = ()  # the methods of a sign-in that completed MFA (else none)


def id_claims(grant: Grant, issuer: str, now: int, ttl: int) -> dict[str, Any]:
    user = grant.user
    claims: dict[str, Any] = {"sub": user.sub}
    if grant.groups:
        claims["cognito:groups"] = list(grant.groups)
    if grant.roles:
        claims["cognito:roles"] = list(grant.roles)
        claims["cognito:preferred_role"] = grant.roles[0]
    for name, value in readable(user.attributes, grant.read_attributes).items():
        if name == "sub":
            continue
        claims[name] = (value == "true") if name.endswith("_verified") else value
    claims.update(
        {
            "iss": issuer,
            "cognito:username": user.username,
            "origin_jti": grant.origin_jti,
            "aud": grant.client_id,
            "event_id": str(uuid.uuid4()),
            "token_use": "id",
            "auth_time": grant.auth_time,
            **({"amr": list(grant.amr)} if grant.amr else {}),
            "exp": now + ttl,
            "iat": now,
            "jti": str(uuid.uuid4()),
        }
    )
    return claims


def access_claims(grant: Grant, issuer: str, now: int, ttl: int) -> dict[str, Any]:
    # DEVIATION: no ``version`` claim (Cognito's access tokens carry one; its value is
    # unconfirmed); the issuer is this server's (docs/compatibility.md).
    claims: dict[str, Any] = {"sub": grant.user.sub}
    if grant.groups:
        claims["cognito:groups"] = list(grant.groups)
    claims.update(
        {
            "iss": issuer,
            "client_id": grant.client_id,
            "origin_jti": grant.origin_jti,
            "event_id": str(uuid.uuid4()),
            "token_use": "access",
            "scope": SCOPE,
            "auth_time": grant.auth_time,
            "exp": now + ttl,
            "iat": now,
            "jti": str(uuid.uuid4()),
            "username": grant.user.username,
        }
    )
    return claims


_UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}


def validity(config: dict[str, Any], which: str, default_seconds: int, default_unit: str) -> int:
    """A token lifetime in seconds from the app client's settings (default when unset)."""
    if not config.get(which):
        return default_seconds
    units = config.get("TokenValidityUnits") or {}
    unit = units.get(
        {
            "AccessTokenValidity": "AccessToken",
            "IdTokenValidity": "IdToken",
            "RefreshTokenValidity": "RefreshToken",
        }[which],
        default_unit,
    )
    return int(config[which]) * _UNIT_SECONDS[unit]
