"""The UserMigration trigger: Cognito's lazy migration from another directory.

A name the pool does not know, signing in with a password (USER_PASSWORD_AUTH,
ADMIN_USER_PASSWORD_AUTH) or asking for a password reset (ForgotPassword), is passed
to the pool's UserMigration function (``UserMigration_Authentication`` with the password,
``UserMigration_ForgotPassword`` without). Its answer's ``userAttributes`` and
``finalUserStatus`` (CONFIRMED or RESET_REQUIRED) make the user, with the password typed
at sign-in; the sign-in or the reset then goes on as for any user. In pools whose
usernames are email or phone, the new user's username is its sub.
"""

from __future__ import annotations

from userpool.domain import ids, trigger_events
from userpool.domain.entities import CONFIRMED, RESET_REQUIRED, AppClient, Pool, User
from userpool.domain.ports import Tx
from userpool.domain.schema import check_attributes
from userpool.domain.services import Services
from userpool.domain.trigger_events import Origin
from userpool.errors import (
    InvalidLambdaResponseException,
    UserLambdaValidationException,
    UserNotFoundException,
)
from userpool.operations.steps.lookups import alias_key
from userpool.operations.steps.newusers import insert_new_user, new_user, set_password

_STATUSES = (CONFIRMED, RESET_REQUIRED)


async def migrate(
    svc: Services,
    pool: Pool,
    client: AppClient,
    name: str,
    password: str | None,
    metadata: dict[str, str] | None,
) -> User | None:
    """The migrated user, or None when the pool has no UserMigration function."""
    if svc.triggers.arn(pool, "UserMigration") is None:
        return None
    source = "UserMigration_ForgotPassword" if password is None else "UserMigration_Authentication"
    origin = Origin(svc.settings.region, pool, client.id, metadata)
    event = trigger_events.user_migration(origin, name, password, source)
    try:
        output = await svc.triggers.run(pool, "UserMigration", event) or {}
    except UserLambdaValidationException as exc:
        # DEVIATION: a function that throws is reported as users quote it: the function's
        # message under UserNotFoundException (the exact type is unconfirmed).
        raise UserNotFoundException(exc.message) from None
    response = output.get("response")
    attributes = response.get("userAttributes") if isinstance(response, dict) else None
    if not isinstance(attributes, dict) or not attributes:
        raise UserNotFoundException(f"Exception migrating user in app client {client.id}")
    assert isinstance(response, dict)
    status = response.get("finalUserStatus") or (
        CONFIRMED if password is not None else RESET_REQUIRED
    )
    # DEVIATION: messageAction, desiredDeliveryMediums and enableSMSMFA are accepted but
    # no welcome message is sent (there is no template for one).
    if status not in _STATUSES:
        raise InvalidLambdaResponseException("Invalid finalUserStatus in lambda response")
    values = {
        str(k): str(v)
        for k, v in attributes.items()
        if k != "sub" and not str(k).startswith("cognito:") and v is not None
    }
    check_attributes(pool.config.get("SchemaAttributes") or [], values, creating=True)
    username = ids.sub() if pool.username_attributes else name
    user = new_user(pool, username, values, status, svc.clock.now())
    if password is not None and status == CONFIRMED:
        await set_password(svc, pool, user, password)
    with svc.store.transaction() as tx:
        insert_new_user(tx, pool, user)
        for attribute in pool.alias_attributes:
            value = values.get(attribute)
            if attribute in pool.username_attributes or not value:
                continue
            if attribute != "preferred_username" and not user.verified(attribute):
                continue
            _claim(tx, pool, user, attribute, value, response.get("forceAliasCreation") is True)
    return user


def _claim(tx: Tx, pool: Pool, user: User, attribute: str, value: str, force: bool) -> None:
    """The alias, if free; taken from its owner (who loses the verification) if forced."""
    key = alias_key(pool, attribute, value)
    owner = tx.alias_owner(pool.id, attribute, key)
    if owner is not None:
        if not force:
            return
        previous = tx.user_by_sub(pool.id, owner)
        previous.attributes[f"{attribute}_verified"] = "false"
        tx.update_user(previous)
        tx.drop_alias(pool.id, attribute, key)
    tx.set_alias(pool.id, attribute, key, user.sub)
