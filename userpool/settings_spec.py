"""How a server setting is declared, once, and the readers made from the declarations.

Each field of ``config.Settings`` is made by ``setting(default, help, ...)``, which keeps
a ``Spec`` in the field's metadata: its help text, its option's name (``--`` and the
field's name with dashes, unless ``flag=`` says otherwise), metavar and choices, whether
the option is repeatable, and whether the setting is a secret. The field's type says how a
value is parsed. From these:

- ``add_flags`` gives a parser (``userpool serve``'s) an option per setting that is not
  a secret: a bool is a switch that turns it on; a dict is ``--flag KEY VALUE``,
  repeatable; a ``repeat`` string is repeatable, its values joined with commas; int and
  float are numbers. ``flag_values`` reads back the options that were given.
- ``env_values`` reads ``USERPOOL_<NAME>`` for every setting: int and float as numbers,
  bool as 1/true/yes/on (anything else: false), dict as a JSON object, an empty value of
  a string that may be None as None; choices are not checked here.

A secret (a password, the master key) is read from its variable only, never from an
option, so it shows in no process list or shell history, and it is kept out of repr.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import os
import types
import typing
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

ENV_PREFIX = "USERPOOL_"
TRUE = ("1", "true", "yes", "on")
_KEY = "userpool.setting"


@dataclass(frozen=True)
class Spec:
    """What a setting's declaration says besides its name, type and default."""

    help: str
    secret: bool = False
    flag: str | None = None  # the option's name without "--"; None: from the field's name
    metavar: str | tuple[str, ...] | None = None  # None: N for an int, a|b for choices
    choices: tuple[str, ...] = ()
    repeat: bool = False


def setting(
    default: Any,
    help: str,
    *,
    secret: bool = False,
    flag: str | None = None,
    metavar: str | tuple[str, ...] | None = None,
    choices: tuple[str, ...] = (),
    repeat: bool = False,
) -> Any:
    """A ``Settings`` field: its default and how it is offered (see the module's doc)."""
    spec = Spec(help, secret, flag, metavar, choices, repeat)
    metadata = {_KEY: spec}
    if isinstance(default, dict):
        return dataclasses.field(default_factory=default.copy, metadata=metadata)
    return dataclasses.field(default=default, repr=not secret, metadata=metadata)


@dataclass(frozen=True)
class Declared:
    """One declared setting: its field's name, the type of its values, and its spec."""

    name: str
    kind: type  # str, int, float, bool or dict
    optional: bool  # None is one of its values
    spec: Spec

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.name.upper()

    @property
    def option(self) -> str | None:
        """``--name``, or None for a secret."""
        if self.spec.secret:
            return None
        return "--" + (self.spec.flag or self.name.replace("_", "-"))

    @property
    def metavar(self) -> str | tuple[str, ...] | None:
        if self.spec.metavar is not None or self.kind is bool:
            return self.spec.metavar
        if self.spec.choices:
            return "|".join(self.spec.choices)
        assert self.kind is int, f"{self.name}: declare its metavar"
        return "N"

    @property
    def usage(self) -> str:
        """The option as README's list writes it: ``--port N``, ``--dev``."""
        words = self.metavar or ()
        return " ".join([self.option or "", *([words] if isinstance(words, str) else words)])

    def parse(self, raw: str) -> Any:
        """The value of a ``USERPOOL_*`` variable."""
        if self.kind is bool:
            return raw.strip().lower() in TRUE
        if self.kind in (int, float):
            return self.kind(raw)
        if self.kind is dict:
            return dict(orjson.loads(raw))
        value = (raw or None) if self.optional else raw
        if self.spec.choices and value is not None:
            spelled = {choice.lower(): choice for choice in self.spec.choices}
            if value.lower() not in spelled:
                raise ValueError(f"{self.env}={raw!r} is not one of {', '.join(self.spec.choices)}")
            return spelled[value.lower()]
        return value

    def from_flag(self, given: Any) -> Any:
        """The value of what ``add_flags``' option collected."""
        if self.kind is dict:
            return dict(given)
        return ",".join(given) if self.spec.repeat else given


@functools.cache
def declared(cls: type) -> tuple[Declared, ...]:
    """Every field of the dataclass ``cls``, in order, each with its declaration."""
    hints = typing.get_type_hints(cls)
    out = []
    for f in dataclasses.fields(cls):
        spec = f.metadata.get(_KEY)
        if not isinstance(spec, Spec):
            raise TypeError(f"{cls.__name__}.{f.name} is not declared with setting()")
        kind, optional = _kind(hints[f.name])
        out.append(Declared(f.name, kind, optional, spec))
    return tuple(out)


def _kind(hint: Any) -> tuple[type, bool]:
    if typing.get_origin(hint) in (types.UnionType, typing.Union):
        (base,) = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        return _kind(base)[0], True
    kind = typing.get_origin(hint) or hint
    assert kind in (str, int, float, bool, dict), f"no parsing for {hint}"
    return kind, False


def add_flags(
    parser: argparse.ArgumentParser, cls: type, only: Collection[str] | None = None
) -> None:
    """An option per declared setting that is not a secret (or per one named in ``only``)."""
    for d in declared(cls):
        if d.option is not None and (only is None or d.name in only):
            parser.add_argument(d.option, dest=d.name, help=f"{d.spec.help} [{d.env}]", **_how(d))


def _how(d: Declared) -> dict[str, Any]:
    if d.kind is bool:
        return {"action": "store_true", "default": None}
    how: dict[str, Any] = {"metavar": d.metavar}
    if d.kind is dict:
        how.update(nargs=2, action="append")
    elif d.spec.repeat:
        how["action"] = "append"
    if d.kind in (int, float):
        how["type"] = d.kind
    if d.spec.choices:
        how["choices"] = d.spec.choices
    return how


def flag_values(args: argparse.Namespace, cls: type) -> dict[str, Any]:
    """The settings whose options ``args`` holds (those not given are absent)."""
    values = {}
    for d in declared(cls):
        given = getattr(args, d.name, None)
        if given is not None:
            values[d.name] = d.from_flag(given)
    return values


def env_values(cls: type, environ: Mapping[str, str] = os.environ) -> dict[str, Any]:
    """The settings ``USERPOOL_*`` variables set (those not set are absent)."""
    return {d.name: d.parse(environ[d.env]) for d in declared(cls) if d.env in environ}


def secrets(cls: type) -> tuple[Declared, ...]:
    return tuple(d for d in declared(cls) if d.spec.secret)
