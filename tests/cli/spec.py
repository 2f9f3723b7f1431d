"""The AWS CLI v2.33 captures in ``captures/aws-cli-v2.33.md``, read for byte-for-byte tests.

A capture is a ``$ <command line>`` then ``[stdout]``, ``[stderr]``, ``[rc=N]`` and maybe
``[request] <target> <body>``. ``<TAB>`` and ``cat -A`` renderings are turned back into
bytes; ``aws`` in usage text becomes ``userpool`` (our program name, docs/cli.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SPEC = Path(__file__).resolve().parent / "captures" / "aws-cli-v2.33.md"


def text() -> str:
    """The captures (the file is the repository's own: it is always there)."""
    return SPEC.read_text()


@dataclass
class Capture:
    command: str
    stdout: str
    stderr: str
    rc: int
    request: str | None  # "(none sent)", "<Target> <body>", or None when not shown


def _unrender(lines: list[str], cat_a: bool) -> str:
    if cat_a:
        lines = [line[:-1] if line.endswith("$") else line for line in lines]
        lines = [line.replace("^I", "\t") for line in lines]
    text = "\n".join(line.replace("<TAB>", "\t") for line in lines)
    return text + "\n" if lines else ""


def _parse(block: list[str]) -> Capture | None:
    if not block or not block[0].startswith("$ "):
        return None
    command = block[0][2:]
    out: list[str] = []
    err: list[str] = []
    current: list[str] | None = None
    rc = None
    request = None
    cat_a = False
    for line in block[1:]:
        if line.startswith("[stdout"):
            current = out
        elif line.startswith("[stderr"):
            current, cat_a = err, "cat -A" in line
        elif (found := re.fullmatch(r"\[rc=(\d+)\]", line)) is not None:
            rc, current = int(found.group(1)), None
        elif line.startswith("[request] "):
            request = line[len("[request] ") :]
        elif current is not None:
            current.append(line)
    if rc is None:
        return None
    return Capture(command, _unrender(out, False), _unrender(err, cat_a), rc, request)


@cache
def captures() -> dict[str, Capture]:
    """Every capture by its command line (the first one when a line repeats)."""
    found: dict[str, Capture] = {}
    block: list[str] | None = None
    for line in text().split("\n"):
        if line.startswith("```"):
            if block is None:
                block = []
            else:
                capture = _parse(block)
                if capture is not None:
                    found.setdefault(capture.command, capture)
                block = None
        elif block is not None:
            block.append(line)
    return found


def as_userpool(text: str) -> str:
    """The reference text with our program name in the usage lines."""
    text = text.replace("aws: [ERROR]: ", "userpool: [ERROR]: ")
    text = text.replace("usage: aws [options]", "usage: userpool [options]")
    return re.sub(r"^  aws (help|<command>)", r"  userpool \1", text, flags=re.M)


def synopsis_options() -> list[str]:
    """The options of the target synopsis (captures §0), in order."""
    spec = text()
    start = spec.index("confirm-sign-up --client-id <value>")
    block = spec[start : spec.index("```", start)]
    return re.findall(r"--[a-z][a-z0-9-]*", block)
