"""MFA inside sign-in: after a right password (USER_SRP_AUTH, USER_PASSWORD_AUTH,
ADMIN_USER_PASSWORD_AUTH, USER_AUTH's PASSWORD and PASSWORD_SRP, and a new password after
NEW_PASSWORD_REQUIRED), the second-factor challenge the pool and the user call for, and the
answers to it: SMS_MFA, SOFTWARE_TOKEN_MFA, EMAIL_OTP, SELECT_MFA_TYPE and MFA_SETUP. Which
challenge is decided by ``domain/mfa_signin.py`` (``second_factor`` is the one place it is
asked, and where a remembered device skips it); a sign-in ends in ``steps/devices.py``'s
``finish`` (tokens, or the device's DEVICE_SRP_AUTH), and the device a sign-in presents is
carried from challenge to challenge in the sessions' data.

Each MFA challenge is a session of purpose ``mfa:<challenge>`` (MFA_SETUP's is
``steps/totp.py``'s ``challenge:MFA_SETUP``), bound to the client and the user, living the
client's ``AuthSessionValidity``. Its data carries the token source of the sign-in
(``source``), an SMS or email code's keyed hash (``code``; the code is valid as long as its
session), SELECT_MFA_TYPE's choices (``options``), and the wrong answers so far
(``failures``). A sign-in of the hosted pages has the source ``HOSTED``: its last step
answers the user (``SIGNED_IN``) rather than tokens, the pages going back to the app with
a code, and its sessions are answered only there (``hosted``), never by the API. A wrong code leaves the session usable, up to ``MAX_FAILURES`` wrong codes;
a right one spends it and answers the next step (a new Session, or tokens). Refusals that
are not wrong codes (a missing code, a session of another user, client or challenge) are
raised inside the session's transaction, which rolls back: the session stays as it was.

DEVIATION: a session spent by a right answer (or by its last allowed wrong code) is
answered "Invalid session for the user.", as an unknown one; Cognito was seen answering
"..., session can only be used once." for a reused session, which would need spent
sessions kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from userpool.domain import codes, crypto, mfa, mfa_pool, mfa_signin
from userpool.domain import devices as device_rules
from userpool.domain.entities import (
    CONFIRMED,
    FORCE_CHANGE_PASSWORD,
    AppClient,
    Pool,
    Session,
    User,
)
from userpool.domain.messages import Delivery
from userpool.domain.passwords import check_policy
from userpool.domain.ports import Device, NotFound, Tx
from userpool.domain.risk import Risk, mfa_action
from userpool.domain.schema import check_attributes
from userpool.domain.services import Call, Services
from userpool.domain.signin import check_status
from userpool.errors import (
    INVALID_SESSION,
    MFA_CODE_MISMATCH,
    SESSION_EXPIRED,
    AliasExistsException,
    CodeMismatchException,
    CognitoError,
    InvalidParameterException,
    NotAuthorizedException,
)
from userpool.operations.steps import devices, hooks, risk, token_hooks, totp, usercodes
from userpool.operations.steps.lookups import check_writable, stored_user
from userpool.operations.steps.newusers import set_password
from userpool.operations.steps.signin import (
    challenge_session,
    new_password_challenge,
)
from userpool.operations.steps.users import apply_attribute_changes, sync_aliases

KIND = "mfa"  # MFA challenge sessions' purpose: "mfa:<challenge>"
FIRST = "pwd"  # the first factor every MFA step follows (amr)
AUTHENTICATION = "TokenGeneration_Authentication"
HOSTED = "TokenGeneration_HostedAuth"  # the source of the hosted pages' sign-ins
SIGNED_IN = "SignedInUser"  # a hosted sign-in's last answer: the User (and "amr")
MESSAGE_SOURCE = "CustomMessage_Authentication"  # CustomMessage's source for MFA codes
# DEVIATION: the wordings of these refusals are ours (Cognito's are unconfirmed).
NOT_A_CHOICE = "The MFA type {} is not available to choose."
NO_EMAIL_MFA = "Email MFA is not enabled for this user pool."
SETUP_INCOMPLETE = (
    "MFA_SETUP needs a software token verified with this Session (VerifySoftwareToken) or an EMAIL."
)


async def after_password(
    svc: Services, call: Call, pool: Pool, client: AppClient, user: User
) -> dict[str, Any]:
    """What a right password leads to: NEW_PASSWORD_REQUIRED, an MFA challenge, or tokens."""
    if user.status == FORCE_CHANGE_PASSWORD:
        return new_password_challenge(svc, pool, client, user)
    return await second_factor(svc, call, pool, client, user)


@dataclass(frozen=True, slots=True)
class Due:
    """What the MFA step after a first factor does for a user: ``decision`` is the
    challenge to ask (or a refusal, ``decision.blocked``), None when tokens follow at once
    (no MFA, or a remembered device skips it); with the risk assessed and the device the
    sign-in presents."""

    decision: mfa_signin.Decision | None
    assessed: Risk
    device: Device | None


def due(svc: Services, call: Call, pool: Pool, client: AppClient, user: User) -> Due:
    """The one MFA decision of a sign-in (``domain.mfa_signin.decide``, threat protection's
    MFA actions included, a remembered device's skip applied)."""
    assessed = risk.assess(svc, call, pool, client, user)
    demand = mfa_action(pool, assessed)
    device = devices.presented(svc, call, pool, user)
    if mfa_pool.mode(pool.config) == "OFF" and demand is None:
        return Due(None, assessed, device)
    with svc.store.read() as tx:
        has_token = totp.has_token(tx, user)
    decision = mfa_signin.decide(pool.config, user, has_token, demand)
    if not decision.blocked and (
        decision.challenge is None
        or (
            decision.challenge != mfa_signin.SETUP
            and device_rules.skips_mfa(pool.config, device, demand)
        )
    ):
        return Due(None, assessed, device)
    return Due(decision, assessed, device)


async def second_factor(
    svc: Services,
    call: Call,
    pool: Pool,
    client: AppClient,
    user: User,
    source: str = AUTHENTICATION,
) -> dict[str, Any]:
    """The MFA step after a first factor: the challenge ``due`` names, or tokens issued
    with ``source``; a user threat protection requires MFA of and who has none is refused."""
    step = due(svc, call, pool, client, user)
    if step.decision is None:
        return await _done(svc, call, pool, client, user, source, ())
    if step.decision.blocked:
        risk.refuse(svc, call, pool, client, user, "SignIn", step.assessed)
    data = {"source": source, **devices.carry(step.device)}
    return await _ask(svc, call, pool, client, user, step.decision, data)


async def _done(
    svc: Services,
    call: Call,
    pool: Pool,
    client: AppClient,
    user: User,
    source: str,
    amr: tuple[str, ...],
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The sign-in's end: tokens (through the device step, ``devices.finish``; ``data``:
    the last challenge session's data), or for the hosted pages (``HOSTED``) the user,
    after PostAuthentication, under ``SIGNED_IN`` (the pages issue a code, not tokens)."""
    if source == HOSTED:
        await token_hooks.authentication(svc, call, "PostAuthentication", pool, client.id, user)
        return {"ChallengeParameters": {}, SIGNED_IN: user, "amr": amr}
    return await devices.finish(svc, call, pool, client, user, source, amr, data)


def check_origin(session: Session, hosted: bool) -> None:
    """Refuse a hosted sign-in's session outside the pages, and an API one inside them."""
    if (session.data.get("source") == HOSTED) != hosted:
        raise NotAuthorizedException(INVALID_SESSION)


async def new_password(
    svc: Services,
    call: Call,
    pool: Pool,
    client: AppClient,
    user: User,
    answers: dict[str, str],
    source: str = "TokenGeneration_NewPasswordChallenge",
) -> dict[str, Any]:
    """NEW_PASSWORD_REQUIRED's answer (its session already taken): the new password
    (the pool's policy) and the attributes given as ``userAttributes.<name>``, then the
    MFA step."""
    password = answers.get("NEW_PASSWORD")
    if not password:
        raise InvalidParameterException("Missing required parameter NEW_PASSWORD")
    check_policy(password, pool.config["Policies"]["PasswordPolicy"])
    changes = {
        key.removeprefix("userAttributes."): value
        for key, value in answers.items()
        if key.startswith("userAttributes.")
    }
    check_writable(client, changes)
    check_attributes(pool.config.get("SchemaAttributes") or [], changes, creating=False)
    await set_password(svc, pool, user, password)
    with svc.store.transaction() as tx:
        fresh = stored_user(tx, pool.id, user.sub)
        fresh.password_hash, fresh.extra["srp"] = user.password_hash, user.extra["srp"]
        fresh.status = CONFIRMED
        apply_attribute_changes(tx, pool, fresh, changes, svc.clock.now())
    return await second_factor(svc, call, pool, client, fresh, source=source)


async def _ask(
    svc: Services,
    call: Call,
    pool: Pool,
    client: AppClient,
    user: User,
    decision: mfa_signin.Decision,
    data: dict[str, Any],
) -> dict[str, Any]:
    """Answer with ``decision``'s challenge (an SMS or email code is sent now)."""
    name = str(decision.challenge)
    if name in (mfa.SMS, mfa.EMAIL):
        return await _send_code(svc, call, pool, client, user, name, data)
    params: dict[str, str] = {}
    with svc.store.transaction() as tx:
        if name == mfa_signin.SETUP:
            token = totp.setup_session(svc, tx, client, user, data)
            params = {"MFAS_CAN_SETUP": _listed(decision.options), "USER_ID_FOR_SRP": user.username}
        else:
            if name == mfa_signin.SELECT:
                data = {**data, "options": list(decision.options)}
                params = {"MFAS_CAN_CHOOSE": _listed(decision.options)}
            # DEVIATION: SOFTWARE_TOKEN_MFA's ChallengeParameters are undocumented; empty.
            token = challenge_session(svc, tx, client, user, name, data, kind=KIND)
    return {"ChallengeName": name, "Session": token, "ChallengeParameters": params}


def _listed(factors: tuple[str, ...]) -> str:
    """A list of factors as Cognito's ChallengeParameters carry it: a JSON array string."""
    return orjson.dumps(list(factors)).decode()


def _hash(svc: Services, user: User, factor: str, code: str) -> str:
    return crypto.keyed_hash(svc.key, "mfa", user.pool_id, user.sub, factor, code)


async def _send_code(
    svc: Services,
    call: Call,
    pool: Pool,
    client: AppClient,
    user: User,
    factor: str,
    data: dict[str, Any],
) -> dict[str, Any]:
    """Send a 6-digit code by SMS (the pool's SmsAuthenticationMessage) or email (its
    EmailMfaConfiguration), through CustomMessage_Authentication when the pool has that
    trigger, and counted against the address's message quota; answer the challenge.

    DEVIATION: email MFA codes have 6 digits, as SMS MFA codes (their length is
    unconfirmed)."""
    attribute = str(mfa.TARGET[factor])
    delivery = Delivery(
        attribute, "SMS" if factor == mfa.SMS else "EMAIL", user.attributes[attribute]
    )
    out = await hooks.compose(
        svc,
        pool,
        client.id,
        user,
        delivery,
        MESSAGE_SOURCE,
        call.request.get("ClientMetadata"),
        text=mfa_signin.message(pool.config, factor),
    )
    now = svc.clock.now()
    with svc.store.transaction() as tx:
        usercodes.enqueue(svc, tx, user, out, now)  # over the quota: refused, no session
        sealed = {**data, "code": _hash(svc, user, factor, out.secret)}
        token = challenge_session(svc, tx, client, user, factor, sealed, kind=KIND)
    svc.outbox.notify()
    details = delivery.details()
    return {
        "ChallengeName": factor,
        "Session": token,
        "ChallengeParameters": {
            "CODE_DELIVERY_DELIVERY_MEDIUM": details["DeliveryMedium"],
            "CODE_DELIVERY_DESTINATION": details["Destination"],
        },
    }


async def respond(
    svc: Services,
    call: Call,
    pool: Pool,
    client: AppClient,
    user: User,
    name: str,
    token: str,
    answers: dict[str, str],
    hosted: bool = False,
) -> dict[str, Any] | None:
    """The answer to the MFA challenge ``name`` (one of ``mfa_signin.CHALLENGES``) with the
    Session ``token``: the next challenge or tokens. None when ``token`` is the session of
    a USER_AUTH first factor's EMAIL_OTP (not an MFA one): it is left for the caller.
    ``hosted``: the hosted pages answer (only their own sessions)."""
    if name == mfa_signin.SETUP:
        return await _setup_answer(svc, call, pool, client, user, token, answers, hosted)
    now = svc.clock.now()
    failure: CognitoError | None = None
    with svc.store.transaction() as tx:
        session = _take(svc, tx, token, client, user, name, hosted)
        if session is None:
            return None
        if name == mfa_signin.SELECT:
            choice = _choice(session, answers)
        else:
            failure = _check(svc, tx, user, name, session, answers, now)
            if failure is None:
                fresh = _verified(tx, pool, user, name, session, now)
            else:
                _count_failure(tx, session)
    data = {"source": session.data.get("source", AUTHENTICATION), **devices.carried(session.data)}
    if name == mfa_signin.SELECT:
        return await _ask(svc, call, pool, client, user, mfa_signin.Decision(choice), data)
    if failure is not None:
        raise failure
    check_status(fresh)  # a user disabled meanwhile hears so, after a right code
    amr = mfa_signin.amr(FIRST, name)
    return await _done(svc, call, pool, client, fresh, data["source"], amr, data)


def _take(
    svc: Services, tx: Tx, token: str, client: AppClient, user: User, name: str, hosted: bool
) -> Session | None:
    """The MFA session ``token`` names, for this client, user and challenge, consumed in
    ``tx``; None (and left in place) for a first-factor EMAIL_OTP session."""
    try:
        session = tx.take_session(codes.session_hash(svc.key, token))
    except NotFound:
        raise NotAuthorizedException(INVALID_SESSION) from None
    if name == mfa.EMAIL and session.purpose == f"challenge:{mfa.EMAIL}":
        tx.put_session(session)
        return None
    if (
        session.purpose != f"{KIND}:{name}"
        or session.client_id != client.id
        or session.sub != user.sub
    ):
        raise NotAuthorizedException(INVALID_SESSION)
    check_origin(session, hosted)
    if session.expires < svc.clock.now():
        raise NotAuthorizedException(SESSION_EXPIRED)
    return session


def _choice(session: Session, answers: dict[str, str]) -> str:
    """SELECT_MFA_TYPE's ``ANSWER``: one of the factors the challenge offered."""
    answer = answers.get("ANSWER")
    if not answer:
        raise InvalidParameterException("Missing required parameter ANSWER")
    choice = mfa_signin.ANSWERS.get(answer)
    if choice is None or choice not in (session.data.get("options") or []):
        raise InvalidParameterException(NOT_A_CHOICE.format(answer))
    return choice


def _check(
    svc: Services,
    tx: Tx,
    user: User,
    factor: str,
    session: Session,
    answers: dict[str, str],
    now: float,
) -> CognitoError | None:
    """None for a right code of ``factor``; else the error to raise after commit."""
    code = mfa_signin.code_key(answers, factor)
    if not code:
        raise InvalidParameterException(
            f"Missing required parameter {mfa_signin.CODE_KEYS[factor][0]}"
        )
    if factor == mfa.TOTP:
        return totp.use_code(svc, tx, user, code, now)
    if crypto.equal(_hash(svc, user, factor, code), str(session.data.get("code", ""))):
        return None
    return CodeMismatchException(MFA_CODE_MISMATCH)


def _count_failure(tx: Tx, session: Session) -> None:
    """Put the session back with one more wrong answer, unless that was the last allowed."""
    failures = int(session.data.get("failures", 0)) + 1
    if failures < mfa_signin.MAX_FAILURES:
        session.data["failures"] = failures
        tx.put_session(session)


def _verified(tx: Tx, pool: Pool, user: User, factor: str, session: Session, now: float) -> User:
    """The user after a right code: a phone (SMS) or email (email MFA) that received it is
    verified (in alias pools it becomes the user's alias, unless another user holds it:
    then it stays unverified), and an email set up through MFA_SETUP enables email MFA."""
    fresh = stored_user(tx, pool.id, user.sub)
    attribute = mfa.TARGET[factor]
    changed = False
    if attribute is not None and not fresh.verified(attribute):
        fresh.attributes[f"{attribute}_verified"] = "true"
        try:
            sync_aliases(tx, pool, fresh, force=False)
        except AliasExistsException:
            fresh.attributes[f"{attribute}_verified"] = "false"
        changed = True
    if session.data.get("setup") == mfa.EMAIL:
        factors = mfa.factors_of(fresh)
        mfa.store(
            fresh,
            mfa.apply_preferences(factors, {mfa.EMAIL: {"Enabled": True}}, {mfa.EMAIL: True}),
        )
        changed = True
    if changed:
        fresh.modified = now
        tx.update_user(fresh)
    return fresh


async def _setup_answer(
    svc: Services,
    call: Call,
    pool: Pool,
    client: AppClient,
    user: User,
    token: str,
    answers: dict[str, str],
    hosted: bool,
) -> dict[str, Any]:
    """MFA_SETUP's answer: with a Session VerifySoftwareToken answered (a token verified
    with it), tokens; with ``EMAIL``, that address becomes the user's (unverified) email
    and an EMAIL_OTP challenge follows, whose right code verifies it and enables email MFA.

    DEVIATION: that the right code enables email MFA (as a token verified through
    MFA_SETUP enables TOTP) is inferred from the next sign-in's challenge; the model's
    documentation also says to collect the address and restart the sign-in, which works
    too; an answer with neither is refused (text ours) and the session stays usable."""
    now = svc.clock.now()
    email = answers.get("EMAIL")
    with svc.store.transaction() as tx:
        setup = totp.take_setup_session(svc, tx, token)
        if setup.client_id != client.id or setup.sub != user.sub:
            raise NotAuthorizedException(INVALID_SESSION)
        check_origin(setup, hosted)
        fresh = stored_user(tx, pool.id, user.sub)
        verified = bool(setup.data.get(totp.VERIFIED))
        if not verified:
            if not email:
                raise InvalidParameterException(SETUP_INCOMPLETE)
            if mfa.EMAIL not in mfa_signin.offered(pool.config):
                raise InvalidParameterException(NO_EMAIL_MFA)
            changes = {"email": email}
            check_attributes(pool.config.get("SchemaAttributes") or [], changes, creating=False)
            if changes["email"] != fresh.attributes.get("email"):
                apply_attribute_changes(tx, pool, fresh, changes, now)
    data = {"source": setup.data.get("source", AUTHENTICATION), **devices.carried(setup.data)}
    if not verified:
        data["setup"] = mfa.EMAIL
        return await _send_code(svc, call, pool, client, fresh, mfa.EMAIL, data)
    check_status(fresh)
    amr = mfa_signin.amr(FIRST, mfa.TOTP)
    return await _done(svc, call, pool, client, fresh, data["source"], amr, data)
