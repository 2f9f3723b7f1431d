"""The hosted pages' kit: a page request parsed (bounded query and form, cookies), its
CSRF token, its cookies, and its answers (a template rendered with a strict
Content-Security-Policy, a redirect, the error page)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import jinja2

from userpool.domain import crypto
from userpool.domain.services import Call
from userpool.operations import hosted
from userpool.server.oauth import Route
from userpool.server.response import Response
from userpool.services import Runtime

MAX_QUERY = 8 << 10  # DEVIATION: Cognito's limits on these requests are unpublished
MAX_BODY = 8 << 10
MAX_FIELDS = 32
SESSION_COOKIE = "cognito"
CSRF_COOKIE = "XSRF-TOKEN"
_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


class Bad(Exception):
    """A malformed request: the error page."""


@dataclass
class Page:
    """One request to a page, parsed."""

    svc: Runtime
    call: Call
    method: str
    found: Route
    prefix: str
    headers: Callable[[str], str | None]
    query: dict[str, str]
    raw_query: str
    form: dict[str, str]
    cookies: dict[str, str]
    pool_id: str | None = None
    set_cookies: list[str] | None = None

    def https(self) -> bool:
        proto = (self.headers("x-forwarded-proto") or "").lower()
        return proto == "https" or self.svc.settings.issuer("x").startswith("https://")

    def cookie(self, name: str, value: str, max_age: int) -> None:
        path = self.prefix or "/"
        secure = "; Secure" if self.https() else ""
        text = f"{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}"
        self.set_cookies = [*(self.set_cookies or []), text]

    def csrf(self) -> str:
        """The form token for this browser (a new XSRF-TOKEN cookie when it has none)."""
        token = self.cookies.get(CSRF_COOKIE, "")
        if len(token) != 43:
            token = secrets.token_urlsafe(32)
            self.cookies[CSRF_COOKIE] = token
            self.cookie(CSRF_COOKIE, token, 86400)
        return crypto.keyed_hash(self.svc.key, "csrf", token)

    def csrf_ok(self) -> bool:
        token = self.cookies.get(CSRF_COOKIE, "")
        given = self.form.get("_csrf", "")
        return len(token) == 43 and crypto.equal(
            given, crypto.keyed_hash(self.svc.key, "csrf", token)
        )

    def link(
        self, page: str, extra: dict[str, str] | None = None, keep: dict[str, str] | None = None
    ) -> str:
        fields = {**(keep or {}), **(extra or {})}
        return f"{self.prefix}/{page}?{urlencode(fields)}" if fields else f"{self.prefix}/{page}"


def pairs(text: str) -> dict[str, str]:
    if len(text) > MAX_QUERY:
        raise Bad
    try:
        pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except ValueError:
        raise Bad from None
    out: dict[str, str] = {}
    for name, value in pairs:
        if name in out or len(value) > 2048:
            raise Bad
        out[name] = value
    return out


def parse_cookies(header: str | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in (header or "")[:8192].split(";"):
        name, _, value = part.strip().partition("=")
        if name and name not in out:
            out[name] = value
    return out


def page_headers(page: Page, content_type: str, csp: str | None) -> list[tuple[str, str]]:
    out = [
        ("content-type", content_type),
        ("x-amzn-requestid", page.call.request_id),
        ("cache-control", "no-cache, no-store, max-age=0, must-revalidate"),
        ("x-frame-options", "DENY"),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
    ]
    if csp:
        out.append(("content-security-policy", csp))
    out += [("set-cookie", c) for c in page.set_cookies or []]
    return out


def redirect(page: Page, location: str) -> Response:
    headers = page_headers(page, "text/plain; charset=utf-8", "default-src 'none'")
    return Response(302, [*headers, ("location", location)], b"")


def render(
    page: Page, template: str, status: int = 200, callback: str | None = None, **values: Any
) -> Response:
    nonce = secrets.token_urlsafe(16)
    targets = "'self'"
    if callback:
        parts = urlsplit(callback)
        origin = f"{parts.scheme}://{parts.netloc}" if parts.netloc else f"{parts.scheme}:"
        targets += f" {origin}"
    csp = (
        f"default-src 'none'; style-src 'nonce-{nonce}'; img-src 'self' data:; "
        f"form-action {targets}; frame-ancestors 'none'; base-uri 'none'"
    )
    values.setdefault("message", None)
    values.setdefault("error", None)
    values.setdefault("field", None)
    body = _ENV.get_template(template).render(nonce=nonce, **values).encode()
    return Response(status, page_headers(page, "text/html; charset=utf-8", csp), body)


def error_page(page: Page, detail: str | None = None, status: int = 400) -> Response:
    return render(page, "error.html", status, title="Error", detail=detail)


def auth_request(page: Page) -> hosted.Request:
    return hosted.authorization(page.svc, page.pool_id, page.query)


async def start(page: Page, req: hosted.Request, user: Any, amr: tuple[str, ...] = ()) -> Response:
    """A new browser session, and back to the app (``amr``: the sign-in's MFA methods)."""
    token = hosted.open_session(page.svc, req.pool, user)
    page.cookie(SESSION_COOKIE, token, hosted.BROWSER_SECONDS)
    known = hosted.session_user(page.svc, req.pool, token)
    auth_time = known[1] if known else int(page.svc.clock.now())
    return redirect(page, await hosted.finish(page.svc, page.call, req, user, auth_time, amr))


def form_error(
    page: Page,
    req: hosted.Request,
    template: str,
    values: dict[str, Any],
    error: str,
    field: str | None = None,
) -> Response:
    return render(
        page,
        template,
        400,
        callback=req.auth.redirect_uri,
        csrf=page.csrf(),
        error=error,
        field=field,
        **values,
    )


def secret_hash_field(page: Page, req: hosted.Request, name: str) -> dict[str, str]:
    found = hosted.secret_hash(page.svc, req.client, name)
    return {"SecretHash": found["SECRET_HASH"]} if found else {}
