"""With PreventUserExistenceErrors ENABLED, unknown and existing users are told apart
neither by the answer nor by its timing: latency distributions compared side by side."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.helpers import Server

PASSWORD = "Passw0rd!"
SAMPLES = 24


def _timed(call: Callable[[], Any]) -> tuple[float, str]:
    started = time.perf_counter()
    try:
        call()
        outcome = "ok"
    except ClientError as exc:
        outcome = str(exc.response["Error"]["Code"])
    return time.perf_counter() - started, outcome


def _compare(known: list[float], unknown: list[float]) -> float:
    """Ratio of medians; the interleaved sampling keeps machine noise on both sides.

    The band (1/4 to 4) is wide because the machine may be shared; what it must catch is a
    gross gap, such as an Argon2 check (~40 ms) spent for one kind of user and not the other.
    """
    return statistics.median(unknown) / statistics.median(known)


@pytest.fixture
def hidden(
    server: Server, make_pool: Callable[..., Any], make_client: Callable[..., Any]
) -> tuple[Any, dict[str, Any], list[str]]:
    idp = server.client()
    pool = make_pool()
    client = make_client(
        pool, PreventUserExistenceErrors="ENABLED", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )
    names = [f"real{i}" for i in range(SAMPLES)]
    for name in names:
        idp.sign_up(
            ClientId=client["ClientId"],
            Username=name,
            Password=PASSWORD,
            UserAttributes=[{"Name": "email", "Value": f"{name}@example.com"}],
        )
    return idp, client, names


def test_confirm_sign_up_answers_and_times_alike(hidden: Any) -> None:
    idp, client, names = hidden
    known, unknown, outcomes = [], [], set()
    for i, name in enumerate(names):
        for bucket, who in ((known, name), (unknown, f"ghost{i}")):
            took, outcome = _timed(
                lambda who=who: idp.confirm_sign_up(
                    ClientId=client["ClientId"], Username=who, ConfirmationCode="000000"
                )
            )
            bucket.append(took)
            outcomes.add(outcome)
    assert outcomes <= {"CodeMismatchException"}
    ratio = _compare(known, unknown)
    assert 0.25 < ratio < 4.0, (ratio, sorted(known), sorted(unknown))


def test_sign_in_answers_and_times_alike(hidden: Any) -> None:
    idp, client, names = hidden
    for name in names[: SAMPLES // 2]:
        idp.admin_confirm_sign_up(UserPoolId=client["UserPoolId"], Username=name)
    known, unknown, outcomes = [], [], set()
    for i, name in enumerate(names[: SAMPLES // 2]):
        for bucket, who in ((known, name), (unknown, f"ghost{i}")):
            took, outcome = _timed(
                lambda who=who: idp.initiate_auth(
                    AuthFlow="USER_PASSWORD_AUTH",
                    ClientId=client["ClientId"],
                    AuthParameters={"USERNAME": who, "PASSWORD": "Wr0ng!pass"},
                )
            )
            bucket.append(took)
            outcomes.add(outcome)
    assert outcomes == {"NotAuthorizedException"}
    ratio = _compare(known, unknown)
    assert 0.25 < ratio < 4.0, (ratio, sorted(known), sorted(unknown))
