"""An operation's help page as reStructuredText, written as the AWS CLI v2.33 writes it.

The AWS CLI builds each help page as reStructuredText (``awscli/clidocs.py``) and turns
the model's HTML documentation into it with ``awscli/bcdoc`` (an HTML tree whose tags
write ReST markup). This module follows the same steps, quirks included (a space after
every inline markup and link, so ``code ,``; list items without ``<p>``; a ``:`` in a
link's text escaped), so that ``helprst`` renders the same lines as aws's man page:
description with the paginated-operation note, synopsis, every option with its
documentation, enum values, "Constraints" (min, max, pattern) and nested members
(recursively, recursion marked), shorthand and JSON syntax, the global options, the
EXAMPLES shipped with the AWS CLI, and the output members.

The example files and the global options' text are copies from the AWS CLI (Apache-2.0;
``awscli_data/NOTICE.md``).
"""

from __future__ import annotations

from typing import Any

from botocore.model import OperationModel, Shape

from userpool.cli.arguments import Argument, paginator_config
from userpool.cli.helphtml import Doc
from userpool.cli.helpsyntax import is_document, syntax
from userpool.cli.transport import CLI_DATA

PAGING_HELP = {
    "starting-token": (
        "string",
        "<p>A token to specify where to start paginating.  This is the\n<code>NextToken"
        "</code> from a previously truncated response.</p>\n<p>For usage examples, see "
        '<a\nhref="https://docs.aws.amazon.com/cli/latest/userguide/pagination.html"\n'
        ">Pagination</a> in the <i>AWS Command Line Interface User\nGuide</i>.</p>\n",
    ),
    "max-items": (
        "integer",
        "<p>The total number of items to return in the command's output.\nIf the total "
        "number of items available is more than the value\nspecified, a <code>NextToken"
        "</code> is provided in the command's\noutput.  To resume pagination, provide "
        "the\n<code>NextToken</code> value in the <code>starting-token</code>\nargument "
        "of a subsequent command.  <b>Do not</b> use the\n<code>NextToken</code> response "
        "element directly outside of the\nAWS CLI.</p>\n<p>For usage examples, see <a\n"
        'href="https://docs.aws.amazon.com/cli/latest/userguide/pagination.html"\n'
        ">Pagination</a> in the <i>AWS Command Line Interface User\nGuide</i>.</p>\n",
    ),
    "page-size": (
        "integer",
        "<p>The size of each page to get in the AWS service call.  This\ndoes not affect "
        "the number of items returned in the command's\noutput.  Setting a smaller page "
        "size results in more calls to\nthe AWS service, retrieving fewer items in each "
        "call.  This can\nhelp prevent the AWS service calls from timing out.</p>\n<p>For "
        'usage examples, see <a\nhref="https://docs.aws.amazon.com/cli/latest/userguide/'
        'pagination.html"\n>Pagination</a> in the <i>AWS Command Line Interface User\n'
        "Guide</i>.</p>\n",
    ),
    "cli-input-json": (
        "string",
        "Reads arguments from the JSON string provided. The JSON string follows the "
        "format provided by ``--generate-cli-skeleton``. If other arguments are provided "
        "on the command line, those values will override the JSON-provided values. It is "
        "not possible to pass arbitrary binary values using a JSON-provided value as the "
        "string will be taken literally. This may not be specified along with "
        "``--cli-input-yaml``.",
    ),
    "generate-cli-skeleton": (
        "string",
        "Prints a JSON skeleton to standard output without sending an API request. If "
        "provided with no value or the value ``input``, prints a sample input JSON that "
        "can be used as an argument for ``--cli-input-json``. Similarly, if provided "
        "``yaml-input`` it will print a sample input YAML that can be used with "
        "``--cli-input-yaml``. If provided with the value ``output``, it validates the "
        "command inputs and returns a sample output JSON for that command. The generated "
        "JSON skeleton is not stable between versions of the AWS CLI and there are no "
        "backwards compatibility guarantees in the JSON skeleton generated.",
    ),
}
EXAMPLES_NOTE = (
    "<p>To use the following examples, you must have the AWS CLI installed and "
    "configured. See the <a href='https://docs.aws.amazon.com/cli/latest/userguide/"
    "cli-chap-getting-started.html'>Getting started guide</a> in the <i>AWS CLI User "
    "Guide</i> for more information.</p><p>Unless otherwise stated, all examples have "
    "unix-like quotation rules. These examples will need to be adapted to your "
    "terminal's quoting rules. See <a href='https://docs.aws.amazon.com/cli/latest/"
    "userguide/cli-usage-parameters-quoting-strings.html'>Using quotation marks with "
    "strings</a> in the <i>AWS CLI User Guide</i>.</p>"
)
OUR_GLOBALS = (
    "``--db`` (string)\n\nuserpool: the local data (an SQLite file) used when no endpoint "
    "is configured; default ``USERPOOL_DB``, else ``.userpool/userpool.db``.\n\n"
)


# -- the operation page (clidocs' OperationDocumentEventHandler) -------------------------


def operation_rst(command: str, operation: OperationModel, table: list[Argument]) -> str:
    doc = Doc()
    doc.heading(command, "*")
    doc.heading("Description", "=")
    doc.include(operation.documentation)
    uid = operation.service_model.metadata.get("uid")
    if uid:
        doc.new_paragraph()
        doc.write("See also: ")
        doc.write("AWS API Documentation")
        doc.writeln("")
    if _uses_documents(operation):
        doc.new_paragraph()
        doc.writeln(
            f"``{command}`` uses document type values. Document types follow the JSON data "
            "model where valid values are: strings, numbers, booleans, null, arrays, and "
            "objects. For command input, options and nested parameters that are labeled "
            "with the type ``document`` must be provided as JSON. Shorthand syntax does not "
            "support document types."
        )
    paging = paginator_config(operation)
    if paging:
        _paging_note(doc, command, paging)
    doc.heading("Synopsis", "=")
    doc.start_codeblock()
    doc.writeln(command)
    for line in synopsis_lines(table):
        doc.writeln(line)
    for line in (CLI_DATA / "global_synopsis.rst").read_text().splitlines():
        doc.writeln(line.strip())
    doc.writeln("[--db <value>]")
    doc.end_codeblock()
    doc.heading("Options", "=")
    for arg in in_aws_order(table):
        if arg.documented and not arg.negative and arg.name != "cli-input-yaml":
            _option(doc, command, arg)
    doc.heading("Global Options", "=")
    for line in (CLI_DATA / "global_options.rst").read_text().splitlines(keepends=True):
        doc.writeln(line.strip())
    for line in OUR_GLOBALS.splitlines():
        doc.writeln(line)
    examples = CLI_DATA / "examples" / "cognito-idp" / f"{command}.rst"
    if examples.is_file():
        doc.heading("Examples", "=")
        doc.start_note()
        doc.include(EXAMPLES_NOTE)
        doc.end_note()
        for line in examples.read_text().splitlines(keepends=True):
            doc.write(line)
    doc.heading("Output", "=")
    shape = operation.output_shape
    if shape is None or not shape.members:
        doc.write("None")
    else:
        for name, member in shape.members.items():
            _member(doc, name, member, [], False)
    return doc.value()


def _paging_note(doc: Doc, command: str, paging: dict[str, Any]) -> None:
    doc.new_paragraph()
    doc.writeln(
        f"``{command}`` is a paginated operation. Multiple API calls may be issued in order "
        "to retrieve the entire data set of results. You can disable pagination by "
        "providing the ``--no-paginate`` argument."
    )
    keys = paging.get("result_key")
    if keys:
        keys = keys if isinstance(keys, list) else [keys]
        doc.writeln(
            "When using ``--output text`` and the ``--query`` argument on a paginated "
            "response, the ``--query`` argument must extract data from the results of the "
            "following query expressions: " + ", ".join(f"``{k}``" for k in keys)
        )


def in_aws_order(table: list[Argument]) -> list[Argument]:
    """aws lists the paging options before ``--generate-cli-skeleton``."""
    skeleton = [a for a in table if a.name == "generate-cli-skeleton"]
    return [a for a in table if a.name != "generate-cli-skeleton"] + skeleton


def synopsis_lines(table: list[Argument]) -> list[str]:
    lines = []
    for arg in in_aws_order(table):
        if not arg.documented or arg.negative or arg.name == "cli-input-yaml":
            continue
        if arg.kind == "boolean" and arg.member is not None:
            text = f"[{arg.cli_name} | --no-{arg.name}]"
        elif arg.name == "cli-input-json":
            text = "[--cli-input-json | --cli-input-yaml]"
        else:
            text = f"{arg.cli_name} <value>" if arg.required else f"[{arg.cli_name} <value>]"
        lines.append(text)
    return lines


def _option(doc: Doc, command: str, arg: Argument) -> None:
    required = " [required]" if arg.required else ""
    if arg.member is None:
        kind, text = PAGING_HELP[arg.name]
        names = "``--cli-input-json`` | ``--cli-input-yaml``"
        name = names if arg.name == "cli-input-json" else f"``{arg.cli_name}``"
        doc.write(f"{name} ({kind}){required}\n")
        doc.indent()
        doc.include(text)
        doc.dedent()
        doc.new_paragraph()
        return
    shape = arg.shape
    assert shape is not None
    if shape.type_name == "boolean":
        name = f"``{arg.cli_name}`` | ``--no-{arg.name}``"
    else:
        name = f"``{arg.cli_name}``"
    doc.write(f"{name} ({_type_name(shape)}){required}\n")
    doc.indent()
    doc.include(shape.documentation)
    _enums(doc, shape)
    _constraints(doc, shape)
    _nested(doc, shape)
    doc.dedent()
    doc.new_paragraph()
    if shape.type_name != "boolean":
        syntax(doc, shape)


def _type_name(shape: Shape) -> str:
    return "document" if is_document(shape) else str(shape.type_name)


def _uses_documents(operation: OperationModel) -> bool:
    seen: set[str] = set()

    def walk(shape: Shape | None) -> bool:
        if shape is None or shape.name in seen:
            return False
        seen.add(shape.name)
        return is_document(shape) or any(walk(child) for _, child, _ in _children(shape))

    return walk(operation.input_shape) or walk(operation.output_shape)


def _enums(doc: Doc, shape: Shape) -> None:
    enum = getattr(shape, "enum", None)
    if shape.type_name == "string" and enum:
        doc.new_paragraph()
        doc.write("Possible values:")
        doc.start_ul()
        for value in enum:
            doc.li(f"``{value}``")
        doc.end_ul()


def _constraints(doc: Doc, shape: Shape) -> None:
    names = [n for n in ("min", "max", "pattern") if shape.metadata.get(n) is not None]
    if not names:
        return
    doc.new_paragraph()
    doc.write("Constraints:")
    doc.start_ul()
    for name in names:
        doc.li(f"{name}: ``{shape.metadata[name]}``")
    doc.end_ul()


def _children(shape: Shape) -> list[tuple[str, Shape, bool]]:
    if shape.type_name == "structure":
        required = shape.metadata.get("required", [])
        return [(n, s, n in required) for n, s in shape.members.items()]
    if shape.type_name == "list":
        return [("", shape.member, False)]  # type: ignore[attr-defined]
    if shape.type_name == "map":
        key, value = shape.key, shape.value  # type: ignore[attr-defined]
        return [
            (key.serialization.get("name", "key"), key, False),
            (value.serialization.get("name", "value"), value, False),
        ]
    return []


def _nested(doc: Doc, shape: Shape) -> None:
    for name, child, required in _children(shape):
        _member(doc, name, child, [shape.name], required)


def _member(doc: Doc, name: str, shape: Shape, stack: list[str], required: bool) -> None:
    if shape.name in stack and stack.count(shape.name) > 1:
        if shape.type_name == "structure":
            doc.write("( ... recursive ... )")
        return
    stack.append(shape.name)
    try:
        kind = _type_name(shape)
        title = f"{name} -> ({kind})" if name else f"({kind})"
        doc.write(title + (" [required]" if required else ""))
        doc.indent()
        doc.new_paragraph()
        doc.include(shape.documentation)
        _enums(doc, shape)
        _constraints(doc, shape)
        doc.new_paragraph()
        for child_name, child, child_required in _children(shape):
            _member(doc, child_name, child, stack, child_required)
        doc.dedent()
        doc.new_paragraph()
    finally:
        stack.pop()
