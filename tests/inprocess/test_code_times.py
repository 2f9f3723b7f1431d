"""The time rules of one-time codes, on a fake clock: a sign-up code lives 24 hours from
its sending (Cognito's documented validity), a password-reset code one hour, and wrong
codes, resends and reset requests are counted per rolling hour (docs/compatibility.md:
5 each, then "Attempt limit exceeded, please try after some time.")."""

from __future__ import annotations

import pytest

from tests.factories import App, confirm, confirmed_user, make_app, sign_up
from tests.harness import CallError, InProcess

DAY = 24 * 3600
HOUR = 3600
EXPIRED = ("ExpiredCodeException", "Invalid code provided, please request a code again.")
LIMITED = ("LimitExceededException", "Attempt limit exceeded, please try after some time.")
MISMATCH = ("CodeMismatchException", "Invalid verification code provided, please try again.")


@pytest.fixture
def app(inproc: InProcess) -> App:
    flows = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    return make_app(inproc.idp, client={"ExplicitAuthFlows": flows})


def _error(exc: pytest.ExceptionInfo[CallError]) -> tuple[str, str]:
    return exc.value.code, exc.value.message


def _status(inproc: InProcess, app: App, name: str) -> str:
    return str(inproc.idp.admin_get_user(UserPoolId=app.pool_id, Username=name)["UserStatus"])


def _wrong(inproc: InProcess, email: str) -> str:
    return "000000" if inproc.code(email) != "000000" else "111111"


def test_a_sign_up_code_still_confirms_just_before_24_hours(inproc: InProcess, app: App) -> None:
    user = sign_up(inproc.idp, app, "amy")
    inproc.clock.advance(DAY - 1)
    confirm(inproc.idp, inproc, app, user)
    assert _status(inproc, app, "amy") == "CONFIRMED"


def test_a_sign_up_code_is_expired_just_after_24_hours(inproc: InProcess, app: App) -> None:
    user = sign_up(inproc.idp, app, "dan")
    inproc.clock.advance(DAY + 1)
    with pytest.raises(CallError) as exc:
        confirm(inproc.idp, inproc, app, user)
    assert _error(exc) == EXPIRED
    assert _status(inproc, app, "dan") == "UNCONFIRMED"


def test_a_resent_code_lives_24_hours_from_the_resend(inproc: InProcess, app: App) -> None:
    user = sign_up(inproc.idp, app, "ren")
    inproc.clock.advance(DAY - HOUR)
    inproc.idp.resend_confirmation_code(ClientId=app.client_id, Username="ren")
    inproc.clock.advance(2 * HOUR)  # the first code's day is over, not the resent one's
    confirm(inproc.idp, inproc, app, user)
    assert _status(inproc, app, "ren") == "CONFIRMED"


def _wrong_codes(
    inproc: InProcess, app: App, name: str, wrong: str, times: int
) -> list[tuple[str, str]]:
    """``times`` confirmations of ``name`` with a wrong code: each one's error."""
    errors = []
    for _ in range(times):
        with pytest.raises(CallError) as exc:
            inproc.idp.confirm_sign_up(
                ClientId=app.client_id, Username=name, ConfirmationCode=wrong
            )
        errors.append(_error(exc))
    return errors


def test_wrong_codes_block_even_the_right_code_for_the_rest_of_the_hour(
    inproc: InProcess, app: App
) -> None:
    user = sign_up(inproc.idp, app, "ivo")
    wrong = _wrong(inproc, user.email)
    assert _wrong_codes(inproc, app, "ivo", wrong, 5) == [MISMATCH] * 5
    inproc.clock.advance(HOUR - 100)
    with pytest.raises(CallError) as exc:
        confirm(inproc.idp, inproc, app, user)
    assert _error(exc) == LIMITED


def test_wrong_codes_older_than_an_hour_no_longer_count(inproc: InProcess, app: App) -> None:
    user = sign_up(inproc.idp, app, "ivy")
    wrong = _wrong(inproc, user.email)
    _wrong_codes(inproc, app, "ivy", wrong, 5)
    inproc.clock.advance(HOUR + 100)
    confirm(inproc.idp, inproc, app, user)
    assert _status(inproc, app, "ivy") == "CONFIRMED"


def test_the_hour_rolls_failures_leave_it_one_by_one(inproc: InProcess, app: App) -> None:
    """Four wrong codes, then a fifth 40 minutes later: 30 minutes on, the first four are
    over an hour old, so one failure counts and the right code confirms."""
    user = sign_up(inproc.idp, app, "roe")
    wrong = _wrong(inproc, user.email)
    _wrong_codes(inproc, app, "roe", wrong, 4)
    inproc.clock.advance(40 * 60)
    with pytest.raises(CallError) as exc:
        inproc.idp.confirm_sign_up(ClientId=app.client_id, Username="roe", ConfirmationCode=wrong)
    assert _error(exc) == MISMATCH
    inproc.clock.advance(10 * 60)  # 50 minutes after the first four: five in the hour
    with pytest.raises(CallError) as exc:
        confirm(inproc.idp, inproc, app, user)
    assert _error(exc) == LIMITED
    inproc.clock.advance(11 * 60)  # 61 minutes after the first four, 21 after the fifth
    confirm(inproc.idp, inproc, app, user)
    assert _status(inproc, app, "roe") == "CONFIRMED"


def test_resends_are_limited_per_rolling_hour(inproc: InProcess, app: App) -> None:
    sign_up(inproc.idp, app, "cy")
    for _ in range(5):
        inproc.idp.resend_confirmation_code(ClientId=app.client_id, Username="cy")
    with pytest.raises(CallError) as exc:
        inproc.idp.resend_confirmation_code(ClientId=app.client_id, Username="cy")
    assert _error(exc) == LIMITED
    inproc.clock.advance(HOUR + 1)
    out = inproc.idp.resend_confirmation_code(ClientId=app.client_id, Username="cy")
    assert out["CodeDeliveryDetails"]["Destination"] == "c***@e***"
    assert len(inproc.messages("cy@example.com")) == 7  # the sign-up's, then 6 resends


def _confirmed(inproc: InProcess, app: App, name: str) -> str:
    return confirmed_user(inproc.idp, inproc, app, name).email


def test_a_reset_code_lives_one_hour(inproc: InProcess, app: App) -> None:
    email = _confirmed(inproc, app, "fay")
    inproc.idp.forgot_password(ClientId=app.client_id, Username="fay")
    inproc.clock.advance(HOUR + 1)
    with pytest.raises(CallError) as exc:
        inproc.idp.confirm_forgot_password(
            ClientId=app.client_id,
            Username="fay",
            ConfirmationCode=inproc.code(email),
            Password="N3w-Passw0rd!",
        )
    assert _error(exc) == EXPIRED
    inproc.idp.forgot_password(ClientId=app.client_id, Username="fay")
    inproc.clock.advance(HOUR - 1)
    inproc.idp.confirm_forgot_password(
        ClientId=app.client_id,
        Username="fay",
        ConfirmationCode=inproc.code(email),
        Password="N3w-Passw0rd!",
    )
    signed_in = inproc.idp.initiate_auth(
        AuthFlow="USER_PASSWORD_AUTH",
        ClientId=app.client_id,
        AuthParameters={"USERNAME": "fay", "PASSWORD": "N3w-Passw0rd!"},
    )
    assert "AccessToken" in signed_in["AuthenticationResult"]


def test_reset_requests_are_limited_per_rolling_hour(inproc: InProcess, app: App) -> None:
    _confirmed(inproc, app, "gus")
    for _ in range(5):
        inproc.idp.forgot_password(ClientId=app.client_id, Username="gus")
    with pytest.raises(CallError) as exc:
        inproc.idp.forgot_password(ClientId=app.client_id, Username="gus")
    assert _error(exc) == LIMITED
    inproc.clock.advance(HOUR + 1)
    out = inproc.idp.forgot_password(ClientId=app.client_id, Username="gus")
    assert out["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
