"""``--generate-cli-skeleton [input|yaml-input|output]`` (tests/cli/captures/aws-cli-v2.33.md §6).

``input`` is the input shape as JSON with placeholder values (botocore's
``ArgumentGenerator``: ``""``, ``true``, ``0``, one-element lists, ``{"KeyName": ...}``);
``yaml-input`` the same as YAML with each member's first documentation sentence as a
comment, ``[REQUIRED]`` marked; ``output`` a fake response whose strings are their member
names, checked against the output shape (so it fails where the model's minimums are
longer than a member's name, as in the AWS CLI) and then printed as a real one.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from botocore.exceptions import ParamValidationError
from botocore.model import OperationModel, Shape
from botocore.utils import ArgumentGenerator
from botocore.validate import ParamValidator

from userpool.cli.help import first_sentence
from userpool.cli.output import to_json


def input_json(operation: OperationModel) -> str:
    shape = operation.input_shape
    skeleton = ArgumentGenerator().generate_skeleton(shape) if shape is not None else {}
    return to_json(skeleton)


def output_response(operation: OperationModel) -> dict[str, Any]:
    """The fake response of ``--generate-cli-skeleton output``, validated like a stub."""
    shape = operation.output_shape
    if shape is None:
        return {}
    fake: dict[str, Any] = ArgumentGenerator(use_member_names=True).generate_skeleton(shape)
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


def _comment(shape: Shape, required: bool) -> str:
    parts = ["[REQUIRED]"] if required else []
    parts.append(first_sentence(shape.documentation or ""))
    if getattr(shape, "enum", None):
        parts.append("Valid values are: " + ", ".join(shape.enum) + ".")
    text = " ".join(parts)
    return "# " + text if text.strip() else ""


def input_yaml(operation: OperationModel) -> str:
    shape = operation.input_shape
    if shape is None:
        return "{}\n"
    skeleton = ArgumentGenerator().generate_skeleton(shape)
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
    if isinstance(value, (dict, list)) and value:
        lines.append(f"{lead}{key}:" + (f" {comment}" if comment else ""))
        _block(shape, value, indent, lines)
    else:
        text = _scalar(value) if not isinstance(value, (dict, list)) else json.dumps(value)
        gap = "  " if first else " "
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
