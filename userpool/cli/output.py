"""Writing a response: ``--query``, then json, text, table, yaml or yaml-stream (the AWS CLI v2.33 captures, tests/cli/captures/aws-cli-v2.33.md §7).

The response arrives parsed by botocore (model order, nulls dropped). ``ResponseMetadata``
is removed, the JMESPath query applied, and an empty result (``{}``) prints nothing in
every format. Paginated results are merged into one for json, yaml and table; text and
yaml-stream are written page by page, the query applied to each page. Output goes to the
pager (``less`` with ``LESS=FRX`` by default) only when stdout is a terminal, started on
the first byte written.
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import io
import json
import os
import shlex
import subprocess
import sys
from typing import Any

from botocore.utils import set_value_from_jmespath

from userpool.cli import table, text
from userpool.cli.clierrors import ConfigError


def _default(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("utf-8")
    raise TypeError("Encountered unrecognized type in JSON encoder.")


def to_json(value: Any) -> str:
    return json.dumps(value, indent=4, ensure_ascii=False, default=_default) + "\n"


def to_yaml(value: Any) -> str:
    if not isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, default=_default) + "\n"
    from userpool.cli import yamlfmt

    buffer = io.StringIO()
    yamlfmt.dump(value, buffer)
    return buffer.getvalue()


class Stdout:
    """stdout, or a pager on a terminal; the pager starts with the first write."""

    def __init__(self, pager: str) -> None:
        self.pager = pager if pager and table.is_tty() else ""
        self.proc: subprocess.Popen[bytes] | None = None

    def write(self, data: str) -> None:
        if not data:
            return
        if self.pager and self.proc is None:
            self._start()
        if self.proc is not None and self.proc.stdin is not None:
            with contextlib.suppress(BrokenPipeError):
                self.proc.stdin.write(data.encode("utf-8", "backslashreplace"))
        else:
            try:
                sys.stdout.write(data)
            except BrokenPipeError:
                _quiet_stdout()

    def _start(self) -> None:
        env = dict(os.environ)
        env.setdefault("LESS", "FRX")
        try:
            self.proc = subprocess.Popen(shlex.split(self.pager), stdin=subprocess.PIPE, env=env)
        except OSError as error:
            raise ConfigError(
                "Unable to redirect output to pager. Received the following error when "
                f"opening pager:\n{error}\n\nLearn more about configuring the output pager "
                'by running "aws help config-vars".'
            ) from None

    def close(self) -> None:
        if self.proc is not None:
            try:
                if self.proc.stdin is not None:
                    self.proc.stdin.close()
            except BrokenPipeError:
                pass
            self.proc.wait()
        else:
            try:
                sys.stdout.flush()
            except BrokenPipeError:
                _quiet_stdout()


def _quiet_stdout() -> None:
    """The reader went away (``| head``): drop the rest, as the AWS CLI does."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _strip(data: Any) -> Any:
    if isinstance(data, dict):
        data.pop("ResponseMetadata", None)
    return data


class Writer:
    """Formats responses of one operation (``title`` is its PascalCase name)."""

    def __init__(self, title: str, output: str, query: Any, colour: bool, out: Any) -> None:
        self.title, self.output, self.query, self.colour = title, output, query, colour
        self.out = out

    def _search(self, data: Any) -> Any:
        return self.query.search(data) if self.query is not None else data

    def write(self, response: Any, paged: bool = False) -> None:
        if self.output == "table" and self.colour:
            table.started_colour()  # before the pages are fetched, as the CLI's formatter
        if self.output == "text":
            self._text(response, paged)
        elif self.output == "yaml-stream":
            for page in response if paged else [response]:
                data = self._search(_strip(page))
                if data != {}:
                    self.out.write(to_yaml([data]))
        else:
            data = response.build_full_result() if paged else response
            self.write_full(self._search(_strip(data)))

    def write_full(self, data: Any) -> None:
        """One result in json, yaml or table (after the query)."""
        if self.output == "table":
            buffer = io.StringIO()
            autoreset = self.colour and not self.out.pager
            table.render(self.title, data, buffer, self.colour, autoreset)
            self.out.write(buffer.getvalue())
        elif data != {}:
            self.out.write(to_json(data) if self.output == "json" else to_yaml(data))

    def _text(self, response: Any, paged: bool) -> None:
        if not paged:
            self._text_one(_strip(response))
            return
        for page in response:
            current: dict[str, Any] = {}
            for key in response.result_keys:
                set_value_from_jmespath(current, key.expression, key.search(page))
            self._text_one(current)
        if response.resume_token:
            self._text_one({"NextToken": {"NextToken": response.resume_token}})

    def _text_one(self, data: Any) -> None:
        buffer = io.StringIO()
        text.write(self._search(data), buffer)
        self.out.write(buffer.getvalue())
