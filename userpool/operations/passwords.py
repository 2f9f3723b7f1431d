"""Passwords and sign-in access set by an administrator or by the signed-in user:
AdminSetUserPassword, AdminResetUserPassword, ChangePassword, AdminDisableUser,
AdminEnableUser."""

from __future__ import annotations

from typing import Any

from userpool.domain.entities import CONFIRMED, FORCE_CHANGE_PASSWORD, RESET_REQUIRED, Pool
from userpool.domain.passwords import check_policy
from userpool.domain.recovery import FORGOT, FORGOT_VALIDITY, delivery_for
from userpool.domain.services import Call, Services
from userpool.errors import (
    ATTEMPTS,
    NOT_CONFIRMED,
    PASSWORD_RESET_REQUIRED,
    WRONG_PASSWORD,
    LimitExceededException,
    NotAuthorizedException,
    PasswordResetRequiredException,
    UserNotConfirmedException,
)
from userpool.operations.steps import attempts, hooks, risk, usercodes
from userpool.operations.steps.lookups import access_user, pool_of, stored_user
from userpool.operations.steps.newusers import set_password, store_password
from userpool.operations.steps.users import admin_user, named_user


def _policy(pool: Pool) -> dict[str, Any]:
    return dict(pool.config["Policies"]["PasswordPolicy"])


async def admin_set_user_password(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    pool, user = named_user(svc, req)
    check_policy(req["Password"], _policy(pool))
    await set_password(svc, pool, user, req["Password"])
    status = CONFIRMED if req.get("Permanent") else FORCE_CHANGE_PASSWORD
    with svc.store.transaction() as tx:
        store_password(tx, user, status, svc.clock.now())
    return {}


async def admin_reset_user_password(
    svc: Services, call: Call, req: dict[str, Any]
) -> dict[str, Any]:
    """RESET_REQUIRED, and a reset code by the self-service recovery channel.

    DEVIATION: a user without a verified address, or in FORCE_CHANGE_PASSWORD, gets
    ForgotPassword's errors; Cognito's answers for them are unconfirmed.
    """
    now = svc.clock.now()
    pool, user = named_user(svc, req)
    delivery = delivery_for(pool, user)
    outgoing = await hooks.compose(
        svc, pool, None, user, delivery, "CustomMessage_ForgotPassword", req.get("ClientMetadata")
    )
    with svc.store.transaction() as tx:
        fresh = stored_user(tx, pool.id, user.sub)
        fresh.status = RESET_REQUIRED
        fresh.modified = now
        tx.update_user(fresh)
        usercodes.store(svc, tx, fresh, FORGOT, outgoing, now, FORGOT_VALIDITY)
    svc.outbox.notify()
    return {}


async def change_password(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    """The signed-in user's new password, after their current one.

    DEVIATION: Cognito's quota is 5 ChangePassword calls per user and hour; here wrong
    current passwords are counted (5 per hour, then LimitExceededException), so a user who
    types theirs right is never held back.
    """
    pool, user, _ = await access_user(svc, req["AccessToken"])
    if user.status == RESET_REQUIRED:
        raise PasswordResetRequiredException(PASSWORD_RESET_REQUIRED)
    if user.status not in (CONFIRMED, FORCE_CHANGE_PASSWORD):
        raise UserNotConfirmedException(NOT_CONFIRMED)
    now = svc.clock.now()
    with svc.store.read() as tx:
        limited = attempts.over(
            tx, pool.id, user.sub, "change", svc.settings.code_attempts_per_hour, now
        )
    if limited:
        raise LimitExceededException(ATTEMPTS)
    stored, given = user.password_hash, req.get("PreviousPassword")
    # DEVIATION: a user with a password who sends no PreviousPassword (optional in the model,
    # for passwordless users) is answered as a wrong one; Cognito's answer is unconfirmed.
    if stored and not (given and await svc.hasher.verify(stored, given)):
        with svc.store.transaction() as tx:
            tx.add_attempt(pool.id, user.sub, "change", now)
        raise NotAuthorizedException(WRONG_PASSWORD)
    check_policy(req["ProposedPassword"], _policy(pool))
    await set_password(svc, pool, user, req["ProposedPassword"])
    with svc.store.transaction() as tx:
        fresh = store_password(tx, user, None, svc.clock.now())
        tx.clear_attempts(pool.id, user.sub, "change")
        risk.record(tx, call, pool, fresh, "PasswordChange", now)
    return {}


async def _set_enabled(svc: Services, req: dict[str, Any], enabled: bool) -> dict[str, Any]:
    with svc.store.transaction() as tx:
        pool = pool_of(tx, req["UserPoolId"])
        user = admin_user(tx, pool, req["Username"])
        user.enabled = enabled
        user.modified = svc.clock.now()
        tx.update_user(user)
        if not enabled:
            tx.revoke_user_tokens(pool.id, user.sub)
    return {}


async def admin_disable_user(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    """No sign-in, and every token the user holds revoked."""
    return await _set_enabled(svc, req, False)


async def admin_enable_user(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    return await _set_enabled(svc, req, True)
