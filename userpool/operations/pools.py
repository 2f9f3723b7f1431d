"""User pool operations: CreateUserPool, DescribeUserPool, UpdateUserPool, DeleteUserPool, ListUserPools,
AddCustomAttributes."""

from __future__ import annotations

import copy
from typing import Any

from userpool.domain import ids, mfa_pool, tags
from userpool.domain.entities import Pool
from userpool.domain.passwords import DEFAULT_POLICY
from userpool.domain.schema import pool_schema, with_custom_attributes
from userpool.domain.services import Call, Services
from userpool.errors import POOL_WITH_DOMAIN, InvalidParameterException, UserPoolTaggingException
from userpool.operations.steps.imports import refuse_while_importing
from userpool.operations.steps.lookups import pool_of
from userpool.operations.steps.oauth import domain_members
from userpool.operations.steps.outputs import wire_pool
from userpool.operations.steps.paging import decode_token, encode_token

# Members UpdateUserPool may change; every other member keeps its value.
_MUTABLE = (
    "Policies",
    "DeletionProtection",
    "LambdaConfig",
    "AutoVerifiedAttributes",
    "SmsVerificationMessage",
    "EmailVerificationMessage",
    "EmailVerificationSubject",
    "VerificationMessageTemplate",
    "SmsAuthenticationMessage",
    "UserAttributeUpdateSettings",
    "MfaConfiguration",
    "DeviceConfiguration",
    "EmailConfiguration",
    "SmsConfiguration",
    "UserPoolTags",
    "AdminCreateUserConfig",
    "UserPoolAddOns",
    "AccountRecoverySetting",
    "PoolName",
    "UserPoolTier",
)


def _defaults() -> dict[str, Any]:
    return {
        "Policies": {"PasswordPolicy": dict(DEFAULT_POLICY)},
        "DeletionProtection": "INACTIVE",
        "LambdaConfig": {},
        "MfaConfiguration": "OFF",
        "VerificationMessageTemplate": {"DefaultEmailOption": "CONFIRM_WITH_CODE"},
        "EmailConfiguration": {"EmailSendingAccount": "COGNITO_DEFAULT"},
        "AdminCreateUserConfig": {
            "AllowAdminCreateUserOnly": False,
            "UnusedAccountValidityDays": 7,
        },
        "UserPoolTags": {},
        "UserPoolTier": "ESSENTIALS",
    }


def _settable(req: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    config = _defaults()
    for name in names:
        if name in req and name != "PoolName":
            config[name] = copy.deepcopy(req[name])
    policy = config["Policies"].setdefault("PasswordPolicy", {})
    for key, value in DEFAULT_POLICY.items():
        policy.setdefault(key, value)
    return config


def _check_tags(req: dict[str, Any]) -> None:
    """The request's UserPoolTags under Cognito's tag rules (``domain/tags.py``).

    DEVIATION: tags the rules refuse are UserPoolTaggingException (the error these
    operations declare for tags), with texts of ours."""
    problem = tags.problem(req.get("UserPoolTags") or {})
    if problem is not None:
        raise UserPoolTaggingException(problem)


def _check(config: dict[str, Any]) -> None:
    if config.get("AliasAttributes") and config.get("UsernameAttributes"):
        raise InvalidParameterException(
            "Only one of the aliasAttributes or usernameAttributes can be set in a User Pool."
        )
    for key in ("SmsVerificationMessage", "EmailVerificationMessage"):
        if key in config and "{####}" not in config[key]:
            raise InvalidParameterException(f"{key} must contain {{####}}.")


def pool_type(svc: Services, pool: Pool, users: int) -> dict[str, Any]:
    """The wire's UserPoolType (``users``: EstimatedNumberOfUsers), with the members
    Cognito shows for every pool (``wire_pool``)."""
    s = svc.settings
    return wire_pool(pool, tags.pool_arn(s.region, s.account_id, pool.id), users)


async def create_user_pool(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    creatable = _MUTABLE + ("AliasAttributes", "UsernameAttributes", "UsernameConfiguration")
    config = _settable(req, creatable)
    config["SchemaAttributes"] = pool_schema(req.get("Schema"))
    _check(config)
    _check_tags(req)
    mfa_pool.created(config)
    now = svc.clock.now()
    pool = Pool(ids.pool_id(svc.settings.region), req["PoolName"], config, now, now)
    with svc.store.transaction() as tx:
        tx.insert_pool(pool)
    return {"UserPool": pool_type(svc, pool, 0)}


async def describe_user_pool(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    with svc.store.read() as tx:
        pool = pool_of(tx, req["UserPoolId"])
        users = tx.count_users(pool.id)
        domains = domain_members(tx, pool.id)
    return {"UserPool": {**pool_type(svc, pool, users), **domains}}


async def update_user_pool(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    with svc.store.transaction() as tx:
        pool = pool_of(tx, req["UserPoolId"])
        refuse_while_importing(tx, pool.id, svc.clock.now())
        config = _settable(req, _MUTABLE)
        for kept in (
            "AliasAttributes",
            "UsernameAttributes",
            "UsernameConfiguration",
            "SchemaAttributes",
        ):
            if kept in pool.config:
                config[kept] = pool.config[kept]
        for private in (k for k in pool.config if k.startswith("_")):
            config[private] = pool.config[private]  # e.g. risk configurations
        if "UserPoolTags" not in req:
            # DEVIATION: an UpdateUserPool without UserPoolTags keeps the pool's tags (as
            # Terraform relies on: it updates pools without them and tags apart); unconfirmed.
            config["UserPoolTags"] = pool.config.get("UserPoolTags") or {}
        if "UserPoolTier" not in req:
            config["UserPoolTier"] = pool.config.get("UserPoolTier", "ESSENTIALS")
        _check(config)
        _check_tags(req)
        mfa_pool.updated(pool.config, config)
        pool.config = config
        pool.name = req.get("PoolName", pool.name)
        pool.modified = svc.clock.now()
        tx.update_pool(pool)
    return {}


async def delete_user_pool(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    with svc.store.transaction() as tx:
        pool = pool_of(tx, req["UserPoolId"])
        refuse_while_importing(tx, pool.id, svc.clock.now())
        if pool.config.get("DeletionProtection") == "ACTIVE":
            raise InvalidParameterException(
                "The user pool cannot be deleted because deletion protection is activated."
            )
        if domain_members(tx, pool.id):
            raise InvalidParameterException(POOL_WITH_DOMAIN)
        tx.delete_pool(pool.id)
    return {}


async def list_user_pools(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    limit = req["MaxResults"]
    with svc.store.read() as tx:
        pools = tx.list_pools(decode_token(req.get("NextToken")), limit + 1)
    out: dict[str, Any] = {
        "UserPools": [
            {
                "Id": p.id,
                "Name": p.name,
                "LambdaConfig": p.config.get("LambdaConfig", {}),
                "LastModifiedDate": p.modified,
                "CreationDate": p.created,
            }
            for p in pools[:limit]
        ]
    }
    if len(pools) > limit:
        out["NextToken"] = encode_token(pools[limit - 1].id)
    return out


async def add_custom_attributes(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    """AddCustomAttributes: new ``custom:`` (or ``dev:custom:``) attributes, under the rules
    of CreateUserPool's; an attribute once added is never changed or removed."""
    with svc.store.transaction() as tx:
        pool = pool_of(tx, req["UserPoolId"])
        refuse_while_importing(tx, pool.id, svc.clock.now())
        schema = pool.config.get("SchemaAttributes") or []
        pool.config["SchemaAttributes"] = with_custom_attributes(schema, req["CustomAttributes"])
        pool.modified = svc.clock.now()
        tx.update_pool(pool)
    return {}
