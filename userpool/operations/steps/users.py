"""Users as administrators name them, and changes to their attributes with the aliases
those attributes hold."""

from __future__ import annotations

from typing import Any

from userpool.domain import codes
from userpool.domain.entities import (
    Pool,
    User,
)
from userpool.domain.ports import AlreadyExists, NotFound, Tx
from userpool.domain.services import Services
from userpool.errors import (
    NO_USER,
    AliasExistsException,
    UserNotFoundException,
)
from userpool.operations.steps.lookups import alias_key, find_user, pool_of


def admin_user(tx: Tx, pool: Pool, name: str) -> User:
    try:
        return find_user(tx, pool, name)
    except NotFound:
        raise UserNotFoundException(NO_USER) from None


def sync_aliases(tx: Tx, pool: Pool, user: User, force: bool) -> None:
    """Make the alias table match the user's attributes (verified ones in alias pools)."""
    for attribute in pool.sign_in_attributes:
        value = user.attributes.get(attribute)
        wanted = bool(value) and (
            attribute in pool.username_attributes
            or attribute == "preferred_username"
            or user.verified(attribute)
        )
        tx.drop_aliases_of(pool.id, user.sub, attribute)
        if wanted and value is not None:
            _take_alias(tx, pool, user, attribute, alias_key(pool, attribute, value), force)


def claim_alias(tx: Tx, pool: Pool, user: User, attribute: str, force: bool) -> None:
    """Make a newly verified email/phone this user's alias (in pools with alias attributes);
    take it from another user only when forced."""
    value = user.attributes.get(attribute)
    if attribute in pool.alias_attributes and value:
        _take_alias(tx, pool, user, attribute, alias_key(pool, attribute, value), force)


def _take_alias(tx: Tx, pool: Pool, user: User, attribute: str, key: str, force: bool) -> None:
    """The alias ``key`` for ``user``; another owner keeps it unless ``force`` (never for a
    username attribute): then it loses it, and its value is no longer verified."""
    owner = tx.alias_owner(pool.id, attribute, key)
    if owner == user.sub:
        return
    if owner is not None:
        if not force or attribute in pool.username_attributes:
            # DEVIATION: the phone_number wording is inferred from the email one.
            raise AliasExistsException(f"An account with the {attribute} already exists.")
        previous = tx.user_by_sub(pool.id, owner)
        if attribute != "preferred_username":
            previous.attributes[f"{attribute}_verified"] = "false"
        previous.modified = user.modified
        tx.update_user(previous)
        tx.drop_alias(pool.id, attribute, key)
    tx.set_alias(pool.id, attribute, key, user.sub)


def apply_attribute_changes(
    tx: Tx, pool: Pool, user: User, changes: dict[str, str], now: float
) -> None:
    """Apply attribute changes; a new email/phone is unverified and loses its alias."""
    for attribute in ("email", "phone_number"):
        changed = attribute in changes and changes[attribute] != user.attributes.get(attribute)
        if changed:
            # A code sent to the old address must not verify the new one.
            tx.delete_code(pool.id, user.sub, codes.SIGN_UP)
        if changed and f"{attribute}_verified" not in changes:
            # DEVIATION: Cognito keeps the old value until the new one is verified when
            # UserAttributeUpdateSettings asks; we apply it at once, unverified.
            changes[f"{attribute}_verified"] = "false"
    user.attributes.update(changes)
    user.modified = now
    try:
        sync_aliases(tx, pool, user, force=False)
    except AlreadyExists:
        raise AliasExistsException("An account with the given alias already exists.") from None
    tx.update_user(user)


def named_user(svc: Services, req: dict[str, Any]) -> tuple[Pool, User]:
    """The pool (``UserPoolId``) and the user an administrator names (``Username``)."""
    with svc.store.read() as tx:
        pool = pool_of(tx, req["UserPoolId"])
        return pool, admin_user(tx, pool, req["Username"])
