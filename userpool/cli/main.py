"""``userpool`` subcommands: ``serve`` runs the server; the rest work on local data (cli.data)."""

from __future__ import annotations

import argparse
import datetime
import socket
import ssl
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from userpool import __version__, at_rest, certs, settings_spec, storage
from userpool.at_rest import StartRefused
from userpool.certs import TlsFiles, TlsRefused
from userpool.cli import data
from userpool.config import Settings, from_env, refusal, tls_refusal, warnings

if TYPE_CHECKING:
    from userpool.server.run import Listening


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
    refused = refusal(settings) or tls_refusal(settings)
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
        domains = _first_start(settings)
        tls = tls_files(settings, domains)
    except (StartRefused, TlsRefused) as exc:
        print(f"userpool: {exc}", file=sys.stderr)
        return 2
    try:
        listening = _listen(settings, tls)
    except OSError as exc:
        print(f"cannot listen on {settings.host}: {exc}", file=sys.stderr)
        return 1
    urls = [f"http://{settings.host}:{settings.port}"] if listening.plain else []
    if tls is not None:
        urls.append(f"https://{settings.host}:{settings.tls_port}")
    print(
        f"userpool {__version__} on {' and '.join(urls)} "
        f"(db {storage.redact(settings.db)}, region {settings.region}, sender {settings.sender})",
        flush=True,
    )
    if tls is not None:
        _show_tls(tls)
    return run.serve(settings, listening, settings.workers)


def tls_files(settings: Settings, domains: list[str]) -> TlsFiles | None:
    """The HTTPS listener's files, checked or made (``certs``), or None without HTTPS."""
    now = datetime.datetime.now(datetime.UTC)
    if settings.tls == "self-signed":
        return certs.self_signed(settings, certs.wanted_names(settings, domains), now)
    if settings.tls_cert:
        from userpool.server.run import tls_context

        found = certs.given(settings, now)
        try:  # what OpenSSL itself refuses (a chain out of order, say)
            tls_context(found.cert, found.key)
        except ssl.SSLError as exc:
            raise TlsRefused(f"{found.cert}, {found.key}: {exc}") from None
        return found
    return None


def _listen(settings: Settings, tls: TlsFiles | None) -> Listening:
    """The sockets: HTTP on --port, HTTPS on --tls-port (only HTTPS when they are one)."""
    from userpool.server import run

    if tls is None:
        return run.Listening(_bind(settings.host, settings.port))
    secure = _bind(settings.host, settings.tls_port)
    try:
        plain = None if settings.tls_port == settings.port else _bind(settings.host, settings.port)
    except OSError:
        secure.close()
        raise
    return run.Listening(plain, secure, (tls.cert, tls.key))


def _bind(host: str, port: int) -> socket.socket:
    from userpool.server import run

    try:
        return run.listen(host, port)
    except OSError as exc:
        raise OSError(f"port {port}: {exc}") from None


def _show_tls(tls: TlsFiles) -> None:
    """The certificate's names and end; with ``--tls self-signed``, how to trust its CA."""
    made = " (made now)" if tls.made else ""
    print(
        f"HTTPS certificate {tls.cert}{made}: {', '.join(tls.names) or 'no names'}; "
        f"valid until {tls.not_after:%Y-%m-%d}",
        flush=True,
    )
    if tls.ca is not None:
        if tls.new_ca:
            print(f"A new local CA was made: {tls.ca}", flush=True)
        print(certs.trust_help(tls.ca), flush=True)


def serve_settings(args: argparse.Namespace) -> Settings:
    """``userpool serve``'s settings: the options given, over USERPOOL_* variables, over
    the defaults."""
    return from_env(**settings_spec.flag_values(args, Settings))


def _first_start(settings: Settings) -> list[str]:
    """Open the store once before any worker: checks its files' permissions, finds or
    makes the master key; without --dev, makes the first access key if there is none.
    With ``--tls self-signed``, the custom domains stored (its certificate names them)."""
    from userpool import access_keys
    from userpool.services import build_services

    svc = build_services(settings)
    try:
        if not settings.dev and not access_keys.any_live(svc):
            _show_first_key(settings, *access_keys.create(svc))
        return certs.custom_domains(svc.store) if settings.tls == "self-signed" else []
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
