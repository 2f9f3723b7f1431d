"""Message floods: at most N messages an hour to one address of a pool (default 10), whatever
the operation (SignUp, ResendConfirmationCode, ForgotPassword, EMAIL_OTP sign-in codes,
AdminCreateUser invitations) or the user; past it LimitExceededException, with nothing
queued and no new code left behind (SignUp keeps its UNCONFIRMED user, as Cognito does).
The count lives in the store: two servers on one database share it, and it survives a
restart. Settings and flags change the caps.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.factories import confirmed_user, sign_up
from tests.helpers import Server, error_of, outcome

PASSWORD = "Passw0rd!"
FLOWS = ["ALLOW_USER_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
OTP_POLICY = {"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP"]}}
LIMITED = "LimitExceededException"
# Standard-mode SDKs retry LimitExceededException; a retried SignUp would then meet the
# user its first try created (UsernameExistsException), as with Cognito.
ONE_TRY = {"total_max_attempts": 1}


def _outcome(call: Callable[..., Any]) -> str:
    return outcome(call)[0]


def _app(idp: Any, hide: bool = False, **pool: Any) -> tuple[str, str]:
    """(pool id, client id) of a new pool that verifies emails and a client of it."""
    pool_id = idp.create_user_pool(PoolName="floods", AutoVerifiedAttributes=["email"], **pool)[
        "UserPool"
    ]["Id"]
    client = idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="app",
        ExplicitAuthFlows=FLOWS,
        PreventUserExistenceErrors="ENABLED" if hide else "LEGACY",
    )
    return pool_id, client["UserPoolClient"]["ClientId"]


def _sent(server: Server, pool_id: str, email: str) -> int:
    rows = server.sql(
        "SELECT count(*) FROM outbox WHERE pool_id=? AND lower(destination)=?",
        pool_id,
        email.lower(),
    )
    return int(rows[0][0])


def _otp(idp: Any, cid: str, name: str) -> dict[str, Any]:
    return dict(
        idp.initiate_auth(
            AuthFlow="USER_AUTH",
            ClientId=cid,
            AuthParameters={"USERNAME": name, "PREFERRED_CHALLENGE": "EMAIL_OTP"},
        )
    )


@pytest.fixture
def idp(server: Server) -> Any:
    return server.client(retries=ONE_TRY)


def test_sign_ups_naming_one_address_stop_at_its_quota_and_keep_the_user(
    idp: Any, server: Server
) -> None:
    pool_id, cid = _app(idp)
    # one address however it is spelt: the count is of the normalised address
    spellings = ["victim@example.com", "Victim@Example.COM"]
    outcomes = [
        _outcome(lambda i=i: sign_up(idp, cid, f"flood{i}", spellings[i % 2])) for i in range(11)
    ]
    assert outcomes == ["ok"] * 10 + [LIMITED]
    with pytest.raises(ClientError) as exc:
        sign_up(idp, cid, "flood11", "victim@example.com")
    assert error_of(exc) == (LIMITED, "Attempt limit exceeded, please try after some time.")
    assert _sent(server, pool_id, "victim@example.com") == 10
    # as Cognito: the refused sign-up still created its user, UNCONFIRMED, with no code
    user = idp.admin_get_user(UserPoolId=pool_id, Username="flood10")
    assert user["UserStatus"] == "UNCONFIRMED"
    sub = next(a["Value"] for a in user["UserAttributes"] if a["Name"] == "sub")
    assert server.sql("SELECT count(*) FROM codes WHERE sub=?", sub) == [(0,)]
    with pytest.raises(ClientError) as exc:
        sign_up(idp, cid, "flood10", "victim@example.com")
    assert error_of(exc)[0] == "UsernameExistsException"
    # other addresses, and the same address in another pool, have their own counts
    sign_up(idp, cid, "other", "someone@example.com")
    other_pool, other_cid = _app(idp)
    sign_up(idp, other_cid, "flood0", "victim@example.com")
    assert _sent(server, other_pool, "victim@example.com") == 1


def test_text_messages_to_one_phone_number_are_limited_alike(idp: Any, server: Server) -> None:
    pool_id = idp.create_user_pool(PoolName="sms", AutoVerifiedAttributes=["phone_number"])[
        "UserPool"
    ]["Id"]
    cid = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="app")["UserPoolClient"][
        "ClientId"
    ]

    def sign_up(i: int) -> None:
        idp.sign_up(
            ClientId=cid,
            Username=f"texted{i}",
            Password=PASSWORD,
            UserAttributes=[{"Name": "phone_number", "Value": "+15555550199"}],
        )

    assert [_outcome(lambda i=i: sign_up(i)) for i in range(11)] == ["ok"] * 10 + [LIMITED]
    rows = server.sql(
        "SELECT count(*) FROM outbox WHERE pool_id=? AND medium='SMS' AND destination=?",
        pool_id,
        "+15555550199",
    )
    assert rows == [(10,)]


def test_a_refused_resend_leaves_the_earlier_code_valid(idp: Any, server: Server) -> None:
    pool_id, cid = _app(idp)
    sign_up(idp, cid, "ann", "shared@floods.example.com")
    first = server.code("shared@floods.example.com")
    for i in range(9):
        sign_up(idp, cid, f"squatter{i}", "shared@floods.example.com")
    with pytest.raises(ClientError) as exc:
        idp.resend_confirmation_code(ClientId=cid, Username="ann")
    assert error_of(exc)[0] == LIMITED
    assert _sent(server, pool_id, "shared@floods.example.com") == 10
    idp.confirm_sign_up(ClientId=cid, Username="ann", ConfirmationCode=first)
    assert idp.admin_get_user(UserPoolId=pool_id, Username="ann")["UserStatus"] == "CONFIRMED"


def test_forgot_password_requests_of_several_users_stop_at_the_address_quota(
    idp: Any, server: Server
) -> None:
    pool_id, cid = _app(idp)
    email = "family@floods.example.com"  # three users share one verified address
    for name in ("mum", "dad", "kid"):
        confirmed_user(idp, server, cid, name, email)
    outcomes = [
        _outcome(lambda n=n: idp.forgot_password(ClientId=cid, Username=n))
        for n in ["mum"] * 5 + ["dad"] * 3
    ]
    # 3 sign-up codes + 7 recovery codes; each user is under their own 5 per hour
    assert outcomes == ["ok"] * 7 + [LIMITED]
    assert _sent(server, pool_id, email) == 10
    with pytest.raises(ClientError) as exc:
        idp.forgot_password(ClientId=cid, Username="kid")
    assert error_of(exc)[0] == LIMITED


def test_clients_hiding_users_answer_as_usual_over_the_quota_and_send_nothing(
    idp: Any, server: Server
) -> None:
    pool_id, cid = _app(idp, hide=True, Policies={"SignInPolicy": OTP_POLICY["SignInPolicy"]})
    email = "hidden@floods.example.com"
    confirmed_user(idp, server, cid, "hal", email)
    for i in range(9):
        sign_up(idp, cid, f"squat{i}", email)
    assert _sent(server, pool_id, email) == 10
    real = idp.forgot_password(ClientId=cid, Username="hal")["CodeDeliveryDetails"]
    unknown = idp.forgot_password(ClientId=cid, Username="nobody")["CodeDeliveryDetails"]
    assert real["DeliveryMedium"] == unknown["DeliveryMedium"] == "EMAIL"
    resent = idp.resend_confirmation_code(ClientId=cid, Username="squat0")
    assert resent["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    assert _otp(idp, cid, "hal")["ChallengeName"] == "EMAIL_OTP"
    assert _sent(server, pool_id, email) == 10


def test_email_sign_in_codes_count_against_the_same_quota(idp: Any, server: Server) -> None:
    pool_id, cid = _app(idp, Policies=OTP_POLICY)
    email = "otp@floods.example.com"
    sign_up(idp, cid, "ola", email)  # 1
    for _ in range(3):  # 4
        idp.resend_confirmation_code(ClientId=cid, Username="ola")
    idp.confirm_sign_up(ClientId=cid, Username="ola", ConfirmationCode=server.code(email))
    for _ in range(3):  # 7
        idp.forgot_password(ClientId=cid, Username="ola")
    for _ in range(3):  # 10
        last = _otp(idp, cid, "ola")
        assert last["ChallengeName"] == "EMAIL_OTP"
    code = re.findall(r"\d{8}", server.messages(email)[-1])[-1]
    with pytest.raises(ClientError) as exc:
        _otp(idp, cid, "ola")
    assert error_of(exc)[0] == LIMITED
    # ForgotPassword is under its own 5 per hour, but the address is at its quota
    with pytest.raises(ClientError) as exc:
        idp.forgot_password(ClientId=cid, Username="ola")
    assert error_of(exc)[0] == LIMITED
    assert _sent(server, pool_id, email) == 10
    # the last code sent still signs in: the refusals queued nothing and replaced nothing
    done = idp.respond_to_auth_challenge(
        ClientId=cid,
        ChallengeName="EMAIL_OTP",
        Session=last["Session"],
        ChallengeResponses={"USERNAME": "ola", "EMAIL_OTP_CODE": code},
    )
    assert "IdToken" in done["AuthenticationResult"]


def test_invitations_count_and_a_refused_one_creates_no_user(idp: Any, server: Server) -> None:
    pool_id, _ = _app(idp)
    email = "invited@floods.example.com"

    def invite(name: str, **extra: Any) -> None:
        idp.admin_create_user(
            UserPoolId=pool_id,
            Username=name,
            UserAttributes=[{"Name": "email", "Value": email}],
            **extra,
        )

    outcomes = [_outcome(lambda i=i: invite(f"guest{i}")) for i in range(11)]
    assert outcomes == ["ok"] * 10 + [LIMITED]
    with pytest.raises(ClientError) as exc:
        idp.admin_get_user(UserPoolId=pool_id, Username="guest10")
    assert error_of(exc)[0] == "UserNotFoundException"
    invite("guest10", MessageAction="SUPPRESS")  # nothing to send, nothing to limit
    assert _sent(server, pool_id, email) == 10


def _pair(tmp_path: Path, *flags: str, env: dict[str, str] | None = None) -> list[Server]:
    (tmp_path / "one").mkdir(mode=0o700)  # private, as a data folder should be
    one = Server(tmp_path / "one", *flags, env=env).start()
    return [one, one.twin(tmp_path / "two").start()]


def test_two_servers_on_one_database_share_the_count_and_it_survives_a_restart(
    tmp_path: Path, started: list[Server]
) -> None:
    started.extend(_pair(tmp_path, env={"USERPOOL_MESSAGES_PER_DESTINATION_PER_HOUR": "4"}))
    pool_id, cid = _app(started[0].client(retries=ONE_TRY))
    clients = [srv.client(retries=ONE_TRY) for srv in started]
    outcomes = [
        _outcome(lambda i=i: sign_up(clients[i % 2], cid, f"two{i}", "both@example.com"))
        for i in range(6)
    ]
    assert outcomes == ["ok"] * 4 + [LIMITED] * 2
    # exact under concurrency: 8 sign-ups at once through both servers, 4 get through
    barrier = threading.Barrier(8)

    def at_once(i: int) -> str:
        barrier.wait(10)
        return _outcome(lambda: sign_up(clients[i % 2], cid, f"race{i}", "race@example.com"))

    with ThreadPoolExecutor(8) as workers:
        raced = list(workers.map(at_once, range(8)))
    assert sorted(raced) == [LIMITED] * 4 + ["ok"] * 4, raced
    assert _sent(started[0], pool_id, "race@example.com") == 4
    for srv in started:
        srv.stop()
    started[1].start()
    again = _outcome(
        lambda: sign_up(started[1].client(retries=ONE_TRY), cid, "after", "both@example.com")
    )
    assert again == LIMITED
    assert _sent(started[1], pool_id, "both@example.com") == 4


def test_settings_change_the_caps(tmp_path: Path, started: list[Server]) -> None:
    server = Server(
        tmp_path, "--messages-per-destination-per-hour", "0", "--resend-per-hour", "1"
    ).start()
    started.append(server)
    idp = server.client(retries=ONE_TRY)
    pool_id, cid = _app(idp)
    for i in range(12):  # no cap per address
        sign_up(idp, cid, f"free{i}", "free@example.com")
    assert _sent(server, pool_id, "free@example.com") == 12
    idp.resend_confirmation_code(ClientId=cid, Username="free0")
    with pytest.raises(ClientError) as exc:  # one resend per user and hour
        idp.resend_confirmation_code(ClientId=cid, Username="free0")
    assert error_of(exc)[0] == LIMITED
