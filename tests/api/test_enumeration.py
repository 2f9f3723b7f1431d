"""With PreventUserExistenceErrors ENABLED, one request must not tell a real user from an
unknown name: for each path, the same request for both, and the answers compared whole
(error code and message, or the response's shape and what is stable in it)."""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from typing import Any

import pytest
from pycognito.aws_srp import AWSSRP

from tests.factories import confirm as confirm_code
from tests.factories import sign_up
from tests.helpers import Server, outcome

PASSWORD = "Passw0rd!"
WRONG = ("NotAuthorizedException", "Incorrect username or password.")
FLOWS = ["ALLOW_USER_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH"]
A_HEX = "0a" * 64
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def _user(idp: Any, server: Server, cid: str, name: str, confirm: bool = True) -> str:
    user = sign_up(idp, cid, name, f"{name}@enum.example.com", PASSWORD)
    if confirm:
        confirm_code(idp, server, cid, user)
    return user.email


@pytest.fixture
def hidden(
    idp: Any, make_pool: Callable[..., Any], make_client: Callable[..., Any]
) -> tuple[dict[str, Any], str]:
    """A pool offering passwords and email codes, and an ENABLED client of it."""
    pool = make_pool(
        Policies={"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP"]}}
    )
    client = make_client(pool, ExplicitAuthFlows=FLOWS, PreventUserExistenceErrors="ENABLED")
    return pool, client["ClientId"]


def _srp_start(idp: Any, cid: str, name: str, **more: str) -> dict[str, Any]:
    params = {"USERNAME": name, "SRP_A": A_HEX, **more}
    flow = "USER_AUTH" if more else "USER_SRP_AUTH"
    return dict(idp.initiate_auth(AuthFlow=flow, ClientId=cid, AuthParameters=params))


def _shape(answer: dict[str, Any]) -> tuple[Any, ...]:
    params = answer["ChallengeParameters"]
    keys = sorted(k for k in answer if k != "ResponseMetadata")
    return answer["ChallengeName"], keys, sorted(params)


def test_srp_challenges_look_alike_and_keep_their_salt(
    idp: Any, server: Server, hidden: tuple[dict[str, Any], str]
) -> None:
    _, cid = hidden
    _user(idp, server, cid, "en-real")
    for name in ("en-real", "en-nobody"):
        for more in ({}, {"PREFERRED_CHALLENGE": "PASSWORD_SRP"}):
            first, second = _srp_start(idp, cid, name, **more), _srp_start(idp, cid, name, **more)
            assert _shape(first) == (
                "PASSWORD_VERIFIER",
                ["ChallengeName", "ChallengeParameters", "Session"],
                ["SALT", "SECRET_BLOCK", "SRP_B", "USERNAME", "USER_ID_FOR_SRP"],
            )
            one, two = first["ChallengeParameters"], second["ChallengeParameters"]
            assert one["USERNAME"] == one["USER_ID_FOR_SRP"] == name
            assert one["SALT"] == two["SALT"]  # stable per user, real or not
            assert len(one["SALT"]) in (32, 34) and len(one["SRP_B"]) >= 500
            assert one["SRP_B"] != two["SRP_B"] and one["SECRET_BLOCK"] != two["SECRET_BLOCK"]
    salts = {_srp_start(idp, cid, n)["ChallengeParameters"]["SALT"] for n in ("en-a", "en-b")}
    assert len(salts) == 2


def test_srp_refusals_look_alike(
    idp: Any, server: Server, hidden: tuple[dict[str, Any], str]
) -> None:
    pool, cid = hidden
    _user(idp, server, cid, "en-srp")
    answers: dict[str, list[tuple[str, str]]] = {}
    for name in ("en-srp", "en-nobody2"):
        got = answers.setdefault(name, [])
        bad_a = {"USERNAME": name, "SRP_A": "00"}
        got.append(
            outcome(
                lambda p=bad_a: idp.initiate_auth(
                    AuthFlow="USER_SRP_AUTH", ClientId=cid, AuthParameters=p
                )
            )
        )
        got.append(
            outcome(
                lambda n=name: idp.initiate_auth(
                    AuthFlow="USER_SRP_AUTH", ClientId=cid, AuthParameters={"USERNAME": n}
                )
            )
        )
        forged = {
            "USERNAME": name,
            "PASSWORD_CLAIM_SECRET_BLOCK": "Zm9yZ2Vk",
            "TIMESTAMP": "Mon Dec 7 10:00:00 UTC 2026",
            "PASSWORD_CLAIM_SIGNATURE": "Zm9yZ2Vk",
        }
        got.append(
            outcome(
                lambda r=forged: idp.respond_to_auth_challenge(
                    ClientId=cid, ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=r
                )
            )
        )
        aws = AWSSRP(name, "Wr0ng!pass", pool["Id"], cid, client=server.client())
        got.append(outcome(aws.authenticate_user))
    assert (
        answers["en-srp"]
        == answers["en-nobody2"]
        == [
            WRONG,
            ("InvalidParameterException", "Missing required parameter SRP_A"),
            ("NotAuthorizedException", "Invalid session for the user."),
            WRONG,
        ]
    )


def test_srp_in_email_username_pools_answers_with_a_uuid_for_anyone(
    idp: Any, server: Server, make_pool: Callable[..., Any], make_client: Callable[..., Any]
) -> None:
    pool = make_pool(UsernameAttributes=["email"])
    cid = make_client(pool, ExplicitAuthFlows=FLOWS, PreventUserExistenceErrors="ENABLED")[
        "ClientId"
    ]
    idp.sign_up(ClientId=cid, Username="en-u@enum.example.com", Password=PASSWORD)
    idp.confirm_sign_up(
        ClientId=cid,
        Username="en-u@enum.example.com",
        ConfirmationCode=server.code("en-u@enum.example.com"),
    )
    for name in ("en-u@enum.example.com", "en-nobody@enum.example.com"):
        first, second = _srp_start(idp, cid, name), _srp_start(idp, cid, name)
        one, two = first["ChallengeParameters"], second["ChallengeParameters"]
        assert UUID.fullmatch(one["USER_ID_FOR_SRP"]), one
        assert one["USERNAME"] == one["USER_ID_FOR_SRP"] == two["USER_ID_FOR_SRP"]
        assert one["SALT"] == two["SALT"]
        aws = AWSSRP(name, "Wr0ng!pass", pool["Id"], cid, client=server.client())
        assert outcome(aws.authenticate_user) == WRONG


def test_choice_based_sign_in_looks_alike(
    idp: Any, server: Server, hidden: tuple[dict[str, Any], str]
) -> None:
    """The list comes from the pool; every offered factor leads to the same next step."""
    _, cid = hidden
    _user(idp, server, cid, "en-choice")
    _user(idp, server, cid, "en-unverified", confirm=False)  # no verified email, unconfirmed
    seen: dict[str, list[Any]] = {}
    for name in ("en-choice", "en-unverified", "en-nobody3"):
        got = seen.setdefault(name, [])
        start = idp.initiate_auth(
            AuthFlow="USER_AUTH", ClientId=cid, AuthParameters={"USERNAME": name}
        )
        got.append((start["ChallengeName"], start["AvailableChallenges"], "Session" in start))
        otp = idp.respond_to_auth_challenge(
            ClientId=cid,
            ChallengeName="SELECT_CHALLENGE",
            Session=start["Session"],
            ChallengeResponses={"USERNAME": name, "ANSWER": "EMAIL_OTP"},
        )
        params = otp["ChallengeParameters"]
        got.append((otp["ChallengeName"], params["CODE_DELIVERY_DELIVERY_MEDIUM"]))
        assert re.fullmatch(r"e\*\*\*@\w\*\*\*", params["CODE_DELIVERY_DESTINATION"]), params
        got.append(
            outcome(
                lambda n=name, s=otp["Session"]: idp.respond_to_auth_challenge(
                    ClientId=cid,
                    ChallengeName="EMAIL_OTP",
                    Session=s,
                    ChallengeResponses={"USERNAME": n, "EMAIL_OTP_CODE": "12345678"},
                )
            )
        )
        pw = idp.initiate_auth(
            AuthFlow="USER_AUTH",
            ClientId=cid,
            AuthParameters={"USERNAME": name, "PREFERRED_CHALLENGE": "PASSWORD"},
        )
        got.append((pw["ChallengeName"], "Session" in pw))
        got.append(
            outcome(
                lambda n=name, s=pw["Session"]: idp.respond_to_auth_challenge(
                    ClientId=cid,
                    ChallengeName="PASSWORD",
                    Session=s,
                    ChallengeResponses={"USERNAME": n, "PASSWORD": "Wr0ng!pass"},
                )
            )
        )
        got.append(
            outcome(
                lambda n=name: idp.initiate_auth(
                    AuthFlow="USER_AUTH",
                    ClientId=cid,
                    AuthParameters={"USERNAME": n, "PREFERRED_CHALLENGE": "SMS_OTP"},
                )
            )
        )
    assert (
        seen["en-choice"]
        == seen["en-unverified"]
        == seen["en-nobody3"]
        == [
            ("SELECT_CHALLENGE", ["PASSWORD", "PASSWORD_SRP", "EMAIL_OTP"], True),
            ("EMAIL_OTP", "EMAIL"),
            ("CodeMismatchException", "Invalid code received for user"),
            ("PASSWORD", True),
            WRONG,
            ("InvalidParameterException", "The requested challenge SMS_OTP is not available."),
        ]
    )
    assert not server.messages("en-unverified@enum.example.com")[1:]  # no code was sent


def _wrong_passwords(idp: Any, cid: str, name: str, times: int) -> list[tuple[str, str]]:
    return [
        outcome(
            lambda: idp.initiate_auth(
                AuthFlow="USER_PASSWORD_AUTH",
                ClientId=cid,
                AuthParameters={"USERNAME": name, "PASSWORD": "Wr0ng!pass"},
            )
        )
        for _ in range(times)
    ]


def test_unknown_names_are_locked_out_like_real_users(
    idp: Any, server: Server, hidden: tuple[dict[str, Any], str]
) -> None:
    _, cid = hidden
    _user(idp, server, cid, "en-lock")
    real = _wrong_passwords(idp, cid, "en-lock", 6)
    nobody = _wrong_passwords(idp, cid, "en-nobody4", 6)
    assert (
        real == nobody == [WRONG] * 5 + [("NotAuthorizedException", "Password attempts exceeded")]
    )
    # wrong SRP proofs count toward the same lockout, for both
    _user(idp, server, cid, "en-lock-srp")
    for name in ("en-lock-srp", "en-nobody4-srp"):
        aws = AWSSRP(name, "Wr0ng!pass", hidden[0]["Id"], cid, client=server.client())
        assert [outcome(aws.authenticate_user) for _ in range(5)] == [WRONG] * 5
        assert _wrong_passwords(idp, cid, name, 1) == [
            ("NotAuthorizedException", "Password attempts exceeded")
        ]


def test_unconfirmed_and_disabled_users_hear_so_only_after_the_right_password(
    idp: Any, server: Server, hidden: tuple[dict[str, Any], str]
) -> None:
    pool, cid = hidden
    _user(idp, server, cid, "en-unconf", confirm=False)
    _user(idp, server, cid, "en-off")
    idp.admin_disable_user(UserPoolId=pool["Id"], Username="en-off")
    for name in ("en-unconf", "en-off", "en-nobody5"):
        assert _wrong_passwords(idp, cid, name, 1) == [WRONG]
        srp = _srp_start(idp, cid, name)
        assert srp["ChallengeName"] == "PASSWORD_VERIFIER"
        aws = AWSSRP(name, "Wr0ng!pass", pool["Id"], cid, client=server.client())
        assert outcome(aws.authenticate_user) == WRONG

    def right(name: str) -> tuple[str, str]:
        return outcome(
            lambda: idp.initiate_auth(
                AuthFlow="USER_PASSWORD_AUTH",
                ClientId=cid,
                AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD},
            )
        )

    assert right("en-unconf") == ("UserNotConfirmedException", "User is not confirmed.")
    assert right("en-off") == ("NotAuthorizedException", "User is disabled.")
    aws = AWSSRP("en-off", PASSWORD, pool["Id"], cid, client=server.client())
    assert outcome(aws.authenticate_user) == ("NotAuthorizedException", "User is disabled.")


def test_legacy_clients_still_tell_disabled_users_at_once(
    idp: Any, server: Server, make_client: Callable[..., Any], hidden: tuple[dict[str, Any], str]
) -> None:
    pool, cid = hidden
    legacy = make_client(pool, ExplicitAuthFlows=FLOWS)["ClientId"]
    _user(idp, server, cid, "en-legacy-off")
    idp.admin_disable_user(UserPoolId=pool["Id"], Username="en-legacy-off")
    assert _wrong_passwords(idp, legacy, "en-legacy-off", 1) == [
        ("NotAuthorizedException", "User is disabled.")
    ]


def _confirm_forgot(idp: Any, cid: str, name: str, password: str = "N3w-Passw0rd!") -> Any:
    return outcome(
        lambda: idp.confirm_forgot_password(
            ClientId=cid, Username=name, ConfirmationCode="123456", Password=password
        )
    )


def test_confirm_forgot_password_answers_alike_with_or_without_a_code(
    idp: Any, server: Server, hidden: tuple[dict[str, Any], str]
) -> None:
    _, cid = hidden
    _user(idp, server, cid, "en-nocode")
    _user(idp, server, cid, "en-code")
    idp.forgot_password(ClientId=cid, Username="en-code")
    mismatch = ("CodeMismatchException", "Invalid verification code provided, please try again.")
    limited = ("LimitExceededException", "Attempt limit exceeded, please try after some time.")
    weak = _confirm_forgot(idp, cid, "en-nocode", "short")
    for name in ("en-nocode", "en-code", "en-nobody6"):
        assert _confirm_forgot(idp, cid, name, "short") == weak
        assert weak[0] == "InvalidPasswordException"
        assert [_confirm_forgot(idp, cid, name) for _ in range(6)] == [mismatch] * 5 + [limited]


def test_resend_limits_apply_to_unknown_names_alike(
    idp: Any, server: Server, make_pool: Callable[..., Any], make_client: Callable[..., Any]
) -> None:
    pool = make_pool(AutoVerifiedAttributes=["email"])
    cid = make_client(pool, PreventUserExistenceErrors="ENABLED")["ClientId"]
    _user(idp, server, cid, "en-resend", confirm=False)
    for name in ("en-resend", "en-nobody7"):
        got = [
            outcome(lambda n=name: idp.resend_confirmation_code(ClientId=cid, Username=n))
            for _ in range(6)
        ]
        assert got == [("ok", "")] * 5 + [
            ("LimitExceededException", "Attempt limit exceeded, please try after some time.")
        ]
    quiet = make_pool(AutoVerifiedAttributes=[])
    qcid = make_client(quiet, PreventUserExistenceErrors="ENABLED")["ClientId"]
    idp.sign_up(ClientId=qcid, Username="en-quiet", Password=PASSWORD)
    for name in ("en-quiet", "en-nobody8"):
        assert outcome(lambda n=name: idp.resend_confirmation_code(ClientId=qcid, Username=n)) == (
            "InvalidParameterException",
            "Cannot resend codes. Auto verification not turned on.",
        )


def test_forgot_password_without_a_verified_address_looks_like_an_unknown_name(
    idp: Any, server: Server, make_pool: Callable[..., Any], make_client: Callable[..., Any]
) -> None:
    pool = make_pool(AutoVerifiedAttributes=[])
    cid = make_client(pool, PreventUserExistenceErrors="ENABLED")["ClientId"]
    legacy = make_client(pool)["ClientId"]
    for name in ("en-noaddr", "en-off2"):
        idp.sign_up(
            ClientId=cid,
            Username=name,
            Password=PASSWORD,
            UserAttributes=[{"Name": "email", "Value": f"{name}@enum.example.com"}],
        )
        idp.admin_confirm_sign_up(UserPoolId=pool["Id"], Username=name)
    idp.admin_disable_user(UserPoolId=pool["Id"], Username="en-off2")
    shapes = set()
    for name in ("en-noaddr", "en-off2", "en-nobody9"):
        details = idp.forgot_password(ClientId=cid, Username=name)["CodeDeliveryDetails"]
        assert re.fullmatch(r"e\*\*\*@\w\*\*\*", details["Destination"]), details
        shapes.add((details["DeliveryMedium"], details["AttributeName"]))
    assert shapes == {("EMAIL", "email")}
    assert not server.messages("en-noaddr@enum.example.com")
    assert outcome(lambda: idp.forgot_password(ClientId=legacy, Username="en-noaddr")) == (
        "InvalidParameterException",
        "Cannot reset password for the user as there is no registered/verified email or "
        "phone_number",
    )


def test_a_blocked_address_is_refused_for_unknown_names_too(
    idp: Any, server: Server, make_pool: Callable[..., Any], make_client: Callable[..., Any]
) -> None:
    pool = make_pool(UserPoolAddOns={"AdvancedSecurityMode": "ENFORCED"})
    cid = make_client(pool, ExplicitAuthFlows=FLOWS, PreventUserExistenceErrors="ENABLED")[
        "ClientId"
    ]
    _user(idp, server, cid, "en-blocked")
    _user(idp, server, cid, "en-blocked-new", confirm=False)
    idp.set_risk_configuration(
        UserPoolId=pool["Id"],
        RiskExceptionConfiguration={"BlockedIPRangeList": ["127.0.0.0/8", "::1/128"]},
    )
    blocked = ("NotAuthorizedException", "Request not allowed due to security reasons.")
    for name in ("en-blocked", "en-nobody10"):
        assert _wrong_passwords(idp, cid, name, 1) == [blocked]
        assert outcome(lambda n=name: idp.forgot_password(ClientId=cid, Username=n)) == blocked
        assert _confirm_forgot(idp, cid, name) == blocked
    for name in ("en-blocked-new", "en-nobody10"):
        confirm = lambda n=name: idp.confirm_sign_up(  # noqa: E731
            ClientId=cid, Username=n, ConfirmationCode="123456"
        )
        assert outcome(confirm) == blocked


def test_confirm_sign_up_without_a_code_sent_looks_like_an_unknown_name(
    idp: Any, make_pool: Callable[..., Any], make_client: Callable[..., Any]
) -> None:
    """In a pool that verifies nothing no code is sent: a real user's confirmation is
    answered as an unknown name's, not with ExpiredCodeException (which only a user has)."""
    pool = make_pool(AutoVerifiedAttributes=[])
    cid = make_client(pool, PreventUserExistenceErrors="ENABLED")["ClientId"]
    idp.sign_up(ClientId=cid, Username="en-nocode", Password=PASSWORD)
    mismatch = ("CodeMismatchException", "Invalid verification code provided, please try again.")
    for name in ("en-nocode", "en-nobody12"):
        confirm = lambda n=name: idp.confirm_sign_up(  # noqa: E731
            ClientId=cid, Username=n, ConfirmationCode="123456"
        )
        assert outcome(confirm) == mismatch


def test_concurrent_guesses_at_an_unknown_name_cannot_outrun_its_lockout(
    server: Server, hidden: tuple[dict[str, Any], str]
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    _, cid = hidden

    def guess(_: int) -> str:
        return outcome(
            lambda: server.client().initiate_auth(
                AuthFlow="USER_PASSWORD_AUTH",
                ClientId=cid,
                AuthParameters={"USERNAME": "en-nobody11", "PASSWORD": "Wr0ng!pass"},
            )
        )[1]

    started = time.monotonic()
    with ThreadPoolExecutor(16) as workers:
        answers = list(workers.map(guess, range(16)))
    # The first lock lasts 1 s, then 2, 4...: on a loaded machine a burst outlasting them
    # meets a lock that has ended, and its next failure is rightly counted (and locks again).
    ended = int(math.log2(time.monotonic() - started + 1))
    assert answers.count("Incorrect username or password.") <= 5 + ended, answers
    assert "Password attempts exceeded" in answers


def test_a_user_disabled_mid_sign_in_is_refused_after_the_challenge(
    idp: Any, server: Server, hidden: tuple[dict[str, Any], str]
) -> None:
    """Disabled users reach the challenges when existence is hidden; a right answer (new
    password, emailed code) then hears "User is disabled." rather than getting tokens."""
    pool, cid = hidden
    idp.admin_create_user(
        UserPoolId=pool["Id"],
        Username="en-temp",
        TemporaryPassword="Temp0rary!",
        MessageAction="SUPPRESS",
    )
    temp = idp.initiate_auth(
        AuthFlow="USER_PASSWORD_AUTH",
        ClientId=cid,
        AuthParameters={"USERNAME": "en-temp", "PASSWORD": "Temp0rary!"},
    )
    email = _user(idp, server, cid, "en-otp")
    code = idp.initiate_auth(
        AuthFlow="USER_AUTH",
        ClientId=cid,
        AuthParameters={"USERNAME": "en-otp", "PREFERRED_CHALLENGE": "EMAIL_OTP"},
    )
    sent = re.findall(r"\b(\d{8})\b", server.messages(email)[-1])[-1]
    for name in ("en-temp", "en-otp"):
        idp.admin_disable_user(UserPoolId=pool["Id"], Username=name)
    disabled = ("NotAuthorizedException", "User is disabled.")
    assert (
        outcome(
            lambda: idp.respond_to_auth_challenge(
                ClientId=cid,
                ChallengeName="NEW_PASSWORD_REQUIRED",
                Session=temp["Session"],
                ChallengeResponses={"USERNAME": "en-temp", "NEW_PASSWORD": "N3w-Passw0rd!"},
            )
        )
        == disabled
    )
    assert (
        outcome(
            lambda: idp.respond_to_auth_challenge(
                ClientId=cid,
                ChallengeName="EMAIL_OTP",
                Session=code["Session"],
                ChallengeResponses={"USERNAME": "en-otp", "EMAIL_OTP_CODE": sent},
            )
        )
        == disabled
    )


def test_an_unknown_names_salt_is_the_same_in_another_process(
    server: Server, hidden: tuple[dict[str, Any], str], tmp_path: Any
) -> None:
    """Derived with the store's key, not a process's: a second server on the same data gives
    the same SALT and USER_ID_FOR_SRP for an unknown name."""
    _, cid = hidden
    other = Server(tmp_path, db=server.db).start()
    try:
        answers = [_srp_start(s.client(), cid, "en-nobody12") for s in (server, other)]
    finally:
        other.stop()
    one, two = (a["ChallengeParameters"] for a in answers)
    assert (one["SALT"], one["USER_ID_FOR_SRP"]) == (two["SALT"], two["USER_ID_FOR_SRP"])
