"""Self-service sign-up: SignUp, ConfirmSignUp, ResendConfirmationCode."""

from __future__ import annotations

import contextlib
from typing import Any

from userpool.domain import codes
from userpool.domain.entities import CONFIRMED, UNCONFIRMED, AppClient, Pool, User
from userpool.domain.messages import Delivery, choose_delivery
from userpool.domain.passwords import check_policy
from userpool.domain.ports import NotFound, Tx
from userpool.domain.risk import blocks
from userpool.domain.schema import check_attributes
from userpool.domain.services import Call, Services
from userpool.errors import (
    ALREADY_CONFIRMED,
    ATTEMPTS,
    BLOCKED,
    CANNOT_CONFIRM,
    NO_AUTO_VERIFY,
    NO_USER_FOR_CLIENT,
    CognitoError,
    InvalidParameterException,
    LimitExceededException,
    NotAuthorizedException,
    UserNotFoundException,
)
from userpool.operations.steps import attempts, decoys, hooks, risk, sendquota, usercodes
from userpool.operations.steps.decoys import masked_delivery
from userpool.operations.steps.lookups import (
    attributes_in,
    check_secret_hash,
    check_writable,
    checked_client,
    client_pool_user,
    find_user,
    user_unless_hidden,
)
from userpool.operations.steps.newusers import (
    insert_new_user,
    new_session,
    new_user,
    precheck_new_user,
    set_password,
    sign_in_name,
    store_code,
)
from userpool.operations.steps.users import claim_alias


def _passwordless(pool: Pool) -> bool:
    policy = (pool.config.get("Policies") or {}).get("SignInPolicy") or {}
    factors = policy.get("AllowedFirstAuthFactors") or []
    return "EMAIL_OTP" in factors or "SMS_OTP" in factors


def _apply_pre_sign_up(pool: Pool, user: User, answer: hooks.PreSignUpAnswer) -> None:
    for flag, attribute in (
        (answer.auto_verify_email, "email"),
        (answer.auto_verify_phone, "phone_number"),
    ):
        if flag and user.attributes.get(attribute):
            user.attributes[f"{attribute}_verified"] = "true"
    if answer.auto_confirm:
        user.status = CONFIRMED


def _checked_sign_up(
    client: AppClient, pool: Pool, req: dict[str, Any]
) -> tuple[str, dict[str, str], str | None]:
    """SignUp's checks that need no store: (the username, its attributes, the password)."""
    if (pool.config.get("AdminCreateUserConfig") or {}).get("AllowAdminCreateUserOnly"):
        raise NotAuthorizedException("SignUp is not permitted for this user pool")
    attributes = attributes_in(req.get("UserAttributes"))
    check_writable(client, attributes)
    if "preferred_username" in attributes and "preferred_username" in pool.alias_attributes:
        # DEVIATION: documented rule, undocumented wording.
        raise InvalidParameterException(
            "preferred_username cannot be set at sign-up when it is an alias attribute."
        )
    check_attributes(pool.config.get("SchemaAttributes") or [], attributes, creating=True)
    username = sign_in_name(pool, req["Username"], attributes)
    password = req.get("Password")
    if password is None and not _passwordless(pool):
        # DEVIATION: Cognito's wording for a missing password in a password pool is unconfirmed.
        raise InvalidParameterException("Password is required for this user pool.")
    if password is not None:
        check_policy(password, pool.config["Policies"]["PasswordPolicy"])
    return username, attributes, password


async def sign_up(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    with svc.store.read() as tx:
        client, pool = checked_client(svc, tx, req)
        username, attributes, password = _checked_sign_up(client, pool, req)
        precheck_new_user(tx, pool, username, attributes)
    verdict = risk.guard(svc, call, pool, client, None, "SignUp")
    metadata = req.get("ClientMetadata")
    user = new_user(pool, username, attributes, UNCONFIRMED, svc.clock.now())
    answer = await hooks.pre_sign_up(
        svc, pool, client.id, user, req.get("ValidationData"), metadata, "PreSignUp_SignUp"
    )
    _apply_pre_sign_up(pool, user, answer)
    if password is not None:
        await set_password(svc, pool, user, password)
    delivery = choose_delivery(pool, user) if user.status == UNCONFIRMED else None
    outgoing = None
    if delivery is not None:
        outgoing = await hooks.compose(
            svc, pool, client.id, user, delivery, "CustomMessage_SignUp", metadata
        )
    now = svc.clock.now()
    out: dict[str, Any] = {"UserConfirmed": user.status == CONFIRMED, "UserSub": user.sub}
    refused: sendquota.QuotaExceeded | None = None
    with svc.store.transaction() as tx:
        insert_new_user(tx, pool, user)
        for attribute in ("email", "phone_number"):
            if user.verified(attribute):
                claim_alias(tx, pool, user, attribute, force=False)
        try:
            if outgoing is not None:
                out["CodeDeliveryDetails"] = store_code(svc, tx, user, outgoing, now, first=True)
        except sendquota.QuotaExceeded as exc:
            refused = exc  # as Cognito: the user stays, UNCONFIRMED, with no code
        purpose = "signin" if user.status == CONFIRMED else "signup"
        session = new_session(svc, tx, client, user.sub, purpose, now)
        if session is not None:
            out["Session"] = session
        risk.record(tx, call, pool, user, "SignUp", now, client=client, risk=verdict)
    svc.outbox.notify()
    if refused is not None:
        raise refused
    if user.status == CONFIRMED:
        # DEVIATION: a user auto-confirmed by PreSignUp reaches PostConfirmation at sign-up.
        await hooks.post_confirmation(svc, pool, client.id, user, metadata)
    return out


def _user_for_code(
    tx: Tx, pool: Pool, client: AppClient, name: str, probed: User | None
) -> User | None:
    """The user (``probed``: found by the first probe), or None for an unknown user of a
    client that hides existence."""
    if probed is not None:
        return probed
    # DEVIATION: under PreventUserExistenceErrors=ENABLED an unknown user gets the masked
    # error (CodeMismatchException for ConfirmSignUp), never the "alternating" answer.
    probed_key = pool.key(name) == name
    return user_unless_hidden(tx, pool, client, name, NO_USER_FOR_CLIENT, probed_key)


def _spend_session(svc: Services, tx: Tx, token: str) -> None:
    """The SignUp session is used up by the confirmation.

    DEVIATION: Cognito's handling of a stale SignUp session is unconfirmed. The code is the
    proof, so an unknown, expired or mismatched session never blocks a good code (users
    often take longer than the session's 3 minutes to type it); the new Session is issued
    either way.
    """
    with contextlib.suppress(NotFound):
        tx.take_session(codes.session_hash(svc.key, token))


def _confirm(
    svc: Services,
    tx: Tx,
    pool: Pool,
    client: AppClient,
    user: User,
    attribute: str | None,
    req: dict[str, Any],
    now: float,
) -> str | None:
    """Commit a good code: CONFIRMED, the code's attribute verified, alias claimed; the
    new sign-in session."""
    if req.get("Session") is not None:
        _spend_session(svc, tx, req["Session"])
    user.status = CONFIRMED
    user.modified = now
    if attribute is not None:
        user.attributes[f"{attribute}_verified"] = "true"
        claim_alias(tx, pool, user, attribute, bool(req.get("ForceAliasCreation")))
    tx.update_user(user)
    return new_session(svc, tx, client, user.sub, "signin", now)


def _check_code(
    svc: Services,
    tx: Tx,
    pool: Pool,
    client: AppClient,
    user: User,
    req: dict[str, Any],
    now: float,
) -> tuple[CognitoError | None, str | None]:
    """(the failure to report after commit, or the new sign-in session)."""
    # DEVIATION: statuses other than CONFIRMED use the same wording; disabled users are
    # not refused here (Cognito's behaviour for them is unconfirmed).
    if user.status != UNCONFIRMED:
        raise NotAuthorizedException(CANNOT_CONFIRM.format(user.status))
    hidden = "confirm" if client.prevent_user_existence_errors else None
    spent = usercodes.check(svc, tx, user, codes.SIGN_UP, req["ConfirmationCode"], now, hidden)
    if isinstance(spent, CognitoError):
        return spent, None
    return None, _confirm(svc, tx, pool, client, user, spent.attribute, req, now)


def _confirm_in_tx(
    svc: Services, call: Call, tx: Tx, now: float
) -> tuple[CognitoError | None, str | None, Pool, str, User | None]:
    """ConfirmSignUp's transaction: (failure to report, session, pool, client id, user)."""
    req = call.request
    # DEVIATION (inferred order): client, secret hash, user, status, attempts, code, alias.
    client, pool, probed = client_pool_user(tx, req["ClientId"], req["Username"], codes.SIGN_UP)
    check_secret_hash(svc, client, req["Username"], req.get("SecretHash"))
    user = _user_for_code(tx, pool, client, req["Username"], probed)
    failure: CognitoError | None
    session: str | None = None
    verdict = risk.assess(svc, call, pool, client)
    if blocks(pool, verdict):  # before the unknown name: a blocked address learns nothing
        if user is not None:
            risk.record(
                tx,
                call,
                pool,
                user,
                "ConfirmSignUp",
                now,
                client=client,
                response="Fail",
                risk=verdict,
            )
        failure = NotAuthorizedException(BLOCKED)
    elif user is None:
        nobody = decoys.ghost_key(svc, pool, req["Username"])
        failure = usercodes.guess(svc, tx, pool.id, nobody, "confirm", now)
    else:
        failure, session = _check_code(svc, tx, pool, client, user, req, now)
        if failure is None:
            risk.record(tx, call, pool, user, "ConfirmSignUp", now, client=client, risk=verdict)
    return failure, session, pool, client.id, user


async def confirm_sign_up(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    now = svc.clock.now()
    # the answer (and the trigger) only once the transaction is committed
    failure, session, pool, client_id, user = await svc.store.batched(
        lambda tx: _confirm_in_tx(svc, call, tx, now)
    )
    if failure is not None:
        raise failure
    assert user is not None
    await hooks.post_confirmation(svc, pool, client_id, user, req.get("ClientMetadata"))
    return {"Session": session} if session else {}


def _resend_target(
    svc: Services, tx: Tx, pool: Pool, client: AppClient, name: str, now: float
) -> tuple[User, Delivery] | dict[str, Any]:
    """The user and delivery of a resend, or the masked answer for an unknown user."""
    try:
        user = find_user(tx, pool, name)
    except NotFound:
        if client.prevent_user_existence_errors:
            return {"CodeDeliveryDetails": masked_delivery(svc, pool, name)}
        raise UserNotFoundException(NO_USER_FOR_CLIENT) from None
    if user.status != UNCONFIRMED:
        # DEVIATION: the exception type for an already confirmed user is unconfirmed.
        raise InvalidParameterException(ALREADY_CONFIRMED)
    if attempts.over(tx, pool.id, user.sub, "resend", svc.settings.resend_per_hour, now):
        raise LimitExceededException(ATTEMPTS)
    delivery = choose_delivery(pool, user)
    if delivery is None:
        raise InvalidParameterException(NO_AUTO_VERIFY)
    return user, delivery


def _count_unknown_resend(svc: Services, pool: Pool, name: str, now: float) -> None:
    """An unknown name's resends meet the pool's refusal and the per-user limit as a real
    user's do (PreventUserExistenceErrors=ENABLED)."""
    if not pool.auto_verified:
        raise InvalidParameterException(NO_AUTO_VERIFY)
    ghost = decoys.ghost_key(svc, pool, name)
    with svc.store.transaction() as tx:
        attempts.take(tx, pool.id, ghost, "resend", svc.settings.resend_per_hour, now)


async def resend_confirmation_code(
    svc: Services, call: Call, req: dict[str, Any]
) -> dict[str, Any]:
    now = svc.clock.now()
    with svc.store.read() as tx:
        client, pool = checked_client(svc, tx, req)
        target = _resend_target(svc, tx, pool, client, req["Username"], now)
    if isinstance(target, dict):
        _count_unknown_resend(svc, pool, req["Username"], now)
        return target
    outgoing = await hooks.compose(
        svc,
        pool,
        client.id,
        target[0],
        target[1],
        "CustomMessage_ResendCode",
        req.get("ClientMetadata"),
    )
    with svc.store.transaction() as tx:
        found = _resend_target(svc, tx, pool, client, req["Username"], now)
        if isinstance(found, dict):  # deleted meanwhile, masked
            return found
        user = found[0]
        details = outgoing.delivery.details()
        with sendquota.quietly(client.prevent_user_existence_errors):
            store_code(svc, tx, user, outgoing, now)
        tx.add_attempt(pool.id, user.sub, "resend", now)
        risk.record(
            tx,
            call,
            pool,
            user,
            "ResendCode",
            now,
            client=client,
            risk=risk.assess(svc, call, pool, client),
        )
    svc.outbox.notify()
    return {"CodeDeliveryDetails": details}
