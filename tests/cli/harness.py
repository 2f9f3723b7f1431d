"""``Up``: ``userpool cognito-idp`` on one transport (a live server, or embedded on a file).

``server`` mode adds ``--endpoint-url`` and the server's access key (environment);
``embedded`` mode adds ``--db`` of a temporary file and has no server at all. Either way
the CLI itself makes the pool, the app client and the users a test needs.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tests.helpers import Server

PASSWORD = "Corr3ct-Horse!"


USERPOOL = str(Path(sys.executable).with_name("userpool"))
AWS = str(Path(sys.executable).with_name("aws"))


class Cli:
    """Runs ``userpool`` (or ``aws`` with ``program=AWS``) with ``env`` on top of a clean base."""

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd
        self.env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("AWS_", "USERPOOL_")) and k not in ("PAGER", "LESS")
        }
        if "USERPOOL_MASTER_KEY_FILE" in os.environ:  # the run's key (tests.helpers)
            self.env["USERPOOL_MASTER_KEY_FILE"] = os.environ["USERPOOL_MASTER_KEY_FILE"]
        self.env.update(
            {
                "HOME": str(cwd),
                "AWS_ACCESS_KEY_ID": "test",
                "AWS_SECRET_ACCESS_KEY": "test",
                "AWS_DEFAULT_REGION": "us-east-1",
                "AWS_CONFIG_FILE": str(cwd / "config"),
                "AWS_SHARED_CREDENTIALS_FILE": str(cwd / "credentials"),
                "AWS_EC2_METADATA_DISABLED": "true",
                "USERPOOL_DB": str(cwd / "data" / "userpool.db"),
            }
        )

    def __call__(
        self,
        *args: str,
        env: Mapping[str, str | None] | None = None,
        program: str = USERPOOL,
        stdin: str | None = None,
        timeout: float = 90,
    ) -> subprocess.CompletedProcess[str]:
        full = dict(self.env)
        for key, value in (env or {}).items():
            if value is None:
                full.pop(key, None)
            else:
                full[key] = value
        return subprocess.run(
            [program, *args],
            cwd=self.cwd,
            env=full,
            input=stdin,
            stdin=None if stdin is not None else subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
        )


class Up:
    def __init__(self, cli: Cli, mode: str, server: Server | None, tmp: Path) -> None:
        self.cli, self.mode, self.server = cli, mode, server
        self.db = server.db if server is not None else str(tmp / "local" / "userpool.db")
        if server is not None:
            cli.env["AWS_ACCESS_KEY_ID"] = server.key_id
            cli.env["AWS_SECRET_ACCESS_KEY"] = server.key_secret

    def where(self) -> list[str]:
        if self.server is not None:
            return ["--endpoint-url", self.server.url]
        return ["--db", self.db]

    def __call__(
        self, *args: str, env: Mapping[str, str | None] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return self.cli("cognito-idp", *args, *self.where(), env=env)

    def ok(self, *args: str) -> Any:
        done = self(*args)
        assert done.returncode == 0, (args, done.returncode, done.stderr)
        return json.loads(done.stdout) if done.stdout.strip() else {}

    def pool(self, *extra: str) -> str:
        made = self.ok("create-user-pool", "--pool-name", "cli", *extra)
        return str(made["UserPool"]["Id"])

    def client(self, pool: str, *extra: str) -> dict[str, Any]:
        made = self.ok(
            "create-user-pool-client", "--user-pool-id", pool, "--client-name", "app", *extra
        )
        return dict(made["UserPoolClient"])

    def sign_up(self, client_id: str, username: str, email: str, *extra: str) -> dict[str, Any]:
        return dict(
            self.ok(
                "sign-up",
                "--client-id",
                client_id,
                "--username",
                username,
                "--password",
                PASSWORD,
                "--user-attributes",
                f"Name=email,Value={email}",
                *extra,
            )
        )

    def code(self, destination: str) -> str:
        """The code in the latest message to ``destination`` (from the outbox)."""
        db = sqlite3.connect(self.db, timeout=10)
        try:
            rows = db.execute(
                "SELECT body FROM outbox WHERE destination=? ORDER BY id", (destination,)
            ).fetchall()
        finally:
            db.close()
        found = re.findall(r"\b(\d{6})\b", rows[-1][0])
        return str(found[-1])

    def status(self, pool: str, username: str) -> str:
        user = self.ok("admin-get-user", "--user-pool-id", pool, "--username", username)
        return str(user["UserStatus"])

    def attributes(self, pool: str, username: str) -> dict[str, str]:
        user = self.ok("admin-get-user", "--user-pool-id", pool, "--username", username)
        return {a["Name"]: a["Value"] for a in user["UserAttributes"]}
