"""The text and table vectors of captures §8 and §9 (the real v2 formatter on made-up data),
through our formatters, byte for byte; and the shorthand grammar's corner cases."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest

from tests.cli.spec import text
from userpool.cli import shorthand, table
from userpool.cli import text as text_format


def _vectors(section: str, end: str) -> list[tuple[Any, str]]:
    body = text().split(section, 1)[1].split(end, 1)[0]
    found = re.findall(r"\* input `(.+?)`\n```\n(.*?)```", body, flags=re.S)
    return [(json.loads(data), expected.replace("<TAB>", "\t")) for data, expected in found]


TEXT = _vectors("## 8. The text format", "## 9. The table format")
TABLE = _vectors("### 9.2 Layout and drawing", "Worked example")


@pytest.mark.parametrize(("data", "expected"), TEXT, ids=[json.dumps(d)[:40] for d, _ in TEXT])
def test_text_vectors(data: Any, expected: str) -> None:
    out = io.StringIO()
    text_format.write(data, out)
    assert out.getvalue() == expected


@pytest.mark.parametrize(("data", "expected"), TABLE, ids=[json.dumps(d)[:40] for d, _ in TABLE])
def test_table_vectors(data: Any, expected: str) -> None:
    out = io.StringIO()
    if expected.startswith("<exception ValueError: "):
        with pytest.raises(
            ValueError, match=re.escape(expected[len("<exception ValueError: ") : -2])
        ):
            table.render("TestOp", data, out)
        return
    table.render("TestOp", data, out)
    assert out.getvalue() == expected


def test_there_are_vectors() -> None:
    assert len(TEXT) == 8 and len(TABLE) == 11


@pytest.mark.parametrize(
    ("source", "parsed"),
    [
        ("a=b", {"a": "b"}),
        ("a=b,c", {"a": ["b", "c"]}),
        ("a=b,c,d=e", {"a": ["b", "c"], "d": "e"}),
        ("a=[b,c],d={e=f,g=[h]}", {"a": ["b", "c"], "d": {"e": "f", "g": ["h"]}}),
        ("a = b , c = d", {"a": "b", "c": "d"}),
        ('a=\'x,y\',b="p\\"q"', {"a": "x,y", "b": 'p"q'}),
    ],
)
def test_shorthand_grammar(source: str, parsed: dict[str, Any]) -> None:
    assert shorthand.ShorthandParser(lambda v: v).parse(source) == parsed
