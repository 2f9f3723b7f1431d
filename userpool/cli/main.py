"""``userpool`` subcommands: ``serve`` runs the server, ``outbox`` shows sent messages."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime

from userpool import __version__
from userpool.config import DEFAULT_DB, Settings, from_env
from userpool.domain.ports import Store


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="userpool", description=__doc__)
    parser.add_argument("--version", action="version", version=f"userpool {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the Cognito-compatible server")
    serve.add_argument("--host", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default 9229)")
    serve.add_argument("--db", help=f"SQLite file (default {DEFAULT_DB})")
    serve.add_argument("--region", help="region in pool ids and ARNs (default us-east-1)")
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

    triggers = commands.add_parser("triggers", help="trigger invocations")
    triggers_commands = triggers.add_subparsers(dest="triggers_command", required=True)
    log = triggers_commands.add_parser("log", help="print recent trigger invocations")
    log.add_argument("--db", help=f"SQLite file (default {DEFAULT_DB})")
    log.add_argument("--limit", type=int, default=20)

    pool_keys = commands.add_parser("pool-keys", help="a pool's token signing keys")
    pool_keys_commands = pool_keys.add_subparsers(dest="pool_keys_command", required=True)
    rotate = pool_keys_commands.add_parser(
        "rotate", help="new signing keys; the old ones stay published so their tokens verify"
    )
    rotate.add_argument("pool_id")
    rotate.add_argument("--db", help=f"SQLite file (default {DEFAULT_DB})")

    outbox = commands.add_parser("outbox", help="print recent messages (codes) from the outbox")
    outbox.add_argument("--db", help=f"SQLite file (default {DEFAULT_DB})")
    outbox.add_argument("--limit", type=int, default=10)
    return parser


def _serve(args: argparse.Namespace) -> int:
    from granian import Granian
    from granian.constants import Interfaces
    from granian.log import LogLevels

    settings = from_env(
        host=args.host,
        port=args.port,
        db=args.db,
        region=args.region,
        sender=args.sender,
        smtp_host=args.smtp_host,
        smtp_port=args.smtp_port,
        smtp_from=args.smtp_from,
        keep_message_text=args.keep_message_text,
        synchronous=args.synchronous,
        lambda_endpoint=args.lambda_endpoint,
        trigger_timeout=args.trigger_timeout,
        triggers=dict(args.trigger) if args.trigger else None,
    )
    _export(settings)
    print(
        f"userpool {__version__} on http://{settings.host}:{settings.port} "
        f"(db {settings.db}, region {settings.region}, sender {settings.sender})",
        flush=True,
    )
    Granian(
        "userpool.server.app:create_app",
        address=settings.host,
        port=settings.port,
        interface=Interfaces.RSGI,
        workers=args.workers,
        factory=True,
        log_level=LogLevels.warning,
    ).serve()
    return 0


def _export(settings: Settings) -> None:
    """Workers are separate processes: they read the settings back from the environment."""
    os.environ["USERPOOL_DB"] = os.path.abspath(settings.db)
    for name in (
        "host",
        "port",
        "region",
        "sender",
        "smtp_host",
        "smtp_port",
        "smtp_from",
        "synchronous",
    ):
        os.environ[f"USERPOOL_{name.upper()}"] = str(getattr(settings, name))
    if settings.lambda_endpoint:
        os.environ["USERPOOL_LAMBDA_ENDPOINT"] = settings.lambda_endpoint
    os.environ["USERPOOL_TRIGGER_TIMEOUT"] = str(settings.trigger_timeout)
    os.environ["USERPOOL_TRIGGERS"] = json.dumps(settings.triggers)
    if settings.keep_message_text is not None:
        os.environ["USERPOOL_KEEP_MESSAGE_TEXT"] = str(settings.keep_message_text)


def _open(db: str | None) -> Store | None:
    from userpool.storage import open_store

    settings = from_env(db=db)
    if not os.path.exists(settings.db):
        print(f"no data at {settings.db}", file=sys.stderr)
        return None
    return open_store(settings.db)


def _triggers_log(args: argparse.Namespace) -> int:
    store = _open(args.db)
    if store is None:
        return 1
    for pool_id, trigger, source, username, started, ms, outcome, error in reversed(
        store.recent_invocations(args.limit)
    ):
        when = datetime.fromtimestamp(started, UTC).strftime("%Y-%m-%d %H:%M:%S")
        print(
            f"{when}  {pool_id}  {trigger} ({source})  user {username}  {ms:.1f} ms  {outcome}"
            + (f"\n    {error}" if error else "")
        )
    store.close()
    return 0


def _rotate_keys(args: argparse.Namespace) -> int:
    import asyncio

    from userpool.services import build_services

    settings = from_env(db=args.db)
    if not os.path.exists(settings.db):
        print(f"no data at {settings.db}", file=sys.stderr)
        return 1
    svc = build_services(settings)
    try:
        with svc.store.read() as tx:
            tx.get_pool(args.pool_id)
    except Exception:
        print(f"User pool {args.pool_id} does not exist.", file=sys.stderr)
        svc.close()
        return 1
    asyncio.run(svc.keys.rotate(args.pool_id))
    kids = asyncio.run(svc.keys.keys(args.pool_id)).signing
    print(json.dumps({use: key.kid for use, key in kids.items()}))
    svc.close()
    return 0


def _outbox(args: argparse.Namespace) -> int:
    store = _open(args.db)
    if store is None:
        return 1
    for m in reversed(store.recent_messages(args.limit)):
        when = datetime.fromtimestamp(m.created, UTC).strftime("%Y-%m-%d %H:%M:%S")
        text = m.body if m.body is not None else "(text not kept)"
        subject = f" [{m.subject}]" if m.subject else ""
        print(
            f"{when}  {m.pool_id}  {m.username}  {m.medium} {m.destination}  {m.status}"
            f"{subject}\n    {text}"
        )
    store.close()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    import logging

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    args = _parser().parse_args(argv)
    if args.command == "serve":
        return _serve(args)
    if args.command == "triggers":
        return _triggers_log(args)
    if args.command == "pool-keys":
        return _rotate_keys(args)
    return _outbox(args)
