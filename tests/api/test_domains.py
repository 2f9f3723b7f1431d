"""User pool domains through boto3: prefix and custom domains, their description, updates
and deletion, DescribeUserPool's Domain and CustomDomain, and Cognito's errors."""

from __future__ import annotations

import itertools
import json
import re
import time
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.helpers import Server, error_of

CERT = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"
_n = itertools.count()


def _prefix() -> str:
    """A prefix no other test (or run on this server) has taken."""
    return f"dom-{time.time_ns() % 10**12:x}-{next(_n)}"


def _custom() -> str:
    return f"{_prefix()}.example.com"


@pytest.fixture
def pool_id(make_pool: Callable[..., dict[str, Any]]) -> str:
    return str(make_pool()["Id"])


def test_a_prefix_domain_is_described_and_shown_by_its_pool(idp: Any, pool_id: str) -> None:
    name = _prefix()
    made = idp.create_user_pool_domain(Domain=name, UserPoolId=pool_id)
    assert made["ManagedLoginVersion"] == 1 and "CloudFrontDomain" not in made
    described = idp.describe_user_pool_domain(Domain=name)["DomainDescription"]
    assert described["UserPoolId"] == pool_id and described["Domain"] == name
    assert described["AWSAccountId"] == "000000000000"
    assert described["Status"] == "ACTIVE" and described["CustomDomainConfig"] == {}
    assert described["S3Bucket"] == "aws-cognito-prod-iad-assets"
    assert re.fullmatch(r"d[a-z0-9]{13}\.cloudfront\.net", described["CloudFrontDistribution"])
    assert re.fullmatch(r"20\d{12}", described["Version"])
    assert described["ManagedLoginVersion"] == 1
    pool = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert pool["Domain"] == name and "CustomDomain" not in pool


def test_a_custom_domain_keeps_its_certificate_beside_the_prefix(idp: Any, pool_id: str) -> None:
    prefix, custom = _prefix(), _custom()
    idp.create_user_pool_domain(Domain=prefix, UserPoolId=pool_id)
    made = idp.create_user_pool_domain(
        Domain=custom,
        UserPoolId=pool_id,
        CustomDomainConfig={"CertificateArn": CERT},
        ManagedLoginVersion=2,
    )
    assert made["ManagedLoginVersion"] == 2
    assert made["CloudFrontDomain"].endswith(".cloudfront.net")
    described = idp.describe_user_pool_domain(Domain=custom)["DomainDescription"]
    assert described["CustomDomainConfig"] == {"CertificateArn": CERT}
    assert described["CloudFrontDistribution"] == made["CloudFrontDomain"]
    pool = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert (pool["Domain"], pool["CustomDomain"]) == (prefix, custom)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("auth.example.com", "The domain name contains an invalid character."),
        ("My-Domain", "The domain name contains an invalid character."),
        ("-leading", "The domain name contains an invalid character."),
        ("x" * 64, "The domain name contains an invalid character."),
        ("newcognito-app", "Domain cannot contain reserved word: cognito"),
        ("aws-content", "Domain cannot contain reserved word: aws"),
        ("myamazon", "Domain cannot contain reserved word: amazon"),
    ],
)
def test_prefixes_follow_cognitos_rules(idp: Any, pool_id: str, name: str, message: str) -> None:
    with pytest.raises(ClientError) as exc:
        idp.create_user_pool_domain(Domain=name, UserPoolId=pool_id)
    code, text = error_of(exc)
    assert code == "InvalidParameterException" and text.startswith(message)


def test_a_custom_domain_must_be_a_host_name(idp: Any, pool_id: str) -> None:
    for name in ("nodots", "bad_label.example.com", "a..example.com"):
        with pytest.raises(ClientError) as exc:
            idp.create_user_pool_domain(
                Domain=name, UserPoolId=pool_id, CustomDomainConfig={"CertificateArn": CERT}
            )
        assert error_of(exc)[0] == "InvalidParameterException", name


def test_a_name_is_one_pools_and_a_pool_has_one_of_each_kind(
    idp: Any, make_pool: Callable[..., dict[str, Any]]
) -> None:
    first, second = make_pool()["Id"], make_pool()["Id"]
    name = _prefix()
    idp.create_user_pool_domain(Domain=name, UserPoolId=first)
    with pytest.raises(ClientError) as exc:
        idp.create_user_pool_domain(Domain=name, UserPoolId=second)
    assert error_of(exc) == (
        "InvalidParameterException",
        "Domain already associated with another user pool.",
    )
    with pytest.raises(ClientError) as exc:
        idp.create_user_pool_domain(Domain=_prefix(), UserPoolId=first)
    assert error_of(exc)[0] == "InvalidParameterException"
    with pytest.raises(ClientError) as exc:
        idp.create_user_pool_domain(Domain=_prefix(), UserPoolId="us-east-1_nothere1")
    assert error_of(exc)[0] == "ResourceNotFoundException"


def test_an_unknown_domain_is_described_as_empty(idp: Any) -> None:
    answer = idp.describe_user_pool_domain(Domain=_prefix())
    assert answer["DomainDescription"] == {}


def test_updates_change_the_version_and_certificate_only(idp: Any, pool_id: str) -> None:
    prefix, custom = _prefix(), _custom()
    idp.create_user_pool_domain(Domain=prefix, UserPoolId=pool_id)
    updated = idp.update_user_pool_domain(Domain=prefix, UserPoolId=pool_id, ManagedLoginVersion=2)
    assert updated["ManagedLoginVersion"] == 2
    kept = idp.update_user_pool_domain(Domain=prefix, UserPoolId=pool_id)
    assert kept["ManagedLoginVersion"] == 2
    assert (
        idp.describe_user_pool_domain(Domain=prefix)["DomainDescription"]["ManagedLoginVersion"]
        == 2
    )
    idp.create_user_pool_domain(
        Domain=custom, UserPoolId=pool_id, CustomDomainConfig={"CertificateArn": CERT}
    )
    other = CERT.replace("1111", "9999")
    idp.update_user_pool_domain(
        Domain=custom, UserPoolId=pool_id, CustomDomainConfig={"CertificateArn": other}
    )
    described = idp.describe_user_pool_domain(Domain=custom)["DomainDescription"]
    assert described["CustomDomainConfig"] == {"CertificateArn": other}
    with pytest.raises(ClientError) as exc:
        idp.update_user_pool_domain(Domain=custom, UserPoolId=pool_id, ManagedLoginVersion=1)
    assert error_of(exc) == (
        "InvalidParameterException",
        "Cannot convert custom domain to prefix domain.",
    )
    with pytest.raises(ClientError) as exc:
        idp.update_user_pool_domain(Domain=prefix, UserPoolId=pool_id, ManagedLoginVersion=3)
    assert error_of(exc)[0] == "InvalidParameterException"


def test_managed_login_needs_a_plan_above_lite(
    idp: Any, make_pool: Callable[..., dict[str, Any]]
) -> None:
    lite = make_pool(UserPoolTier="LITE")["Id"]
    with pytest.raises(ClientError) as exc:
        idp.create_user_pool_domain(Domain=_prefix(), UserPoolId=lite, ManagedLoginVersion=2)
    assert error_of(exc)[0] == "FeatureUnavailableInTierException"
    idp.create_user_pool_domain(Domain=_prefix(), UserPoolId=lite, ManagedLoginVersion=1)


def test_deleting_frees_the_name_and_the_pool(
    idp: Any, make_pool: Callable[..., dict[str, Any]]
) -> None:
    pool_id, other = make_pool()["Id"], make_pool()["Id"]
    name = _prefix()
    idp.create_user_pool_domain(Domain=name, UserPoolId=pool_id)
    with pytest.raises(ClientError) as exc:
        idp.delete_user_pool(UserPoolId=pool_id)
    assert error_of(exc) == (
        "InvalidParameterException",
        "User pool cannot be deleted. It has a domain configured that should be deleted first.",
    )
    for domain, pool in ((name, other), (_prefix(), pool_id)):
        with pytest.raises(ClientError) as exc:
            idp.delete_user_pool_domain(Domain=domain, UserPoolId=pool)
        code, text = error_of(exc)
        assert code == "InvalidParameterException" and "No such domain" in text
    idp.delete_user_pool_domain(Domain=name, UserPoolId=pool_id)
    assert idp.describe_user_pool_domain(Domain=name)["DomainDescription"] == {}
    assert "Domain" not in idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    idp.create_user_pool_domain(Domain=name, UserPoolId=other)  # the name is free again
    idp.delete_user_pool(UserPoolId=pool_id)


def test_discovery_lists_the_endpoints_on_the_pools_domain(
    server: Server, idp: Any, pool_id: str
) -> None:
    def document() -> dict[str, Any]:
        url = f"{server.url}/{pool_id}/.well-known/openid-configuration"
        return dict(json.loads(urllib.request.urlopen(url).read()))

    issuer = f"{server.url}/{pool_id}"
    assert document()["authorization_endpoint"] == f"{issuer}/authorize"
    prefix, custom = _prefix(), _custom()
    idp.create_user_pool_domain(Domain=prefix, UserPoolId=pool_id)
    hosted = f"https://{prefix}.auth.us-east-1.amazoncognito.com"
    found = document()
    assert found["token_endpoint"] == f"{hosted}/oauth2/token"
    assert found["userinfo_endpoint"] == f"{hosted}/oauth2/userInfo"
    assert found["end_session_endpoint"] == f"{hosted}/logout"
    assert (found["issuer"], found["jwks_uri"]) == (issuer, f"{issuer}/.well-known/jwks.json")
    idp.create_user_pool_domain(
        Domain=custom, UserPoolId=pool_id, CustomDomainConfig={"CertificateArn": CERT}
    )
    assert document()["revocation_endpoint"] == f"https://{custom}/oauth2/revoke"
