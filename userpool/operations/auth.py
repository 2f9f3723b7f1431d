"""Authentication flows: InitiateAuth, AdminInitiateAuth, RespondToAuthChallenge,
AdminRespondToAuthChallenge (USER_AUTH with the sign-up Session, passwords, SRP, OTP,
NEW_PASSWORD_REQUIRED, refresh tokens). The MFA step after a password, and the answers to
its challenges, are ``steps/mfa_challenge.py``'s; CUSTOM_AUTH and its challenges are
``steps/custom_auth.py``'s; the end of a sign-in (tokens, a new device's metadata) and the
device challenges are ``steps/devices.py``'s."""

from __future__ import annotations

from typing import Any

from userpool.domain import codes
from userpool.domain.devices import CHALLENGES as DEVICE_CHALLENGES
from userpool.domain.entities import AppClient, Pool, Session, User
from userpool.domain.mfa_signin import CHALLENGES as MFA_CHALLENGES
from userpool.domain.ports import NotFound
from userpool.domain.services import Call, Services
from userpool.domain.signin import check_flow_enabled, check_status
from userpool.errors import (
    INVALID_SESSION,
    CognitoError,
    InvalidParameterException,
    NotAuthorizedException,
    UserNotFoundException,
)
from userpool.operations.steps import (
    custom_auth,
    decoys,
    first_factor,
    mfa_challenge,
    migration,
    otp,
    risk,
    token_hooks,
)
from userpool.operations.steps.devices import answer, finish, presented
from userpool.operations.steps.lookups import (
    client_and_pool,
    client_of,
    pool_of,
)
from userpool.operations.steps.mfa_challenge import after_password
from userpool.operations.steps.signin import (
    GHOST,
    begin_attempt,
    check_auth_secret,
    check_password,
    check_session,
    param,
    refresh,
    settle_attempt,
    user_for_sign_in,
)

# Flow -> the ExplicitAuthFlows values that enable it.
_PUBLIC = {
    "USER_PASSWORD_AUTH",
    "USER_SRP_AUTH",
    "REFRESH_TOKEN_AUTH",
    "REFRESH_TOKEN",
    "USER_AUTH",
    "CUSTOM_AUTH",
}
_ADMIN = {
    "ADMIN_USER_PASSWORD_AUTH",
    "ADMIN_NO_SRP_AUTH",
    "USER_SRP_AUTH",
    "REFRESH_TOKEN_AUTH",
    "REFRESH_TOKEN",
    "USER_AUTH",
    "CUSTOM_AUTH",
}
_PASSWORD_FLOWS = {"USER_PASSWORD_AUTH", "ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"}


def _check_flow(client: AppClient, flow: str, admin: bool) -> None:
    if flow not in (_ADMIN if admin else _PUBLIC):
        # DEVIATION: the wording is as AWS told moto's maintainers, not documented.
        raise InvalidParameterException("Initiate Auth method not supported.")
    check_flow_enabled(client.explicit_auth_flows, flow)


async def initiate_auth(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    with svc.store.read() as tx:
        client, pool = client_and_pool(tx, req["ClientId"])
    return await _initiate(svc, call, pool, client, req, admin=False)


async def admin_initiate_auth(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    with svc.store.read() as tx:
        pool = pool_of(tx, req["UserPoolId"])
        client = client_of(tx, req["ClientId"], pool.id)
    return await _initiate(svc, call, pool, client, req, admin=True)


async def _initiate(
    svc: Services, call: Call, pool: Pool, client: AppClient, req: dict[str, Any], admin: bool
) -> dict[str, Any]:
    flow = req["AuthFlow"]
    _check_flow(client, flow, admin)
    if flow == "CUSTOM_AUTH":
        custom_auth.check_configured(pool)
    params: dict[str, str] = req.get("AuthParameters") or {}
    if flow in ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"):
        return await refresh(svc, call, pool, client, param(params, "REFRESH_TOKEN"), params)
    name = param(params, "USERNAME")
    found = await _user_or_migrated(svc, pool, client, flow, name, req)
    # An unknown name (only when the client hides existence) signs in as a ghost.
    user = found if found is not None else await decoys.ghost(svc, pool, name)
    check_auth_secret(svc, client, params, [name, user.username, user.sub])
    ghost = user.status == GHOST
    risk.guard(svc, call, pool, client, None if ghost else user, "SignIn")  # blocked IPs too
    if not ghost and user.enabled:
        await token_hooks.authentication(svc, call, "PreAuthentication", pool, client.id, user)
    if flow in _PASSWORD_FLOWS:
        hidden = client.prevent_user_existence_errors
        await check_password(svc, call, pool, user, param(params, "PASSWORD"), hidden)
        return await after_password(svc, call, pool, client, user)
    if flow == "CUSTOM_AUTH":
        return await custom_auth.start(svc, call, pool, client, user, params)
    if flow == "USER_SRP_AUTH":
        return await first_factor.srp_challenge(svc, pool, client, user, param(params, "SRP_A"))
    return await _user_auth(svc, call, pool, client, user, params, req.get("Session"))


async def _user_or_migrated(
    svc: Services,
    pool: Pool,
    client: AppClient,
    flow: str,
    name: str,
    req: dict[str, Any],
) -> User | None:
    """The user; else, for a password flow, the user the UserMigration function brings;
    else None (a decoy follows) or UserNotFoundException, as the client hides existence."""
    unknown: CognitoError | None = None
    params = req.get("AuthParameters") or {}
    with svc.store.read() as tx:
        try:
            found = user_for_sign_in(svc, tx, pool, client, params, name)
        except UserNotFoundException as exc:
            found, unknown = None, exc
    if found is not None or flow not in _PASSWORD_FLOWS:
        if unknown is not None:
            raise unknown
        return found
    check_auth_secret(svc, client, params, [name])
    try:
        found = await migration.migrate(
            svc, pool, client, name, param(params, "PASSWORD"), req.get("ClientMetadata")
        )
    except UserNotFoundException:
        if client.prevent_user_existence_errors:
            return None
        raise
    if found is None and unknown is not None:
        raise unknown
    return found


async def _user_auth(
    svc: Services,
    call: Call,
    pool: Pool,
    client: AppClient,
    user: User,
    params: dict[str, str],
    session: str | None,
) -> dict[str, Any]:
    """USER_AUTH: the sign-up session signs in at once; otherwise the chosen first factor.

    DEVIATION: the sign-up session's sign-in gets no MFA step, as the documentation says a
    new user's first sign-in gets tokens even in a pool that requires MFA (said of managed
    login; unconfirmed for this session)."""
    if session is not None:
        _take(svc, session, client, user, "signin")
        check_status(user)
        return await finish(svc, call, pool, client, user)
    return await first_factor.choose(
        svc, call, pool, client, user, params.get("PREFERRED_CHALLENGE"), params, preferred=True
    )


def _take(svc: Services, token: str, client: AppClient, user: User, purpose: str) -> Session:
    """Consume a session bound to this client, this user and this purpose."""
    try:
        with svc.store.transaction() as tx:
            session = tx.take_session(codes.session_hash(svc.key, token))
            # a hosted page's session is answered there only (refused here, left in place)
            mfa_challenge.check_origin(session, hosted=False)
    except NotFound:
        raise NotAuthorizedException(INVALID_SESSION) from None
    check_session(svc, session, client, user, purpose)
    return session


async def respond_to_auth_challenge(
    svc: Services, call: Call, req: dict[str, Any]
) -> dict[str, Any]:
    with svc.store.read() as tx:
        client, pool = client_and_pool(tx, req["ClientId"])
    return await _respond(svc, call, pool, client, req)


async def admin_respond_to_auth_challenge(
    svc: Services, call: Call, req: dict[str, Any]
) -> dict[str, Any]:
    with svc.store.read() as tx:
        pool = pool_of(tx, req["UserPoolId"])
        client = client_of(tx, req["ClientId"], pool.id)
    return await _respond(svc, call, pool, client, req)


async def _respond(
    svc: Services, call: Call, pool: Pool, client: AppClient, req: dict[str, Any]
) -> dict[str, Any]:
    name = req["ChallengeName"]
    answers: dict[str, str] = req.get("ChallengeResponses") or {}
    username = param(answers, "USERNAME")
    with svc.store.read() as tx:
        found = user_for_sign_in(svc, tx, pool, client, answers, username)
    # A ghost's challenges are stored sessions too, so they are answered like a real user's.
    user = found if found is not None else await decoys.ghost(svc, pool, username)
    check_auth_secret(svc, client, answers, [username, user.username, user.sub])
    if name in DEVICE_CHALLENGES:
        return await answer(svc, call, pool, client, user, name, req.get("Session"), answers)
    presented(svc, call, pool, user)  # a gone DEVICE_KEY is refused before the session is used
    token = req.get("Session")
    if name == "PASSWORD_VERIFIER":
        token = param(answers, "PASSWORD_CLAIM_SECRET_BLOCK")
    if token is None:
        raise InvalidParameterException("Missing required parameter Session")
    if name in custom_auth.CHALLENGES:
        custom = await custom_auth.respond(svc, call, pool, client, user, name, token, answers)
        if custom is not None:
            return custom  # else USER_SRP_AUTH's PASSWORD_VERIFIER, answered below
    if name in MFA_CHALLENGES:
        answered = await mfa_challenge.respond(svc, call, pool, client, user, name, token, answers)
        if answered is not None:
            return answered  # else a USER_AUTH first factor's EMAIL_OTP, answered below
    session = _take(svc, token, client, user, f"challenge:{name}")
    if name == "SELECT_CHALLENGE":
        return await first_factor.choose(
            svc, call, pool, client, user, param(answers, "ANSWER"), answers
        )
    if name == "WEB_AUTHN":
        return await first_factor.answer_web_authn(svc, call, pool, client, user, session, answers)
    if name == "PASSWORD":
        hidden = client.prevent_user_existence_errors
        await check_password(svc, call, pool, user, param(answers, "PASSWORD"), hidden)
        return await after_password(svc, call, pool, client, user)
    if name == "PASSWORD_VERIFIER":
        return await _verify_srp(svc, call, pool, client, user, session, answers)
    if name == "NEW_PASSWORD_REQUIRED":
        check_status(user)  # the session proves the password; a user disabled since hears so
        return await mfa_challenge.new_password(svc, call, pool, client, user, answers)
    if name in ("EMAIL_OTP", "SMS_OTP"):
        await otp.check(svc, pool, user, session, answers.get(f"{name}_CODE", ""))
        check_status(user)
        return await finish(svc, call, pool, client, user)
    raise InvalidParameterException(f"Unsupported challenge {name}.")


async def _verify_srp(
    svc: Services,
    call: Call,
    pool: Pool,
    client: AppClient,
    user: User,
    session: Session,
    answers: dict[str, str],
) -> dict[str, Any]:
    begin_attempt(svc, pool, user)
    data = session.data
    ok = await first_factor.srp_proof_ok(svc, pool, client, user, data["a"], data["b"], answers)
    settle_attempt(svc, call, pool, user, ok)
    check_status(user)  # when the client hides existence, only a right proof hears this
    return await after_password(svc, call, pool, client, user)
