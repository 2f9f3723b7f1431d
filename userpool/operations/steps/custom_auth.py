"""Custom authentication (``CUSTOM_AUTH``) in InitiateAuth/AdminInitiateAuth and the
answers to its challenges (``CUSTOM_CHALLENGE``, and ``PASSWORD_VERIFIER`` when the flow
began with SRP): the loop of DefineAuthChallenge, CreateAuthChallenge and
VerifyAuthChallengeResponse whose rules are ``domain/custom_auth.py``'s.

Each challenge answered is a Session of purpose ``custom:<challenge>``, bound to the app
client and the user, living the client's ``AuthSessionValidity``, used once: every answer
spends it and, unless the flow ends, answers a new one. The flow's state (the entries so
far, the private challenge parameters, the challenge metadata, SRP's values) is kept in the
Session's data sealed with a key derived from the token, so it is never sent to the app
and a copy of the database alone cannot read it. A PASSWORD_VERIFIER's Session is keyed by
its SECRET_BLOCK, as USER_SRP_AUTH's is (clients may answer it without the Session).

InitiateAuth's ClientMetadata goes to PreAuthentication only (the model says Define and
Create do not get it); RespondToAuthChallenge's goes to Define, Create and Verify, and to
PostAuthentication and PreTokenGeneration when tokens are issued. For an unknown name, when
the client hides existence, the triggers run for a ghost (``steps/decoys.py``) with
``userNotFound: true``, and a flow that would end in tokens ends in "Incorrect username or
password." instead.
"""

from __future__ import annotations

from typing import Any

from cryptography.exceptions import InvalidTag

from userpool.domain import codes, crypto, ids, srp
from userpool.domain import custom_auth as rules
from userpool.domain.custom_auth import Entry, Flow, Who
from userpool.domain.entities import AppClient, Pool, User
from userpool.domain.ports import NotFound
from userpool.domain.services import Call, Services
from userpool.domain.signin import check_status
from userpool.domain.trigger_events import Origin, user_attributes
from userpool.errors import (
    INVALID_SESSION,
    NO_CHALLENGE_TRIGGER,
    NO_CUSTOM_AUTH_TRIGGER,
    WRONG_PASSWORD,
    InvalidParameterException,
    InvalidUserPoolConfigurationException,
    NotAuthorizedException,
)
from userpool.operations.steps import first_factor
from userpool.operations.steps.devices import finish
from userpool.operations.steps.mfa_challenge import due, second_factor
from userpool.operations.steps.signin import (
    GHOST,
    begin_attempt,
    challenge_session,
    check_session,
    param,
    settle_attempt,
)

KIND = "custom"  # a custom flow's sessions: "custom:CUSTOM_CHALLENGE", "custom:PASSWORD_VERIFIER"
CHALLENGES = frozenset({rules.CUSTOM, rules.PASSWORD_VERIFIER})


def check_configured(pool: Pool) -> None:
    """CUSTOM_AUTH needs the pool's DefineAuthChallenge."""
    if not (pool.config.get("LambdaConfig") or {}).get(rules.DEFINE):
        raise InvalidParameterException(NO_CUSTOM_AUTH_TRIGGER)


async def start(
    svc: Services,
    call: Call,
    pool: Pool,
    client: AppClient,
    user: User,
    params: dict[str, str],
) -> dict[str, Any]:
    """InitiateAuth with CUSTOM_AUTH (after PreAuthentication): the first DefineAuthChallenge,
    with an ``SRP_A`` entry when the app starts with SRP (``CHALLENGE_NAME: SRP_A``).

    DEVIATION: when the client does not hide existence, a user who may not sign in (not
    confirmed, password reset required) hears so before any trigger runs, as in the password
    flows; when it hides existence, only once the flow would issue tokens. A user who must
    change their password (FORCE_CHANGE_PASSWORD, as AdminCreateUser leaves passwordless
    users) gets tokens when DefineAuthChallenge says so, without NEW_PASSWORD_REQUIRED,
    SRP first or not (seen for a custom flow without SRP in amplify-js issue 5834)."""
    if not client.prevent_user_existence_errors:
        check_status(user)
    flow = Flow()
    if params.get("CHALLENGE_NAME") == rules.SRP_A:
        a_hex = param(params, "SRP_A")
        if not srp.check_a(a_hex):
            raise NotAuthorizedException(WRONG_PASSWORD)
        flow.srp_a = a_hex
        flow.entries.append(Entry(rules.SRP_A, True))
    return await _step(svc, call, pool, client, user, flow, None)


async def respond(
    svc: Services,
    call: Call,
    pool: Pool,
    client: AppClient,
    user: User,
    name: str,
    token: str,
    answers: dict[str, str],
) -> dict[str, Any] | None:
    """The answer to a custom flow's challenge ``name`` (one of ``CHALLENGES``) with the
    Session ``token``: the next challenge or tokens. None when ``token`` names a
    PASSWORD_VERIFIER of USER_SRP_AUTH (not a custom flow's): it is left for the caller.

    DEVIATION: a CUSTOM_CHALLENGE answer without ``ANSWER`` is InvalidParameterException
    "Missing required parameter ANSWER" and leaves the Session usable; once taken, the
    Session is spent even when a trigger then fails (Cognito's handling is unconfirmed)."""
    # a missing answer is refused before the Session is spent
    answer = param(answers, "ANSWER") if name == rules.CUSTOM else ""
    flow = _take(svc, token, client, user, name)
    if flow is None:
        return None
    metadata = call.client_metadata
    if name == rules.PASSWORD_VERIFIER:
        return await _password_answer(svc, call, pool, client, user, flow, answers)
    who = _who(pool, client, user)
    origin = Origin(svc.settings.region, pool, client.id, metadata)
    _need_trigger(pool, rules.VERIFY)
    output = await svc.triggers.run(
        pool, rules.VERIFY, rules.verify_event(origin, who, flow, answer)
    )
    flow.entries.append(Entry(rules.CUSTOM, rules.answer_correct(output), flow.metadata))
    flow.private, flow.metadata = {}, None
    return await _step(svc, call, pool, client, user, flow, metadata)


def _who(pool: Pool, client: AppClient, user: User) -> Who:
    ghost = user.status == GHOST
    attributes = {} if ghost else user_attributes(pool, user)
    # DEVIATION: a ghost's userAttributes are empty (Cognito's are unconfirmed).
    return Who(user.username, attributes, ghost if client.prevent_user_existence_errors else None)


def _need_trigger(pool: Pool, trigger: str) -> None:
    """DEVIATION: a custom flow that needs Create or Verify in a pool without it is refused
    with InvalidUserPoolConfigurationException (Cognito's answer is unconfirmed)."""
    if not (pool.config.get("LambdaConfig") or {}).get(trigger):
        raise InvalidUserPoolConfigurationException(NO_CHALLENGE_TRIGGER.format(trigger))


async def _step(
    svc: Services,
    call: Call,
    pool: Pool,
    client: AppClient,
    user: User,
    flow: Flow,
    metadata: dict[str, str] | None,
) -> dict[str, Any]:
    """One turn of the loop: DefineAuthChallenge decides; then failure, tokens, or the next
    challenge (made by CreateAuthChallenge for CUSTOM_CHALLENGE)."""
    who = _who(pool, client, user)
    origin = Origin(svc.settings.region, pool, client.id, metadata)
    output = await svc.triggers.run(pool, rules.DEFINE, rules.define_event(origin, who, flow))
    step = rules.next_step(output, flow)
    if step == rules.FAIL:
        raise NotAuthorizedException(WRONG_PASSWORD)
    if step == rules.TOKENS:
        if user.status == GHOST:
            raise NotAuthorizedException(WRONG_PASSWORD)  # nobody signs in
        check_status(user)
        return await finish(svc, call, pool, client, user)
    if step == rules.PASSWORD_VERIFIER:
        return await _password_challenge(svc, pool, client, user, flow)
    _need_trigger(pool, rules.CREATE)
    event = rules.create_event(origin, who, flow, rules.CUSTOM)
    made = rules.created(await svc.triggers.run(pool, rules.CREATE, event))
    flow.private, flow.metadata = made.private, made.metadata
    token = ids.token()
    _save(svc, client, user, rules.CUSTOM, flow, token)
    return {
        "ChallengeName": rules.CUSTOM,
        "Session": token,
        "ChallengeParameters": rules.challenge_parameters(made.public, user.username),
    }


def _key(svc: Services, name: str, token: str) -> str:
    """What a custom flow's Session is stored under: its token; for a PASSWORD_VERIFIER (whose
    token is the SECRET_BLOCK) a keyed hash of it, so that an answer to USER_SRP_AUTH's
    PASSWORD_VERIFIER never finds, nor touches, a custom flow's Session, nor the reverse."""
    if name == rules.PASSWORD_VERIFIER:
        return crypto.keyed_hash(svc.key, "custom-auth-password-verifier", token)
    return token


def _save(svc: Services, client: AppClient, user: User, name: str, flow: Flow, token: str) -> None:
    sealed = rules.box(svc.key, token).seal(flow.dumps())
    key = _key(svc, name, token)
    with svc.store.transaction() as tx:
        challenge_session(svc, tx, client, user, name, {"flow": sealed}, key, kind=KIND)


def _take(svc: Services, token: str, client: AppClient, user: User, name: str) -> Flow | None:
    """Spend the custom flow's Session ``token`` for challenge ``name`` of this client and
    user; its flow, or None for a PASSWORD_VERIFIER token that is no custom flow's (it is
    USER_SRP_AUTH's). A Session of another challenge, client or user is refused and left
    in place.

    DEVIATION: as for the MFA challenges, a spent Session is "Invalid session for the
    user." (Cognito was seen saying "..., session can only be used once.")."""
    with svc.store.transaction() as tx:
        try:
            session = tx.take_session(codes.session_hash(svc.key, _key(svc, name, token)))
        except NotFound:
            if name == rules.PASSWORD_VERIFIER:
                return None  # USER_SRP_AUTH's answer says whether it knows the token
            raise NotAuthorizedException(INVALID_SESSION) from None
        check_session(svc, session, client, user, f"{KIND}:{name}")
    try:
        return Flow.loads(rules.box(svc.key, token).open(str(session.data["flow"])))
    except (InvalidTag, KeyError, ValueError):
        raise NotAuthorizedException(INVALID_SESSION) from None


async def _password_challenge(
    svc: Services, pool: Pool, client: AppClient, user: User, flow: Flow
) -> dict[str, Any]:
    """Cognito's own PASSWORD_VERIFIER, as USER_SRP_AUTH answers it, from the flow's A."""
    secret = first_factor.verifier(svc, pool, client, user)
    if not secret or flow.srp_a is None:
        raise NotAuthorizedException(WRONG_PASSWORD)
    b_hex, big_b = await svc.hasher.run(srp.server_challenge, secret["verifier"])
    flow.srp_b = b_hex
    secret_block = srp.new_secret_block()
    _save(svc, client, user, rules.PASSWORD_VERIFIER, flow, secret_block)
    return first_factor.password_verifier(secret_block, secret, big_b, secret_block, user)


async def _password_answer(
    svc: Services,
    call: Call,
    pool: Pool,
    client: AppClient,
    user: User,
    flow: Flow,
    answers: dict[str, str],
) -> dict[str, Any]:
    """PASSWORD_VERIFIER's answer inside a custom flow: the SRP proof (counted by the
    password lockout; a wrong one is "Incorrect username or password."), then the user's
    MFA if they must do it, else DefineAuthChallenge with the entry appended.

    DEVIATION: a wrong proof ends the flow ("Incorrect username or password.") without
    DefineAuthChallenge hearing of it; whether Cognito tells Define is unconfirmed.

    Cognito, seen in amplify-js issue 3876: a user with MFA is asked for it right after the
    password, without DefineAuthChallenge, and a right code gives tokens; so this hands over
    to the MFA step the password flows use."""
    begin_attempt(svc, pool, user)
    ok = await first_factor.srp_proof_ok(
        svc, pool, client, user, str(flow.srp_a), str(flow.srp_b), answers
    )
    settle_attempt(svc, call, pool, user, ok)
    check_status(user)
    if due(svc, call, pool, client, user).decision is not None:
        return await second_factor(svc, call, pool, client, user)
    flow.entries.append(Entry(rules.PASSWORD_VERIFIER, True))
    flow.srp_a = flow.srp_b = None
    return await _step(svc, call, pool, client, user, flow, call.client_metadata)
