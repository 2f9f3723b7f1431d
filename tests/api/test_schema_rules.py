"""The attribute schema's rules through boto3: what CreateUserPool and AddCustomAttributes
accept, the ``dev:custom:`` attributes app clients never see, the names an app client's
ReadAttributes/WriteAttributes may hold, and deleting an attribute the schema lacks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jwt
import pytest
from botocore.exceptions import ClientError

from tests.helpers import Server, error_of

PASSWORD = "Passw0rd!"
FLOWS = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
Make = Callable[..., dict[str, Any]]
INVALID = "InvalidParameterException"

# Cognito's CreateUserPool example (API reference): a developer-only Number attribute.
MYDEV = {
    "AttributeDataType": "Number",
    "DeveloperOnlyAttribute": True,
    "Mutable": True,
    "Name": "mydev",
    "NumberAttributeConstraints": {"MaxValue": "99", "MinValue": "1"},
    "Required": False,
    "StringAttributeConstraints": {"MaxLength": "99", "MinLength": "1"},
}


def _schema(idp: Any, pool_id: str) -> dict[str, dict[str, Any]]:
    described = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    return {a["Name"]: a for a in described["SchemaAttributes"]}


def _refused(call: Callable[..., Any], **request: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as exc:
        call(**request)
    return error_of(exc)


def _user(idp: Any, pool_id: str, name: str, *attributes: tuple[str, str]) -> None:
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username=name,
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": k, "Value": v} for k, v in attributes],
    )
    idp.admin_set_user_password(
        UserPoolId=pool_id, Username=name, Password=PASSWORD, Permanent=True
    )


def _sign_in(idp: Any, client_id: str, name: str) -> dict[str, Any]:
    return dict(
        idp.initiate_auth(
            ClientId=client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD},
        )["AuthenticationResult"]
    )


def _claims(result: dict[str, Any]) -> dict[str, Any]:
    return dict(jwt.decode(result["IdToken"], options={"verify_signature": False}))


def _seen(idp: Any, result: dict[str, Any]) -> dict[str, str]:
    got = idp.get_user(AccessToken=result["AccessToken"])["UserAttributes"]
    return {a["Name"]: a["Value"] for a in got}


# --- CreateUserPool ---------------------------------------------------------------------


def test_a_developer_only_attribute_is_named_dev_custom(idp: Any, make_pool: Make) -> None:
    pool = make_pool(Schema=[MYDEV])
    assert _schema(idp, pool["Id"])["dev:custom:mydev"] == {
        "Name": "dev:custom:mydev",
        "AttributeDataType": "Number",
        "DeveloperOnlyAttribute": True,
        "Mutable": True,
        "Required": False,
        "NumberAttributeConstraints": {"MaxValue": "99", "MinValue": "1"},
    }
    assert "custom:mydev" not in _schema(idp, pool["Id"])


REFUSED_SCHEMAS: list[tuple[dict[str, Any], str]] = [
    (
        {"Name": "plan", "AttributeDataType": "String", "Required": True},
        "Required custom attributes are not supported currently.",
    ),
    (
        {"Name": "plan", "Mutable": True},
        "Invalid AttributeDataType input, consider using the provided AttributeDataType enum.",
    ),
    (
        {"Name": "email", "AttributeDataType": "Number"},
        "You can not change AttributeDataType or set developerOnlyAttribute for standard "
        "schema attribute email",
    ),
    (
        {"Name": "name", "AttributeDataType": "String", "DeveloperOnlyAttribute": True},
        "You can not change AttributeDataType or set developerOnlyAttribute for standard "
        "schema attribute name",
    ),
    (
        {
            "Name": "s",
            "AttributeDataType": "String",
            "StringAttributeConstraints": {"MaxLength": "x"},
        },
        "Invalid StringAttributeConstraints for schema attribute custom:s",
    ),
    (
        {
            "Name": "s",
            "AttributeDataType": "String",
            "StringAttributeConstraints": {"MaxLength": "4096"},
        },
        "user.custom:s: String attributes cannot have a length of more than 2048",
    ),
    (
        {
            "Name": "s",
            "AttributeDataType": "String",
            "StringAttributeConstraints": {"MinLength": "8", "MaxLength": "4"},
        },
        "user.custom:s: Max length cannot be less than min length.",
    ),
    (
        {
            "Name": "n",
            "AttributeDataType": "Number",
            "NumberAttributeConstraints": {"MinValue": "low"},
        },
        "Invalid NumberAttributeConstraints for schema attribute custom:n",
    ),
    (
        {
            "Name": "n",
            "AttributeDataType": "Number",
            "NumberAttributeConstraints": {"MinValue": "10", "MaxValue": "-10"},
        },
        "user.custom:n: Max value cannot be less than min value.",
    ),
]


@pytest.mark.parametrize(("entry", "text"), REFUSED_SCHEMAS)
def test_create_user_pool_refuses_a_schema_that_breaks_a_rule(
    idp: Any, entry: dict[str, Any], text: str
) -> None:
    before = len(idp.list_user_pools(MaxResults=60)["UserPools"])
    assert _refused(idp.create_user_pool, PoolName="bad", Schema=[entry]) == (INVALID, text)
    assert len(idp.list_user_pools(MaxResults=60)["UserPools"]) == before


def test_standard_attributes_take_narrower_bounds(idp: Any, make_pool: Make) -> None:
    pool = make_pool(
        Schema=[
            {
                "Name": "given_name",
                "AttributeDataType": "String",
                "Required": True,
                "StringAttributeConstraints": {"MinLength": "0", "MaxLength": "255"},
            }
        ]
    )
    given = _schema(idp, pool["Id"])["given_name"]
    assert given["Required"] is True
    assert given["StringAttributeConstraints"] == {"MinLength": "0", "MaxLength": "255"}


# --- AddCustomAttributes ----------------------------------------------------------------


def test_add_custom_attributes_adds_them_for_good(idp: Any, make_pool: Make) -> None:
    pool = make_pool()
    _user(idp, pool["Id"], "ada")
    refused = _refused(
        idp.admin_update_user_attributes,
        UserPoolId=pool["Id"],
        Username="ada",
        UserAttributes=[{"Name": "custom:team", "Value": "blue"}],
    )
    assert refused[0] == INVALID
    answer = idp.add_custom_attributes(
        UserPoolId=pool["Id"],
        CustomAttributes=[
            {
                "Name": "team",
                "AttributeDataType": "String",
                "StringAttributeConstraints": {"MaxLength": "64"},
            },
            {"Name": "level", "AttributeDataType": "Number", "Mutable": False},
            MYDEV,
        ],
    )
    assert {k: v for k, v in answer.items() if k != "ResponseMetadata"} == {}
    schema = _schema(idp, pool["Id"])
    assert schema["custom:team"] == {
        "Name": "custom:team",
        "AttributeDataType": "String",
        "DeveloperOnlyAttribute": False,
        "Mutable": True,
        "Required": False,
        "StringAttributeConstraints": {"MaxLength": "64"},
    }
    assert schema["custom:level"]["Mutable"] is False
    assert schema["dev:custom:mydev"]["DeveloperOnlyAttribute"] is True
    idp.admin_update_user_attributes(
        UserPoolId=pool["Id"],
        Username="ada",
        UserAttributes=[
            {"Name": "custom:team", "Value": "blue"},
            {"Name": "dev:custom:mydev", "Value": "7"},
        ],
    )
    got = idp.admin_get_user(UserPoolId=pool["Id"], Username="ada")["UserAttributes"]
    assert {"Name": "custom:team", "Value": "blue"} in got
    assert {"Name": "dev:custom:mydev", "Value": "7"} in got


def test_a_name_taken_is_refused_and_nothing_is_added(idp: Any, make_pool: Make) -> None:
    pool = make_pool(Schema=[{"Name": "team", "AttributeDataType": "String"}])
    before = _schema(idp, pool["Id"])
    assert _refused(
        idp.add_custom_attributes,
        UserPoolId=pool["Id"],
        CustomAttributes=[
            {"Name": "fresh", "AttributeDataType": "String"},
            {"Name": "team", "AttributeDataType": "Number"},
        ],
    ) == (INVALID, "custom:team: Existing attribute already has name custom:team.")
    assert _schema(idp, pool["Id"]) == before
    # A name given with its prefix is prefixed again: custom:custom:team.
    idp.add_custom_attributes(
        UserPoolId=pool["Id"],
        CustomAttributes=[{"Name": "custom:team", "AttributeDataType": "String"}],
    )
    assert _refused(
        idp.add_custom_attributes,
        UserPoolId=pool["Id"],
        CustomAttributes=[{"Name": "custom:team", "AttributeDataType": "String"}],
    ) == (INVALID, "custom:custom:team: Existing attribute already has name custom:custom:team.")


@pytest.mark.parametrize(
    ("entry", "text"), [e for e in REFUSED_SCHEMAS if e[0]["Name"] not in ("email", "name")]
)
def test_add_custom_attributes_keeps_create_user_pools_rules(
    idp: Any, make_pool: Make, entry: dict[str, Any], text: str
) -> None:
    pool = make_pool()
    assert _refused(idp.add_custom_attributes, UserPoolId=pool["Id"], CustomAttributes=[entry]) == (
        INVALID,
        text,
    )


def test_add_custom_attributes_to_no_pool_is_resource_not_found(idp: Any) -> None:
    assert _refused(
        idp.add_custom_attributes,
        UserPoolId="us-east-1_nothere12",
        CustomAttributes=[{"Name": "team", "AttributeDataType": "String"}],
    ) == ("ResourceNotFoundException", "User pool us-east-1_nothere12 does not exist.")


@pytest.mark.parametrize(
    "attributes",
    [
        [],
        [{"Name": f"a{i}", "AttributeDataType": "String"} for i in range(26)],
        [{"Name": "x" * 21, "AttributeDataType": "String"}],
        [{"AttributeDataType": "String"}],  # no Name
    ],
)
def test_the_models_bounds_hold(server: Server, make_pool: Make, attributes: list[Any]) -> None:
    pool = make_pool()
    unchecked = server.client(parameter_validation=False)  # boto3 would refuse them itself
    code, _ = _refused(
        unchecked.add_custom_attributes, UserPoolId=pool["Id"], CustomAttributes=attributes
    )
    assert code == INVALID


def test_a_pool_holds_at_most_fifty_custom_attributes(idp: Any, make_pool: Make) -> None:
    pool = make_pool()
    for batch in range(2):
        idp.add_custom_attributes(
            UserPoolId=pool["Id"],
            CustomAttributes=[
                {"Name": f"b{batch}a{i}", "AttributeDataType": "String"} for i in range(25)
            ],
        )
    assert sum(n.startswith("custom:") for n in _schema(idp, pool["Id"])) == 50
    assert _refused(
        idp.add_custom_attributes,
        UserPoolId=pool["Id"],
        CustomAttributes=[{"Name": "more", "AttributeDataType": "String"}],
    ) == (INVALID, "The user pool has reached the limit of 50 custom attributes.")


# --- developer-only attributes and ReadAttributes ---------------------------------------


def test_app_clients_never_see_or_write_developer_only_attributes(
    idp: Any, make_pool: Make, make_client: Make
) -> None:
    pool = make_pool(Schema=[MYDEV, {"Name": "team", "AttributeDataType": "String"}])
    client = make_client(pool, ExplicitAuthFlows=FLOWS)
    _user(idp, pool["Id"], "bea", ("custom:team", "red"), ("dev:custom:mydev", "5"))
    admin_view = idp.admin_get_user(UserPoolId=pool["Id"], Username="bea")["UserAttributes"]
    assert {"Name": "dev:custom:mydev", "Value": "5"} in admin_view
    result = _sign_in(idp, client["ClientId"], "bea")
    assert "dev:custom:mydev" not in _seen(idp, result)
    assert _seen(idp, result)["custom:team"] == "red"
    claims = _claims(result)
    assert "dev:custom:mydev" not in claims and claims["custom:team"] == "red"
    for call, request in (
        (
            idp.update_user_attributes,
            {"UserAttributes": [{"Name": "dev:custom:mydev", "Value": "6"}]},
        ),
        (idp.delete_user_attributes, {"UserAttributeNames": ["dev:custom:mydev"]}),
    ):
        assert _refused(call, AccessToken=result["AccessToken"], **request) == (
            "NotAuthorizedException",
            "A client attempted to write unauthorized attribute",
        )
    admin_view = idp.admin_get_user(UserPoolId=pool["Id"], Username="bea")["UserAttributes"]
    assert {"Name": "dev:custom:mydev", "Value": "5"} in admin_view


def test_get_user_and_the_id_token_show_the_clients_read_attributes_only(
    idp: Any, make_pool: Make, make_client: Make
) -> None:
    pool = make_pool(Schema=[{"Name": "team", "AttributeDataType": "String"}])
    client = make_client(pool, ExplicitAuthFlows=FLOWS, ReadAttributes=["email", "custom:team"])
    _user(
        idp, pool["Id"], "cal", ("email", "cal@example.com"), ("name", "Cal"), ("custom:team", "x")
    )
    result = _sign_in(idp, client["ClientId"], "cal")
    assert set(_seen(idp, result)) == {"sub", "email", "custom:team"}
    claims = _claims(result)
    assert claims["email"] == "cal@example.com" and claims["custom:team"] == "x"
    assert "name" not in claims


# --- ReadAttributes / WriteAttributes ---------------------------------------------------


def test_client_attribute_lists_must_name_the_pools_attributes(
    idp: Any, make_pool: Make, make_client: Make
) -> None:
    pool = make_pool(Schema=[MYDEV])
    create = idp.create_user_pool_client
    base = {"UserPoolId": pool["Id"], "ClientName": "app"}
    read = (INVALID, "Invalid read attributes specified while creating a client")
    write = (INVALID, "Invalid write attributes specified while creating a client")
    assert _refused(create, **base, ReadAttributes=["email", "custom:team"]) == read
    assert _refused(create, **base, ReadAttributes=["dev:custom:mydev"]) == read
    assert _refused(create, **base, WriteAttributes=["shoe_size"]) == write
    assert _refused(create, **base, WriteAttributes=["email", "email_verified"]) == write
    assert _refused(create, **base, WriteAttributes=["dev:custom:mydev"]) == write
    client = make_client(
        pool, ReadAttributes=["email", "email_verified"], WriteAttributes=["email"]
    )
    update = idp.update_user_pool_client
    which = {"UserPoolId": pool["Id"], "ClientId": client["ClientId"]}
    assert _refused(update, **which, ReadAttributes=["custom:team"]) == (
        INVALID,
        "Invalid read attributes specified while updating a client",
    )
    assert _refused(update, **which, WriteAttributes=["custom:team"]) == (
        INVALID,
        "Invalid write attributes specified while updating a client",
    )
    idp.add_custom_attributes(
        UserPoolId=pool["Id"], CustomAttributes=[{"Name": "team", "AttributeDataType": "String"}]
    )
    updated = update(**which, ReadAttributes=["custom:team"], WriteAttributes=["custom:team"])
    assert updated["UserPoolClient"]["WriteAttributes"] == ["custom:team"]


def test_write_attributes_must_hold_the_required_ones(idp: Any, make_pool: Make) -> None:
    pool = make_pool(Schema=[{"Name": "email", "Required": True}])
    base = {"UserPoolId": pool["Id"], "ClientName": "app"}
    assert _refused(idp.create_user_pool_client, **base, WriteAttributes=["name"]) == (
        INVALID,
        "Invalid write attributes specified while creating a client",
    )
    made = idp.create_user_pool_client(**base, WriteAttributes=["email", "name"])
    assert made["UserPoolClient"]["WriteAttributes"] == ["email", "name"]


# --- deleting an attribute the schema lacks ---------------------------------------------


def test_deleting_an_attribute_the_schema_lacks_is_refused(
    idp: Any, make_pool: Make, make_client: Make
) -> None:
    pool = make_pool()
    client = make_client(pool, ExplicitAuthFlows=FLOWS)
    _user(idp, pool["Id"], "dee", ("email", "dee@example.com"), ("name", "Dee"))
    text = "Invalid user attributes: user.{}: Attribute does not exist in the schema."
    assert _refused(
        idp.admin_delete_user_attributes,
        UserPoolId=pool["Id"],
        Username="dee",
        UserAttributeNames=["name", "shoe_size"],
    ) == (INVALID, text.format("shoe_size"))
    token = _sign_in(idp, client["ClientId"], "dee")["AccessToken"]
    assert _refused(
        idp.delete_user_attributes, AccessToken=token, UserAttributeNames=["custom:gone"]
    ) == (INVALID, text.format("custom:gone"))
    assert _seen(idp, {"AccessToken": token})["name"] == "Dee"  # nothing was deleted


# --- values written against the schema --------------------------------------------------

VALUED = [
    {
        "Name": "team",
        "AttributeDataType": "String",
        "StringAttributeConstraints": {"MaxLength": "5"},
    },
    {
        "Name": "age",
        "AttributeDataType": "Number",
        "NumberAttributeConstraints": {"MinValue": "18", "MaxValue": "130"},
    },
    {"Name": "badge", "AttributeDataType": "String", "Mutable": False},
]
CONFORM = "Attributes did not conform to the schema: "


def test_unknown_attributes_are_named_one_per_line_as_cognito_does(
    idp: Any, make_pool: Make, make_client: Make
) -> None:
    pool = make_pool()
    client = make_client(pool, ExplicitAuthFlows=FLOWS)
    assert _refused(
        idp.sign_up,
        ClientId=client["ClientId"],
        Username="eve",
        Password=PASSWORD,
        UserAttributes=[
            {"Name": "custom:firstName", "Value": "E"},
            {"Name": "email", "Value": "eve@example.com"},
            {"Name": "shoe_size", "Value": "9"},
        ],
    ) == (
        INVALID,
        CONFORM + "custom:firstName: Attribute does not exist in the schema.\n"
        "shoe_size: Attribute does not exist in the schema.\n",
    )
    _user(idp, pool["Id"], "eve", ("email", "eve@example.com"))
    token = _sign_in(idp, client["ClientId"], "eve")["AccessToken"]
    assert _refused(
        idp.update_user_attributes,
        AccessToken=token,
        UserAttributes=[{"Name": "custom:address", "Value": "x"}],
    ) == (INVALID, "user.custom:address: Attribute does not exist in the schema.\n")


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("custom:team", "toolong", "String must be no longer than 5 characters"),
        ("custom:age", "old", "Number must be a number"),
        ("custom:age", "17", "Number must be no less than 18"),
        ("custom:age", "131", "Number must be no greater than 130"),
        ("email_verified", "yes", "Boolean value must be true or false"),
        ("birthdate", "1990-1-1", "String must be no shorter than 10 characters"),
    ],
)
def test_values_are_checked_against_their_type_and_bounds(
    idp: Any, make_pool: Make, name: str, value: str, reason: str
) -> None:
    pool = make_pool(Schema=VALUED)
    assert _refused(
        idp.admin_create_user,
        UserPoolId=pool["Id"],
        Username="fay",
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": name, "Value": value}],
    ) == (INVALID, f"{CONFORM}{name}: {reason}")
    _user(idp, pool["Id"], "fay", ("custom:team", "blue"), ("custom:age", "18"))
    assert _refused(
        idp.admin_update_user_attributes,
        UserPoolId=pool["Id"],
        Username="fay",
        UserAttributes=[{"Name": name, "Value": value}],
    ) == (INVALID, f"{CONFORM}{name}: {reason}")


def test_an_immutable_attribute_is_set_once(idp: Any, make_pool: Make) -> None:
    pool = make_pool(Schema=VALUED)
    _user(idp, pool["Id"], "gil", ("custom:badge", "b-1"))
    assert _refused(
        idp.admin_update_user_attributes,
        UserPoolId=pool["Id"],
        Username="gil",
        UserAttributes=[{"Name": "custom:badge", "Value": "b-2"}],
    ) == (INVALID, "Cannot modify an immutable attribute: custom:badge")
    view = idp.admin_get_user(UserPoolId=pool["Id"], Username="gil")["UserAttributes"]
    assert {"Name": "custom:badge", "Value": "b-1"} in view
