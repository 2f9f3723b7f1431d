"""``domain.custom_auth``: what DefineAuthChallenge's answer leads to, how the other two
triggers' answers are read, the flow's state kept sealed, and the custom flow in the app
clients' ExplicitAuthFlows (``domain.signin``)."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.exceptions import InvalidTag

from userpool.domain import custom_auth
from userpool.domain.custom_auth import CUSTOM, FAIL, PASSWORD_VERIFIER, SRP_A, TOKENS, Entry, Flow
from userpool.domain.signin import check_flow_enabled
from userpool.errors import InvalidLambdaResponseException, InvalidParameterException


def _define(**response: Any) -> dict[str, Any]:
    return {"response": {"challengeName": None, "issueTokens": None, **response}}


def test_fail_wins_over_tokens_which_win_over_a_challenge() -> None:
    flow = Flow()
    both = _define(failAuthentication=True, issueTokens=True, challengeName=CUSTOM)
    assert custom_auth.next_step(both, flow) == FAIL
    assert custom_auth.next_step(_define(issueTokens=True, challengeName=CUSTOM), flow) == TOKENS
    assert custom_auth.next_step(_define(challengeName=CUSTOM), flow) == CUSTOM


def test_password_verifier_only_once_after_srp_a() -> None:
    asked = _define(challengeName=PASSWORD_VERIFIER)
    with pytest.raises(InvalidLambdaResponseException):
        custom_auth.next_step(asked, Flow())
    after_a = Flow([Entry(SRP_A, True)])
    assert custom_auth.next_step(asked, after_a) == PASSWORD_VERIFIER
    after_a.entries.append(Entry(PASSWORD_VERIFIER, True))
    with pytest.raises(InvalidLambdaResponseException):
        custom_auth.next_step(asked, after_a)


@pytest.mark.parametrize(
    "output",
    [
        None,
        {},
        {"response": None},
        _define(),
        _define(challengeName="SMS_MFA"),
        _define(challengeName=7),
        _define(issueTokens="true"),
        {"response": ["issueTokens"]},
    ],
)
def test_answers_that_decide_nothing_are_refused(output: Any) -> None:
    with pytest.raises(InvalidLambdaResponseException):
        custom_auth.next_step(output, Flow())


def test_the_sixteenth_entry_is_the_last() -> None:
    again = _define(challengeName=CUSTOM)
    assert custom_auth.next_step(again, Flow([Entry(CUSTOM, False)] * 15)) == CUSTOM
    assert custom_auth.next_step(again, Flow([Entry(CUSTOM, False)] * 16)) == FAIL
    assert (
        custom_auth.next_step(_define(issueTokens=True), Flow([Entry(CUSTOM, True)] * 16)) == TOKENS
    )


def test_create_answers_are_read_as_string_maps() -> None:
    made = custom_auth.created(
        {
            "response": {
                "publicChallengeParameters": {"n": 3, "ok": True, "x": 1.5, "gone": None, "s": "t"},
                "privateChallengeParameters": None,
                "challengeMetadata": "M",
            }
        }
    )
    assert made.public == {"n": "3", "ok": "true", "x": "1.5", "s": "t"}
    assert made.private == {} and made.metadata == "M"
    bad_answers: list[dict[str, Any]] = [
        {"publicChallengeParameters": {"q": {}}},
        {"challengeMetadata": 1},
    ]
    for bad in bad_answers:
        with pytest.raises(InvalidLambdaResponseException):
            custom_auth.created({"response": bad})


def test_verify_answers() -> None:
    assert custom_auth.answer_correct({"response": {"answerCorrect": True}}) is True
    assert custom_auth.answer_correct({"response": {"answerCorrect": None}}) is False
    with pytest.raises(InvalidLambdaResponseException):
        custom_auth.answer_correct({"response": {"answerCorrect": "yes"}})


def test_the_flow_is_sealed_with_a_key_of_its_token() -> None:
    flow = Flow([Entry(SRP_A, True), Entry(CUSTOM, False, "Q1")], {"answer": "5"}, "Q2", "a", "b")
    sealed = custom_auth.box(b"k" * 32, "token-1").seal(flow.dumps())
    assert "answer" not in sealed
    assert Flow.loads(custom_auth.box(b"k" * 32, "token-1").open(sealed)) == flow
    with pytest.raises(InvalidTag):
        custom_auth.box(b"k" * 32, "token-2").open(sealed)
    assert flow.session()[1] == {
        "challengeName": CUSTOM,
        "challengeResult": False,
        "challengeMetadata": "Q1",
    }


@pytest.mark.parametrize(
    ("flows", "allowed"),
    [
        (["ALLOW_CUSTOM_AUTH"], True),
        (["ALLOW_USER_SRP_AUTH", "ALLOW_USER_AUTH"], False),
        (["CUSTOM_AUTH_FLOW_ONLY"], True),
        (["USER_PASSWORD_AUTH"], True),
    ],
)
def test_which_clients_allow_custom_auth(flows: list[str], allowed: bool) -> None:
    if allowed:
        check_flow_enabled(flows, "CUSTOM_AUTH")
    else:
        with pytest.raises(InvalidParameterException):
            check_flow_enabled(flows, "CUSTOM_AUTH")
