"""The "Shorthand Syntax" and "JSON Syntax" blocks of an option, as the AWS CLI writes them.

Shorthand follows ``awscli/argprocess.py`` (``ParamShorthandDocGen``): structures as
``Name=type,...``, lists of structures with `` ...``, maps as ``KeyName1=...``, nested
ones in braces, at most four levels (deeper: no shorthand block), recursion marked.
The JSON example follows ``awscli/clidocs.py``: enum values joined by ``|``,
``true|false`` for booleans, ``...`` after a list's or a map's one element.
Document types have no shorthand and ``{...}`` as their JSON.
"""

from __future__ import annotations

from botocore.model import Shape

from userpool.cli.arguments import SCALARS
from userpool.cli.helphtml import Doc


def is_document(shape: Shape) -> bool:
    return bool(getattr(shape, "is_document_type", False))


def document_container(shape: Shape) -> bool:
    while shape.type_name in ("list", "map"):
        shape = shape.member if shape.type_name == "list" else shape.value  # type: ignore[attr-defined]
    return is_document(shape)


class _TooComplex(Exception):
    pass


def _complex(shape: Shape) -> bool:
    if document_container(shape):
        return False
    if shape.type_name not in ("structure", "list", "map"):
        return False
    return shape.type_name != "list" or shape.member.type_name in ("structure", "list", "map")  # type: ignore[attr-defined]


def shorthand(shape: Shape) -> str | None:
    """The shorthand example, '' when too deep, None when not documented."""
    members = shape.members if shape.type_name == "structure" else {}
    if list(members) == ["Value"] and members["Value"].type_name == "string":
        return None
    try:
        if shape.type_name == "list":
            return _short(shape.member, []) + " ..."  # type: ignore[attr-defined]
        return _short(shape, [])
    except _TooComplex:
        return ""


def _short(shape: Shape, stack: list[str]) -> str:
    if len(stack) > 3:
        raise _TooComplex
    if shape.type_name == "structure":
        parts = []
        for name, member in shape.members.items():
            if document_container(member):
                continue
            if member.name in stack:
                parts.append(f"{name}=( ... recursive ... )")
                continue
            stack.append(member.name)
            try:
                parts.append(f"{name}={_short(member, stack)}")
            finally:
                stack.pop()
        inner = ",".join(parts)
        return inner if not stack else "{" + inner + "}"
    if shape.type_name == "list":
        member = shape.member  # type: ignore[attr-defined]
        stack.append(member.name)
        try:
            element = _short(member, stack)
        finally:
            stack.pop()
        if member.type_name in ("structure", "list", "map") or len(stack) > 1:
            return f"[{element},{element}]"
        return f"{element},{element}"
    if shape.type_name == "map":
        key, value = shape.key, shape.value  # type: ignore[attr-defined]
        stack.append(value.name)
        try:
            value_doc = _short(value, stack)
        finally:
            stack.pop()
        text = f"KeyName1={value_doc},KeyName2={value_doc}"
        if key.enum and not stack:
            text += "\n\nWhere valid key names are:\n"
            text += "".join(f"  {e}\n" for e in key.enum)
        elif stack:
            text = "{" + text + "}"
        return text
    return str(shape.type_name)


def syntax(doc: Doc, shape: Shape) -> None:
    if _complex(shape):
        example = shorthand(shape)
        if example is None:
            return
        if example:
            doc.new_paragraph()
            doc.write("Shorthand Syntax")
            doc.start_codeblock()
            for line in example.splitlines():
                doc.writeln(line)
            doc.end_codeblock()
    if shape.type_name == "list" and shape.member.type_name in SCALARS:  # type: ignore[attr-defined]
        value = _value_name(shape.member, enums=False)  # type: ignore[attr-defined]
        doc.new_paragraph()
        doc.write("Syntax")
        doc.start_codeblock()
        doc.write(f"{value} {value} ...")
        doc.end_codeblock()
        doc.new_paragraph()
    elif shape.type_name not in SCALARS:
        doc.new_paragraph()
        doc.write("JSON Syntax")
        doc.start_codeblock()
        _json(doc, shape, [])
        doc.end_codeblock()
        doc.new_paragraph()


def _value_name(shape: Shape, enums: bool = True) -> str:
    if shape.type_name == "string":
        enum = getattr(shape, "enum", None)
        return "|".join(f'"{c}"' for c in enum) if enum and enums else '"string"'
    return "true|false" if shape.type_name == "boolean" else str(shape.type_name)


def _json(doc: Doc, shape: Shape, stack: list[str]) -> None:
    if shape.name in stack and stack.count(shape.name) > 1:
        if shape.type_name == "structure":
            doc.write("{ ... recursive ... }")
        return
    stack.append(shape.name)
    try:
        _json_body(doc, shape, stack)
    finally:
        stack.pop()


def _json_body(doc: Doc, shape: Shape, stack: list[str]) -> None:
    if shape.type_name == "list":
        member = shape.member  # type: ignore[attr-defined]
        doc.write("[")
        if member.type_name in SCALARS:
            doc.write(f"{_value_name(member)}, ...")
        else:
            doc.indent()
            doc.new_line()
            _json(doc, member, stack)
            doc.new_line()
            doc.write("...")
            doc.dedent()
            doc.new_line()
        doc.write("]")
    elif shape.type_name == "map":
        doc.write("{")
        doc.indent()
        doc.write(f"{_value_name(shape.key)}: ")  # type: ignore[attr-defined]
        value = shape.value  # type: ignore[attr-defined]
        if value.type_name in SCALARS:
            doc.write(_value_name(value))
        else:
            doc.indent()
            _json(doc, value, stack)
            doc.dedent()
        doc.new_line()
        doc.write("...")
        doc.dedent()
        doc.write("}")
    elif shape.type_name == "structure" and is_document(shape):
        doc.write("{...}")
    elif shape.type_name == "structure":
        doc.write("{")
        doc.indent()
        doc.new_line()
        members = shape.members
        for i, (name, member) in enumerate(members.items()):
            if member.type_name in SCALARS:
                doc.write(f'"{name}": {_value_name(member)}')
            else:
                doc.write(f'"{name}": ')
                _json(doc, member, stack)
            if i < len(members) - 1:
                doc.write(",")
                doc.new_line()
        doc.dedent()
        doc.new_line()
        doc.write("}")
