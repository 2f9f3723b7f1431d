"""CUSTOM_AUTH with the JavaScript clients (driver: tests/js/custom_flow.mjs), against the
question-and-answer triggers of tests/custom_auth_functions.py: amazon-cognito-identity-js's
``initiateAuth`` and ``authenticateUser`` (SRP first) with the ``customChallenge`` callback
and ``sendCustomChallengeAnswer``, and Amplify JS v6's ``signIn`` with ``CUSTOM_WITHOUT_SRP``
and ``CUSTOM_WITH_SRP`` then ``confirmSignIn`` with the answers."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.custom_auth_helpers import PASSWORD, CustomApp, custom_server, make_custom_app
from tests.helpers import ROOT, Server

SCRIPT = ROOT / "tests" / "js" / "custom_flow.mjs"
QUESTION = {"question": "What is 2 + 3?", "attempt": "1", "USERNAME": "ann"}
SRP_A = {"challengeName": "SRP_A", "challengeResult": True, "challengeMetadata": None}
VERIFIED = {
    "challengeName": "PASSWORD_VERIFIER",
    "challengeResult": True,
    "challengeMetadata": None,
}


@pytest.fixture(scope="module")
def cserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with custom_server(tmp_path_factory.mktemp("customjs")) as srv:
        yield srv


def _app(cserver: Server) -> CustomApp:
    app = make_custom_app(cserver.client(), cserver, "python", "quiz_define")
    app.user("ann")
    return app


def _run(node: str, app: CustomApp, mode: str, answers: str) -> dict[str, Any]:
    args = {
        "mode": mode,
        "endpoint": app.server.url,
        "pool-id": app.pool_id,
        "client-id": app.client_id,
        "username": "ann",
        "password": PASSWORD,
        "answers": answers,
    }
    argv = [node, str(SCRIPT)]
    for key, value in args.items():
        argv += [f"--{key}", value]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, (mode, done.stderr, done.stdout)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_identity_js_answers_custom_challenges(node: str, cserver: Server) -> None:
    app = _app(cserver)
    out = _run(node, app, "identity-js", "4,5")
    assert out["steps"] == ["customChallenge", "customChallenge", "onSuccess"]
    assert out["parameters"][0] == QUESTION
    assert out["parameters"][1]["attempt"] == "2"
    assert out["claims"]["cognito:username"] == "ann"
    verified = app.events("VerifyAuthChallengeResponse_Authentication")
    assert [e["request"]["challengeAnswer"] for e in verified] == ["4", "5"]
    assert {e["request"]["clientMetadata"]["client"] for e in verified} == {"identity-js"}


def test_identity_js_verifies_the_password_first(node: str, cserver: Server) -> None:
    app = _app(cserver)
    out = _run(node, app, "identity-js-srp", "5")
    assert out["steps"] == ["customChallenge", "onSuccess"]
    assert app.sessions_seen()[:2] == [[SRP_A], [SRP_A, VERIFIED]]


@pytest.mark.parametrize("mode", ["amplify-without-srp", "amplify-with-srp"])
def test_amplify_confirms_sign_in_with_the_answers(node: str, cserver: Server, mode: str) -> None:
    app = _app(cserver)
    out = _run(node, app, mode, "4,5")
    assert out["steps"] == [
        "CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE",
        "CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE",
        "DONE",
    ]
    assert out["parameters"][0]["question"] == "What is 2 + 3?"
    assert out["claims"]["cognito:username"] == "ann"
    first = app.sessions_seen()[0]
    assert first == ([SRP_A] if mode == "amplify-with-srp" else [])
    verified = app.events("VerifyAuthChallengeResponse_Authentication")
    assert {e["request"]["clientMetadata"]["client"] for e in verified} == {"amplify"}
