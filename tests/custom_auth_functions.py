"""Custom authentication triggers for the tests: DefineAuthChallenge, CreateAuthChallenge and
VerifyAuthChallengeResponse functions, written as a pool's Lambda functions would be.

The same functions run two ways: as Python callables inside the server
(``python:tests.custom_auth_functions:<name>``) and behind the tests' fake Lambda Invoke
endpoint (tests/api/test_custom_auth.py). Each records the event it got, as one JSON line
in $TRIGGER_EVENTS, so tests read what the server sent.

Two examples as apps build them:

* question and answer (``quiz_*``): one question at a time; a wrong answer may be retried
  twice, the third wrong one fails; ``quiz3_define`` wants three right answers in a row;
  a flow begun with SRP verifies the password first.
* magic link (``magic_*``), as AWS's passwordless samples do it: InitiateAuth's
  ClientMetadata does not reach CreateAuthChallenge, so the first challenge asks the app for
  its parameters; the app answers with a dummy ANSWER and ClientMetadata naming the
  redirect URI; Create then "sends" the link (recorded as ``{"magicLink": ...}``) whose
  secret the user's answer must match.
"""

from __future__ import annotations

import json
import os
import secrets
from typing import Any

QUESTIONS = [("What is 2 + 3?", "5"), ("What is 4 * 4?", "16"), ("What is 10 - 7?", "3")]


def _record(event: dict[str, Any]) -> None:
    path = os.environ.get("TRIGGER_EVENTS")
    if path:
        with open(path, "a") as out:
            out.write(json.dumps(event) + "\n")


def _session(event: dict[str, Any]) -> list[dict[str, Any]]:
    return list(event["request"]["session"])


def _decide(
    event: dict[str, Any], *, challenge: str | None = None, tokens: bool = False, fail: bool = False
) -> dict[str, Any]:
    event["response"].update(challengeName=challenge, issueTokens=tokens, failAuthentication=fail)
    return event


def _right_answers(session: list[dict[str, Any]]) -> int:
    return sum(
        1 for e in session if e["challengeName"] == "CUSTOM_CHALLENGE" and e["challengeResult"]
    )


# --- question and answer -------------------------------------------------------------------


def _srp_first(event: dict[str, Any], session: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The SRP part of a flow begun with SRP_A: PASSWORD_VERIFIER, then the custom part."""
    if session and session[-1]["challengeName"] == "SRP_A":
        return _decide(event, challenge="PASSWORD_VERIFIER")
    if session and session[-1]["challengeName"] == "PASSWORD_VERIFIER":
        if not session[-1]["challengeResult"]:
            return _decide(event, fail=True)
        return _decide(event, challenge="CUSTOM_CHALLENGE")
    return None


def quiz_define(event: dict[str, Any]) -> dict[str, Any]:
    _record(event)
    session = _session(event)
    srp = _srp_first(event, session)
    if srp is not None:
        return srp
    if session and session[-1]["challengeName"] == "CUSTOM_CHALLENGE":
        if session[-1]["challengeResult"]:
            return _decide(event, tokens=True)
        wrong = [e for e in session if e["challengeName"] == "CUSTOM_CHALLENGE"]
        if len(wrong) >= 3:
            return _decide(event, fail=True)
    return _decide(event, challenge="CUSTOM_CHALLENGE")


def quiz3_define(event: dict[str, Any]) -> dict[str, Any]:
    """Three right answers in a row, any wrong one fails."""
    _record(event)
    session = _session(event)
    if session and not session[-1]["challengeResult"]:
        return _decide(event, fail=True)
    if _right_answers(session) >= 3:
        return _decide(event, tokens=True)
    return _decide(event, challenge="CUSTOM_CHALLENGE")


def quiz_create(event: dict[str, Any]) -> dict[str, Any]:
    _record(event)
    number = _right_answers(_session(event))
    question, answer = QUESTIONS[number % len(QUESTIONS)]
    event["response"].update(
        publicChallengeParameters={"question": question, "attempt": len(_session(event)) + 1},
        privateChallengeParameters={"answer": answer},
        challengeMetadata=f"QUESTION-{number + 1}",
    )
    return event


def quiz_verify(event: dict[str, Any]) -> dict[str, Any]:
    _record(event)
    expected = event["request"]["privateChallengeParameters"]["answer"]
    event["response"]["answerCorrect"] = event["request"]["challengeAnswer"] == expected
    return event


def endless_define(event: dict[str, Any]) -> dict[str, Any]:
    """Never decides: always another challenge, whatever the answers."""
    _record(event)
    return _decide(event, challenge="CUSTOM_CHALLENGE")


# --- magic link -----------------------------------------------------------------------------


def magic_define(event: dict[str, Any]) -> dict[str, Any]:
    _record(event)
    session = _session(event)
    if not session:
        return _decide(event, challenge="CUSTOM_CHALLENGE")
    last = session[-1]
    if last["challengeMetadata"] == "PROVIDE_AUTH_PARAMETERS" and len(session) < 3:
        return _decide(event, challenge="CUSTOM_CHALLENGE")
    if last["challengeMetadata"] == "MAGIC_LINK" and last["challengeResult"]:
        return _decide(event, tokens=True)
    return _decide(event, fail=True)


def magic_create(event: dict[str, Any]) -> dict[str, Any]:
    _record(event)
    metadata = event["request"].get("clientMetadata") or {}
    if metadata.get("signInMethod") != "MAGIC_LINK":
        event["response"].update(
            publicChallengeParameters={"nextStep": "PROVIDE_AUTH_PARAMETERS"},
            privateChallengeParameters={},
            challengeMetadata="PROVIDE_AUTH_PARAMETERS",
        )
        return event
    secret = secrets.token_urlsafe(24)
    email = event["request"]["userAttributes"]["email"]
    link = f"{metadata['redirectUri']}#{event['userName']}.{secret}"
    _record({"magicLink": link, "to": email, "userPoolId": event["userPoolId"]})
    event["response"].update(
        publicChallengeParameters={"nextStep": "CHECK_EMAIL", "email": email[:1] + "***"},
        privateChallengeParameters={"secret": secret},
        challengeMetadata="MAGIC_LINK",
    )
    return event


def magic_verify(event: dict[str, Any]) -> dict[str, Any]:
    _record(event)
    expected = event["request"]["privateChallengeParameters"].get("secret")
    answer = event["request"]["challengeAnswer"]
    event["response"]["answerCorrect"] = bool(expected) and answer.endswith("." + expected)
    return event


# --- functions that go wrong ----------------------------------------------------------------


def echo(event: dict[str, Any]) -> dict[str, Any]:
    """Answers the event as it came: a Define that decides nothing."""
    _record(event)
    return event


def boom(event: dict[str, Any]) -> dict[str, Any]:
    _record(event)
    raise RuntimeError("boom")


def not_json(event: dict[str, Any]) -> Any:
    _record(event)
    return {1, 2}


def define_mfa(event: dict[str, Any]) -> dict[str, Any]:
    """Asks for an MFA challenge, which a custom flow cannot ask."""
    _record(event)
    return _decide(event, challenge="SOFTWARE_TOKEN_MFA")


def define_password_verifier(event: dict[str, Any]) -> dict[str, Any]:
    """Asks for SRP's PASSWORD_VERIFIER in a flow that did not begin with SRP."""
    _record(event)
    return _decide(event, challenge="PASSWORD_VERIFIER")


def define_string_flag(event: dict[str, Any]) -> dict[str, Any]:
    _record(event)
    event["response"]["issueTokens"] = "true"
    return event


def create_nested(event: dict[str, Any]) -> dict[str, Any]:
    _record(event)
    event["response"]["publicChallengeParameters"] = {"question": {"text": "nested"}}
    return event
