"""Resource servers and their custom scopes: CreateResourceServer, DescribeResourceServer,
ListResourceServers, UpdateResourceServer, DeleteResourceServer.

A scope is granted as ``<identifier>/<scope name>``. Deleting a scope (or its server)
leaves it in app clients' AllowedOAuthScopes; the token endpoint drops it from tokens
until it is defined again (``domain.oauth.client_credentials_scopes``).
"""

from __future__ import annotations

from typing import Any

from userpool.domain.ports import AlreadyExists, NotFound, ResourceServer, Tx
from userpool.domain.services import Call, Services
from userpool.errors import (
    DUPLICATE_SCOPE,
    NO_RESOURCE_SERVER,
    RESOURCE_SERVER_EXISTS,
    TOO_MANY_RESOURCE_SERVERS,
    InvalidParameterException,
    LimitExceededException,
    ResourceNotFoundException,
)
from userpool.operations.steps.lookups import pool_of
from userpool.operations.steps.oauth import MAX_RESOURCE_SERVERS
from userpool.operations.steps.paging import decode_token, encode_token


def _scopes(req: dict[str, Any]) -> list[dict[str, str]]:
    """The request's scopes, in order. DEVIATION: a scope name given twice is refused
    (Cognito's answer is unconfirmed)."""
    scopes = [
        {"ScopeName": s["ScopeName"], "ScopeDescription": s["ScopeDescription"]}
        for s in req.get("Scopes") or []
    ]
    seen: set[str] = set()
    for scope in scopes:
        if scope["ScopeName"] in seen:
            raise InvalidParameterException(DUPLICATE_SCOPE.format(scope["ScopeName"]))
        seen.add(scope["ScopeName"])
    return scopes


def _wire(server: ResourceServer) -> dict[str, Any]:
    """The wire's ResourceServerType. DEVIATION: ``Scopes`` is shown (empty) for a
    resource server without scopes."""
    return {
        "UserPoolId": server.pool_id,
        "Identifier": server.identifier,
        "Name": server.name,
        "Scopes": [dict(s) for s in server.scopes],
    }


def _server(tx: Tx, pool_id: str, identifier: str) -> ResourceServer:
    try:
        return tx.get_resource_server(pool_id, identifier)
    except NotFound:
        raise ResourceNotFoundException(NO_RESOURCE_SERVER.format(identifier)) from None


async def create_resource_server(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    """At most 25 per pool (Cognito's default quota). DEVIATION: the texts for a taken
    identifier and for the quota are ours."""
    scopes = _scopes(req)
    now = svc.clock.now()
    with svc.store.transaction() as tx:
        pool = pool_of(tx, req["UserPoolId"])
        if tx.count_resource_servers(pool.id) >= MAX_RESOURCE_SERVERS:
            raise LimitExceededException(TOO_MANY_RESOURCE_SERVERS.format(MAX_RESOURCE_SERVERS))
        server = ResourceServer(pool.id, req["Identifier"], req["Name"], scopes, now, now)
        try:
            tx.insert_resource_server(server)
        except AlreadyExists:
            raise InvalidParameterException(
                RESOURCE_SERVER_EXISTS.format(server.identifier)
            ) from None
    return {"ResourceServer": _wire(server)}


async def describe_resource_server(
    svc: Services, call: Call, req: dict[str, Any]
) -> dict[str, Any]:
    with svc.store.read() as tx:
        pool = pool_of(tx, req["UserPoolId"])
        server = _server(tx, pool.id, req["Identifier"])
    return {"ResourceServer": _wire(server)}


async def list_resource_servers(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    """In identifier order. DEVIATION: without MaxResults, 50 (the most one page holds)."""
    limit = req.get("MaxResults", 50)
    with svc.store.read() as tx:
        pool = pool_of(tx, req["UserPoolId"])
        servers = tx.list_resource_servers(pool.id, decode_token(req.get("NextToken")), limit + 1)
    out: dict[str, Any] = {"ResourceServers": [_wire(s) for s in servers[:limit]]}
    if len(servers) > limit:
        out["NextToken"] = encode_token(servers[limit - 1].identifier)
    return out


async def update_resource_server(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    """Name and scopes are replaced; scopes left out are gone (as Cognito's Update resets
    what a request omits)."""
    scopes = _scopes(req)
    with svc.store.transaction() as tx:
        pool = pool_of(tx, req["UserPoolId"])
        server = _server(tx, pool.id, req["Identifier"])
        server.name, server.scopes, server.modified = req["Name"], scopes, svc.clock.now()
        tx.update_resource_server(server)
    return {"ResourceServer": _wire(server)}


async def delete_resource_server(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    with svc.store.transaction() as tx:
        pool = pool_of(tx, req["UserPoolId"])
        _server(tx, pool.id, req["Identifier"])
        tx.delete_resource_server(pool.id, req["Identifier"])
    return {}
