"""``/oauth2/revoke`` (refresh tokens, as Cognito's revocation endpoint) and
``/oauth2/userInfo`` (access tokens with the ``openid`` scope), by raw HTTP requests, with
tokens from InitiateAuth."""

from __future__ import annotations

import http.client
import itertools
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from botocore.exceptions import ClientError

from tests.api.test_oauth_token import basic, post
from tests.helpers import ROOT, Server, error_of

PASSWORD = "Passw0rd!"
ARN = "arn:aws:lambda:us-east-1:123456789012:function:add_openid"
_n = itertools.count()


def _app(idp: Any, secret: bool = False, **client: Any) -> dict[str, Any]:
    """A pool, a user (verified email) and a client with password sign-in."""
    pool_id = idp.create_user_pool(PoolName=f"rv{next(_n)}", **client.pop("pool", {}))["UserPool"][
        "Id"
    ]
    made = idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="web",
        GenerateSecret=secret,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        **client,
    )["UserPoolClient"]
    name = f"ann{next(_n)}"
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username=name,
        MessageAction="SUPPRESS",
        UserAttributes=[
            {"Name": "email", "Value": f"{name}@example.com"},
            {"Name": "email_verified", "Value": "true"},
            {"Name": "name", "Value": "Ann"},
        ],
    )
    idp.admin_set_user_password(
        UserPoolId=pool_id, Username=name, Password=PASSWORD, Permanent=True
    )
    return {"pool": pool_id, "client": made, "user": name}


def _sign_in(idp: Any, app: dict[str, Any]) -> dict[str, Any]:
    params = {"USERNAME": app["user"], "PASSWORD": PASSWORD}
    secret = app["client"].get("ClientSecret")
    if secret:
        from tests.helpers import secret_hash

        params["SECRET_HASH"] = secret_hash(secret, app["user"], app["client"]["ClientId"])
    answer = idp.initiate_auth(
        ClientId=app["client"]["ClientId"], AuthFlow="USER_PASSWORD_AUTH", AuthParameters=params
    )
    return dict(answer["AuthenticationResult"])


def _revoke(server: Server, fields: dict[str, str], **headers: str) -> tuple[int, bytes]:
    status, _, body = post(server, "/oauth2/revoke", fields, headers)
    return status, body


def test_revoking_a_refresh_token_ends_its_sign_in(server: Server, idp: Any) -> None:
    app = _app(idp)
    cid = app["client"]["ClientId"]
    tokens = _sign_in(idp, app)
    assert _revoke(server, {"token": tokens["RefreshToken"], "client_id": cid}) == (200, b"")
    with pytest.raises(ClientError) as exc:
        idp.initiate_auth(
            ClientId=cid,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]},
        )
    assert error_of(exc)[0] == "NotAuthorizedException"
    with pytest.raises(ClientError) as exc:
        idp.get_user(AccessToken=tokens["AccessToken"])
    assert error_of(exc) == ("NotAuthorizedException", "Access Token has been revoked")
    # again, or a token nobody issued: success all the same
    assert _revoke(server, {"token": tokens["RefreshToken"], "client_id": cid}) == (200, b"")
    assert _revoke(server, {"token": "x" * 40, "client_id": cid}) == (200, b"")


def test_a_confidential_client_authenticates_to_revoke(server: Server, idp: Any) -> None:
    app = _app(idp, secret=True)
    cid, secret = app["client"]["ClientId"], app["client"]["ClientSecret"]
    tokens = _sign_in(idp, app)
    status, body = _revoke(server, {"token": tokens["RefreshToken"]}, **basic(cid, "wrong"))
    assert (status, json.loads(body)) == (401, {"error": "invalid_client"})
    status, body = _revoke(server, {"token": tokens["RefreshToken"], "client_id": cid})
    assert (status, json.loads(body)) == (401, {"error": "invalid_client"})
    idp.get_user(AccessToken=tokens["AccessToken"])  # still signed in
    assert _revoke(server, {"token": tokens["RefreshToken"]}, **basic(cid, secret)) == (200, b"")
    with pytest.raises(ClientError):
        idp.get_user(AccessToken=tokens["AccessToken"])


def test_revocation_errors(server: Server, idp: Any) -> None:
    app = _app(idp)
    cid = app["client"]["ClientId"]
    tokens = _sign_in(idp, app)
    status, body = _revoke(server, {"client_id": cid})
    assert (status, json.loads(body)) == (400, {"error": "invalid_request"})
    status, body = _revoke(server, {"token": tokens["AccessToken"], "client_id": cid})
    assert (status, json.loads(body)) == (400, {"error": "unsupported_token_type"})
    other = _app(idp, EnableTokenRevocation=False)
    other_tokens = _sign_in(idp, other)
    fields = {"token": other_tokens["RefreshToken"], "client_id": other["client"]["ClientId"]}
    status, body = _revoke(server, fields)
    assert (status, json.loads(body)) == (400, {"error": "invalid_request"})
    # another client's refresh token is left alone
    assert _revoke(server, {"token": other_tokens["RefreshToken"], "client_id": cid}) == (200, b"")
    idp.get_user(AccessToken=other_tokens["AccessToken"])


@pytest.fixture(scope="module")
def triggered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("userinfo")
    env = {"PYTHONPATH": str(ROOT), "TRIGGER_EVENTS": str(tmp / "events.jsonl")}
    srv = Server(
        tmp, "--trigger", ARN, "python:tests.trigger_functions:add_openid", env=env
    ).start()
    yield srv
    srv.stop()


def _user_info(
    server: Server, token: str | None, method: str = "GET", path: str = "/oauth2/userInfo"
) -> tuple[int, dict[str, str], Any]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    try:
        conn.request(method, path, body=b"" if method == "POST" else None, headers=headers)
        response = conn.getresponse()
        head = {k.lower(): v for k, v in response.getheaders()}
        return response.status, head, json.loads(response.read() or b"null")
    finally:
        conn.close()


def _openid_app(srv: Server, **client: Any) -> dict[str, Any]:
    config = {"PreTokenGenerationConfig": {"LambdaVersion": "V2_0", "LambdaArn": ARN}}
    return _app(srv.client(), pool={"LambdaConfig": config}, **client)


def test_user_info_answers_for_an_openid_token(triggered: Server) -> None:
    app = _openid_app(triggered)
    token = _sign_in(triggered.client(), app)["AccessToken"]
    sub = next(
        a["Value"]
        for a in triggered.client().admin_get_user(UserPoolId=app["pool"], Username=app["user"])[
            "UserAttributes"
        ]
        if a["Name"] == "sub"
    )
    expected = {
        "sub": sub,
        "email_verified": "true",
        "email": f"{app['user']}@example.com",
        "username": app["user"],
    }
    for method, path in (
        ("GET", "/oauth2/userInfo"),
        ("POST", "/oauth2/userInfo"),
        ("GET", "/oauth2/userinfo"),
        ("GET", f"/{app['pool']}/userInfo"),
    ):
        status, head, body = _user_info(triggered, token, method, path)
        assert (status, body) == (200, expected), (method, path)
        assert list(body)[0] == "sub" and list(body)[-1] == "username"
        assert head["content-type"] == "application/json;charset=UTF-8"
        assert "no-store" in head["cache-control"] and head["x-frame-options"] == "DENY"


def test_user_info_shows_only_what_the_client_reads(triggered: Server) -> None:
    app = _openid_app(triggered, ReadAttributes=["name"])
    token = _sign_in(triggered.client(), app)["AccessToken"]
    status, _, body = _user_info(triggered, token)
    assert status == 200 and set(body) == {"sub", "username"}  # email scope, email unreadable


def test_user_info_refusals(server: Server, triggered: Server, idp: Any) -> None:
    plain = _app(idp)
    tokens = _sign_in(idp, plain)
    status, head, body = _user_info(server, tokens["AccessToken"])
    assert (status, body["error"]) == (401, "invalid_token")
    assert "does not contain openid scope" in head["www-authenticate"]
    status, head, _ = _user_info(server, None)
    assert status == 400
    assert head["www-authenticate"] == (
        'error="invalid_request", error_description="Bad OAuth2 request at UserInfo Endpoint"'
    )
    status, head, _ = _user_info(server, "not.a.token")
    assert status == 401 and head["www-authenticate"].startswith('error="invalid_token"')
    app = _openid_app(triggered)
    token = _sign_in(triggered.client(), app)["AccessToken"]
    triggered.client().global_sign_out(AccessToken=token)
    status, head, _ = _user_info(triggered, token)
    assert status == 401 and "globally signed out" in head["www-authenticate"]
    status, _, _ = _user_info(triggered, token, "DELETE")
    assert status == 405


def test_form_fields_are_bounded_in_the_query_too(server: Server) -> None:
    query = urlencode({"x": "y" * (17 << 10)})
    status, _, body = post(server, f"/oauth2/token?{query}", {"grant_type": "client_credentials"})
    assert (status, json.loads(body)) == (400, {"error": "invalid_request"})
