"""Passkeys through boto3 against a running server, with a software authenticator
(tests/authenticator.py) making real ``none`` and ``packed`` attestations and assertions:
the pool's WebAuthnConfiguration, StartWebAuthnRegistration's options, Complete's checks
(challenge, client, origin, relying party, attestation), List and Delete, the WEB_AUTHN
challenge of USER_AUTH (sign count checked), SELECT_CHALLENGE and GetUserAuthFactors."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.authenticator import Authenticator, unb64url
from tests.factories import PASSWORD, confirmed_user
from tests.helpers import Server, outcome
from userpool.domain.crypto import SecretBox

FLOWS = ["ALLOW_USER_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
FIRST = {"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "WEB_AUTHN"]}}
WRONG = ("NotAuthorizedException", "Incorrect username or password.")


def bare(answer: dict[str, Any]) -> dict[str, Any]:
    """An answer without boto3's ResponseMetadata."""
    return {k: v for k, v in answer.items() if k != "ResponseMetadata"}


class App:
    def __init__(self, idp: Any, server: Server, pool: dict[str, Any], client: dict[str, Any]):
        self.idp, self.server, self.pool, self.client = idp, server, pool, client

    @property
    def cid(self) -> str:
        return str(self.client["ClientId"])

    def user(self, name: str) -> str:
        """A confirmed user's access token."""
        confirmed_user(self.idp, self.server, self.cid, name)
        return self.token(name)

    def token(self, name: str, cid: str | None = None) -> str:
        out = self.idp.initiate_auth(
            AuthFlow="USER_PASSWORD_AUTH",
            ClientId=cid or self.cid,
            AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD},
        )
        return str(out["AuthenticationResult"]["AccessToken"])

    def register(self, token: str, key: Authenticator, origin: str, **kw: Any) -> Any:
        options = self.idp.start_web_authn_registration(AccessToken=token)
        credential = key.register(options["CredentialCreationOptions"], origin, **kw)
        out = self.idp.complete_web_authn_registration(AccessToken=token, Credential=credential)
        return bare(out)

    def challenge(self, name: str) -> dict[str, Any]:
        return dict(
            self.idp.initiate_auth(
                AuthFlow="USER_AUTH",
                ClientId=self.cid,
                AuthParameters={"USERNAME": name, "PREFERRED_CHALLENGE": "WEB_AUTHN"},
            )
        )

    def answer(self, name: str, asked: dict[str, Any], credential: str) -> Any:
        return self.idp.respond_to_auth_challenge(
            ClientId=self.cid,
            ChallengeName="WEB_AUTHN",
            Session=asked["Session"],
            ChallengeResponses={"USERNAME": name, "CREDENTIAL": credential},
        )


@pytest.fixture
def make(
    idp: Any, server: Server, make_pool: Callable[..., dict[str, Any]], make_client: Any
) -> Callable[..., App]:
    def build(rp: str | None = "localhost", policies: Any = FIRST, **webauthn: Any) -> App:
        pool = make_pool(Policies=policies) if policies else make_pool()
        if rp is not None:
            idp.set_user_pool_mfa_config(
                UserPoolId=pool["Id"],
                MfaConfiguration="OFF",
                WebAuthnConfiguration={"RelyingPartyId": rp, **webauthn},
            )
        return App(idp, server, pool, make_client(pool, ExplicitAuthFlows=FLOWS))

    return build


def test_the_pool_keeps_its_relying_party_and_refuses_a_bad_one(idp: Any, make: Any) -> None:
    app = make("auth.example.com")
    got = idp.get_user_pool_mfa_config(UserPoolId=app.pool["Id"])
    assert got["WebAuthnConfiguration"] == {
        "RelyingPartyId": "auth.example.com",
        "UserVerification": "preferred",
    }
    for bad in ("https://example.com", "com", "Example.com", "example.com:443"):
        refused = outcome(
            lambda b=bad: idp.set_user_pool_mfa_config(
                UserPoolId=app.pool["Id"], WebAuthnConfiguration={"RelyingPartyId": b}
            )
        )
        assert refused[0] == "InvalidParameterException", bad


def test_start_gives_creation_options_as_cognito_shapes_them(idp: Any, make: Any) -> None:
    app = make("localhost", UserVerification="required")
    token = app.user("pk-ann")
    sub = idp.get_user(AccessToken=token)["UserAttributes"][0]["Value"]
    options = idp.start_web_authn_registration(AccessToken=token)["CredentialCreationOptions"]
    assert options["rp"] == {"id": "localhost", "name": "localhost"}
    assert options["user"] == {
        "displayName": "pk-ann",
        "id": base64.urlsafe_b64encode(sub.encode()).rstrip(b"=").decode(),
        "name": "pk-ann",
    }
    assert len(unb64url(options["challenge"])) == 16
    assert options["pubKeyCredParams"] == [
        {"alg": -7, "type": "public-key"},
        {"alg": -257, "type": "public-key"},
    ]
    assert options["authenticatorSelection"] == {
        "requireResidentKey": True,
        "residentKey": "required",
        "userVerification": "required",
    }
    assert options["excludeCredentials"] == [] and options["timeout"] == 60000
    key = Authenticator()
    app.register(token, key, "http://localhost:3000")
    again = idp.start_web_authn_registration(AccessToken=token)["CredentialCreationOptions"]
    assert again["excludeCredentials"] == [{"id": key.id, "type": "public-key"}]


def test_none_and_packed_attestations_register_then_list_and_delete(idp: Any, make: Any) -> None:
    app = make()
    token = app.user("pk-bo")
    packed, plain = Authenticator(), Authenticator()
    assert app.register(token, packed, "http://localhost:3000", fmt="packed") == {}
    assert app.register(token, plain, "http://localhost", fmt="none") == {}
    listed = idp.list_web_authn_credentials(AccessToken=token)["Credentials"]
    assert [c["CredentialId"] for c in listed] == [packed.id, plain.id]
    item = listed[0]
    assert item["RelyingPartyId"] == "localhost"
    assert item["AuthenticatorAttachment"] == "cross-platform"
    assert item["AuthenticatorTransports"] == ["usb", "nfc"]
    assert item["FriendlyCredentialName"] == "Roaming passkey"
    first = idp.list_web_authn_credentials(AccessToken=token, MaxResults=1)
    assert [c["CredentialId"] for c in first["Credentials"]] == [packed.id]
    rest = idp.list_web_authn_credentials(AccessToken=token, NextToken=first["NextToken"])
    assert [c["CredentialId"] for c in rest["Credentials"]] == [plain.id]
    assert "NextToken" not in rest
    assert bare(idp.delete_web_authn_credential(AccessToken=token, CredentialId=packed.id)) == {}
    assert (
        outcome(lambda: idp.delete_web_authn_credential(AccessToken=token, CredentialId=packed.id))[
            0
        ]
        == "ResourceNotFoundException"
    )
    listed = idp.list_web_authn_credentials(AccessToken=token)["Credentials"]
    assert [c["CredentialId"] for c in listed] == [plain.id]


def test_a_bad_packed_signature_is_not_supported(idp: Any, make: Any) -> None:
    app = make()
    token = app.user("pk-cy")
    key = Authenticator()
    options = idp.start_web_authn_registration(AccessToken=token)["CredentialCreationOptions"]
    credential = key.register(options, "http://localhost")
    other = Authenticator().register(options, "http://localhost")
    credential["response"]["clientDataJSON"] = other["response"]["clientDataJSON"]  # same text
    body = json.loads(unb64url(credential["response"]["clientDataJSON"]))
    body["crossOrigin"] = True  # the signed hash no longer matches
    credential["response"]["clientDataJSON"] = (
        base64.urlsafe_b64encode(json.dumps(body).encode()).rstrip(b"=").decode()
    )
    got = outcome(
        lambda: idp.complete_web_authn_registration(AccessToken=token, Credential=credential)
    )
    assert got[0] == "WebAuthnCredentialNotSupportedException"


@pytest.mark.parametrize(
    ("rp", "origin", "error"),
    [
        ("example.com", "https://example.com", None),
        ("example.com", "https://app.example.com", None),
        ("example.com", "https://example.com:8443", None),
        ("example.com", "https://evil.com", "WebAuthnOriginNotAllowedException"),
        ("example.com", "https://notexample.com", "WebAuthnOriginNotAllowedException"),
        ("example.com", "http://example.com", "WebAuthnOriginNotAllowedException"),
        ("localhost", "http://localhost:3000", None),
        ("localhost", "http://127.0.0.1:3000", "WebAuthnOriginNotAllowedException"),
    ],
)
def test_origins_follow_webauthns_rule(make: Any, rp: str, origin: str, error: str | None) -> None:
    app = make(rp)
    token = app.user(f"pk-o{abs(hash((rp, origin))) % 10**8}")
    got = outcome(lambda: app.register(token, Authenticator(), origin))
    assert got[0] == (error or "ok")


def test_completes_refusals(idp: Any, make: Any, make_client: Any) -> None:
    app = make()
    token = app.user("pk-dee")
    key = Authenticator()
    options = idp.start_web_authn_registration(AccessToken=token)["CredentialCreationOptions"]

    def complete(credential: Any, tok: str = token) -> Any:
        return outcome(
            lambda: idp.complete_web_authn_registration(AccessToken=tok, Credential=credential)
        )

    assert complete(key.register(options, "http://localhost", rp_id="example.com"))[0] == (
        "WebAuthnRelyingPartyMismatchException"
    )
    assert (
        complete(key.register(options, "http://localhost", challenge="AAAAAAAAAAAAAAAAAAAAAA"))[0]
        == "WebAuthnChallengeNotFoundException"
    )
    assert complete({"type": "public-key", "id": "x"})[0] == "InvalidParameterException"
    other = make_client(app.pool, ExplicitAuthFlows=FLOWS)
    assert (
        complete(key.register(options, "http://localhost"), app.token("pk-dee", other["ClientId"]))[
            0
        ]
        == "WebAuthnClientMismatchException"
    )
    assert complete(key.register(options, "http://localhost"))[0] == "ok"
    # the challenge is used once
    assert complete(key.register(options, "http://localhost"))[0] == (
        "WebAuthnChallengeNotFoundException"
    )


def test_passkeys_need_the_pool_to_allow_them(idp: Any, make: Any) -> None:
    off = make("localhost", policies=None)
    token = off.user("pk-eve")
    got = outcome(lambda: idp.start_web_authn_registration(AccessToken=token))
    assert got[0] == "WebAuthnNotEnabledException"
    bare = make(None)
    token = bare.user("pk-fay")
    got = outcome(lambda: idp.start_web_authn_registration(AccessToken=token))
    assert got[0] == "WebAuthnConfigurationMissingException"


def test_sign_in_with_a_passkey_and_its_count_must_grow(idp: Any, make: Any) -> None:
    app = make("localhost", UserVerification="required")
    token = app.user("pk-gus")
    key = Authenticator(counter=5)
    app.register(token, key, "http://localhost:3000")
    asked = app.challenge("pk-gus")
    assert asked["ChallengeName"] == "WEB_AUTHN"
    options = json.loads(asked["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"])
    assert options["rpId"] == "localhost" and options["userVerification"] == "required"
    assert options["allowCredentials"] == [{"id": key.id, "type": "public-key"}]
    assert options["timeout"] == 180000
    done = app.answer("pk-gus", asked, key.assert_(options, "http://localhost:3000"))
    assert done["AuthenticationResult"]["AccessToken"]
    # a count that does not grow (a cloned authenticator) is refused
    asked = app.challenge("pk-gus")
    options = json.loads(asked["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"])
    assert (
        outcome(lambda: app.answer("pk-gus", asked, key.assert_(options, "http://localhost", 0)))
        == WRONG
    )
    # another origin, or a session's challenge signed twice, is refused too
    asked = app.challenge("pk-gus")
    options = json.loads(asked["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"])
    assert (
        outcome(lambda: app.answer("pk-gus", asked, key.assert_(options, "https://evil.com")))
        == WRONG
    )
    asked = app.challenge("pk-gus")
    options = json.loads(asked["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"])
    stranger = Authenticator()
    stranger.credential_id = key.credential_id  # same id, another key
    assert (
        outcome(lambda: app.answer("pk-gus", asked, stranger.assert_(options, "http://localhost")))
        == WRONG
    )
    asked = app.challenge("pk-gus")
    options = json.loads(asked["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"])
    done = app.answer("pk-gus", asked, key.assert_(options, "http://localhost", 3))
    assert done["AuthenticationResult"]["IdToken"]


def test_select_challenge_offers_a_passkey_once_there_is_one(idp: Any, make: Any) -> None:
    app = make()
    token = app.user("pk-hal")
    start = {"USERNAME": "pk-hal"}
    asked = idp.initiate_auth(AuthFlow="USER_AUTH", ClientId=app.cid, AuthParameters=start)
    assert asked["ChallengeName"] == "SELECT_CHALLENGE"
    assert asked["AvailableChallenges"] == ["PASSWORD", "PASSWORD_SRP"]
    # preferring a passkey the user does not have: the choice is offered instead
    asked = app.challenge("pk-hal")
    assert asked["ChallengeName"] == "SELECT_CHALLENGE"
    key = Authenticator()
    app.register(token, key, "http://localhost")
    asked = idp.initiate_auth(AuthFlow="USER_AUTH", ClientId=app.cid, AuthParameters=start)
    assert asked["AvailableChallenges"] == ["PASSWORD", "PASSWORD_SRP", "WEB_AUTHN"]
    chosen = idp.respond_to_auth_challenge(
        ClientId=app.cid,
        ChallengeName="SELECT_CHALLENGE",
        Session=asked["Session"],
        ChallengeResponses={"USERNAME": "pk-hal", "ANSWER": "WEB_AUTHN"},
    )
    assert chosen["ChallengeName"] == "WEB_AUTHN"
    options = json.loads(chosen["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"])
    done = app.answer("pk-hal", chosen, key.assert_(options, "http://localhost"))
    assert done["AuthenticationResult"]["AccessToken"]
    bad = outcome(
        lambda: idp.initiate_auth(
            AuthFlow="USER_AUTH",
            ClientId=app.cid,
            AuthParameters={"USERNAME": "pk-hal", "PREFERRED_CHALLENGE": "NOPE"},
        )
    )
    assert bad[0] == "InvalidParameterException"


def test_get_user_auth_factors(idp: Any, make: Any) -> None:
    app = make()
    token = app.user("pk-ida")
    assert bare(idp.get_user_auth_factors(AccessToken=token)) == {
        "Username": "pk-ida",
        "ConfiguredUserAuthFactors": ["PASSWORD"],
    }
    app.register(token, Authenticator(), "http://localhost")
    got = idp.get_user_auth_factors(AccessToken=token)
    got.pop("ResponseMetadata")
    assert got == {"Username": "pk-ida", "ConfiguredUserAuthFactors": ["PASSWORD", "WEB_AUTHN"]}


def test_a_user_has_at_most_twenty_passkeys_and_they_are_sealed(
    idp: Any, server: Server, make: Any
) -> None:
    app = make()
    token = app.user("pk-jo")
    keys = [Authenticator() for _ in range(20)]
    for key in keys:
        app.register(token, key, "http://localhost")
    got = outcome(lambda: idp.start_web_authn_registration(AccessToken=token))
    assert got[0] == "LimitExceededException"
    rows = server.sql(
        "SELECT credential_id, public_key FROM webauthn_credentials WHERE credential_id=?",
        keys[0].id,
    )
    sealed = str(rows[0][1])
    assert keys[0].credential_id not in base64.b64decode(sealed + "==", validate=False)
    master = _master(server)
    opened = unb64url(SecretBox(master).open(sealed))
    assert keys[0].credential_id in opened


def _master(server: Server) -> bytes:
    from pathlib import Path

    if server.db.startswith("postgresql://"):
        path = Path(server.env["USERPOOL_MASTER_KEY_FILE"])
    else:
        path = Path(server.db + ".key")
    return base64.b64decode(path.read_text())
