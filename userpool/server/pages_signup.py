"""The hosted sign-up pages: ``/signup`` (SignUp, its secret hash made here) and
``/confirmUser`` (the emailed code, ConfirmSignUp, and "Send a new code":
ResendConfirmationCode); a confirmed sign-up ends signed in, back at the app. The link of a
CONFIRM_WITH_LINK message is a GET of ``/confirmUser`` that confirms."""

from __future__ import annotations

from typing import Any

from userpool.errors import CognitoError
from userpool.operations import hosted, run
from userpool.server.page_kit import (
    Page,
    auth_request,
    form_error,
    redirect,
    render,
    secret_hash_field,
    start,
)
from userpool.server.response import Response

_SIGN_UP_FIELDS = {  # attribute -> (label, input type, autocomplete)
    "email": ("Email", "email", "email"),
    "phone_number": ("Phone number", "tel", "tel"),
    "name": ("Name", "text", "name"),
    "given_name": ("Given name", "text", "given-name"),
    "family_name": ("Family name", "text", "family-name"),
}


def sign_up_fields(req: hosted.Request) -> tuple[bool, list[dict[str, Any]]]:
    """Whether the form asks for a username, and the attributes it asks for: the pool's
    username attributes and required ones, and email.

    DEVIATION: Cognito's classic form's fields are undocumented beyond these."""
    config = req.pool.config
    by_attribute = list(config.get("UsernameAttributes") or [])
    wanted = list(dict.fromkeys([*by_attribute, "email"]))
    for attr in config.get("SchemaAttributes") or []:
        if attr.get("Required") and attr.get("Name") not in wanted:
            wanted.append(str(attr["Name"]))
    required = {a["Name"] for a in config.get("SchemaAttributes") or [] if a.get("Required")}
    fields = []
    for name in wanted:
        label, kind, auto = _SIGN_UP_FIELDS.get(name, (name, "text", "off"))
        fields.append(
            {
                "name": name,
                "label": label,
                "kind": kind,
                "autocomplete": auto,
                "required": name in required or name in by_attribute,
            }
        )
    return not by_attribute, fields


async def signup(page: Page) -> Response:
    req = auth_request(page)
    ask_username, attributes = sign_up_fields(req)
    values: dict[str, Any] = {
        "title": "Sign up",
        "action": "",
        "ask_username": ask_username,
        "attributes": attributes,
        "values": {},
        "links": {"login": page.link("login", keep=req.auth.query)},
    }
    if page.method != "POST":
        return render(
            page, "signup.html", callback=req.auth.redirect_uri, csrf=page.csrf(), **values
        )
    form = {k: v.strip()[:256] for k, v in page.form.items() if k not in ("password", "_csrf")}
    values["values"] = form
    if not page.csrf_ok():
        return form_error(page, req, "signup.html", values, "Your form expired. Please try again.")
    given = {a["name"]: form.get(a["name"], "") for a in attributes}
    name = form.get("username", "") if ask_username else next(iter(given.values()), "")
    password = page.form.get("password", "")[:256]
    if not name:
        return form_error(page, req, "signup.html", values, "Enter a username.", "username")
    request: dict[str, Any] = {
        "ClientId": req.client.id,
        "Username": name,
        "Password": password,
        "UserAttributes": [{"Name": k, "Value": v} for k, v in given.items() if v],
        **secret_hash_field(page, req, name),
    }
    try:
        answer = await run(page.svc, page.call, "SignUp", request)
    except CognitoError as exc:
        field = "password" if "assword" in exc.message else None
        return form_error(page, req, "signup.html", values, exc.message, field)
    if answer.get("UserConfirmed"):
        user = await hosted.confirmed(page.svc, page.call, req, name)
        return await start(page, req, user)
    return redirect(page, page.link("confirmUser", {"username": name}, req.auth.query))


async def confirm(page: Page) -> Response:
    if page.method != "POST" and "confirmation_code" in page.query:
        return await confirm_link(page)
    req = auth_request(page)
    name = (page.form.get("username") or page.query.get("username") or "").strip()[:128]
    values: dict[str, Any] = {
        "title": "Confirm your account",
        "action": "",
        "username": name,
        "destination": None,
    }
    if page.method != "POST":
        return render(
            page, "confirm.html", callback=req.auth.redirect_uri, csrf=page.csrf(), **values
        )
    if not page.csrf_ok():
        return form_error(page, req, "confirm.html", values, "Your form expired. Please try again.")
    if not name:
        return form_error(page, req, "confirm.html", values, "The username is missing.")
    base = {"ClientId": req.client.id, "Username": name, **secret_hash_field(page, req, name)}
    if page.form.get("action") == "resend":
        try:
            sent = await run(page.svc, page.call, "ResendConfirmationCode", base)
        except CognitoError as exc:
            return form_error(page, req, "confirm.html", values, exc.message)
        details = sent.get("CodeDeliveryDetails") or {}
        values["destination"] = details.get("Destination")
        values["message"] = "We sent you a new code."
        return render(
            page, "confirm.html", callback=req.auth.redirect_uri, csrf=page.csrf(), **values
        )
    code = page.form.get("code", "").strip()[:16]
    if not code:
        return form_error(page, req, "confirm.html", values, "Enter the code.", "code")
    try:
        await run(page.svc, page.call, "ConfirmSignUp", {**base, "ConfirmationCode": code})
    except CognitoError as exc:
        return form_error(page, req, "confirm.html", values, exc.message, "code")
    user = await hosted.confirmed(page.svc, page.call, req, name)
    return await start(page, req, user)


async def confirm_link(page: Page) -> Response:
    """A CONFIRM_WITH_LINK message's link: a GET that confirms the user."""
    client_id = page.query.get("client_id", "")
    name = page.query.get("user_name", "")[:128]
    request = {"ClientId": client_id, "Username": name}
    request["ConfirmationCode"] = page.query.get("confirmation_code", "")[:16]
    found = hosted.secret_hash_of(page.svc, client_id, name)
    if found:
        request["SecretHash"] = found
    await run(page.svc, page.call, "ConfirmSignUp", request)
    return render(
        page,
        "error.html",
        200,
        title="Account confirmed",
        detail=None,
        message="Your account is confirmed. You can sign in now.",
    )
