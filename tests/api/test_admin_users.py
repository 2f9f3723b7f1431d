"""Admin user operations through boto3."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.helpers import Server, error_of

PASSWORD = "Passw0rd!"


def _attrs(user: dict[str, Any]) -> dict[str, str]:
    key = "UserAttributes" if "UserAttributes" in user else "Attributes"
    return {a["Name"]: a["Value"] for a in user[key]}


def test_admin_confirm_sign_up_confirms_without_verifying(
    idp: Any, pool: dict[str, Any], client: dict[str, Any]
) -> None:
    idp.sign_up(
        ClientId=client["ClientId"],
        Username="al",
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": "al@example.com"}],
    )
    idp.admin_confirm_sign_up(UserPoolId=pool["Id"], Username="al")
    user = idp.admin_get_user(UserPoolId=pool["Id"], Username="al")
    assert user["UserStatus"] == "CONFIRMED"
    assert _attrs(user).get("email_verified") != "true"


def test_admin_confirm_of_confirmed_user_is_not_authorized(
    idp: Any, pool: dict[str, Any], client: dict[str, Any]
) -> None:
    idp.sign_up(ClientId=client["ClientId"], Username="bo", Password=PASSWORD)
    idp.admin_confirm_sign_up(UserPoolId=pool["Id"], Username="bo")
    with pytest.raises(ClientError) as exc:
        idp.admin_confirm_sign_up(UserPoolId=pool["Id"], Username="bo")
    assert error_of(exc) == (
        "NotAuthorizedException",
        "User cannot be confirmed. Current status is CONFIRMED",
    )


def test_admin_calls_on_unknown_user_say_user_does_not_exist(
    idp: Any, pool: dict[str, Any]
) -> None:
    for call in (idp.admin_get_user, idp.admin_delete_user, idp.admin_confirm_sign_up):
        with pytest.raises(ClientError) as exc:
            call(UserPoolId=pool["Id"], Username="ghost")
        assert error_of(exc) == ("UserNotFoundException", "User does not exist.")


def test_admin_create_user_is_force_change_password_and_invited(
    idp: Any, server: Server, pool: dict[str, Any]
) -> None:
    out = idp.admin_create_user(
        UserPoolId=pool["Id"],
        Username="cy",
        TemporaryPassword="Temp0rary!",
        UserAttributes=[{"Name": "email", "Value": "cy@example.com"}],
        DesiredDeliveryMediums=["EMAIL"],
    )
    assert out["User"]["UserStatus"] == "FORCE_CHANGE_PASSWORD" and out["User"]["Enabled"] is True
    invitation = server.messages("cy@example.com")[-1]
    assert "Your username is cy and temporary password is Temp0rary!" in invitation


def test_admin_create_user_generates_a_temporary_password(
    idp: Any, server: Server, pool: dict[str, Any]
) -> None:
    idp.admin_create_user(
        UserPoolId=pool["Id"],
        Username="dee",
        UserAttributes=[{"Name": "email", "Value": "dee@example.com"}],
        DesiredDeliveryMediums=["EMAIL"],
    )
    assert "temporary password is " in server.messages("dee@example.com")[-1]


def test_admin_create_user_suppress_sends_nothing(
    idp: Any, server: Server, pool: dict[str, Any]
) -> None:
    idp.admin_create_user(
        UserPoolId=pool["Id"],
        Username="eve",
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": "eve@example.com"}],
    )
    assert server.messages("eve@example.com") == []


def test_admin_create_user_resend_needs_an_existing_user(idp: Any, pool: dict[str, Any]) -> None:
    with pytest.raises(ClientError) as exc:
        idp.admin_create_user(UserPoolId=pool["Id"], Username="fay", MessageAction="RESEND")
    assert error_of(exc) == ("UserNotFoundException", "User does not exist.")


def test_admin_create_user_resend_sends_a_new_invitation(
    idp: Any, server: Server, pool: dict[str, Any]
) -> None:
    attrs = [{"Name": "email", "Value": "gus-invited@example.com"}]
    idp.admin_create_user(
        UserPoolId=pool["Id"],
        Username="gus",
        UserAttributes=attrs,
        DesiredDeliveryMediums=["EMAIL"],
    )
    idp.admin_create_user(
        UserPoolId=pool["Id"],
        Username="gus",
        MessageAction="RESEND",
        DesiredDeliveryMediums=["EMAIL"],
    )
    assert len(server.messages("gus-invited@example.com")) == 2


def test_admin_create_user_twice_is_username_exists(idp: Any, pool: dict[str, Any]) -> None:
    idp.admin_create_user(UserPoolId=pool["Id"], Username="hal", MessageAction="SUPPRESS")
    with pytest.raises(ClientError) as exc:
        idp.admin_create_user(UserPoolId=pool["Id"], Username="hal", MessageAction="SUPPRESS")
    assert error_of(exc) == ("UsernameExistsException", "User already exists")


def test_admin_created_user_with_verified_email_gets_the_alias(
    idp: Any, make_pool: Callable[..., Any]
) -> None:
    pool = make_pool(AliasAttributes=["email"])
    idp.admin_create_user(
        UserPoolId=pool["Id"],
        Username="ian",
        MessageAction="SUPPRESS",
        UserAttributes=[
            {"Name": "email", "Value": "ian@example.com"},
            {"Name": "email_verified", "Value": "true"},
        ],
    )
    assert (
        idp.admin_get_user(UserPoolId=pool["Id"], Username="ian@example.com")["Username"] == "ian"
    )


def test_admin_delete_user_removes_the_user(idp: Any, pool: dict[str, Any]) -> None:
    idp.admin_create_user(UserPoolId=pool["Id"], Username="jo", MessageAction="SUPPRESS")
    idp.admin_delete_user(UserPoolId=pool["Id"], Username="jo")
    with pytest.raises(ClientError) as exc:
        idp.admin_get_user(UserPoolId=pool["Id"], Username="jo")
    assert error_of(exc)[0] == "UserNotFoundException"


def test_admin_update_user_attributes_changes_and_unverifies_a_new_email(
    idp: Any, server: Server, pool: dict[str, Any], client: dict[str, Any]
) -> None:
    idp.sign_up(
        ClientId=client["ClientId"],
        Username="kay",
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": "kay@example.com"}],
    )
    idp.confirm_sign_up(
        ClientId=client["ClientId"], Username="kay", ConfirmationCode=server.code("kay@example.com")
    )
    idp.admin_update_user_attributes(
        UserPoolId=pool["Id"],
        Username="kay",
        UserAttributes=[
            {"Name": "email", "Value": "kay2@example.com"},
            {"Name": "name", "Value": "Kay"},
        ],
    )
    attrs = _attrs(idp.admin_get_user(UserPoolId=pool["Id"], Username="kay"))
    assert attrs["email"] == "kay2@example.com" and attrs["name"] == "Kay"
    assert attrs["email_verified"] == "false"


def test_admin_update_cannot_take_a_verified_alias(idp: Any, make_pool: Callable[..., Any]) -> None:
    pool = make_pool(AliasAttributes=["email"])
    verified = [
        {"Name": "email", "Value": "lee@example.com"},
        {"Name": "email_verified", "Value": "true"},
    ]
    idp.admin_create_user(
        UserPoolId=pool["Id"], Username="lee", MessageAction="SUPPRESS", UserAttributes=verified
    )
    idp.admin_create_user(UserPoolId=pool["Id"], Username="lyn", MessageAction="SUPPRESS")
    with pytest.raises(ClientError) as exc:
        idp.admin_update_user_attributes(
            UserPoolId=pool["Id"], Username="lyn", UserAttributes=verified
        )
    assert error_of(exc)[0] == "AliasExistsException"


def test_sub_is_immutable(idp: Any, pool: dict[str, Any]) -> None:
    idp.admin_create_user(UserPoolId=pool["Id"], Username="mo", MessageAction="SUPPRESS")
    with pytest.raises(ClientError) as exc:
        idp.admin_update_user_attributes(
            UserPoolId=pool["Id"], Username="mo", UserAttributes=[{"Name": "sub", "Value": "x"}]
        )
    assert error_of(exc)[0] == "InvalidParameterException"


def test_deleting_a_user_removes_their_messages_events_and_tokens(
    idp: Any, server: Server, pool: dict[str, Any], client: dict[str, Any]
) -> None:
    out = idp.sign_up(
        ClientId=client["ClientId"],
        Username="gone",
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": "gone@example.com"}],
    )
    idp.admin_delete_user(UserPoolId=pool["Id"], Username="gone")
    assert server.messages("gone@example.com") == []
    assert server.sql("SELECT count(*) FROM events WHERE sub=?", out["UserSub"])[0][0] == 0
