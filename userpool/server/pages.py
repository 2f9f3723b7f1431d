"""The hosted pages on the wire: ``/oauth2/authorize`` and the server-rendered pages it leads
to (``/login``, ``/signup``, ``/confirmUser``, ``/forgotPassword``,
``/confirmForgotPassword``, ``/mfa`` for a sign-in's challenges, ``/logout``, ``/error``), where they answer
(the root, ``/<poolId>/...`` and ``/<domain>/...``, and a pool's domain as ``Host``, as
``server.oauth``), their cookies and their forms.

Pages are Jinja2 templates (autoescaped), plain HTML and CSS, no script; every answer has a
strict Content-Security-Policy (styles by nonce, forms only to this origin and the app's
callback). Every POST form carries a CSRF token: the keyed hash of an ``XSRF-TOKEN`` cookie
(HttpOnly, SameSite=Lax). A signed-in browser has a ``cognito`` cookie (HttpOnly,
SameSite=Lax, Secure under HTTPS) naming its session (``operations.hosted``). Inputs are
bounded; refusals show the API's message; nothing unexpected shows more than a request id.

DEVIATION: the cookie names and attributes of Cognito's session are unconfirmed; the
pages' paths after sign-up (the confirm page) are ours.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from userpool.domain.hosted import BackToApp, ErrorPage, error_location
from userpool.domain.services import Call
from userpool.errors import CognitoError, UserNotConfirmedException
from userpool.operations import FAILED_ATTEMPT, hosted
from userpool.server.oauth import NotHere, Route, pool_scope
from userpool.server.page_kit import (
    MAX_BODY,
    SESSION_COOKIE,
    Bad,
    Page,
    auth_request,
    error_page,
    form_error,
    page_headers,
    pairs,
    parse_cookies,
    redirect,
    render,
    start,
)
from userpool.server.pages_challenge import answer, show
from userpool.server.pages_password import confirm_forgot, forgot
from userpool.server.pages_signup import confirm, signup
from userpool.server.response import Response
from userpool.services import Runtime

log = logging.getLogger("userpool.server")

PAGES = (
    "authorize",
    "login",
    "signup",
    "confirmUser",
    "forgotPassword",
    "confirmForgotPassword",
    "mfa",
    "logout",
    "error",
)
_FORMS = ("login", "signup", "confirmUser", "forgotPassword", "confirmForgotPassword", "mfa")


def route(path: str) -> tuple[Route, str] | None:
    """The page ``path`` asks for, and the prefix its links keep (``/<domain>`` or
    ``/<poolId>``), else None."""
    parts = path.split("/")
    if len(parts) < 2 or parts[0] or parts[-1] not in PAGES:
        return None
    name = parts[-1]
    if name == "authorize":
        if len(parts) == 3 and parts[1] == "oauth2":
            return Route(name), ""
        if len(parts) == 3 and "_" in parts[1]:
            return Route(name, pool_id=parts[1]), f"/{parts[1]}"
        if len(parts) == 4 and parts[2] == "oauth2" and parts[1]:
            return Route(name, domain=parts[1].lower()), f"/{parts[1]}"
        return None
    if len(parts) == 2:
        return Route(name), ""
    if len(parts) == 3 and parts[1]:
        if "_" in parts[1]:
            return Route(name, pool_id=parts[1]), f"/{parts[1]}"
        return Route(name, domain=parts[1].lower()), f"/{parts[1]}"
    return None


async def serve(
    svc: Runtime,
    call: Call,
    method: str,
    found: Route,
    prefix: str,
    headers: Callable[[str], str | None],
    body: bytes,
    query: str,
) -> Response:
    """One request to a hosted page, under the address's rate limit as the JSON API."""
    page = Page(
        svc, call, method, found, prefix, headers, {}, query, {}, parse_cookies(headers("cookie"))
    )
    try:
        svc.limiter.admit("ip", call.source_ip)
        page.pool_id = pool_scope(svc, found, headers)
        page.query = pairs(query)
        if method == "POST" and found.endpoint in _FORMS:
            kind = (headers("content-type") or "").split(";")[0].strip().lower()
            if kind != "application/x-www-form-urlencoded" or len(body) > MAX_BODY:
                raise Bad
            page.form = pairs(body.decode("utf-8", "strict"))
        elif method not in ("GET", "HEAD"):
            return Response(405, page_headers(page, "text/plain", None), b"")
        return await _HANDLERS[found.endpoint](page)
    except NotHere:
        return Response(
            404, page_headers(page, "application/json", None), b'{"message":"Not Found"}'
        )
    except (Bad, UnicodeDecodeError):
        return error_page(page, "invalid_request")
    except ErrorPage as exc:
        fields = {"error": exc.error, **({"client_id": exc.client_id} if exc.client_id else {})}
        return redirect(page, page.link("error", fields))
    except BackToApp as exc:
        return redirect(page, exc.location)
    except CognitoError as exc:
        return error_page(page, exc.message, exc.status)
    except Exception:
        log.exception("request %s to a hosted page failed", call.request_id)
        return error_page(page, f"Request {call.request_id} failed.", 500)


async def _signed_in(page: Page, req: hosted.Request) -> Response | None:
    """Straight back to the app when the browser has a live session of the pool (and the
    app did not ask for a new sign-in)."""
    if page.query.get("prompt") == "login":
        return None
    known = hosted.session_user(page.svc, req.pool, page.cookies.get(SESSION_COOKIE))
    if known is None:
        return None
    location = await hosted.finish(page.svc, page.call, req, known[0], known[1])
    return redirect(page, location)


def _check_provider(page: Page) -> None:
    """DEVIATION: this server has no identity providers: any but COGNITO is the error page."""
    provider = page.query.get("identity_provider")
    if provider not in (None, "COGNITO") or "idp_identifier" in page.query:
        raise ErrorPage("invalid_request", page.query.get("client_id"))


async def _authorize(page: Page) -> Response:
    """Back to the app when signed in; else the login page, or with ``prompt=none`` the
    app hears ``error=login_required`` (OIDC's answer, as Cognito's managed login gives).

    DEVIATION: ``lang`` is accepted and kept, but every page is in English."""
    req = auth_request(page)
    _check_provider(page)
    signed = await _signed_in(page, req)
    if signed is not None:
        return signed
    if page.query.get("prompt") == "none":
        auth = req.auth
        raise BackToApp(error_location(auth.redirect_uri, auth.state, "login_required"))
    return redirect(page, f"{page.prefix}/login?{page.raw_query}")


async def _login(page: Page) -> Response:
    req = auth_request(page)
    _check_provider(page)
    links = {
        "signup": page.link("signup", keep=req.auth.query),
        "forgot": page.link("forgotPassword", keep=req.auth.query),
    }
    values: dict[str, Any] = {"title": "Sign in", "links": links, "action": "", "username": ""}
    if page.method != "POST":
        signed = await _signed_in(page, req)
        if signed is not None:
            return signed
        hint = page.query.get("login_hint", "")[:128]
        values["username"] = hint
        return render(
            page, "login.html", callback=req.auth.redirect_uri, csrf=page.csrf(), **values
        )
    name = page.form.get("username", "").strip()[:128]
    password = page.form.get("password", "")[:256]
    values["username"] = name
    if not page.csrf_ok():
        return form_error(page, req, "login.html", values, "Your form expired. Please try again.")
    if not name:
        return form_error(page, req, "login.html", values, "Enter your username.", "username")
    if not password:
        return form_error(page, req, "login.html", values, "Enter your password.", "password")
    svc, call = page.svc, page.call
    try:
        svc.limiter.admit("client", f"{req.client.id}@{call.source_ip}")
        svc.limiter.check("fail", call.source_ip)
        try:
            outcome = await hosted.sign_in(svc, call, req, name, password)
        except CognitoError as exc:
            if exc.code in FAILED_ATTEMPT:
                svc.limiter.count("fail", call.source_ip)
            raise
    except UserNotConfirmedException:
        return redirect(page, page.link("confirmUser", {"username": name}, req.auth.query))
    except CognitoError as exc:
        return form_error(page, req, "login.html", values, exc.message)
    if isinstance(outcome, hosted.Challenge):
        return await show(page, req, name, outcome)
    return await start(page, req, outcome.user, outcome.amr)


async def _logout(page: Page) -> Response:
    """Clear the session (always), then back to a registered sign-out URL, or to sign-in
    again (``redirect_uri`` and ``response_type``)."""
    hosted.close_session(page.svc, page.cookies.get(SESSION_COOKIE))
    page.cookie(SESSION_COOKIE, "", 0)
    client_id = page.query.get("client_id")
    if not client_id:
        return error_page(page, "Missing required parameter client_id in request URL")
    logout_uri = page.query.get("logout_uri")
    if logout_uri is not None:
        urls = hosted.logout_urls(page.svc, page.pool_id, client_id)
        if logout_uri in urls:
            return redirect(page, logout_uri)
        return error_page(page, "Required String parameter 'redirect_uri' is not present")
    if "redirect_uri" in page.query and "response_type" in page.query:
        keep = {
            k: v
            for k, v in page.query.items()
            if k in ("client_id", "redirect_uri", "response_type", "scope", "state")
        }
        return redirect(page, page.link("login", keep=keep))
    return error_page(page, "Required String parameter 'redirect_uri' is not present")


async def _error(page: Page) -> Response:
    error = page.query.get("error", "")[:64]
    return error_page(page, error or None)


_HANDLERS = {
    "authorize": _authorize,
    "login": _login,
    "signup": signup,
    "confirmUser": confirm,
    "forgotPassword": forgot,
    "confirmForgotPassword": confirm_forgot,
    "mfa": answer,
    "logout": _logout,
    "error": _error,
}
