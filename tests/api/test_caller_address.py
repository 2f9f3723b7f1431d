"""Who is calling, and what a caller can make the server keep.

- Only a valid request is counted by its ``ClientId``: a huge or malformed one never
  becomes a counter, in memory or in the database.
- A client's budget is kept per address: one address's junk cannot shut an app's other
  users out.
- Failed guesses are limited per address, threat protection or not.
- The caller's address is the connection's: a ``ContextData`` (not modelled on public
  operations) cannot replace it, and ``X-Forwarded-For`` counts only from a proxy named
  by ``--trusted-proxy``.

Requests come from several loopback addresses (127.0.0.2, 127.0.0.3: every 127/8 address
is this machine) to tell callers apart.
"""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import Server, away_from_minute_end

PREFIX = "AWSCognitoIdentityProviderService."
CLIENT_ID = "1example23456789"
PASSWORD = "Passw0rd!"


def public(
    server: Server,
    name: str,
    body: dict[str, Any],
    source: str = "127.0.0.1",
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, Any]]:
    """One unsigned request from ``source``: (status, answer)."""
    conn = http.client.HTTPConnection(
        "127.0.0.1", server.port, timeout=30, source_address=(source, 0)
    )
    try:
        conn.request(
            "POST",
            "/",
            body=json.dumps(body).encode(),
            headers={
                "Content-Type": "application/x-amz-json-1.1",
                "X-Amz-Target": PREFIX + name,
                **(headers or {}),
            },
        )
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        conn.close()


def outcome(answer: tuple[int, dict[str, Any]]) -> str:
    return str(answer[1].get("__type", "ok"))


def confirm(
    server: Server,
    source: str = "127.0.0.1",
    client_id: str = CLIENT_ID,
    headers: dict[str, str] | None = None,
    **members: Any,
) -> str:
    body = {"ClientId": client_id, "Username": "nobody", "ConfirmationCode": "123456", **members}
    return outcome(public(server, "ConfirmSignUp", body, source, headers))


@pytest.fixture
def serve(tmp_path: Path, started: list[Server]) -> Callable[..., Server]:
    def make(*args: str) -> Server:
        server = Server(tmp_path / str(len(started)), *args)
        (tmp_path / str(len(started))).mkdir(mode=0o700)
        started.append(server.start())
        return server

    return make


def _counter_names(server: Server) -> list[str]:
    return [str(r[0]) for r in server.sql("SELECT name FROM rate_counters")]


def test_an_invalid_client_id_never_becomes_a_counter(serve: Callable[..., Server]) -> None:
    server = serve()
    huge = "A" * 200_000
    assert confirm(server, client_id=huge) == "InvalidParameterException"
    assert confirm(server, client_id="not/a-client") == "InvalidParameterException"
    assert confirm(server) == "ResourceNotFoundException"  # valid: counted
    deadline = time.monotonic() + 10
    while not any(n.startswith("client:") for n in _counter_names(server)):
        assert time.monotonic() < deadline, _counter_names(server)
        time.sleep(0.05)
    names = _counter_names(server)
    assert [n for n in names if n.startswith("client:")] == [f"client:{CLIENT_ID}@127.0.0.1"]
    assert max(len(n) for n in names) < 200


def test_one_address_cannot_use_up_an_apps_budget(serve: Callable[..., Server]) -> None:
    server = serve("--rate-per-ip", "0", "--rate-per-client", "5")
    away_from_minute_end()
    from_junk = [confirm(server, "127.0.0.2") for _ in range(7)]
    assert from_junk == ["ResourceNotFoundException"] * 5 + ["TooManyRequestsException"] * 2
    assert [confirm(server, "127.0.0.3") for _ in range(3)] == ["ResourceNotFoundException"] * 3


def test_failed_guesses_are_limited_per_address(serve: Callable[..., Server]) -> None:
    server = serve("--fail-per-ip", "5", "--rate-per-ip", "0")
    idp = server.client()
    pool = idp.create_user_pool(PoolName="guesses")["UserPool"]["Id"]
    client = idp.create_user_pool_client(UserPoolId=pool, ClientName="app")["UserPoolClient"]
    away_from_minute_end()
    guesses = [confirm(server, "127.0.0.2", client["ClientId"], Username=f"u{i}") for i in range(7)]
    assert guesses == ["UserNotFoundException"] * 5 + ["TooManyRequestsException"] * 2
    assert confirm(server, "127.0.0.3", client["ClientId"]) == "UserNotFoundException"


def _blocked_pool(server: Server) -> tuple[str, str]:
    """A pool that blocks every loopback address, with a confirmed user ``amy``."""
    idp = server.client()
    pool = idp.create_user_pool(
        PoolName="blocked", UserPoolAddOns={"AdvancedSecurityMode": "ENFORCED"}
    )["UserPool"]["Id"]
    client = idp.create_user_pool_client(
        UserPoolId=pool, ClientName="app", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=pool, Username="amy", MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool, Username="amy", Password=PASSWORD, Permanent=True)
    idp.set_risk_configuration(
        UserPoolId=pool,
        RiskExceptionConfiguration={"BlockedIPRangeList": ["127.0.0.0/8", "::1/128"]},
    )
    return pool, client


def test_context_data_cannot_forge_the_callers_address(serve: Callable[..., Server]) -> None:
    server = serve()
    pool, client = _blocked_pool(server)
    sign_in = {
        "ClientId": client,
        "AuthFlow": "USER_PASSWORD_AUTH",
        "AuthParameters": {"USERNAME": "amy", "PASSWORD": PASSWORD},
    }
    forged = [
        {"ContextData": {"IpAddress": "203.0.113.5", "ServerName": "x", "ServerPath": "/"}},
        {"UserContextData": {"IpAddress": "203.0.113.5"}},  # no secret: not honoured
    ]
    for extra in forged:
        status, answer = public(server, "InitiateAuth", {**sign_in, **extra})
        assert (status, answer.get("__type")) == (400, "NotAuthorizedException"), extra
        assert "AuthenticationResult" not in answer
    events = server.client().admin_list_user_auth_events(UserPoolId=pool, Username="amy")
    addresses = {e["EventContextData"]["IpAddress"] for e in events["AuthEvents"]}
    assert addresses <= {"127.0.0.1", "::1"}


def test_forwarded_for_counts_only_from_a_trusted_proxy(serve: Callable[..., Server]) -> None:
    server = serve("--trusted-proxy", "127.0.0.2/32", "--rate-per-ip", "3")
    away_from_minute_end()

    def via(source: str, forwarded: str) -> str:
        return confirm(server, source, headers={"X-Forwarded-For": forwarded})

    # Not a trusted proxy: the header is ignored, every request is 127.0.0.3's.
    direct = [via("127.0.0.3", f"198.51.100.{i}") for i in range(4)]
    assert direct == ["ResourceNotFoundException"] * 3 + ["TooManyRequestsException"]
    # Through the trusted proxy: each request is the forwarded address's (the right-most
    # untrusted hop; what a client wrote to the left of it does not matter).
    proxied = [via("127.0.0.2", f"10.9.9.{i % 2}, 192.0.2.7") for i in range(4)]
    assert proxied == ["ResourceNotFoundException"] * 3 + ["TooManyRequestsException"]
    assert via("127.0.0.2", "192.0.2.8") == "ResourceNotFoundException"
    # A hop that is no address ends the walk: the request is the proxy's own.
    own = [via("127.0.0.2", "not-an-address") for _ in range(4)]
    assert own == ["ResourceNotFoundException"] * 3 + ["TooManyRequestsException"]
