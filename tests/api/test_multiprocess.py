"""Two ``userpool serve`` processes on one PostgreSQL database answer as one server.

Each race sends its requests to both servers at once (released together by a barrier),
in several rounds, and checks the stored outcome: one owner of a forced alias, one
confirmation of one code, one user of one username. PostgreSQL only: without it these
are skipped, saying why (in CI, where it must be there, they fail).
"""

from __future__ import annotations

import json
import re
import threading
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.helpers import Server, pg_schema, require_pg

PASSWORD = "Passw0rd!"
ROUNDS = 6
ONE_TRY = {"total_max_attempts": 1}  # no retry may hide a failed race


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Server]]:
    """Two servers started at once on a fresh schema (they race to migrate it, too)."""
    require_pg()
    url = pg_schema("multiprocess")
    pair = [Server(tmp_path_factory.mktemp(name), db=url) for name in ("one", "two")]
    pair[1].key_id = "preset"  # the second uses the first's key, made by its start
    with ThreadPoolExecutor(2) as starting:
        list(starting.map(Server.start, pair))
    pair[1].key_id, pair[1].key_secret = pair[0].key_id, pair[0].key_secret
    yield pair
    for srv in pair:
        srv.stop()


@pytest.fixture(autouse=True)
def _no_failed_requests(servers: list[Server]) -> Iterator[None]:
    """A request that failed inside a server (a 500) fails the test that sent it."""
    seen = [srv.log.stat().st_size for srv in servers]
    yield
    for srv, start in zip(servers, seen, strict=True):
        with open(srv.log, "rb") as log:
            log.seek(start)
            written = log.read().decode(errors="replace")
        assert "Traceback" not in written, written


def _both_at_once(calls: Sequence[Callable[[], Any]]) -> list[str]:
    """Run the calls together; each one's outcome: "ok" or the error code."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], Any]) -> str:
        barrier.wait()
        try:
            call()
            return "ok"
        except ClientError as exc:
            return str(exc.response["Error"]["Code"])

    with ThreadPoolExecutor(len(calls)) as workers:
        return list(workers.map(run, calls))


def _app(srv: Server, **pool: Any) -> tuple[str, str]:
    idp = srv.client()
    pool_id = idp.create_user_pool(PoolName="race", AutoVerifiedAttributes=["email"], **pool)[
        "UserPool"
    ]["Id"]
    client_id = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="app")["UserPoolClient"][
        "ClientId"
    ]
    return pool_id, client_id


def _attrs(idp: Any, pool_id: str, name: str) -> dict[str, str]:
    user = idp.admin_get_user(UserPoolId=pool_id, Username=name)
    return {a["Name"]: a["Value"] for a in user["UserAttributes"]}


def test_one_alias_forced_on_two_users_through_two_servers_ends_with_one_owner(
    servers: list[Server],
) -> None:
    pool_id, client_id = _app(servers[0], AliasAttributes=["email"])
    clients = [srv.client(retries=ONE_TRY) for srv in servers]
    for round_ in range(ROUNDS):
        email = f"shared{round_}@example.com"
        names = [f"r{round_}a", f"r{round_}b"]
        for name in names:
            clients[0].sign_up(
                ClientId=client_id,
                Username=name,
                Password=PASSWORD,
                UserAttributes=[{"Name": "email", "Value": email}],
            )
        codes = [re.findall(r"\b(\d{6})\b", body)[-1] for body in servers[0].messages(email)]

        confirms = [
            partial(
                clients[i].confirm_sign_up,
                ClientId=client_id,
                Username=names[i],
                ConfirmationCode=codes[i],
                ForceAliasCreation=True,
            )
            for i in (0, 1)
        ]
        assert _both_at_once(confirms) == ["ok", "ok"]
        owners = servers[0].sql(
            "SELECT sub FROM aliases WHERE pool_id=? AND attribute='email' AND value_key=?",
            pool_id,
            email,
        )
        assert len(owners) == 1
        verified = [n for n in names if _attrs(clients[1], pool_id, n)["email_verified"] == "true"]
        assert len(verified) == 1
        owner = clients[1].admin_get_user(UserPoolId=pool_id, Username=email)["Username"]
        assert owner == verified[0]


def test_one_code_sent_to_both_servers_at_once_confirms_once(servers: list[Server]) -> None:
    pool_id, client_id = _app(servers[0])
    clients = [srv.client(retries=ONE_TRY) for srv in servers]
    for round_ in range(ROUNDS):
        name = f"twice{round_}"
        clients[1].sign_up(
            ClientId=client_id,
            Username=name,
            Password=PASSWORD,
            UserAttributes=[{"Name": "email", "Value": f"{name}@example.com"}],
        )
        code = servers[0].code(f"{name}@example.com")

        outcomes = _both_at_once(
            [
                partial(
                    idp.confirm_sign_up, ClientId=client_id, Username=name, ConfirmationCode=code
                )
                for idp in clients
            ]
        )
        assert sorted(outcomes)[1] == "ok" and outcomes.count("ok") == 1, outcomes
        refused = sorted(outcomes)[0]
        assert refused in ("NotAuthorizedException", "CodeMismatchException"), outcomes
        user = clients[0].admin_get_user(UserPoolId=pool_id, Username=name)
        assert user["UserStatus"] == "CONFIRMED"


def test_concurrent_sign_ups_with_one_username_across_two_servers_create_one_user(
    servers: list[Server],
) -> None:
    pool_id, client_id = _app(servers[0])
    clients = [srv.client(retries=ONE_TRY) for srv in servers]
    for round_ in range(3):
        name = f"same{round_}"

        outcomes = _both_at_once(
            [
                partial(
                    clients[i % 2].sign_up, ClientId=client_id, Username=name, Password=PASSWORD
                )
                for i in range(8)
            ]
        )
        assert outcomes.count("ok") == 1, outcomes
        assert set(outcomes) == {"ok", "UsernameExistsException"}, outcomes
        rows = servers[1].sql(
            "SELECT count(*) FROM users WHERE pool_id=? AND username=?", pool_id, name
        )
        assert rows[0][0] == 1


def test_both_servers_publish_the_same_keys_of_a_new_pool_asked_at_once(
    servers: list[Server],
) -> None:
    pool_id, client_id = _app(servers[0])
    assert servers[1].client().describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)
    barrier = threading.Barrier(2)

    def jwks(srv: Server) -> Any:
        barrier.wait()  # both make the pool's first keys at once; one set must win
        url = f"{srv.url}/{pool_id}/.well-known/jwks.json"
        return json.loads(urllib.request.urlopen(url, timeout=30).read())

    with ThreadPoolExecutor(2) as workers:
        published = list(workers.map(jwks, servers))
    assert published[0] == published[1] and len(published[0]["keys"]) == 2
