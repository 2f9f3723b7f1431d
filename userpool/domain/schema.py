"""The attribute schema: Cognito's standard attributes, custom and developer-only ones, the
rules a schema must keep (CreateUserPool, AddCustomAttributes), what an app client may read
and write, and checks on values."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import regex

from userpool.errors import (
    ATTRIBUTE_EXISTS,
    BAD_CONSTRAINT,
    BAD_READ_ATTRIBUTES,
    BAD_WRITE_ATTRIBUTES,
    LENGTHS_CROSSED,
    NO_DATA_TYPE,
    NOT_IN_SCHEMA,
    REQUIRED_CUSTOM,
    STANDARD_TYPE,
    TOO_LONG,
    TOO_MANY_CUSTOM,
    VALUES_CROSSED,
    InvalidParameterException,
)

MAX_CUSTOM = 50  # custom attributes per pool (Cognito's quota, not adjustable)
MAX_LENGTH = 2048  # characters in an attribute's value

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
    """CreateUserPool's ``Schema`` over the standard attributes: a standard attribute may be
    made required or immutable and given other length or value bounds (never another type,
    never developer-only); every other entry is a custom attribute (``with_custom_attributes``)."""
    schema = {a["Name"]: a for a in standard_schema()}
    custom = []
    for attr in requested or []:
        name = _name(attr)
        if name in schema:
            schema[name] = _standard(schema[name], attr)
        else:
            custom.append(attr)
    return with_custom_attributes(list(schema.values()), custom)


def _standard(known: dict[str, Any], attr: dict[str, Any]) -> dict[str, Any]:
    name = known["Name"]
    kind = attr.get("AttributeDataType")
    if (kind and kind != known["AttributeDataType"]) or attr.get("DeveloperOnlyAttribute"):
        raise InvalidParameterException(STANDARD_TYPE.format(name))
    merged = dict(known)
    merged.update({k: attr[k] for k in ("Required", "Mutable") if k in attr})
    constraints = _CONSTRAINTS.get(known["AttributeDataType"])
    if constraints is not None and attr.get(constraints) is not None:
        merged[constraints] = {**known.get(constraints, {}), **attr[constraints]}
        _check_constraints(name, known["AttributeDataType"], merged[constraints])
    return merged


def _name(attr: dict[str, Any]) -> str:
    name = attr.get("Name")
    if not name:
        # DEVIATION: Cognito's wording for a nameless schema attribute is unconfirmed.
        raise InvalidParameterException("Schema attribute name must not be null.")
    return str(name)


def custom_name(attr: dict[str, Any]) -> str:
    """The name a custom attribute gets: ``custom:<Name>``, or ``dev:custom:<Name>`` for a
    developer-only one; a ``Name`` given with the prefix gets it a second time, as in
    Cognito."""
    prefix = "dev:custom:" if attr.get("DeveloperOnlyAttribute") else "custom:"
    return prefix + _name(attr)


def with_custom_attributes(
    schema: list[dict[str, Any]], requested: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """``schema`` with the ``requested`` custom attributes appended (AddCustomAttributes,
    and CreateUserPool's non-standard entries); a name taken, a bad type, bounds or
    ``Required`` refuse them all."""
    out = list(schema)
    for attr in requested:
        added = _custom(attr)
        base = "custom:" + _name(attr)
        # DEVIATION: a custom and a developer-only attribute of one Name clash (Cognito's
        # answer is unconfirmed); the text names the attribute that holds the name.
        taken = next((a["Name"] for a in out if a["Name"] in (base, "dev:" + base)), None)
        if taken is not None:
            raise InvalidParameterException(ATTRIBUTE_EXISTS.format(base, taken))
        out.append(added)
    if sum(1 for a in out if is_custom(a["Name"])) > MAX_CUSTOM:
        raise InvalidParameterException(TOO_MANY_CUSTOM.format(MAX_CUSTOM))
    return out


def is_custom(name: str) -> bool:
    return name.startswith(("custom:", "dev:"))


def _custom(attr: dict[str, Any]) -> dict[str, Any]:
    name = custom_name(attr)
    kind = attr.get("AttributeDataType")
    if not kind:
        # DEVIATION: the text is Cognito's (users quote it); that a missing type gets it
        # is our choice, as moto's.
        raise InvalidParameterException(NO_DATA_TYPE)
    if attr.get("Required"):
        raise InvalidParameterException(REQUIRED_CUSTOM)
    out: dict[str, Any] = {
        "Name": name,
        "AttributeDataType": kind,
        "DeveloperOnlyAttribute": bool(attr.get("DeveloperOnlyAttribute")),
        "Mutable": attr.get("Mutable", True),
        "Required": False,
    }
    # Only the bounds of the attribute's own type are kept (Cognito's CreateUserPool
    # example drops a Number attribute's StringAttributeConstraints).
    constraints = _CONSTRAINTS.get(kind)
    if constraints is not None and attr.get(constraints) is not None:
        out[constraints] = dict(attr[constraints])
        _check_constraints(name, kind, out[constraints])
    return out


_CONSTRAINTS = {"String": "StringAttributeConstraints", "Number": "NumberAttributeConstraints"}
_WHOLE = regex.compile(r"[0-9]+")
_NUMBER = regex.compile(r"[+-]?[0-9]+(\.[0-9]+)?")
_NUMBER_BOUND = Decimal(2) ** 1023  # the model: bounds are numbers up to 2^1023


def _check_constraints(name: str, kind: str, given: dict[str, Any]) -> None:
    # DEVIATION: Cognito's texts for bad bounds are unconfirmed; these are moto's.
    if kind == "String":
        lo, hi = (_bound(name, kind, given.get(k)) for k in ("MinLength", "MaxLength"))
        if any(v is not None and v > MAX_LENGTH for v in (lo, hi)):
            raise InvalidParameterException(TOO_LONG.format(name, MAX_LENGTH))
        if lo is not None and hi is not None and lo > hi:
            raise InvalidParameterException(LENGTHS_CROSSED.format(name))
    else:
        lo, hi = (_bound(name, kind, given.get(k)) for k in ("MinValue", "MaxValue"))
        if lo is not None and hi is not None and lo > hi:
            raise InvalidParameterException(VALUES_CROSSED.format(name))


def _bound(name: str, kind: str, value: Any) -> Decimal | None:
    if value is None:
        return None
    pattern = _WHOLE if kind == "String" else _NUMBER
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise InvalidParameterException(BAD_CONSTRAINT.format(_CONSTRAINTS[kind], name))
    number = Decimal(value)
    if abs(number) > _NUMBER_BOUND:
        raise InvalidParameterException(BAD_CONSTRAINT.format(_CONSTRAINTS[kind], name))
    return number


def check_attributes(
    schema: list[dict[str, Any]], attributes: dict[str, str], *, creating: bool
) -> None:
    """Cognito's InvalidParameterException for unknown, malformed or missing attributes.

    A Boolean attribute given as ``True``, ``TRUE``, ``False``... is taken as the boolean it
    names and stored (and echoed) as Cognito stores it: ``true`` or ``false``."""
    known = {a["Name"]: a for a in schema}
    unknown = [name for name in attributes if name not in known]
    if unknown:
        raise InvalidParameterException(_unknown_text(unknown, creating))
    for name, value in list(attributes.items()):
        spec = known[name]
        if spec.get("AttributeDataType") == "Boolean" and value.lower() in ("true", "false"):
            attributes[name] = value = value.lower()
        if name == "sub":
            raise InvalidParameterException("Cannot modify an immutable attribute: sub")
        if name == "email" and value and not _EMAIL.fullmatch(value):
            raise InvalidParameterException("Invalid email address format.")
        if name == "phone_number" and value and not _PHONE.fullmatch(value):
            raise InvalidParameterException("Invalid phone number format.")
        if not creating and spec.get("Mutable") is False:
            # DEVIATION: Cognito's answer to writing an immutable attribute after creation is
            # unconfirmed; we refuse it with the text Cognito gives for ``sub``.
            raise InvalidParameterException(f"Cannot modify an immutable attribute: {name}")
        if value:
            problem = _value_problem(spec, value)
            if problem:
                raise InvalidParameterException(f"{_CONFORM}{name}: {problem}")
    if creating:
        for spec in schema:
            if spec.get("Required") and spec["Name"] != "sub" and not attributes.get(spec["Name"]):
                raise InvalidParameterException(
                    f"{_CONFORM}{spec['Name']}: The attribute is required"
                )


_CONFORM = "Attributes did not conform to the schema: "


def _unknown_text(names: list[str], creating: bool) -> str:
    """Cognito's text for attributes the schema lacks: one line per name, each ending in a
    newline, after "Attributes did not conform to the schema: " when a user is created
    (SignUp, AdminCreateUser: as amplify-js #2167 and amplify-flutter #509 quote it) and with
    ``user.`` before each name when one is updated (as amplify-flutter #1531 quotes it)."""
    if creating:
        return _CONFORM + "".join(f"{n}: Attribute does not exist in the schema.\n" for n in names)
    return "".join(f"user.{n}: Attribute does not exist in the schema.\n" for n in names)


def _value_problem(spec: dict[str, Any], value: str) -> str | None:
    """What is wrong with a value for its declared type and bounds, or None.

    DEVIATION: Cognito checks values against the schema, but its texts for a value of the
    wrong type or out of bounds are unconfirmed; these follow its "<name>: <reason>" form."""
    kind = spec.get("AttributeDataType")
    if kind == "String":
        bounds = spec.get("StringAttributeConstraints") or {}
        lo, hi = bounds.get("MinLength"), bounds.get("MaxLength")
        if hi is not None and len(value) > int(hi):
            return f"String must be no longer than {hi} characters"
        if lo is not None and len(value) < int(lo):
            return f"String must be no shorter than {lo} characters"
    elif kind == "Number":
        return _number_problem(spec, value)
    elif kind == "Boolean" and value not in ("true", "false"):
        return "Boolean value must be true or false"
    elif kind == "DateTime" and not _DATETIME.fullmatch(value):
        return "DateTime value must be a date and time"
    return None


_DATETIME = regex.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9:.]+(Z|[+-][0-9:]+)?)?|[0-9]+")


def _number_problem(spec: dict[str, Any], value: str) -> str | None:
    if not _NUMBER.fullmatch(value):
        return "Number must be a number"
    bounds = spec.get("NumberAttributeConstraints") or {}
    number = Decimal(value)
    lo, hi = bounds.get("MinValue"), bounds.get("MaxValue")
    if hi is not None and number > Decimal(hi):
        return f"Number must be no greater than {hi}"
    if lo is not None and number < Decimal(lo):
        return f"Number must be no less than {lo}"
    return None


def developer_only(name: str) -> bool:
    """A legacy developer-only attribute (``dev:custom:x``): written by administrators only,
    never shown to an app client."""
    return name.startswith("dev:")


def readable(attributes: dict[str, str], read: Sequence[str] | None) -> dict[str, str]:
    """What an app client may see of a user's attributes (GetUser, the ID token): those in
    its ``ReadAttributes`` (all when it lists none), never a developer-only one, always
    ``sub``."""
    # DEVIATION: developer-only attributes are hidden from app clients, as a user reported
    # of a live pool (the model calls them "read-only to all app clients"); ``sub`` is shown
    # whatever ReadAttributes says.
    return {
        k: v
        for k, v in attributes.items()
        if k == "sub" or (not developer_only(k) and (not read or k in read))
    }


def check_client_attributes(
    schema: list[dict[str, Any]],
    read: Sequence[str] | None,
    write: Sequence[str] | None,
    *,
    creating: bool,
) -> None:
    """An app client's ``ReadAttributes``/``WriteAttributes``: names of the pool's schema;
    an app client can never write ``sub``, a ``*_verified`` flag or a developer-only
    attribute, and a ``WriteAttributes`` list must hold every required attribute."""
    known = {a["Name"] for a in schema}
    doing = "creating" if creating else "updating"
    # Users report the refusals of unknown names, of ``*_verified`` write attributes and of
    # a WriteAttributes list without a required attribute.
    # DEVIATION: ``sub`` as a write attribute and a developer-only attribute in either list
    # (no app client reads or writes one) are refused too; the read text for
    # UpdateUserPoolClient is inferred from the write one.
    if any(n not in known or developer_only(n) for n in read or ()):
        raise InvalidParameterException(BAD_READ_ATTRIBUTES.format(doing))
    if not write:
        return
    required = {a["Name"] for a in schema if a.get("Required") and a["Name"] != "sub"}
    if any(
        n not in known or n == "sub" or n.endswith("_verified") or developer_only(n) for n in write
    ) or not required <= set(write):
        raise InvalidParameterException(BAD_WRITE_ATTRIBUTES.format(doing))


def check_known(schema: list[dict[str, Any]], names: Iterable[str]) -> None:
    """DeleteUserAttributes' check: every name is one of the pool's attributes."""
    known = {a["Name"] for a in schema}
    for name in names:
        if name not in known:
            # DEVIATION: the text joins the prefix Cognito puts on attribute errors to the
            # reason it gives for an unknown name at UpdateUserAttributes.
            raise InvalidParameterException(NOT_IN_SCHEMA.format(name))
