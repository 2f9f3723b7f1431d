"""A user's attributes after creation: UpdateUserAttributes, AdminUpdateUserAttributes,
DeleteUserAttributes, AdminDeleteUserAttributes, GetUserAttributeVerificationCode and
VerifyUserAttribute.

A changed email or phone is unverified; when the pool verifies it automatically, a code
goes to the new value (CodeDeliveryDetailsList in UpdateUserAttributes' answer).

A verification code is for one attribute (purpose ``verify:<attribute>``), valid 24 hours,
sent to the attribute's current value through CustomMessage_VerifyUserAttribute (or
CustomMessage_UpdateUserAttribute after a change); a right code marks the attribute
verified and, in alias pools, makes it the user's alias.
"""

from __future__ import annotations

from typing import Any

from userpool.domain.entities import Pool, User
from userpool.domain.messages import Delivery
from userpool.domain.schema import check_attributes, check_known
from userpool.domain.services import Call, Services
from userpool.errors import (
    ATTEMPTS,
    CognitoError,
    InvalidParameterException,
    LimitExceededException,
)
from userpool.operations.steps import attempts, hooks, usercodes
from userpool.operations.steps.lookups import (
    access_user,
    attributes_in,
    check_writable,
    client_of,
    pool_of,
    stored_user,
)
from userpool.operations.steps.users import (
    admin_user,
    apply_attribute_changes,
    named_user,
    sync_aliases,
)

VALIDITY = 24 * 3600.0
_MEDIUMS = {"email": "EMAIL", "phone_number": "SMS"}


def _delivery(user: User, attribute: str) -> Delivery:
    value = user.attributes.get(attribute)
    if attribute not in _MEDIUMS or not value:
        # DEVIATION: wording unconfirmed.
        raise InvalidParameterException(f"Cannot send a verification code for {attribute}.")
    return Delivery(attribute, _MEDIUMS[attribute], value)


async def send_code(
    svc: Services,
    pool: Pool,
    client_id: str | None,
    user: User,
    attribute: str,
    source: str,
    metadata: dict[str, str] | None,
) -> dict[str, str]:
    """Queue a verification code for ``attribute`` (5 per user and hour); its delivery."""
    # DEVIATION: Cognito documents 5 GetUserAttributeVerificationCode calls per hour; here
    # every code sent for an attribute (after an update too) counts against them.
    delivery = _delivery(user, attribute)
    now = svc.clock.now()
    with svc.store.read() as tx:
        sent = attempts.over(
            tx, pool.id, user.sub, "verify-send", svc.settings.resend_per_hour, now
        )
    if sent:
        raise LimitExceededException(ATTEMPTS)
    outgoing = await hooks.compose(svc, pool, client_id, user, delivery, source, metadata)
    with svc.store.transaction() as tx:
        fresh = stored_user(tx, pool.id, user.sub)
        tx.add_attempt(pool.id, fresh.sub, "verify-send", now)
        usercodes.store(svc, tx, fresh, f"verify:{attribute}", outgoing, now, VALIDITY)
    svc.outbox.notify()
    return delivery.details()


async def get_user_attribute_verification_code(
    svc: Services, call: Call, req: dict[str, Any]
) -> dict[str, Any]:
    pool, user, claims = await access_user(svc, req["AccessToken"])
    details = await send_code(
        svc,
        pool,
        claims.get("client_id"),
        user,
        req["AttributeName"],
        "CustomMessage_VerifyUserAttribute",
        req.get("ClientMetadata"),
    )
    return {"CodeDeliveryDetails": details}


async def verify_user_attribute(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    pool, user, _ = await access_user(svc, req["AccessToken"])
    attribute = req["AttributeName"]
    _delivery(user, attribute)
    with svc.store.transaction() as tx:
        fresh = stored_user(tx, pool.id, user.sub)
        spent = usercodes.check(svc, tx, fresh, f"verify:{attribute}", req["Code"], svc.clock.now())
        if not isinstance(spent, CognitoError):
            fresh.attributes[f"{attribute}_verified"] = "true"
            fresh.modified = svc.clock.now()
            sync_aliases(tx, pool, fresh, force=False)
            tx.update_user(fresh)
    if isinstance(spent, CognitoError):
        raise spent
    return {}


async def changed_codes(
    svc: Services,
    pool: Pool,
    client_id: str | None,
    user: User,
    changed: list[str],
    metadata: dict[str, str] | None,
) -> list[dict[str, str]]:
    """Codes for the changed, unverified email/phone the pool verifies automatically."""
    sent = []
    for attribute in changed:
        if attribute in pool.auto_verified and not user.verified(attribute):
            sent.append(
                await send_code(
                    svc,
                    pool,
                    client_id,
                    user,
                    attribute,
                    "CustomMessage_UpdateUserAttribute",
                    metadata,
                )
            )
    return sent


def _delete(pool: Pool, user: User, names: list[str]) -> None:
    schema = pool.config.get("SchemaAttributes") or []
    check_known(schema, names)
    required = {a["Name"] for a in schema if a.get("Required")}
    for name in names:
        if name in required or name == "sub" or name in pool.username_attributes:
            # DEVIATION: wording unconfirmed.
            raise InvalidParameterException(f"Cannot delete the required attribute {name}.")
    for name in names:
        user.attributes.pop(name, None)
        if name in _MEDIUMS:
            user.attributes.pop(f"{name}_verified", None)


def _delete_and_store(svc: Services, pool: Pool, user: User, names: list[str]) -> None:
    with svc.store.transaction() as tx:
        fresh = stored_user(tx, pool.id, user.sub)
        _delete(pool, fresh, names)
        fresh.modified = svc.clock.now()
        sync_aliases(tx, pool, fresh, force=False)
        tx.update_user(fresh)


async def delete_user_attributes(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    pool, user, claims = await access_user(svc, req["AccessToken"])
    names = list(req["UserAttributeNames"])
    check_known(pool.config.get("SchemaAttributes") or [], names)
    # DEVIATION: deleting is writing: an app client deletes only what it may write (never
    # a developer-only attribute); Cognito documents that for updates only.
    with svc.store.read() as tx:
        check_writable(client_of(tx, claims["client_id"]), dict.fromkeys(names, ""))
    _delete_and_store(svc, pool, user, names)
    return {}


async def admin_delete_user_attributes(
    svc: Services, call: Call, req: dict[str, Any]
) -> dict[str, Any]:
    pool, user = named_user(svc, req)
    _delete_and_store(svc, pool, user, list(req["UserAttributeNames"]))
    return {}


def _changed(user: User, changes: dict[str, str]) -> list[str]:
    """The email/phone a change gives a new value without declaring it verified."""
    return [
        a
        for a in _MEDIUMS
        if a in changes
        and changes[a] != user.attributes.get(a)
        and changes.get(f"{a}_verified") != "true"
    ]


async def update_user_attributes(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    pool, user, claims = await access_user(svc, req["AccessToken"])
    changes = attributes_in(req.get("UserAttributes"))
    check_attributes(pool.config.get("SchemaAttributes") or [], changes, creating=False)
    with svc.store.read() as tx:
        check_writable(client_of(tx, claims["client_id"]), changes)
    changed = _changed(user, changes)
    with svc.store.transaction() as tx:
        fresh = stored_user(tx, pool.id, user.sub)
        apply_attribute_changes(tx, pool, fresh, changes, svc.clock.now())
    sent = await changed_codes(
        svc, pool, claims["client_id"], fresh, changed, req.get("ClientMetadata")
    )
    return {"CodeDeliveryDetailsList": sent} if sent else {}


async def admin_update_user_attributes(
    svc: Services, call: Call, req: dict[str, Any]
) -> dict[str, Any]:
    changes = attributes_in(req.get("UserAttributes"))
    with svc.store.transaction() as tx:
        pool = pool_of(tx, req["UserPoolId"])
        check_attributes(pool.config.get("SchemaAttributes") or [], changes, creating=False)
        user = admin_user(tx, pool, req["Username"])
        changed = _changed(user, changes)
        apply_attribute_changes(tx, pool, user, changes, svc.clock.now())
    await changed_codes(svc, pool, None, user, changed, req.get("ClientMetadata"))
    return {}
