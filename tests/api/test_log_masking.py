"""Nothing sensitive in the server's output, even at ``--log-level debug``.

A real server logs every request and response body (masked) while a client signs up,
confirms, signs in, refreshes and revokes; codes go out by SMTP (the console sender
prints them by design). Then the server's captured stdout and stderr are searched for
every secret the client sent or received.
"""

from __future__ import annotations

import base64
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from botocore.exceptions import ClientError

from tests.api.test_smtp import Inbox, code_in
from tests.helpers import Server, free_port, secret_hash

PASSWORD = "Log-Masked-Passw0rd!"
USERNAME = "maskeduser"
EMAIL = "masked@example.com"


@pytest.fixture
def debug_server(tmp: Path) -> Iterator[tuple[Server, Inbox]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    srv = Server(
        tmp,
        *("--sender", "smtp", "--smtp-host", "127.0.0.1", "--smtp-port", str(port)),
        *("--log-level", "debug"),
    )
    try:
        yield srv.start(), inbox
    finally:
        srv.stop()
        controller.stop()


def _secret_flow(srv: Server, inbox: Inbox) -> tuple[list[str], str]:
    """Run the flow; return (secrets the log must not hold, the confirmation code)."""
    idp = srv.client()
    pool = idp.create_user_pool(PoolName="masked", AutoVerifiedAttributes=["email"])["UserPool"]
    app = idp.create_user_pool_client(
        UserPoolId=pool["Id"],
        ClientName="web",
        GenerateSecret=True,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]
    client_id, client_secret = app["ClientId"], app["ClientSecret"]
    hashed = secret_hash(client_secret, USERNAME, client_id)

    idp.sign_up(
        ClientId=client_id,
        SecretHash=hashed,
        Username=USERNAME,
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": EMAIL}],
    )
    code = code_in(inbox.wait_for(EMAIL))
    wrong_code = "999999" if code != "999999" else "888888"
    with pytest.raises(ClientError):
        idp.confirm_sign_up(
            ClientId=client_id, SecretHash=hashed, Username=USERNAME, ConfirmationCode=wrong_code
        )
    idp.confirm_sign_up(
        ClientId=client_id, SecretHash=hashed, Username=USERNAME, ConfirmationCode=code
    )
    wrong_password = "Not-The-Passw0rd!"
    with pytest.raises(ClientError):
        idp.initiate_auth(
            AuthFlow="USER_PASSWORD_AUTH",
            ClientId=client_id,
            AuthParameters={
                "USERNAME": USERNAME,
                "PASSWORD": wrong_password,
                "SECRET_HASH": hashed,
            },
        )
    tokens = idp.initiate_auth(
        AuthFlow="USER_PASSWORD_AUTH",
        ClientId=client_id,
        AuthParameters={"USERNAME": USERNAME, "PASSWORD": PASSWORD, "SECRET_HASH": hashed},
    )["AuthenticationResult"]
    assert idp.get_user(AccessToken=tokens["AccessToken"])["Username"] == USERNAME
    refreshed = idp.initiate_auth(
        AuthFlow="REFRESH_TOKEN_AUTH",
        ClientId=client_id,
        AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"], "SECRET_HASH": hashed},
    )["AuthenticationResult"]
    idp.revoke_token(Token=tokens["RefreshToken"], ClientId=client_id, ClientSecret=client_secret)
    with pytest.raises(ClientError):
        idp.get_user(AccessToken=refreshed["AccessToken"])

    jwts = [tokens["AccessToken"], tokens["IdToken"], refreshed["AccessToken"]]
    jwts += [refreshed["IdToken"]]
    secrets = [PASSWORD, wrong_password, client_secret, hashed, tokens["RefreshToken"]]
    secrets += [USERNAME]  # the model marks usernames sensitive too
    secrets += jwts + [jwt.split(".")[2] for jwt in jwts]  # a signature alone is a leak too
    return secrets + [wrong_code], code


def test_debug_log_shows_operations_and_masked_bodies_but_no_secret(
    debug_server: tuple[Server, Inbox],
) -> None:
    srv, inbox = debug_server
    secrets, code = _secret_flow(srv, inbox)
    srv.stop()  # every line flushed
    log = srv.log.read_text()

    for op in ("SignUp", "ConfirmSignUp", "InitiateAuth", "GetUser", "RevokeToken"):
        assert f"op={op} status=200" in log, op
    assert "op=ConfirmSignUp status=400 error=CodeMismatchException" in log
    assert "op=InitiateAuth status=400 error=NotAuthorizedException" in log
    # Bodies were logged, with their keys and masked values.
    assert '"Password":"***"' in log
    assert '"ConfirmationCode":"***"' in log
    assert '"AuthParameters":"***"' in log
    assert '"AccessToken":"***"' in log
    assert '"ClientSecret":"***"' in log
    assert '"ExpiresIn":3600' in log  # what is not sensitive is shown

    leaked = [s for s in secrets if s in log]
    assert not leaked, f"{len(leaked)} secret(s) in the server's output"
    # A six-digit code could appear inside a request id: only a code on its own counts.
    assert not re.search(rf"(?<![0-9a-zA-Z]){code}(?![0-9a-zA-Z])", log)


def test_user_attribute_values_are_masked_but_names_shown(
    debug_server: tuple[Server, Inbox],
) -> None:
    srv, _ = debug_server
    idp: Any = srv.client()
    pool = idp.create_user_pool(PoolName="attrs")["UserPool"]
    idp.admin_create_user(
        UserPoolId=pool["Id"],
        Username="someone",
        TemporaryPassword="Temp-Passw0rd!",
        UserAttributes=[{"Name": "given_name", "Value": "Distinctivename"}],
        MessageAction="SUPPRESS",
    )
    srv.stop()
    log = srv.log.read_text()

    assert "op=AdminCreateUser status=200" in log
    assert '{"Name":"given_name","Value":"***"}' in log
    assert "Distinctivename" not in log
    assert "Temp-Passw0rd!" not in log
    assert pool["Id"] in log  # not sensitive: shown


def test_srp_secret_block_is_masked_in_responses_and_requests(
    debug_server: tuple[Server, Inbox],
) -> None:
    srv, _ = debug_server
    idp = srv.client()
    pool = idp.create_user_pool(PoolName="srp")["UserPool"]
    client_id = idp.create_user_pool_client(
        UserPoolId=pool["Id"], ClientName="web", ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH"]
    )["UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=pool["Id"], Username=USERNAME, MessageAction="SUPPRESS")
    idp.admin_set_user_password(
        UserPoolId=pool["Id"], Username=USERNAME, Password=PASSWORD, Permanent=True
    )
    challenge = idp.initiate_auth(
        AuthFlow="USER_SRP_AUTH",
        ClientId=client_id,
        AuthParameters={"USERNAME": USERNAME, "SRP_A": secrets.token_hex(256)},
    )
    block = challenge["ChallengeParameters"]["SECRET_BLOCK"]
    with pytest.raises(ClientError):
        idp.respond_to_auth_challenge(
            ClientId=client_id,
            ChallengeName="PASSWORD_VERIFIER",
            ChallengeResponses={
                "USERNAME": USERNAME,
                "PASSWORD_CLAIM_SECRET_BLOCK": block,
                "PASSWORD_CLAIM_SIGNATURE": base64.b64encode(b"x" * 32).decode(),
                "TIMESTAMP": "Mon Dec 7 18:00:00 UTC 2026",
            },
        )
    srv.stop()
    log = srv.log.read_text()
    assert '"SECRET_BLOCK":"***"' in log and '"SRP_B":"' in log  # masked, not dropped
    assert '"ChallengeResponses":"***"' in log
    assert block not in log and block[:40] not in log
    assert USERNAME not in log
