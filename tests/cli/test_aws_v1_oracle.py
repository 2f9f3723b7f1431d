"""Same response, same bytes: ``userpool`` prints what ``aws`` (v1 1.45, in the venv) prints.

v1 and v2 share the json, text and table algorithms; v1 prints timestamps as sent (the
epoch number), which v2 does with ``cli_timestamp_format = wire``, set here for userpool.
Both talk to the live test server, on a pool made for this module.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.cli.harness import AWS, Cli
from tests.helpers import Server

FORMATS = ["json", "text", "table"]


@pytest.fixture(scope="module")
def world(server: Server) -> dict[str, str]:
    idp = server.client()
    pool = idp.create_user_pool(
        PoolName="oracle", AutoVerifiedAttributes=["email"], UsernameAttributes=["email"]
    )["UserPool"]["Id"]
    client = idp.create_user_pool_client(
        UserPoolId=pool, ClientName="oracle-app", ExplicitAuthFlows=["ALLOW_USER_AUTH"]
    )["UserPoolClient"]["ClientId"]
    idp.create_user_pool_client(UserPoolId=pool, ClientName="second")
    for name in ("zoë@example.com", "日本@example.com", "plain@example.com"):
        idp.admin_create_user(
            UserPoolId=pool,
            Username=name,
            UserAttributes=[{"Name": "email", "Value": name}],
            MessageAction="SUPPRESS",
        )
    return {"pool": pool, "client": client}


@pytest.fixture
def both(cli: Cli, server: Server, tmp_path: Path) -> Cli:
    cli.env["AWS_ACCESS_KEY_ID"] = server.key_id
    cli.env["AWS_SECRET_ACCESS_KEY"] = server.key_secret
    (tmp_path / "config").write_text("[default]\ncli_timestamp_format = wire\n")
    return cli


def _commands(world: dict[str, str]) -> list[list[str]]:
    pool, client = world["pool"], world["client"]
    return [
        ["describe-user-pool", "--user-pool-id", pool],
        ["describe-user-pool-client", "--user-pool-id", pool, "--client-id", client],
        ["list-user-pool-clients", "--user-pool-id", pool, "--max-results", "10"],
        ["list-users", "--user-pool-id", pool],
        ["list-users", "--user-pool-id", pool, "--query", "Users[].Attributes[]"],
        ["list-users", "--user-pool-id", pool, "--page-size", "1", "--query", "Users[].Username"],
        ["list-users", "--user-pool-id", pool, "--max-items", "2"],
        ["admin-get-user", "--user-pool-id", pool, "--username", "plain@example.com"],
        ["list-users", "--user-pool-id", pool, "--filter", 'email = "zoë@example.com"'],
    ]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("index", range(9))
def test_userpool_output_equals_aws_v1_output(
    both: Cli, server: Server, world: dict[str, str], fmt: str, index: int
) -> None:
    args = ["cognito-idp", *_commands(world)[index], "--endpoint-url", server.url, "--output", fmt]

    ours = both(*args)
    theirs = both(*args, program=AWS)

    assert (ours.returncode, theirs.returncode) == (0, 0), (ours.stderr, theirs.stderr)
    assert ours.stdout == theirs.stdout


def test_errors_read_the_same_as_aws_v1(both: Cli, server: Server, world: dict[str, Any]) -> None:
    args = [
        *["cognito-idp", "admin-get-user", "--endpoint-url", server.url],
        *["--user-pool-id", world["pool"], "--username", "nobody@example.com"],
    ]
    ours, theirs = both(*args), both(*args, program=AWS)
    assert ours.stderr == theirs.stderr
    assert (ours.returncode, theirs.returncode) == (254, 255)
