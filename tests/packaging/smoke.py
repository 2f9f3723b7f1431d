"""The smoke test both packagings pass: a pool, an app client, SignUp and ConfirmSignUp
through boto3 against a running server, the code read from its outbox by a command."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from typing import Any

import boto3
from botocore.config import Config


def client(url: str, key_id: str, key_secret: str) -> Any:
    """A boto3 cognito-idp client for the server at ``url``, signing with that access key."""
    return boto3.client(
        "cognito-idp",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=key_id,
        aws_secret_access_key=key_secret,
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )


def code_in(outbox: str, address: str) -> str:
    """The code of the newest message to ``address`` in ``userpool outbox`` output (a line
    naming the destination, then the message's text indented)."""
    lines = outbox.splitlines()
    texts = [lines[i + 1] for i in range(len(lines) - 1) if f" {address} " in lines[i]]
    assert texts, f"no message to {address} in:\n{outbox}"
    found = re.findall(r"(?<!\d)\d{6}(?!\d)", texts[-1])
    assert found, f"no code in:\n{outbox}"
    return str(found[-1])


def sign_up_and_confirm(idp: Any, outbox: Callable[[], str]) -> str:
    """Create a pool and a client, sign a user up, confirm with the code from ``outbox()``
    (the output of ``userpool outbox --limit 1``), and see the user CONFIRMED; the pool's id."""
    pool = idp.create_user_pool(PoolName="smoke", AutoVerifiedAttributes=["email"])["UserPool"]
    app = idp.create_user_pool_client(UserPoolId=pool["Id"], ClientName="web")["UserPoolClient"]
    address = f"smoke-{secrets.token_hex(4)}@example.com"
    signed_up = idp.sign_up(
        ClientId=app["ClientId"],
        Username="alice",
        Password="Passw0rd!" + secrets.token_hex(4),
        UserAttributes=[{"Name": "email", "Value": address}],
    )
    assert signed_up["UserConfirmed"] is False
    assert signed_up["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    code = code_in(outbox(), address)
    idp.confirm_sign_up(ClientId=app["ClientId"], Username="alice", ConfirmationCode=code)
    user = idp.admin_get_user(UserPoolId=pool["Id"], Username="alice")
    assert user["UserStatus"] == "CONFIRMED"
    attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert attributes["sub"] == signed_up["UserSub"]
    assert attributes["email_verified"] == "true"
    return str(pool["Id"])
