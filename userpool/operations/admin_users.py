"""Administrator user operations: AdminConfirmSignUp, AdminCreateUser, AdminGetUser,
AdminDeleteUser; and the attribute helpers that attributes.py shares."""

from __future__ import annotations

from typing import Any

from userpool.domain import codes
from userpool.domain.entities import (
    CONFIRMED,
    FORCE_CHANGE_PASSWORD,
    UNCONFIRMED,
    Pool,
    User,
)
from userpool.domain.messages import Delivery
from userpool.domain.mfa import user_members
from userpool.domain.passwords import check_policy, temporary_password
from userpool.domain.schema import check_attributes
from userpool.domain.services import Call, Services
from userpool.errors import (
    CANNOT_CONFIRM,
    NotAuthorizedException,
    UnsupportedUserStateException,
)
from userpool.operations.steps import hooks, usercodes
from userpool.operations.steps.hooks import Outgoing
from userpool.operations.steps.lookups import attributes_in, attributes_out, pool_of, user_type
from userpool.operations.steps.newusers import (
    insert_new_user,
    new_user,
    set_password,
    sign_in_name,
)
from userpool.operations.steps.users import admin_user, named_user, sync_aliases


async def admin_confirm_sign_up(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    with svc.store.transaction() as tx:
        pool = pool_of(tx, req["UserPoolId"])
        user = admin_user(tx, pool, req["Username"])
        if user.status != UNCONFIRMED:
            raise NotAuthorizedException(CANNOT_CONFIRM.format(user.status))
        user.status = CONFIRMED
        user.modified = svc.clock.now()
        tx.update_user(user)
        tx.delete_code(pool.id, user.sub, codes.SIGN_UP)
    await hooks.post_confirmation(svc, pool, None, user, req.get("ClientMetadata"))
    return {}


def _invite_targets(user: User, mediums: list[str]) -> list[Delivery]:
    # DEVIATION: when no desired medium matches an attribute we fall back to the one present.
    targets = [("EMAIL", "email"), ("SMS", "phone_number")]
    chosen = [(m, a) for m, a in targets if m in mediums and user.attributes.get(a)]
    if not chosen:
        chosen = [(m, a) for m, a in targets if user.attributes.get(a)][:1]
    return [Delivery(a, m, user.attributes[a]) for m, a in chosen]


async def _invitations(
    svc: Services, pool: Pool, user: User, password: str, req: dict[str, Any]
) -> list[Outgoing]:
    if req.get("MessageAction") == "SUPPRESS":
        return []
    mediums = req.get("DesiredDeliveryMediums") or ["SMS"]
    return [
        await hooks.compose(
            svc,
            pool,
            None,
            user,
            d,
            "CustomMessage_AdminCreateUser",
            req.get("ClientMetadata"),
            secret=password,
        )
        for d in _invite_targets(user, mediums)
    ]


async def admin_create_user(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    with svc.store.read() as tx:
        pool = pool_of(tx, req["UserPoolId"])
    policy = pool.config["Policies"]["PasswordPolicy"]
    if req.get("MessageAction") == "RESEND":
        return await _resend_invitation(svc, pool, req, policy)
    attributes = attributes_in(req.get("UserAttributes"))
    check_attributes(pool.config.get("SchemaAttributes") or [], attributes, creating=True)
    username = sign_in_name(pool, req["Username"], attributes)
    password = req.get("TemporaryPassword") or temporary_password(policy)
    check_policy(password, policy)
    user = new_user(pool, username, attributes, FORCE_CHANGE_PASSWORD, svc.clock.now())
    # The answer's auto-confirm/verify flags are ignored for AdminCreateUser, as in Cognito.
    await hooks.pre_sign_up(
        svc,
        pool,
        None,
        user,
        req.get("ValidationData"),
        req.get("ClientMetadata"),
        "PreSignUp_AdminCreateUser",
    )
    await set_password(svc, pool, user, password)
    invitations = await _invitations(svc, pool, user, password, req)
    now = svc.clock.now()
    with svc.store.transaction() as tx:
        insert_new_user(tx, pool, user)
        sync_aliases(tx, pool, user, bool(req.get("ForceAliasCreation")))
        # DEVIATION: an invitation over its address's quota refuses the whole request
        # (LimitExceededException, no user created); Cognito's answer is unconfirmed.
        for out in invitations:
            usercodes.enqueue(svc, tx, user, out, now)
    svc.outbox.notify()
    return {"User": user_type(user)}


async def _resend_invitation(
    svc: Services, pool: Pool, req: dict[str, Any], policy: dict[str, Any]
) -> dict[str, Any]:
    password = req.get("TemporaryPassword") or temporary_password(policy)
    check_policy(password, policy)
    with svc.store.read() as tx:
        user = admin_user(tx, pool, req["Username"])
    if user.status != FORCE_CHANGE_PASSWORD:
        raise UnsupportedUserStateException(f"User status is {user.status}")
    await set_password(svc, pool, user, password)
    invitations = await _invitations(svc, pool, user, password, req)
    now = svc.clock.now()
    with svc.store.transaction() as tx:
        fresh = admin_user(tx, pool, req["Username"])
        fresh.password_hash, fresh.extra["srp"] = user.password_hash, user.extra["srp"]
        user = fresh
        user.modified = now
        tx.update_user(user)
        for out in invitations:
            usercodes.enqueue(svc, tx, user, out, now)
    svc.outbox.notify()
    return {"User": user_type(user)}


async def admin_get_user(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    pool, user = named_user(svc, req)
    return {
        "Username": user.username,
        "UserAttributes": attributes_out(user.attributes),
        "UserCreateDate": user.created,
        "UserLastModifiedDate": user.modified,
        "Enabled": user.enabled,
        "UserStatus": user.status,
        **user_members(pool, user),
    }


async def admin_delete_user(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    with svc.store.transaction() as tx:
        pool = pool_of(tx, req["UserPoolId"])
        user = admin_user(tx, pool, req["Username"])
        tx.delete_user(pool.id, user.sub)
    return {}
