"""App client operations: Create/Describe/Update/Delete/ListUserPoolClients."""

from __future__ import annotations

import copy
from typing import Any

from userpool.domain import client_secrets, ids
from userpool.domain.entities import AppClient
from userpool.domain.schema import check_client_attributes
from userpool.domain.services import Call, Services
from userpool.domain.signin import check_flows_setting
from userpool.errors import BOTH_SECRETS, InvalidParameterException
from userpool.operations.steps import oauth
from userpool.operations.steps.lookups import (
    client_of,
    drop_none,
    pool_of,
    seal_secrets,
    shown_secret,
)
from userpool.operations.steps.paging import decode_token, encode_token

_SETTABLE = (
    "RefreshTokenValidity",
    "AccessTokenValidity",
    "IdTokenValidity",
    "TokenValidityUnits",
    "ReadAttributes",
    "WriteAttributes",
    "ExplicitAuthFlows",
    "SupportedIdentityProviders",
    "CallbackURLs",
    "LogoutURLs",
    "DefaultRedirectURI",
    "AllowedOAuthFlows",
    "AllowedOAuthScopes",
    "AllowedOAuthFlowsUserPoolClient",
    "AnalyticsConfiguration",
    "PreventUserExistenceErrors",
    "EnableTokenRevocation",
    "EnablePropagateAdditionalUserContextData",
    "AuthSessionValidity",
    "RefreshTokenRotation",
)


def _config(req: dict[str, Any]) -> dict[str, Any]:
    """Cognito's defaults, overridden by what the request sets (Update resets the rest)."""
    config: dict[str, Any] = {
        "RefreshTokenValidity": 30,
        "TokenValidityUnits": {"AccessToken": "hours", "IdToken": "hours", "RefreshToken": "days"},
        "ExplicitAuthFlows": [
            "ALLOW_REFRESH_TOKEN_AUTH",
            "ALLOW_CUSTOM_AUTH",
            "ALLOW_USER_SRP_AUTH",
        ],
        "AllowedOAuthFlowsUserPoolClient": False,
        "PreventUserExistenceErrors": "LEGACY",
        "EnableTokenRevocation": True,
        "EnablePropagateAdditionalUserContextData": False,
        "AuthSessionValidity": 3,
    }
    for name in _SETTABLE:
        if name in req:
            config[name] = copy.deepcopy(req[name])
    check_flows_setting(config["ExplicitAuthFlows"])
    return config


def _check_attributes(pool: dict[str, Any], client: dict[str, Any], *, creating: bool) -> None:
    schema = pool.get("SchemaAttributes") or []
    read, write = client.get("ReadAttributes"), client.get("WriteAttributes")
    check_client_attributes(schema, read, write, creating=creating)


def client_type(svc: Services, client: AppClient) -> dict[str, Any]:
    """The wire's UserPoolClientType.

    DEVIATION: a client created without TokenValidityUnits, ExplicitAuthFlows or
    PreventUserExistenceErrors shows their defaults (hours/hours/days, the three documented
    flows, LEGACY); whether Cognito leaves them out instead is unconfirmed."""
    out: dict[str, Any] = {
        "UserPoolId": client.pool_id,
        "ClientName": client.name,
        "ClientId": client.id,
        "ClientSecret": shown_secret(svc, client),
        "LastModifiedDate": client.modified,
        "CreationDate": client.created,
    }
    out.update(client.config)
    return drop_none(out)


async def create_user_pool_client(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    if req.get("GenerateSecret") and "ClientSecret" in req:
        raise InvalidParameterException(BOTH_SECRETS)
    secret = req.get("ClientSecret") or (ids.client_secret() if req.get("GenerateSecret") else None)
    now = svc.clock.now()
    client_id = ids.client_id()
    first = [] if secret is None else [client_secrets.new_secret(client_id, secret, now, [], True)]
    client = AppClient(
        id=client_id,
        pool_id=req["UserPoolId"],
        name=req["ClientName"],
        secret=seal_secrets(svc, first),
        config=_config(req),
        created=now,
        modified=now,
    )
    with svc.store.transaction() as tx:
        pool = pool_of(tx, client.pool_id)
        _check_attributes(pool.config, client.config, creating=True)
        oauth.check_client(tx, pool.id, client.config, client.secret is not None)
        tx.insert_client(client)
    return {"UserPoolClient": client_type(svc, client)}


async def describe_user_pool_client(
    svc: Services, call: Call, req: dict[str, Any]
) -> dict[str, Any]:
    with svc.store.read() as tx:
        pool_of(tx, req["UserPoolId"])
        client = client_of(tx, req["ClientId"], req["UserPoolId"])
    return {"UserPoolClient": client_type(svc, client)}


async def update_user_pool_client(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    with svc.store.transaction() as tx:
        pool = pool_of(tx, req["UserPoolId"])
        client = client_of(tx, req["ClientId"], req["UserPoolId"])
        client.config = _config(req)
        _check_attributes(pool.config, client.config, creating=False)
        oauth.check_client(tx, pool.id, client.config, client.secret is not None)
        client.name = req.get("ClientName", client.name)
        client.modified = svc.clock.now()
        tx.update_client(client)
    return {"UserPoolClient": client_type(svc, client)}


async def delete_user_pool_client(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    with svc.store.transaction() as tx:
        pool_of(tx, req["UserPoolId"])
        client_of(tx, req["ClientId"], req["UserPoolId"])
        tx.delete_client(req["ClientId"])
    return {}


async def list_user_pool_clients(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    limit = req.get("MaxResults", 60)
    with svc.store.read() as tx:
        pool_of(tx, req["UserPoolId"])
        clients = tx.list_clients(req["UserPoolId"], decode_token(req.get("NextToken")), limit + 1)
    out: dict[str, Any] = {
        "UserPoolClients": [
            {"ClientId": c.id, "UserPoolId": c.pool_id, "ClientName": c.name}
            for c in clients[:limit]
        ]
    }
    if len(clients) > limit:
        out["NextToken"] = encode_token(clients[limit - 1].id)
    return out
