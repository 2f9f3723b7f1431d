"""The Cognito side of the benchmark: pools, request bodies, codes and correctness checks.

Setup and checks go through boto3 (the same client applications use); the timed phases
send pre-built JSON bodies through an engine. Codes come from a pluggable source:
userpool's SQLite outbox, or a fixed ``000000`` for moto (which never checks them).
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import orjson
from botocore.config import Config
from botocore.exceptions import ClientError

PASSWORD = "Passw0rd!"
PREFIX = "AWSCognitoIdentityProviderService."
CODE_RE = re.compile(r"verification code is (\d{6})")

CodeSource = Callable[[list[str]], dict[str, str]]  # emails -> {email: code}


def client(url: str) -> Any:
    """A boto3 cognito-idp client for a loopback endpoint (dummy credentials, no retries)."""
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError(f"refusing non-loopback endpoint {url}")
    return boto3.client(
        "cognito-idp", endpoint_url=url, region_name="us-east-1",
        aws_access_key_id="bench", aws_secret_access_key="bench",
        config=Config(retries={"max_attempts": 1}, read_timeout=120, connect_timeout=10),
    )  # fmt: skip


@dataclass
class Pool:
    pool_id: str
    client_id: str


def make_pool(idp: Any, name: str, auth_flows: list[str] | None = None) -> Pool:
    """A pool with ``AutoVerifiedAttributes=[email]`` and an app client without a secret.

    ``auth_flows``, if given, becomes the client's ``ExplicitAuthFlows``.
    """
    pool = idp.create_user_pool(PoolName=name, AutoVerifiedAttributes=["email"])["UserPool"]
    extra: dict[str, Any] = {"ExplicitAuthFlows": auth_flows} if auth_flows else {}
    app = idp.create_user_pool_client(UserPoolId=pool["Id"], ClientName=f"{name}-app", **extra)
    return Pool(pool["Id"], app["UserPoolClient"]["ClientId"])


def usernames(prefix: str, n: int) -> list[str]:
    return [f"{prefix}u{i:06d}" for i in range(n)]


def email_of(username: str) -> str:
    return f"{username}@example.com"


def signup_bodies(pool: Pool, names: list[str]) -> list[bytes]:
    return [
        orjson.dumps({
            "ClientId": pool.client_id, "Username": name, "Password": PASSWORD,
            "UserAttributes": [{"Name": "email", "Value": email_of(name)}],
        })
        for name in names
    ]  # fmt: skip


def confirm_bodies(pool: Pool, names: list[str], codes: dict[str, str]) -> list[bytes]:
    """ConfirmSignUp bodies; a user without a code gets ``missing`` (and will fail)."""
    return [
        orjson.dumps({
            "ClientId": pool.client_id, "Username": name,
            "ConfirmationCode": codes.get(email_of(name), "missing"),
        })
        for name in names
    ]  # fmt: skip


def fixed_codes(code: str) -> CodeSource:
    """moto: it never checks sign-up codes, so any six digits do."""

    def source(emails: list[str]) -> dict[str, str]:
        return dict.fromkeys(emails, code)

    return source


def outbox_codes(db: Path, wait: float = 10.0) -> CodeSource:
    """userpool: the latest code per destination from the SQLite outbox (read-only)."""

    def rows() -> list[tuple[str, str | None]]:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
        try:
            return conn.execute("SELECT destination, body FROM outbox ORDER BY id").fetchall()
        finally:
            conn.close()

    return outbox_rows_codes(rows, wait)


def outbox_rows_codes(rows: Callable[[], list[tuple[str, str | None]]],
                      wait: float = 10.0) -> CodeSource:  # fmt: skip
    """Codes parsed from outbox rows ``(destination, body)`` in id order, whatever the store;
    polls for up to ``wait`` seconds until every wanted destination has one."""

    def source(emails: list[str]) -> dict[str, str]:
        wanted = set(emails)
        found: dict[str, str] = {}
        deadline = time.monotonic() + wait
        while True:
            for destination, body in rows():
                match = CODE_RE.search(body or "")
                if destination in wanted and match:
                    found[destination] = match.group(1)
            if len(found) == len(wanted) or time.monotonic() > deadline:
                return found
            time.sleep(0.2)

    return source


def count_confirmed(idp: Any, pool: Pool, prefix: str) -> tuple[int, int]:
    """(users whose name starts with ``prefix``, of which CONFIRMED) via paged ListUsers."""
    seen = confirmed = 0
    token: str | None = None
    for _ in range(10_000):  # bounded: 60 per page
        args: dict[str, Any] = {"UserPoolId": pool.pool_id, "Limit": 60}
        if token:
            args["PaginationToken"] = token
        page = idp.list_users(**args)
        for user in page["Users"]:
            if user["Username"].startswith(prefix):
                seen += 1
                confirmed += user["UserStatus"] == "CONFIRMED"
        token = page.get("PaginationToken")
        if not token:
            break
    return seen, confirmed


def wrong_code_probe(idp: Any, pool: Pool, name: str, codes: CodeSource) -> str:
    """Sign up a fresh user, confirm it with a code that is not its code; the outcome."""
    email = email_of(name)
    idp.sign_up(
        ClientId=pool.client_id, Username=name, Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": email}],
    )  # fmt: skip
    real = codes([email]).get(email, "000000")
    wrong = f"{(int(real) + 1) % 1_000_000:06d}"
    try:
        idp.confirm_sign_up(ClientId=pool.client_id, Username=name, ConfirmationCode=wrong)
    except ClientError as exc:
        return str(exc.response.get("Error", {}).get("Code", "error"))
    status = idp.admin_get_user(UserPoolId=pool.pool_id, Username=name)["UserStatus"]
    return f"accepted (HTTP 200, user now {status})"


def integrity_check(db: Path) -> str:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()
