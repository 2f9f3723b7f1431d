"""With PreventUserExistenceErrors ENABLED, unknown and existing users are told apart
neither by the answer nor by its timing: latency distributions compared side by side."""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.helpers import Server

PASSWORD = "Passw0rd!"
SAMPLES = 24


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server of its own on normal hashing: the gaps these tests must catch are Argon2
    work (~25-40 ms) spent for one kind of user and not the other."""
    srv = Server(tmp_path_factory.mktemp("timing"), hashing="normal").start()
    yield srv
    srv.stop()


def _timed(call: Callable[..., Any]) -> tuple[float, str]:
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
    known: list[float] = []
    unknown: list[float] = []
    outcomes: set[str] = set()
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
    known: list[float] = []
    unknown: list[float] = []
    outcomes: set[str] = set()
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


def test_srp_challenges_and_answers_time_alike(
    server: Server, make_pool: Callable[..., Any], make_client: Callable[..., Any]
) -> None:
    """SRP's first step (a modular exponentiation and a stored session) and its answer (the
    lockout's count and the proof's check) cost the same for a ghost as for a user."""
    from pycognito.aws_srp import AWSSRP

    idp = server.client()
    pool = make_pool()
    cid = make_client(
        pool, PreventUserExistenceErrors="ENABLED", ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH"]
    )["ClientId"]
    names = [f"srp{i}" for i in range(SAMPLES // 2)]
    for name in names:
        idp.sign_up(ClientId=cid, Username=name, Password=PASSWORD)
        idp.admin_confirm_sign_up(UserPoolId=pool["Id"], Username=name)
    starts: tuple[list[float], list[float]] = ([], [])
    answers: tuple[list[float], list[float]] = ([], [])
    for i, name in enumerate(names):
        for side, who in ((0, name), (1, f"ghost-srp{i}")):
            aws = AWSSRP(who, "Wr0ng!pass", pool["Id"], cid, client=idp)
            params = aws.get_auth_params()
            took, outcome = _timed(
                lambda p=params: idp.initiate_auth(
                    AuthFlow="USER_SRP_AUTH", ClientId=cid, AuthParameters=p
                )
            )
            assert outcome == "ok"
            starts[side].append(took)
            challenge = idp.initiate_auth(
                AuthFlow="USER_SRP_AUTH", ClientId=cid, AuthParameters=params
            )
            reply = aws.process_challenge(challenge["ChallengeParameters"], params)
            took, outcome = _timed(
                lambda r=reply: idp.respond_to_auth_challenge(
                    ClientId=cid, ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=r
                )
            )
            assert outcome == "NotAuthorizedException"
            answers[side].append(took)
    for known, unknown in (starts, answers):
        ratio = _compare(known, unknown)
        assert 0.25 < ratio < 4.0, (ratio, sorted(known), sorted(unknown))


MASKED_EMAIL = re.compile(r"^[^*]\*\*\*@[^*]\*\*\*$")


@pytest.fixture
def verified(
    server: Server, make_pool: Callable[..., Any], make_client: Callable[..., Any]
) -> tuple[Any, dict[str, Any], list[str]]:
    """An ENABLED client of a pool that sends codes; SAMPLES users, half of them confirmed."""
    idp = server.client()
    pool = make_pool(AutoVerifiedAttributes=["email"])
    client = make_client(pool, PreventUserExistenceErrors="ENABLED")
    names = [f"tv{i}-{pool['Id'][-6:].lower()}" for i in range(SAMPLES)]
    for i, name in enumerate(names):
        email = f"{name}@timing.example.com"
        idp.sign_up(
            ClientId=client["ClientId"],
            Username=name,
            Password=PASSWORD,
            UserAttributes=[{"Name": "email", "Value": email}],
        )
        if i % 2 == 0:
            code = server.code(email)
            idp.confirm_sign_up(ClientId=client["ClientId"], Username=name, ConfirmationCode=code)
    return idp, client, names


def _alike(
    idp: Any, names: list[str], call: Callable[[str], dict[str, Any]]
) -> tuple[float, set[str]]:
    """Median ratio (unknown/known) and the shapes of the answers' delivery details."""
    known: list[float] = []
    unknown: list[float] = []
    shapes: set[str] = set()
    for i, name in enumerate(names):
        for bucket, who in ((known, name), (unknown, f"ghost{i}-{name}")):
            started = time.perf_counter()
            details = call(who)["CodeDeliveryDetails"]
            bucket.append(time.perf_counter() - started)
            assert MASKED_EMAIL.match(details["Destination"]), details
            shapes.add(f"{details['DeliveryMedium']}/{details['AttributeName']}")
    return _compare(known, unknown), shapes


def test_forgot_password_answers_and_times_alike(verified: Any) -> None:
    idp, client, names = verified
    confirmed = names[0::2]
    ratio, shapes = _alike(
        idp, confirmed, lambda who: idp.forgot_password(ClientId=client["ClientId"], Username=who)
    )
    assert shapes == {"EMAIL/email"}
    assert 0.25 < ratio < 4.0, ratio


def test_resend_confirmation_code_answers_and_times_alike(verified: Any) -> None:
    idp, client, names = verified
    unconfirmed = names[1::2]
    ratio, shapes = _alike(
        idp,
        unconfirmed,
        lambda who: idp.resend_confirmation_code(ClientId=client["ClientId"], Username=who),
    )
    assert shapes == {"EMAIL/email"}
    assert 0.25 < ratio < 4.0, ratio


def test_a_wrong_secret_hash_takes_as_long_however_close_it_is(
    server: Server, make_pool: Callable[..., Any], make_client: Callable[..., Any]
) -> None:
    """Secret hashes are compared with hmac.compare_digest; this catches any gross gap
    (an early exit that skips work) between a hash wrong at its start and one wrong only at
    its end. Nanosecond differences are below what a network timing can see."""
    import base64
    import hashlib
    import hmac

    idp = server.client()
    client = make_client(make_pool(), GenerateSecret=True)
    cid, secret = client["ClientId"], client["ClientSecret"]
    right = base64.b64encode(
        hmac.new(secret.encode(), f"sh-user{cid}".encode(), hashlib.sha256).digest()
    ).decode()
    near = right[:-2] + ("A" if right[-2] != "A" else "B") + right[-1]
    far = ("A" if right[0] != "A" else "B") + right[1:]
    samples: dict[str, list[float]] = {"near": [], "far": []}
    for _ in range(SAMPLES):
        for kind, given in (("near", near), ("far", far)):
            took, outcome = _timed(
                lambda given=given: idp.confirm_sign_up(
                    ClientId=cid, Username="sh-user", ConfirmationCode="000000", SecretHash=given
                )
            )
            assert outcome == "NotAuthorizedException"
            samples[kind].append(took)
    ratio = _compare(samples["near"], samples["far"])
    assert 0.25 < ratio < 4.0, ratio
