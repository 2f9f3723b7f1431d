"""``--output table``: the AWS CLI's boxed tables, byte for byte (tests/cli/captures/aws-cli-v2.33.md §9).

The response becomes sections (a title, maybe a header row, rows, an indent level); the
widest section sets the width; when that exceeds the terminal (80 columns off a TTY),
one-row sections are turned vertical. Cells are measured in columns (East Asian wide
characters count 2). With colour, data cells are bright blue and nested borders dim
yellow; written straight to stdout (not to the pager) every write is followed by a reset,
as colorama's autoreset does, and a terminal gets one more reset when the command ends.
"""

from __future__ import annotations

import contextlib
import os
import struct
import sys
import unicodedata
from dataclasses import dataclass, field
from typing import IO, Any

RESET = "\x1b[0m"
CELL = "\x1b[1m\x1b[34m"
BORDER = "\x1b[2m\x1b[33m"


def width_of(text: Any) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WFA" else 1 for c in str(text))


def terminal_width(default: int = 80) -> int:
    try:
        from fcntl import ioctl
        from termios import TIOCGWINSZ

        return int(struct.unpack("hhhh", ioctl(sys.stdout, TIOCGWINSZ, b"\0" * 8))[1])
    except Exception:
        return default


@dataclass
class Section:
    title: str = ""
    indent: int = 0
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    widths: list[int] = field(default_factory=list)
    columns: int | None = None

    def add_header(self, headers: list[str]) -> None:
        self._measure(headers)
        if self.columns is None:
            self.columns = len(headers)
        self.headers = headers

    def add_row(self, row: list[Any]) -> None:
        if self.columns is None:
            self.columns = len(row)
        if len(row) != self.columns:
            raise ValueError(f"Row should have {self.columns} elements, instead it has {len(row)}")
        cells = [str(c) for c in row]
        self.rows.append(cells)
        self._measure(cells)

    def _measure(self, cells: list[str]) -> None:
        if not self.widths:
            self.widths = [width_of(c) for c in cells]
        else:
            for i, cell in enumerate(cells):
                self.widths[i] = max(width_of(cell), self.widths[i])

    def total_width(self) -> int:
        cells = sum(w + 4 for w in self.widths) + 2 + 2 * self.indent
        return max(width_of(self.title) + 2 + 2 * self.indent, cells)

    def scaled(self, total: int) -> list[int]:
        """Column widths (content + 4) scaled to sum to ``total``."""
        unscaled = [w + 4 for w in self.widths]
        if not unscaled:
            return unscaled
        factor = total / float(sum(unscaled))
        widths = [int(round(factor * w)) for w in unscaled]
        off = sum(widths) - total
        while off != 0:
            order = range(len(widths)) if off > 0 else reversed(range(len(widths)))
            for i in order:
                widths[i] += -1 if off > 0 else 1
                off += -1 if off > 0 else 1
                if off == 0:
                    break
        return widths


class Builder:
    """Turns a response into sections, as the CLI's TableFormatter does."""

    def __init__(self) -> None:
        self.sections: list[Section] = []

    def _new(self, title: str, indent: int) -> None:
        self.sections.append(Section(title=title, indent=indent))

    @property
    def _current(self) -> Section:
        return self.sections[-1]

    def build(self, title: str | None, current: Any, indent: int = 0) -> bool:
        if not current:
            return False
        if title is not None:
            self._new(title, indent)
        if isinstance(current, list):
            if isinstance(current[0], dict):
                self._from_list(current, indent, title)
            else:
                for item in current:
                    if not isinstance(item, (list, dict)):
                        self._current.add_row([item])
                    elif all(not isinstance(el, (list, dict)) for el in item):
                        self._current.add_row(list(item))
                    else:
                        self.build(None, item)
        if isinstance(current, dict):
            self._from_dict(current, indent)
        return True

    def _from_dict(self, current: dict[str, Any], indent: int) -> None:
        headers, more = _split(current)
        if len(headers) == 1:
            self._current.add_row([headers[0], current[headers[0]]])
        elif headers:
            self._current.add_header(headers)
            self._current.add_row([current[k] for k in headers])
        for key in more:
            self.build(key, current[key], indent + 1)

    def _from_list(self, items: list[Any], indent: int, title: str | None) -> None:
        headers: set[str] = set()
        more: set[str] = set()
        for item in items:
            h, m = _split(item)
            headers.update(h)
            more.update(m)
        ordered, rest = sorted(headers), sorted(more)
        self._current.add_header(ordered)
        for i, item in enumerate(items):
            if i > 0 and rest:
                self._new(title or "", indent)
                self._current.add_header(ordered)
            self._current.add_row([item.get(h, "") for h in ordered])
            for key in rest:
                if key in item:
                    self.build(key, item[key], indent + 1)


def _split(current: dict[str, Any]) -> tuple[list[str], list[str]]:
    scalars = sorted(k for k, v in current.items() if not isinstance(v, (list, dict)))
    others = sorted(k for k, v in current.items() if isinstance(v, (list, dict)))
    return scalars, others


def _center(text: str, length: int, left: str = "|", right: str = "|", shown: int = -1) -> str:
    size = width_of(text) if shown < 0 else shown
    start = length // 2 - size // 2 - 1
    so_far = width_of(left) + start + size
    return left + " " * start + text + " " * (length - width_of(right) - so_far) + right


def _align_left(text: str, length: int, left: str, right: str, shown: int) -> str:
    padding = 2 if length - (shown + 2 + width_of(left) + width_of(right)) >= 0 else 0
    so_far = len(left) + padding + shown
    return left + " " * padding + text + " " * (length - so_far - len(right)) + right


class _Sink:
    """Write calls onto ``out``; with ``autoreset`` each call ends with a reset (colorama's
    wrapper around stdout: the AWS CLI's pager pipe is not wrapped, so it gets none)."""

    def __init__(self, out: IO[str], colour: bool, autoreset: bool) -> None:
        self.out, self.colour, self.autoreset = out, colour, autoreset

    def write(self, text: str) -> None:
        self.out.write(text + RESET if self.autoreset else text)

    def line(self, indent: int, text: str) -> None:
        edge = (BORDER + "|" + RESET) * indent if self.colour and indent else "|" * indent
        self.write(edge)
        self.write(text)
        self.write(edge)
        self.write("\n")


def render(
    title: str, data: Any, out: IO[str], colour: bool = False, autoreset: bool | None = None
) -> None:
    """The table of ``data``; ``autoreset`` (default: as ``colour``) adds colorama's resets."""
    builder = Builder()
    if not builder.build(title, data):
        return
    sections = builder.sections
    width = max(s.total_width() for s in sections)
    if width > terminal_width():
        sections = [_vertical(s) for s in sections]
        width = max(s.total_width() for s in sections)
    sink = _Sink(out, colour, colour if autoreset is None else autoreset)
    sink.write("-" * width + "\n")
    for section in sections:
        _section(section, width - 2 * section.indent, sink)


def _vertical(section: Section) -> Section:
    if len(section.rows) != 1 or not section.headers:
        return section
    flipped = Section(title=section.title, indent=section.indent)
    for header, cell in zip(section.headers, section.rows[0], strict=False):
        flipped.add_row([header, cell])
    return flipped


def _rule(widths: list[int]) -> str:
    return "".join(
        f"+{'-' * (w - 2)}+" if i == 0 else f"{'-' * (w - 1)}+" for i, w in enumerate(widths)
    )


def _section(section: Section, width: int, sink: _Sink) -> None:
    indent = section.indent
    if section.title:
        sink.line(indent, _center(section.title, width))
        if not section.headers and not section.rows:
            sink.line(indent, f"+{'-' * (width - 2)}+")
    widths = section.scaled(width)
    if section.headers:
        cells = "".join(
            _center(h, w, "|" if i == 0 else "", "|")
            for i, (w, h) in enumerate(zip(widths, section.headers, strict=False))
        )
        sink.line(indent, _rule(widths))
        sink.line(indent, cells)
    if section.rows and widths:
        sink.line(indent, _rule(widths))
        for row in section.rows:
            cells = "".join(
                _align_left(
                    CELL + c + RESET if sink.colour else c,
                    w,
                    "|" if i == 0 else "",
                    "|",
                    width_of(c),
                )
                for i, (w, c) in enumerate(zip(widths, row, strict=False))
            )
            sink.line(indent, cells)
        sink.line(indent, _rule(widths))


_coloured: list[bool] = []


def started_colour() -> None:
    """Colour was set up for a table (colorama's ``init`` in the AWS CLI): see ``finish``."""
    _coloured.append(True)


def finish() -> None:
    """At the end of a run that set up colour, a last reset when stdout is a terminal, as
    colorama's exit handler writes (after the pager, if there was one)."""
    if _coloured and is_tty():
        with contextlib.suppress(OSError):
            sys.stdout.write(RESET)
            sys.stdout.flush()


def is_tty() -> bool:
    try:
        return os.isatty(sys.stdout.fileno())
    except Exception:
        return False
