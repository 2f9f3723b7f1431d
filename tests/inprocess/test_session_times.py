"""The time rules of sessions, tokens and the password lockout, on a fake clock.

From Cognito's documentation: a sign-in session lives ``AuthSessionValidity`` minutes
(default 3); ID and access tokens an hour and refresh tokens 30 days unless the client
says otherwise; after 5 failed passwords sign-in is locked for 1 s, doubling per failure,
and 15 quiet minutes end the streak. The answers' texts are docs/compatibility.md's.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from tests.factories import PASSWORD, App, SignedUp, confirm, confirmed_user, make_app, sign_up
from tests.harness import CallError, InProcess

FLOWS = ["ALLOW_USER_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
EXPIRED_SESSION = ("NotAuthorizedException", "Invalid session for the user, session is expired.")
LOCKED = ("NotAuthorizedException", "Password attempts exceeded")
WRONG = ("NotAuthorizedException", "Incorrect username or password.")


def _app(inproc: InProcess, **client: Any) -> App:
    return make_app(inproc.idp, client={"ExplicitAuthFlows": FLOWS, **client})


def _error(exc: pytest.ExceptionInfo[CallError]) -> tuple[str, str]:
    return exc.value.code, exc.value.message


def _with_session(inproc: InProcess, app: App, user: SignedUp) -> dict[str, Any]:
    """USER_AUTH with the ConfirmSignUp Session: straight to tokens."""
    return inproc.idp.initiate_auth(
        AuthFlow="USER_AUTH",
        ClientId=app.client_id,
        AuthParameters={"USERNAME": user.username},
        Session=user.session,
    )


def _password(inproc: InProcess, app: App, name: str, password: str = PASSWORD) -> dict[str, Any]:
    return inproc.idp.initiate_auth(
        AuthFlow="USER_PASSWORD_AUTH",
        ClientId=app.client_id,
        AuthParameters={"USERNAME": name, "PASSWORD": password},
    )


def _claims(token: str) -> dict[str, Any]:
    body = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))))


# --- the sign-up Session --------------------------------------------------------------


@pytest.mark.parametrize(
    ("client", "minutes"),
    [({}, 3), ({"AuthSessionValidity": 15}, 15)],
    ids=["three-minutes-by-default", "the-clients-auth-session-validity"],
)
def test_the_confirm_session_signs_in_until_its_minutes_have_passed(
    inproc: InProcess, client: dict[str, int], minutes: int
) -> None:
    app = _app(inproc, **client)
    early = confirmed_user(inproc.idp, inproc, app, "pam")
    late = confirmed_user(inproc.idp, inproc, app, "dot")
    inproc.clock.advance(minutes * 60 - 1)
    result = _with_session(inproc, app, early)["AuthenticationResult"]
    assert "IdToken" in result and "AccessToken" in result
    inproc.clock.advance(2)
    with pytest.raises(CallError) as exc:
        _with_session(inproc, app, late)
    assert _error(exc) == EXPIRED_SESSION


def test_an_expired_sign_up_session_does_not_block_a_good_code(inproc: InProcess) -> None:
    """Users often take longer than the session to type the code (docs/compatibility.md)."""
    app = _app(inproc)
    user = sign_up(inproc.idp, app, "sal")
    assert user.session
    inproc.clock.advance(3 * 60 + 1)
    done = confirm(inproc.idp, inproc, app, user, Session=user.session)
    status = inproc.idp.admin_get_user(UserPoolId=app.pool_id, Username="sal")["UserStatus"]
    assert status == "CONFIRMED"
    fresh = SignedUp(user.username, user.email, {**user.answer, "Session": done["Session"]})
    assert "IdToken" in _with_session(inproc, app, fresh)["AuthenticationResult"]


# --- tokens ---------------------------------------------------------------------------


def test_an_access_token_is_refused_once_its_hour_is_over(inproc: InProcess) -> None:
    app = _app(inproc)
    confirmed_user(inproc.idp, inproc, app, "amy")
    start = int(inproc.clock.now())
    tokens = _password(inproc, app, "amy")["AuthenticationResult"]
    assert tokens["ExpiresIn"] == 3600
    claims = _claims(tokens["IdToken"])
    assert (claims["iat"], claims["exp"], claims["auth_time"]) == (start, start + 3600, start)
    inproc.clock.advance(3600 - 1)
    assert inproc.idp.get_user(AccessToken=tokens["AccessToken"])["Username"] == "amy"
    inproc.clock.advance(2)
    with pytest.raises(CallError) as exc:
        inproc.idp.get_user(AccessToken=tokens["AccessToken"])
    assert _error(exc) == ("NotAuthorizedException", "Access Token has expired")


def test_access_token_validity_in_minutes(inproc: InProcess) -> None:
    app = _app(inproc, AccessTokenValidity=5, TokenValidityUnits={"AccessToken": "minutes"})
    confirmed_user(inproc.idp, inproc, app, "ben")
    tokens = _password(inproc, app, "ben")["AuthenticationResult"]
    assert tokens["ExpiresIn"] == 300
    inproc.clock.advance(301)
    with pytest.raises(CallError) as exc:
        inproc.idp.get_user(AccessToken=tokens["AccessToken"])
    assert _error(exc) == ("NotAuthorizedException", "Access Token has expired")


def _refresh(inproc: InProcess, app: App, token: str) -> dict[str, Any]:
    return inproc.idp.initiate_auth(
        AuthFlow="REFRESH_TOKEN_AUTH",
        ClientId=app.client_id,
        AuthParameters={"REFRESH_TOKEN": token},
    )


def test_a_refresh_token_lives_30_days(inproc: InProcess) -> None:
    app = _app(inproc)
    confirmed_user(inproc.idp, inproc, app, "cat")
    first = _password(inproc, app, "cat")["AuthenticationResult"]
    inproc.clock.advance(30 * 86400 - 1)
    renewed = _refresh(inproc, app, first["RefreshToken"])["AuthenticationResult"]
    claims = _claims(renewed["IdToken"])
    assert claims["iat"] == int(inproc.clock.now())
    assert claims["auth_time"] == _claims(first["IdToken"])["auth_time"]  # the first sign-in's
    inproc.clock.advance(2)
    with pytest.raises(CallError) as exc:
        _refresh(inproc, app, first["RefreshToken"])
    assert _error(exc) == ("NotAuthorizedException", "Refresh Token has expired")


def test_refresh_token_validity_in_days(inproc: InProcess) -> None:
    app = _app(inproc, RefreshTokenValidity=1, TokenValidityUnits={"RefreshToken": "days"})
    confirmed_user(inproc.idp, inproc, app, "dan")
    first = _password(inproc, app, "dan")["AuthenticationResult"]
    inproc.clock.advance(86400 - 1)
    assert "AccessToken" in _refresh(inproc, app, first["RefreshToken"])["AuthenticationResult"]
    inproc.clock.advance(2)
    with pytest.raises(CallError) as exc:
        _refresh(inproc, app, first["RefreshToken"])
    assert _error(exc) == ("NotAuthorizedException", "Refresh Token has expired")


# --- the password lockout -------------------------------------------------------------


def _fail(inproc: InProcess, app: App, name: str, times: int = 1) -> None:
    for _ in range(times):
        with pytest.raises(CallError) as exc:
            _password(inproc, app, name, "Wr0ng-Passw0rd!")
        assert _error(exc) == WRONG


def test_five_failures_lock_for_a_second_then_two(inproc: InProcess) -> None:
    app = _app(inproc)
    confirmed_user(inproc.idp, inproc, app, "eva")
    _fail(inproc, app, "eva", 5)
    with pytest.raises(CallError) as exc:
        _password(inproc, app, "eva")  # the right password, while locked
    assert _error(exc) == LOCKED
    inproc.clock.advance(1.1)
    _fail(inproc, app, "eva")  # the sixth failure: locked 2 s
    inproc.clock.advance(1.5)
    with pytest.raises(CallError) as exc:
        _password(inproc, app, "eva")
    assert _error(exc) == LOCKED
    inproc.clock.advance(0.6)
    assert "AccessToken" in _password(inproc, app, "eva")["AuthenticationResult"]


def test_fifteen_quiet_minutes_end_the_streak(inproc: InProcess) -> None:
    app = _app(inproc)
    confirmed_user(inproc.idp, inproc, app, "fay")
    confirmed_user(inproc.idp, inproc, app, "gil")
    _fail(inproc, app, "fay", 4)
    _fail(inproc, app, "gil", 4)
    inproc.clock.advance(14 * 60)
    _fail(inproc, app, "fay")  # the fifth of a streak: locked
    with pytest.raises(CallError) as exc:
        _password(inproc, app, "fay")
    assert _error(exc) == LOCKED
    inproc.clock.advance(60 + 1)  # gil's four are now over 15 minutes old
    _fail(inproc, app, "gil")  # the first of a new streak
    assert "AccessToken" in _password(inproc, app, "gil")["AuthenticationResult"]
