"""The model's HTML documentation as reStructuredText, as the AWS CLI's bcdoc writes it.

``Doc`` is bcdoc's ReSTDocument with its ReSTStyle: a list of writes and an indentation
(two spaces a level). An HTML tree is built from the tags bcdoc handles (others are
dropped, their text kept) and written out: ``<p>`` as a blank line, ``<code>``,
``<b>`` and ``<i>`` as inline markup followed by a space, links as anonymous
hyperlinks, lists as ``*`` items, ``<note>``/``<important>``/``<danger>`` as
directives. A text run's words are joined by single spaces, its leading whitespace
dropped. The quirks are kept on purpose: they are what aws's pages show.
"""

from __future__ import annotations

import html.parser
from typing import Any


class Doc:
    """bcdoc's ReSTDocument and ReSTStyle: a list of writes and an indentation."""

    def __init__(self) -> None:
        self.writes: list[str] = []
        self.level = 0
        self.keep = True
        self.do_p = True
        self.href: str | None = None
        self.list_depth = 0

    def value(self) -> str:
        return "".join(self.writes)

    def spaces(self) -> str:
        return "  " * self.level

    def write(self, text: str) -> None:
        if self.keep:
            self.writes.append(text)

    def writeln(self, text: str) -> None:
        self.write(f"{self.spaces()}{text}\n")

    def indent(self) -> None:
        self.level += 1

    def dedent(self) -> None:
        self.level = max(0, self.level - 1)

    def new_paragraph(self) -> None:
        self.write("\n\n" + self.spaces())

    def new_line(self) -> None:
        self.write("\n" + self.spaces())

    def heading(self, title: str, border: str) -> None:
        self.new_paragraph()
        self.write(f"{border * len(title)}\n{title}\n{border * len(title)}")
        self.new_paragraph()

    def start_ul(self) -> None:
        if self.list_depth:
            self.indent()
        self.list_depth += 1
        self.new_paragraph()

    def end_ul(self) -> None:
        self.list_depth -= 1
        if self.list_depth:
            self.dedent()
        self.new_paragraph()

    def li(self, text: str) -> None:
        self.start_li()
        self.writeln(text)
        self.end_li()

    def start_li(self) -> None:
        self.new_line()
        self.do_p = False
        self.write("* ")

    def end_li(self) -> None:
        self.do_p = True
        self.new_line()

    def start_note(self, kind: str = "note") -> None:
        self.new_paragraph()
        self.write(f".. {kind}::")
        self.indent()
        self.new_paragraph()

    def end_note(self) -> None:
        self.dedent()
        self.new_paragraph()

    def start_codeblock(self) -> None:
        self.write("::")
        self.indent()
        self.new_paragraph()

    def end_codeblock(self) -> None:
        self.dedent()
        self.new_paragraph()

    # inline markup: bcdoc drops empty markup and writes a space after the closing one
    def end_inline(self, markup: str) -> None:
        last = self.writes.pop().rstrip(" ")
        if last == markup:
            return
        self.writes.append(last)
        self.write(markup + " ")

    def start_a(self, attrs: list[tuple[str, str | None]]) -> None:
        if attrs:
            for key, value in attrs:
                if key == "href":
                    self.href = value
                    self.write("`")
        else:
            self.write(" ")

    def end_a(self) -> None:
        if self.href:
            last = self.writes.pop().rstrip(" ")
            if last and last != "`":
                self.writes.append(last.replace(":", r"\:"))
                self.writes.append(f" <{self.href}>`__")
            elif last == "`":
                self.writes.append(f"`<{self.href}>`__")
            else:
                self.writes.append(self.href)
                self.write("`__")
            self.href = None
        self.write(" ")

    def tag(self, tag: str, attrs: list[tuple[str, str | None]] | None, start: bool) -> None:
        """The handler of an HTML tag (``handles`` says which tags have one)."""
        inline = {"b": "**", "i": "*", "code": "``"}
        if tag in inline:
            if start:
                self.write(inline[tag])
            else:
                self.end_inline(inline[tag])
        elif tag == "p":
            if self.do_p:
                self.write("\n\n" + self.spaces())
        elif tag in ("note", "important", "danger"):
            kind = {"note": "note", "important": "warning", "danger": "danger"}[tag]
            self.start_note(kind) if start else self.end_note()
        elif tag == "a":
            self.start_a(attrs or []) if start else self.end_a()
        elif tag == "li":
            self.start_li() if start else self.end_li()
        elif tag in ("ul", "ol"):
            self.start_ul() if start else self.end_ul()
        elif tag in ("examples", "fullname"):
            self.keep = not start
        elif tag == "codeblock":
            self.start_codeblock() if start else self.end_codeblock()

    def include(self, html_text: str | None) -> None:
        """The model's HTML documentation, as bcdoc's DocStringParser writes it."""
        if not html_text:
            return
        parser = _HtmlTree(self)
        try:
            parser.feed(html_text)
            parser.flush()
            parser.close()
            parser.flush()
        except Exception:  # bcdoc keeps what was written and goes on
            pass


HANDLED = {"b", "i", "code", "p", "note", "important", "danger", "a", "li", "ul", "ol"}
HANDLED |= {"examples", "fullname", "codeblock"}


class _Node:
    """One handled tag (or the root) and its children: nodes and text."""

    def __init__(self, tag: str, attrs: Any, parent: _Node | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[_Node | list[str]] = []  # text is a one-item list

    def write(self, doc: Doc) -> None:
        if self.tag == "li":
            _lstrip(self)
        if self.tag:
            doc.tag(self.tag, self.attrs, True)
        for child in self.children:
            if isinstance(child, _Node):
                child.write(doc)
            else:
                _write_text(doc, child[0])
        if self.tag:
            doc.tag(self.tag, None, False)


def _lstrip(node: _Node) -> bool:
    for child in node.children:
        if isinstance(child, _Node):
            if _lstrip(child):
                return True
        else:
            child[0] = child[0].lstrip()
            if child[0]:
                return True
    return False


def _write_text(doc: Doc, data: str) -> None:
    if not data:
        return
    if data.isspace():
        doc.write(" ")
    else:
        doc.write(" ".join(data.split()) + (" " if data[-1].isspace() else ""))


class _HtmlTree(html.parser.HTMLParser):
    def __init__(self, doc: Doc) -> None:
        super().__init__()
        self.doc = doc
        self.root = self.current = _Node("", None, None)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in HANDLED:
            node = _Node(tag, attrs, self.current)
            self.current.children.append(node)
            self.current = node

    def handle_endtag(self, tag: str) -> None:
        if tag in HANDLED:
            parent = self.current.parent
            if parent is None:
                raise ValueError("unbalanced end tag")
            self.current = parent

    def handle_data(self, data: str) -> None:
        self.current.children.append([data])

    def flush(self) -> None:
        self.root.write(self.doc)
        self.root = self.current = _Node("", None, None)
