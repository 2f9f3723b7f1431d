"""The hosted pages' entry points (``server.pages`` is their transport): the authorization
request checked, the password sign-in of the login page (the steps InitiateAuth's
USER_PASSWORD_AUTH takes: the app client's secret hash made here, UserMigration,
PreAuthentication, threat protection, lockout, PostAuthentication), the challenges that may follow
(NEW_PASSWORD_REQUIRED, MFA codes, SELECT_MFA_TYPE, MFA_SETUP: ``steps.mfa_challenge``'s,
with sessions of their own that the API does not answer), the browser's session
(a random cookie whose keyed hash is stored, living an hour, a few per user), and the way
back to the app: a code, or tokens in the fragment (implicit).

Sign-up, confirmation and resending a code are the API's own operations, which the pages
call through ``operations.run`` as the JSON API does.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from userpool.domain import codes, crypto, mfa_signin
from userpool.domain.entities import FORCE_CHANGE_PASSWORD, AppClient, Pool, Session, User
from userpool.domain.hosted import Authorization, ErrorPage, check_authorization
from userpool.domain.ports import NotFound
from userpool.domain.services import Call, Services
from userpool.domain.signin import check_status
from userpool.errors import (
    INVALID_SESSION,
    CognitoError,
    InvalidParameterException,
    NotAuthorizedException,
    UserNotFoundException,
)
from userpool.operations.steps import decoys, mfa_challenge, migration, oauth, risk, token_hooks
from userpool.operations.steps.lookups import active_secrets, stored_user
from userpool.operations.steps.mfa_challenge import HOSTED, SIGNED_IN, second_factor
from userpool.operations.steps.oauth_tokens import SignIn, issue, new_code
from userpool.operations.steps.signin import (
    GHOST,
    check_password,
    new_password_challenge,
    user_for_sign_in,
)

BROWSER_SECONDS = 3600  # a hosted sign-in's session lasts an hour (Cognito's)
MAX_BROWSER_SESSIONS = 5  # DEVIATION: per user; the oldest is ended by a sixth sign-in
_BROWSER = "hosted:browser"


@dataclass(frozen=True)
class Passed:
    """A sign-in done: the user, and the methods of its second factor (``amr``)."""

    user: User
    amr: tuple[str, ...] = ()


@dataclass(frozen=True)
class Challenge:
    """The next step a sign-in needs: the API's challenge, its Session and parameters."""

    name: str
    session: str
    parameters: dict[str, str]


def _outcome(answer: dict[str, Any]) -> Passed | Challenge:
    if SIGNED_IN in answer:
        return Passed(answer[SIGNED_IN], tuple(answer.get("amr") or ()))
    return Challenge(
        str(answer["ChallengeName"]),
        str(answer["Session"]),
        {str(k): str(v) for k, v in (answer.get("ChallengeParameters") or {}).items()},
    )


@dataclass(frozen=True)
class Request:
    """An authorization request checked against its client and pool."""

    pool: Pool
    client: AppClient
    auth: Authorization


def authorization(svc: Services, pool_id: str | None, query: dict[str, str]) -> Request:
    """Check an authorization request (``pool_id``: the pool the host or path names, if
    any): an unknown client is the error page; then ``domain.hosted``'s order."""
    client_id = query.get("client_id", "")
    if not client_id or len(client_id) > 128:
        raise ErrorPage("invalid_request")
    try:
        with svc.store.read() as tx:
            client, pool = tx.client_and_pool(client_id)
            active = oauth.pool_scopes(tx, pool.id)
    except NotFound:
        raise ErrorPage("invalid_request") from None
    if pool_id is not None and pool.id != pool_id:
        raise ErrorPage("invalid_request")
    return Request(pool, client, check_authorization(query, client.id, client.config, active))


def secret_hash(svc: Services, client: AppClient, name: str) -> dict[str, str]:
    """The client's SecretHash for ``name`` (as ``SECRET_HASH``; none for a public client),
    made here: the page is the app's stand-in, and the browser never sees the secret."""
    secrets = active_secrets(svc, client)
    if not secrets:
        return {}
    return {"SECRET_HASH": crypto.secret_hash(secrets[-1].value, name, client.id)}


def secret_hash_of(svc: Services, client_id: str, name: str) -> str | None:
    """``secret_hash`` for a client named by id (None: unknown or public)."""
    try:
        with svc.store.read() as tx:
            client, _ = tx.client_and_pool(client_id[:128])
    except NotFound:
        return None
    return secret_hash(svc, client, name).get("SECRET_HASH")


def logout_urls(svc: Services, pool_id: str | None, client_id: str) -> list[str]:
    """The client's registered sign-out URLs (none for an unknown client, or one of
    another pool than the host or path names)."""
    try:
        with svc.store.read() as tx:
            client, pool = tx.client_and_pool(client_id[:128])
    except NotFound:
        return []
    if pool_id is not None and pool.id != pool_id:
        return []
    return [str(u) for u in client.config.get("LogoutURLs") or []]


async def sign_in(
    svc: Services, call: Call, req: Request, name: str, password: str
) -> Passed | Challenge:
    """The login page's password sign-in, as USER_PASSWORD_AUTH signs in (whatever the
    client's ExplicitAuthFlows, as Cognito's hosted pages do): done, or the challenge
    the API would answer (NEW_PASSWORD_REQUIRED, an MFA one), whose Session only
    ``respond`` answers. Refusals are the API's errors, so PreventUserExistenceErrors
    words them as it does there.

    DEVIATION: no ClientMetadata reaches the triggers (the page has none to send)."""
    pool, client = req.pool, req.client
    params = {"USERNAME": name, **secret_hash(svc, client, name)}
    hidden = client.prevent_user_existence_errors
    found: User | None = None
    unknown: CognitoError | None = None
    with svc.store.read() as tx:
        try:
            found = user_for_sign_in(svc, tx, pool, client, params, name)
        except UserNotFoundException as exc:
            unknown = exc
    if found is None:
        try:
            found = await migration.migrate(svc, pool, client, name, password, None)
        except UserNotFoundException:
            if not hidden:
                raise
        if found is None and unknown is not None:
            raise unknown
    user = found if found is not None else await decoys.ghost(svc, pool, name)
    ghost = user.status == GHOST
    risk.guard(svc, call, pool, client, None if ghost else user, "SignIn")
    if not ghost and user.enabled:
        await token_hooks.authentication(svc, call, "PreAuthentication", pool, client.id, user)
    await check_password(svc, call, pool, user, password, hidden)
    if user.status == FORCE_CHANGE_PASSWORD:
        source = {"source": HOSTED}
        return _outcome(new_password_challenge(svc, pool, client, user, source))
    return _outcome(await second_factor(svc, call, pool, client, user, source=HOSTED))


async def respond(
    svc: Services,
    call: Call,
    req: Request,
    name: str,
    challenge: str,
    session: str,
    answers: dict[str, str],
) -> Passed | Challenge:
    """A challenge page's answer (``answers`` as RespondToAuthChallenge's
    ChallengeResponses) with the Session the pages were given: the next step, or done.
    Only sessions of the hosted pages' own sign-ins are answered here."""
    pool, client = req.pool, req.client
    params = {"USERNAME": name, **secret_hash(svc, client, name)}
    with svc.store.read() as tx:
        user = user_for_sign_in(svc, tx, pool, client, params, name)
    if user is None or not session or len(session) > 4096:
        raise NotAuthorizedException(INVALID_SESSION)
    if challenge in mfa_signin.CHALLENGES:
        answer = await mfa_challenge.respond(
            svc, call, pool, client, user, challenge, session, answers, hosted=True
        )
        if answer is None:
            raise NotAuthorizedException(INVALID_SESSION)
        return _outcome(answer)
    if challenge != "NEW_PASSWORD_REQUIRED":
        raise InvalidParameterException(f"Unsupported challenge {challenge}.")
    with svc.store.transaction() as tx:
        try:
            row = tx.take_session(codes.session_hash(svc.key, session))
        except NotFound:
            raise NotAuthorizedException(INVALID_SESSION) from None
        if (
            row.purpose != "challenge:NEW_PASSWORD_REQUIRED"
            or (row.client_id, row.sub) != (client.id, user.sub)
            or row.expires < svc.clock.now()
        ):
            raise NotAuthorizedException(INVALID_SESSION)  # rolled back: left as it was
        mfa_challenge.check_origin(row, hosted=True)
    check_status(user)
    try:
        answer = await mfa_challenge.new_password(
            svc, call, pool, client, user, answers, source=HOSTED
        )
    except CognitoError:
        with svc.store.transaction() as tx:
            tx.put_session(row)  # a refused password (policy...) may be tried again
        raise
    return _outcome(answer)


async def confirmed(svc: Services, call: Call, req: Request, name: str) -> User:
    """The user a hosted sign-up just confirmed, signed in (PostAuthentication runs), as
    Cognito ends a first sign-up signed in."""
    with svc.store.read() as tx:
        user = user_for_sign_in(
            svc, tx, req.pool, req.client, secret_hash(svc, req.client, name), name
        )
    if user is None:
        raise UserNotFoundException("User does not exist.")
    await token_hooks.authentication(svc, call, "PostAuthentication", req.pool, req.client.id, user)
    return user


# -- the browser's session -------------------------------------------------------------------
def open_session(svc: Services, pool: Pool, user: User) -> str:
    """A new browser session for ``user``: its cookie value. A user keeps at most
    ``MAX_BROWSER_SESSIONS``; a new one ends the oldest."""
    now = svc.clock.now()
    expires = now + BROWSER_SECONDS
    token, row = codes.new_session(svc.key, pool.id, "", user.sub, _BROWSER, expires)
    row.data = {"auth_time": int(now)}
    with svc.store.transaction() as tx:
        fresh = stored_user(tx, pool.id, user.sub)
        live = [s for s in fresh.extra.get("browser") or [] if float(s[1]) > now]
        while len(live) >= MAX_BROWSER_SESSIONS:
            oldest = live.pop(0)
            with contextlib.suppress(NotFound):
                tx.take_session(str(oldest[0]))
        live.append([row.token_hash, expires])
        fresh.extra["browser"] = live
        tx.update_user(fresh)
        tx.put_session(row)
    return token


def session_user(svc: Services, pool: Pool, token: str | None) -> tuple[User, int] | None:
    """The user (and sign-in time) of a live browser session of ``pool``, else None."""
    if not token or len(token) > 256:
        return None
    key = codes.session_hash(svc.key, token)
    try:
        with svc.store.transaction() as tx:
            row = tx.take_session(key)
            tx.put_session(row)  # looked at, not spent
            user = tx.user_by_sub(row.pool_id, row.sub)
    except NotFound:
        return None
    if row.purpose != _BROWSER or row.pool_id != pool.id or row.expires < svc.clock.now():
        return None
    if not user.enabled:
        return None
    return user, int(row.data.get("auth_time") or row.expires - BROWSER_SECONDS)


def close_session(svc: Services, token: str | None) -> None:
    """End a browser session (``/logout``); an unknown one is ignored."""
    if not token or len(token) > 256:
        return
    try:
        with svc.store.transaction() as tx:
            row: Session = tx.take_session(codes.session_hash(svc.key, token))
            if row.purpose != _BROWSER:
                tx.put_session(row)
    except NotFound:
        pass


# -- back to the app -------------------------------------------------------------------------
async def finish(
    svc: Services, call: Call, req: Request, user: User, auth_time: int, amr: tuple[str, ...] = ()
) -> str:
    """Where the browser goes once signed in: the redirect URI with a code (and ``state``),
    or, for the implicit grant, with the tokens in its fragment."""
    auth = req.auth
    if auth.response_type == "code":
        data = {
            "redirect_uri": auth.redirect_uri,
            "challenge": auth.challenge,
            "nonce": auth.nonce,
            "scopes": list(auth.scopes),
            "auth_time": auth_time,
            **({"amr": list(amr)} if amr else {}),
        }
        code = new_code(svc, req.pool, user, req.client.id, data)
        fields = {"code": code}
        if auth.state is not None:
            fields["state"] = auth.state
        joiner = "&" if "?" in auth.redirect_uri else "?"
        return f"{auth.redirect_uri}{joiner}{urlencode(fields)}"
    sign = SignIn(auth.scopes, auth.nonce, auth_time, amr)
    out = await issue(svc, call, req.pool, req.client, user, sign, with_refresh=False)
    fragment: dict[str, str] = {k: str(out[k]) for k in ("id_token", "access_token") if k in out}
    fragment.update({"expires_in": str(out["expires_in"]), "token_type": "Bearer"})
    if auth.state is not None:
        fragment["state"] = auth.state
    return f"{auth.redirect_uri}#{urlencode(fragment)}"
