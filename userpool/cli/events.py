"""``userpool events export``: the auth-event log as JSON lines, Pinpoint-shaped for app
clients with an ``AnalyticsConfiguration`` (Cognito publishes those events to Pinpoint)."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import Any

import orjson

from userpool.domain.ports import AuthEvent, NotFound
from userpool.services import Runtime

# Pinpoint's names for Cognito's authentication events.
PINPOINT = {
    "SignUp": "_userauth.sign_up",
    "ConfirmSignUp": "_userauth.confirm_sign_up",
    "SignIn": "_userauth.sign_in",
    "ResendCode": "_userauth.resend_code",
}


def add_command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], with_db: Any
) -> None:
    events = commands.add_parser("events", help="the auth-event log").add_subparsers(
        dest="sub", required=True
    )
    export = with_db(events.add_parser("export", help="every event as one JSON line"))
    export.add_argument("--pool", help="only this user pool's events")
    export.add_argument("--after", type=int, default=0, help="only events after this id")


def _analytics(svc: Runtime, client_id: str | None, cache: dict[str, Any]) -> dict[str, Any]:
    if not client_id:
        return {}
    if client_id not in cache:
        try:
            with svc.store.read() as tx:
                cache[client_id] = tx.get_client(client_id).config.get("AnalyticsConfiguration")
        except NotFound:
            cache[client_id] = None
    return dict(cache[client_id] or {})


def line(svc: Runtime, row: AuthEvent, cache: dict[str, Any]) -> dict[str, Any]:
    data = orjson.loads(row.data)
    out: dict[str, Any] = {
        "id": row.id,
        "event_type": PINPOINT.get(row.kind, row.kind),
        "timestamp": datetime.fromtimestamp(row.at, UTC).isoformat().replace("+00:00", "Z"),
        "user_pool_id": row.pool_id,
        "user_sub": row.sub,
        "client_id": data.get("ClientId"),
        "response": data.get("Response", "Pass"),
        "risk": data.get("RiskDecision", "NoRisk"),
        "ip_address": data.get("IpAddress"),
    }
    analytics = _analytics(svc, data.get("ClientId"), cache)
    if analytics:
        out["application"] = {
            "app_id": analytics.get("ApplicationId") or analytics.get("ApplicationArn")
        }
        if data.get("AnalyticsEndpointId"):
            out["endpoint"] = {"Id": data["AnalyticsEndpointId"]}
    return out


def export(svc: Runtime, args: argparse.Namespace) -> int:
    after: int = args.after
    cache: dict[str, Any] = {}
    while rows := svc.store.events_after(after, 1000):
        for row in rows:
            if args.pool is None or row.pool_id == args.pool:
                sys.stdout.write(orjson.dumps(line(svc, row, cache)).decode() + "\n")
        after = rows[-1].id
    return 0
