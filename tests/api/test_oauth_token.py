"""The token endpoint's client_credentials grant, with a real OAuth client (authlib) and
raw HTTP requests: client authentication by Basic and by form, scopes, where the endpoint
answers (root, pool path, domain host and path), RFC 6749 errors, limits, and the access
token verified against the pool's JWKS (pyjwt)."""

from __future__ import annotations

import base64
import http.client
import itertools
import json
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jwt
import pytest
from authlib.integrations.requests_client import OAuth2Session
from botocore.exceptions import ClientError

from tests.helpers import Server, away_from_minute_end, error_of

API = "https://api.example.com"
READ, WRITE = f"{API}/read", f"{API}/write"
FORM = "application/x-www-form-urlencoded"
_n = itertools.count()


def make_m2m(idp: Any, **client: Any) -> dict[str, str]:
    """A pool with a resource server (read, write) and a client_credentials client."""
    pool_id = idp.create_user_pool(PoolName=f"m2m{next(_n)}")["UserPool"]["Id"]
    scopes = [{"ScopeName": n, "ScopeDescription": n} for n in ("read", "write")]
    idp.create_resource_server(UserPoolId=pool_id, Identifier=API, Name="api", Scopes=scopes)
    settings = {
        "GenerateSecret": True,
        "AllowedOAuthFlows": ["client_credentials"],
        "AllowedOAuthScopes": [READ, WRITE],
        "AllowedOAuthFlowsUserPoolClient": True,
        "AccessTokenValidity": 5,
        "TokenValidityUnits": {"AccessToken": "minutes"},
        **client,
    }
    made = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="svc", **settings)
    c = made["UserPoolClient"]
    return {"pool": pool_id, "id": c["ClientId"], "secret": c.get("ClientSecret", "")}


@pytest.fixture
def m2m(idp: Any) -> dict[str, str]:
    return make_m2m(idp)


def basic(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def post(
    server: Server,
    path: str,
    fields: dict[str, str] | bytes,
    headers: dict[str, str] | None = None,
    method: str = "POST",
) -> tuple[int, dict[str, str], bytes]:
    """A raw request; (status, lower-cased headers, body)."""
    body = fields if isinstance(fields, bytes) else urlencode(fields).encode()
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request(method, path, body=body, headers={"Content-Type": FORM, **(headers or {})})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def error(server: Server, path: str, fields: dict[str, str] | bytes, **headers: str) -> Any:
    status, head, body = post(server, path, fields, headers)
    assert head["content-type"] == "application/json;charset=UTF-8", (status, body)
    return status, json.loads(body)


def verified(server: Server, pool_id: str, token: str) -> dict[str, Any]:
    """The token's claims, its signature checked against the JWKS that discovery names."""
    url = f"{server.url}/{pool_id}/.well-known/openid-configuration"
    config = json.loads(urllib.request.urlopen(url).read())
    key = jwt.PyJWKClient(config["jwks_uri"], cache_keys=False).get_signing_key_from_jwt(token)
    claims: dict[str, Any] = jwt.decode(
        token, key.key, algorithms=["RS256"], issuer=config["issuer"], options={"verify_aud": False}
    )
    return claims


@pytest.mark.parametrize("method", ["client_secret_basic", "client_secret_post"])
def test_authlib_gets_a_verifiable_machine_token(
    server: Server, m2m: dict[str, str], method: str
) -> None:
    session = OAuth2Session(m2m["id"], m2m["secret"], token_endpoint_auth_method=method)
    token = session.fetch_token(f"{server.url}/oauth2/token", grant_type="client_credentials")
    assert token["token_type"] == "Bearer" and token["expires_in"] == 300
    assert "id_token" not in token and "refresh_token" not in token
    claims = verified(server, m2m["pool"], token["access_token"])
    assert claims["sub"] == claims["client_id"] == m2m["id"]
    assert claims["token_use"] == "access" and claims["version"] == 2
    assert claims["scope"].split() == [READ, WRITE]
    assert claims["exp"] - claims["iat"] == 300 and claims["auth_time"] == claims["iat"]
    assert not {"username", "cognito:groups", "origin_jti", "event_id"} & set(claims)


def test_the_token_endpoint_discovery_names_serves_the_pool(
    server: Server, m2m: dict[str, str]
) -> None:
    url = f"{server.url}/{m2m['pool']}/.well-known/openid-configuration"
    config = json.loads(urllib.request.urlopen(url).read())
    assert config["token_endpoint"] == f"{server.url}/{m2m['pool']}/token"
    session = OAuth2Session(m2m["id"], m2m["secret"], scope=READ)
    token = session.fetch_token(config["token_endpoint"], grant_type="client_credentials")
    assert verified(server, m2m["pool"], token["access_token"])["scope"] == READ


def test_requested_scopes_must_be_allowed(server: Server, m2m: dict[str, str]) -> None:
    auth = basic(m2m["id"], m2m["secret"])
    grant = {"grant_type": "client_credentials"}
    status, body = error(server, "/oauth2/token", {**grant, "scope": f"{WRITE} {READ}"}, **auth)
    assert status == 200 and verified(server, m2m["pool"], body["access_token"])["scope"] == (
        f"{WRITE} {READ}"
    )
    for scope in ("openid", f"{API}/admin", f"{READ} https://other.example.com/read"):
        assert error(server, "/oauth2/token", {**grant, "scope": scope}, **auth) == (
            400,
            {"error": "invalid_scope"},
        )


def test_a_deleted_scope_is_dropped_from_tokens(
    server: Server, idp: Any, m2m: dict[str, str]
) -> None:
    idp.update_resource_server(
        UserPoolId=m2m["pool"],
        Identifier=API,
        Name="api",
        Scopes=[{"ScopeName": "read", "ScopeDescription": "read"}],
    )
    auth = basic(m2m["id"], m2m["secret"])
    status, body = error(server, "/oauth2/token", {"grant_type": "client_credentials"}, **auth)
    assert status == 200
    assert verified(server, m2m["pool"], body["access_token"])["scope"] == READ
    only_write = {"grant_type": "client_credentials", "scope": WRITE}
    assert error(server, "/oauth2/token", only_write, **auth) == (400, {"error": "invalid_scope"})


def test_client_authentication_failures_are_invalid_client(
    server: Server, m2m: dict[str, str]
) -> None:
    grant = {"grant_type": "client_credentials"}
    bad = {"error": "invalid_client"}
    cases: list[tuple[dict[str, str], dict[str, str]]] = [
        ({}, basic(m2m["id"], "wrong")),
        ({}, basic("nosuchclient", m2m["secret"])),
        ({}, {"Authorization": "Basic !!notbase64!!"}),
        ({}, {"Authorization": "Basic " + base64.b64encode(b"nocolon").decode()}),
        ({}, {"Authorization": "Bearer abc"}),
        ({"client_id": m2m["id"]}, {}),  # a confidential client without its secret
        ({"client_id": m2m["id"], "client_secret": "wrong"}, {}),
        ({"client_id": "other"}, basic(m2m["id"], m2m["secret"])),
        ({}, {}),
    ]
    for fields, headers in cases:
        assert error(server, "/oauth2/token", {**grant, **fields}, **headers) == (400, bad), fields


def test_grant_and_client_errors(server: Server, idp: Any, m2m: dict[str, str]) -> None:
    auth = basic(m2m["id"], m2m["secret"])
    assert error(server, "/oauth2/token", {}, **auth) == (400, {"error": "invalid_request"})
    for grant in ("password", "urn:ietf:params:oauth:grant-type:device_code"):
        assert error(server, "/oauth2/token", {"grant_type": grant}, **auth) == (
            400,
            {"error": "unsupported_grant_type"},
        )
    off = make_m2m(idp, AllowedOAuthFlowsUserPoolClient=False)
    assert error(
        server,
        "/oauth2/token",
        {"grant_type": "client_credentials"},
        **basic(off["id"], off["secret"]),
    ) == (400, {"error": "invalid_grant"})
    code = make_m2m(
        idp,
        AllowedOAuthFlows=["code"],
        AllowedOAuthScopes=["openid"],
        CallbackURLs=["https://app.example.com/cb"],
    )
    assert error(
        server,
        "/oauth2/token",
        {"grant_type": "client_credentials"},
        **basic(code["id"], code["secret"]),
    ) == (400, {"error": "unauthorized_client"})


def test_malformed_requests_are_invalid_request_never_a_crash(
    server: Server, m2m: dict[str, str]
) -> None:
    auth = basic(m2m["id"], m2m["secret"])
    grant = "grant_type=client_credentials"
    for body in (
        f"{grant}&{grant}".encode(),  # a parameter twice
        f"{grant}&x=".encode() + b"y" * (17 << 10),  # over the form's size
        (grant + "".join(f"&f{i}=1" for i in range(40))).encode(),  # too many fields
        b"grant_type=client_credentials&x=\xff\xfe",  # not UTF-8
        f"{grant}&aws_client_metadata=notjson".encode(),
        f"{grant}&aws_client_metadata=%5B1%5D".encode(),  # JSON, not an object of strings
    ):
        assert error(server, "/oauth2/token", body, **auth) == (400, {"error": "invalid_request"})


def test_wrong_method_or_content_type_is_405_without_a_body(
    server: Server, m2m: dict[str, str]
) -> None:
    auth = basic(m2m["id"], m2m["secret"])
    fields = {"grant_type": "client_credentials"}
    as_json = {**auth, "Content-Type": "application/json"}
    for method, headers in (("POST", as_json), ("GET", auth), ("PUT", auth)):
        status, _, body = post(server, "/oauth2/token", fields, headers, method)
        assert (status, body) == (405, b""), method


def test_answers_carry_cors_and_no_cache(server: Server, m2m: dict[str, str]) -> None:
    status, head, _ = post(
        server,
        "/oauth2/token",
        {"grant_type": "client_credentials"},
        basic(m2m["id"], m2m["secret"]),
    )
    assert status == 200 and head["access-control-allow-origin"] == "*"
    assert "no-store" in head["cache-control"]


def test_the_endpoint_answers_under_the_pool_and_its_domains(
    server: Server, idp: Any, m2m: dict[str, str]
) -> None:
    prefix = f"m2m-{time.time_ns() % 10**12:x}"
    custom = f"{prefix}.example.org"
    idp.create_user_pool_domain(Domain=prefix, UserPoolId=m2m["pool"])
    idp.create_user_pool_domain(
        Domain=custom,
        UserPoolId=m2m["pool"],
        CustomDomainConfig={"CertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/x"},
    )
    other = make_m2m(idp)
    fields = {"grant_type": "client_credentials"}
    mine, theirs = basic(m2m["id"], m2m["secret"]), basic(other["id"], other["secret"])
    prefix_host = f"{prefix}.auth.us-east-1.amazoncognito.com"
    for path, host in (
        (f"/{m2m['pool']}/token", None),
        (f"/{prefix}/oauth2/token", None),
        (f"/{custom}/oauth2/token", None),
        ("/oauth2/token", prefix_host),
        ("/oauth2/token", f"{custom}:443"),
    ):
        extra = {"Host": host} if host else {}
        assert post(server, path, fields, {**mine, **extra})[0] == 200, (path, host)
        # the pool's endpoints serve the pool's clients only
        assert error(server, path, fields, **theirs, **extra) == (400, {"error": "invalid_client"})
    for path, host in (
        ("/us-east-1_nothere1/token", None),
        ("/no-such-prefix/oauth2/token", None),
        ("/oauth2/token", "no-such-prefix.auth.us-east-1.amazoncognito.com"),
        (f"/{other['pool']}/token", prefix_host),  # the host and path disagree
    ):
        extra = {"Host": host} if host else {}
        assert post(server, path, fields, {**mine, **extra})[0] == 404, (path, host)


def test_a_machine_token_cannot_call_the_user_apis(server: Server, m2m: dict[str, str]) -> None:
    status, body = error(
        server,
        "/oauth2/token",
        {"grant_type": "client_credentials"},
        **basic(m2m["id"], m2m["secret"]),
    )
    assert status == 200
    with pytest.raises(ClientError) as exc:
        server.client().get_user(AccessToken=body["access_token"])
    assert error_of(exc) == ("NotAuthorizedException", "Access Token does not have required scopes")


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("limited")
    srv = Server(tmp, "--rate-per-client", "4", "--fail-per-ip", "3").start()
    yield srv
    srv.stop()


def test_the_endpoint_has_the_json_apis_rate_limits(limited: Server) -> None:
    away_from_minute_end()
    app = make_m2m(limited.client())
    fields = {"grant_type": "client_credentials"}
    statuses = [
        post(limited, "/oauth2/token", fields, basic(app["id"], app["secret"]))[0] for _ in range(5)
    ]
    assert statuses == [200, 200, 200, 200, 429]
    status, body = error(limited, "/oauth2/token", fields, **basic(app["id"], app["secret"]))
    assert (status, body["error"]) == (429, "too_many_requests")
    # wrong secrets are failed guesses, limited per address
    other = make_m2m(limited.client())
    wrong = basic(other["id"], "wrong")
    answers = [error(limited, "/oauth2/token", fields, **wrong)[0] for _ in range(4)]
    assert answers == [400, 400, 400, 429]


# -- PreTokenGeneration V3 ------------------------------------------------------------------
ARN = "arn:aws:lambda:us-east-1:123456789012:function:{}"


@pytest.fixture(scope="module")
def triggered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    from tests.helpers import ROOT

    tmp = tmp_path_factory.mktemp("m2m-triggers")
    args: list[str] = []
    for name in ("m2m_claims", "record"):
        args += ["--trigger", ARN.format(name), f"python:tests.trigger_functions:{name}"]
    env = {"PYTHONPATH": str(ROOT), "TRIGGER_EVENTS": str(tmp / "events.jsonl")}
    srv = Server(tmp, *args, env=env).start()
    srv.events_file = tmp / "events.jsonl"  # type: ignore[attr-defined]
    yield srv
    srv.stop()


def _events(srv: Server) -> list[dict[str, Any]]:
    path: Path = srv.events_file  # type: ignore[attr-defined]
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def _with_trigger(srv: Server, name: str, version: str) -> dict[str, str]:
    idp = srv.client()
    app = make_m2m(idp)
    config = {"PreTokenGenerationConfig": {"LambdaVersion": version, "LambdaArn": ARN.format(name)}}
    idp.update_user_pool(UserPoolId=app["pool"], LambdaConfig=config)
    return app


def test_pre_token_generation_v3_shapes_machine_tokens(triggered: Server) -> None:
    app = _with_trigger(triggered, "m2m_claims", "V3_0")
    metadata = json.dumps({"tenant": "t-42"})
    fields = {"grant_type": "client_credentials", "scope": READ, "aws_client_metadata": metadata}
    status, body = error(triggered, "/oauth2/token", fields, **basic(app["id"], app["secret"]))
    assert status == 200, body
    claims = verified(triggered, app["pool"], body["access_token"])
    assert claims["tenant"] == "t-42" and claims["sub"] == app["id"]
    assert claims["scope"].split() == [READ, f"{API}/extra"]
    assert "token_use" in claims  # a reserved claim stays whatever the function says
    event = [e for e in _events(triggered) if e["callerContext"]["clientId"] == app["id"]][-1]
    assert event["version"] == "3"
    assert event["triggerSource"] == "TokenGeneration_ClientCredentials"
    assert event["request"]["scopes"] == [READ]
    assert event["request"]["clientMetadata"] == {"tenant": "t-42"}
    assert event["request"]["userAttributes"] == {}


def test_v1_and_v2_functions_never_see_machine_tokens(triggered: Server) -> None:
    for version in ("V1_0", "V2_0"):
        app = _with_trigger(triggered, "record", version)
        status, _ = error(
            triggered,
            "/oauth2/token",
            {"grant_type": "client_credentials"},
            **basic(app["id"], app["secret"]),
        )
        assert status == 200
        assert not [e for e in _events(triggered) if e["callerContext"]["clientId"] == app["id"]]


def test_a_failing_function_is_an_oauth_error(triggered: Server) -> None:
    app = _with_trigger(triggered, "m2m_claims", "V3_0")
    fields = {"grant_type": "client_credentials", "aws_client_metadata": '{"fail": "yes"}'}
    status, body = error(triggered, "/oauth2/token", fields, **basic(app["id"], app["secret"]))
    assert status == 400 and body["error"] == "invalid_request"
    assert "Traceback" not in body.get("error_description", "")


def test_both_secrets_of_a_rotation_authenticate(server: Server, idp: Any) -> None:
    app = make_m2m(idp)
    ids = {"UserPoolId": app["pool"], "ClientId": app["id"]}
    added = idp.add_user_pool_client_secret(**ids)["ClientSecretDescriptor"]
    fields = {"grant_type": "client_credentials"}
    for secret in (app["secret"], added["ClientSecretValue"]):
        assert post(server, "/oauth2/token", fields, basic(app["id"], secret))[0] == 200
    listed = idp.list_user_pool_client_secrets(**ids)["ClientSecrets"]
    first = next(s for s in listed if s["ClientSecretId"] != added["ClientSecretId"])
    idp.delete_user_pool_client_secret(**ids, ClientSecretId=first["ClientSecretId"])
    assert error(server, "/oauth2/token", fields, **basic(app["id"], app["secret"])) == (
        400,
        {"error": "invalid_client"},
    )
    assert (
        post(server, "/oauth2/token", fields, basic(app["id"], added["ClientSecretValue"]))[0]
        == 200
    )


def test_a_client_whose_secret_is_gone_gets_no_machine_token(server: Server, idp: Any) -> None:
    """Create and Update refuse client_credentials without a secret; a client stored so
    anyway (data from elsewhere) is refused at the token endpoint too."""
    app = make_m2m(idp)
    server.sql("UPDATE clients SET secret=NULL WHERE id=?", app["id"])
    fields = {"grant_type": "client_credentials", "client_id": app["id"]}
    assert error(server, "/oauth2/token", fields) == (400, {"error": "invalid_client"})
