"""User groups: CreateGroup, GetGroup, UpdateGroup, DeleteGroup, ListGroups,
AdminAddUserToGroup, AdminRemoveUserFromGroup, AdminListGroupsForUser, ListUsersInGroup.

A user's groups go into their tokens as ``cognito:groups`` (by precedence, lowest first),
with ``cognito:roles`` and ``cognito:preferred_role`` in the ID token when the groups
have role ARNs; PreTokenGeneration sees and may override them.
"""

from __future__ import annotations

from typing import Any

from userpool.domain.entities import Group
from userpool.domain.ports import AlreadyExists, NotFound, Tx
from userpool.domain.services import Call, Services
from userpool.errors import (
    NO_GROUP,
    TOO_MANY_GROUPS,
    TOO_MANY_MEMBERSHIPS,
    GroupExistsException,
    LimitExceededException,
    ResourceNotFoundException,
)
from userpool.operations.steps.lookups import drop_none, pool_of, user_type
from userpool.operations.steps.paging import decode_token, encode_token
from userpool.operations.steps.users import admin_user

# DEVIATION: the wordings of these two errors are as users quote them, unconfirmed.
# DEVIATION: Cognito documents both quotas (10,000 groups per pool, 100 groups per user)
# but not its answers past them; LimitExceededException with these texts is our choice.


def _exists(name: str) -> str:
    return f"A group with the name {name} already exists."


def group_type(group: Group) -> dict[str, Any]:
    return drop_none(
        {
            "GroupName": group.name,
            "UserPoolId": group.pool_id,
            "Description": group.description,
            "RoleArn": group.role_arn,
            "Precedence": group.precedence,
            "LastModifiedDate": group.modified,
            "CreationDate": group.created,
        }
    )


def _group(tx: Tx, pool_id: str, name: str) -> Group:
    try:
        return tx.get_group(pool_id, name)
    except NotFound:
        raise ResourceNotFoundException(NO_GROUP) from None


async def create_group(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    now = svc.clock.now()
    group = Group(
        req["UserPoolId"],
        req["GroupName"],
        req.get("Description"),
        req.get("RoleArn"),
        req.get("Precedence"),
        now,
        now,
    )
    with svc.store.transaction() as tx:
        pool_of(tx, req["UserPoolId"])
        limit = svc.settings.max_groups_per_pool
        if tx.count_groups(group.pool_id) >= limit:
            raise LimitExceededException(TOO_MANY_GROUPS.format(limit))
        try:
            tx.insert_group(group)
        except AlreadyExists:
            raise GroupExistsException(_exists(group.name)) from None
    return {"Group": group_type(group)}


async def get_group(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    with svc.store.read() as tx:
        pool_of(tx, req["UserPoolId"])
        return {"Group": group_type(_group(tx, req["UserPoolId"], req["GroupName"]))}


async def update_group(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    """Members left out of the request keep their values."""
    with svc.store.transaction() as tx:
        pool_of(tx, req["UserPoolId"])
        group = _group(tx, req["UserPoolId"], req["GroupName"])
        group.description = req.get("Description", group.description)
        group.role_arn = req.get("RoleArn", group.role_arn)
        group.precedence = req.get("Precedence", group.precedence)
        group.modified = svc.clock.now()
        tx.update_group(group)
    return {"Group": group_type(group)}


async def delete_group(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    with svc.store.transaction() as tx:
        pool_of(tx, req["UserPoolId"])
        _group(tx, req["UserPoolId"], req["GroupName"])
        tx.delete_group(req["UserPoolId"], req["GroupName"])
    return {}


def _page(items: list[Any], limit: int, key: str) -> dict[str, Any]:
    return {"NextToken": encode_token(key)} if len(items) > limit else {}


async def list_groups(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    limit = req.get("Limit") or 60
    with svc.store.read() as tx:
        pool_of(tx, req["UserPoolId"])
        found = tx.list_groups(req["UserPoolId"], decode_token(req.get("NextToken")), limit + 1)
    out: dict[str, Any] = {"Groups": [group_type(g) for g in found[:limit]]}
    return out | _page(found, limit, found[limit - 1].name if len(found) > limit else "")


def _member(tx: Tx, req: dict[str, Any]) -> tuple[str, str, str]:
    """(pool id, group name, user's sub) of a membership request; both must exist."""
    pool = pool_of(tx, req["UserPoolId"])
    user = admin_user(tx, pool, req["Username"])
    _group(tx, pool.id, req["GroupName"])
    return pool.id, req["GroupName"], user.sub


async def admin_add_user_to_group(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    with svc.store.transaction() as tx:
        pool_id, name, sub = _member(tx, req)
        mine = [g.name for g in tx.groups_of(pool_id, sub)]
        limit = svc.settings.max_groups_per_user
        if name not in mine and len(mine) >= limit:
            raise LimitExceededException(TOO_MANY_MEMBERSHIPS.format(limit))
        tx.add_member(pool_id, name, sub)
    return {}


async def admin_remove_user_from_group(
    svc: Services, call: Call, req: dict[str, Any]
) -> dict[str, Any]:
    with svc.store.transaction() as tx:
        tx.remove_member(*_member(tx, req))
    return {}


async def admin_list_groups_for_user(
    svc: Services, call: Call, req: dict[str, Any]
) -> dict[str, Any]:
    """Groups by name, paged (the token is the last name given)."""
    limit = req.get("Limit") or 60
    after = decode_token(req.get("NextToken")) or ""
    with svc.store.read() as tx:
        pool = pool_of(tx, req["UserPoolId"])
        user = admin_user(tx, pool, req["Username"])
        mine = sorted(tx.groups_of(pool.id, user.sub), key=lambda g: g.name)
    found = [g for g in mine if g.name > after][: limit + 1]
    out: dict[str, Any] = {"Groups": [group_type(g) for g in found[:limit]]}
    return out | _page(found, limit, found[limit - 1].name if len(found) > limit else "")


async def list_users_in_group(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    limit = req.get("Limit") or 60
    with svc.store.read() as tx:
        pool = pool_of(tx, req["UserPoolId"])
        _group(tx, pool.id, req["GroupName"])
        found = tx.members_of(
            pool.id, req["GroupName"], decode_token(req.get("NextToken")), limit + 1
        )
    out: dict[str, Any] = {"Users": [user_type(u) for u in found[:limit]]}
    last = pool.key(found[limit - 1].username) if len(found) > limit else ""
    return out | _page(found, limit, last)
