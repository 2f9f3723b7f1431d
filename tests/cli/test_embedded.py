"""With no endpoint the CLI works on the local data itself, and means what the server means.

No server, region or credentials are needed; the file is the server's own, so a running
``userpool serve`` on it sees the change (and the other way round); every served
operation runs; an operation we do not serve answers as the server does.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cli.harness import Cli
from tests.helpers import Server

PASSWORD = "Corr3ct-Horse!"


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[Server]:
    (tmp_path / "srv").mkdir(mode=0o700)
    server = Server(tmp_path / "srv").start()
    yield server
    server.stop()


def test_admin_confirm_sign_up_on_the_file_is_seen_by_a_running_server(
    cli: Cli, own_server: Server
) -> None:
    idp = own_server.client()
    pool = idp.create_user_pool(PoolName="shared")["UserPool"]["Id"]
    client = idp.create_user_pool_client(UserPoolId=pool, ClientName="a")["UserPoolClient"]
    idp.sign_up(ClientId=client["ClientId"], Username="sam", Password=PASSWORD)

    done = cli(
        *["cognito-idp", "admin-confirm-sign-up", "--user-pool-id", pool, "--username", "sam"],
        *["--db", own_server.db],
        env={"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None, "AWS_DEFAULT_REGION": None},
    )

    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert idp.admin_get_user(UserPoolId=pool, Username="sam")["UserStatus"] == "CONFIRMED"
    idp.admin_update_user_attributes(
        UserPoolId=pool, Username="sam", UserAttributes=[{"Name": "name", "Value": "Sam"}]
    )
    seen = cli(
        *["cognito-idp", "admin-get-user", "--user-pool-id", pool, "--username", "sam"],
        *["--db", own_server.db, "--query", "UserAttributes[?Name=='name'].Value | [0]"],
    )
    assert seen.stdout == '"Sam"\n'


def test_userpool_db_environment_variable_names_the_file(cli: Cli, tmp_path: Path) -> None:
    env = {"USERPOOL_DB": str(tmp_path / "elsewhere.db")}
    made = cli("cognito-idp", "create-user-pool", "--pool-name", "p", env=env)
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "elsewhere.db").exists()
    listed = cli("cognito-idp", "list-user-pools", "--max-results", "5", env=env)
    assert [p["Name"] for p in json.loads(listed.stdout)["UserPools"]] == ["p"]


def test_db_and_endpoint_url_together_are_refused(cli: Cli) -> None:
    done = cli(
        *["cognito-idp", "list-user-pools", "--max-results", "1"],
        *["--db", "x.db", "--endpoint-url", "http://127.0.0.1:1"],
    )
    assert (done.returncode, done.stderr) == (
        252,
        "\n--db (local data) and --endpoint-url cannot be used together.\n",
    )


def _refusal(db: str, source: str) -> str:
    return (
        f"\nNo local data at {db} ({source}): only create-user-pool starts a new store. "
        "Name an existing file (--db, USERPOOL_DB), or give --endpoint-url to reach a server.\n"
    )


@pytest.mark.parametrize(
    ("where", "env", "shown"),
    [
        (["--db", "typo.db"], {}, ("typo.db", "--db")),
        ([], {"USERPOOL_DB": "typo.db"}, ("typo.db", "USERPOOL_DB")),
        (
            [],
            {"USERPOOL_DB": None},
            (".userpool/userpool.db", "the default, as no endpoint is configured"),
        ),
    ],
)
@pytest.mark.parametrize(
    "command",
    [
        ["list-user-pools", "--max-results", "5"],
        ["admin-get-user", "--user-pool-id", "us-east-1_abc", "--username", "u"],
    ],
)
def test_a_missing_store_is_refused_for_any_command_but_create_user_pool(
    cli: Cli,
    where: list[str],
    env: dict[str, str | None],
    shown: tuple[str, str],
    command: list[str],
) -> None:
    done = cli("cognito-idp", *command, *where, env=env)

    assert (done.returncode, done.stdout, done.stderr) == (253, "", _refusal(*shown))
    assert sorted(p.name for p in cli.cwd.iterdir()) == []


def test_a_request_the_client_refuses_is_refused_before_the_store_is_looked_for(
    cli: Cli,
) -> None:
    done = cli("cognito-idp", "describe-user-pool", "--user-pool-id", "", "--db", "typo.db")
    assert (done.returncode, done.stderr) == (
        252,
        "\nParameter validation failed:\n"
        "Invalid length for parameter UserPoolId, value: 0, valid min length: 1\n",
    )


def test_create_user_pool_makes_a_missing_store_and_says_so(cli: Cli) -> None:
    env: dict[str, str | None] = {"USERPOOL_MASTER_KEY_FILE": None}
    db = "fresh/userpool.db"

    made = cli("cognito-idp", "create-user-pool", "--pool-name", "p", "--db", db, env=env)
    again = cli("cognito-idp", "create-user-pool", "--pool-name", "q", "--db", db, env=env)
    listed = cli("cognito-idp", "list-user-pools", "--max-results", "5", "--db", db, env=env)

    assert (made.returncode, made.stderr) == (
        0,
        f"Created new local data at {db}, master key {db}.key.\n",
    )
    assert (again.returncode, again.stderr, listed.stderr) == (0, "", "")
    assert sorted(p["Name"] for p in json.loads(listed.stdout)["UserPools"]) == ["p", "q"]


def test_an_operation_userpool_does_not_serve_answers_as_the_server_does(cli: Cli) -> None:
    cli("cognito-idp", "create-user-pool", "--pool-name", "p")  # the default local data
    done = cli(
        *["cognito-idp", "get-identity-provider-by-identifier", "--user-pool-id", "p"],
        *["--idp-identifier", "corp"],
    )
    assert (done.returncode, done.stderr) == (
        254,
        "\nAn error occurred (UnsupportedOperationException) when calling the "
        "GetIdentityProviderByIdentifier operation: userpool does not implement "
        "GetIdentityProviderByIdentifier yet.\n",
    )


def _required_only(skeleton: dict[str, Any], required: list[str]) -> dict[str, Any]:
    out = {}
    for key in required:
        value = skeleton[key]
        out[key] = "x" * 40 if value == "" else value
    return out


NEWER_THAN_THE_CLI = {
    "AddUserPoolClientSecret",
    "ListUserPoolClientSecrets",
    "DeleteUserPoolClientSecret",
}


def test_every_served_operation_runs_in_process_without_crashing(cli: Cli) -> None:
    from botocore import xform_name

    from userpool.cli.transport import service
    from userpool.operations import REGISTRY

    cli("cognito-idp", "create-user-pool", "--pool-name", "p")  # the default local data
    # The CLI's model is AWS CLI 2.33.31's (docs/cli.md): operations newer than it are
    # served to SDKs but have no command. Only these may be missing.
    offered = set(service().operation_names)
    assert set(REGISTRY) - offered <= NEWER_THAN_THE_CLI
    for name in sorted(set(REGISTRY) & offered):
        command = xform_name(name, "-")
        shape = service().operation_model(name).input_shape
        skeleton = json.loads(cli("cognito-idp", command, "--generate-cli-skeleton").stdout)
        document = _required_only(skeleton, list(shape.required_members))
        done = cli("cognito-idp", command, "--cli-input-json", json.dumps(document))
        assert done.returncode in (0, 252, 254), (name, done.returncode, done.stderr)
        assert "InternalErrorException" not in done.stderr, (name, done.stderr)


def test_migrate_creates_the_schema_of_a_new_database(tmp_path: Path) -> None:
    import sqlite3
    import subprocess

    from tests.helpers import USERPOOL

    db = tmp_path / "fresh" / "userpool.db"
    done = subprocess.run([USERPOOL, "migrate", "--db", str(db)], capture_output=True, text=True)
    assert done.returncode == 0 and "schema up to date" in done.stdout
    tables = {r[0] for r in sqlite3.connect(db).execute("SELECT name FROM sqlite_master")}
    assert {"users", "codes", "outbox", "access_keys"} <= tables


def test_fast_password_hashing_is_announced_on_the_local_data_too(cli: Cli, tmp_path: Path) -> None:
    """USERPOOL_PASSWORD_HASHING=fast reaches the in-process operations as it reaches a
    server, so the command says so on stderr, and its sign-ups carry the weak hash."""
    env = {"USERPOOL_DB": str(tmp_path / "local.db"), "USERPOOL_PASSWORD_HASHING": "fast"}
    made = cli(
        "cognito-idp", "create-user-pool", "--pool-name", "p", "--query", "UserPool.Id", env=env
    )
    assert made.returncode == 0, made.stderr
    assert "WARNING: --password-hashing fast: passwords are weakly hashed" in made.stderr
    pool = json.loads(made.stdout)
    client = cli(
        *["cognito-idp", "create-user-pool-client", "--user-pool-id", pool, "--client-name", "a"],
        *["--query", "UserPoolClient.ClientId"],
        env=env,
    )
    cid = json.loads(client.stdout)
    done = cli(
        *["cognito-idp", "sign-up", "--client-id", cid, "--username", "lee"],
        *["--password", PASSWORD],
        env=env,
    )
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(tmp_path / "local.db") as db:
        ((stored,),) = db.execute("SELECT password_hash FROM users").fetchall()
    assert stored.startswith("$argon2id$v=19$m=8,t=1,p=1$")
