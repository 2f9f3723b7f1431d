"""Client secret rotation through boto3: AddUserPoolClientSecret, ListUserPoolClientSecrets,
DeleteUserPoolClientSecret, and every check of a secret accepting any active one.

(The `userpool cognito-idp` command line follows AWS CLI 2.33.31's model, which lacks these
three commands: they are reached through boto3, or a newer AWS CLI, only.)
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.factories import PASSWORD, App, confirm, make_app, sign_up
from tests.helpers import USERPOOL, Server, error_of, secret_hash

FLOWS = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
SUPPLIED = "supplied_secret_0123456789_abcdefghijklmnop"


def _app(idp: Any, **client: Any) -> App:
    settings = {"ExplicitAuthFlows": FLOWS, **client}
    return make_app(idp, secret="ClientSecret" not in client, client=settings)


def _ids(app: App) -> dict[str, str]:
    return {"UserPoolId": app.pool_id, "ClientId": app.client_id}


def _add(idp: Any, app: App, **request: Any) -> dict[str, Any]:
    return dict(idp.add_user_pool_client_secret(**_ids(app), **request)["ClientSecretDescriptor"])


def _listed(idp: Any, app: App) -> list[dict[str, Any]]:
    return list(idp.list_user_pool_client_secrets(**_ids(app))["ClientSecrets"])


def _sign_in(idp: Any, app: App, username: str, secret: str) -> dict[str, Any]:
    return dict(
        idp.initiate_auth(
            ClientId=app.client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={
                "USERNAME": username,
                "PASSWORD": PASSWORD,
                "SECRET_HASH": secret_hash(secret, username, app.client_id),
            },
        )["AuthenticationResult"]
    )


def _signed_up(idp: Any, server: Server, app: App, username: str, secret: str) -> None:
    """``username`` signed up and confirmed, both requests hashed with ``secret``."""
    hashed = {"SecretHash": secret_hash(secret, username, app.client_id)}
    user = sign_up(idp, app.client_id, username, f"{username}-{app.pool_id}@example.com", **hashed)
    confirm(idp, server, app.client_id, user, **hashed)


def test_add_generates_a_second_secret_shown_once(idp: Any) -> None:
    app = _app(idp)
    added = _add(idp, app)

    assert re.fullmatch(re.escape(app.client_id) + r"--\d{13}", added["ClientSecretId"])
    assert re.fullmatch(r"[\w+]{24,64}", added["ClientSecretValue"])
    assert added["ClientSecretValue"] != app.client["ClientSecret"]
    listed = _listed(idp, app)
    assert all(set(s) == {"ClientSecretId", "ClientSecretCreateDate"} for s in listed)
    # the client's own secret first, dated as the client, then the one added
    assert re.fullmatch(re.escape(app.client_id) + r"--\d{13}", listed[0]["ClientSecretId"])
    assert listed[0]["ClientSecretCreateDate"] == app.client["CreationDate"]
    assert listed[1] == {k: added[k] for k in ("ClientSecretId", "ClientSecretCreateDate")}
    # DescribeUserPoolClient keeps showing the secret the client was created with.
    described = idp.describe_user_pool_client(**_ids(app))["UserPoolClient"]
    assert described["ClientSecret"] == app.client["ClientSecret"]


def test_a_supplied_secret_is_never_shown(idp: Any) -> None:
    app = _app(idp)
    added = _add(idp, app, ClientSecret=SUPPLIED)
    assert "ClientSecretValue" not in added
    assert len(_listed(idp, app)) == 2


def test_a_third_secret_is_refused(idp: Any) -> None:
    app = _app(idp)
    _add(idp, app)
    with pytest.raises(ClientError) as exc:
        _add(idp, app)
    assert error_of(exc) == (
        "LimitExceededException",
        "An app client can have at most 2 active client secrets.",
    )
    assert len(_listed(idp, app)) == 2


def test_a_public_client_gets_no_secret(idp: Any) -> None:
    app = make_app(idp)
    with pytest.raises(ClientError) as exc:
        _add(idp, app)
    assert error_of(exc) == (
        "InvalidParameterException",
        f"App client {app.client_id} is not configured for secret.",
    )
    assert _listed(idp, app) == []


def test_unknown_pool_client_and_secret_are_not_found(idp: Any) -> None:
    app = _app(idp)
    other = _app(idp)
    calls = {
        "pool": lambda: idp.list_user_pool_client_secrets(
            UserPoolId="us-east-1_nothere12", ClientId=app.client_id
        ),
        "client of another pool": lambda: idp.add_user_pool_client_secret(
            UserPoolId=app.pool_id, ClientId=other.client_id
        ),
        "secret": lambda: idp.delete_user_pool_client_secret(
            **_ids(app), ClientSecretId=f"{app.client_id}--1"
        ),
    }
    for what, call in calls.items():
        with pytest.raises(ClientError) as exc:
            call()
        assert error_of(exc)[0] == "ResourceNotFoundException", what
    assert error_of(exc)[1] == f"Client secret {app.client_id}--1 does not exist."


def test_the_second_secret_passes_every_secret_check(idp: Any, server: Server) -> None:
    app = _app(idp)
    second = _add(idp, app)["ClientSecretValue"]

    _signed_up(idp, server, app, "ann", second)  # SignUp and ConfirmSignUp
    signed_in = _sign_in(idp, app, "ann", second)  # InitiateAuth's SECRET_HASH
    refreshed = idp.get_tokens_from_refresh_token(
        ClientId=app.client_id, ClientSecret=second, RefreshToken=signed_in["RefreshToken"]
    )
    assert refreshed["AuthenticationResult"]["AccessToken"]
    idp.revoke_token(ClientId=app.client_id, ClientSecret=second, Token=signed_in["RefreshToken"])
    # the first secret still works meanwhile
    _signed_up(idp, server, app, "bob", app.client["ClientSecret"])
    assert _sign_in(idp, app, "bob", app.client["ClientSecret"])["AccessToken"]


def test_a_deleted_secret_is_refused(idp: Any, server: Server) -> None:
    app = _app(idp)
    added = _add(idp, app)
    old = added["ClientSecretValue"]
    _signed_up(idp, server, app, "ann", old)
    signed_in = _sign_in(idp, app, "ann", old)
    hashed = {"SecretHash": secret_hash(old, "cat", app.client_id)}
    user = sign_up(idp, app.client_id, "cat", f"cat-{app.pool_id}@example.com", **hashed)

    idp.delete_user_pool_client_secret(**_ids(app), ClientSecretId=added["ClientSecretId"])

    refused = f"Unable to verify secret hash for client {app.client_id}"
    with pytest.raises(ClientError) as exc:
        _sign_in(idp, app, "ann", old)
    assert error_of(exc) == ("NotAuthorizedException", refused)
    with pytest.raises(ClientError) as exc:
        confirm(idp, server, app.client_id, user, **hashed)
    assert error_of(exc) == ("NotAuthorizedException", refused)
    with pytest.raises(ClientError) as exc:
        idp.get_tokens_from_refresh_token(
            ClientId=app.client_id, ClientSecret=old, RefreshToken=signed_in["RefreshToken"]
        )
    assert error_of(exc)[0] == "NotAuthorizedException"
    assert _sign_in(idp, app, "ann", app.client["ClientSecret"])["AccessToken"]
    described = idp.describe_user_pool_client(**_ids(app))["UserPoolClient"]
    assert described["ClientSecret"] == app.client["ClientSecret"]


def test_deleting_the_original_hides_it_and_the_last_stays(idp: Any, server: Server) -> None:
    app = _app(idp)
    original = _listed(idp, app)[0]["ClientSecretId"]
    added = _add(idp, app)

    idp.delete_user_pool_client_secret(**_ids(app), ClientSecretId=original)

    described = idp.describe_user_pool_client(**_ids(app))["UserPoolClient"]
    assert "ClientSecret" not in described
    assert [s["ClientSecretId"] for s in _listed(idp, app)] == [added["ClientSecretId"]]
    with pytest.raises(ClientError) as exc:
        _signed_up(idp, server, app, "ann", app.client["ClientSecret"])
    assert error_of(exc)[0] == "NotAuthorizedException"
    _signed_up(idp, server, app, "bob", added["ClientSecretValue"])
    # Still a confidential client: a request without a hash is refused.
    with pytest.raises(ClientError) as exc:
        idp.sign_up(ClientId=app.client_id, Username="dan", Password=PASSWORD)
    assert error_of(exc)[0] == "NotAuthorizedException"
    with pytest.raises(ClientError) as exc:
        idp.delete_user_pool_client_secret(**_ids(app), ClientSecretId=added["ClientSecretId"])
    assert error_of(exc) == (
        "InvalidParameterException",
        "The last remaining client secret of an app client cannot be deleted.",
    )
    replacement = _add(idp, app)  # room for a second again
    assert len(_listed(idp, app)) == 2
    assert _sign_in(idp, app, "bob", replacement["ClientSecretValue"])["AccessToken"]


def test_create_user_pool_client_takes_a_supplied_secret(idp: Any, server: Server) -> None:
    app = _app(idp, ClientSecret=SUPPLIED)
    assert app.client["ClientSecret"] == SUPPLIED
    described = idp.describe_user_pool_client(**_ids(app))["UserPoolClient"]
    assert described["ClientSecret"] == SUPPLIED
    _signed_up(idp, server, app, "ann", SUPPLIED)
    with pytest.raises(ClientError) as exc:
        idp.create_user_pool_client(
            UserPoolId=app.pool_id, ClientName="both", GenerateSecret=True, ClientSecret=SUPPLIED
        )
    assert error_of(exc) == (
        "InvalidParameterException",
        "A ClientSecret cannot be given together with GenerateSecret true.",
    )
    unchecked = server.client(parameter_validation=False)  # the server's own check
    with pytest.raises(ClientError) as exc:
        unchecked.create_user_pool_client(
            UserPoolId=app.pool_id, ClientName="short", ClientSecret="too_short"
        )
    assert error_of(exc)[0] == "InvalidParameterException"


def _every_value(srv: Server) -> list[str]:
    """Every text or bytes value of every table, as text."""
    if srv.db.startswith("postgresql://"):
        tables = srv.sql(
            "SELECT table_name FROM information_schema.tables WHERE table_schema=current_schema()"
        )
    else:
        tables = srv.sql("SELECT name FROM sqlite_master WHERE type='table'")
    found = []
    for (table,) in tables:
        for row in srv.sql(f'SELECT * FROM "{table}"'):
            found += [
                v if isinstance(v, str) else bytes(v).decode("latin-1")
                for v in row
                if isinstance(v, str | bytes | memoryview)
            ]
    return found


def test_no_secret_is_stored_in_clear(idp: Any, server: Server) -> None:
    app = _app(idp, ClientSecret=SUPPLIED)
    generated = _add(idp, app)["ClientSecretValue"]
    other = _app(idp)
    added = _add(idp, other, ClientSecret=SUPPLIED[::-1])
    assert "ClientSecretValue" not in added

    values = _every_value(server)
    for secret in (SUPPLIED, generated, other.client["ClientSecret"], SUPPLIED[::-1]):
        assert not [v for v in values if secret in v]


def _own_key(tmp_path: Path) -> dict[str, str]:
    """A PostgreSQL server's own key file (rotation changes it; the run's is shared)."""
    if os.environ.get("USERPOOL_TEST_BACKEND") != "postgresql":
        return {}
    return {"USERPOOL_MASTER_KEY_FILE": str(tmp_path / "master.key")}


def test_both_secrets_survive_a_master_key_rotation(tmp_path: Path, started: list[Server]) -> None:
    srv = Server(tmp_path, env=_own_key(tmp_path)).start()
    started.append(srv)
    idp = srv.client()
    app = _app(idp)
    second = _add(idp, app)["ClientSecretValue"]
    before = srv.sql("SELECT secret FROM clients WHERE id=?", app.client_id)
    srv.stop()

    done = subprocess.run(
        [USERPOOL, "keys", "rotate-master", "--db", srv.db],
        capture_output=True,
        text=True,
        timeout=60,
        env=srv.env,
    )
    assert done.returncode == 0, done.stderr
    assert srv.sql("SELECT secret FROM clients WHERE id=?", app.client_id) != before
    srv.start()
    idp = srv.client()
    for name, secret in (("ann", app.client["ClientSecret"]), ("bob", second)):
        _signed_up(idp, srv, app, name, secret)
        assert _sign_in(idp, app, name, secret)["AccessToken"]
    described = idp.describe_user_pool_client(**_ids(app))["UserPoolClient"]
    assert described["ClientSecret"] == app.client["ClientSecret"]
