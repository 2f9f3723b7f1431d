"""The reStructuredText of a help page as text laid out as the AWS CLI's man page.

The AWS CLI turns its ReST into a man page (docutils) and prints what ``groff -T ascii``
makes of it. This module parses the part of ReST those pages use (sections, paragraphs,
block quotes, literal blocks, bullet lists, note/warning/danger, targets, inline
literals, emphasis and links) and lays it out by the same rules: a header and footer
line with the page's name, section names at column 0 and their text at 7, each nesting
3.5 columns further (rounded down), bullets as ``o`` with the text 2 further, a blank
line between paragraphs but none after a heading, paragraphs filled to 78 columns,
literal blocks as they are. groff's hyphenation and its widening of spaces to justify
lines are not done: words and line order are the same, some lines break differently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

WIDTH = 78
BASE = 7.0
STEP = 3.5
ADMONITIONS = {
    "note": "NOTE:",
    "warning": "WARNING:",
    "danger": "DANGER:",
    "important": "IMPORTANT:",
}
SECTION = re.compile(r"^([=*\-~^\"#+])\1+\s*$")
BULLET = re.compile(r"^([*+-])( +|$)")
DIRECTIVE = re.compile(r"^\.\.\s+([\w-]+)::(.*)$")


@dataclass
class Node:
    """A block: ``kind`` is section, paragraph, literal, quote, list, item or an admonition."""

    kind: str
    text: str = ""
    children: list[Node] = field(default_factory=list)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _dedent(lines: list[str]) -> list[str]:
    widths = [_indent(x) for x in lines if x.strip()]
    cut = min(widths) if widths else 0
    return [x[cut:] if x.strip() else "" for x in lines]


def _indented(lines: list[str], i: int) -> tuple[list[str], int]:
    """The block of blank or indented lines from ``i``, without trailing blanks."""
    j = i
    while j < len(lines) and (not lines[j].strip() or lines[j].startswith(" ")):
        j += 1
    block = lines[i:j]
    while block and not block[-1].strip():
        block.pop()
    return block, j


TARGET = re.compile(r"^\.\. _(`[^`]+`|[^:`]+):")


def parse(text: str) -> tuple[list[Node], set[str]]:
    """The blocks of ``text`` and the names of its hyperlink targets."""
    lines = [line.rstrip() for line in text.expandtabs(8).split("\n")]
    targets = {_name(m.group(1)) for m in map(TARGET.match, lines) if m}
    targets |= {_name(name) for name in re.findall(r"_`([^`]+)`", text)}  # inline targets
    return _blocks(lines), targets


def _name(reference: str) -> str:
    return " ".join(reference.strip("`").lower().split())


def _blocks(lines: list[str]) -> list[Node]:
    out: list[Node] = []
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        if line.startswith(" "):
            block, i = _indented(lines, i)
            out.append(Node("quote", children=_blocks(_dedent(block))))
            continue
        if SECTION.match(line) and i + 2 < n and lines[i + 2].strip() == line.strip():
            kind = "title" if line[0] == "*" else "section"
            out.append(Node(kind, lines[i + 1].strip()))
            i += 3
            continue
        if line.startswith(".. ") or line == "..":
            i = _explicit(lines, i, out)
            continue
        bullet = BULLET.match(line)
        if bullet:
            i = _list(lines, i, bullet.group(1), out)
            continue
        i = _paragraph(lines, i, out)
    return _nest_sections(out)


def _nest_sections(nodes: list[Node]) -> list[Node]:
    out: list[Node] = []
    for node in nodes:
        if node.kind in ("section", "title") or not out or out[-1].kind != "section":
            out.append(node)
        else:
            out[-1].children.append(node)
    return out


def _explicit(lines: list[str], i: int, out: list[Node]) -> int:
    match = DIRECTIVE.match(lines[i])
    block, j = _indented(lines, i + 1)
    if match and match.group(1) in ADMONITIONS:
        first = match.group(2).strip()
        body = ([first] if first else []) + _dedent(block)
        out.append(Node(match.group(1), children=_blocks(body)))
    return j  # meta, targets and comments print nothing


def _list(lines: list[str], i: int, char: str, out: list[Node]) -> int:
    items = Node("list")
    n = len(lines)
    while i < n:
        bullet = BULLET.match(lines[i])
        if not bullet or bullet.group(1) != char:
            break
        width = len(bullet.group(0))
        first = lines[i][width:]
        block, j = _indented(lines, i + 1)
        body = [" " * width + first, *block] if first else block
        items.children.append(Node("item", children=_blocks(_dedent(body))))
        i = j
        while i < n and not lines[i].strip():
            i += 1
    out.append(items)
    return i


def _paragraph(lines: list[str], i: int, out: list[Node]) -> int:
    n = len(lines)
    j = i
    while j < n and lines[j].strip() and not lines[j].startswith(" "):
        j += 1
    text = "\n".join(lines[i:j])
    if j < n and lines[j].startswith(" ") and lines[j].strip():
        # a definition list item: the term, then its indented definition
        block, k = _indented(lines, j)
        out.append(Node("paragraph", text))
        out.append(Node("quote", children=_blocks(_dedent(block))))
        return k
    if text.endswith("::"):
        stripped = text[:-2].rstrip()
        if stripped:
            out.append(Node("paragraph", stripped if text[-3:-2].isspace() else text[:-1]))
        k = j
        while k < n and not lines[k].strip():
            k += 1
        if k < n and lines[k].startswith(" "):
            block, k = _indented(lines, k)
            out.append(Node("literal", "\n".join(_dedent(block))))
            return k
        return j
    out.append(Node("paragraph", text))
    return j


# -- inline markup ------------------------------------------------------------------------

_START_BEFORE = " \t\n'\"([{<-/:"
_END_AFTER = " \t\n'\")]}>-/:.,;!?\\"
INLINE = re.compile(r"``|\*\*|\*|`|\\.", re.S)


def inline(text: str, targets: set[str] | frozenset[str] = frozenset()) -> str:
    """Plain text of a paragraph: markup removed as docutils recognises it; a reference
    to a target that is not there stays as written, as docutils shows it."""
    out: list[str] = []
    i = 0
    while i < len(text):
        match = INLINE.search(text, i)
        if match is None:
            out.append(text[i:])
            break
        start = match.start()
        out.append(text[i:start])
        token = match.group(0)
        if token.startswith("\\"):
            out.append("" if token[1].isspace() else token[1])
            i = match.end()
            continue
        if token == "`" and out and out[-1].endswith("_") and _target(text, start):
            close = text.find("`", start + 1)
            if close > 0:  # an inline target: the man page shows nothing of it
                out[-1] = out[-1][:-1]
                i = close + 1
                continue
        end = _close(text, token, match)
        if end is None:
            out.append(token)
            i = match.end()
            continue
        inner = text[match.end() : end]
        after = end + len(token)
        if token == "``":
            out.append(inner)
        elif token == "`":
            if text.startswith("__", after):
                after += 2
            elif text.startswith("_", after):
                after += 1
                if "<" not in inner and _name(inner) not in targets:
                    out.append(text[start:after])
                    i = after
                    continue
            inner = re.sub(r"\s*<[^<>]*>$", "", inner, flags=re.S) or inner
            out.append(_unescape(inner))
        else:
            out.append(_unescape(inner))
        i = after
    return "".join(out)


def _target(text: str, start: int) -> bool:
    return start == 1 or (start > 1 and text[start - 2] in _START_BEFORE)


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: "" if m.group(1).isspace() else m.group(1), text)


def _close(text: str, token: str, match: re.Match[str]) -> int | None:
    start = match.start()
    before = text[start - 1] if start else " "
    after = text[match.end() : match.end() + 1]
    if before not in _START_BEFORE or not after or after.isspace():
        return None
    search = match.end() + 1
    while True:
        end = text.find(token, search)
        if end < 0:
            return None
        if token == "*" and text.startswith("**", end) and not text.startswith("***", end):
            search = end + 2
            continue
        if token == "`" and text[end - 1] == "\\":
            search = end + 1
            continue
        follow = end + len(token)
        if token == "`":
            follow += (
                2
                if text.startswith("__", follow)
                else (1 if text[follow : follow + 1] == "_" else 0)
            )
        tail = text[follow : follow + 1]
        if not text[end - 1].isspace() and (not tail or tail in _END_AFTER):
            return end
        search = end + 1


# -- layout -------------------------------------------------------------------------------


class Layout:
    """Lines as groff lays out docutils' man page (no hyphenation, no justification)."""

    def __init__(self, targets: set[str]) -> None:
        self.lines: list[str] = []
        self.nospace = True
        self.targets = targets

    def space(self) -> None:
        if not self.nospace:
            self.lines.append("")
            self.nospace = True

    def emit(self, line: str) -> None:
        self.lines.append(line.rstrip())
        self.nospace = False

    def fill(self, text: str, indent: float, lead: str = "") -> None:
        """Words filled to WIDTH from column ``indent``; a bullet ``lead`` 2 columns before."""
        words = _words(text)
        col = int(indent)
        line = ""
        bullet = int(indent - 2)
        prefix = " " * bullet + lead.ljust(col - bullet) if lead else " " * col
        for word, gap in words:
            if not line:
                line = word
            elif col + len(line) + gap + len(word) <= WIDTH:
                line += " " * gap + word
            else:
                self.emit(prefix + line)
                prefix, line = " " * col, word
        if line or lead:
            self.emit(prefix + line)

    def render(self, nodes: list[Node], indent: float, lead: str = "") -> str:
        """Lays out ``nodes``; returns a bullet still to place (when there was no text)."""
        for index, node in enumerate(nodes):
            first = index == 0
            kind = node.kind
            if kind == "section":
                if self.lines:
                    self.lines.append("")
                self.emit(node.text.upper())
                self.nospace = True
                self.render(node.children, BASE)
            elif kind == "paragraph":
                if not first:
                    self.space()
                self.fill(inline(node.text, self.targets), indent, lead)
                lead = ""
            elif kind == "literal":
                self.space()
                for line in node.text.split("\n"):
                    self.emit(" " * int(indent + STEP) + line if line else "")
            elif kind == "quote":
                lead = self.render(node.children, indent + STEP, lead)
            elif kind == "list":
                for item in node.children:
                    self.space()
                    rest = self.render(item.children, indent + 2, "o")
                    if rest:
                        self.emit(" " * int(indent) + rest)
            elif kind in ADMONITIONS:
                self.space()
                self.emit(" " * int(indent) + ADMONITIONS[kind])
                self.render(node.children, indent + STEP)
        return lead


def _words(text: str) -> list[tuple[str, int]]:
    """Words with the spaces before each: a newline is one space, two after a sentence."""
    out: list[tuple[str, int]] = []
    for part in re.finditer(r"(\s*)(\S+)", text):
        gap_text, word = part.group(1), part.group(2)
        gap = len(gap_text.replace("\n", " "))
        if "\n" in gap_text and out and re.search(r"[.?!][\"')\]]*$", out[-1][0]):
            gap = max(gap, 2)
        out.append((word, gap))
    return out


def render(rst: str, name: str) -> str:
    """The page: header, NAME, the sections, footer."""
    nodes, targets = parse(rst)
    layout = Layout(targets)
    title = f"{name.upper()}()"
    header = title.ljust(WIDTH)[: WIDTH - len(title)] + title  # a long name is overwritten
    layout.lines += [header, "", "", ""]
    layout.emit("NAME")
    layout.emit(" " * int(BASE) + f"{name} -")
    layout.nospace = False
    layout.render([n for n in nodes if n.kind != "title"], BASE)
    return "\n".join([*layout.lines, "", "", "", title.rjust(WIDTH)]) + "\n"
