"""``--cli-auto-prompt``: ask in the terminal for the operation and its parameters.

Required parameters are asked first, each with the first sentence of its documentation;
then optional ones may be added by name until an empty line. The finished command line
is echoed to stderr (so it can be reused) and run as if typed. Off a terminal it stops
as AWS CLI v2 does: ``Warning: Input is not a terminal (fd=0).`` and rc 255.
"""

from __future__ import annotations

import contextlib
import shlex
import sys
from collections.abc import Callable

from userpool.cli.arguments import Argument
from userpool.cli.clierrors import PROG, CliError
from userpool.cli.help import first_sentence


class NotATerminal(CliError):
    def __init__(self) -> None:
        super().__init__("Warning: Input is not a terminal (fd=0).")

    def render(self) -> str:
        return f"{self.message}\n\n\n"


def _given(arg: Argument, words: list[str]) -> bool:
    names = {arg.cli_name}
    if arg.kind == "boolean":
        names.add(f"--no-{arg.name}")
    return any(w in names or w.split("=", 1)[0] in names for w in words)


def _describe(arg: Argument) -> str:
    kind = arg.kind
    doc = first_sentence(arg.shape.documentation or "") if arg.shape is not None else ""
    req = " [required]" if arg.required else ""
    return f"{arg.cli_name} ({kind}){req}: {doc}"


def _ask_value(arg: Argument, ask: Callable[[str], str], required: bool) -> list[str]:
    sys.stderr.write(_describe(arg) + "\n")
    while True:
        if arg.kind == "boolean":
            answer = ask(f"{arg.cli_name} (y/n): ").strip().lower()
            if answer in ("y", "yes", "true"):
                return [arg.cli_name]
            if answer in ("n", "no", "false"):
                return [f"--no-{arg.name}"]
        else:
            answer = ask(f"{arg.cli_name}: ")
            if answer:
                values = shlex.split(answer) if arg.kind == "list" else [answer]
                return [arg.cli_name, *values]
        if not required:
            return []


def run(
    commands: dict[str, str],
    words: list[str],
    tables: Callable[[str], list[Argument]],
    ask: Callable[[str], str] = input,
) -> list[str]:
    """``words`` (operation first, if known) completed by asking; the new words."""
    if not sys.stdin.isatty():
        raise NotATerminal()
    with contextlib.suppress(ImportError):
        import readline  # noqa: F401  (line editing for input())
    words = list(words)
    if not words or words[0] not in commands:
        sys.stderr.write("Operations: " + " ".join(sorted(commands)) + "\n")
        while True:
            answer = ask("Operation: ").strip()
            if answer in commands:
                words.insert(0, answer)
                break
    table = [a for a in tables(words[0]) if a.member is not None and not a.negative]
    for arg in table:
        if arg.required and not _given(arg, words):
            words += _ask_value(arg, ask, required=True)
    optional = {a.name: a for a in table if not a.required and a.documented}
    while True:
        left = [name for name, a in optional.items() if not _given(a, words)]
        if not left:
            break
        sys.stderr.write("Optional: " + " ".join("--" + n for n in left) + "\n")
        answer = ask("Add an optional parameter (empty to run): ").strip().lstrip("-")
        if not answer:
            break
        if answer in optional:
            words += _ask_value(optional[answer], ask, required=False)
    sys.stderr.write(f"> {PROG} cognito-idp {shlex.join(words)}\n")
    return words
