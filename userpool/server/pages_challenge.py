"""The hosted pages of a sign-in's challenges, after the login form (or a new password):
NEW_PASSWORD_REQUIRED (the new password, and the pool's required attributes the user
lacks), the MFA code of SMS_MFA, EMAIL_OTP or SOFTWARE_TOKEN_MFA, SELECT_MFA_TYPE, and
MFA_SETUP with an authenticator app (AssociateSoftwareToken and VerifySoftwareToken, the
API's own operations, called with the challenge's Session; the secret shown as text and as
a QR code drawn server-side as inline SVG, so the pages stay script-free).

Each challenge page's form posts to ``/mfa`` with the challenge's name, its Session (the one
the API hands out; only the hosted pages answer it) and the username in hidden fields, and
a CSRF token. A wrong code shows the page again with the same Session (as the API lets a
retry use it); a spent or expired Session is the login page again.

DEVIATION: Cognito's classic pages for these steps are not documented beyond their fields;
these pages' paths (``/mfa``), fields and texts are ours; MFA_SETUP offers an authenticator
app only (an email or SMS set-up is refused with a message), and the QR code's label is
``<pool name>:<username>`` with the pool's name as issuer.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

import orjson
import regex
import segno
from markupsafe import Markup

from userpool.domain import mfa, mfa_signin
from userpool.errors import CognitoError, NotAuthorizedException
from userpool.operations import hosted, run
from userpool.server.page_kit import Page, auth_request, form_error, redirect, render, start
from userpool.server.response import Response

EXPIRED = "Your form expired. Please try again."
_SECRET = regex.compile(r"[A-Z2-7]{16,128}")
_TITLES = {
    "NEW_PASSWORD_REQUIRED": "Change your password",
    mfa.SMS: "Enter your code",
    mfa.EMAIL: "Enter your code",
    mfa.TOTP: "Enter your authenticator code",
    mfa_signin.SELECT: "Choose how to get your code",
    mfa_signin.SETUP: "Set up an authenticator app",
}
_CHOICES = {mfa.SMS: "Text message (SMS)", mfa.TOTP: "Authenticator app", mfa.EMAIL: "Email"}


def _listed(parameters: dict[str, str], key: str) -> list[str]:
    try:
        found = orjson.loads(parameters.get(key) or "[]")
    except orjson.JSONDecodeError:
        return []
    return [str(f) for f in found] if isinstance(found, list) else []


def _base(page: Page, req: hosted.Request, name: str, step: hosted.Challenge) -> dict[str, Any]:
    return {
        "title": _TITLES.get(step.name, "Sign in"),
        "action": page.link("mfa", keep=req.auth.query),
        "challenge": step.name,
        "session": step.session,
        "username": name,
        "links": {"login": page.link("login", keep=req.auth.query)},
    }


async def show(
    page: Page,
    req: hosted.Request,
    name: str,
    step: hosted.Challenge,
    error: str | None = None,
    field: str | None = None,
    secret: str | None = None,
) -> Response:
    """The page asking for ``step`` (``error``: a refusal of the last answer, shown)."""
    values = _base(page, req, name, step)
    template = "mfa.html"
    if step.name == "NEW_PASSWORD_REQUIRED":
        template = "new_password.html"
        wanted = _listed(step.parameters, "requiredAttributes")
        names = [w.removeprefix("userAttributes.") for w in wanted]
        values["attributes"] = [a for a in names if regex.fullmatch(r"[\w:.-]{1,32}", a)]
        values["values"] = {a: page.form.get(f"attr_{a}", "")[:256] for a in values["attributes"]}
    elif step.name == mfa_signin.SELECT:
        template = "select_mfa.html"
        offered = _listed(step.parameters, "MFAS_CAN_CHOOSE")
        values["choices"] = [(c, _CHOICES[c]) for c in offered if c in _CHOICES]
    elif step.name == mfa_signin.SETUP:
        if mfa.TOTP not in _listed(step.parameters, "MFAS_CAN_SETUP"):
            text = "This sign-in needs an MFA set-up that these pages do not offer."
            return _start_over(page, req, name, text)
        template = "totp_setup.html"
        if secret is None:
            made = await run(
                page.svc, page.call, "AssociateSoftwareToken", {"Session": step.session}
            )
            secret, values["session"] = str(made["SecretCode"]), str(made["Session"])
        values.update(_qr(req, name, secret))
    else:
        values["destination"] = step.parameters.get("CODE_DELIVERY_DESTINATION")
        values["authenticator"] = step.name == mfa.TOTP
    if error is not None:
        return form_error(page, req, template, values, error, field)
    return render(page, template, callback=req.auth.redirect_uri, csrf=page.csrf(), **values)


def _qr(req: hosted.Request, name: str, secret: str) -> dict[str, Any]:
    """The secret, its ``otpauth://`` URI and that URI as an inline SVG QR code."""
    issuer = req.pool.name
    label = f"{quote(issuer, safe='')}:{quote(name, safe='')}"
    uri = f"otpauth://totp/{label}?{urlencode({'secret': secret, 'issuer': issuer})}"
    svg = segno.make(uri, error="m").svg_inline(scale=4, title="QR code of the secret key")
    return {"secret": secret, "uri": uri, "qr": Markup(svg)}  # segno's own SVG, no input text


def _start_over(page: Page, req: hosted.Request, name: str, error: str) -> Response:
    values: dict[str, Any] = {
        "title": "Sign in",
        "action": page.link("login", keep=req.auth.query),
        "username": name,
        "links": {
            "signup": page.link("signup", keep=req.auth.query),
            "forgot": page.link("forgotPassword", keep=req.auth.query),
        },
    }
    return form_error(page, req, "login.html", values, error)


async def answer(page: Page) -> Response:
    """``/mfa``: a challenge page's form answered (a GET starts over at sign-in)."""
    req = auth_request(page)
    if page.method != "POST":
        return redirect(page, page.link("login", keep=req.auth.query))
    name = page.form.get("username", "").strip()[:128]
    step = hosted.Challenge(
        page.form.get("challenge", "")[:32], page.form.get("session", "")[:4096], {}
    )
    if step.name not in _TITLES or not name or not step.session:
        return _start_over(page, req, name, EXPIRED)
    secret = page.form.get("secret", "")[:128]
    secret_shown = secret if _SECRET.fullmatch(secret) else None
    if not page.csrf_ok():
        return _start_over(page, req, name, EXPIRED)
    try:
        answers, field = _answers(page, step)
        if step.name == mfa_signin.SETUP:
            verified = await run(
                page.svc,
                page.call,
                "VerifySoftwareToken",
                {"Session": step.session, "UserCode": answers.pop("code")},
            )
            step = hosted.Challenge(step.name, str(verified["Session"]), step.parameters)
        outcome = await hosted.respond(
            page.svc, page.call, req, name, step.name, step.session, answers
        )
    except _Missing as missing:
        return await _again(page, req, name, step, str(missing), missing.field, secret_shown)
    except NotAuthorizedException as exc:
        return _start_over(page, req, name, exc.message)
    except CognitoError as exc:
        return await _again(page, req, name, step, exc.message, field, secret_shown)
    if isinstance(outcome, hosted.Challenge):
        return await show(page, req, name, outcome)
    return await start(page, req, outcome.user, outcome.amr)


async def _again(
    page: Page,
    req: hosted.Request,
    name: str,
    step: hosted.Challenge,
    error: str,
    field: str | None,
    secret: str | None,
) -> Response:
    """The same challenge's page again, with the refusal (its Session kept)."""
    if step.name == mfa_signin.SETUP:
        if secret is None:
            return _start_over(page, req, name, EXPIRED)
        step = hosted.Challenge(
            step.name, step.session, {"MFAS_CAN_SETUP": '["SOFTWARE_TOKEN_MFA"]'}
        )
    if step.name == "NEW_PASSWORD_REQUIRED":
        required = [k.removeprefix("attr_") for k in page.form if k.startswith("attr_")]
        listed = orjson.dumps([f"userAttributes.{a}" for a in required]).decode()
        step = hosted.Challenge(step.name, step.session, {"requiredAttributes": listed})
    if step.name == mfa_signin.SELECT:
        return _start_over(page, req, name, error)
    if step.name in (mfa.SMS, mfa.EMAIL):
        sent_to = page.form.get("destination", "")[:64]
        step = hosted.Challenge(step.name, step.session, {"CODE_DELIVERY_DESTINATION": sent_to})
    return await show(page, req, name, step, error, field, secret)


class _Missing(Exception):
    def __init__(self, text: str, field: str) -> None:
        super().__init__(text)
        self.field = field


def _answers(page: Page, step: hosted.Challenge) -> tuple[dict[str, str], str | None]:
    """The ChallengeResponses the form gives (and the field a refusal belongs to)."""
    form = page.form
    if step.name == "NEW_PASSWORD_REQUIRED":
        password = form.get("password", "")[:256]
        if not password:
            raise _Missing("Enter a new password.", "password")
        if form.get("confirm_password", "")[:256] != password:
            raise _Missing("The passwords do not match.", "confirm_password")
        out = {"NEW_PASSWORD": password}
        for key, value in form.items():
            if key.startswith("attr_"):
                if not value.strip():
                    raise _Missing("Enter every field.", key)
                out[f"userAttributes.{key.removeprefix('attr_')[:32]}"] = value.strip()[:2048]
        return out, "password"
    if step.name == mfa_signin.SELECT:
        return {"ANSWER": form.get("answer", "")[:32]}, None
    code = form.get("code", "").strip()[:16]
    if not code:
        raise _Missing("Enter the code.", "code")
    if step.name == mfa_signin.SETUP:
        return {"code": code}, "code"
    return {mfa_signin.CODE_KEYS[step.name][0]: code}, "code"
