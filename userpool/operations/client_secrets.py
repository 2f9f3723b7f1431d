"""App client secret rotation: AddUserPoolClientSecret, ListUserPoolClientSecrets,
DeleteUserPoolClientSecret.

A confidential client holds one or two active secrets (``domain/client_secrets.py``), all
sealed together in its ``secret`` value; every check of a secret or secret hash accepts
any of them (``steps/lookups.py``). A generated secret's value is shown once, in Add's
answer; a supplied one never; List never shows values.
"""

from __future__ import annotations

from typing import Any

from userpool.domain import ids
from userpool.domain.client_secrets import MAX_ACTIVE, ClientSecret, new_secret
from userpool.domain.services import Call, Services
from userpool.errors import (
    LAST_SECRET,
    NO_CLIENT_SECRET,
    NOT_CONFIDENTIAL,
    TOO_MANY_SECRETS,
    InvalidParameterException,
    LimitExceededException,
    ResourceNotFoundException,
)
from userpool.operations.steps.lookups import active_secrets, client_of, pool_of, seal_secrets


def _descriptor(secret: ClientSecret) -> dict[str, Any]:
    return {"ClientSecretId": secret.id, "ClientSecretCreateDate": secret.created}


async def add_user_pool_client_secret(
    svc: Services, call: Call, req: dict[str, Any]
) -> dict[str, Any]:
    """A new active secret, the request's ``ClientSecret`` or a generated one.

    DEVIATION: a client without a secret (a public client) is InvalidParameterException,
    a third secret LimitExceededException, with texts of ours; adding a secret leaves the
    client's LastModifiedDate as it was. Cognito's answers are unconfirmed."""
    supplied = req.get("ClientSecret")
    value = supplied or ids.client_secret()
    with svc.store.transaction() as tx:
        pool_of(tx, req["UserPoolId"])
        client = client_of(tx, req["ClientId"], req["UserPoolId"], lock=True)
        held = active_secrets(svc, client)
        if not held:
            raise InvalidParameterException(NOT_CONFIDENTIAL.format(client.id))
        if len(held) >= MAX_ACTIVE:
            raise LimitExceededException(TOO_MANY_SECRETS.format(MAX_ACTIVE))
        added = new_secret(client.id, value, svc.clock.now(), held)
        tx.set_client_secret(client.id, seal_secrets(svc, [*held, added]))
    out = _descriptor(added)
    if supplied is None:
        out["ClientSecretValue"] = value
    return {"ClientSecretDescriptor": out}


async def list_user_pool_client_secrets(
    svc: Services, call: Call, req: dict[str, Any]
) -> dict[str, Any]:
    """The client's active secrets, oldest first, without their values; all in one page
    (at most two: a ``NextToken`` is never returned, and one sent is ignored)."""
    with svc.store.read() as tx:
        pool_of(tx, req["UserPoolId"])
        client = client_of(tx, req["ClientId"], req["UserPoolId"])
    return {"ClientSecrets": [_descriptor(s) for s in active_secrets(svc, client)]}


async def delete_user_pool_client_secret(
    svc: Services, call: Call, req: dict[str, Any]
) -> dict[str, Any]:
    """Deletes one active secret; never the last. Deleting the client's original secret
    makes DescribeUserPoolClient show no ``ClientSecret`` from then on.

    DEVIATION: an unknown secret id is ResourceNotFoundException and the last secret
    InvalidParameterException, with texts of ours (the model names neither)."""
    with svc.store.transaction() as tx:
        pool_of(tx, req["UserPoolId"])
        client = client_of(tx, req["ClientId"], req["UserPoolId"], lock=True)
        held = active_secrets(svc, client)
        kept = [s for s in held if s.id != req["ClientSecretId"]]
        if len(kept) == len(held):
            raise ResourceNotFoundException(NO_CLIENT_SECRET.format(req["ClientSecretId"]))
        if not kept:
            raise InvalidParameterException(LAST_SECRET)
        tx.set_client_secret(client.id, seal_secrets(svc, kept))
    return {}
