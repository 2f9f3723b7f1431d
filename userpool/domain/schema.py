"""The attribute schema: Cognito's standard attributes, custom ones, and checks on values."""

from __future__ import annotations

from typing import Any

import regex

from userpool.errors import InvalidParameterException

_STANDARD_STRINGS = [
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
    "gender",
    "birthdate",
    "zoneinfo",
    "locale",
    "phone_number",
    "address",
]
_EMAIL = regex.compile(r"[^@\s]+@[^@\s]+")
_PHONE = regex.compile(r"\+[0-9]{1,15}")


def _string(
    name: str, *, mutable: bool = True, required: bool = False, lo: str = "0", hi: str = "2048"
) -> dict[str, Any]:
    return {
        "Name": name,
        "AttributeDataType": "String",
        "DeveloperOnlyAttribute": False,
        "Mutable": mutable,
        "Required": required,
        "StringAttributeConstraints": {"MinLength": lo, "MaxLength": hi},
    }


def standard_schema() -> list[dict[str, Any]]:
    """The schema every pool starts with, as DescribeUserPool shows it."""
    out = [_string("sub", mutable=False, required=True, lo="1")]
    for name in _STANDARD_STRINGS:
        out.append(_string(name, lo="10", hi="10") if name == "birthdate" else _string(name))
        if name in ("email", "phone_number"):
            out.append(
                {
                    "Name": f"{name}_verified",
                    "AttributeDataType": "Boolean",
                    "DeveloperOnlyAttribute": False,
                    "Mutable": True,
                    "Required": False,
                }
            )
    out.append(
        {
            "Name": "updated_at",
            "AttributeDataType": "Number",
            "DeveloperOnlyAttribute": False,
            "Mutable": True,
            "Required": False,
            "NumberAttributeConstraints": {"MinValue": "0"},
        }
    )
    return out


def pool_schema(requested: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Standard attributes merged with the CreateUserPool ``Schema`` (custom ones prefixed)."""
    schema = {a["Name"]: a for a in standard_schema()}
    for attr in requested or []:
        name = attr.get("Name")
        if not name:
            # DEVIATION: Cognito's wording for a nameless schema attribute is unconfirmed.
            raise InvalidParameterException("Schema attribute name must not be null.")
        if name in schema:
            merged = dict(schema[name])
            merged.update({k: v for k, v in attr.items() if k in ("Required", "Mutable")})
            schema[name] = merged
            continue
        custom = dict(attr)
        custom["Name"] = f"custom:{name}" if not name.startswith("custom:") else name
        custom.setdefault("AttributeDataType", "String")
        custom.setdefault("DeveloperOnlyAttribute", False)
        custom.setdefault("Mutable", True)
        custom.setdefault("Required", False)
        schema[custom["Name"]] = custom
    return list(schema.values())


def check_attributes(
    schema: list[dict[str, Any]], attributes: dict[str, str], *, creating: bool
) -> None:
    """Cognito's InvalidParameterException for unknown, malformed or missing attributes.

    A Boolean attribute given as ``True``, ``TRUE``, ``False``... is taken as the boolean it
    names and stored (and echoed) as Cognito stores it: ``true`` or ``false``."""
    known = {a["Name"]: a for a in schema}
    for name, value in list(attributes.items()):
        kind = (known.get(name) or {}).get("AttributeDataType")
        if kind == "Boolean" and isinstance(value, str) and value.lower() in ("true", "false"):
            attributes[name] = value = value.lower()
        if name not in known and not name.startswith("dev:"):
            # DEVIATION: Cognito's text for an unknown attribute varies; we use this one.
            raise InvalidParameterException(
                f"Attributes did not conform to the schema: Type for attribute {{{name}}} "
                "could not be determined"
            )
        if name == "sub":
            raise InvalidParameterException("Cannot modify an immutable attribute: sub")
        if name == "email" and value and not _EMAIL.fullmatch(value):
            raise InvalidParameterException("Invalid email address format.")
        if name == "phone_number" and value and not _PHONE.fullmatch(value):
            raise InvalidParameterException("Invalid phone number format.")
    if creating:
        for spec in schema:
            if spec.get("Required") and spec["Name"] != "sub" and not attributes.get(spec["Name"]):
                raise InvalidParameterException(
                    f"Attributes did not conform to the schema: {spec['Name']}: "
                    "The attribute is required"
                )
