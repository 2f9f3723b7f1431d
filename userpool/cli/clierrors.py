"""Errors of ``userpool cognito-idp`` and how they are printed, as AWS CLI v2.33 prints them.

    CliError                 "\\n<message>\\n" on stderr                      rc 255
    ├── UsageError           "\\n<prog>: [ERROR]: <msg>\\n\\n<usage>\\n"        rc 252
    ├── UnknownOptions       "\\n<usage>\\nUnknown options: a, b\\n\\n"        rc 252
    ├── ParamError           "Error parsing parameter '--x': <detail>"      rc 252
    ├── ConfigError          no region, no credentials, pager failure       rc 253
    └── ServiceError         "An error occurred (<Code>) when calling ..."  rc 254

botocore's own exceptions are mapped by ``exit_code``: a ``ParamValidationError`` is a
usage error (252), a ``ClientError`` a service error (254), anything else 255.
``CliParser`` is argparse with the CLI's error wording ("Found invalid choice").
"""

from __future__ import annotations

import argparse
import difflib
from typing import Any, NoReturn

from botocore.exceptions import ClientError, NoCredentialsError, ParamValidationError

PROG = "userpool"
USAGE = (
    f"usage: {PROG} [options] <command> <subcommand> [<subcommand> ...] [parameters]\n"
    "To see help text, you can run:\n"
    "\n"
    f"  {PROG} help\n"
    f"  {PROG} <command> help\n"
    f"  {PROG} <command> <subcommand> help\n"
)
NO_REGION = (
    'You must specify a region. You can also configure your region by running "aws configure".'
)
NO_CREDENTIALS = (
    'Unable to locate credentials. You can configure credentials by running "aws login".'
)


class CliError(Exception):
    """An error the CLI reports as ``"\\n" + message + "\\n"`` with ``rc``."""

    rc = 255

    def __init__(self, message: str, rc: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if rc is not None:
            self.rc = rc

    def render(self) -> str:
        return f"\n{self.message}\n"


class UsageError(CliError):
    """An argparse error: the message, then the usage text."""

    rc = 252

    def render(self) -> str:
        return f"\n{PROG}: [ERROR]: {self.message}\n\n{USAGE}\n"


class UnknownOptions(CliError):
    """Words no parser took: the usage text comes first, without the [ERROR] prefix."""

    rc = 252

    def __init__(self, words: list[str]) -> None:
        super().__init__("Unknown options: " + ", ".join(words))

    def render(self) -> str:
        return f"\n{USAGE}\n{self.message}\n\n"


class ParamError(CliError):
    """A value that could not be read or parsed (``--cli-name`` as the user would type it)."""

    rc = 252

    def __init__(self, cli_name: str, detail: str) -> None:
        super().__init__(f"Error parsing parameter '{cli_name}': {detail}")
        self.detail = detail


class ConfigError(CliError):
    rc = 253


class ShowVersion(Exception):
    """``--version`` was given: print the version and stop with 0."""


def exit_code(error: BaseException) -> int:
    if isinstance(error, CliError):
        return error.rc
    if isinstance(error, ParamValidationError):
        return 252
    if isinstance(error, NoCredentialsError):
        return 253
    if isinstance(error, ClientError):
        return 254
    return 255


def render(error: BaseException) -> str:
    """What goes to stderr for ``error``."""
    if isinstance(error, CliError):
        return error.render()
    if isinstance(error, NoCredentialsError):
        return f"\n{NO_CREDENTIALS}\n"
    return f"\n{error}\n"


class _VersionAction(argparse.Action):
    def __call__(self, parser: argparse.ArgumentParser, *_: Any, **__: Any) -> None:
        raise ShowVersion()


class CliParser(argparse.ArgumentParser):
    """argparse that raises ``UsageError`` and words invalid choices as the AWS CLI does."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(prog=PROG, add_help=False, usage=USAGE, **kwargs)

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)

    def add_version(self) -> None:
        self.add_argument("--version", action=_VersionAction, nargs=0)

    def _check_value(self, action: argparse.Action, value: Any) -> None:
        choices = action.choices
        if choices is None or value in choices:
            return
        message = f"Found invalid choice '{value}'\n"
        close = difflib.get_close_matches(value, list(choices), cutoff=0.8)
        if close:
            message += "\nMaybe you meant:\n\n" + "\n".join(f"  * {c}" for c in close)
        raise argparse.ArgumentError(action, message)
