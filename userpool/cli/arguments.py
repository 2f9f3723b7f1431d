"""From the model to argparse and back: an operation's options and the request they make.

Each input member becomes ``--kebab-case`` (botocore's ``xform_name``); required members
are required unless ``--cli-input-json|yaml`` or ``--generate-cli-skeleton [input]`` is
on the command line; booleans get ``--flag`` / ``--no-flag``; lists take several words.
Values go through the same steps as in the AWS CLI (tests/cli/captures/aws-cli-v2.33.md §3-§5): ``file://`` and
``fileb://`` loading, then JSON (when the value starts with ``{`` or ``[``) or shorthand
for structures, maps and lists of structures, then scalar conversion.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import os
import sys
from dataclasses import dataclass
from typing import Any

from botocore import xform_name
from botocore.model import OperationModel, Shape

from userpool.cli import shorthand
from userpool.cli.clierrors import CliError, CliParser, ParamError

SCALARS = frozenset(
    ["string", "integer", "long", "float", "double", "boolean", "timestamp", "blob"]
)
SKELETON_CHOICES = ["input", "output", "yaml-input"]
PAGING = ("starting-token", "page-size", "max-items")


@dataclass
class Argument:
    """One option of an operation; ``member`` is None for the CLI's own options."""

    name: str
    shape: Shape | None = None
    member: str | None = None
    required: bool = False
    documented: bool = True
    negative: bool = False  # the --no-flag half of a boolean

    @property
    def cli_name(self) -> str:
        return "--" + self.name

    @property
    def dest(self) -> str:
        return (self.name[3:] if self.negative else self.name).replace("-", "_")

    @property
    def kind(self) -> str:
        return self.shape.type_name if self.shape is not None else "string"

    def add_to(self, parser: argparse.ArgumentParser, required: bool) -> None:
        if self.kind == "boolean" and self.member is not None:
            action = "store_false" if self.negative else "store_true"
            parser.add_argument(self.cli_name, dest=self.dest, action=action, default=None)
        elif self.kind == "list":
            parser.add_argument(self.cli_name, dest=self.dest, nargs="+", required=required)
        else:
            parser.add_argument(self.cli_name, dest=self.dest, required=required)


def paginator_config(operation: OperationModel) -> dict[str, Any] | None:
    from userpool.cli.transport import paginator_model

    config = paginator_model().get(operation.name)
    return dict(config) if config else None


def argument_table(operation: OperationModel) -> list[Argument]:
    """The operation's options in synopsis order: members, then the CLI's own."""
    table: list[Argument] = []
    shape = operation.input_shape
    required = set(shape.required_members) if shape is not None else set()
    paging = paginator_config(operation)
    hidden = set(_input_tokens(paging)) if paging else set()
    for member, member_shape in shape.members.items() if shape is not None else []:
        name = xform_name(member, "-")
        arg = Argument(name, member_shape, member, member in required, member not in hidden)
        table.append(arg)
        if member_shape.type_name == "boolean":
            table.append(Argument("no-" + name, member_shape, member, negative=True))
    table.append(Argument("cli-input-json"))
    table.append(Argument("cli-input-yaml"))
    table.append(Argument("generate-cli-skeleton"))
    if paging:
        table.extend(Argument(name) for name in PAGING if name != "page-size" or _limit(paging))
    return table


def _input_tokens(paging: dict[str, Any]) -> list[str]:
    tokens = paging["input_token"]
    names = list(tokens) if isinstance(tokens, list) else [tokens]
    return names + ([paging["limit_key"]] if "limit_key" in paging else [])


def _limit(paging: dict[str, Any]) -> bool:
    return "limit_key" in paging


def build_parser(table: list[Argument], words: list[str]) -> CliParser:
    """The operation's parser; required members stay optional when input comes otherwise."""
    relaxed = _required_overridden(words)
    parser = CliParser()
    for arg in table:
        if arg.name == "generate-cli-skeleton":
            parser.add_argument(
                arg.cli_name, dest=arg.dest, nargs="?", const="input", choices=SKELETON_CHOICES
            )
        elif arg.name in ("page-size", "max-items"):
            parser.add_argument(arg.cli_name, dest=arg.dest, type=int)
        else:
            arg.add_to(parser, arg.required and not relaxed)
    parser.add_argument("help", nargs="?")
    return parser


def _required_overridden(words: list[str]) -> bool:
    if "--cli-input-json" in words or "--cli-input-yaml" in words:
        return True
    if "--generate-cli-skeleton" in words:
        at = words.index("--generate-cli-skeleton")
        return at + 1 >= len(words) or words[at + 1] != "output"
    return False


# -- values ------------------------------------------------------------------------------


def load_paramfile(cli_name: str, value: Any) -> Any:
    """``file://`` (text) and ``fileb://`` (bytes) values replaced by the file's content."""
    candidate = value[0] if isinstance(value, list) and len(value) == 1 else value
    if not isinstance(candidate, str):
        return value
    for prefix, mode in (("file://", "r"), ("fileb://", "rb")):
        if candidate.startswith(prefix):
            try:
                return read_file(prefix, candidate, mode)
            except CliError as error:
                raise ParamError(cli_name, error.message) from None
    return value


def read_file(prefix: str, value: str, mode: str) -> Any:
    path = os.path.expandvars(os.path.expanduser(value[len(prefix) :]))
    try:
        with open(path, mode) as handle:
            return handle.read()
    except UnicodeDecodeError:
        raise CliError(
            f"Unable to load paramfile ({path}), text contents could not be decoded.  If this "
            "is a binary file, please use the fileb:// prefix instead of the file:// prefix."
        ) from None
    except OSError as error:
        raise CliError(f"Unable to load paramfile {value}: {error}") from None


def _load_in_shorthand(value: str) -> Any:
    prefix = "fileb://" if value.startswith("fileb://") else "file://"
    return read_file(prefix, value, "rb" if prefix == "fileb://" else "r")


def unpack(shape: Shape, value: Any, cli_name: str) -> Any:
    """A command-line value (after file loading) as the API value."""
    kind = shape.type_name
    if kind in SCALARS:
        return _scalar(shape, value)
    if _shorthand_applies(shape, value):
        return _shorthand(shape, value, cli_name)
    return _complex(shape, value, cli_name)


def _shorthand_applies(shape: Shape, value: Any) -> bool:
    first = value[0] if isinstance(value, list) and value else value
    if isinstance(first, str) and first.strip().startswith(("[", "{")):
        return False
    if shape.type_name == "list":
        return bool(shape.member.type_name in ("structure", "list", "map"))
    return True


def _shorthand(shape: Shape, value: Any, cli_name: str) -> Any:
    parser = shorthand.ShorthandParser(_load_in_shorthand)
    try:
        items = value if isinstance(value, list) else [value]
        for item in items:
            if not isinstance(item, str):
                raise TypeError("'in <string>' requires string as left operand, not int")
        parsed: Any = [parser.parse(v) for v in value] if isinstance(value, list) else None
        if parsed is None:
            parsed = parser.parse(value)
        shorthand.coerce(parsed, shape)
        return parsed
    except (shorthand.ShorthandError, CliError) as error:
        detail = error.message if isinstance(error, CliError) else str(error)
        raise ParamError(cli_name, detail) from None


def _json(value: Any, cli_name: str) -> Any:
    try:
        return json.loads(value)
    except ValueError as error:
        raise ParamError(cli_name, f"Invalid JSON: {error}\nJSON received: {value}") from None


def _complex(shape: Shape, value: Any, cli_name: str) -> Any:
    if shape.type_name in ("structure", "map"):
        if value.lstrip()[0] == "{":
            return _json(value, cli_name)
        raise ParamError(cli_name, f"Invalid JSON:\n{value}")
    if isinstance(value, str) and value.lstrip()[:1] == "[":
        return _json(value, cli_name)
    if isinstance(value, list) and len(value) == 1 and value[0].strip()[:1] == "[":
        return _json(value[0], cli_name)
    try:
        return [unpack(shape.member, item, cli_name) for item in value]
    except (ValueError, TypeError):
        raise ParamError(cli_name, value[0]) from None


def _scalar(shape: Shape, value: Any) -> Any:
    kind = shape.type_name
    if kind in ("integer", "long"):
        return int(value)
    if kind in ("float", "double"):
        return float(value)
    if kind == "boolean":
        return not (isinstance(value, str) and value.lower() == "false") and bool(value)
    return value


def build_params(table: list[Argument], ns: argparse.Namespace) -> dict[str, Any]:
    """The request from the parsed options, in synopsis (model) order."""
    params: dict[str, Any] = {}
    for arg in table:
        if arg.member is None or arg.negative or arg.shape is None:
            continue
        value = getattr(ns, arg.dest, None)
        if value is None:
            continue
        if arg.kind == "boolean":
            params[arg.member] = value
            continue
        value = load_paramfile(arg.cli_name, value)
        params[arg.member] = unpack(arg.shape, value, arg.cli_name)
    return params


def decode_blobs(params: dict[str, Any], shape: Shape | None, binary_format: str) -> None:
    """Blob members given as text: base64 by default (``--cli-binary-format``), as in v2."""
    if shape is None or binary_format != "base64":
        return
    for member, member_shape in shape.members.items():
        value = params.get(member)
        if member_shape.type_name == "blob" and isinstance(value, str):
            try:
                params[member] = base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError):
                raise CliError(f'Invalid base64: "{value}"') from None
        elif member_shape.type_name == "structure" and isinstance(value, dict):
            decode_blobs(value, member_shape, binary_format)


def cli_input(ns: argparse.Namespace) -> dict[str, Any] | None:
    """The document of ``--cli-input-json`` or ``--cli-input-yaml``, if one was given."""
    raw_json, raw_yaml = ns.cli_input_json, ns.cli_input_yaml
    if raw_json is not None and raw_yaml is not None:
        raise CliError("Only one --cli-input- parameter may be specified.", rc=252)
    if raw_json is None and raw_yaml is None:
        return None
    name = "cli-input-json" if raw_json is not None else "cli-input-yaml"
    text = load_paramfile("--" + name, raw_json if raw_json is not None else raw_yaml)
    if raw_json is not None:
        try:
            data = json.loads(text)
        except ValueError:
            raise ParamError(name, "Invalid JSON received.") from None
    else:
        from userpool.cli import yamlfmt

        try:
            data = yamlfmt.load(text)
        except yamlfmt.YAMLError:
            raise ParamError(name, "Invalid YAML received.") from None
    if not isinstance(data, dict):
        raise ParamError("--" + name, f"Invalid type: expecting map, received {type(data)}")
    return data


def manual_paging(ns: argparse.Namespace, paging: dict[str, Any] | None, paginate: bool) -> bool:
    """Whether to follow pages, as decided once the options are parsed (v2's
    ``check_should_enable_pagination``): the API's own token or limit turns following off,
    and paging options (those with a true value) are then refused."""
    if paging is None:
        return paginate
    if any(getattr(ns, xform_name(t, "_"), None) is not None for t in _input_tokens(paging)):
        paginate = False
    if not paginate:
        used = [name for name in PAGING if getattr(ns, name.replace("-", "_"), None)]
        if used:
            raise CliError(
                "Cannot specify --no-paginate along with pagination arguments: "
                + ", ".join("--" + name for name in used),
                rc=252,
            )
    return paginate


def warn_max_items(ns: argparse.Namespace) -> None:
    """v2 warns (and goes on) when ``--max-items`` is 0 or negative."""
    if getattr(ns, "max_items", None) is not None and ns.max_items <= 0:
        sys.stderr.write(
            "warning: Non-positive values for --max-items may result in undefined behavior.\n"
        )


def paging_config(
    ns: argparse.Namespace, params: dict[str, Any], paging: dict[str, Any] | None, paginate: bool
) -> tuple[bool, dict[str, Any]]:
    """(whether to follow pages, botocore's PaginationConfig) once the request is complete.

    The API's own token in the request (from ``--cli-input-json``) turns following off too.
    Paging options that are still given then (a ``--max-items 0``, which ``manual_paging``
    lets through) stay in the request as ``PaginationConfig``, which botocore's validation
    refuses, as in v2."""
    if paging is None:
        return False, {}
    if any(token in params for token in _input_tokens(paging)):
        paginate = False
    keys = {"starting-token": "StartingToken", "page-size": "PageSize", "max-items": "MaxItems"}
    config = {
        keys[name]: getattr(ns, name.replace("-", "_"))
        for name in PAGING
        if getattr(ns, name.replace("-", "_"), None) is not None
    }
    if not paginate:
        if config:
            params["PaginationConfig"] = config
        return False, {}
    return True, config
