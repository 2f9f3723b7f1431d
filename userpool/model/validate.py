"""Input validation compiled from botocore shapes, worded as Cognito's Coral layer.

Each input shape becomes a tree of small closures, built once. A request is walked
once: members the model does not know and members sent as ``null`` are dropped from
every structure as it goes (so no handler reads them), and every violation is collected and reported together in one
``InvalidParameterException``: ``2 validation errors detected: Value at 'username'
failed to satisfy constraint: ...; Value ...``. Paths are lowerCamelCase member names,
list items ``name.N.member`` (1-based; a list of strings is reported whole, as Coral does),
map entries ``name.key``/``name.value``;
sensitive values are never echoed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import regex

from userpool.errors import InvalidParameterException
from userpool.model.compiled import ShapeCompiler

Check = Callable[[Any, str, list[str]], None]
Validator = Callable[[dict[str, Any]], None]


def _camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def _describe(value: Any, path: str, sensitive: bool) -> str:
    # DEVIATION: Cognito's echo rule is unconfirmed; we never echo sensitive members.
    if sensitive or not isinstance(value, (str, int, float)) or isinstance(value, bool):
        return f"Value at '{path}'"
    shown = value if len(str(value)) <= 256 else str(value)[:256]
    return f"Value '{shown}' at '{path}'"


def _fail(errors: list[str], value: Any, path: str, sensitive: bool, rule: str) -> None:
    errors.append(f"{_describe(value, path, sensitive)} failed to satisfy constraint: {rule}")


def _check_length(
    errors: list[str], value: list[Any] | dict[str, Any], path: str, lo: int | None, hi: int | None
) -> None:
    """A list's or map's size against the shape's ``min``/``max``."""
    if lo is not None and len(value) < lo:
        _fail(errors, value, path, False, f"Member must have length greater than or equal to {lo}")
    if hi is not None and len(value) > hi:
        _fail(errors, value, path, False, f"Member must have length less than or equal to {hi}")


def _collection(
    kind: type[list[Any]] | type[dict[str, Any]], name: str, shape: dict[str, Any], members: Check
) -> Check:
    """A list's or map's check: its type, its size (``min``/``max``), then its members."""
    lo, hi = shape.get("min"), shape.get("max")

    def check(value: Any, path: str, errors: list[str]) -> None:
        if not isinstance(value, kind):
            _type_error(errors, path, name)
            return
        _check_length(errors, value, path, lo, hi)
        members(value, path, errors)

    return check


def _check_member(check: Check, value: Any, path: str, errors: list[str]) -> None:
    """A list's item or a map's value: never null, else as its shape says."""
    if value is None:
        errors.append(
            f"Value null at '{path}' failed to satisfy constraint: Member must not be null"
        )
    else:
        check(value, path, errors)


def _type_error(errors: list[str], path: str, kind: str) -> None:
    # DEVIATION: Coral answers a JSON type mismatch with SerializationException; we keep it
    # inside the one InvalidParameterException so every answer is a modelled error.
    errors.append(f"Value at '{path}' failed to satisfy constraint: Member must be of type {kind}")


def _string_check(shape: dict[str, Any]) -> Check:
    lo, hi = shape.get("min"), shape.get("max")
    pattern = shape.get("pattern")
    compiled = regex.compile(pattern) if pattern else None
    enum = shape.get("enum")
    sensitive = bool(shape.get("sensitive"))

    def check(value: Any, path: str, errors: list[str]) -> None:
        if not isinstance(value, str):
            _type_error(errors, path, "string")
            return
        if lo is not None and len(value) < lo:
            _fail(
                errors,
                value,
                path,
                sensitive,
                f"Member must have length greater than or equal to {lo}",
            )
        if hi is not None and len(value) > hi:
            _fail(
                errors,
                value,
                path,
                sensitive,
                f"Member must have length less than or equal to {hi}",
            )
        if compiled is not None and compiled.fullmatch(value) is None:
            _fail(
                errors,
                value,
                path,
                sensitive,
                f"Member must satisfy regular expression pattern: {pattern}",
            )
        if enum is not None and value not in enum:
            _fail(
                errors,
                value,
                path,
                sensitive,
                f"Member must satisfy enum value set: [{', '.join(enum)}]",
            )

    return check


def _string_rules(shape: dict[str, Any]) -> list[str]:
    """A string shape's constraints, as Coral lists them for a list's items."""
    rules = []
    if shape.get("max") is not None:
        rules.append(f"Member must have length less than or equal to {shape['max']}")
    if shape.get("min") is not None:
        rules.append(f"Member must have length greater than or equal to {shape['min']}")
    if shape.get("pattern"):
        rules.append(f"Member must satisfy regular expression pattern: {shape['pattern']}")
    if shape.get("enum") is not None:
        rules.append(f"Member must satisfy enum value set: [{', '.join(shape['enum'])}]")
    return rules


def _number_check(shape: dict[str, Any]) -> Check:
    lo, hi = shape.get("min"), shape.get("max")
    integral = shape["type"] in ("integer", "long")

    def check(value: Any, path: str, errors: list[str]) -> None:
        ok = isinstance(value, int) if integral else isinstance(value, (int, float))
        if not ok or isinstance(value, bool):
            _type_error(errors, path, "integer" if integral else "number")
            return
        if lo is not None and value < lo:
            _fail(
                errors, value, path, False, f"Member must have value greater than or equal to {lo}"
            )
        if hi is not None and value > hi:
            _fail(errors, value, path, False, f"Member must have value less than or equal to {hi}")

    return check


def _bool_check(value: Any, path: str, errors: list[str]) -> None:
    if not isinstance(value, bool):
        _type_error(errors, path, "boolean")


def _opaque_check(value: Any, path: str, errors: list[str]) -> None:
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        _type_error(errors, path, "string")


def _document_check(value: Any, path: str, errors: list[str]) -> None:
    """A Smithy document (CompleteWebAuthnRegistration's Credential): any JSON object,
    kept whole (its members are the client's, not the model's)."""
    if not isinstance(value, dict):
        _type_error(errors, path, "structure")


def _prune(value: dict[str, Any], known: frozenset[str]) -> None:
    """DEVIATION: Coral's handling of unknown members and explicit nulls is unconfirmed.

    Drop, in place, members the model does not know and members given as ``null``:
    handlers never read an unmodelled member (a forged ``ContextData`` in a public
    request), and an explicit ``null`` means what an absent member means, as in Coral."""
    if value.keys() <= known and None not in value.values():
        return
    for name in [k for k, v in value.items() if k not in known or v is None]:
        del value[name]


class _Compiler(ShapeCompiler[Check]):
    def build(self, name: str) -> Check:
        shape = self.shapes[name]
        kind = shape["type"]
        if kind == "string":
            return _string_check(shape)
        if kind in ("integer", "long", "double", "float"):
            return _number_check(shape)
        if kind == "boolean":
            return _bool_check
        if kind == "structure" and shape.get("document"):
            return _document_check
        if kind == "structure":
            return self._structure(shape)
        if kind == "list":
            return self._list(shape)
        if kind == "map":
            return self._map(shape)
        return _opaque_check  # blob, timestamp

    def _structure(self, shape: dict[str, Any]) -> Check:
        members = [
            (m, _camel(m), self.get(spec["shape"]), self._sensitive(spec["shape"]))
            for m, spec in shape.get("members", {}).items()
        ]
        required = shape.get("required", [])
        known = frozenset(shape.get("members", {}))

        def check(value: Any, path: str, errors: list[str]) -> None:
            if not isinstance(value, dict):
                _type_error(errors, path or "input", "structure")
                return
            _prune(value, known)
            prefix = f"{path}." if path else ""
            for member in required:
                if value.get(member) is None:
                    errors.append(
                        f"Value null at '{prefix}{_camel(member)}' failed to satisfy "
                        "constraint: Member must not be null"
                    )
            for member, camel, sub, _sensitive in members:
                item = value.get(member)
                if item is not None:
                    sub(item, prefix + camel, errors)

        return check

    def _list(self, shape: dict[str, Any]) -> Check:
        item_check = self.get(shape["member"]["shape"])
        member = self.shapes[shape["member"]["shape"]]

        def items(value: list[Any], path: str, errors: list[str]) -> None:
            for i, item in enumerate(value, 1):
                _check_member(item_check, item, f"{path}.{i}.member", errors)

        if member["type"] != "string":
            return _collection(list, "list", shape, items)
        rules = ", ".join(_string_rules(member))
        sensitive = bool(member.get("sensitive"))

        def strings(value: list[Any], path: str, errors: list[str]) -> None:
            """Coral reports a list of strings whose items break their constraints once, for
            the whole list, with every constraint of its items (as observed: "Value '[code,
            token]' at 'allowedOAuthFlows' failed to satisfy constraint: Member must satisfy
            constraint: [Member must satisfy enum value set: [...]]")."""
            if not all(isinstance(item, str) for item in value):
                items(value, path, errors)
                return
            wrong: list[str] = []
            items(value, path, wrong)
            if wrong:
                shown = "[" + ", ".join(value) + "]"
                _fail(errors, shown, path, sensitive, f"Member must satisfy constraint: [{rules}]")

        return _collection(list, "list", shape, strings)

    def _map(self, shape: dict[str, Any]) -> Check:
        key_check = self.get(shape["key"]["shape"])
        value_check = self.get(shape["value"]["shape"])

        def entries(value: dict[str, Any], path: str, errors: list[str]) -> None:
            for k, v in value.items():
                key_check(k, f"{path}.key", errors)
                _check_member(value_check, v, f"{path}.value", errors)

        return _collection(dict, "map", shape, entries)

    def _sensitive(self, name: str) -> bool:
        return bool(self.shapes[name].get("sensitive"))


def compile_validator(shapes: dict[str, Any], input_shape: str | None) -> Validator:
    """Build the validator of one operation's input shape."""
    if input_shape is None:
        return lambda body: None
    check = _Compiler(shapes).get(input_shape)

    def validate(body: dict[str, Any]) -> None:
        errors: list[str] = []
        check(body, "", errors)
        if errors:
            raise InvalidParameterException(validation_message(errors))

    return validate


def validation_message(errors: list[str]) -> str:
    """Coral's summary: ``N validation error(s) detected: a; b``."""
    noun = "error" if len(errors) == 1 else "errors"
    return f"{len(errors)} validation {noun} detected: " + "; ".join(errors)
