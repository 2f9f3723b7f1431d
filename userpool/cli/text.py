"""``--output text``: tab-separated lines, as the AWS CLI's text formatter writes them.

A dict writes its scalar values (sorted by key) on one line, prefixed by the upper-cased
key it sits under, then each non-scalar child under its own key. A list of dicts shares
one set of columns (the union of their scalar keys, sorted; a missing key is an empty
field). A list of scalars is one line when bare, one line per item under a key.
Values print as Python's ``str()``: ``True``, ``None``, ``1.5``. (tests/cli/captures/aws-cli-v2.33.md §8)
"""

from __future__ import annotations

from typing import IO, Any


def _complex(value: Any) -> bool:
    return isinstance(value, (dict, list))


def write(
    item: Any, out: IO[str], label: str | None = None, columns: list[str] | None = None
) -> None:
    if isinstance(item, dict):
        _dict(item, out, label, columns)
    elif isinstance(item, list):
        _list(item, out, label)
    else:
        out.write(f"{item}\n")


def _dict(item: dict[str, Any], out: IO[str], label: str | None, columns: list[str] | None) -> None:
    if columns is None:
        ordered = sorted(item.items())
        fields = [str(v) for _, v in ordered if not _complex(v)]
        children = [(k, v) for k, v in ordered if _complex(v)]
    else:
        fields = [str(item.get(key, "")) for key in columns]
        children = [(k, item[k]) for k in sorted(set(item) - set(columns))]
    if fields:
        if label is not None:
            fields.insert(0, label.upper())
        out.write("\t".join(fields) + "\n")
    for key, child in children:
        write(child, out, key)


def _list(items: list[Any], out: IO[str], label: str | None) -> None:
    if not items:
        return
    if any(isinstance(el, dict) for el in items):
        columns = sorted(
            {k for el in items if isinstance(el, dict) for k, v in el.items() if not _complex(v)}
        )
        for el in items:
            write(el, out, label, columns)
    elif any(isinstance(el, list) for el in items):
        scalars = [el for el in items if not _complex(el)]
        if scalars:
            _scalars(scalars, out, label)
        for el in items:
            if _complex(el):
                write(el, out, label)
    else:
        _scalars(items, out, label)


def _scalars(items: list[Any], out: IO[str], label: str | None) -> None:
    if label is not None:
        for el in items:
            out.write(f"{label.upper()}\t{el}\n")
    else:
        out.write("\t".join(str(el) for el in items) + "\n")
