"""Tagging user pools: TagResource, UntagResource, ListTagsForResource.

A pool's tags are its ``UserPoolTags`` (the same map Create/Update/DescribeUserPool set
and show), named here by the pool's ARN, ``arn:aws:cognito-idp:<region>:<account>:userpool/<id>``
(DescribeUserPool's ``Arn``).
"""

from __future__ import annotations

from typing import Any

from userpool.domain import tags
from userpool.domain.services import Call, Services
from userpool.errors import BAD_ARN, InvalidParameterException, ResourceNotFoundException
from userpool.operations.steps.lookups import pool_of


def _pool_id(svc: Services, arn: str) -> str:
    """The id of the pool ``arn`` names.

    DEVIATION: an ARN (of the model's form) that names no user pool is
    InvalidParameterException; a user pool's ARN of another region or account, like one of
    a pool that does not exist, is ResourceNotFoundException. Cognito's answers are
    unconfirmed."""
    parts = tags.arn_parts(arn)
    if parts is None:
        raise InvalidParameterException(BAD_ARN.format(arn))
    region, account, pool_id = parts
    if (region, account) != (svc.settings.region, svc.settings.account_id):
        raise ResourceNotFoundException(f"User pool {pool_id} does not exist.")
    return pool_id


async def tag_resource(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    """Adds the tags (replacing the values of keys the pool has).

    DEVIATION: tagging leaves the pool's LastModifiedDate as it was (unconfirmed)."""
    pool_id = _pool_id(svc, req["ResourceArn"])
    with svc.store.transaction() as tx:
        pool = pool_of(tx, pool_id, lock=True)
        held = dict(pool.config.get("UserPoolTags") or {})
        problem = tags.problem(req["Tags"], held)
        if problem is not None:
            raise InvalidParameterException(problem)
        pool.config = {**pool.config, "UserPoolTags": {**held, **req["Tags"]}}
        tx.update_pool(pool)
    return {}


async def untag_resource(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    """Removes the tags of those keys; a key the pool has not is no fault."""
    pool_id = _pool_id(svc, req["ResourceArn"])
    with svc.store.transaction() as tx:
        pool = pool_of(tx, pool_id, lock=True)
        held = dict(pool.config.get("UserPoolTags") or {})
        dropped = set(req["TagKeys"])
        kept = {k: v for k, v in held.items() if k not in dropped}
        if kept != held:
            pool.config = {**pool.config, "UserPoolTags": kept}
            tx.update_pool(pool)
    return {}


async def list_tags_for_resource(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    pool_id = _pool_id(svc, req["ResourceArn"])
    with svc.store.read() as tx:
        pool = pool_of(tx, pool_id)
    return {"Tags": dict(pool.config.get("UserPoolTags") or {})}
