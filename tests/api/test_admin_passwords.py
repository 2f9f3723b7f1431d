"""AdminSetUserPassword, AdminResetUserPassword, ChangePassword, AdminDisableUser and
AdminEnableUser through boto3."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.helpers import Server, error_of

PASSWORD = "Passw0rd!"
FLOWS = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]


@pytest.fixture
def app(
    idp: Any, make_pool: Callable[..., Any], make_client: Callable[..., Any]
) -> tuple[str, str]:
    pool = make_pool(AutoVerifiedAttributes=["email"])
    return pool["Id"], make_client(pool, ExplicitAuthFlows=FLOWS)["ClientId"]


def _sign_in(idp: Any, cid: str, name: str, password: str) -> dict[str, Any]:
    return dict(
        idp.initiate_auth(
            AuthFlow="USER_PASSWORD_AUTH",
            ClientId=cid,
            AuthParameters={"USERNAME": name, "PASSWORD": password},
        )
    )


def _status(idp: Any, pool_id: str, name: str) -> str:
    return str(idp.admin_get_user(UserPoolId=pool_id, Username=name)["UserStatus"])


def _unconfirmed(idp: Any, cid: str, name: str) -> str:
    email = f"{name}@passwords.example.com"
    idp.sign_up(
        ClientId=cid,
        Username=name,
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": email}],
    )
    return email


def test_a_permanent_password_confirms_the_user_and_signs_in(
    idp: Any, app: tuple[str, str]
) -> None:
    pool_id, cid = app
    _unconfirmed(idp, cid, "ap-ann")
    idp.admin_set_user_password(
        UserPoolId=pool_id, Username="ap-ann", Password="Perm-Passw0rd!", Permanent=True
    )
    assert _status(idp, pool_id, "ap-ann") == "CONFIRMED"
    assert "AuthenticationResult" in _sign_in(idp, cid, "ap-ann", "Perm-Passw0rd!")
    with pytest.raises(ClientError) as exc:
        idp.admin_set_user_password(
            UserPoolId=pool_id, Username="ap-ann", Password="short", Permanent=True
        )
    assert error_of(exc)[0] == "InvalidPasswordException"


def test_a_temporary_password_asks_for_a_new_one(idp: Any, app: tuple[str, str]) -> None:
    pool_id, cid = app
    _unconfirmed(idp, cid, "ap-bob")
    idp.admin_set_user_password(
        UserPoolId=pool_id, Username="ap-bob", Password="Temp-Passw0rd!", Permanent=False
    )
    assert _status(idp, pool_id, "ap-bob") == "FORCE_CHANGE_PASSWORD"
    assert _sign_in(idp, cid, "ap-bob", "Temp-Passw0rd!")["ChallengeName"] == (
        "NEW_PASSWORD_REQUIRED"
    )


def test_an_admin_reset_requires_the_emailed_code(
    idp: Any, server: Server, app: tuple[str, str]
) -> None:
    pool_id, cid = app
    email = _unconfirmed(idp, cid, "ap-cat")
    idp.confirm_sign_up(ClientId=cid, Username="ap-cat", ConfirmationCode=server.code(email))
    idp.admin_reset_user_password(UserPoolId=pool_id, Username="ap-cat")
    assert _status(idp, pool_id, "ap-cat") == "RESET_REQUIRED"
    with pytest.raises(ClientError) as exc:
        _sign_in(idp, cid, "ap-cat", PASSWORD)
    assert error_of(exc) == (
        "PasswordResetRequiredException",
        "Password reset required for the user",
    )
    idp.confirm_forgot_password(
        ClientId=cid, Username="ap-cat", ConfirmationCode=server.code(email), Password="Res3t-Pass!"
    )
    assert _status(idp, pool_id, "ap-cat") == "CONFIRMED"
    assert "AuthenticationResult" in _sign_in(idp, cid, "ap-cat", "Res3t-Pass!")


def test_the_signed_in_user_changes_their_password(idp: Any, app: tuple[str, str]) -> None:
    pool_id, cid = app
    _unconfirmed(idp, cid, "ap-dan")
    idp.admin_confirm_sign_up(UserPoolId=pool_id, Username="ap-dan")
    token = _sign_in(idp, cid, "ap-dan", PASSWORD)["AuthenticationResult"]["AccessToken"]
    with pytest.raises(ClientError) as exc:
        idp.change_password(
            AccessToken=token, PreviousPassword="Wr0ng-pass!", ProposedPassword="Chang3d-Pass!"
        )
    assert error_of(exc) == ("NotAuthorizedException", "Incorrect username or password.")
    with pytest.raises(ClientError) as exc:
        idp.change_password(AccessToken=token, PreviousPassword=PASSWORD, ProposedPassword="weak")
    assert error_of(exc)[0] == "InvalidPasswordException"
    idp.change_password(
        AccessToken=token, PreviousPassword=PASSWORD, ProposedPassword="Chang3d-Pass!"
    )
    assert "AuthenticationResult" in _sign_in(idp, cid, "ap-dan", "Chang3d-Pass!")
    with pytest.raises(ClientError):
        _sign_in(idp, cid, "ap-dan", PASSWORD)


def test_wrong_current_passwords_are_limited(idp: Any, app: tuple[str, str]) -> None:
    pool_id, cid = app
    _unconfirmed(idp, cid, "ap-eve")
    idp.admin_confirm_sign_up(UserPoolId=pool_id, Username="ap-eve")
    token = _sign_in(idp, cid, "ap-eve", PASSWORD)["AuthenticationResult"]["AccessToken"]
    for _ in range(5):
        with pytest.raises(ClientError):
            idp.change_password(
                AccessToken=token, PreviousPassword="Wr0ng-pass!", ProposedPassword="Chang3d-P!1"
            )
    with pytest.raises(ClientError) as exc:
        idp.change_password(
            AccessToken=token, PreviousPassword=PASSWORD, ProposedPassword="Chang3d-P!1"
        )
    assert error_of(exc)[0] == "LimitExceededException"


def test_a_disabled_user_cannot_sign_in_and_loses_their_tokens(
    idp: Any, app: tuple[str, str]
) -> None:
    pool_id, cid = app
    _unconfirmed(idp, cid, "ap-fay")
    idp.admin_confirm_sign_up(UserPoolId=pool_id, Username="ap-fay")
    token = _sign_in(idp, cid, "ap-fay", PASSWORD)["AuthenticationResult"]["AccessToken"]
    idp.admin_disable_user(UserPoolId=pool_id, Username="ap-fay")
    assert idp.admin_get_user(UserPoolId=pool_id, Username="ap-fay")["Enabled"] is False
    with pytest.raises(ClientError) as exc:
        _sign_in(idp, cid, "ap-fay", PASSWORD)
    assert error_of(exc) == ("NotAuthorizedException", "User is disabled.")
    with pytest.raises(ClientError) as exc:
        idp.get_user(AccessToken=token)
    assert error_of(exc)[0] == "NotAuthorizedException"
    idp.admin_enable_user(UserPoolId=pool_id, Username="ap-fay")
    assert "AuthenticationResult" in _sign_in(idp, cid, "ap-fay", PASSWORD)
    with pytest.raises(ClientError) as exc:
        idp.admin_disable_user(UserPoolId=pool_id, Username="ap-nobody")
    assert error_of(exc)[0] == "UserNotFoundException"
