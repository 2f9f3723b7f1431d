"""The JavaScript clients: amazon-cognito-identity-js signs up, confirms and signs in with SRP;
aws-jwt-verify checks the tokens against the server's JWKS (driver: tests/js/srp_flow.mjs)."""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import ROOT, USERPOOL, Server

JS = ROOT / "tests" / "js"
SCRIPT = JS / "srp_flow.mjs"
PACKAGES = (
    "amazon-cognito-identity-js",
    "aws-jwt-verify",
    "@aws-sdk/client-cognito-identity-provider",
)
PASSWORD = "Passw0rd!"
# The app client has no secret and allows only SRP (the library's default flow) and refresh.
FLOWS = ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]

Run = Callable[..., dict[str, Any]]


def _run(node: str, endpoint: str, db: str, pool_id: str, client_id: str, **opts: str) -> Any:
    """Run srp_flow.mjs for a fresh user; its one JSON line, with the user's name and email."""
    name = f"js-{uuid.uuid4().hex[:12]}"
    args = {
        "endpoint": endpoint,
        "pool-id": pool_id,
        "client-id": client_id,
        "username": name,
        "email": f"{name}@example.com",
        "password": PASSWORD,
        "userpool": USERPOOL,
        "db": db,
        **opts,
    }
    argv = [node, str(SCRIPT)]
    for key, value in args.items():
        argv += [f"--{key}", value]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, (opts, done.returncode, done.stderr, done.stdout)
    lines = done.stdout.strip().splitlines()
    assert lines, done.stderr
    return {**json.loads(lines[-1]), "username": name, "email": args["email"]}


def _app(idp: Any) -> tuple[str, str]:
    pool = idp.create_user_pool(
        PoolName=f"js{uuid.uuid4().hex[:8]}", AutoVerifiedAttributes=["email"]
    )["UserPool"]
    client = idp.create_user_pool_client(
        UserPoolId=pool["Id"], ClientName="js", ExplicitAuthFlows=FLOWS
    )["UserPoolClient"]
    assert "ClientSecret" not in client
    return str(pool["Id"]), str(client["ClientId"])


@pytest.fixture
def app(idp: Any) -> tuple[str, str]:
    return _app(idp)


@pytest.fixture
def run(node: str, server: Server, app: tuple[str, str]) -> Run:
    def go(**opts: str) -> dict[str, Any]:
        return dict(_run(node, server.url, server.db, *app, **opts))

    return go


def _assert_signed_in(idp: Any, pool_id: str, client_id: str, out: dict[str, Any]) -> None:
    user = idp.admin_get_user(UserPoolId=pool_id, Username=out["username"])
    attrs = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert user["UserStatus"] == "CONFIRMED"
    assert attrs["email"] == out["email"]
    assert attrs["email_verified"] == "true"

    assert out["signedUp"] is True
    assert out["userConfirmed"] is False
    assert out["userSub"] == attrs["sub"]
    assert out["codeDelivery"]["DeliveryMedium"] == "EMAIL"
    assert out["codeDelivery"]["AttributeName"] == "email"
    assert out["confirmed"] is True
    assert out["confirmResult"] == "SUCCESS"

    assert out["authenticated"] is True
    assert out["sessionValid"] is True
    assert out["idTokenSub"] == out["accessTokenSub"] == attrs["sub"]
    assert out["accessTokenUsername"] == out["username"]

    assert out["verifiedId"] is True
    assert out["verifiedAccess"] is True
    id_claims, access_claims = out["idClaims"], out["accessClaims"]
    assert id_claims["token_use"] == "id"
    assert id_claims["aud"] == client_id
    assert id_claims["sub"] == attrs["sub"]
    assert id_claims["cognito:username"] == out["username"]
    assert id_claims["email"] == out["email"]
    assert id_claims["email_verified"] is True
    assert access_claims["token_use"] == "access"
    assert access_claims["client_id"] == client_id
    assert access_claims["sub"] == attrs["sub"]
    assert access_claims["username"] == out["username"]
    assert "aud" not in access_claims
    assert id_claims["iss"] == access_claims["iss"]

    # CognitoUser.getUserAttributes (GetUser) and refreshSession (REFRESH_TOKEN_AUTH).
    assert out["attributes"] == {
        "sub": attrs["sub"],
        "email": out["email"],
        "email_verified": "true",
    }
    assert out["refreshed"] is True
    assert out["refreshedIdTokenSub"] == attrs["sub"]


def test_srp_sign_up_confirm_sign_in_and_verify_tokens(
    run: Run, idp: Any, server: Server, app: tuple[str, str]
) -> None:
    pool_id, client_id = app
    out = run()
    _assert_signed_in(idp, pool_id, client_id, out)
    assert out["idClaims"]["iss"] == f"{server.url}/{pool_id}"


def test_srp_wrong_password_is_not_authorized(run: Run, idp: Any, app: tuple[str, str]) -> None:
    out = run(mode="wrong-password")
    assert out["confirmed"] is True
    assert out["authenticated"] is False
    assert out["error"]["code"] == "NotAuthorizedException", out["error"]
    assert out["error"]["message"] == "Incorrect username or password."
    user = idp.admin_get_user(UserPoolId=app[0], Username=out["username"])
    assert user["UserStatus"] == "CONFIRMED"


def test_cognito_jwt_verifier_with_cognito_issuer(node: str, tmp_path: Path) -> None:
    """With USERPOOL_ISSUER_BASE set to Cognito's, CognitoJwtVerifier accepts the tokens
    (its JWKS is fetched from this server in place of cognito-idp.<region>.amazonaws.com)."""
    cognito = "https://cognito-idp.us-east-1.amazonaws.com"
    srv = Server(tmp_path, env={"USERPOOL_ISSUER_BASE": cognito}).start()
    try:
        idp = srv.client()
        pool_id, client_id = _app(idp)
        out = _run(node, srv.url, srv.db, pool_id, client_id, verifier="cognito")
        _assert_signed_in(idp, pool_id, client_id, out)
        assert out["idClaims"]["iss"] == f"{cognito}/{pool_id}"
    finally:
        srv.stop()


def test_forgot_password_and_confirm_password(run: Run, idp: Any, app: tuple[str, str]) -> None:
    """CognitoUser.forgotPassword and confirmPassword (ForgotPassword, ConfirmForgotPassword)."""
    out = run(mode="forgot-password")
    assert out["resetDelivery"]["DeliveryMedium"] == "EMAIL"
    assert out["resetDelivery"]["AttributeName"] == "email"
    assert out["resetCodeDiffers"] is True
    assert out["confirmPasswordResult"] == "SUCCESS"
    assert out["authenticatedWithNewPassword"] is True
    assert out["oldPasswordRefused"] is True
