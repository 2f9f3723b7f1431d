"""The AWS CLI's shorthand syntax: ``Name=email,Value=a@b.c``, ``k1=a,b``, ``k=[a,b]``, ``k={x=1}``.

Grammar (tests/cli/captures/aws-cli-v2.33.md §4.2)::

    parameter = keyval *( "," keyval )
    keyval    = key ( "=" / "@=" ) values        ; "@=" loads file:// / fileb:// values
    values    = "" / "[" list "]" / "{" hash "}" / csv-value
    csv-value = first-value *( "," second-value )   ; one item: a string; more: a list

``parse`` is purely syntactic; ``coerce`` then shapes the result by the model as the CLI
does (numbers and booleans converted, a lone value where a list is expected wrapped).
Errors carry the input with a caret under the failing index, worded as AWS CLI v2.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from typing import Any

from botocore.model import Shape

_START = r"!#-&(-+\--<>-Z\\-z|-\uffff"
_FIRST_FOLLOW = r"\s!#-&(-+\--\\^-|~-\uffff"
_SECOND_FOLLOW = r"\s!#-&(-+\--<>-\uffff"
_ESCAPED_COMMA = r"(\\,)"
_FIRST = re.compile(f"({_ESCAPED_COMMA}|[{_START}])({_ESCAPED_COMMA}|[{_FIRST_FOLLOW}])*")
_SECOND = re.compile(f"({_ESCAPED_COMMA}|[{_START}])({_ESCAPED_COMMA}|[{_SECOND_FOLLOW}])*")
_SINGLE = re.compile(r"'(?:\\'|[^'])*'")
_DOUBLE = re.compile(r'"(?:\\"|[^"])*"')
_KEY_CHARS = frozenset(string.ascii_letters + string.digits + "-_.#/:")
_NAMES = {_FIRST: "first", _SECOND: "second", _SINGLE: "singled quoted", _DOUBLE: "double quoted"}


def _location(value: str, index: int) -> str:
    """The input, then a caret under ``index`` (split around the caret line on newlines)."""
    consumed, remaining, spaces = value, "", index
    if "\n" in value[:index]:
        spaces = index - value[:index].rindex("\n") - 1
    if "\n" in value[index:]:
        cut = index + value[index:].index("\n")
        consumed, remaining = value[:cut], value[cut:]
    return f"{consumed}\n{' ' * spaces}^{remaining}"


class ShorthandError(Exception):
    """A syntax error in a shorthand value."""


class SyntaxFailure(ShorthandError):
    def __init__(self, value: str, expected: str, actual: str, index: int) -> None:
        super().__init__(
            f"Expected: '{expected}', received: '{actual}' for input:\n {_location(value, index)}"
        )


class DuplicateKey(ShorthandError):
    def __init__(self, key: str, value: str, index: int) -> None:
        super().__init__(
            f'Second instance of key "{key}" encountered for input:\n{_location(value, index)}\n'
            'This is often because there is a preceding "," instead of a space.'
        )


class ShorthandParser:
    """Parses one shorthand string; ``load_file`` resolves ``@=`` file references."""

    def __init__(self, load_file: Callable[[str], Any]) -> None:
        self._load_file = load_file
        self._text = ""
        self._i = 0
        self._files = False

    def parse(self, text: str) -> dict[str, Any]:
        self._text, self._i, self._files = text, 0, False
        result: dict[str, Any] = {}
        key, value = self._keyval()
        result[key] = value
        last = self._i
        while self._i < len(self._text):
            self._expect(",", skip_space=True)
            key, value = self._keyval()
            if key in result:
                raise DuplicateKey(key, self._text, last + 1)
            result[key] = value
            last = self._i
        return result

    # -- pieces of the grammar --------------------------------------------------------

    def _keyval(self) -> tuple[str, Any]:
        key = self._key()
        self._at_file_sign()
        self._expect("=", skip_space=True)
        return key, self._values()

    def _at_file_sign(self) -> None:
        self._files = False
        try:
            self._expect("@", skip_space=True)
            self._files = True
        except SyntaxFailure:
            pass

    def _key(self) -> str:
        start = self._i
        while not self._eof() and self._text[self._i] in _KEY_CHARS:
            self._i += 1
        return self._text[start : self._i]

    def _values(self) -> Any:
        if self._eof():
            return ""
        if self._peek() == "[":
            return self._list()
        if self._peek() == "{":
            return self._hash()
        return self._csv()

    def _csv(self) -> Any:
        first = self._first_value()
        self._skip_space()
        if self._eof() or self._text[self._i] != ",":
            return first
        self._expect(",", skip_space=True)
        items = [first]
        while True:
            try:
                item = self._second_value()
                self._skip_space()
                if self._eof():
                    items.append(item)
                    break
                self._expect(",", skip_space=True)
                items.append(item)
            except SyntaxFailure:
                if self._eof():
                    raise
                self._back_to(",")
                break
        return first if len(items) == 1 else items

    def _list(self) -> list[Any]:
        self._expect("[", skip_space=True)
        items: list[Any] = []
        while self._peek() != "]":
            items.append(self._explicit_value())
            self._skip_space()
            if self._peek() != "]":
                self._expect(",")
                self._skip_space()
        self._expect("]")
        return items

    def _hash(self) -> dict[str, Any]:
        self._expect("{", skip_space=True)
        result: dict[str, Any] = {}
        while self._peek() != "}":
            key = self._key()
            self._at_file_sign()
            self._expect("=", skip_space=True)
            value = self._explicit_value()
            self._skip_space()
            if self._peek() != "}":
                self._expect(",")
                self._skip_space()
            result[key] = value
        self._expect("}")
        return result

    def _explicit_value(self) -> Any:
        if self._peek() == "[":
            return self._list()
        if self._peek() == "{":
            return self._hash()
        return self._first_value()

    def _first_value(self) -> Any:
        if self._peek() in ("'", '"'):
            return self._quoted()
        match = _FIRST.match(self._text, self._i)
        if match is None:
            return ""
        self._i = match.end()
        return self._resolve(match.group(0).replace("\\,", ",").rstrip())

    def _second_value(self) -> Any:
        if self._peek() in ("'", '"'):
            return self._quoted()
        raw = self._consume(_SECOND)
        return self._resolve(raw.replace("\\,", ",").rstrip())

    def _quoted(self) -> Any:
        quote = self._peek()
        raw = self._consume(_SINGLE if quote == "'" else _DOUBLE)[1:-1]
        return self._resolve(raw.replace("\\" + str(quote), str(quote)).replace("\\\\", "\\"))

    def _resolve(self, value: str) -> Any:
        if self._files and value.startswith(("file://", "fileb://")):
            return self._load_file(value)
        return value

    # -- scanning ---------------------------------------------------------------------

    def _expect(self, char: str, skip_space: bool = False) -> None:
        if skip_space:
            self._skip_space()
        if self._eof():
            raise SyntaxFailure(self._text, char, "EOF", self._i)
        actual = self._text[self._i]
        if actual != char:
            raise SyntaxFailure(self._text, char, actual, self._i)
        self._i += 1
        if skip_space:
            self._skip_space()

    def _consume(self, pattern: re.Pattern[str]) -> str:
        match = pattern.match(self._text, self._i)
        if match is None:
            raise SyntaxFailure(self._text, f"<{_NAMES[pattern]}>", "<none>", self._i)
        self._i = match.end()
        return match.group(0)

    def _peek(self) -> str | None:
        return self._text[self._i] if self._i < len(self._text) else None

    def _eof(self) -> bool:
        return self._i >= len(self._text)

    def _back_to(self, char: str) -> None:
        while self._i >= 0 and self._text[self._i] != char:
            self._i -= 1

    def _skip_space(self) -> None:
        while not self._eof() and self._text[self._i] in string.whitespace:
            self._i += 1


def coerce(value: Any, shape: Shape) -> None:
    """Shape parsed shorthand by the model, in place: numbers, booleans, lone list items."""
    _visit({}, shape, "", value)


def _visit(parent: Any, shape: Shape, name: Any, value: Any) -> None:
    kind = shape.type_name
    if kind == "structure":
        if isinstance(value, dict):
            for member, member_shape in shape.members.items():  # type: ignore[attr-defined]
                _visit(value, member_shape, member, value.get(member))
    elif kind == "list":
        if isinstance(value, list):
            for i, item in enumerate(value):
                _visit(value, shape.member, i, item)  # type: ignore[attr-defined]
        elif value is not None:
            parent[name] = [value]
    elif kind == "map":
        if isinstance(value, dict):
            for key, item in value.items():
                _visit(value, shape.value, key, item)  # type: ignore[attr-defined]
    elif value is not None:
        _scalar(parent, kind, name, value)


def _scalar(parent: Any, kind: str, name: Any, value: Any) -> None:
    if kind in ("integer", "long"):
        parent[name] = int(value)
    elif kind in ("float", "double"):
        parent[name] = float(value)
    elif kind == "boolean":
        if value.lower() == "true":
            parent[name] = True
        elif value.lower() == "false":
            parent[name] = False
