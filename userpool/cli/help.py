"""Help pages from the model's documentation: ``userpool cognito-idp [<operation>] help``.

The layout follows the AWS CLI's man pages as rendered in a terminal: NAME,
DESCRIPTION, SYNOPSIS, OPTIONS (type, required, the shorthand and JSON syntax of
structures and maps), GLOBAL OPTIONS and OUTPUT. The model's HTML becomes wrapped text.
"""

from __future__ import annotations

import html.parser
import re
import textwrap
from typing import Any

from botocore.model import OperationModel, ServiceModel, Shape

from userpool.cli.arguments import Argument

WIDTH = 79
GLOBALS: list[tuple[str, str, str]] = [
    ("--debug", "boolean", "Turn on debug logging."),
    ("--endpoint-url", "string", "Override command's default URL with the given URL."),
    ("--no-verify-ssl", "boolean", "Do not verify SSL certificates."),
    ("--no-paginate", "boolean", "Disable automatic pagination."),
    (
        "--output",
        "string",
        "The formatting style for command output: json, text, table, yaml, yaml-stream.",
    ),
    ("--query", "string", "A JMESPath query to use in filtering the response data."),
    ("--profile", "string", "Use a specific profile from your credential file."),
    ("--region", "string", "The region to use. Overrides config/env settings."),
    ("--version", "string", "Display the version of this tool."),
    ("--color", "string", "Turn on/off color output: on, off, auto."),
    ("--no-sign-request", "boolean", "Do not sign requests. Credentials will not be loaded."),
    ("--ca-bundle", "string", "The CA certificate bundle to use when verifying SSL certificates."),
    ("--cli-read-timeout", "int", "The maximum socket read time in seconds (0: blocking)."),
    ("--cli-connect-timeout", "int", "The maximum socket connect time in seconds (0: blocking)."),
    ("--cli-binary-format", "string", "The formatting style for blobs: base64, raw-in-base64-out."),
    ("--no-cli-pager", "boolean", "Disable cli pager for output."),
    ("--cli-auto-prompt", "boolean", "Automatically prompt for CLI input parameters."),
    ("--no-cli-auto-prompt", "boolean", "Disable automatically prompt for CLI input parameters."),
    (
        "--db",
        "string",
        "userpool: the local data (SQLite file) used when no endpoint is "
        "configured; default USERPOOL_DB or .userpool/userpool.db.",
    ),
]


class _Text(html.parser.HTMLParser):
    """Paragraphs of plain text from the model's HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.paragraphs: list[str] = []
        self.current: list[str] = []

    def _flush(self) -> None:
        text = re.sub(r"\s+", " ", "".join(self.current)).strip()
        if text:
            self.paragraphs.append(text)
        self.current = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("p", "ul", "ol", "note", "important", "br", "dl", "dt", "dd"):
            self._flush()
        elif tag == "li":
            self._flush()
            self.current.append("* ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("p", "li", "ul", "ol", "note", "important", "dt", "dd"):
            self._flush()

    def handle_data(self, data: str) -> None:
        self.current.append(data)


def paragraphs(doc: str) -> list[str]:
    parser = _Text()
    parser.feed(doc or "")
    parser.close()
    parser._flush()
    return parser.paragraphs


def first_sentence(doc: str) -> str:
    text = " ".join(paragraphs(doc))
    match = re.search(r"\.(\s|$)", text)
    return text[: match.start() + 1] if match else text


def _wrap(text: str, indent: int) -> list[str]:
    pad = " " * indent
    return textwrap.wrap(text, WIDTH, initial_indent=pad, subsequent_indent=pad) or [""]


def _doc(doc: str, indent: int) -> list[str]:
    lines: list[str] = []
    for para in paragraphs(doc):
        lines += _wrap(para, indent) + [""]
    return lines


def shorthand_example(shape: Shape) -> str | None:
    if shape.type_name == "map":
        return "KeyName1=string,KeyName2=string"
    if shape.type_name == "list" and shape.member.type_name == "structure":
        return shorthand_example(shape.member) + " ..."  # type: ignore[operator]
    if shape.type_name != "structure":
        return None
    parts = []
    for name, member in shape.members.items():
        if member.type_name in ("structure", "map", "list"):
            parts.append(f"{name}={{...}}" if member.type_name != "list" else f"{name}=[...]")
        else:
            parts.append(f"{name}={member.type_name}")
    return ",".join(parts)


def json_example(shape: Shape, depth: int = 0) -> Any:
    if depth > 4:
        return "..."
    if shape.type_name == "structure":
        return {k: json_example(v, depth + 1) for k, v in shape.members.items()}
    if shape.type_name == "list":
        return [json_example(shape.member, depth + 1), "..."]
    if shape.type_name == "map":
        return {"KeyName": json_example(shape.value, depth + 1)}
    if getattr(shape, "enum", None):
        return "|".join(shape.enum)
    return shape.type_name


def synopsis(command: str, table: list[Argument]) -> list[str]:
    lines = [f"            {command}"]
    for arg in table:
        if not arg.documented or arg.negative or arg.name == "cli-input-yaml":
            continue
        if arg.kind == "boolean" and arg.member is not None:
            text = f"[{arg.cli_name} | --no-{arg.name}]"
        elif arg.name == "cli-input-json":
            text = "[--cli-input-json | --cli-input-yaml]"
        else:
            text = f"{arg.cli_name} <value>" if arg.required else f"[{arg.cli_name} <value>]"
        lines.append("          " + text)
    for name, kind, _ in GLOBALS:
        lines.append(f"          [{name}]" if kind == "boolean" else f"          [{name} <value>]")
    return lines


def _option(arg: Argument) -> list[str]:
    import json

    shape = arg.shape
    assert shape is not None and arg.member is not None
    req = " [required]" if arg.required else ""
    kind = shape.type_name
    if kind == "boolean":
        lines = [f"       {arg.cli_name} | --no-{arg.name} (boolean){req}"]
    else:
        lines = [f"       {arg.cli_name} ({kind}){req}"]
    lines += _doc(shape.documentation or "", 10)
    short = shorthand_example(shape)
    if short:
        lines += ["       Shorthand Syntax:", "", *_wrap(short, 10), ""]
    if kind in ("structure", "map", "list"):
        example = json.dumps(json_example(shape), indent=2)
        lines += ["       JSON Syntax:", ""] + ["          " + x for x in example.split("\n")]
        lines.append("")
    return lines


def operation_page(command: str, operation: OperationModel, table: list[Argument]) -> str:
    lines = ["NAME", f"       {command} -", "", "DESCRIPTION"]
    lines += _doc(operation.documentation or "", 7)
    lines += ["SYNOPSIS", *synopsis(command, table), "", "OPTIONS"]
    for arg in table:
        if arg.member is not None and not arg.negative and arg.documented:
            lines += _option(arg)
    lines += [
        "       --cli-input-json | --cli-input-yaml (string)",
        *_wrap(
            "Reads arguments from the JSON (or YAML) string provided; its keys are the "
            "API member names. Values given on the command line replace its top-level "
            "keys.",
            10,
        ),
        "",
        "       --generate-cli-skeleton (string)",
        *_wrap(
            "Prints a JSON skeleton to standard output without sending a request: "
            "input (default), yaml-input, or output (a sample response).",
            10,
        ),
        "",
        "GLOBAL OPTIONS",
    ]
    for name, kind, text in GLOBALS:
        lines += [f"       {name} ({kind})", *_wrap(text, 10), ""]
    lines.append("OUTPUT")
    shape = operation.output_shape
    if shape is None or not shape.members:
        lines += ["       None", ""]
    else:
        for name, member in shape.members.items():
            lines += [
                f"       {name} -> ({member.type_name})",
                *_doc(member.documentation or "", 10),
            ]
    return "\n".join(line.rstrip() for line in lines) + "\n"


def service_page(model: ServiceModel, commands: dict[str, str], served: set[str]) -> str:
    lines = ["NAME", "       cognito-idp -", "", "DESCRIPTION"]
    lines += _doc(model.documentation or "", 7)
    lines += ["AVAILABLE COMMANDS", "       o help", ""]
    for command, name in sorted(commands.items()):
        mark = "" if name in served else "  (remote endpoints only)"
        lines += [f"       o {command}{mark}", ""]
    return "\n".join(line.rstrip() for line in lines) + "\n"


def top_page() -> str:
    return (
        "NAME\n       userpool -\n\nDESCRIPTION\n"
        "       The AWS CLI's cognito-idp commands, against a configured endpoint or,\n"
        "       with none, in-process on the local data (--db, USERPOOL_DB).\n"
        "       'userpool --help' lists the server's own commands (serve, keys, ...).\n\n"
        "SYNOPSIS\n          userpool [options] cognito-idp <operation> [parameters]\n\n"
        "AVAILABLE SERVICES\n       o cognito-idp\n\n"
    )
