"""CUSTOM_AUTH through boto3: each branch of the loop of DefineAuthChallenge,
CreateAuthChallenge and VerifyAuthChallengeResponse as Cognito runs it, with the triggers
served both as Python callables and by a fake Lambda Invoke endpoint
(tests/custom_auth_functions.py's question-and-answer functions): tokens after one right
answer, a wrong answer then a right one, failAuthentication, three rounds, the cap on a
flow's rounds, Sessions spent and renewed, trigger errors and bad trigger answers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from botocore.exceptions import ClientError

from tests.api.custom_auth_helpers import (
    INVALID_SESSION,
    WRONG,
    CustomApp,
    FakeLambda,
    custom_server,
    make_custom_app,
)
from tests.helpers import Server, error_of

DEFINE = "DefineAuthChallenge_Authentication"
CREATE = "CreateAuthChallenge_Authentication"
VERIFY = "VerifyAuthChallengeResponse_Authentication"
BOTH = pytest.mark.parametrize("via", ["python", "lambda"])


@pytest.fixture(scope="module")
def cserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with custom_server(tmp_path_factory.mktemp("custom")) as srv:
        yield srv


@pytest.fixture
def cidp(cserver: Server) -> Any:
    return cserver.client()


def _quiz(cidp: Any, cserver: Server, via: str, define: str = "quiz_define") -> CustomApp:
    app = make_custom_app(cidp, cserver, via, define)
    app.user("ann")
    return app


def _entry(result: bool, metadata: str) -> dict[str, Any]:
    return {
        "challengeName": "CUSTOM_CHALLENGE",
        "challengeResult": result,
        "challengeMetadata": metadata,
    }


@BOTH
def test_one_right_answer_signs_in(cidp: Any, cserver: Server, via: str) -> None:
    app = _quiz(cidp, cserver, via)
    before = len(FakeLambda.invoked)
    first = app.initiate("ann")
    assert first["ChallengeName"] == "CUSTOM_CHALLENGE"
    assert first["ChallengeParameters"] == {
        "question": "What is 2 + 3?",
        "attempt": "1",  # the function's number, as text
        "USERNAME": "ann",
    }
    done = app.answer("ann", first["Session"], "5")
    assert done["ChallengeParameters"] == {}
    result = done["AuthenticationResult"]
    assert set(result) >= {"AccessToken", "IdToken", "RefreshToken"}
    claims = jwt.decode(result["IdToken"], options={"verify_signature": False})
    assert claims["cognito:username"] == "ann"
    assert app.sessions_seen() == [[], [_entry(True, "QUESTION-1")]]
    sources = [e["triggerSource"] for e in app.events()]
    assert sources == [DEFINE, CREATE, VERIFY, DEFINE]
    invoked = FakeLambda.invoked[before:]
    assert invoked == (
        ["quiz_define", "quiz_create", "quiz_verify", "quiz_define"] if via == "lambda" else []
    )


def test_the_events_are_cognitos(cidp: Any, cserver: Server) -> None:
    app = _quiz(cidp, cserver, "python")
    first = app.initiate("ann")
    app.answer("ann", first["Session"], "5")
    define, create, verify, _ = app.events()
    sub = define["request"]["userAttributes"]["sub"]
    assert define == {
        "version": "1",
        "region": "us-east-1",
        "userPoolId": app.pool_id,
        "userName": "ann",
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": app.client_id},
        "triggerSource": DEFINE,
        "request": {
            "userAttributes": {
                "sub": sub,
                "email": "ann@example.com",
                "email_verified": "true",
                "cognito:user_status": "CONFIRMED",
            },
            "session": [],
        },
        "response": {"challengeName": None, "issueTokens": None, "failAuthentication": None},
    }
    assert create["request"]["challengeName"] == "CUSTOM_CHALLENGE"
    assert create["request"]["session"] == []
    assert create["response"] == {
        "publicChallengeParameters": None,
        "privateChallengeParameters": None,
        "challengeMetadata": None,
    }
    assert verify["request"]["privateChallengeParameters"] == {"answer": "5"}
    assert verify["request"]["challengeAnswer"] == "5"
    assert verify["response"] == {"answerCorrect": None}
    assert "userNotFound" not in define["request"]  # a LEGACY client's events leave it out


@BOTH
def test_a_wrong_answer_then_a_right_one(cidp: Any, cserver: Server, via: str) -> None:
    app = _quiz(cidp, cserver, via)
    first = app.initiate("ann")
    again = app.answer("ann", first["Session"], "4")
    assert again["ChallengeName"] == "CUSTOM_CHALLENGE"
    assert again["ChallengeParameters"]["attempt"] == "2"
    assert again["Session"] != first["Session"]  # a new Session for each challenge
    done = app.answer("ann", again["Session"], "5")
    assert "IdToken" in done["AuthenticationResult"]
    assert app.sessions_seen()[-1] == [_entry(False, "QUESTION-1"), _entry(True, "QUESTION-1")]


@BOTH
def test_fail_authentication_is_incorrect_username_or_password(
    cidp: Any, cserver: Server, via: str
) -> None:
    app = _quiz(cidp, cserver, via)
    session = app.initiate("ann")["Session"]
    for _ in range(2):
        session = app.answer("ann", session, "wrong")["Session"]
    with pytest.raises(ClientError) as exc:
        app.answer("ann", session, "wrong")
    assert error_of(exc) == WRONG
    assert len(app.sessions_seen()[-1]) == 3
    with pytest.raises(ClientError) as exc:  # the flow is over: its last Session is spent
        app.answer("ann", session, "5")
    assert error_of(exc) == INVALID_SESSION


def test_three_rounds(cidp: Any, cserver: Server) -> None:
    app = _quiz(cidp, cserver, "lambda", define="quiz3_define")
    step = app.initiate("ann")
    asked = []
    for answer in ("5", "16", "3"):
        assert step["ChallengeName"] == "CUSTOM_CHALLENGE"
        asked.append(step["ChallengeParameters"]["question"])
        step = app.answer("ann", step["Session"], answer)
    assert asked == ["What is 2 + 3?", "What is 4 * 4?", "What is 10 - 7?"]
    assert "AccessToken" in step["AuthenticationResult"]
    assert app.sessions_seen()[-1] == [
        _entry(True, "QUESTION-1"),
        _entry(True, "QUESTION-2"),
        _entry(True, "QUESTION-3"),
    ]


def test_a_flow_has_at_most_sixteen_challenges(cidp: Any, cserver: Server) -> None:
    app = _quiz(cidp, cserver, "python", define="endless_define")
    session = app.initiate("ann")["Session"]
    for _ in range(15):
        session = app.answer("ann", session, "wrong")["Session"]
    with pytest.raises(ClientError) as exc:
        app.answer("ann", session, "wrong")
    assert error_of(exc) == WRONG
    assert len(app.sessions_seen()[-1]) == 16  # Define saw the sixteenth, asked again: refused


def test_a_session_is_used_once_and_only_by_its_user_and_challenge(
    cidp: Any, cserver: Server
) -> None:
    app = _quiz(cidp, cserver, "python")
    app.user("bob")
    first = app.initiate("ann")
    with pytest.raises(ClientError) as exc:  # another user's answer does not spend it
        app.answer("bob", first["Session"], "5")
    assert error_of(exc) == INVALID_SESSION
    with pytest.raises(ClientError) as exc:  # no ANSWER: refused, the Session stays usable
        app.answer("ann", first["Session"], None)
    assert error_of(exc) == ("InvalidParameterException", "Missing required parameter ANSWER")
    with pytest.raises(ClientError) as exc:  # not an MFA challenge's Session
        app.answer(
            "ann", first["Session"], None, challenge="SMS_MFA", responses={"SMS_MFA_CODE": "123456"}
        )
    assert error_of(exc) == INVALID_SESSION
    again = app.answer("ann", first["Session"], "4")
    with pytest.raises(ClientError) as exc:  # spent by that answer
        app.answer("ann", first["Session"], "5")
    assert error_of(exc) == INVALID_SESSION
    with pytest.raises(ClientError) as exc:
        app.answer("ann", "not-a-session-of-this-server", "5")
    assert error_of(exc) == INVALID_SESSION
    assert "IdToken" in app.answer("ann", again["Session"], "5")["AuthenticationResult"]


@pytest.mark.parametrize(
    ("via", "slot", "message"),
    [
        ("python", "define", "DefineAuthChallenge failed with error boom."),
        ("lambda", "create", "CreateAuthChallenge failed with error boom."),
        ("lambda", "verify", "VerifyAuthChallengeResponse failed with error boom."),
    ],
)
def test_a_failing_trigger_is_user_lambda_validation(
    cidp: Any, cserver: Server, via: str, slot: str, message: str
) -> None:
    functions = {"define": "quiz_define", "create": "quiz_create", "verify": "quiz_verify"}
    functions[slot] = "boom"
    app = make_custom_app(
        cidp, cserver, via, functions["define"], functions["create"], functions["verify"]
    )
    app.user("ann")
    with pytest.raises(ClientError) as exc:
        session = app.initiate("ann")["Session"]
        app.answer("ann", session, "5")
    assert error_of(exc) == ("UserLambdaValidationException", message)


@pytest.mark.parametrize(
    ("via", "slot", "function", "message"),
    [
        (
            "python",
            "define",
            "echo",
            "Invalid lambda function output : DefineAuthChallenge set "
            "neither issueTokens, failAuthentication nor challengeName",
        ),
        (
            "lambda",
            "define",
            "define_mfa",
            "Invalid lambda function output : challengeName "
            "SOFTWARE_TOKEN_MFA cannot be asked at this point of a custom flow",
        ),
        ("python", "define", "define_string_flag", "Unrecognizable lambda output"),
        (
            "python",
            "define",
            "define_password_verifier",
            "Invalid lambda function output : "
            "challengeName PASSWORD_VERIFIER cannot be asked at this point of a custom flow",
        ),
        ("lambda", "define", "not_json", "Invalid lambda function output : Invalid JSON"),
        ("python", "create", "create_nested", "Unrecognizable lambda output"),
        ("python", "verify", "not_json", "Invalid lambda function output : Invalid JSON"),
    ],
)
def test_a_bad_trigger_answer_is_invalid_lambda_response(
    cidp: Any, cserver: Server, via: str, slot: str, function: str, message: str
) -> None:
    functions = {"define": "quiz_define", "create": "quiz_create", "verify": "quiz_verify"}
    functions[slot] = function
    app = make_custom_app(
        cidp, cserver, via, functions["define"], functions["create"], functions["verify"]
    )
    app.user("ann")
    with pytest.raises(ClientError) as exc:
        session = app.initiate("ann")["Session"]
        app.answer("ann", session, "5")
    assert error_of(exc) == ("InvalidLambdaResponseException", message)


def test_without_create_or_verify_the_pool_is_misconfigured(cidp: Any, cserver: Server) -> None:
    app = make_custom_app(cidp, cserver, "python", "quiz_define", create=None)
    app.user("ann")
    with pytest.raises(ClientError) as exc:
        app.initiate("ann")
    assert error_of(exc) == (
        "InvalidUserPoolConfigurationException",
        "CreateAuthChallenge lambda trigger is not configured for the user pool.",
    )
    app = make_custom_app(cidp, cserver, "python", "quiz_define", verify=None)
    app.user("ann")
    session = app.initiate("ann")["Session"]
    with pytest.raises(ClientError) as exc:
        app.answer("ann", session, "5")
    assert error_of(exc) == (
        "InvalidUserPoolConfigurationException",
        "VerifyAuthChallengeResponse lambda trigger is not configured for the user pool.",
    )


def test_without_define_custom_auth_is_refused(cidp: Any, cserver: Server) -> None:
    pool = cidp.create_user_pool(PoolName="nodefine")["UserPool"]
    client = cidp.create_user_pool_client(UserPoolId=pool["Id"], ClientName="c")["UserPoolClient"]
    with pytest.raises(ClientError) as exc:
        cidp.initiate_auth(
            ClientId=client["ClientId"], AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": "x"}
        )
    assert error_of(exc) == (
        "InvalidParameterException",
        "Custom auth lambda trigger is not configured for the user pool.",
    )
