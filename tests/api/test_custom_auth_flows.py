"""CUSTOM_AUTH around its loop, through boto3: SRP first (SRP_A, PASSWORD_VERIFIER, then the
custom challenges) and the MFA Cognito asks after such a password, the admin operations,
ClientMetadata and the triggers around sign-in (PreAuthentication, PostAuthentication,
PreTokenGeneration) as Cognito runs them, PreventUserExistenceErrors, the app client's
flows, and a magic-link sign-in as AWS's passwordless samples build it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from pycognito.aws_srp import AWSSRP

from tests.api.custom_auth_helpers import (
    PASSWORD,
    WRONG,
    CustomApp,
    custom_server,
    make_custom_app,
)
from tests.api.mfa_helpers import totp_code
from tests.helpers import Server, error_of

SRP_A = {"challengeName": "SRP_A", "challengeResult": True, "challengeMetadata": None}
VERIFIED = {
    "challengeName": "PASSWORD_VERIFIER",
    "challengeResult": True,
    "challengeMetadata": None,
}
RIGHT = {
    "challengeName": "CUSTOM_CHALLENGE",
    "challengeResult": True,
    "challengeMetadata": "QUESTION-1",
}


@pytest.fixture(scope="module")
def cserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with custom_server(tmp_path_factory.mktemp("customflows")) as srv:
        yield srv


@pytest.fixture
def cidp(cserver: Server) -> Any:
    return cserver.client()


def _quiz(cidp: Any, cserver: Server, via: str = "python", **kwargs: Any) -> CustomApp:
    app = make_custom_app(cidp, cserver, via, "quiz_define", **kwargs)
    app.user("ann")
    return app


def _srp_start(app: CustomApp, name: str, password: str = PASSWORD, admin: bool = False) -> Any:
    """InitiateAuth CUSTOM_AUTH with SRP first (as amazon-cognito-identity-js and Amplify's
    CUSTOM_WITH_SRP send it); the PASSWORD_VERIFIER's answer, computed by pycognito."""
    srp = AWSSRP(
        username=name,
        password=password,
        pool_id=app.pool_id,
        client_id=app.client_id,
        client=app.idp,
    )
    a = srp.get_auth_params()["SRP_A"]
    first = app.initiate(name, admin=admin, params={"CHALLENGE_NAME": "SRP_A", "SRP_A": a})
    assert first["ChallengeName"] == "PASSWORD_VERIFIER"
    assert set(first["ChallengeParameters"]) == {
        "SALT",
        "SRP_B",
        "SECRET_BLOCK",
        "USER_ID_FOR_SRP",
        "USERNAME",
    }
    responses = srp.process_challenge(first["ChallengeParameters"], {"USERNAME": name})
    return first["Session"], responses


def _verify_password(
    app: CustomApp, name: str, password: str = PASSWORD, admin: bool = False
) -> Any:
    session, responses = _srp_start(app, name, password, admin)
    return app.answer(
        name, session, None, admin=admin, challenge="PASSWORD_VERIFIER", responses=responses
    )


def test_srp_first_then_the_custom_challenge(cidp: Any, cserver: Server) -> None:
    app = _quiz(cidp, cserver, "lambda")
    step = _verify_password(app, "ann")
    assert step["ChallengeName"] == "CUSTOM_CHALLENGE"
    assert step["ChallengeParameters"]["question"] == "What is 2 + 3?"
    done = app.answer("ann", step["Session"], "5")
    assert "IdToken" in done["AuthenticationResult"]
    assert app.sessions_seen() == [[SRP_A], [SRP_A, VERIFIED], [SRP_A, VERIFIED, RIGHT]]
    creates = app.events("CreateAuthChallenge_Authentication")
    assert [e["request"]["session"] for e in creates] == [[SRP_A, VERIFIED]]  # not for SRP


def test_srp_first_with_a_wrong_password(cidp: Any, cserver: Server) -> None:
    app = _quiz(cidp, cserver)
    with pytest.raises(ClientError) as exc:
        _verify_password(app, "ann", "Wrong-Passw0rd!")
    assert error_of(exc) == WRONG
    assert app.sessions_seen() == [[SRP_A]]  # Define does not hear of the wrong proof


def test_after_srp_a_user_with_mfa_is_asked_for_it_and_define_is_not(
    cidp: Any, cserver: Server
) -> None:
    """As Cognito was seen to do (amplify-js issue 3876): after PASSWORD_VERIFIER, an MFA
    challenge; a right code gives tokens. Without SRP the custom flow asks no MFA."""
    app = _quiz(cidp, cserver)
    cidp.set_user_pool_mfa_config(
        UserPoolId=app.pool_id,
        MfaConfiguration="OPTIONAL",
        SoftwareTokenMfaConfiguration={"Enabled": True},
    )
    first = app.initiate("ann")
    token = app.answer("ann", first["Session"], "5")["AuthenticationResult"]["AccessToken"]
    secret = cidp.associate_software_token(AccessToken=token)["SecretCode"]
    cidp.verify_software_token(AccessToken=token, UserCode=totp_code(secret))
    cidp.set_user_mfa_preference(AccessToken=token, SoftwareTokenMfaSettings={"Enabled": True})
    seen = len(app.sessions_seen())
    mfa = _verify_password(app, "ann")
    assert mfa["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    done = app.answer(
        "ann",
        mfa["Session"],
        None,
        challenge="SOFTWARE_TOKEN_MFA",
        responses={"SOFTWARE_TOKEN_MFA_CODE": totp_code(secret, 1)},
    )
    assert "IdToken" in done["AuthenticationResult"]
    assert app.sessions_seen()[seen:] == [[SRP_A]]
    passwordless = app.initiate("ann")
    assert "IdToken" in app.answer("ann", passwordless["Session"], "5")["AuthenticationResult"]


@pytest.mark.parametrize("via", ["python", "lambda"])
def test_admin_initiate_and_respond(cidp: Any, cserver: Server, via: str) -> None:
    app = _quiz(cidp, cserver, via)
    first = app.initiate("ann", admin=True)
    again = app.answer("ann", first["Session"], "7", admin=True)
    done = app.answer("ann", again["Session"], "5", admin=True)
    assert "RefreshToken" in done["AuthenticationResult"]
    step = _verify_password(app, "ann", admin=True)
    assert "IdToken" in app.answer("ann", step["Session"], "5", admin=True)["AuthenticationResult"]


def test_client_metadata_and_the_sign_in_triggers(cidp: Any, cserver: Server) -> None:
    """InitiateAuth's ClientMetadata reaches PreAuthentication only (the model: Define and
    Create do not get it); each RespondToAuthChallenge's reaches Verify, Define, Create and,
    with tokens, PostAuthentication and PreTokenGeneration."""
    app = _quiz(
        cidp,
        cserver,
        PreAuthentication="py-record",
        PostAuthentication="py-record",
        PreTokenGeneration="py-record",
    )
    first = app.initiate("ann", ClientMetadata={"phase": "initiate"})
    again = app.answer("ann", first["Session"], "4", ClientMetadata={"phase": "first"})
    done = app.answer("ann", again["Session"], "5", ClientMetadata={"phase": "second"})
    assert "IdToken" in done["AuthenticationResult"]
    seen = [
        (e["triggerSource"].split("_")[0], e["request"].get("clientMetadata", {}).get("phase"))
        for e in app.events()
    ]
    assert seen == [
        ("PreAuthentication", "initiate"),
        ("DefineAuthChallenge", None),
        ("CreateAuthChallenge", None),
        ("VerifyAuthChallengeResponse", "first"),
        ("DefineAuthChallenge", "first"),
        ("CreateAuthChallenge", "first"),
        ("VerifyAuthChallengeResponse", "second"),
        ("DefineAuthChallenge", "second"),
        ("PostAuthentication", "second"),
        ("TokenGeneration", "second"),
    ]


def test_a_refusing_pre_authentication_stops_the_flow(cidp: Any, cserver: Server) -> None:
    app = _quiz(cidp, cserver, PreAuthentication="py-deny")
    with pytest.raises(ClientError) as exc:
        app.initiate("ann")
    assert error_of(exc) == (
        "UserLambdaValidationException",
        "PreAuthentication failed with error no entry.",
    )
    assert app.sessions_seen() == []


def test_unknown_users_when_the_client_hides_existence(cidp: Any, cserver: Server) -> None:
    """The triggers run with userNotFound true (so they can pretend); the flow never gives
    tokens to nobody."""
    app = _quiz(cidp, cserver, client={"PreventUserExistenceErrors": "ENABLED"})
    first = app.initiate("nobody")
    assert first["ChallengeParameters"]["USERNAME"] == "nobody"
    with pytest.raises(ClientError) as exc:
        app.answer("nobody", first["Session"], "5")
    assert error_of(exc) == WRONG
    ghost = [e for e in app.events() if e["userName"] == "nobody"]
    assert [e["request"]["userNotFound"] for e in ghost] == [True] * 4
    assert ghost[0]["request"]["userAttributes"] == {}
    real = app.initiate("ann")
    assert "IdToken" in app.answer("ann", real["Session"], "5")["AuthenticationResult"]
    assert {e["request"]["userNotFound"] for e in app.events() if e["userName"] == "ann"} == {False}


def test_unknown_users_when_the_client_does_not_hide_existence(cidp: Any, cserver: Server) -> None:
    app = _quiz(cidp, cserver)
    with pytest.raises(ClientError) as exc:
        app.initiate("nobody")
    assert error_of(exc) == ("UserNotFoundException", "User does not exist.")
    assert app.events() == []


def test_an_unconfirmed_user(cidp: Any, cserver: Server) -> None:
    """LEGACY clients say so before any trigger; hiding clients once the flow would sign in."""
    app = _quiz(cidp, cserver)
    cidp.sign_up(ClientId=app.client_id, Username="una", Password=PASSWORD)
    with pytest.raises(ClientError) as exc:
        app.initiate("una")
    assert error_of(exc) == ("UserNotConfirmedException", "User is not confirmed.")
    assert app.sessions_seen() == []
    hidden = cidp.create_user_pool_client(
        UserPoolId=app.pool_id,
        ClientName="hidden",
        ExplicitAuthFlows=["ALLOW_CUSTOM_AUTH"],
        PreventUserExistenceErrors="ENABLED",
    )["UserPoolClient"]["ClientId"]
    app.client_id = hidden
    first = app.initiate("una")
    with pytest.raises(ClientError) as exc:
        app.answer("una", first["Session"], "5")
    assert error_of(exc) == ("UserNotConfirmedException", "User is not confirmed.")


@pytest.mark.parametrize(
    "flows", [None, ["ALLOW_CUSTOM_AUTH"], ["CUSTOM_AUTH_FLOW_ONLY"], ["USER_PASSWORD_AUTH"]]
)
def test_clients_that_allow_custom_auth(
    cidp: Any, cserver: Server, flows: list[str] | None
) -> None:
    settings = {"ExplicitAuthFlows": flows} if flows else {}
    pool_app = _quiz(cidp, cserver)
    client = cidp.create_user_pool_client(UserPoolId=pool_app.pool_id, ClientName="c", **settings)
    pool_app.client_id = client["UserPoolClient"]["ClientId"]
    first = pool_app.initiate("ann")
    assert "IdToken" in pool_app.answer("ann", first["Session"], "5")["AuthenticationResult"]


def test_a_client_without_allow_custom_auth_refuses_it(cidp: Any, cserver: Server) -> None:
    app = _quiz(cidp, cserver, client={"ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH"]})
    with pytest.raises(ClientError) as exc:
        app.initiate("ann")
    assert error_of(exc) == (
        "InvalidParameterException",
        "CUSTOM_AUTH flow not enabled for this client",
    )
    with pytest.raises(ClientError) as exc:
        app.initiate("ann", admin=True)
    assert error_of(exc) == (
        "InvalidParameterException",
        "CUSTOM_AUTH flow not enabled for this client",
    )


def test_tokens_of_a_custom_sign_in_refresh(cidp: Any, cserver: Server) -> None:
    app = _quiz(cidp, cserver)
    first = app.initiate("ann")
    tokens = app.answer("ann", first["Session"], "5")["AuthenticationResult"]
    again = cidp.initiate_auth(
        ClientId=app.client_id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]},
    )
    assert "AccessToken" in again["AuthenticationResult"]


def _magic_link(app: CustomApp) -> str:
    links = [e["magicLink"] for e in app.events() if "magicLink" in e]
    return str(links[-1])


@pytest.mark.parametrize("via", ["python", "lambda"])
def test_a_magic_link_sign_in(cidp: Any, cserver: Server, via: str) -> None:
    app = make_custom_app(cidp, cserver, via, "magic_define", "magic_create", "magic_verify")
    app.user("mia")
    first = app.initiate("mia")
    assert first["ChallengeParameters"] == {
        "nextStep": "PROVIDE_AUTH_PARAMETERS",
        "USERNAME": "mia",
    }
    metadata = {"signInMethod": "MAGIC_LINK", "redirectUri": "https://app.example.com/magic"}
    sent = app.answer("mia", first["Session"], "__dummy__", ClientMetadata=metadata)
    assert sent["ChallengeParameters"] == {
        "nextStep": "CHECK_EMAIL",
        "email": "m***",
        "USERNAME": "mia",
    }
    link = _magic_link(app)
    assert re.fullmatch(r"https://app\.example\.com/magic#mia\.[\w-]+", link)
    done = app.answer("mia", sent["Session"], link.split("#", 1)[1])
    assert "IdToken" in done["AuthenticationResult"]
    # a link is good for its own flow only
    first = app.initiate("mia")
    sent = app.answer("mia", first["Session"], "__dummy__", ClientMetadata=metadata)
    with pytest.raises(ClientError) as exc:
        app.answer("mia", sent["Session"], link.split("#", 1)[1])
    assert error_of(exc) == WRONG
