"""Requests with two faults get the error Cognito checks first: a validation error before
an unknown app client, an unknown app client before the secret hash, the secret hash
before the user and before the code, the password or the challenge's answer.

Each case sends one request with exactly two faults to a client with a secret (LEGACY
and ENABLED alike where the user is unknown) and names the error that must win."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.factories import PASSWORD, App, confirmed_user, make_app, sign_up
from tests.helpers import Server, outcome, secret_hash

UNKNOWN_CLIENT = "0123456789abcdefghijklmnop"  # well formed, no such client
NOBODY = "nobody-at-all"
BAD_HASH = "c2VjcmV0IGhhc2ggdGhhdCBpcyB3cm9uZw=="
FLOWS = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]


@dataclass(frozen=True)
class World:
    """A pool whose client has a secret, in a LEGACY and an ENABLED client, and its users:
    one waiting for its sign-up code, one confirmed, one confirmed and then disabled."""

    idp: Any
    legacy: App
    hidden: App
    pending: str
    confirmed: str
    disabled: str

    def app(self, hidden: bool) -> App:
        return self.hidden if hidden else self.legacy

    def hash(self, name: str, hidden: bool = False) -> str:
        app = self.app(hidden)
        return secret_hash(app.client["ClientSecret"], name, app.client_id)


@pytest.fixture(scope="module")
def world(server: Server) -> World:
    idp = server.client()
    legacy = make_app(idp, secret=True, client={"ExplicitAuthFlows": FLOWS})
    hidden_client = idp.create_user_pool_client(
        UserPoolId=legacy.pool_id,
        ClientName="hidden",
        GenerateSecret=True,
        ExplicitAuthFlows=FLOWS,
        PreventUserExistenceErrors="ENABLED",
    )["UserPoolClient"]
    hidden = App(legacy.pool, dict(hidden_client))
    pending = sign_up(idp, legacy, "order-pending").username
    confirmed = confirmed_user(idp, server, legacy, "order-confirmed").username
    disabled = confirmed_user(idp, server, legacy, "order-disabled").username
    idp.admin_disable_user(UserPoolId=legacy.pool_id, Username=disabled)
    return World(idp, legacy, hidden, pending, confirmed, disabled)


Request = Callable[[World], tuple[str, dict[str, Any]]]
VALIDATION = ("InvalidParameterException", "1 validation error detected: Value at 'username'")
NO_CLIENT = ("ResourceNotFoundException", f"User pool client {UNKNOWN_CLIENT} does not exist.")


def _bad_hash(w: World, hidden: bool = False) -> tuple[str, str]:
    return "NotAuthorizedException", f"Unable to verify secret hash for client {_cid(w, hidden)}"


def _no_hash(w: World, hidden: bool = False) -> tuple[str, str]:
    cid = _cid(w, hidden)
    return "NotAuthorizedException", f"Client {cid} is configured with secret but SECRET_HASH"


def _cid(w: World, hidden: bool) -> str:
    return w.app(hidden).client_id


def _code_op(op: str, extra: dict[str, Any] | None = None) -> Callable[..., Request]:
    """A request builder for an operation with top-level ClientId/Username/SecretHash."""

    def build(
        client: str | None = None,
        name: str | None = None,
        secret: str | None = "right",
        hidden: bool = False,
        **more: Any,
    ) -> Request:
        def make(w: World) -> tuple[str, dict[str, Any]]:
            username = name or w.pending
            req: dict[str, Any] = {"ClientId": client or _cid(w, hidden), "Username": username}
            req.update(extra or {})
            if secret == "right":
                req["SecretHash"] = w.hash(username, hidden)
            elif secret == "wrong":
                req["SecretHash"] = BAD_HASH
            req.update(more)
            return op, req

        return make

    return build


confirm_sign_up = _code_op("confirm_sign_up", {"ConfirmationCode": "000000"})
resend = _code_op("resend_confirmation_code")
forgot = _code_op("forgot_password")
confirm_forgot = _code_op(
    "confirm_forgot_password", {"ConfirmationCode": "000000", "Password": "N3w-Passw0rd!"}
)
sign_up_op = _code_op(
    "sign_up",
    {"Password": PASSWORD, "UserAttributes": [{"Name": "email", "Value": "x@example.com"}]},
)


def _initiate(
    client: str | None = None,
    name: str | None = None,
    secret: str | None = "right",
    password: str = PASSWORD,
    hidden: bool = False,
    flow: str = "USER_PASSWORD_AUTH",
) -> Request:
    def make(w: World) -> tuple[str, dict[str, Any]]:
        username = name or w.confirmed
        params = {"USERNAME": username, "PASSWORD": password}
        if secret == "right":
            params["SECRET_HASH"] = w.hash(username, hidden)
        elif secret == "wrong":
            params["SECRET_HASH"] = BAD_HASH
        cid = client or _cid(w, hidden)
        return "initiate_auth", {"ClientId": cid, "AuthFlow": flow, "AuthParameters": params}

    return make


def _respond(
    client: str | None = None,
    name: str | None = None,
    secret: str | None = "right",
    session: str | None = None,
    hidden: bool = False,
    challenge: str = "SELECT_CHALLENGE",
) -> Request:
    """RespondToAuthChallenge; ``session`` None: a real SELECT_CHALLENGE session of the
    confirmed user, asked for first."""

    def make(w: World) -> tuple[str, dict[str, Any]]:
        username = name or w.confirmed
        token = session
        if token is None:
            started = w.idp.initiate_auth(
                ClientId=_cid(w, hidden),
                AuthFlow="USER_AUTH",
                AuthParameters={
                    "USERNAME": w.confirmed,
                    "SECRET_HASH": w.hash(w.confirmed, hidden),
                },
            )
            token = started["Session"]
        answers = {"USERNAME": username, "ANSWER": "PASSWORD", "PASSWORD": "Wr0ng-passw0rd!"}
        if secret == "right":
            answers["SECRET_HASH"] = w.hash(username, hidden)
        elif secret == "wrong":
            answers["SECRET_HASH"] = BAD_HASH
        req = {
            "ClientId": client or _cid(w, hidden),
            "ChallengeName": challenge,
            "Session": token,
            "ChallengeResponses": answers,
        }
        return "respond_to_auth_challenge", req

    return make


Expected = Callable[[World], tuple[str, str]]


def _is(code: str, text: str) -> Expected:
    return lambda w: (code, text)


CASES: dict[str, tuple[Request, Expected]] = {
    # validation error + unknown client: the validation error
    "ConfirmSignUp/validation+client": (
        confirm_sign_up(client=UNKNOWN_CLIENT, name="a b", secret=None),
        lambda w: VALIDATION,
    ),
    "ResendConfirmationCode/validation+client": (
        resend(client=UNKNOWN_CLIENT, name="a b", secret=None),
        lambda w: VALIDATION,
    ),
    "ForgotPassword/validation+client": (
        forgot(client=UNKNOWN_CLIENT, name="a b", secret=None),
        lambda w: VALIDATION,
    ),
    "ConfirmForgotPassword/validation+client": (
        confirm_forgot(client=UNKNOWN_CLIENT, name="a b", secret=None),
        lambda w: VALIDATION,
    ),
    "SignUp/validation+client": (
        sign_up_op(client=UNKNOWN_CLIENT, name="a b", secret=None),
        lambda w: VALIDATION,
    ),
    "InitiateAuth/validation+client": (
        _initiate(client=UNKNOWN_CLIENT, secret=None, flow="NO_SUCH_FLOW"),
        _is("InvalidParameterException", "1 validation error detected: Value 'NO_SUCH_FLOW'"),
    ),
    "RespondToAuthChallenge/validation+client": (
        _respond(
            client=UNKNOWN_CLIENT, secret=None, session="x" * 20, challenge="NO_SUCH_CHALLENGE"
        ),
        _is("InvalidParameterException", "1 validation error detected: Value 'NO_SUCH_CHALL"),
    ),
    # unknown client + a wrong code (or password, or answer): the client
    "ConfirmSignUp/client+code": (confirm_sign_up(client=UNKNOWN_CLIENT), lambda w: NO_CLIENT),
    "ConfirmForgotPassword/client+code": (
        confirm_forgot(client=UNKNOWN_CLIENT),
        lambda w: NO_CLIENT,
    ),
    "InitiateAuth/client+password": (
        _initiate(client=UNKNOWN_CLIENT, password="Wr0ng-passw0rd!"),
        lambda w: NO_CLIENT,
    ),
    "RespondToAuthChallenge/client+session": (
        _respond(client=UNKNOWN_CLIENT, session="not-a-session-of-this-server"),
        lambda w: NO_CLIENT,
    ),
    # unknown client + no secret hash: the client (its secret cannot be known)
    "ConfirmSignUp/client+nohash": (
        confirm_sign_up(client=UNKNOWN_CLIENT, secret=None),
        lambda w: NO_CLIENT,
    ),
    "ResendConfirmationCode/client+nohash": (
        resend(client=UNKNOWN_CLIENT, secret=None),
        lambda w: NO_CLIENT,
    ),
    "ForgotPassword/client+nohash": (
        forgot(client=UNKNOWN_CLIENT, secret=None),
        lambda w: NO_CLIENT,
    ),
    "ConfirmForgotPassword/client+nohash": (
        confirm_forgot(client=UNKNOWN_CLIENT, secret=None),
        lambda w: NO_CLIENT,
    ),
    "SignUp/client+nohash": (sign_up_op(client=UNKNOWN_CLIENT, secret=None), lambda w: NO_CLIENT),
    "InitiateAuth/client+nohash": (
        _initiate(client=UNKNOWN_CLIENT, secret=None),
        lambda w: NO_CLIENT,
    ),
    "RespondToAuthChallenge/client+nohash": (
        _respond(client=UNKNOWN_CLIENT, secret=None, session="not-a-session-of-this-server"),
        lambda w: NO_CLIENT,
    ),
    # no or a wrong secret hash + an unknown user: the secret hash
    "ConfirmSignUp/nohash+user": (confirm_sign_up(name=NOBODY, secret=None), _bad_hash),
    "ConfirmSignUp/wronghash+user": (confirm_sign_up(name=NOBODY, secret="wrong"), _bad_hash),
    "ResendConfirmationCode/nohash+user": (resend(name=NOBODY, secret=None), _bad_hash),
    "ForgotPassword/nohash+user": (forgot(name=NOBODY, secret=None), _bad_hash),
    "ForgotPassword/wronghash+user": (forgot(name=NOBODY, secret="wrong"), _bad_hash),
    "ConfirmForgotPassword/nohash+user": (confirm_forgot(name=NOBODY, secret=None), _bad_hash),
    "InitiateAuth/nohash+user": (_initiate(name=NOBODY, secret=None), _no_hash),
    "InitiateAuth/wronghash+user": (_initiate(name=NOBODY, secret="wrong"), _bad_hash),
    "InitiateAuth(USER_AUTH)/nohash+user": (
        _initiate(name=NOBODY, secret=None, flow="USER_AUTH"),
        _no_hash,
    ),
    "InitiateAuth/wronghash+user(ENABLED)": (
        _initiate(name=NOBODY, secret="wrong", hidden=True),
        lambda w: _bad_hash(w, hidden=True),
    ),
    "InitiateAuth/nohash+disabled": (_initiate(name="order-disabled", secret=None), _no_hash),
    "InitiateAuth/wronghash+disabled": (
        _initiate(name="order-disabled", secret="wrong"),
        _bad_hash,
    ),
    "RespondToAuthChallenge/nohash+user": (_respond(name=NOBODY, secret=None), _no_hash),
    "RespondToAuthChallenge/wronghash+user": (_respond(name=NOBODY, secret="wrong"), _bad_hash),
    # a wrong secret hash + a wrong code (or password, or an existing name): the hash
    "ConfirmSignUp/wronghash+code": (confirm_sign_up(secret="wrong"), _bad_hash),
    "ConfirmForgotPassword/wronghash+code": (
        confirm_forgot(name="order-confirmed", secret="wrong"),
        _bad_hash,
    ),
    "ResendConfirmationCode/wronghash+confirmed": (
        resend(name="order-confirmed", secret="wrong"),
        _bad_hash,
    ),
    "SignUp/wronghash+taken": (sign_up_op(name="order-confirmed", secret="wrong"), _bad_hash),
    "SignUp/wronghash+password": (sign_up_op(secret="wrong", Password="short"), _bad_hash),
    "InitiateAuth/wronghash+password": (
        _initiate(secret="wrong", password="Wr0ng-passw0rd!"),
        _bad_hash,
    ),
    "RespondToAuthChallenge/wronghash+password": (_respond(secret="wrong"), _bad_hash),
    "RespondToAuthChallenge/wronghash+session": (
        _respond(secret="wrong", session="not-a-session-of-this-server"),
        _bad_hash,
    ),
    # then the user before its status, and its status before the code or password
    "ConfirmSignUp/user+code": (
        confirm_sign_up(name=NOBODY),
        _is("UserNotFoundException", "Username/client id combination not found."),
    ),
    "ConfirmSignUp/status+code": (
        confirm_sign_up(name="order-confirmed"),
        _is("NotAuthorizedException", "User cannot be confirmed. Current status is CONFIRMED"),
    ),
    "ConfirmForgotPassword/user+code": (
        confirm_forgot(name=NOBODY),
        _is("UserNotFoundException", "Username/client id combination not found."),
    ),
    "InitiateAuth/user+password": (
        _initiate(name=NOBODY, password="Wr0ng-passw0rd!"),
        _is("UserNotFoundException", "User does not exist."),
    ),
    "InitiateAuth/unconfirmed+password": (
        _initiate(name="order-pending", password="Wr0ng-passw0rd!"),
        _is("UserNotConfirmedException", "User is not confirmed."),
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_the_first_fault_is_answered(world: World, case: str) -> None:
    build, expected = CASES[case]
    op, req = build(world)
    code, message = outcome(lambda: getattr(world.idp, op)(**req))
    want_code, want_text = expected(world)
    assert (code, message[: len(want_text)]) == (want_code, want_text), message
