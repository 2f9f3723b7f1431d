"""The hosted pages in a real browser: Debian's chromium driven by Playwright (never a
downloaded browser), one browser for the module. Sign up on the hosted page, read the code
from the outbox, confirm on the page, land on the app's callback (served by this test)
with a code and the original state, exchange it; sign in; sign out. Forgot the password
(the code from the outbox); sign in with an authenticator code (pyotp); set an
authenticator app up on the page (its secret read from the page).

Without chromium the module is skipped, except under CI=true, where it fails."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

from tests.api.mfa_helpers import FLOWS, TOTP_ON, make_mfa_app, totp_code
from tests.api.mfa_helpers import PASSWORD as MFA_PASSWORD
from tests.helpers import ROOT, Server

CHROMIUM = "/usr/bin/chromium"
SHOT = ROOT / "docs" / "images" / "hosted-confirm.png"
PASSWORD = "Passw0rd!x"


def _need_browser() -> None:
    if Path(CHROMIUM).exists() and shutil.which(CHROMIUM):
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{CHROMIUM} is missing (scripts/bootstrap installs Debian's chromium)")
    pytest.skip(f"{CHROMIUM} is missing")


class _App(BaseHTTPRequestHandler):
    """The app's callback and sign-out pages: a plain page naming what arrived."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        body = f"<!doctype html><title>app</title><p id=seen>{self.path}</p>".encode()
        self.send_response(200)
        self.send_header("content-type", "text/html")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _App)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    _need_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as play:
        launched = play.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


def test_sign_up_confirm_sign_in_and_out(
    server: Server, idp: Any, browser: Any, app_url: str, tmp_path: Path
) -> None:
    pool_id = idp.create_user_pool(
        PoolName="browser",
        UsernameAttributes=["email"],
        AutoVerifiedAttributes=["email"],
    )["UserPool"]["Id"]
    client = idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="web",
        AllowedOAuthFlows=["code"],
        AllowedOAuthScopes=["openid", "email"],
        AllowedOAuthFlowsUserPoolClient=True,
        CallbackURLs=[f"{app_url}/callback"],
        LogoutURLs=[f"{app_url}/signed-out"],
    )["UserPoolClient"]
    query = {
        "client_id": client["ClientId"],
        "response_type": "code",
        "redirect_uri": f"{app_url}/callback",
        "scope": "openid email",
        "state": "st-42/x+y",
    }
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{server.url}/signup?{urlencode(query)}")
    page.get_by_label("Email").fill("bo@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url("**/confirmUser?**")
    page.get_by_role("button", name="Send a new code").click()
    page.get_by_text("We sent you a new code.").wait_for()
    page.get_by_label("Verification code").fill(server.code("bo@example.com"))
    # The guide's picture (docs/hosted-ui.md) is retaken with USERPOOL_SCREENSHOTS=1.
    shot = SHOT if os.environ.get("USERPOOL_SCREENSHOTS") == "1" else tmp_path / SHOT.name
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 1000
    page.get_by_role("button", name="Confirm account").click()
    page.wait_for_url(f"{app_url}/callback?**")
    arrived = parse_qs(urlsplit(page.url).query)
    assert arrived["state"] == [query["state"]]
    token = requests.post(
        f"{server.url}/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "client_id": client["ClientId"],
            "code": arrived["code"][0],
            "redirect_uri": query["redirect_uri"],
        },
        timeout=10,
    ).json()
    assert "id_token" in token and "refresh_token" in token
    # signed in: the authorization endpoint goes straight back to the app
    page.goto(f"{server.url}/oauth2/authorize?{urlencode(query)}")
    page.wait_for_url(f"{app_url}/callback?**")
    # sign out, then the login page asks again; sign in there
    logout = {"client_id": client["ClientId"], "logout_uri": f"{app_url}/signed-out"}
    page.goto(f"{server.url}/logout?{urlencode(logout)}")
    page.wait_for_url(f"{app_url}/signed-out")
    page.goto(f"{server.url}/oauth2/authorize?{urlencode(query)}")
    page.wait_for_url("**/login?**")
    page.get_by_label("Username").fill("bo@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{app_url}/callback?**")
    assert parse_qs(urlsplit(page.url).query)["state"] == [query["state"]]
    context.close()


def _oauth_client(idp: Any, pool_id: str, client_id: str, app_url: str) -> dict[str, str]:
    idp.update_user_pool_client(
        UserPoolId=pool_id,
        ClientId=client_id,
        ExplicitAuthFlows=FLOWS,
        AllowedOAuthFlows=["code"],
        AllowedOAuthScopes=["openid", "email"],
        AllowedOAuthFlowsUserPoolClient=True,
        CallbackURLs=[f"{app_url}/callback"],
    )
    return {
        "client_id": client_id,
        "response_type": "code",
        "redirect_uri": f"{app_url}/callback",
        "state": "mfa-7/=",
    }


def _sign_in(page: Any, server: Server, query: dict[str, str], name: str, password: str) -> None:
    page.goto(f"{server.url}/oauth2/authorize?{urlencode(query)}")
    page.wait_for_url("**/login?**")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_forgot_password(server: Server, idp: Any, browser: Any, app_url: str) -> None:
    made = make_mfa_app(idp, server, "OFF")
    made.user("fay")
    query = _oauth_client(idp, made.pool_id, made.client_id, app_url)
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{server.url}/oauth2/authorize?{urlencode(query)}")
    page.get_by_role("link", name="Forgot your password?").click()
    page.wait_for_url("**/forgotPassword?**")
    page.get_by_label("Username").fill("fay")
    page.get_by_role("button", name="Reset my password").click()
    page.get_by_text("We sent a code to f***@e***").wait_for()
    page.get_by_label("Code").fill(server.code(made.email_of("fay")))
    page.get_by_label("New password", exact=True).fill("Fresh-Passw0rd")
    page.get_by_label("Enter new password again").fill("Fresh-Passw0rd")
    page.get_by_role("button", name="Change password").click()
    page.get_by_text("Your password has been reset.").wait_for()
    page.get_by_label("Password").fill("Fresh-Passw0rd")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{app_url}/callback?**")
    assert parse_qs(urlsplit(page.url).query)["state"] == [query["state"]]
    context.close()


def test_sign_in_with_an_authenticator_code(
    server: Server, idp: Any, browser: Any, app_url: str
) -> None:
    made = make_mfa_app(idp, server, "OPTIONAL", **TOTP_ON)
    made.user("tia")
    secret = made.set_up_totp("tia")  # AssociateSoftwareToken / VerifySoftwareToken
    query = _oauth_client(idp, made.pool_id, made.client_id, app_url)
    context = browser.new_context()
    page = context.new_page()
    _sign_in(page, server, query, "tia", MFA_PASSWORD)
    page.get_by_text("Enter the code from your authenticator app.").wait_for()
    page.get_by_label("Code").fill(totp_code(secret, 1))  # Verify spent this step's code
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{app_url}/callback?**")
    assert parse_qs(urlsplit(page.url).query)["state"] == [query["state"]]
    context.close()


def test_set_up_an_authenticator_app(server: Server, idp: Any, browser: Any, app_url: str) -> None:
    made = make_mfa_app(idp, server, "ON", **TOTP_ON)
    made.user("sid")
    query = _oauth_client(idp, made.pool_id, made.client_id, app_url)
    context = browser.new_context()
    page = context.new_page()
    _sign_in(page, server, query, "sid", MFA_PASSWORD)
    page.get_by_role("heading", name="Set up an authenticator app").wait_for()
    assert page.locator("svg").count() == 1
    page.get_by_text("Show secret key").click()
    secret = page.locator("#secretKey").inner_text()
    page.get_by_label("Code from your authenticator app").fill(totp_code(secret))
    page.get_by_role("button", name="Verify and sign in").click()
    page.wait_for_url(f"{app_url}/callback?**")
    assert parse_qs(urlsplit(page.url).query)["state"] == [query["state"]]
    context.close()
