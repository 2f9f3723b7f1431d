"""``userpool`` subcommands: ``serve`` runs the server; the rest work on local data (cli.data)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from userpool import __version__, at_rest, storage
from userpool.at_rest import StartRefused
from userpool.cli import data
from userpool.config import DEFAULT_DB, Settings, dev_refusal, from_env


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="userpool", description=__doc__)
    parser.add_argument("--version", action="version", version=f"userpool {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the Cognito-compatible server")
    serve.add_argument("--host", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default 9229)")
    serve.add_argument("--db", help=f"SQLite file or postgresql:// URL (default {DEFAULT_DB})")
    serve.add_argument("--region", help="region in pool ids and ARNs (default us-east-1)")
    serve.add_argument(
        "--issuer-base", help="public base URL in tokens' iss (default: this server)"
    )
    serve.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    serve.add_argument(
        "--sender", choices=["console", "smtp", "none"], help="how codes go out (default console)"
    )
    serve.add_argument("--smtp-host")
    serve.add_argument("--smtp-port", type=int)
    serve.add_argument("--smtp-from")
    serve.add_argument(
        "--keep-message-text",
        action="store_true",
        default=None,
        help="keep delivered messages' text in the outbox with a real sender",
    )
    serve.add_argument(
        "--synchronous",
        choices=["NORMAL", "FULL"],
        help="SQLite durability: NORMAL survives a crash, FULL power loss too",
    )
    serve.add_argument(
        "--db-connections",
        type=int,
        help="PostgreSQL connections per worker: transactions in flight at once (default 4)",
    )
    serve.add_argument(
        "--log-level",
        choices=["debug", "info", "warning", "error"],
        help="level of userpool's log (default info); debug adds request and response "
        "bodies, sensitive members masked",
    )
    serve.add_argument(
        "--access-log",
        action="store_true",
        default=None,
        help="a line per request at info: operation, status, error, ms, request id",
    )

    serve.add_argument(
        "--dev",
        action="store_true",
        default=None,
        help="accept any credentials on signed operations (loopback only)",
    )
    serve.add_argument("--lambda-endpoint", help="AWS Lambda Invoke API endpoint for trigger ARNs")
    serve.add_argument(
        "--trigger",
        nargs=2,
        action="append",
        metavar=("ARN", "TARGET"),
        help="route a trigger ARN to http(s)://URL, python:module:function "
        "or lambda+ENDPOINT (repeatable)",
    )
    serve.add_argument("--trigger-timeout", type=float, help="seconds (default 5, as Cognito)")
    serve.add_argument(
        "--resend-per-hour",
        type=int,
        help="codes one user may ask for per hour by ResendConfirmationCode, ForgotPassword "
        "or GetUserAttributeVerificationCode, each (default 5)",
    )
    serve.add_argument(
        "--messages-per-destination-per-hour",
        type=int,
        help="messages per hour to one email address or phone number of a pool "
        "(default 10; 0: no limit)",
    )
    serve.add_argument(
        "--rate-per-ip", type=int, help="requests per minute from one address (0: no limit)"
    )
    serve.add_argument(
        "--rate-per-client",
        type=int,
        help="requests per minute from one address naming one app client (0: none)",
    )
    serve.add_argument(
        "--trusted-proxy",
        action="append",
        metavar="CIDR",
        help="a proxy whose X-Forwarded-For names the caller (repeatable; default: none)",
    )
    serve.add_argument(
        "--fail-per-ip",
        type=int,
        help="failed guesses (codes, passwords) per minute from one address (0: none)",
    )
    serve.add_argument("--redis-url", help="keep shared rate counters in Redis (redis://...)")
    serve.add_argument(
        "--loop",
        choices=["auto", "uvloop", "asyncio"],
        help="event loop (default auto: uvloop, which is installed with userpool)",
    )

    data.add_at_rest_options(serve)
    serve.add_argument(
        "--max-connections",
        type=int,
        help="open connections per worker, over it a 503 (default: file descriptor limit - 64)",
    )
    serve.add_argument(
        "--idle-timeout", type=float, help="seconds a kept-alive connection may idle (default 75)"
    )
    serve.add_argument(
        "--request-timeout", type=float, help="seconds a request may take to arrive (default 30)"
    )
    serve.add_argument(
        "--connection-buffer",
        type=int,
        help="bytes of requests one connection may hold before reading stops (default 2 MiB)",
    )
    serve.add_argument(
        "--worker-buffer",
        type=int,
        help="bytes of requests a worker may hold before reading stops (default 64 MiB)",
    )

    data.add_commands(commands)
    return parser


def _serve(args: argparse.Namespace) -> int:
    from userpool.server import run
    from userpool.server.address import networks
    from userpool.server.request_log import set_level

    settings = from_env(
        host=args.host,
        port=args.port,
        db=args.db,
        log_level=args.log_level,
        access_log=args.access_log,
        region=args.region,
        sender=args.sender,
        smtp_host=args.smtp_host,
        smtp_port=args.smtp_port,
        smtp_from=args.smtp_from,
        keep_message_text=args.keep_message_text,
        synchronous=args.synchronous,
        db_connections=args.db_connections,
        lambda_endpoint=args.lambda_endpoint,
        trigger_timeout=args.trigger_timeout,
        triggers=dict(args.trigger) if args.trigger else None,
        resend_per_hour=args.resend_per_hour,
        messages_per_destination_per_hour=args.messages_per_destination_per_hour,
        dev=args.dev,
        issuer_base=args.issuer_base,
        rate_per_ip=args.rate_per_ip,
        rate_per_client=args.rate_per_client,
        fail_per_ip=args.fail_per_ip,
        trusted_proxy=",".join(args.trusted_proxy) if args.trusted_proxy else None,
        redis_url=args.redis_url,
        loop=args.loop,
        master_key_file=args.master_key_file,
        allow_open_permissions=args.allow_open_permissions,
        max_connections=args.max_connections,
        idle_timeout=args.idle_timeout,
        request_timeout=args.request_timeout,
        connection_buffer=args.connection_buffer,
        worker_buffer=args.worker_buffer,
    )
    refusal = dev_refusal(settings)
    if refusal:
        print(refusal, file=sys.stderr)
        return 2
    try:
        set_level(settings)
    except ValueError as exc:  # a USERPOOL_LOG_LEVEL that is no level
        print(f"log level: {exc}", file=sys.stderr)
        return 2
    try:
        networks(settings.trusted_proxy)
    except ValueError as exc:
        print(f"--trusted-proxy: {exc}", file=sys.stderr)
        return 2
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
    return run.serve(settings, sock, args.workers)


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
    args = _parser().parse_args(words)
    if args.command == "serve":
        return _serve(args)
    return data.run(args)
