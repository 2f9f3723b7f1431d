"""The hosted pages after the login form, driven by plain HTTP (cookies, CSRF tokens, the
forms' fields): forgotten passwords, NEW_PASSWORD_REQUIRED, the MFA code pages,
SELECT_MFA_TYPE and TOTP setup, and the authorization endpoint's ``prompt=none`` and
``lang``. Each flow ends on the app's callback with the original ``state``; each page's
refusals are checked, and PreventUserExistenceErrors' sameness for unknown names."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import requests

from tests.api.test_hosted_flow import CALLBACK, PASSWORD, add_user, csrf, make_app
from tests.helpers import Server

NEW_PASSWORD = "N3w-Passw0rd!"


def query(app: dict[str, str], **extra: str) -> dict[str, str]:
    return {
        "client_id": app["id"],
        "response_type": "code",
        "redirect_uri": CALLBACK,
        "state": "st/1+2",
        **extra,
    }


def page(server: Server, browser: requests.Session, path: str, app: dict[str, str]) -> Any:
    got = browser.get(f"{server.url}/{path}?{urlencode(query(app))}")
    assert got.status_code == 200, got.text
    return got


def post(browser: requests.Session, url: str, html: str, **fields: str) -> Any:
    """Post a form of ``html`` (its CSRF token and hidden fields) to ``url``."""
    hidden = dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', html))
    hidden = {k: v.replace("&#34;", '"').replace("&amp;", "&") for k, v in hidden.items()}
    return browser.post(url, data={**hidden, "_csrf": csrf(html), **fields}, allow_redirects=False)


def action(server: Server, html: str) -> str:
    found = re.search(r'<form method="post" action="([^"]*)"', html)
    assert found, html
    return server.url + found.group(1).replace("&amp;", "&")


def at_callback(response: Any) -> dict[str, list[str]]:
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(CALLBACK + "?"), location
    got = parse_qs(urlsplit(location).query)
    assert got["state"] == ["st/1+2"] and "code" in got
    return got


def sign_in(server: Server, browser: requests.Session, app: dict[str, str], pw: str) -> Any:
    login = page(server, browser, "login", app)
    return post(browser, login.url, login.text, username="alice", password=pw)


# -- forgot password ---------------------------------------------------------------------------
def test_forgot_password_then_sign_in_with_the_new_one(server: Server, idp: Any) -> None:
    app = make_app(idp, PreventUserExistenceErrors="ENABLED")
    add_user(idp, app)
    browser = requests.Session()
    login = page(server, browser, "login", app)
    assert "/forgotPassword?" in login.text
    forgot = page(server, browser, "forgotPassword", app)
    forged = browser.post(forgot.url, data={"_csrf": "x" * 64, "username": "alice"})
    assert forged.status_code == 400 and "expired" in forged.text
    sent = post(browser, forgot.url, forgot.text, username="alice")
    assert sent.status_code == 200, sent.text
    assert "We sent a code to a***@e***" in sent.text
    code = server.code("alice@example.com")
    reset = action(server, sent.text)
    assert urlsplit(reset).path == "/confirmForgotPassword"
    differ = post(
        browser, reset, sent.text, code=code, password=NEW_PASSWORD, confirm_password="other"
    )
    assert differ.status_code == 400 and "do not match" in differ.text
    wrong = post(
        browser,
        reset,
        sent.text,
        code="000000" if code != "000000" else "111111",
        password=NEW_PASSWORD,
        confirm_password=NEW_PASSWORD,
    )
    assert wrong.status_code == 400
    assert "Invalid verification code provided, please try again." in wrong.text
    weak = post(browser, reset, sent.text, code=code, password="short", confirm_password="short")
    assert weak.status_code == 400 and "assword" in weak.text
    done = post(
        browser, reset, sent.text, code=code, password=NEW_PASSWORD, confirm_password=NEW_PASSWORD
    )
    assert done.status_code == 200, done.text
    assert "Your password has been reset." in done.text
    old = post(browser, action(server, done.text), done.text, username="alice", password=PASSWORD)
    assert old.status_code == 400 and "Incorrect username or password." in old.text
    at_callback(sign_in(server, browser, app, NEW_PASSWORD))


def test_forgot_password_hides_unknown_names_as_the_api_does(server: Server, idp: Any) -> None:
    hidden = make_app(idp, PreventUserExistenceErrors="ENABLED")
    add_user(idp, hidden)
    browser = requests.Session()
    answers = []
    for name in ("alice", "nobody@example.com", "nobody"):
        forgot = page(server, browser, "forgotPassword", hidden)
        sent = post(browser, forgot.url, forgot.text, username=name)
        answers.append((sent.status_code, "We sent a code to" in sent.text))
        if sent.status_code == 200:  # the reset form answers an unknown name alike
            reset = post(
                browser,
                action(server, sent.text),
                sent.text,
                code="123456",
                password=NEW_PASSWORD,
                confirm_password=NEW_PASSWORD,
            )
            assert reset.status_code == 400, name
            assert "Invalid verification code provided, please try again." in reset.text, name
    assert answers == [(200, True)] * 3
    legacy = make_app(idp, PreventUserExistenceErrors="LEGACY")
    forgot = page(server, browser, "forgotPassword", legacy)
    unknown = post(browser, forgot.url, forgot.text, username="nobody")
    assert unknown.status_code == 400
    assert "Username/client id combination not found." in unknown.text
