"""Help pages from the model's documentation: ``userpool cognito-idp [<operation>] help``.

An operation's page is the AWS CLI's: ``helpdoc`` writes its reStructuredText as the
AWS CLI does (description, synopsis, options with constraints and nested members,
global options, examples, output) and ``helprst`` lays it out as aws's man page reads
in a terminal. The service and top pages list the commands; ``first_sentence`` gives
``--cli-auto-prompt`` its one-line summaries.
"""

from __future__ import annotations

import html.parser
import re
import textwrap

from botocore.model import OperationModel, ServiceModel

from userpool.cli import helpdoc, helprst
from userpool.cli.arguments import Argument

WIDTH = 79


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


def operation_page(command: str, operation: OperationModel, table: list[Argument]) -> str:
    """``userpool cognito-idp <command> help``: aws's page for the command, as text."""
    return helprst.render(helpdoc.operation_rst(command, operation, table), command)


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
