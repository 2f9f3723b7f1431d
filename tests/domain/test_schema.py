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
                {"Name": "custom:plan"},
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
    assert merged["custom:plan"]["AttributeDataType"] == "String"
    assert "tier" not in merged and "custom:custom:plan" not in merged


def test_a_standard_attribute_can_be_made_required_but_keeps_its_type() -> None:
    merged = _by_name(
        schema.pool_schema([{"Name": "email", "Required": True, "AttributeDataType": "Number"}])
    )
    assert merged["email"]["Required"] is True
    assert merged["email"]["AttributeDataType"] == "String"
    assert len(merged) == len(STANDARD)


def test_a_nameless_schema_attribute_is_refused() -> None:
    with pytest.raises(InvalidParameterException):
        schema.pool_schema([{"AttributeDataType": "String"}])


def test_known_attributes_and_dev_attributes_pass() -> None:
    pool = schema.pool_schema([{"Name": "tier"}])
    values = {"email": "a@example.com", "phone_number": "+15555550100", "custom:tier": "gold"}
    schema.check_attributes(pool, {**values, "dev:note": "x"}, creating=True)


def test_an_unknown_attribute_is_refused() -> None:
    assert _refusal({"shoe_size": "9"}) == (
        "Attributes did not conform to the schema: Type for attribute {shoe_size} "
        "could not be determined"
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
