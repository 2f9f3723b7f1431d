"""The time rule of CUSTOM_AUTH's Sessions, on a fake clock: each challenge's Session lives
the app client's ``AuthSessionValidity`` minutes (default 3) from when it was answered, and
an expired one is "Invalid session for the user, session is expired."."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.harness import CallError, InProcess

ARN = "arn:aws:lambda:us-east-1:123456789012:function:{}"
FUNCTIONS = ("quiz_define", "quiz_create", "quiz_verify")
EXPIRED = ("NotAuthorizedException", "Invalid session for the user, session is expired.")


@pytest.fixture
def custom(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[InProcess]:
    """Services whose quiz triggers run as Python callables in this process."""
    monkeypatch.setenv("TRIGGER_EVENTS", str(tmp_path / "events.jsonl"))
    routes = {ARN.format(n): f"python:tests.custom_auth_functions:{n}" for n in FUNCTIONS}
    harness = InProcess(tmp_path / "inproc", triggers=routes)
    yield harness
    harness.close()


def _app(custom: InProcess, **client: Any) -> tuple[str, str]:
    idp = custom.idp
    config = {
        "DefineAuthChallenge": ARN.format("quiz_define"),
        "CreateAuthChallenge": ARN.format("quiz_create"),
        "VerifyAuthChallengeResponse": ARN.format("quiz_verify"),
    }
    pool = idp.create_user_pool(PoolName="timed", LambdaConfig=config)["UserPool"]["Id"]
    made = idp.create_user_pool_client(
        UserPoolId=pool, ClientName="c", ExplicitAuthFlows=["ALLOW_CUSTOM_AUTH"], **client
    )
    idp.admin_create_user(UserPoolId=pool, Username="ann", MessageAction="SUPPRESS")
    return pool, str(made["UserPoolClient"]["ClientId"])


def _start(custom: InProcess, client: str) -> str:
    first = custom.idp.initiate_auth(
        ClientId=client, AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": "ann"}
    )
    return str(first["Session"])


def _answer(custom: InProcess, client: str, session: str, answer: str) -> dict[str, Any]:
    return custom.idp.respond_to_auth_challenge(
        ClientId=client,
        ChallengeName="CUSTOM_CHALLENGE",
        Session=session,
        ChallengeResponses={"USERNAME": "ann", "ANSWER": answer},
    )


def test_a_custom_challenge_expires_after_three_minutes(custom: InProcess) -> None:
    _, client = _app(custom)
    session = _start(custom, client)
    custom.clock.advance(181)
    with pytest.raises(CallError) as exc:
        _answer(custom, client, session, "5")
    assert (exc.value.code, exc.value.message) == EXPIRED
    session = _start(custom, client)
    custom.clock.advance(170)
    assert "AuthenticationResult" in _answer(custom, client, session, "5")


def test_each_new_challenge_lives_its_own_validity(custom: InProcess) -> None:
    _, client = _app(custom, AuthSessionValidity=5)
    session = _start(custom, client)
    custom.clock.advance(290)
    session = _answer(custom, client, session, "4")["Session"]  # wrong: a new challenge
    custom.clock.advance(290)  # 580 s after the start, 290 s after the new one
    assert "AuthenticationResult" in _answer(custom, client, session, "5")
    session = _start(custom, client)
    custom.clock.advance(301)
    with pytest.raises(CallError) as exc:
        _answer(custom, client, session, "5")
    assert (exc.value.code, exc.value.message) == EXPIRED
