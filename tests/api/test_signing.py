"""Signed (administrative) operations need a SigV4 signature from a key the server knows."""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import select
import stat
import subprocess
import time
from pathlib import Path
from typing import Any
from unittest import mock

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.helpers import USERPOOL, Server, error_of, free_port, server_db


def _client(server: Server, key_id: str, secret: str) -> Any:
    return boto3.client(
        "cognito-idp",
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": 1}),
    )


def test_unsigned_admin_call_is_refused(server: Server) -> None:
    from botocore import UNSIGNED

    unsigned = boto3.client(
        "cognito-idp",
        endpoint_url=server.url,
        region_name="us-east-1",
        config=Config(signature_version=UNSIGNED),
    )
    with pytest.raises(ClientError) as exc:
        unsigned.list_user_pools(MaxResults=1)
    assert error_of(exc) == ("MissingAuthenticationTokenException", "Missing Authentication Token")


def test_unknown_access_key_is_unrecognized(server: Server) -> None:
    with pytest.raises(ClientError) as exc:
        _client(server, "AKIANOTAKEY000000000", "x" * 40).list_user_pools(MaxResults=1)
    assert error_of(exc) == (
        "UnrecognizedClientException",
        "The security token included in the request is invalid.",
    )


def test_wrong_secret_is_an_invalid_signature(server: Server) -> None:
    with pytest.raises(ClientError) as exc:
        _client(server, server.key_id, "wrong" * 8).list_user_pools(MaxResults=1)
    code, message = error_of(exc)
    assert code == "InvalidSignatureException"
    assert message.startswith("The request signature we calculated does not match")


def test_signature_for_another_region_or_service_is_refused(server: Server) -> None:
    """A correct signature by a known key, scoped to another region or service, is refused:
    a signature is only good for the endpoint and service it was made for."""
    elsewhere = boto3.client(
        "cognito-idp",
        endpoint_url=server.url,
        region_name="eu-west-1",
        aws_access_key_id=server.key_id,
        aws_secret_access_key=server.key_secret,
        config=Config(retries={"max_attempts": 1}),
    )
    with pytest.raises(ClientError) as exc:
        elsewhere.list_user_pools(MaxResults=1)
    assert error_of(exc) == (
        "InvalidSignatureException",
        "Credential should be scoped to a valid region, not 'eu-west-1'. ",
    )
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    body = b'{"MaxResults": 1}'
    request = AWSRequest(
        "POST",
        f"{server.url}/",
        data=body,
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "AWSCognitoIdentityProviderService.ListUserPools",
        },
    )
    credentials = Credentials(server.key_id, server.key_secret)
    SigV4Auth(credentials, "cognito-identity", "us-east-1").add_auth(request)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request("POST", "/", body=body, headers=dict(request.headers.items()))
    answer = json.loads(conn.getresponse().read())
    conn.close()
    assert answer == {
        "__type": "InvalidSignatureException",
        "message": "Credential should be scoped to correct service: 'cognito-idp'. ",
    }


def test_signature_from_ten_minutes_ago_has_expired(server: Server) -> None:
    past = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(minutes=10)
    client = _client(server, server.key_id, server.key_secret)
    with (
        mock.patch("botocore.auth.get_current_datetime", return_value=past),
        pytest.raises(ClientError) as exc,
    ):
        client.list_user_pools(MaxResults=1)
    code, message = error_of(exc)
    assert code == "InvalidSignatureException" and message.startswith("Signature expired: ")


def test_signature_without_the_target_signed_is_refused(server: Server) -> None:
    import http.client

    from tests.helpers import sign

    body = b'{"MaxResults": 1}'
    headers = sign(server, {"Content-Type": "application/x-amz-json-1.1"}, body)
    headers["X-Amz-Target"] = "AWSCognitoIdentityProviderService.ListUserPools"
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request("POST", "/", body=body, headers=headers)
    answer = json.loads(conn.getresponse().read())
    conn.close()
    assert answer["__type"] == "InvalidSignatureException"


def test_public_operations_need_no_signature(server: Server, pool: dict[str, Any]) -> None:
    from botocore import UNSIGNED

    idp = server.client()
    client = idp.create_user_pool_client(UserPoolId=pool["Id"], ClientName="c")["UserPoolClient"]
    unsigned = boto3.client(
        "cognito-idp",
        endpoint_url=server.url,
        region_name="us-east-1",
        config=Config(signature_version=UNSIGNED),
    )
    unsigned.sign_up(ClientId=client["ClientId"], Username="free", Password="Passw0rd!")
    badly_signed = _client(server, "AKIANOTAKEY000000000", "x" * 40)
    badly_signed.sign_up(ClientId=client["ClientId"], Username="free2", Password="Passw0rd!")


def test_revoked_key_is_refused(server: Server) -> None:
    made = json.loads(
        subprocess.run(
            [USERPOOL, "keys", "create", "--db", server.db, "--output", "json"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    client = _client(server, made["AccessKeyId"], made["SecretAccessKey"])
    client.list_user_pools(MaxResults=1)
    subprocess.run([USERPOOL, "keys", "revoke", "--db", server.db, made["AccessKeyId"]], check=True)
    listed = subprocess.run(
        [USERPOOL, "keys", "list", "--db", server.db], capture_output=True, text=True, check=True
    ).stdout
    assert f"{made['AccessKeyId']}" in listed and "revoked" in listed
    with pytest.raises(ClientError) as exc:
        client.list_user_pools(MaxResults=1)
    assert error_of(exc)[0] == "UnrecognizedClientException"


def test_keys_are_stored_sealed(server: Server) -> None:
    (sealed,) = server.sql("SELECT secret FROM access_keys WHERE access_key_id=?", server.key_id)[0]
    assert server.key_secret not in sealed


def test_first_start_key_goes_to_a_private_file_not_to_a_log(tmp_path: Path) -> None:
    srv = Server(tmp_path)
    srv.key_id = "preset"  # keep the helper from creating a key first
    srv.start()  # stdout is the log file: what a service manager does
    try:
        log = srv.log.read_text()
        path = Path(log.split("its secret in ")[1].split()[0])
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        text = path.read_text()
        key_id = text.split("export AWS_ACCESS_KEY_ID=")[1].split()[0]
        secret = text.split("export AWS_SECRET_ACCESS_KEY=")[1].split()[0]
        assert key_id in log and secret not in log and "SECRET_ACCESS_KEY" not in log
        _client(srv, key_id, secret).list_user_pools(MaxResults=1)
    finally:
        srv.stop()


def test_first_start_key_is_printed_to_a_terminal(tmp_path: Path) -> None:
    import pty

    main, side = pty.openpty()
    port = free_port()
    db = server_db(tmp_path)
    proc = subprocess.Popen(
        [USERPOOL, "serve", "--port", str(port), "--db", db],
        stdout=side,
        stderr=subprocess.DEVNULL,
    )
    os.close(side)
    seen = b""
    try:
        deadline = time.monotonic() + 20
        while b" on http://" not in seen and time.monotonic() < deadline:
            if select.select([main], [], [], 1)[0]:
                seen += os.read(main, 4096)
        text = seen.decode()
        key_id = text.split("export AWS_ACCESS_KEY_ID=")[1].split()[0]
        secret = text.split("export AWS_SECRET_ACCESS_KEY=")[1].split()[0]
        assert not list(tmp_path.glob("*access-key*"))
        srv = Server(tmp_path, db=db)
        srv.port = port
        _client(srv, key_id, secret).list_user_pools(MaxResults=1)
    finally:
        proc.terminate()
        proc.wait(10)
        os.close(main)


def test_dev_mode_accepts_any_credentials(tmp_path: Path) -> None:
    srv = Server(tmp_path, "--dev").start()
    try:
        _client(srv, "AKIDANYTHING", "whatever").list_user_pools(MaxResults=1)
        # ...but not from a web page: a browser's request names its Origin
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
        conn.request(
            "POST",
            "/",
            body=b"{}",
            headers={
                "Content-Type": "application/x-amz-json-1.1",
                "X-Amz-Target": "AWSCognitoIdentityProviderService.ListUserPools",
                "Origin": "https://attacker.example",
            },
        )
        answer = json.loads(conn.getresponse().read())
        conn.close()
        assert answer["__type"] == "MissingAuthenticationTokenException"
    finally:
        srv.stop()


def test_dev_mode_is_refused_off_loopback(tmp_path: Path) -> None:
    done = subprocess.run(
        [USERPOOL, "serve", "--dev", "--host", "0.0.0.0", "--db", str(tmp_path / "db.sqlite")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2 and "refused" in done.stderr
