"""Attribute changes and verification through boto3: UpdateUserAttributes' codes,
GetUserAttributeVerificationCode, VerifyUserAttribute, and deleting attributes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.helpers import Server, error_of

PASSWORD = "Passw0rd!"
FLOWS = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]


def _member(idp: Any, server: Server, pool_id: str, cid: str, name: str, email: str) -> str:
    """A confirmed user with a verified email; their access token."""
    idp.sign_up(
        ClientId=cid,
        Username=name,
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": email}],
    )
    idp.confirm_sign_up(ClientId=cid, Username=name, ConfirmationCode=server.code(email))
    out = idp.initiate_auth(
        AuthFlow="USER_PASSWORD_AUTH",
        ClientId=cid,
        AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD},
    )
    return str(out["AuthenticationResult"]["AccessToken"])


def _attributes(idp: Any, token: str) -> dict[str, str]:
    return {a["Name"]: a["Value"] for a in idp.get_user(AccessToken=token)["UserAttributes"]}


@pytest.fixture
def app(
    idp: Any, make_pool: Callable[..., Any], make_client: Callable[..., Any]
) -> tuple[str, str]:
    pool = make_pool(
        AutoVerifiedAttributes=["email"],
        AliasAttributes=["email"],
        Schema=[{"Name": "nickname2", "AttributeDataType": "String", "Mutable": True}],
    )
    return pool["Id"], make_client(pool, ExplicitAuthFlows=FLOWS)["ClientId"]


def test_a_changed_email_gets_a_code_and_is_verified_with_it(
    idp: Any, server: Server, app: tuple[str, str]
) -> None:
    pool_id, cid = app
    token = _member(idp, server, pool_id, cid, "at-ann", "at-ann@attr.example.com")
    out = idp.update_user_attributes(
        AccessToken=token, UserAttributes=[{"Name": "email", "Value": "at-ann2@attr.example.com"}]
    )
    assert out["CodeDeliveryDetailsList"] == [
        {"Destination": "a***@a***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}
    ]
    attributes = _attributes(idp, token)
    assert attributes["email"] == "at-ann2@attr.example.com"
    assert attributes["email_verified"] == "false"
    code = server.code("at-ann2@attr.example.com")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    with pytest.raises(ClientError) as exc:
        idp.verify_user_attribute(AccessToken=token, AttributeName="email", Code=wrong)
    assert error_of(exc)[0] == "CodeMismatchException"
    idp.verify_user_attribute(AccessToken=token, AttributeName="email", Code=code)
    assert _attributes(idp, token)["email_verified"] == "true"
    # the verified email is the user's alias now
    signed = idp.initiate_auth(
        AuthFlow="USER_PASSWORD_AUTH",
        ClientId=cid,
        AuthParameters={"USERNAME": "at-ann2@attr.example.com", "PASSWORD": PASSWORD},
    )
    assert "AuthenticationResult" in signed


def test_a_code_on_request_and_attributes_without_one(
    idp: Any, server: Server, app: tuple[str, str]
) -> None:
    pool_id, cid = app
    email = "at-bob@attr.example.com"
    token = _member(idp, server, pool_id, cid, "at-bob", email)
    sent = idp.get_user_attribute_verification_code(AccessToken=token, AttributeName="email")
    assert sent["CodeDeliveryDetails"]["AttributeName"] == "email"
    idp.verify_user_attribute(AccessToken=token, AttributeName="email", Code=server.code(email))
    with pytest.raises(ClientError) as exc:
        idp.get_user_attribute_verification_code(AccessToken=token, AttributeName="phone_number")
    assert error_of(exc)[0] == "InvalidParameterException"
    with pytest.raises(ClientError) as exc:
        idp.verify_user_attribute(AccessToken=token, AttributeName="email", Code="123456")
    assert error_of(exc)[0] == "ExpiredCodeException"  # none outstanding


def test_verifying_an_email_another_user_owns_is_refused(
    idp: Any, server: Server, app: tuple[str, str]
) -> None:
    pool_id, cid = app
    _member(idp, server, pool_id, cid, "at-cat", "at-cat@attr.example.com")
    token = _member(idp, server, pool_id, cid, "at-dan", "at-dan@attr.example.com")
    idp.update_user_attributes(
        AccessToken=token, UserAttributes=[{"Name": "email", "Value": "at-cat@attr.example.com"}]
    )
    code = server.code("at-cat@attr.example.com")
    with pytest.raises(ClientError) as exc:
        idp.verify_user_attribute(AccessToken=token, AttributeName="email", Code=code)
    assert error_of(exc)[0] == "AliasExistsException"


def test_deleting_attributes(idp: Any, server: Server, app: tuple[str, str]) -> None:
    pool_id, cid = app
    token = _member(idp, server, pool_id, cid, "at-eve", "at-eve@attr.example.com")
    idp.update_user_attributes(
        AccessToken=token, UserAttributes=[{"Name": "custom:nickname2", "Value": "evie"}]
    )
    assert _attributes(idp, token)["custom:nickname2"] == "evie"
    idp.delete_user_attributes(AccessToken=token, UserAttributeNames=["custom:nickname2"])
    assert "custom:nickname2" not in _attributes(idp, token)
    idp.admin_delete_user_attributes(
        UserPoolId=pool_id, Username="at-eve", UserAttributeNames=["email"]
    )
    remaining = _attributes(idp, token)
    assert "email" not in remaining and "email_verified" not in remaining
    with pytest.raises(ClientError) as exc:
        idp.admin_delete_user_attributes(
            UserPoolId=pool_id, Username="at-eve", UserAttributeNames=["sub"]
        )
    assert error_of(exc)[0] == "InvalidParameterException"


def test_an_admin_change_of_email_sends_a_code_to_the_new_address(
    idp: Any, server: Server, app: tuple[str, str]
) -> None:
    pool_id, cid = app
    _member(idp, server, pool_id, cid, "at-fay", "at-fay@attr.example.com")
    idp.admin_update_user_attributes(
        UserPoolId=pool_id,
        Username="at-fay",
        UserAttributes=[{"Name": "email", "Value": "at-fay2@attr.example.com"}],
    )
    assert server.code("at-fay2@attr.example.com")
    idp.admin_update_user_attributes(
        UserPoolId=pool_id,
        Username="at-fay",
        UserAttributes=[
            {"Name": "email", "Value": "at-fay3@attr.example.com"},
            {"Name": "email_verified", "Value": "true"},
        ],
    )
    assert server.messages("at-fay3@attr.example.com") == []
