"""Test helpers: a real ``userpool serve`` on a loopback port, boto3 clients, codes from the outbox."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

ROOT = Path(__file__).resolve().parent.parent
USERPOOL = str(Path(sys.executable).with_name("userpool"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """A ``userpool serve`` subprocess with its own data directory."""

    def __init__(self, tmp: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.db = str(tmp / "userpool.db")
        self.args = ["serve", "--port", str(self.port), "--db", self.db, *args]
        self.env = {**os.environ, **(env or {})}
        self.log = tmp / "server.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.key_id = ""
        self.key_secret = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        if not self.key_id:
            made = subprocess.run(
                [USERPOOL, "keys", "create", "--db", self.db, "--output", "json"],
                capture_output=True,
                text=True,
                check=True,
                env=self.env,
            )
            created = json.loads(made.stdout)
            self.key_id, self.key_secret = created["AccessKeyId"], created["SecretAccessKey"]
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [USERPOOL, *self.args], stdout=log, stderr=log, env=self.env
            )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/health", timeout=1).read()
                return self
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError(self.log.read_text()) from None
                time.sleep(0.05)
        raise RuntimeError("server did not start:\n" + self.log.read_text())

    def stop(self, sig: int | None = None) -> None:
        if self.proc is None:
            return
        if sig is None:
            self.proc.terminate()
        else:
            self.proc.send_signal(sig)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def client(self, **config: Any) -> Any:
        return boto3.client(
            "cognito-idp",
            endpoint_url=self.url,
            region_name="us-east-1",
            aws_access_key_id=self.key_id,
            aws_secret_access_key=self.key_secret,
            config=Config(retries={"max_attempts": 1, "mode": "standard"}, **config),
        )

    def sql(self, query: str, *args: Any) -> list[tuple[Any, ...]]:
        """Read or change stored state directly (e.g. to age a code)."""
        db = sqlite3.connect(self.db, timeout=10)
        try:
            with db:
                return db.execute(query, args).fetchall()
        finally:
            db.close()

    def messages(self, destination: str) -> list[str]:
        rows = self.sql("SELECT body FROM outbox WHERE destination=? ORDER BY id", destination)
        return [r[0] for r in rows]

    def code(self, destination: str) -> str:
        """The code in the latest message sent to ``destination``."""
        import re

        body = self.messages(destination)[-1]
        found = re.findall(r"\b(\d{6})\b", body)
        assert found, body
        return str(found[-1])


def secret_hash(secret: str, username: str, client_id: str) -> str:
    mac = hmac.new(secret.encode(), (username + client_id).encode(), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


def sign(server: Server, headers: dict[str, str], body: bytes, path: str = "/") -> dict[str, str]:
    """``headers`` plus a SigV4 signature with the server's access key (as botocore signs)."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest("POST", f"{server.url}{path}", data=body, headers=dict(headers))
    SigV4Auth(Credentials(server.key_id, server.key_secret), "cognito-idp", "us-east-1").add_auth(
        request
    )
    return {k: v for k, v in request.headers.items()}
