"""``--generate-cli-skeleton [input|yaml-input|output]`` (tests/cli/captures/aws-cli-v2.33.md §6).

``input`` is the input shape as JSON with placeholder values (botocore's
``ArgumentGenerator`` as v2 bundles it: ``""``, an enum's first value, ``true``, ``0``,
one-element lists, ``{"KeyName": ...}``); ``yaml-input`` the same as YAML with each
member's documentation up to its first ``.`` or ``:`` as a comment, ``[REQUIRED]``
marked; ``output`` a fake response whose strings are their member
names, checked against the output shape (so it fails where the model's minimums are
longer than a member's name, as in the AWS CLI) and then printed as a real one.
"""

from __future__ import annotations

import datetime
import json
import re
import xml.dom.minidom
import xml.parsers.expat
from typing import Any

from botocore.exceptions import ParamValidationError
from botocore.model import OperationModel, Shape
from botocore.utils import ArgumentGenerator
from botocore.validate import ParamValidator


class Generator(ArgumentGenerator):  # type: ignore[misc]  # botocore has no type hints
    """botocore's generator as the AWS CLI v2 bundles it: an enum's placeholder is its first
    value (botocore picks one at random)."""

    def _generate_skeleton(self, shape: Shape, stack: list[str], name: str = "") -> Any:
        if shape.type_name == "string" and not self._use_member_names and shape.enum:
            return shape.enum[0]
        return super()._generate_skeleton(shape, stack, name)


def input_json(operation: OperationModel) -> str:
    shape = operation.input_shape
    skeleton = Generator().generate_skeleton(shape) if shape is not None else {}
    return json.dumps(skeleton, indent=4, default=_default) + "\n"


def _default(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    raise TypeError(f"{type(value)} is not JSON serializable")


def output_response(operation: OperationModel) -> dict[str, Any]:
    """The fake response of ``--generate-cli-skeleton output``, validated like a stub."""
    shape = operation.output_shape
    if shape is None:
        return {}
    fake: dict[str, Any] = Generator(use_member_names=True).generate_skeleton(shape)
    report = ParamValidator().validate(fake, shape)
    if report.has_errors():
        raise ParamValidationError(report=report.generate_report())
    return fake


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    if isinstance(value, datetime.datetime):
        return value.isoformat(" ")
    if value == "":
        return "''"
    return str(value)


def overview(doc: str) -> str:
    """A member's documentation as the CLI's YAML comments give it: the text of its markup,
    up to the first ``.`` or ``:`` (so ``e.g.`` ends it too), with line breaks as spaces."""
    try:
        root = xml.dom.minidom.parseString(f"<doc>{doc}</doc>")
    except xml.parsers.expat.ExpatError:
        text = doc
    else:
        text = "".join(_texts(root))
    text = re.split(r"[.:]+", text, maxsplit=1)[0]
    text = text + "." if text else text
    return text.replace("\n", " ").replace("\u2028", " ")


def _texts(node: Any) -> list[str]:
    out: list[str] = []
    for child in node.childNodes:
        out += [child.data] if child.nodeType == child.TEXT_NODE else _texts(child)
    return out


def _comment(shape: Shape, required: bool) -> str:
    parts = ["[REQUIRED]"] if required else []
    parts.append(overview(shape.documentation or ""))
    if getattr(shape, "enum", None):
        parts.append("Valid values are: " + ", ".join(shape.enum) + ".")
    text = " ".join(parts)
    return "# " + text if text.strip() else ""


def input_yaml(operation: OperationModel) -> str:
    shape = operation.input_shape
    if shape is None:
        return "{}\n"
    skeleton = Generator().generate_skeleton(shape)
    lines: list[str] = []
    _structure(shape, skeleton, 0, lines, first_prefix=None)
    return "\n".join(lines) + "\n"


def _structure(
    shape: Shape, value: dict[str, Any], indent: int, lines: list[str], first_prefix: str | None
) -> None:
    required = set(shape.required_members)
    for i, (member, member_shape) in enumerate(shape.members.items()):
        if member not in value:
            continue
        lead = first_prefix if (i == 0 and first_prefix is not None) else " " * indent
        comment = _comment(member_shape, member in required)
        _member(member, member_shape, value[member], lead, indent, comment, i == 0, lines)


def _member(
    key: str,
    shape: Shape,
    value: Any,
    lead: str,
    indent: int,
    comment: str,
    first: bool,
    lines: list[str],
) -> None:
    gap = "  " if first else " "  # ruamel puts a mapping's first comment one column further
    if isinstance(value, (dict, list)) and value:
        lines.append(f"{lead}{key}:" + (f"{gap}{comment}" if comment else ""))
        _block(shape, value, indent, lines)
    else:
        text = _scalar(value) if not isinstance(value, (dict, list)) else json.dumps(value)
        if shape.type_name == "blob":
            text = "!!binary ''"  # ruamel's empty binary (the JSON skeleton has null)
        lines.append(f"{lead}{key}: {text}" + (f"{gap}{comment}" if comment else ""))


def _block(shape: Shape, value: Any, indent: int, lines: list[str]) -> None:
    if isinstance(value, list):
        item = value[0]
        member = shape.member
        if isinstance(item, dict) and member.type_name == "structure" and item:
            _structure(member, item, indent + 2, lines, first_prefix=" " * indent + "- ")
        elif isinstance(item, dict) and item:
            _plain_map(item, indent + 2, lines, " " * indent + "- ")
        else:
            lines.append(" " * indent + "- " + _scalar(item))
    elif shape.type_name == "structure":
        _structure(shape, value, indent + 2, lines, first_prefix=None)
    else:
        _plain_map(value, indent + 2, lines, None)


def _plain_map(value: dict[str, Any], indent: int, lines: list[str], first: str | None) -> None:
    for i, (key, item) in enumerate(value.items()):
        lead = first if (i == 0 and first is not None) else " " * indent
        if isinstance(item, (dict, list)) and item:
            lines.append(f"{lead}{key}:")
            _block_untyped(item, indent, lines)
        else:
            lines.append(f"{lead}{key}: {_scalar(item)}")


def _block_untyped(value: Any, indent: int, lines: list[str]) -> None:
    if isinstance(value, dict):
        _plain_map(value, indent + 2, lines, None)
    else:
        lines.append(" " * indent + "- " + _scalar(value[0]))
