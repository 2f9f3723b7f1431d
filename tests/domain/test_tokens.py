"""``domain.tokens``: RS256 ID and access tokens with the claims Cognito's developer guide
lists ("Using the ID token", "Using the access token"), their lifetimes from the app
client's settings (defaults: an hour, refresh 30 days), and verification. Signatures are
checked with PyJWT, an implementation of its own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from userpool.domain import tokens
from userpool.domain.entities import Pool, User

ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123xyZ"
NOW = 1_800_000_000
POOL = Pool("us-east-1_AbC123xyZ", "p", {}, 0, 0)
USER = User(
    POOL.id,
    "alice",
    "4c1f-sub",
    "CONFIRMED",
    True,
    None,
    {"sub": "4c1f-sub", "email": "alice@example.com", "email_verified": "true"},
    0,
    0,
)


@pytest.fixture(scope="module")
def key() -> tokens.SigningKey:
    return tokens.SigningKey(
        "kid-1", rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )


def _grant(**changes: Any) -> tokens.Grant:
    fields: dict[str, Any] = {
        "pool": POOL,
        "client_id": "client1",
        "user": USER,
        "auth_time": NOW - 10,
        "origin_jti": "origin-1",
    }
    return tokens.Grant(**{**fields, **changes})


def test_id_token_claims() -> None:
    claims = tokens.id_claims(_grant(), ISSUER, NOW, 3600)
    assert set(claims) == {
        "sub",
        "email",
        "email_verified",
        "iss",
        "cognito:username",
        "origin_jti",
        "aud",
        "event_id",
        "token_use",
        "auth_time",
        "exp",
        "iat",
        "jti",
    }
    assert claims["sub"] == "4c1f-sub" and claims["aud"] == "client1"
    assert claims["email_verified"] is True  # a JSON boolean, where attributes are strings
    assert claims["email"] == "alice@example.com"
    assert (claims["token_use"], claims["cognito:username"]) == ("id", "alice")
    assert (claims["iat"], claims["exp"], claims["auth_time"]) == (NOW, NOW + 3600, NOW - 10)
    assert (claims["iss"], claims["origin_jti"]) == (ISSUER, "origin-1")


def test_access_token_claims() -> None:
    claims = tokens.access_claims(_grant(), ISSUER, NOW, 300)
    assert set(claims) == {
        "sub",
        "iss",
        "client_id",
        "origin_jti",
        "event_id",
        "token_use",
        "scope",
        "auth_time",
        "exp",
        "iat",
        "jti",
        "username",
    }
    assert claims["scope"] == "aws.cognito.signin.user.admin"
    assert (claims["token_use"], claims["client_id"], claims["username"]) == (
        "access",
        "client1",
        "alice",
    )
    assert claims["exp"] == NOW + 300


def test_each_token_has_its_own_ids() -> None:
    one, two = (tokens.id_claims(_grant(), ISSUER, NOW, 60) for _ in range(2))
    assert one["jti"] != two["jti"] and one["event_id"] != two["event_id"]


def test_groups_and_roles() -> None:
    grant = _grant(
        groups=("admins", "staff"), roles=("arn:aws:iam::1:role/a", "arn:aws:iam::1:role/b")
    )
    id_claims = tokens.id_claims(grant, ISSUER, NOW, 60)
    assert id_claims["cognito:groups"] == ["admins", "staff"]
    assert id_claims["cognito:roles"] == ["arn:aws:iam::1:role/a", "arn:aws:iam::1:role/b"]
    assert id_claims["cognito:preferred_role"] == "arn:aws:iam::1:role/a"
    access = tokens.access_claims(grant, ISSUER, NOW, 60)
    assert access["cognito:groups"] == ["admins", "staff"]
    assert "cognito:roles" not in access
    assert "cognito:groups" not in tokens.id_claims(_grant(), ISSUER, NOW, 60)


def test_a_signed_token_verifies_with_pyjwt_and_the_jwk(key: tokens.SigningKey) -> None:
    claims = tokens.id_claims(_grant(), ISSUER, NOW, 3600)
    token = tokens.sign(key, claims)
    header = jwt.get_unverified_header(token)
    assert header == {"kid": "kid-1", "alg": "RS256"}
    jwk = key.jwk()
    assert (jwk["kty"], jwk["alg"], jwk["use"], jwk["e"]) == ("RSA", "RS256", "sig", "AQAB")
    public = jwt.PyJWK(jwk).key
    decoded = jwt.decode(
        token,
        public,
        algorithms=["RS256"],
        audience="client1",
        options={"verify_exp": False, "verify_iat": False},
    )
    assert decoded == claims


@pytest.fixture
def verify(key: tokens.SigningKey) -> Callable[..., dict[str, Any]]:
    keys = {key.kid: key.private.public_key()}

    def check(
        token: str, use: str = "access", now: float = NOW, issuer: str = ISSUER
    ) -> dict[str, Any]:
        return tokens.verify(token, keys, issuer, use, now)

    return check


def test_verify_returns_the_claims_until_exp(key: tokens.SigningKey, verify: Any) -> None:
    token = tokens.sign(key, tokens.access_claims(_grant(), ISSUER, NOW, 3600))
    assert verify(token)["username"] == "alice"
    assert verify(token, now=NOW + 3600)["exp"] == NOW + 3600
    with pytest.raises(tokens.InvalidToken, match="expired"):
        verify(token, now=NOW + 3601)


def test_verify_refuses_another_use_or_issuer(key: tokens.SigningKey, verify: Any) -> None:
    token = tokens.sign(key, tokens.access_claims(_grant(), ISSUER, NOW, 3600))
    with pytest.raises(tokens.InvalidToken):
        verify(token, use="id")
    with pytest.raises(tokens.InvalidToken):
        verify(token, issuer=ISSUER + "x")


def test_verify_refuses_forged_or_malformed_tokens(key: tokens.SigningKey, verify: Any) -> None:
    token = tokens.sign(key, tokens.access_claims(_grant(), ISSUER, NOW, 3600))
    header, body, signature = token.split(".")
    forged_claims = {**tokens.access_claims(_grant(), ISSUER, NOW, 3600), "username": "mallory"}
    forged_body = tokens.sign(key, forged_claims).split(".")[1]
    other = tokens.SigningKey(
        "kid-1", rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    for bad in (
        f"{header}.{forged_body}.{signature}",
        tokens.sign(other, forged_claims),
        tokens.sign(tokens.SigningKey("kid-2", key.private), forged_claims),  # unknown kid
        f"{header}.{body}",
        "not-a-token",
        "",
    ):
        with pytest.raises(tokens.InvalidToken):
            verify(bad)


@pytest.mark.parametrize(
    ("config", "which", "seconds"),
    [
        ({}, "AccessTokenValidity", 3600),
        ({}, "RefreshTokenValidity", 30 * 86400),
        ({"AccessTokenValidity": 5}, "AccessTokenValidity", 5 * 3600),
        ({"RefreshTokenValidity": 10}, "RefreshTokenValidity", 10 * 86400),
        (
            {"IdTokenValidity": 15, "TokenValidityUnits": {"IdToken": "minutes"}},
            "IdTokenValidity",
            900,
        ),
        (
            {"RefreshTokenValidity": 60, "TokenValidityUnits": {"RefreshToken": "minutes"}},
            "RefreshTokenValidity",
            3600,
        ),
        (
            {"AccessTokenValidity": 1, "TokenValidityUnits": {"AccessToken": "days"}},
            "AccessTokenValidity",
            86400,
        ),
    ],
)
def test_validity_follows_the_clients_settings_and_units(
    config: dict[str, Any], which: str, seconds: int
) -> None:
    default, unit = (30 * 86400, "days") if which == "RefreshTokenValidity" else (3600, "hours")
    assert tokens.validity(config, which, default, unit) == seconds
