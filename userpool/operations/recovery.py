"""Self-service password recovery: ForgotPassword and ConfirmForgotPassword.

ForgotPassword sends a one-hour code to the user's verified email or phone, in the order
of the pool's AccountRecoverySetting (phone first when none is set, as Cognito's legacy
behaviour), through CustomMessage_ForgotPassword. ConfirmForgotPassword checks it like a
sign-up code (keyed hash, constant time, 5 wrong codes per hour then
LimitExceededException), sets the new password, confirms a RESET_REQUIRED user, clears
the sign-in lockout and runs PostConfirmation_ConfirmForgotPassword.

Under PreventUserExistenceErrors=ENABLED an unknown name gets the answers a real user
would (a masked delivery; CodeMismatchException), and its requests are counted per name
in the same tables, so the limits and the work done look alike too. A user whose own
state refuses a reset (no verified address, disabled) is answered as an unknown name, and
a user with no outstanding code hears CodeMismatchException, counted, as nobody does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from userpool.domain.entities import (
    CONFIRMED,
    RESET_REQUIRED,
    AppClient,
    Pool,
    User,
)
from userpool.domain.messages import Delivery
from userpool.domain.passwords import check_policy
from userpool.domain.ports import NotFound, Tx
from userpool.domain.recovery import FORGOT, FORGOT_VALIDITY, delivery_for, refuse_for_pool
from userpool.domain.services import Call, Services
from userpool.errors import (
    NO_USER_FOR_CLIENT,
    CognitoError,
    InvalidParameterException,
    NotAuthorizedException,
    UserNotFoundException,
)
from userpool.operations.steps import attempts, decoys, hooks, migration, risk, sendquota, usercodes
from userpool.operations.steps.decoys import masked_delivery
from userpool.operations.steps.lookups import (
    checked_client,
    find_user,
    stored_user,
    user_unless_hidden,
)
from userpool.operations.steps.newusers import set_password, store_password


def _count_request(svc: Services, tx: Tx, pool: Pool, sub: str, now: float) -> None:
    # DEVIATION: ForgotPassword has no published per-user quota; the resend quota (5/h) is used.
    attempts.take(tx, pool.id, sub, "forgot", svc.settings.resend_per_hour, now)


def _target(tx: Tx, pool: Pool, client: AppClient, name: str) -> tuple[User, Delivery] | None:
    """The user and where their code goes; None for an unknown name that must be hidden,
    or (hidden too) a user whose own state refuses a reset."""
    user = user_unless_hidden(tx, pool, client, name, NO_USER_FOR_CLIENT)
    if user is None:
        return None
    found = user
    return _hidden_refusal(client, lambda: (found, delivery_for(pool, found)))


def _hidden_refusal(
    client: AppClient, target: Callable[[], tuple[User, Delivery]]
) -> tuple[User, Delivery] | None:
    """``target()``; when the client hides existence, None instead of a refusal that the
    user's own state causes (disabled, FORCE_CHANGE_PASSWORD, no verified email or phone):
    such a user is answered as an unknown name is, so the answer tells nothing.

    DEVIATION: Cognito's answers for these users under ENABLED are unconfirmed."""
    try:
        return target()
    except (InvalidParameterException, NotAuthorizedException):
        if not client.prevent_user_existence_errors:
            raise
        return None


async def _target_or_migrated(
    svc: Services, pool: Pool, client: AppClient, name: str, metadata: dict[str, str] | None
) -> tuple[User, Delivery] | None:
    """As ``_target``, but an unknown name is first offered to UserMigration (whose failure
    is UserNotFoundException)."""
    with svc.store.read() as tx:
        try:
            user: User | None = find_user(tx, pool, name)
        except NotFound:
            user = None
    if user is None:
        user = await migration.migrate(svc, pool, client, name, None, metadata)
    if user is None:
        if client.prevent_user_existence_errors:
            return None
        raise UserNotFoundException(NO_USER_FOR_CLIENT)
    found = user
    return _hidden_refusal(client, lambda: (found, delivery_for(pool, found)))


async def forgot_password(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    now = svc.clock.now()
    name = req["Username"]
    with svc.store.read() as tx:
        client, pool = checked_client(svc, tx, req)
    try:
        target = await _target_or_migrated(svc, pool, client, name, req.get("ClientMetadata"))
    except UserNotFoundException:
        if not client.prevent_user_existence_errors:
            raise
        target = None
    if target is None:
        refuse_for_pool(pool)
        risk.guard(svc, call, pool, client, None, "ForgotPassword")  # blocked IPs, as for users
        with svc.store.transaction() as tx:
            _count_request(svc, tx, pool, decoys.ghost_key(svc, pool, name), now)
        return {"CodeDeliveryDetails": masked_delivery(svc, pool, name)}
    user, delivery = target
    risk.guard(svc, call, pool, client, user, "ForgotPassword")
    outgoing = await hooks.compose(
        svc,
        pool,
        client.id,
        user,
        delivery,
        "CustomMessage_ForgotPassword",
        req.get("ClientMetadata"),
    )
    with svc.store.transaction() as tx:
        fresh = stored_user(tx, pool.id, user.sub)
        _count_request(svc, tx, pool, fresh.sub, now)
        with sendquota.quietly(client.prevent_user_existence_errors):
            usercodes.store(svc, tx, fresh, FORGOT, outgoing, now, FORGOT_VALIDITY)
        risk.record(
            tx,
            call,
            pool,
            fresh,
            "ForgotPassword",
            now,
            client=client,
            risk=risk.assess(svc, call, pool, client, fresh),
        )
    svc.outbox.notify()
    return {"CodeDeliveryDetails": delivery.details()}


async def confirm_forgot_password(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    now = svc.clock.now()
    name = req["Username"]
    with svc.store.read() as tx:
        client, pool = checked_client(svc, tx, req)
        target = _target(tx, pool, client, name)
    if target is None:
        refuse_for_pool(pool)
        risk.guard(svc, call, pool, client, None, "ForgotPassword")
        check_policy(req["Password"], pool.config["Policies"]["PasswordPolicy"])
        nobody = decoys.ghost_key(svc, pool, name)
        with svc.store.transaction() as tx:  # the guess is counted: raise after commit
            wrong = usercodes.guess(svc, tx, pool.id, nobody, "confirm-forgot", now)
        raise wrong
    user = target[0]
    risk.guard(svc, call, pool, client, user, "ForgotPassword")
    check_policy(req["Password"], pool.config["Policies"]["PasswordPolicy"])
    with svc.store.transaction() as tx:
        # The code is checked (and spent) before the slow hash, so a wrong guess costs
        # no Argon2 work.
        spent = stored_user(tx, pool.id, user.sub)
        hidden = "confirm-forgot" if client.prevent_user_existence_errors else None
        code = usercodes.check(svc, tx, spent, FORGOT, req["ConfirmationCode"], now, hidden)
        failure = code if isinstance(code, CognitoError) else None
    if failure is not None:
        raise failure
    await set_password(svc, pool, spent, req["Password"])
    with svc.store.transaction() as tx:
        status = CONFIRMED if spent.status == RESET_REQUIRED else None
        fresh = store_password(tx, spent, status, now)
        risk.record(tx, call, pool, fresh, "PasswordChange", now, client=client)
    await hooks.post_confirmation(
        svc,
        pool,
        client.id,
        fresh,
        req.get("ClientMetadata"),
        "PostConfirmation_ConfirmForgotPassword",
    )
    return {}
