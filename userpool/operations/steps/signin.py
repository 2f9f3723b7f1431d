"""Sign-in steps shared by the auth flows: password checks with Cognito's lockout, challenge
sessions, and issuing tokens (ID, access, refresh) for a user."""

from __future__ import annotations

import uuid
from typing import Any

import orjson

from userpool.domain import codes, devices, ids, tokens
from userpool.domain.entities import (
    AppClient,
    Pool,
    RefreshToken,
    Session,
    User,
)
from userpool.domain.ports import Device, NotFound, Tx
from userpool.domain.risk import remember_device
from userpool.domain.services import Call, Services
from userpool.domain.signin import (
    QUIET,
    check_status,
    clear_failures,
    lock_seconds,
    locked,
    note_failure,
)
from userpool.errors import (
    INVALID_REFRESH_TOKEN,
    INVALID_SESSION,
    LOCKED,
    SESSION_EXPIRED,
    USER_DISABLED,
    WRONG_PASSWORD,
    InvalidParameterException,
    NotAuthorizedException,
    UserNotFoundException,
)
from userpool.operations.steps import risk, token_hooks
from userpool.operations.steps.lookups import (
    secret_hash_matches,
    stored_user,
    user_unless_hidden,
)

# The status of a stand-in for an unknown name under PreventUserExistenceErrors=ENABLED
# (made by decoys.ghost, never stored): it goes through the sign-in steps a real user does.
GHOST = "GHOST"


def param(params: dict[str, str], name: str) -> str:
    value = params.get(name)
    if not value:
        raise InvalidParameterException(f"Missing required parameter {name}")
    return value


def check_auth_secret(
    svc: Services, client: AppClient, params: dict[str, str], names: list[str]
) -> None:
    """``SECRET_HASH`` inside AuthParameters/ChallengeResponses, for clients with a secret.

    DEVIATION: which name Cognito hashes per flow is partly unconfirmed; we accept a hash
    made with any of ``names`` (the name typed, the username, the sub), with any of the
    client's active secrets.
    """
    if client.secret is None:
        return
    given = params.get("SECRET_HASH")
    if not given:
        raise NotAuthorizedException(
            f"Client {client.id} is configured with secret but SECRET_HASH was not received"
        )
    if not secret_hash_matches(svc, client, names, given):
        raise NotAuthorizedException(f"Unable to verify secret hash for client {client.id}")


def user_for_sign_in(
    svc: Services, tx: Tx, pool: Pool, client: AppClient, params: dict[str, str], name: str
) -> User | None:
    """The user, or None for an unknown one when the client hides existence (the caller
    then signs a ghost in); otherwise Cognito's UserNotFoundException. A disabled user is
    refused here, unless the client hides existence: then only after a correct password.
    Either refusal comes after the client's ``SECRET_HASH`` (in ``params``) is checked.

    DEVIATION: that the app client's secret is checked before the user is inferred (the
    order of Cognito's checks is not documented); it is the order every other operation
    with a secret hash follows here."""
    try:
        user = user_unless_hidden(tx, pool, client, name)
    except UserNotFoundException:
        check_auth_secret(svc, client, params, [name])
        raise
    if user is None:
        return None
    if not user.enabled and not client.prevent_user_existence_errors:
        check_auth_secret(svc, client, params, [name, user.username, user.sub])
        raise NotAuthorizedException(USER_DISABLED)
    return user


async def check_password(
    svc: Services, call: Call, pool: Pool, user: User, password: str, hidden: bool = False
) -> None:
    """Status first (an unconfirmed user hears so even with a wrong password, as Cognito
    answers), then lockout; with ``hidden`` (PreventUserExistenceErrors=ENABLED) the
    password first, so a wrong one gets "Incorrect username or password." whoever asks.
    A right password whose hash is due an upgrade (``--password-hashing``) is hashed again
    at the server's setting and stored with the success."""
    if not hidden:
        check_status(user)
    begin_attempt(svc, pool, user)
    stored = user.password_hash
    verdict, upgraded = await svc.hasher.check(stored, password) if stored else (False, None)
    settle_attempt(svc, call, pool, user, verdict, (stored, upgraded) if upgraded else None)
    check_status(user)


def begin_attempt(svc: Services, pool: Pool, user: User) -> None:
    """Count the attempt as failed before checking it, so concurrent guesses cannot all
    slip past the lockout while the (slow) check runs; a success takes it back."""
    if user.status == GHOST:
        _ghost_attempt(svc, pool, user.sub)
        return
    now = svc.clock.now()
    with svc.store.transaction() as tx:
        fresh = stored_user(tx, pool.id, user.sub)
        if locked(fresh, now):
            raise NotAuthorizedException(LOCKED)
        note_failure(fresh, now)
        tx.update_user(fresh)


def _ghost_attempt(svc: Services, pool: Pool, sub: str) -> None:
    """Cognito's lockout for a name that belongs to nobody, kept in the attempts table (rows
    purged after a day): one "signin-fail" row per failure of the current streak, all
    rewritten at each failure so that 15 quiet minutes end the streak, as ``note_failure``
    does; a lock is a "signin-lock" row dated when it ends."""
    now = svc.clock.now()
    with svc.store.transaction() as tx:
        if tx.count_attempts(pool.id, sub, "signin-lock", now):
            raise NotAuthorizedException(LOCKED)
        failures = tx.count_attempts(pool.id, sub, "signin-fail", now - QUIET) + 1
        tx.clear_attempts(pool.id, sub, "signin-fail")
        for _ in range(failures):
            tx.add_attempt(pool.id, sub, "signin-fail", now)
        lock = lock_seconds(failures)
        if lock is not None:
            tx.add_attempt(pool.id, sub, "signin-lock", now + lock)


def _sign_in_event(
    tx: Tx,
    svc: Services,
    call: Call,
    pool: Pool,
    client: AppClient | None,
    user: User,
    response: str,
) -> None:
    verdict = risk.assess(svc, call, pool, client, user)
    now = svc.clock.now()
    risk.record(
        tx,
        call,
        pool,
        user,
        "SignIn",
        now,
        client=client,
        response=response,
        risk=verdict,
        notify=svc,
    )
    if response == "Pass" and verdict.device is not None:
        fresh = stored_user(tx, pool.id, user.sub)
        if remember_device(fresh, verdict):
            tx.update_user(fresh)


def settle_attempt(
    svc: Services,
    call: Call,
    pool: Pool,
    user: User,
    good: bool,
    rehash: tuple[str | None, str] | None = None,
) -> None:
    """The attempt's outcome: a failure recorded (and refused), or the lockout cleared; with
    ``rehash`` (the hash checked, its upgrade), the upgrade stored unless the password
    changed meanwhile."""
    if user.status == GHOST:
        raise NotAuthorizedException(WRONG_PASSWORD)  # nobody's proof passes; no event for nobody
    if not good:
        with svc.store.transaction() as tx:
            _sign_in_event(tx, svc, call, pool, None, user, "Fail")
        svc.outbox.notify()  # a risk notice may be waiting
        raise NotAuthorizedException(WRONG_PASSWORD)
    with svc.store.transaction() as tx:
        fresh = stored_user(tx, pool.id, user.sub)
        clear_failures(fresh)
        if rehash is not None and fresh.password_hash == rehash[0]:
            fresh.password_hash = rehash[1]
        tx.update_user(fresh)
    user.extra, user.password_hash = fresh.extra, fresh.password_hash


def check_session(
    svc: Services, session: Session, client: AppClient, user: User, purpose: str
) -> None:
    """A taken challenge session must be of ``purpose``, for this client and this user
    ("Invalid session for the user."), and not past its expiry (Cognito's expired text)."""
    if session.purpose != purpose or session.client_id != client.id or session.sub != user.sub:
        raise NotAuthorizedException(INVALID_SESSION)
    if session.expires < svc.clock.now():
        raise NotAuthorizedException(SESSION_EXPIRED)


def challenge_session(
    svc: Services,
    tx: Tx,
    client: AppClient,
    user: User,
    name: str,
    data: dict[str, Any] | None = None,
    token: str | None = None,
    kind: str = "challenge",
) -> str:
    """A new session for the challenge ``name`` (purpose ``<kind>:<name>``), living the
    client's ``AuthSessionValidity``; its token."""
    expires = svc.clock.now() + client.auth_session_validity_minutes * 60
    token, session = codes.new_session(
        svc.key, client.pool_id, client.id, user.sub, f"{kind}:{name}", expires, token
    )
    session.data = data or {}
    tx.put_session(session)
    return token


def new_password_challenge(
    svc: Services, pool: Pool, client: AppClient, user: User, data: dict[str, Any] | None = None
) -> dict[str, Any]:
    """NEW_PASSWORD_REQUIRED, its ``requiredAttributes`` the pool's required attributes the
    user lacks (as ``userAttributes.<name>``, the key their answers take).

    DEVIATION: the format follows what clients (Amplify) parse; users made here always
    have their required attributes, so the list is empty in practice."""
    attributes = {k: v for k, v in user.attributes.items() if k != "sub"}
    required = [
        f"userAttributes.{a['Name']}"
        for a in pool.config.get("SchemaAttributes") or []
        if a.get("Required") and not user.attributes.get(str(a["Name"]))
    ]
    with svc.store.transaction() as tx:
        session = challenge_session(svc, tx, client, user, "NEW_PASSWORD_REQUIRED", data)
    return {
        "ChallengeName": "NEW_PASSWORD_REQUIRED",
        "Session": session,
        "ChallengeParameters": {
            "USER_ID_FOR_SRP": user.username,
            "requiredAttributes": orjson.dumps(required).decode(),
            "userAttributes": orjson.dumps(attributes).decode(),
        },
    }


def signed_in(result: dict[str, Any]) -> dict[str, Any]:
    """An auth flow's answer once the user is signed in."""
    return {"ChallengeParameters": {}, "AuthenticationResult": result}


async def issue(
    svc: Services,
    call: Call,
    pool: Pool,
    client: AppClient,
    user: User,
    refresh: RefreshToken | None = None,
    source: str = "TokenGeneration_Authentication",
    amr: tuple[str, ...] = (),
    device: str | None = None,
) -> dict[str, Any]:
    """An AuthenticationResult, after PostAuthentication and PreTokenGeneration; with
    ``refresh`` the original auth_time and origin are kept and no refresh token is made;
    ``amr``: the ID token's methods of a sign-in that completed MFA; ``device``: the key
    of the device the refresh token is issued to (``steps/devices.py``).

    DEVIATION: refreshed ID tokens carry no ``amr`` (the refresh token does not keep it);
    Cognito's answer is unconfirmed."""
    if refresh is None:
        await token_hooks.authentication(svc, call, "PostAuthentication", pool, client.id, user)
    else:
        source = "TokenGeneration_RefreshTokens"
    with svc.store.read() as tx:
        groups = tx.groups_of(pool.id, user.sub)
    names = tuple(g.name for g in groups)
    roles = tuple(g.role_arn for g in groups if g.role_arn)
    changes = await token_hooks.pre_token_generation(
        svc, call, pool, client.id, user, source, names, roles
    )
    keys = await svc.keys.keys(pool.id)
    now = int(svc.clock.now())
    auth_time = refresh.auth_time if refresh else now
    origin = refresh.origin_jti if refresh else str(uuid.uuid4())
    read = tuple(client.config.get("ReadAttributes") or ())
    grant = tokens.Grant(pool, client.id, user, auth_time, origin, names, roles, read, amr)
    issuer = svc.settings.issuer(pool.id)
    access_ttl = tokens.validity(client.config, "AccessTokenValidity", 3600, "hours")
    id_ttl = tokens.validity(client.config, "IdTokenValidity", 3600, "hours")
    result: dict[str, Any] = {
        "AccessToken": tokens.sign(
            keys.signing["access"],
            changes.apply(tokens.access_claims(grant, issuer, now, access_ttl), "access"),
        ),
        "ExpiresIn": access_ttl,
        "TokenType": "Bearer",
        "IdToken": tokens.sign(
            keys.signing["id"], changes.apply(tokens.id_claims(grant, issuer, now, id_ttl), "id")
        ),
    }
    if refresh is None:
        result["RefreshToken"] = new_refresh(svc, call, pool, client, user, origin, now, device)
    return result


def new_refresh(
    svc: Services,
    call: Call,
    pool: Pool,
    client: AppClient,
    user: User,
    origin: str,
    now: int,
    device: str | None = None,
) -> str:
    token = ids.token(96)
    ttl = tokens.validity(client.config, "RefreshTokenValidity", 30 * 86400, "days")
    with svc.store.transaction() as tx:
        _sign_in_event(tx, svc, call, pool, client, user, "Pass")
        tx.put_refresh(
            RefreshToken(
                codes.session_hash(svc.key, token),
                pool.id,
                client.id,
                user.sub,
                origin,
                now,
                now + ttl,
                device_key=device,
            )
        )
    svc.outbox.notify()  # a risk notice may be waiting
    return token


async def refresh(
    svc: Services,
    call: Call,
    pool: Pool,
    client: AppClient,
    token: str,
    params: dict[str, str],
    secret_checked: bool = False,
) -> dict[str, Any]:
    """New ID and access tokens for a live refresh token of this client. ``params``'
    ``SECRET_HASH`` is checked unless the caller checked the client's secret itself
    (``secret_checked``: GetTokensFromRefreshToken's ``ClientSecret``); its ``DEVICE_KEY``
    must name the confirmed device the token was issued to, in a pool tracking devices."""
    given = params.get("DEVICE_KEY")
    try:
        with svc.store.read() as tx:
            stored = tx.get_refresh(codes.session_hash(svc.key, token))
            user = tx.user_by_sub(pool.id, stored.sub)
            device = _device(tx, given)
    except NotFound:
        raise NotAuthorizedException(INVALID_REFRESH_TOKEN) from None
    if stored.client_id != client.id or stored.pool_id != pool.id:
        raise NotAuthorizedException(INVALID_REFRESH_TOKEN)
    if not devices.refresh_allowed(pool.config, stored.device_key, given, device):
        raise NotAuthorizedException(INVALID_REFRESH_TOKEN)
    if stored.revoked:
        raise NotAuthorizedException("Refresh Token has been revoked")
    if stored.expires < svc.clock.now():
        raise NotAuthorizedException("Refresh Token has expired")
    if not user.enabled:
        raise NotAuthorizedException(USER_DISABLED)
    if not secret_checked:
        names = [params.get("USERNAME", ""), user.username, user.sub]
        check_auth_secret(svc, client, params, names)
    return signed_in(await issue(svc, call, pool, client, user, stored))


def _device(tx: Tx, key: str | None) -> Device | None:
    """The stored device ``key`` names (None: no key, or no such device)."""
    if not key:
        return None
    try:
        return tx.get_device(key)
    except NotFound:
        return None
