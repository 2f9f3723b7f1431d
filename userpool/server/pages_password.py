"""The hosted pages for a forgotten password: ``/forgotPassword`` (the username:
ForgotPassword, its secret hash made here) and ``/confirmForgotPassword`` (the code sent, the
new password twice: ConfirmForgotPassword), then back to sign-in. Both are the API's own
operations, called through ``operations.run``: a client with PreventUserExistenceErrors
gets the same answers for an unknown name as for a real one, here as there.

DEVIATION: the pages' texts are ours, and a reset ends on the login page with a notice
(Cognito's documentation says only "back to sign-in")."""

from __future__ import annotations

from typing import Any

from userpool.errors import CognitoError
from userpool.operations import hosted, run
from userpool.server.page_kit import (
    Page,
    auth_request,
    form_error,
    render,
    secret_hash_field,
)
from userpool.server.response import Response

EXPIRED = "Your form expired. Please try again."


async def forgot(page: Page) -> Response:
    req = auth_request(page)
    name = page.form.get("username", page.query.get("login_hint", "")).strip()[:128]
    values: dict[str, Any] = {
        "title": "Forgot your password?",
        "action": "",
        "username": name,
        "links": {"login": page.link("login", keep=req.auth.query)},
    }
    if page.method != "POST":
        return render(
            page, "forgot.html", callback=req.auth.redirect_uri, csrf=page.csrf(), **values
        )
    if not page.csrf_ok():
        return form_error(page, req, "forgot.html", values, EXPIRED)
    if not name:
        return form_error(page, req, "forgot.html", values, "Enter your username.", "username")
    return await _send(page, req, name)


async def _send(page: Page, req: hosted.Request, name: str) -> Response:
    """ForgotPassword for ``name``, then the page asking for the code it sent."""
    request = {"ClientId": req.client.id, "Username": name, **secret_hash_field(page, req, name)}
    try:
        sent = await run(page.svc, page.call, "ForgotPassword", request)
    except CognitoError as exc:
        values = {
            "title": "Forgot your password?",
            "action": "",
            "username": name,
            "links": {"login": page.link("login", keep=req.auth.query)},
        }
        return form_error(page, req, "forgot.html", values, exc.message)
    details = sent.get("CodeDeliveryDetails") or {}
    return _confirm_page(page, req, name, str(details.get("Destination") or ""))


def _confirm_values(page: Page, req: hosted.Request, name: str, sent_to: str) -> dict[str, Any]:
    return {
        "title": "Reset your password",
        "action": page.link("confirmForgotPassword", keep=req.auth.query),
        "username": name,
        "destination": sent_to,
        "links": {"login": page.link("login", keep=req.auth.query)},
    }


def _confirm_page(
    page: Page, req: hosted.Request, name: str, sent_to: str, message: str | None = None
) -> Response:
    values = _confirm_values(page, req, name, sent_to)
    return render(
        page,
        "reset.html",
        callback=req.auth.redirect_uri,
        csrf=page.csrf(),
        message=message,
        **values,
    )


async def confirm_forgot(page: Page) -> Response:
    req = auth_request(page)
    name = (page.form.get("username") or page.query.get("username") or "").strip()[:128]
    sent_to = page.form.get("destination", "")[:128]
    values = _confirm_values(page, req, name, sent_to)
    if page.method != "POST":
        return _confirm_page(page, req, name, "")
    if not page.csrf_ok():
        return form_error(page, req, "reset.html", values, EXPIRED)
    if not name:
        return form_error(page, req, "reset.html", values, "The username is missing.")
    if page.form.get("action") == "resend":
        return await _send(page, req, name)
    code = page.form.get("code", "").strip()[:16]
    password = page.form.get("password", "")[:256]
    if not code:
        return form_error(page, req, "reset.html", values, "Enter the code.", "code")
    if not password:
        return form_error(page, req, "reset.html", values, "Enter a new password.", "password")
    if page.form.get("confirm_password", "")[:256] != password:
        text = "The passwords do not match."
        return form_error(page, req, "reset.html", values, text, "confirm_password")
    request = {
        "ClientId": req.client.id,
        "Username": name,
        "ConfirmationCode": code,
        "Password": password,
        **secret_hash_field(page, req, name),
    }
    try:
        await run(page.svc, page.call, "ConfirmForgotPassword", request)
    except CognitoError as exc:
        field = "password" if "assword" in exc.message else "code"
        return form_error(page, req, "reset.html", values, exc.message, field)
    login: dict[str, Any] = {
        "title": "Sign in",
        "action": page.link("login", keep=req.auth.query),
        "username": name,
        "links": {
            "signup": page.link("signup", keep=req.auth.query),
            "forgot": page.link("forgotPassword", keep=req.auth.query),
        },
        "message": "Your password has been reset. Sign in with your new password.",
    }
    return render(page, "login.html", callback=req.auth.redirect_uri, csrf=page.csrf(), **login)
