"""The authorization code flow end to end with a real OIDC client (authlib): authorize with
PKCE, the login page driven by plain HTTP posts (its CSRF token and cookies), the code for
tokens, the ID token verified against the pool's JWKS (pyjwt), refresh, userInfo, revoke;
the browser session that skips the login page until /logout; and raw requests for the
authorization endpoint's and the code grant's error paths."""

from __future__ import annotations

import itertools
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from tests.helpers import Server

CALLBACK = "http://localhost:8765/callback"
SIGN_OUT = "http://localhost:8765/signed-out"
PASSWORD = "Passw0rd!x"
_n = itertools.count()


def make_app(idp: Any, secret: bool = False, **extra: Any) -> dict[str, str]:
    pool_id = idp.create_user_pool(PoolName=f"hosted{next(_n)}", AutoVerifiedAttributes=["email"])[
        "UserPool"
    ]["Id"]
    settings = {
        "AllowedOAuthFlows": ["code", "implicit"],
        "AllowedOAuthScopes": ["openid", "email", "profile"],
        "AllowedOAuthFlowsUserPoolClient": True,
        "CallbackURLs": [CALLBACK],
        "LogoutURLs": [SIGN_OUT],
        "SupportedIdentityProviders": ["COGNITO"],
        **extra,
    }
    made = idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="web", GenerateSecret=secret, **settings
    )["UserPoolClient"]
    return {"pool": pool_id, "id": made["ClientId"], "secret": made.get("ClientSecret", "")}


def add_user(idp: Any, app: dict[str, str], name: str = "alice") -> None:
    idp.admin_create_user(
        UserPoolId=app["pool"],
        Username=name,
        UserAttributes=[
            {"Name": "email", "Value": f"{name}@example.com"},
            {"Name": "email_verified", "Value": "true"},
        ],
        MessageAction="SUPPRESS",
    )
    idp.admin_set_user_password(
        UserPoolId=app["pool"], Username=name, Password=PASSWORD, Permanent=True
    )


def csrf(html: str) -> str:
    found = re.search(r'name="_csrf" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def sign_in(server: Server, browser: requests.Session, url: str, name: str = "alice") -> str:
    """Follow the authorization URL to the login page, post the form; the callback URL."""
    page = browser.get(url, allow_redirects=True)
    assert page.status_code == 200, page.text
    assert urlsplit(page.url).path.endswith("/login")
    posted = browser.post(
        page.url,
        data={"_csrf": csrf(page.text), "username": name, "password": PASSWORD},
        allow_redirects=False,
    )
    assert posted.status_code == 302, posted.text
    return posted.headers["location"]


def test_code_flow_with_pkce_refresh_userinfo_and_revoke(server: Server, idp: Any) -> None:
    app = make_app(idp)
    add_user(idp, app)
    issuer = f"{server.url}/{app['pool']}"
    meta = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=10).json()
    oauth = OAuth2Session(
        app["id"],
        scope="openid email",
        redirect_uri=CALLBACK,
        code_challenge_method="S256",
    )
    verifier = generate_token(64)
    url, state = oauth.create_authorization_url(
        meta["authorization_endpoint"], code_verifier=verifier, nonce="n-0S6_WzA2Mj"
    )
    browser = requests.Session()
    callback = sign_in(server, browser, url)
    assert callback.startswith(CALLBACK + "?")
    query = parse_qs(urlsplit(callback).query)
    assert query["state"] == [state]
    token = oauth.fetch_token(
        meta["token_endpoint"], authorization_response=callback, code_verifier=verifier
    )
    assert {"access_token", "id_token", "refresh_token"} <= set(token)
    assert token["token_type"] == "Bearer"
    keys = jwt.PyJWKClient(meta["jwks_uri"])
    id_claims = jwt.decode(
        token["id_token"],
        keys.get_signing_key_from_jwt(token["id_token"]).key,
        algorithms=["RS256"],
        audience=app["id"],
        issuer=issuer,
    )
    assert id_claims["nonce"] == "n-0S6_WzA2Mj"
    assert id_claims["email"] == "alice@example.com"
    assert id_claims["cognito:username"] == "alice"
    assert "at_hash" in id_claims
    access = jwt.decode(token["access_token"], options={"verify_signature": False})
    assert access["scope"] == "openid email"
    assert access["version"] == 2
    # userInfo with the access token
    info = requests.get(
        meta["userinfo_endpoint"],
        headers={"Authorization": f"Bearer {token['access_token']}"},
        timeout=10,
    )
    assert info.status_code == 200, info.text
    assert info.json()["email"] == "alice@example.com"
    # refresh: new access and ID tokens, no new refresh token
    refreshed = oauth.refresh_token(meta["token_endpoint"], refresh_token=token["refresh_token"])
    assert "id_token" in refreshed and refreshed["refresh_token"] == token["refresh_token"]
    again = jwt.decode(refreshed["access_token"], options={"verify_signature": False})
    assert again["scope"] == "openid email" and again["origin_jti"] == access["origin_jti"]
    # the code is spent
    spent = requests.post(
        meta["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "client_id": app["id"],
            "code": query["code"][0],
            "redirect_uri": CALLBACK,
            "code_verifier": verifier,
        },
        timeout=10,
    )
    assert (spent.status_code, spent.json()) == (400, {"error": "invalid_grant"})
    # revoke: the refresh token and the access token stop working
    revoked = oauth.revoke_token(meta["revocation_endpoint"], token["refresh_token"])
    assert revoked.status_code == 200
    dead = requests.get(
        meta["userinfo_endpoint"],
        headers={"Authorization": f"Bearer {refreshed['access_token']}"},
        timeout=10,
    )
    assert dead.status_code == 401
    with pytest.raises(Exception, match="invalid_grant"):
        oauth.refresh_token(meta["token_endpoint"], refresh_token=token["refresh_token"])


def test_session_skips_login_until_logout(server: Server, idp: Any) -> None:
    app = make_app(idp)
    add_user(idp, app)
    url = (
        f"{server.url}/oauth2/authorize?response_type=code&client_id={app['id']}"
        f"&redirect_uri={CALLBACK}&state=s1"
    )
    browser = requests.Session()
    sign_in(server, browser, url)
    cookie = next(c for c in browser.cookies if c.name == "cognito")
    assert cookie.has_nonstandard_attr("HttpOnly")
    again = browser.get(url, allow_redirects=False)
    assert again.status_code == 302 and again.headers["location"].startswith(CALLBACK + "?code=")
    assert again.headers["location"].endswith("&state=s1")
    bad = browser.get(
        f"{server.url}/logout?client_id={app['id']}&logout_uri=https://evil.example/",
        allow_redirects=False,
    )
    assert bad.status_code == 400  # never an open redirect; the session is cleared anyway
    assert browser.get(url, allow_redirects=False).headers["location"].startswith("/login?")
    sign_in(server, browser, url)
    out = browser.get(
        f"{server.url}/logout?client_id={app['id']}&logout_uri={SIGN_OUT}", allow_redirects=False
    )
    assert (out.status_code, out.headers["location"]) == (302, SIGN_OUT)
    assert browser.get(url, allow_redirects=False).headers["location"].startswith("/login?")


def test_secret_client_and_implicit_grant(server: Server, idp: Any) -> None:
    app = make_app(idp, secret=True)
    add_user(idp, app)
    url = (
        f"{server.url}/{app['pool']}/authorize?response_type=token&client_id={app['id']}"
        f"&redirect_uri={CALLBACK}&state=xyz&scope=openid"
    )
    location = sign_in(server, requests.Session(), url)
    fragment = parse_qs(urlsplit(location).fragment)
    assert fragment["state"] == ["xyz"] and fragment["token_type"] == ["Bearer"]
    assert "refresh_token" not in fragment and "id_token" in fragment


def test_wrong_password_is_shown_on_the_page(server: Server, idp: Any) -> None:
    app = make_app(idp)
    add_user(idp, app)
    browser = requests.Session()
    url = (
        f"{server.url}/oauth2/authorize?response_type=code&client_id={app['id']}"
        f"&redirect_uri={CALLBACK}"
    )
    page = browser.get(url)
    wrong = browser.post(
        page.url, data={"_csrf": csrf(page.text), "username": "alice", "password": "nope"}
    )
    assert wrong.status_code == 400
    assert "Incorrect username or password." in wrong.text
    forged = browser.post(
        page.url, data={"_csrf": "x" * 64, "username": "alice", "password": PASSWORD}
    )
    assert forged.status_code == 400 and "expired" in forged.text
    assert "default-src 'none'" in forged.headers["content-security-policy"]


def authorize(server: Server, **query: str) -> requests.Response:
    return requests.get(f"{server.url}/oauth2/authorize", params=query, allow_redirects=False)


def test_authorize_errors_page_then_redirect(server: Server, idp: Any) -> None:
    app = make_app(idp)
    base = {"client_id": app["id"], "redirect_uri": CALLBACK, "response_type": "code"}
    unknown = authorize(server, **{**base, "client_id": "nobody"})
    assert unknown.headers["location"] == "/error?error=invalid_request"
    mismatch = authorize(server, **{**base, "redirect_uri": "https://evil.example/cb"})
    assert mismatch.headers["location"] == f"/error?error=redirect_mismatch&client_id={app['id']}"
    assert requests.get(server.url + mismatch.headers["location"]).status_code == 400
    cases = {
        "response_type=bogus": ({"response_type": "bogus"}, "error=invalid_request"),
        "plain": (
            {"code_challenge": "a" * 43, "code_challenge_method": "plain"},
            "error=invalid_request",
        ),
        "no method": ({"code_challenge": "a" * 43}, "error=invalid_request"),
        "scope": (
            {"scope": "openid phone"},
            "error_description=invalid_scope&error=invalid_request",
        ),
    }
    for name, (extra, error) in cases.items():
        got = authorize(server, **{**base, **extra, "state": "st"})
        assert got.status_code == 302, name
        assert got.headers["location"] == f"{CALLBACK}?{error}&state=st", name
    narrow = make_app(idp, AllowedOAuthFlows=["implicit"])
    flow = authorize(server, **{**base, "client_id": narrow["id"]})
    assert flow.headers["location"] == f"{CALLBACK}?error=unauthorized_client"
    ok = authorize(server, **base, state="a b")
    assert ok.headers["location"].startswith("/login?") and "state=a+b" in ok.headers["location"]


def test_code_grant_errors(server: Server, idp: Any) -> None:
    app = make_app(idp)
    add_user(idp, app)
    verifier = generate_token(64)
    url = (
        f"{server.url}/oauth2/authorize?response_type=code&client_id={app['id']}"
        f"&redirect_uri={CALLBACK}&code_challenge_method=S256"
        f"&code_challenge={create_s256_code_challenge(verifier)}"
    )

    def code() -> str:
        return parse_qs(urlsplit(sign_in(server, requests.Session(), url)).query)["code"][0]

    def grant(**fields: str) -> tuple[int, Any]:
        body = {"grant_type": "authorization_code", "client_id": app["id"], **fields}
        got = requests.post(f"{server.url}/oauth2/token", data=body, timeout=10)
        return got.status_code, got.json()

    first = code()
    assert grant(code=first, redirect_uri=CALLBACK) == (400, {"error": "invalid_request"})
    again = {"code": first, "redirect_uri": CALLBACK, "code_verifier": verifier}
    assert grant(**again) == (400, {"error": "invalid_grant"})  # spent by the first try
    assert grant(code=code(), redirect_uri=CALLBACK, code_verifier="b" * 64)[1] == {
        "error": "invalid_grant"
    }
    other = {"code": code(), "redirect_uri": CALLBACK + "x", "code_verifier": verifier}
    assert grant(**other)[1] == {"error": "invalid_grant"}
    assert grant(code="nope", redirect_uri=CALLBACK)[1] == {"error": "invalid_grant"}
    assert grant(redirect_uri=CALLBACK)[1] == {"error": "invalid_request"}
