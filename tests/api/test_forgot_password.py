"""ForgotPassword and ConfirmForgotPassword through boto3: the code's delivery, checks and
limits, the new password, the lockout cleared, and hidden existence for ENABLED clients."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.factories import confirm as confirm_code
from tests.factories import sign_up
from tests.helpers import Server, error_of

PASSWORD = "Passw0rd!"
NEW = "N3w-Passw0rd!"
FLOWS = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]


@pytest.fixture
def app(
    idp: Any, make_pool: Callable[..., Any], make_client: Callable[..., Any]
) -> tuple[dict[str, Any], str]:
    pool = make_pool(AutoVerifiedAttributes=["email"])
    return pool, make_client(pool, ExplicitAuthFlows=FLOWS)["ClientId"]


def _member(idp: Any, server: Server, cid: str, name: str, confirm: bool = True) -> str:
    user = sign_up(idp, cid, name, f"{name}@forgot.example.com", PASSWORD)
    if confirm:
        confirm_code(idp, server, cid, user)
    return user.email


def _sign_in(idp: Any, cid: str, name: str, password: str) -> dict[str, Any]:
    return dict(
        idp.initiate_auth(
            AuthFlow="USER_PASSWORD_AUTH",
            ClientId=cid,
            AuthParameters={"USERNAME": name, "PASSWORD": password},
        )
    )


def test_a_forgotten_password_is_replaced_with_the_emailed_code(
    idp: Any, server: Server, app: tuple[dict[str, Any], str]
) -> None:
    _, cid = app
    email = _member(idp, server, cid, "fp-ann")
    sent = idp.forgot_password(ClientId=cid, Username="fp-ann")["CodeDeliveryDetails"]
    assert sent == {"Destination": "f***@f***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}
    code = server.code(email)
    assert (
        idp.confirm_forgot_password(
            ClientId=cid, Username="fp-ann", ConfirmationCode=code, Password=NEW
        )["ResponseMetadata"]["HTTPStatusCode"]
        == 200
    )
    assert "AuthenticationResult" in _sign_in(idp, cid, "fp-ann", NEW)
    with pytest.raises(ClientError) as exc:
        _sign_in(idp, cid, "fp-ann", PASSWORD)
    assert error_of(exc)[0] == "NotAuthorizedException"
    with pytest.raises(ClientError) as exc:  # the code was spent
        idp.confirm_forgot_password(
            ClientId=cid, Username="fp-ann", ConfirmationCode=code, Password=PASSWORD
        )
    assert error_of(exc) == (
        "ExpiredCodeException",
        "Invalid code provided, please request a code again.",
    )


def test_wrong_codes_are_refused_then_limited(
    idp: Any, server: Server, app: tuple[dict[str, Any], str]
) -> None:
    _, cid = app
    email = _member(idp, server, cid, "fp-bob")
    idp.forgot_password(ClientId=cid, Username="fp-bob")
    code = server.code(email)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        with pytest.raises(ClientError) as exc:
            idp.confirm_forgot_password(
                ClientId=cid, Username="fp-bob", ConfirmationCode=wrong, Password=NEW
            )
        assert error_of(exc) == (
            "CodeMismatchException",
            "Invalid verification code provided, please try again.",
        )
    with pytest.raises(ClientError) as exc:
        idp.confirm_forgot_password(
            ClientId=cid, Username="fp-bob", ConfirmationCode=code, Password=NEW
        )
    assert error_of(exc) == (
        "LimitExceededException",
        "Attempt limit exceeded, please try after some time.",
    )
    assert "AuthenticationResult" in _sign_in(idp, cid, "fp-bob", PASSWORD)


def test_a_weak_password_does_not_spend_the_code(
    idp: Any, server: Server, app: tuple[dict[str, Any], str]
) -> None:
    _, cid = app
    email = _member(idp, server, cid, "fp-cat")
    idp.forgot_password(ClientId=cid, Username="fp-cat")
    code = server.code(email)
    with pytest.raises(ClientError) as exc:
        idp.confirm_forgot_password(
            ClientId=cid, Username="fp-cat", ConfirmationCode=code, Password="short"
        )
    assert error_of(exc)[0] == "InvalidPasswordException"
    idp.confirm_forgot_password(
        ClientId=cid, Username="fp-cat", ConfirmationCode=code, Password=NEW
    )
    assert "AuthenticationResult" in _sign_in(idp, cid, "fp-cat", NEW)


def test_recovery_clears_the_sign_in_lockout(
    idp: Any, server: Server, app: tuple[dict[str, Any], str]
) -> None:
    _, cid = app
    email = _member(idp, server, cid, "fp-dan")
    for _ in range(6):
        with pytest.raises(ClientError):
            _sign_in(idp, cid, "fp-dan", "Wr0ng-pass!")
    with pytest.raises(ClientError) as exc:
        _sign_in(idp, cid, "fp-dan", PASSWORD)
    assert error_of(exc) == ("NotAuthorizedException", "Password attempts exceeded")
    idp.forgot_password(ClientId=cid, Username="fp-dan")
    idp.confirm_forgot_password(
        ClientId=cid, Username="fp-dan", ConfirmationCode=server.code(email), Password=NEW
    )
    assert "AuthenticationResult" in _sign_in(idp, cid, "fp-dan", NEW)


def test_no_code_outstanding_and_no_verified_address(
    idp: Any, server: Server, app: tuple[dict[str, Any], str]
) -> None:
    _, cid = app
    _member(idp, server, cid, "fp-eve")
    with pytest.raises(ClientError) as exc:
        idp.confirm_forgot_password(
            ClientId=cid, Username="fp-eve", ConfirmationCode="123456", Password=NEW
        )
    assert error_of(exc)[0] == "ExpiredCodeException"
    _member(idp, server, cid, "fp-fay", confirm=False)  # email not verified yet
    with pytest.raises(ClientError) as exc:
        idp.forgot_password(ClientId=cid, Username="fp-fay")
    assert error_of(exc) == (
        "InvalidParameterException",
        "Cannot reset password for the user as there is no registered/verified email or "
        "phone_number",
    )


def test_requests_for_codes_are_limited_per_user(
    idp: Any, server: Server, app: tuple[dict[str, Any], str]
) -> None:
    _, cid = app
    _member(idp, server, cid, "fp-gus")
    for _ in range(5):
        idp.forgot_password(ClientId=cid, Username="fp-gus")
    with pytest.raises(ClientError) as exc:
        idp.forgot_password(ClientId=cid, Username="fp-gus")
    assert error_of(exc)[0] == "LimitExceededException"


def test_an_admin_only_pool_refuses_self_service_recovery(
    idp: Any, server: Server, make_pool: Callable[..., Any], make_client: Callable[..., Any]
) -> None:
    pool = make_pool(
        AutoVerifiedAttributes=["email"],
        AccountRecoverySetting={"RecoveryMechanisms": [{"Priority": 1, "Name": "admin_only"}]},
    )
    cid = make_client(pool)["ClientId"]
    _member(idp, server, cid, "fp-hal")
    with pytest.raises(ClientError) as exc:
        idp.forgot_password(ClientId=cid, Username="fp-hal")
    assert error_of(exc) == (
        "NotAuthorizedException",
        "User password cannot be reset in the current state.",
    )


def test_unknown_users_legacy_and_hidden(
    idp: Any, make_pool: Callable[..., Any], make_client: Callable[..., Any]
) -> None:
    pool = make_pool(AutoVerifiedAttributes=["email"])
    legacy = make_client(pool)["ClientId"]
    with pytest.raises(ClientError) as exc:
        idp.forgot_password(ClientId=legacy, Username="fp-nobody")
    assert error_of(exc) == ("UserNotFoundException", "Username/client id combination not found.")
    hidden = make_client(pool, PreventUserExistenceErrors="ENABLED")["ClientId"]
    sent = idp.forgot_password(ClientId=hidden, Username="fp-nobody@example.com")
    assert sent["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    assert sent["CodeDeliveryDetails"]["AttributeName"] == "email"
    for _ in range(5):
        with pytest.raises(ClientError) as exc:
            idp.confirm_forgot_password(
                ClientId=hidden, Username="fp-nobody", ConfirmationCode="123456", Password=NEW
            )
        assert error_of(exc)[0] == "CodeMismatchException"
    with pytest.raises(ClientError) as exc:
        idp.confirm_forgot_password(
            ClientId=hidden, Username="fp-nobody", ConfirmationCode="123456", Password=NEW
        )
    assert error_of(exc)[0] == "LimitExceededException"
