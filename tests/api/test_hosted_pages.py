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

from tests.api.mfa_helpers import (
    EMAIL_ON,
    FLOWS,
    SMS_ON,
    TOTP_ON,
    MfaApp,
    claims,
    make_mfa_app,
    totp_code,
    wrong_totp,
)
from tests.api.mfa_helpers import PASSWORD as MFA_PASSWORD
from tests.api.test_hosted_flow import CALLBACK, PASSWORD, add_user, csrf, make_app
from tests.helpers import Server, outcome

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


def sign_in(
    server: Server, browser: requests.Session, app: dict[str, str], pw: str, name: str = "alice"
) -> Any:
    login = page(server, browser, "login", app)
    return post(browser, login.url, login.text, username=name, password=pw)


def oauth_app(idp: Any, server: Server, mode: str, **factors: Any) -> tuple[MfaApp, dict[str, str]]:
    """An MFA pool (``tests.api.mfa_helpers``) whose client serves the hosted pages too."""
    made = make_mfa_app(idp, server, mode, **factors)
    idp.update_user_pool_client(
        UserPoolId=made.pool_id,
        ClientId=made.client_id,
        ExplicitAuthFlows=FLOWS,
        AllowedOAuthFlows=["code"],
        AllowedOAuthScopes=["openid", "email"],
        AllowedOAuthFlowsUserPoolClient=True,
        CallbackURLs=[CALLBACK],
        SupportedIdentityProviders=["COGNITO"],
    )
    return made, {"pool": made.pool_id, "id": made.client_id}


def id_claims(server: Server, app: dict[str, str], code: str) -> dict[str, Any]:
    body = {
        "grant_type": "authorization_code",
        "client_id": app["id"],
        "code": code,
        "redirect_uri": CALLBACK,
    }
    token = requests.post(f"{server.url}/oauth2/token", data=body, timeout=10).json()
    return claims(token["id_token"])


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


# -- NEW_PASSWORD_REQUIRED ---------------------------------------------------------------------
def test_a_temporary_password_asks_for_a_new_one(server: Server, idp: Any) -> None:
    pool_id = idp.create_user_pool(PoolName="temporary")["UserPool"]["Id"]
    client = idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="web",
        ExplicitAuthFlows=FLOWS,
        AllowedOAuthFlows=["code"],
        AllowedOAuthScopes=["openid"],
        AllowedOAuthFlowsUserPoolClient=True,
        CallbackURLs=[CALLBACK],
    )["UserPoolClient"]
    app = {"pool": pool_id, "id": client["ClientId"]}
    idp.admin_create_user(
        UserPoolId=pool_id, Username="alice", TemporaryPassword=PASSWORD, MessageAction="SUPPRESS"
    )
    browser = requests.Session()
    asked = sign_in(server, browser, app, PASSWORD)
    assert asked.status_code == 200, asked.text
    assert "Change your password" in asked.text
    target = action(server, asked.text)
    assert urlsplit(target).path == "/mfa"
    # the API does not answer the pages' Session
    session = re.search(r'name="session" value="([^"]+)"', asked.text)
    assert session
    refused = outcome(
        lambda: idp.respond_to_auth_challenge(
            ClientId=app["id"],
            ChallengeName="NEW_PASSWORD_REQUIRED",
            Session=session.group(1),
            ChallengeResponses={"USERNAME": "alice", "NEW_PASSWORD": NEW_PASSWORD},
        )
    )
    assert refused == ("NotAuthorizedException", "Invalid session for the user.")
    differ = post(browser, target, asked.text, password=NEW_PASSWORD, confirm_password="x")
    assert differ.status_code == 400 and "do not match" in differ.text
    weak = post(browser, target, asked.text, password="weak", confirm_password="weak")
    assert weak.status_code == 400 and "Password did not conform with policy" in weak.text
    done = post(browser, target, weak.text, password=NEW_PASSWORD, confirm_password=NEW_PASSWORD)
    at_callback(done)
    user = idp.admin_get_user(UserPoolId=pool_id, Username="alice")
    assert user["UserStatus"] == "CONFIRMED"
    spent = post(browser, target, asked.text, password=NEW_PASSWORD, confirm_password=NEW_PASSWORD)
    assert spent.status_code == 400 and "Invalid session for the user." in spent.text
    assert 'id="signInSubmitButton"' in spent.text  # back to sign in


# -- MFA ---------------------------------------------------------------------------------------
def test_sign_in_with_an_authenticator_code(server: Server, idp: Any) -> None:
    made, app = oauth_app(idp, server, "OPTIONAL", **TOTP_ON)
    made.user("tim")
    secret = made.set_up_totp("tim")
    browser = requests.Session()
    asked = sign_in(server, browser, app, MFA_PASSWORD, "tim")
    assert asked.status_code == 200, asked.text
    assert "Enter the code from your authenticator app." in asked.text
    target = action(server, asked.text)
    empty = post(browser, target, asked.text, code="")
    assert empty.status_code == 400 and "Enter the code." in empty.text
    wrong = post(browser, target, asked.text, code=wrong_totp(secret))
    assert wrong.status_code == 400
    assert "Invalid code or auth state for the user." in wrong.text
    forged = browser.post(target, data={"challenge": "SOFTWARE_TOKEN_MFA", "code": "1"})
    assert forged.status_code == 400 and "expired" in forged.text
    done = post(browser, target, wrong.text, code=totp_code(secret, 1))
    got = at_callback(done)
    assert id_claims(server, app, got["code"][0])["amr"] == ["pwd", "otp", "mfa"]


def test_select_mfa_type_then_the_emailed_code(server: Server, idp: Any) -> None:
    made, app = oauth_app(idp, server, "OPTIONAL", **SMS_ON, **TOTP_ON, **EMAIL_ON)
    made.user("sel")
    made.set_up_totp("sel")
    made.prefer("sel", EmailMfaSettings={"Enabled": True})
    browser = requests.Session()
    asked = sign_in(server, browser, app, MFA_PASSWORD, "sel")
    assert asked.status_code == 200, asked.text
    assert "Choose how to get your code" in asked.text
    assert 'value="EMAIL_OTP">Email<' in asked.text
    target = action(server, asked.text)
    bad = post(browser, target, asked.text, answer="SMS_MFA")
    assert bad.status_code == 400 and 'id="signInSubmitButton"' in bad.text
    asked = sign_in(server, browser, app, MFA_PASSWORD, "sel")
    sent = post(browser, target, asked.text, answer="EMAIL_OTP")
    assert sent.status_code == 200, sent.text
    assert "We sent a code to s***@e***" in sent.text
    code = made.code(made.email_of("sel"))
    wrong = post(browser, target, sent.text, code="000000" if code != "000000" else "111111")
    assert wrong.status_code == 400 and "We sent a code to s***@e***" in wrong.text
    at_callback(post(browser, target, wrong.text, code=code))


def test_mfa_setup_with_an_authenticator_app(server: Server, idp: Any) -> None:
    made, app = oauth_app(idp, server, "ON", **TOTP_ON)
    made.user("sam")
    browser = requests.Session()
    asked = sign_in(server, browser, app, MFA_PASSWORD, "sam")
    assert asked.status_code == 200, asked.text
    assert "Set up an authenticator app" in asked.text and "<svg" in asked.text
    secret = re.search(r'<code id="secretKey">([A-Z2-7]+)</code>', asked.text)
    assert secret
    assert "script" not in asked.text
    assert "script-src" not in asked.headers["content-security-policy"]
    target = action(server, asked.text)
    wrong = post(browser, target, asked.text, code=wrong_totp(secret.group(1)))
    assert wrong.status_code == 400, wrong.text
    assert secret.group(1) in wrong.text  # the same secret, to try again
    done = post(browser, target, wrong.text, code=totp_code(secret.group(1)))
    at_callback(done)
    # set up: the next sign-in asks for the app's code
    again = sign_in(server, requests.Session(), app, MFA_PASSWORD, "sam")
    assert "Enter the code from your authenticator app." in again.text


# -- prompt and lang ---------------------------------------------------------------------------
def test_prompt_none_and_lang(server: Server, idp: Any) -> None:
    app = make_app(idp)
    add_user(idp, app)
    browser = requests.Session()
    url = f"{server.url}/oauth2/authorize"
    silent = browser.get(url, params=query(app, prompt="none"), allow_redirects=False)
    assert silent.status_code == 302
    assert silent.headers["location"] == f"{CALLBACK}?error=login_required&state=st%2F1%2B2"
    german = browser.get(url, params=query(app, lang="de"), allow_redirects=True)
    assert german.status_code == 200 and urlsplit(german.url).path == "/login"
    assert "lang=de" in german.url
    at_callback(post(browser, german.url, german.text, username="alice", password=PASSWORD))
    signed = browser.get(url, params=query(app, prompt="none"), allow_redirects=False)
    at_callback(signed)
