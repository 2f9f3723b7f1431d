"""User pool domains: CreateUserPoolDomain, DescribeUserPoolDomain, UpdateUserPoolDomain,
DeleteUserPoolDomain. A prefix domain (``<prefix>.auth.<region>.amazoncognito.com``) and a
custom domain (a host name, its certificate's ARN kept) at most per pool; every name is
one pool's. The OAuth endpoints answer on either (``server.oauth``).
"""

from __future__ import annotations

from typing import Any

from userpool.domain.entities import Pool
from userpool.domain.oauth import (
    assets_bucket,
    check_custom,
    check_prefix,
    cloudfront_name,
    domain_version,
)
from userpool.domain.ports import AlreadyExists, NotFound, PoolDomain, Tx
from userpool.domain.services import Call, Services
from userpool.errors import (
    BAD_LOGIN_VERSION,
    CUSTOM_TO_PREFIX,
    DOMAIN_TAKEN,
    LOGIN_NOT_IN_TIER,
    NO_SUCH_DOMAIN,
    POOL_HAS_DOMAIN,
    PREFIX_TO_CUSTOM,
    FeatureUnavailableInTierException,
    InvalidParameterException,
)
from userpool.operations.steps.lookups import pool_of


def _login_version(pool: Pool, value: int | None, default: int) -> int:
    """ManagedLoginVersion: 1 (the classic hosted UI) or 2 (managed login, not on Lite).

    DEVIATION: the texts for another number and for version 2 on Lite are ours."""
    version = default if value is None else value
    if version not in (1, 2):
        raise InvalidParameterException(BAD_LOGIN_VERSION)
    if version == 2 and pool.config.get("UserPoolTier") == "LITE":
        raise FeatureUnavailableInTierException(LOGIN_NOT_IN_TIER)
    return version


def _pool_domain(tx: Tx, pool: Pool, name: str) -> PoolDomain:
    try:
        domain = tx.get_domain(name)
    except NotFound:
        domain = None
    if domain is None or domain.pool_id != pool.id:
        raise InvalidParameterException(NO_SUCH_DOMAIN)
    return domain


def _domains_named(tx: Tx, name: str) -> list[PoolDomain]:
    try:
        return [tx.get_domain(name)]
    except NotFound:
        return []


def _answer(domain: PoolDomain) -> dict[str, Any]:
    out: dict[str, Any] = {"ManagedLoginVersion": domain.managed_login_version}
    if domain.custom:
        out["CloudFrontDomain"] = domain.cloudfront
    return out


async def create_user_pool_domain(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    """The name's form and reserved words first, then the pool, then whether the name is
    taken (by any pool) and whether the pool has a domain of that kind already.

    DEVIATION: the domain is ACTIVE at once; Cognito takes minutes (CREATING)."""
    name, config = req["Domain"], req.get("CustomDomainConfig")
    if config is None:
        check_prefix(name)
    else:
        check_custom(name)
    now = svc.clock.now()
    with svc.store.transaction() as tx:
        pool = pool_of(tx, req["UserPoolId"])
        domain = PoolDomain(
            domain=name,
            pool_id=pool.id,
            custom=config is not None,
            certificate_arn=None if config is None else config["CertificateArn"],
            managed_login_version=_login_version(pool, req.get("ManagedLoginVersion"), 1),
            cloudfront=cloudfront_name(),
            version=domain_version(now),
            created=now,
        )
        try:
            tx.insert_domain(domain)
        except AlreadyExists:
            taken = any(d.domain == name for d in _domains_named(tx, name))
            raise InvalidParameterException(DOMAIN_TAKEN if taken else POOL_HAS_DOMAIN) from None
    return _answer(domain)


async def describe_user_pool_domain(
    svc: Services, call: Call, req: dict[str, Any]
) -> dict[str, Any]:
    """An unknown name is an empty DomainDescription (as Cognito answers), not an error."""
    try:
        with svc.store.read() as tx:
            domain = tx.get_domain(req["Domain"])
    except NotFound:
        return {"DomainDescription": {}}
    custom: dict[str, Any] = {}
    if domain.certificate_arn is not None:
        custom["CertificateArn"] = domain.certificate_arn
    return {
        "DomainDescription": {
            "UserPoolId": domain.pool_id,
            "AWSAccountId": svc.settings.account_id,
            "Domain": domain.domain,
            "S3Bucket": assets_bucket(svc.settings.region),
            "CloudFrontDistribution": domain.cloudfront,
            "Version": domain.version,
            "Status": "ACTIVE",
            "CustomDomainConfig": custom,
            "ManagedLoginVersion": domain.managed_login_version,
        }
    }


async def update_user_pool_domain(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    """A new certificate (custom domains) and ManagedLoginVersion; the name and its kind
    stay. DEVIATION: an omitted ManagedLoginVersion keeps the domain's."""
    config = req.get("CustomDomainConfig")
    with svc.store.transaction() as tx:
        pool = pool_of(tx, req["UserPoolId"])
        domain = _pool_domain(tx, pool, req["Domain"])
        if domain.custom and config is None:
            raise InvalidParameterException(CUSTOM_TO_PREFIX)
        if not domain.custom and config is not None:
            raise InvalidParameterException(PREFIX_TO_CUSTOM)
        domain.managed_login_version = _login_version(
            pool, req.get("ManagedLoginVersion"), domain.managed_login_version
        )
        if config is not None:
            domain.certificate_arn = config["CertificateArn"]
        domain.version = domain_version(svc.clock.now())
        tx.update_domain(domain)
    return _answer(domain)


async def delete_user_pool_domain(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    with svc.store.transaction() as tx:
        pool = pool_of(tx, req["UserPoolId"])
        _pool_domain(tx, pool, req["Domain"])
        tx.delete_domain(req["Domain"])
    return {}
