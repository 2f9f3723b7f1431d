"""Boolean attributes given as ``True``, ``TRUE`` or ``False`` through boto3: taken as the
booleans they name everywhere (the recovery channel, aliases, the ID token's claims) and
echoed as Cognito stores them, ``true``/``false``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jwt
import pytest
from botocore.exceptions import ClientError

from tests.helpers import error_of

PASSWORD = "Passw0rd!"
FLOWS = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
Make = Callable[..., dict[str, Any]]


def _admin_user(idp: Any, pool: dict[str, Any], name: str, *attributes: tuple[str, str]) -> None:
    idp.admin_create_user(
        UserPoolId=pool["Id"],
        Username=name,
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": k, "Value": v} for k, v in attributes],
    )
    idp.admin_set_user_password(
        UserPoolId=pool["Id"], Username=name, Password=PASSWORD, Permanent=True
    )


def _attributes(idp: Any, pool: dict[str, Any], name: str) -> dict[str, str]:
    got = idp.admin_get_user(UserPoolId=pool["Id"], Username=name)["UserAttributes"]
    return {a["Name"]: a["Value"] for a in got}


@pytest.mark.parametrize("given", ["True", "TRUE", "true"])
def test_email_verified_given_as_true_in_any_case_is_verified(
    idp: Any, make_pool: Make, make_client: Make, given: str
) -> None:
    pool = make_pool()
    client = make_client(pool, ExplicitAuthFlows=FLOWS)
    _admin_user(idp, pool, "amy", ("email", "amy@example.com"), ("email_verified", given))
    assert _attributes(idp, pool, "amy")["email_verified"] == "true"
    sent = idp.forgot_password(ClientId=client["ClientId"], Username="amy")
    assert sent["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    tokens = idp.initiate_auth(
        ClientId=client["ClientId"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "amy", "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    claims = jwt.decode(tokens["IdToken"], options={"verify_signature": False})
    assert claims["email_verified"] is True


def test_email_verified_false_in_capitals_is_unverified(
    idp: Any, make_pool: Make, make_client: Make
) -> None:
    pool = make_pool()
    client = make_client(pool, ExplicitAuthFlows=FLOWS)
    _admin_user(idp, pool, "bob", ("email", "bob@example.com"), ("email_verified", "True"))
    idp.admin_update_user_attributes(
        UserPoolId=pool["Id"],
        Username="bob",
        UserAttributes=[{"Name": "email_verified", "Value": "FALSE"}],
    )
    assert _attributes(idp, pool, "bob")["email_verified"] == "false"
    with pytest.raises(ClientError) as exc:
        idp.forgot_password(ClientId=client["ClientId"], Username="bob")
    assert error_of(exc)[0] == "InvalidParameterException"


def test_an_email_verified_as_true_is_an_alias_to_sign_in_with(
    idp: Any, make_pool: Make, make_client: Make
) -> None:
    pool = make_pool(AliasAttributes=["email"])
    client = make_client(pool, ExplicitAuthFlows=FLOWS)
    _admin_user(idp, pool, "cat", ("email", "cat@example.com"), ("email_verified", "True"))
    tokens = idp.initiate_auth(
        ClientId=client["ClientId"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "cat@example.com", "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    claims = jwt.decode(tokens["IdToken"], options={"verify_signature": False})
    assert claims["cognito:username"] == "cat"


def test_a_boolean_custom_attribute_is_stored_as_true_or_false(idp: Any, make_pool: Make) -> None:
    pool = make_pool(Schema=[{"Name": "vip", "AttributeDataType": "Boolean"}])
    _admin_user(idp, pool, "dan", ("custom:vip", "TRUE"))
    assert _attributes(idp, pool, "dan")["custom:vip"] == "true"
    idp.admin_update_user_attributes(
        UserPoolId=pool["Id"],
        Username="dan",
        UserAttributes=[{"Name": "custom:vip", "Value": "False"}],
    )
    assert _attributes(idp, pool, "dan")["custom:vip"] == "false"
