"""YAML as AWS CLI v2 writes and reads it (ruamel.yaml, safe, YAML 1.2), done with PyYAML.

The v2 CLI dumps with ruamel's safe dumper: block style, keys sorted, plain scalars
quoted only when a YAML 1.2 reader would take them for something else (``'true'``,
``''``, timestamps, numbers; but not ``OFF`` or ``yes``, which were booleans only in
YAML 1.1), ``None`` written ``null`` wherever it is, floats as Python's ``repr``
(``1e+300``, ``.inf``). PyYAML's emitter is the one ruamel forked; giving it YAML 1.2's
implicit types and ruamel's safe representers makes the two write the same bytes.
"""

from __future__ import annotations

import math
import re
from collections import OrderedDict
from typing import IO, Any

try:
    import yaml
    from yaml import YAMLError
except ImportError:  # pragma: no cover - PyYAML comes with the dev tools; see docs/cli.md
    yaml = None  # type: ignore[assignment]

    class YAMLError(Exception):  # type: ignore[no-redef]
        pass


__all__ = ["YAMLError", "dump", "load"]

_IMPLICIT: list[tuple[str, str, str]] = [
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    (
        "float",
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
        "-+0123456789.",
    ),
    (
        "int",
        r"""^(?:[-+]?0b[0-1_]+
        |[-+]?0o?[0-7_]+
        |[-+]?[0-9_]+
        |[-+]?0x[0-9a-fA-F_]+)$""",
        "-+0123456789",
    ),
    ("merge", r"^(?:<<)$", "<"),
    ("null", r"^(?: ~ |null|Null|NULL | )$", "~nN"),
    (
        "timestamp",
        r"""^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
        |[0-9][0-9][0-9][0-9] -[0-9][0-9]? -[0-9][0-9]?
        (?:[Tt]|[ \t]+)[0-9][0-9]?
        :[0-9][0-9] :[0-9][0-9] (?:\.[0-9]*)?
        (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$""",
        "0123456789",
    ),
    ("value", r"^(?:=)$", "="),
    ("yaml", r"^(?:!|&|\*)$", "!&*"),
]


def _classes() -> tuple[type[Any], type[Any]]:
    assert yaml is not None

    Resolver12: Any = type("Resolver12", (yaml.resolver.BaseResolver,), {})

    for tag, pattern, first in _IMPLICIT:
        starts = list(first) + ([""] if tag == "null" else [])
        Resolver12.add_implicit_resolver(
            f"tag:yaml.org,2002:{tag}", re.compile(pattern, re.X), starts
        )

    def dumper_init(self: Any, stream: IO[str], **kwargs: Any) -> None:
        yaml.emitter.Emitter.__init__(self, stream, allow_unicode=True)
        yaml.serializer.Serializer.__init__(self)
        yaml.representer.SafeRepresenter.__init__(self, default_flow_style=False, sort_keys=True)
        Resolver12.__init__(self)

    def represent_none(self: Any, data: Any) -> Any:
        return self.represent_scalar("tag:yaml.org,2002:null", "null")

    def represent_float(self: Any, data: float) -> Any:
        if data != data:
            text = ".nan"
        elif data in (math.inf, -math.inf):
            text = ".inf" if data > 0 else "-.inf"
        else:
            text = repr(data).lower()  # 1e+300, not YAML 1.1's 1.0e+300
        return self.represent_scalar("tag:yaml.org,2002:float", text)

    def loader_init(self: Any, stream: Any) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)
        yaml.constructor.SafeConstructor.__init__(self)
        Resolver12.__init__(self)

    dumper_bases = (
        yaml.emitter.Emitter,
        yaml.serializer.Serializer,
        yaml.representer.SafeRepresenter,
        Resolver12,
    )
    Dumper: Any = type("Dumper", dumper_bases, {"__init__": dumper_init})
    Dumper.add_representer(type(None), represent_none)
    Dumper.add_representer(float, represent_float)
    Dumper.add_representer(OrderedDict, yaml.representer.SafeRepresenter.represent_dict)
    loader_bases = (
        yaml.reader.Reader,
        yaml.scanner.Scanner,
        yaml.parser.Parser,
        yaml.composer.Composer,
        yaml.constructor.SafeConstructor,
        Resolver12,
    )
    Loader = type("Loader", loader_bases, {"__init__": loader_init})
    return Dumper, Loader


_cache: list[tuple[type[Any], type[Any]]] = []


def _pair() -> tuple[type[Any], type[Any]]:
    if yaml is None:
        raise RuntimeError("YAML needs the PyYAML package: pip install pyyaml")
    if not _cache:
        _cache.append(_classes())
    return _cache[0]


def dump(value: Any, stream: IO[str]) -> None:
    """Block-style YAML of ``value`` (a dict or a list) onto ``stream``."""
    yaml.dump(value, stream, Dumper=_pair()[0], default_flow_style=False)


def load(text: str | bytes) -> Any:
    """The document in ``text`` (YAML 1.2 types)."""
    return yaml.load(text, Loader=_pair()[1])
