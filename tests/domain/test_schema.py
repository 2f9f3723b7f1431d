"""``domain.schema``: the standard attributes every pool has (as DescribeUserPool lists
them), custom attributes under ``custom:``, and the checks on attribute values."""

from __future__ import annotations

from typing import Any

import pytest

from userpool.domain import schema
from userpool.errors import InvalidParameterException

# Cognito's developer guide, "Standard attributes", plus sub and the two verified flags.
STANDARD = {
    "sub",
    "name",
    "given_name",
    "family_name",
    "middle_name",
    "nickname",
    "preferred_username",
    "profile",
    "picture",
    "website",
    "email",
    "email_verified",
    "gender",
    "birthdate",
    "zoneinfo",
    "locale",
    "phone_number",
    "phone_number_verified",
    "address",
    "updated_at",
}


def _by_name(attributes: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {a["Name"]: a for a in attributes}


def _refusal(attributes: dict[str, str], creating: bool = True, **custom: Any) -> str:
    with pytest.raises(InvalidParameterException) as exc:
        schema.check_attributes(
            schema.pool_schema(custom.get("requested")), attributes, creating=creating
        )
    return exc.value.message


def _schema_refusal(requested: list[dict[str, Any]]) -> str:
    with pytest.raises(InvalidParameterException) as exc:
        schema.pool_schema(requested)
    return exc.value.message


def test_the_standard_schema_has_cognitos_standard_attributes() -> None:
    listed = schema.standard_schema()
    assert {a["Name"] for a in listed} == STANDARD
    assert len(listed) == len(STANDARD)


def test_standard_attribute_types_and_constraints() -> None:
    std = _by_name(schema.standard_schema())
    assert std["sub"] == {
        "Name": "sub",
        "AttributeDataType": "String",
        "DeveloperOnlyAttribute": False,
        "Mutable": False,
        "Required": True,
        "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "2048"},
    }
    assert std["email"]["StringAttributeConstraints"] == {"MinLength": "0", "MaxLength": "2048"}
    assert std["birthdate"]["StringAttributeConstraints"] == {"MinLength": "10", "MaxLength": "10"}
    assert std["email_verified"]["AttributeDataType"] == "Boolean"
    assert std["phone_number_verified"]["AttributeDataType"] == "Boolean"
    assert std["updated_at"]["AttributeDataType"] == "Number"
    assert std["updated_at"]["NumberAttributeConstraints"] == {"MinValue": "0"}
    assert all(a["Mutable"] and not a["Required"] for n, a in std.items() if n != "sub")


def test_custom_attributes_get_the_custom_prefix_and_defaults() -> None:
    merged = _by_name(
        schema.pool_schema(
            [
                {"Name": "tier", "AttributeDataType": "Number"},
                {"Name": "custom:plan", "AttributeDataType": "String"},
            ]
        )
    )
    assert merged["custom:tier"] == {
        "Name": "custom:tier",
        "AttributeDataType": "Number",
        "DeveloperOnlyAttribute": False,
        "Mutable": True,
        "Required": False,
    }
    # A name given with the prefix gets it twice, as users saw Cognito do.
    assert merged["custom:custom:plan"]["AttributeDataType"] == "String"
    assert "tier" not in merged and "custom:plan" not in merged


def test_a_developer_only_attribute_is_named_dev_custom_and_keeps_its_own_bounds() -> None:
    # Cognito's CreateUserPool example: a developer-only Number attribute given both kinds
    # of bounds comes back as dev:custom:mydev with its NumberAttributeConstraints only.
    requested = {
        "AttributeDataType": "Number",
        "DeveloperOnlyAttribute": True,
        "Mutable": True,
        "Name": "mydev",
        "NumberAttributeConstraints": {"MaxValue": "99", "MinValue": "1"},
        "Required": False,
        "StringAttributeConstraints": {"MaxLength": "99", "MinLength": "1"},
    }
    assert _by_name(schema.pool_schema([requested]))["dev:custom:mydev"] == {
        "Name": "dev:custom:mydev",
        "AttributeDataType": "Number",
        "DeveloperOnlyAttribute": True,
        "Mutable": True,
        "Required": False,
        "NumberAttributeConstraints": {"MaxValue": "99", "MinValue": "1"},
    }


def test_a_standard_attribute_can_be_made_required_or_immutable() -> None:
    merged = _by_name(
        schema.pool_schema(
            [
                {"Name": "email", "Required": True, "AttributeDataType": "String"},
                {"Name": "name", "Mutable": False},
            ]
        )
    )
    assert merged["email"]["Required"] is True
    assert merged["name"]["Mutable"] is False
    assert len(merged) == len(STANDARD)


@pytest.mark.parametrize(
    "entry",
    [
        {"Name": "email", "AttributeDataType": "Number"},
        {"Name": "email_verified", "AttributeDataType": "String"},
        {"Name": "email", "DeveloperOnlyAttribute": True},
    ],
)
def test_a_standard_attribute_keeps_its_type_and_is_never_developer_only(
    entry: dict[str, Any],
) -> None:
    assert _schema_refusal([entry]) == (
        "You can not change AttributeDataType or set developerOnlyAttribute for standard "
        f"schema attribute {entry['Name']}"
    )


def test_a_standard_attributes_bounds_may_be_narrowed_and_are_checked() -> None:
    narrowed = {"Name": "given_name", "StringAttributeConstraints": {"MaxLength": "255"}}
    assert _by_name(schema.pool_schema([narrowed]))["given_name"]["StringAttributeConstraints"] == {
        "MinLength": "0",
        "MaxLength": "255",
    }
    too_long = {"Name": "given_name", "StringAttributeConstraints": {"MaxLength": "4096"}}
    assert _schema_refusal([too_long]) == (
        "user.given_name: String attributes cannot have a length of more than 2048"
    )


def test_a_required_custom_attribute_is_refused() -> None:
    entry = {"Name": "plan", "AttributeDataType": "String", "Required": True}
    assert _schema_refusal([entry]) == "Required custom attributes are not supported currently."


def test_a_custom_attribute_without_a_type_is_refused() -> None:
    assert _schema_refusal([{"Name": "plan"}]) == (
        "Invalid AttributeDataType input, consider using the provided AttributeDataType enum."
    )


@pytest.mark.parametrize(
    ("bounds", "text"),
    [
        ({"MaxLength": "ten"}, "Invalid StringAttributeConstraints for schema attribute custom:s"),
        ({"MinLength": "-1"}, "Invalid StringAttributeConstraints for schema attribute custom:s"),
        ({"MaxLength": "2.5"}, "Invalid StringAttributeConstraints for schema attribute custom:s"),
        ({"MaxLength": ""}, "Invalid StringAttributeConstraints for schema attribute custom:s"),
        (
            {"MaxLength": "2049"},
            "user.custom:s: String attributes cannot have a length of more than 2048",
        ),
        (
            {"MinLength": "3000"},
            "user.custom:s: String attributes cannot have a length of more than 2048",
        ),
        (
            {"MinLength": "10", "MaxLength": "9"},
            "user.custom:s: Max length cannot be less than min length.",
        ),
    ],
)
def test_bad_string_bounds_are_refused(bounds: dict[str, str], text: str) -> None:
    entry = {"Name": "s", "AttributeDataType": "String", "StringAttributeConstraints": bounds}
    assert _schema_refusal([entry]) == text


@pytest.mark.parametrize(
    ("bounds", "text"),
    [
        ({"MinValue": "one"}, "Invalid NumberAttributeConstraints for schema attribute custom:n"),
        ({"MaxValue": "1e3"}, "Invalid NumberAttributeConstraints for schema attribute custom:n"),
        ({"MaxValue": "NaN"}, "Invalid NumberAttributeConstraints for schema attribute custom:n"),
        (
            {"MaxValue": "9" * 400},
            "Invalid NumberAttributeConstraints for schema attribute custom:n",
        ),
        (
            {"MinValue": "5", "MaxValue": "4"},
            "user.custom:n: Max value cannot be less than min value.",
        ),
    ],
)
def test_bad_number_bounds_are_refused(bounds: dict[str, str], text: str) -> None:
    entry = {"Name": "n", "AttributeDataType": "Number", "NumberAttributeConstraints": bounds}
    assert _schema_refusal([entry]) == text


def test_good_bounds_are_kept_as_given() -> None:
    made = _by_name(
        schema.pool_schema(
            [
                {
                    "Name": "s",
                    "AttributeDataType": "String",
                    "StringAttributeConstraints": {"MinLength": "2048", "MaxLength": "2048"},
                },
                {
                    "Name": "n",
                    "AttributeDataType": "Number",
                    "NumberAttributeConstraints": {"MinValue": "-10.5", "MaxValue": "+10"},
                },
                {
                    "Name": "b",
                    "AttributeDataType": "Boolean",
                    "StringAttributeConstraints": {"MaxLength": "5"},
                },
            ]
        )
    )
    assert made["custom:s"]["StringAttributeConstraints"] == {
        "MinLength": "2048",
        "MaxLength": "2048",
    }
    assert made["custom:n"]["NumberAttributeConstraints"] == {
        "MinValue": "-10.5",
        "MaxValue": "+10",
    }
    assert "StringAttributeConstraints" not in made["custom:b"]


def test_adding_a_taken_name_is_refused_and_changes_nothing() -> None:
    pool = schema.pool_schema([{"Name": "plan", "AttributeDataType": "String"}])
    before = [dict(a) for a in pool]
    for entry, holder in (
        ({"Name": "plan", "AttributeDataType": "Number"}, "custom:plan"),
        (
            {"Name": "plan", "AttributeDataType": "String", "DeveloperOnlyAttribute": True},
            "custom:plan",
        ),
    ):
        with pytest.raises(InvalidParameterException) as exc:
            schema.with_custom_attributes(
                pool, [{"Name": "new", "AttributeDataType": "String"}, entry]
            )
        assert exc.value.message == f"custom:plan: Existing attribute already has name {holder}."
    assert pool == before
    dev = schema.pool_schema(
        [{"Name": "x", "AttributeDataType": "String", "DeveloperOnlyAttribute": True}]
    )
    with pytest.raises(InvalidParameterException) as exc:
        schema.with_custom_attributes(dev, [{"Name": "x", "AttributeDataType": "String"}])
    assert exc.value.message == "custom:x: Existing attribute already has name dev:custom:x."


def test_a_pool_holds_at_most_fifty_custom_attributes() -> None:
    pool = schema.pool_schema([{"Name": f"a{i}", "AttributeDataType": "String"} for i in range(49)])
    full = schema.with_custom_attributes(pool, [{"Name": "last", "AttributeDataType": "Number"}])
    assert sum(a["Name"].startswith("custom:") for a in full) == 50
    with pytest.raises(InvalidParameterException) as exc:
        schema.with_custom_attributes(full, [{"Name": "more", "AttributeDataType": "Number"}])
    assert exc.value.message == "The user pool has reached the limit of 50 custom attributes."


def test_a_nameless_schema_attribute_is_refused() -> None:
    with pytest.raises(InvalidParameterException):
        schema.pool_schema([{"AttributeDataType": "String"}])


def test_known_attributes_and_developer_only_ones_of_the_schema_pass() -> None:
    pool = schema.pool_schema(
        [
            {"Name": "tier", "AttributeDataType": "String"},
            {"Name": "note", "AttributeDataType": "String", "DeveloperOnlyAttribute": True},
        ]
    )
    values = {"email": "a@example.com", "phone_number": "+15555550100", "custom:tier": "gold"}
    schema.check_attributes(pool, {**values, "dev:custom:note": "x"}, creating=True)
    with pytest.raises(InvalidParameterException):  # a dev: name outside the schema
        schema.check_attributes(pool, {"dev:note": "x"}, creating=True)


def test_an_unknown_attribute_is_refused() -> None:
    assert _refusal({"shoe_size": "9"}) == (
        "Attributes did not conform to the schema: shoe_size: Attribute does not exist in the "
        "schema.\n"
    )
    assert "custom:tier" in _refusal({"custom:tier": "gold"})  # not in this pool's schema


def test_sub_cannot_be_written() -> None:
    assert _refusal({"sub": "mine"}) == "Cannot modify an immutable attribute: sub"


@pytest.mark.parametrize("bad", ["plain", "a@", "@b", "a b@c.d", "a@b@c"])
def test_malformed_email_is_refused(bad: str) -> None:
    assert _refusal({"email": bad}) == "Invalid email address format."


@pytest.mark.parametrize("bad", ["5555550100", "+1 555 555 0100", "+1-555", "+1234567890123456"])
def test_phone_numbers_must_be_e164(bad: str) -> None:
    assert _refusal({"phone_number": bad}) == "Invalid phone number format."


def test_a_required_attribute_is_needed_at_creation_only() -> None:
    requested = [{"Name": "email", "Required": True}]
    assert _refusal({}, requested=requested) == (
        "Attributes did not conform to the schema: email: The attribute is required"
    )
    schema.check_attributes(schema.pool_schema(requested), {}, creating=False)


def test_boolean_attributes_are_stored_as_true_or_false_whatever_their_case() -> None:
    pool = schema.pool_schema([{"Name": "vip", "AttributeDataType": "Boolean"}])
    given = {"email_verified": "True", "phone_number_verified": "FALSE", "custom:vip": "tRuE"}
    schema.check_attributes(pool, given, creating=False)
    assert given == {
        "email_verified": "true",
        "phone_number_verified": "false",
        "custom:vip": "true",
    }


def test_a_string_attribute_keeps_its_case() -> None:
    given = {"name": "True"}
    schema.check_attributes(schema.pool_schema(None), given, creating=False)
    assert given == {"name": "True"}


def test_an_app_client_never_sees_developer_only_attributes_and_reads_its_list() -> None:
    stored = {"sub": "s-1", "email": "a@example.com", "custom:tier": "gold", "dev:custom:n": "1"}
    assert schema.readable(stored, None) == {
        "sub": "s-1",
        "email": "a@example.com",
        "custom:tier": "gold",
    }
    assert schema.readable(stored, ["custom:tier", "dev:custom:n"]) == {
        "sub": "s-1",
        "custom:tier": "gold",
    }


def _client_refusal(
    read: list[str] | None, write: list[str] | None, creating: bool = True, **pool: Any
) -> str:
    with pytest.raises(InvalidParameterException) as exc:
        schema.check_client_attributes(
            schema.pool_schema(pool.get("requested")), read, write, creating=creating
        )
    return exc.value.message


def test_client_attribute_lists_name_the_pools_attributes() -> None:
    requested: list[dict[str, Any]] = [
        {"Name": "tier", "AttributeDataType": "String"},
        {"Name": "n", "AttributeDataType": "Number", "DeveloperOnlyAttribute": True},
    ]
    pool = schema.pool_schema(requested)
    schema.check_client_attributes(
        pool,
        ["sub", "email", "email_verified", "custom:tier"],
        ["email", "custom:tier"],
        creating=True,
    )
    read = "Invalid read attributes specified while creating a client"
    write = "Invalid write attributes specified while creating a client"
    assert _client_refusal(["shoe_size"], None, requested=requested) == read
    assert _client_refusal(["tier"], None, requested=requested) == read
    assert _client_refusal(["dev:custom:n"], None, requested=requested) == read
    assert _client_refusal(["email"], ["custom:plan"], requested=requested) == write
    assert _client_refusal(None, ["dev:custom:n"], requested=requested) == write
    assert _client_refusal(None, ["sub"]) == write
    assert _client_refusal(None, ["email", "email_verified"]) == write
    assert _client_refusal(["x"], None, creating=False) == (
        "Invalid read attributes specified while updating a client"
    )
    assert _client_refusal(None, ["x"], creating=False) == (
        "Invalid write attributes specified while updating a client"
    )


def test_write_attributes_must_hold_every_required_attribute() -> None:
    requested = [{"Name": "email", "Required": True}, {"Name": "name", "Required": True}]
    assert _client_refusal(None, ["name"], requested=requested) == (
        "Invalid write attributes specified while creating a client"
    )
    pool = schema.pool_schema(requested)
    schema.check_client_attributes(pool, None, ["email", "name", "locale"], creating=True)
    schema.check_client_attributes(pool, None, None, creating=True)  # no list: all writable


def test_deleting_needs_names_of_the_schema() -> None:
    pool = schema.pool_schema([{"Name": "tier", "AttributeDataType": "String"}])
    schema.check_known(pool, ["email", "custom:tier"])
    with pytest.raises(InvalidParameterException) as exc:
        schema.check_known(pool, ["email", "shoe_size"])
    assert exc.value.message == (
        "Invalid user attributes: user.shoe_size: Attribute does not exist in the schema."
    )
