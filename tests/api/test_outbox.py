"""The outbox relay: a failed delivery is retried later; a dead process's claim is retried."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.api.test_smtp import Inbox
from tests.helpers import Server, free_port


def _wait(check: Any, timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def srv(tmp_path: Path, smtp_port: int) -> Iterator[Server]:
    server = Server(
        tmp_path, "--sender", "smtp", "--smtp-host", "127.0.0.1", "--smtp-port", str(smtp_port)
    ).start()
    yield server
    server.stop()


def _sign_up(srv: Server, name: str) -> None:
    idp = srv.client()
    pool = idp.create_user_pool(PoolName="o", AutoVerifiedAttributes=["email"])["UserPool"]
    client = idp.create_user_pool_client(UserPoolId=pool["Id"], ClientName="c")["UserPoolClient"]
    idp.sign_up(
        ClientId=client["ClientId"],
        Username=name,
        Password="Passw0rd!",
        UserAttributes=[{"Name": "email", "Value": f"{name}@example.com"}],
    )


def test_a_failed_delivery_is_scheduled_again_not_dropped(srv: Server) -> None:
    _sign_up(srv, "ret")  # nothing listens on the SMTP port yet
    row = _wait(
        lambda: srv.sql(
            "SELECT status, tries, next_try, error, body FROM outbox WHERE tries>0 AND error IS NOT NULL"
        )
    )
    status, tries, next_try, error, body = row[0]
    assert status == "pending" and tries == 1 and next_try > time.time()
    assert "Your verification code is" in body


def test_a_stale_claim_is_delivered_by_the_relay(srv: Server, smtp_port: int) -> None:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        _sign_up(srv, "lease")
        inbox.wait_for("lease@example.com")
        # a message a crashed process had claimed long ago
        srv.sql(
            "INSERT INTO outbox (pool_id, username, medium, destination, subject, body, "
            "created, status, claimed) VALUES ('p', 'u', 'EMAIL', 'stale@example.com', 's', "
            "'hello', 0, 'sending', 0)"
        )
        srv.client().list_user_pools(MaxResults=1)
        message = inbox.wait_for("stale@example.com", timeout=20)
        assert message.get_content().strip() == "hello"
    finally:
        controller.stop()
