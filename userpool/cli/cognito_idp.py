"""``userpool cognito-idp <operation> [options]``: the AWS CLI's command line, from the model.

Parsing goes in the AWS CLI's three passes, so options behave as there: the global
options (anywhere on the line) and the service, then the operation, then the
operation's options (argparse, unique prefixes allowed); what no pass takes is
"Unknown options". The request is built (shorthand, JSON, ``file://``,
``--cli-input-json|yaml``), then sent through botocore when an endpoint is configured
(``--endpoint-url``, ``AWS_ENDPOINT_URL*``, the profile) or run in-process on the local
data directory when none is (``--db``, ``USERPOOL_DB``, default as ``userpool serve``).
Output, errors and exit codes are AWS CLI v2.33's (see ``clierrors``).
"""

from __future__ import annotations

import logging
import platform
import sys
from collections.abc import Sequence
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from botocore import xform_name
from botocore.exceptions import NoCredentialsError, ParamValidationError
from botocore.model import OperationModel
from botocore.validate import ParamValidator

from userpool import __version__
from userpool.cli import arguments, output, settings, skeleton, table
from userpool.cli import help as pages
from userpool.cli.clierrors import (
    CliError,
    CliParser,
    ShowVersion,
    UnknownOptions,
    exit_code,
    render,
)
from userpool.cli.transport import AWS_CLI_VERSION, MASK, Embedded, Remote, service

log = logging.getLogger("userpool.cli")
SERVICE = "cognito-idp"
LOG_FORMAT = "%(asctime)s - %(threadName)s - %(name)s - %(levelname)s - %(message)s"


def claims(argv: Sequence[str]) -> bool:
    """Whether ``userpool <argv>`` is this command (globals may come before the service)."""
    if not argv:
        return False
    if argv[0] in (SERVICE, "help"):
        return True
    return argv[0].startswith("--") and argv[0] != "--help" and SERVICE in argv


def version() -> str:
    """Ours, then the AWS CLI release whose commands and model we offer."""
    return (
        f"{__package__.split('.')[0]}/{__version__} aws-cli/{AWS_CLI_VERSION} "
        f"Python/{platform.python_version()} "
        f"{platform.system()}/{platform.release()} source/{platform.machine()}"
    )


@cache
def commands() -> dict[str, str]:
    """kebab-case command -> operation name, for every operation of the model."""
    return {xform_name(name, "-"): name for name in service().operation_names}


def _operation(command: str) -> OperationModel:
    return service().operation_model(commands()[command])


def _table(command: str) -> list[arguments.Argument]:
    return arguments.argument_table(_operation(command))


class _Redact(logging.Filter):
    """botocore's raw request and response bodies are not logged; ours are masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        if record.name == "botocore.endpoint" and message.startswith("Making request"):
            return False
        return not (record.name == "botocore.parsers" and message.startswith("Response body"))


def _logging(debug: bool, argv: Sequence[str]) -> None:
    handler: logging.Handler
    if debug:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
        handler.addFilter(_Redact())
    else:
        handler = logging.NullHandler()
    for name in ("botocore", "urllib3", "userpool"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.DEBUG if debug else logging.WARNING)
        logger.addHandler(handler)
        logger.propagate = False
    log.debug("CLI version: %s", version())
    if debug:
        log.debug("Arguments entered to CLI: %s", _masked(argv))


def _masked(argv: Sequence[str]) -> list[str]:
    """argv with the values of options that are sensitive members anywhere masked."""
    secret = {"--cli-input-json", "--cli-input-yaml"}
    for name in service().operation_names:
        shape = service().operation_model(name).input_shape
        for member, member_shape in shape.members.items() if shape is not None else []:
            if member_shape.metadata.get("sensitive"):
                secret.add("--" + xform_name(member, "-"))
    out, hide = [], False
    for word in argv:
        name, eq, _ = word.partition("=")
        out.append(MASK if hide else (f"{name}={MASK}" if eq and name in secret else word))
        hide = word in secret
    return out


def main(argv: Sequence[str]) -> int:
    try:
        return _run(list(argv))
    except KeyboardInterrupt:
        sys.stdout.write("\n")
        return 130
    except ShowVersion:
        sys.stdout.write(version() + "\n")
        return 0
    except Exception as error:
        log.debug("Exception caught in main()", exc_info=True)
        sys.stderr.write(render(error))
        return exit_code(error)
    finally:
        table.finish()


def _globals(argv: list[str]) -> tuple[Any, list[str]]:
    parser = CliParser()
    settings.add_global_options(parser)
    parser.add_version()
    parser.add_argument("command", choices=[SERVICE, "help"])
    return parser.parse_known_args(argv)


def _run(argv: list[str]) -> int:
    args, rest = _globals(argv)
    _logging(args.debug, argv)
    # Checked as soon as the global options are read, before help and the operation (v2's
    # top-level-args-parsed handlers: the query, then the endpoint).
    query = _query(args.query)
    _check_endpoint(args.endpoint_url)
    if args.command == "help":
        sys.stdout.write(pages.top_page())
        return 0
    if rest and rest[0] in ("help", "--help"):
        sys.stdout.write(pages.service_page(service(), commands(), _served()))
        return 0
    config = settings.resolve(args)
    prompting = "help" not in rest and "--help" not in rest
    if config.auto_prompt == "on" and prompting:
        rest = _prompt(rest)
    try:
        return _dispatch(args, config, rest, query)
    except Exception as error:
        # on-partial: a command that fails to parse (rc 252, nothing sent) is prompted for
        if config.auto_prompt != "on-partial" or not prompting or exit_code(error) != 252:
            raise
        return _dispatch(args, config, _prompt(rest), query)


def _prompt(rest: list[str]) -> list[str]:
    from userpool.cli import prompt

    return prompt.run(commands(), rest, _table)


def _dispatch(args: Any, config: settings.CliSettings, rest: list[str], query: Any) -> int:
    """The operation named first in ``rest``: its help page, or the call."""
    parser = CliParser()
    parser.add_argument("operation", choices=[*commands(), "help"])
    parsed, words = parser.parse_known_args(rest)
    command = parsed.operation
    if command == "help":
        sys.stdout.write(pages.service_page(service(), commands(), _served()))
        return 0
    if words == ["help"] or "--help" in words:
        return _help_page(config, command)
    return _execute(args, config, _operation(command), words, query)


def _help_page(config: settings.CliSettings, command: str) -> int:
    out = output.Stdout(config.pager)
    try:
        out.write(pages.operation_page(command, _operation(command), _table(command)))
    finally:
        out.close()
    return 0


def _served() -> set[str]:
    from userpool.operations import REGISTRY

    return set(REGISTRY)


def _query(expression: str | None) -> Any:
    if expression is None:
        return None
    import jmespath

    try:
        return jmespath.compile(expression)
    except Exception as error:
        raise CliError(f"Bad value for --query {expression}: {error}", rc=252) from None


def _check_endpoint(url: str | None) -> None:
    """A ``--endpoint-url`` without a scheme (``""`` included) is refused, as in v2."""
    if url is not None and not urlsplit(url).scheme:
        raise CliError(
            f'Bad value for --endpoint-url "{url}": scheme is missing.  '
            "Must be of the form http://<hostname>/ or https://<hostname>/",
            rc=252,
        )


def _execute(
    args: Any,
    config: settings.CliSettings,
    operation: OperationModel,
    words: list[str],
    query: Any,
) -> int:
    specs = arguments.argument_table(operation)
    ns, unknown = arguments.build_parser(specs, words).parse_known_args(words)
    # As in v2, the parser's optional ``help`` positional takes the first stray word: "help"
    # there shows the page; any other word joins the unknown ones, last.
    if ns.help == "help":
        return _help_page(config, xform_name(operation.name, "-"))
    if ns.help is not None:
        unknown.append(ns.help)
    if unknown:
        raise UnknownOptions(unknown)
    paging = arguments.paginator_config(operation)
    paginate = arguments.manual_paging(ns, paging, args.paginate)
    params = arguments.build_params(specs, ns)
    arguments.warn_max_items(ns)
    doc = arguments.cli_input(ns) if ns.generate_cli_skeleton in (None, "output") else None
    for key, value in (doc or {}).items():
        params.setdefault(key, value)
    if ns.generate_cli_skeleton == "input":
        sys.stdout.write(skeleton.input_json(operation))
        return 0
    if ns.generate_cli_skeleton == "yaml-input":
        sys.stdout.write(skeleton.input_yaml(operation))
        return 0
    arguments.decode_blobs(params, operation.input_shape, config.binary_format)
    paginate, paging_config = arguments.paging_config(ns, params, paging, paginate)
    colour = args.color == "on" or (args.color == "auto" and table.is_tty())
    out = output.Stdout(config.pager)
    writer = output.Writer(operation.name, config.output, query, colour, out)
    try:
        if ns.generate_cli_skeleton == "output":
            fake = skeleton.output_response(operation)
            # The stubbed call is a plain one: paging options fail its validation, as in v2.
            extra = {"PaginationConfig": paging_config} if paging_config else {}
            _validate(operation, {**params, **extra})
            writer.write(fake)
            return 0
        transport = _transport(args, config, operation)
        try:
            if paginate:
                writer.write(transport.paginate(operation, params, paging_config), paged=True)
            else:
                writer.write(transport.call(operation, params))
        finally:
            transport.close()
    finally:
        out.close()
    return 0


def _validate(operation: OperationModel, params: dict[str, Any]) -> None:
    report = ParamValidator().validate(params, operation.input_shape)
    if report.has_errors():
        raise ParamValidationError(report=report.generate_report())


def _transport(args: Any, config: settings.CliSettings, operation: OperationModel) -> Any:
    if args.db is not None and args.endpoint_url is not None:
        raise CliError("--db (local data) and --endpoint-url cannot be used together.", rc=252)
    if args.db is not None or not config.endpoint_url:
        return Embedded(args.db, config.timestamp_format, operation.name == "CreateUserPool")
    sign = bool(args.sign_request)
    remote = Remote(config, operation, sign)
    if sign and operation.auth_type != "none" and config.session.get_credentials() is None:
        remote.close()
        raise NoCredentialsError()
    return remote
