"""Commands on the local data directory, no server needed: ``outbox``, ``triggers log``,
``pool-keys rotate``, ``keys create|list|revoke``, ``events export``, ``imports log``."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import UTC, datetime

from userpool import access_keys, at_rest, storage
from userpool.cli import events, imports
from userpool.config import Settings, from_env
from userpool.services import Runtime, build_services
from userpool.settings_spec import add_flags


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    def with_db(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
        add_flags(parser, Settings, only=("db", "master_key_file", "allow_open_permissions"))
        return parser

    outbox = with_db(commands.add_parser("outbox", help="print recent messages (codes)"))
    outbox.add_argument("--limit", type=int, default=10)

    triggers = commands.add_parser("triggers", help="trigger invocations").add_subparsers(
        dest="sub", required=True
    )
    with_db(triggers.add_parser("log", help="print recent trigger invocations")).add_argument(
        "--limit", type=int, default=20
    )

    pool_keys = commands.add_parser("pool-keys", help="a pool's token signing keys").add_subparsers(
        dest="sub", required=True
    )
    rotate = with_db(
        pool_keys.add_parser(
            "rotate", help="new signing keys; the old ones stay published so their tokens verify"
        )
    )
    rotate.add_argument("pool_id")

    events.add_command(commands, with_db)
    imports.add_command(commands, with_db)
    with_db(
        commands.add_parser(
            "migrate", help="create or upgrade the database schema (servers also do it at start)"
        )
    )

    keys = commands.add_parser("keys", help="access keys for signed (admin) operations")
    keys_sub = keys.add_subparsers(dest="sub", required=True)
    create = with_db(keys_sub.add_parser("create", help="a new key; its secret is shown once"))
    create.add_argument("--output", choices=["text", "json", "env"], default="text")
    with_db(keys_sub.add_parser("list", help="access key ids and whether revoked"))
    with_db(keys_sub.add_parser("revoke", help="revoke an access key")).add_argument("key_id")
    with_db(
        keys_sub.add_parser(
            "rotate-master",
            help="re-seal every stored secret with a new master key (stop the servers first)",
        )
    )


def _services(args: argparse.Namespace, create: bool = False) -> Runtime | None:
    settings = from_env(
        db=args.db,
        sender="none",
        master_key_file=args.master_key_file,
        allow_open_permissions=args.allow_open_permissions,
    )
    if not create and not storage.exists(settings.db):
        print(f"no data at {settings.db}", file=sys.stderr)
        return None
    return build_services(settings)


def _when(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%d %H:%M:%S")


def outbox(svc: Runtime, args: argparse.Namespace) -> int:
    for m in reversed(svc.store.recent_messages(args.limit)):
        text = m.body if m.body is not None else "(text not kept)"
        subject = f" [{m.subject}]" if m.subject else ""
        print(
            f"{_when(m.created)}  {m.pool_id}  {m.username}  {m.medium} {m.destination}  "
            f"{m.status}{subject}\n    {text}"
        )
    return 0


def triggers_log(svc: Runtime, args: argparse.Namespace) -> int:
    rows = svc.store.recent_invocations(args.limit)
    for r in reversed(rows):
        print(
            f"{_when(r.started)}  {r.pool_id}  {r.trigger} ({r.source})  user {r.username}  "
            f"{r.duration_ms:.1f} ms  {r.outcome}" + (f"\n    {r.error}" if r.error else "")
        )
    return 0


def rotate_pool_keys(svc: Runtime, args: argparse.Namespace) -> int:
    with svc.store.read() as tx:
        try:
            tx.get_pool(args.pool_id)
        except Exception:
            print(f"User pool {args.pool_id} does not exist.", file=sys.stderr)
            return 1
    asyncio.run(svc.keys.rotate(args.pool_id))
    signing = asyncio.run(svc.keys.keys(args.pool_id)).signing
    print(json.dumps({use: key.kid for use, key in signing.items()}))
    return 0


def print_key(key_id: str, secret: str, output: str) -> None:
    if output == "json":
        print(json.dumps({"AccessKeyId": key_id, "SecretAccessKey": secret}))
    elif output == "env":
        print(f"export AWS_ACCESS_KEY_ID={key_id}\nexport AWS_SECRET_ACCESS_KEY={secret}")
    else:
        print(
            f"AccessKeyId      {key_id}\nSecretAccessKey  {secret}\n"
            "(the secret is shown only now; signed operations need it)"
        )


def keys(svc: Runtime, args: argparse.Namespace) -> int:
    if args.sub == "create":
        print_key(*access_keys.create(svc), args.output)
        return 0
    if args.sub == "rotate-master":
        return rotate_master(svc)
    if args.sub == "revoke":
        with svc.store.transaction() as tx:
            done = tx.revoke_access_key(args.key_id)
        if not done:
            print(f"no live access key {args.key_id}", file=sys.stderr)
        return 0 if done else 1
    with svc.store.read() as tx:
        for key in tx.access_keys():
            print(f"{key.key_id}  {_when(key.created)}  {'revoked' if key.revoked else 'active'}")
    return 0


def rotate_master(svc: Runtime) -> int:
    path, count = at_rest.rotate(svc.settings, svc.store)
    print(f"re-sealed {count} values with a new master key, now in {path}")
    if svc.settings.master_key:
        print(
            "USERPOOL_MASTER_KEY is set: put the new key (the file's content) in it, or unset "
            "it, before starting servers again (then delete the file if the key lives only "
            "in the variable)",
            file=sys.stderr,
        )
    return 0


def migrate(svc: Runtime, args: argparse.Namespace) -> int:
    """Opening the store applies every pending migration, under a lock on PostgreSQL."""
    print("schema up to date")
    return 0


def run(args: argparse.Namespace) -> int:
    creating = args.command == "migrate" or (args.command == "keys" and args.sub == "create")
    try:
        svc = _services(args, create=creating)
    except at_rest.StartRefused as exc:
        print(f"userpool: {exc}", file=sys.stderr)
        return 2
    if svc is None:
        return 1
    try:
        handler = {
            "outbox": outbox,
            "keys": keys,
            "pool-keys": rotate_pool_keys,
            "triggers": triggers_log,
            "events": events.export,
            "imports": imports.log,
            "migrate": migrate,
        }[args.command]
        return handler(svc, args)
    finally:
        svc.close()
