"""``userpool`` subcommands: ``serve`` runs the server; the rest work on local data (cli.data)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from userpool import __version__, at_rest, settings_spec, storage
from userpool.at_rest import StartRefused
from userpool.cli import data
from userpool.config import Settings, from_env, refusal, warnings


def parser() -> argparse.ArgumentParser:
    """``userpool``'s options and subcommands (cognito-idp aside: cli.cognito_idp)."""
    top = argparse.ArgumentParser(prog="userpool", description=__doc__)
    top.add_argument("--version", action="version", version=f"userpool {__version__}")
    commands = top.add_subparsers(dest="command", required=True)

    secrets = "; ".join(f"{d.env}: {d.spec.help}" for d in settings_spec.secrets(Settings))
    serve = commands.add_parser(
        "serve",
        help="run the Cognito-compatible server",
        description="Run the Cognito-compatible server. An option given beats its variable "
        f"(in brackets), which beats the default. Secrets are variables only: {secrets}.",
        # Whole names only: "--master-key K" must not pass for --master-key-file.
        allow_abbrev=False,
    )
    settings_spec.add_flags(serve, Settings)

    data.add_commands(commands)
    return top


def _serve(args: argparse.Namespace) -> int:
    from userpool.server import run
    from userpool.server.request_log import set_level

    try:
        settings = serve_settings(args)
    except ValueError as exc:  # a USERPOOL_* variable that is no value of its setting
        print(f"userpool: {exc}", file=sys.stderr)
        return 2
    refused = refusal(settings)
    if refused:
        print(refused, file=sys.stderr)
        return 2
    try:
        set_level(settings)
    except ValueError as exc:  # a USERPOOL_LOG_LEVEL that is no level
        print(f"log level: {exc}", file=sys.stderr)
        return 2
    for warning in warnings(settings):
        print(f"userpool: {warning}", file=sys.stderr, flush=True)
    try:
        _first_start(settings)
    except StartRefused as exc:
        print(f"userpool: {exc}", file=sys.stderr)
        return 2
    try:
        sock = run.listen(settings.host, settings.port)
    except OSError as exc:
        print(f"cannot listen on {settings.host}:{settings.port}: {exc}", file=sys.stderr)
        return 1
    print(
        f"userpool {__version__} on http://{settings.host}:{settings.port} "
        f"(db {storage.redact(settings.db)}, region {settings.region}, sender {settings.sender})",
        flush=True,
    )
    return run.serve(settings, sock, settings.workers)


def serve_settings(args: argparse.Namespace) -> Settings:
    """``userpool serve``'s settings: the options given, over USERPOOL_* variables, over
    the defaults."""
    return from_env(**settings_spec.flag_values(args, Settings))


def _first_start(settings: Settings) -> None:
    """Open the store once before any worker: checks its files' permissions, finds or
    makes the master key; without --dev, makes the first access key if there is none."""
    from userpool import access_keys
    from userpool.services import build_services

    svc = build_services(settings)
    try:
        if not settings.dev and not access_keys.any_live(svc):
            _show_first_key(settings, *access_keys.create(svc))
    finally:
        svc.close()


def _show_first_key(settings: Settings, key_id: str, secret: str) -> None:
    """To a terminal, the key; otherwise (a service manager's log) only where it is: a
    0600 file beside the database."""
    print("Signed (admin) operations need an access key; this one was just created:")
    if sys.stdout.isatty():
        data.print_key(key_id, secret, "env")
    else:
        path = at_rest.write_private(
            at_rest.first_key_file(settings),
            f"export AWS_ACCESS_KEY_ID={key_id}\nexport AWS_SECRET_ACCESS_KEY={secret}\n",
        )
        print(f"{key_id}, its secret in {path} (0600; stdout is no terminal, so not here)")
    print("(shown once; 'userpool keys create' makes more, --dev accepts any)", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    import logging

    from userpool.cli import cognito_idp

    words = list(sys.argv[1:] if argv is None else argv)
    if cognito_idp.claims(words):
        return cognito_idp.main(words)

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    args = parser().parse_args(words)
    if args.command == "serve":
        return _serve(args)
    return data.run(args)
