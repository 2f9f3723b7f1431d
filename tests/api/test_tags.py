"""Pool tags through boto3: TagResource, UntagResource, ListTagsForResource on a pool's ARN,
and the same tags as UserPoolTags in Create/Update/DescribeUserPool, under Cognito's rules
(at most 50, letters, numbers, spaces and ``_ . : / = + - @``, no ``aws:`` prefix)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.helpers import Server, error_of

Pools = Callable[..., dict[str, Any]]


def _tags(idp: Any, pool: dict[str, Any]) -> dict[str, str]:
    return dict(idp.list_tags_for_resource(ResourceArn=pool["Arn"])["Tags"])


def _described(idp: Any, pool: dict[str, Any]) -> dict[str, str]:
    return dict(idp.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]["UserPoolTags"])


def test_tags_set_at_creation_are_listed(idp: Any, make_pool: Pools) -> None:
    pool = make_pool(UserPoolTags={"team": "identity", "cost-center": "42"})
    assert pool["UserPoolTags"] == {"team": "identity", "cost-center": "42"}
    assert _tags(idp, pool) == {"team": "identity", "cost-center": "42"}
    assert _tags(idp, make_pool()) == {}


def test_tag_and_untag(idp: Any, make_pool: Pools) -> None:
    pool = make_pool(UserPoolTags={"team": "identity", "stage": "dev"})
    modified = idp.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]["LastModifiedDate"]

    idp.tag_resource(ResourceArn=pool["Arn"], Tags={"stage": "prod", "owner": "jie"})
    assert _tags(idp, pool) == {"team": "identity", "stage": "prod", "owner": "jie"}
    idp.untag_resource(ResourceArn=pool["Arn"], TagKeys=["team", "not-there"])
    assert _tags(idp, pool) == {"stage": "prod", "owner": "jie"}
    assert _described(idp, pool) == {"stage": "prod", "owner": "jie"}
    idp.tag_resource(ResourceArn=pool["Arn"], Tags={})
    assert _tags(idp, pool) == {"stage": "prod", "owner": "jie"}
    described = idp.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]
    assert described["LastModifiedDate"] == modified


def test_update_user_pool_keeps_tags_unless_it_sets_them(idp: Any, make_pool: Pools) -> None:
    pool = make_pool(UserPoolTags={"team": "identity"})
    idp.tag_resource(ResourceArn=pool["Arn"], Tags={"owner": "jie"})

    idp.update_user_pool(UserPoolId=pool["Id"], AutoVerifiedAttributes=["email"])
    assert _tags(idp, pool) == {"team": "identity", "owner": "jie"}

    idp.update_user_pool(UserPoolId=pool["Id"], UserPoolTags={"stage": "prod"})
    assert _tags(idp, pool) == {"stage": "prod"}
    idp.update_user_pool(UserPoolId=pool["Id"], UserPoolTags={})
    assert _described(idp, pool) == {}


def test_at_most_fifty_tags(idp: Any, make_pool: Pools) -> None:
    fifty = {f"k{n}": "v" for n in range(50)}
    pool = make_pool(UserPoolTags=fifty)
    idp.tag_resource(ResourceArn=pool["Arn"], Tags={"k0": "replaced"})  # still 50
    with pytest.raises(ClientError) as exc:
        idp.tag_resource(ResourceArn=pool["Arn"], Tags={"k50": "v"})
    assert error_of(exc) == ("InvalidParameterException", "A user pool can have at most 50 tags.")
    assert len(_tags(idp, pool)) == 50
    with pytest.raises(ClientError) as exc:
        make_pool(UserPoolTags={**fifty, "k50": "v"})
    assert error_of(exc) == ("UserPoolTaggingException", "A user pool can have at most 50 tags.")
    with pytest.raises(ClientError) as exc:
        idp.update_user_pool(UserPoolId=pool["Id"], UserPoolTags={**fifty, "k50": "v"})
    assert error_of(exc)[0] == "UserPoolTaggingException"


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        ({"aws:created-by": "me"}, "Tag keys beginning with aws: are reserved: aws:created-by"),
        ({"AWS:x": "me"}, "Tag keys beginning with aws: are reserved: AWS:x"),
        (
            {"team#1": "x"},
            "Tag keys and values may contain only letters, numbers, spaces and "
            "_ . : / = + - @: team#1",
        ),
        (
            {"team": "a;b"},
            "Tag keys and values may contain only letters, numbers, spaces and "
            "_ . : / = + - @: team",
        ),
    ],
)
def test_keys_and_values_follow_the_rules(
    idp: Any, make_pool: Pools, tags: dict[str, str], message: str
) -> None:
    pool = make_pool()
    with pytest.raises(ClientError) as exc:
        idp.tag_resource(ResourceArn=pool["Arn"], Tags=tags)
    assert error_of(exc) == ("InvalidParameterException", message)
    with pytest.raises(ClientError) as exc:
        make_pool(UserPoolTags=tags)
    assert error_of(exc) == ("UserPoolTaggingException", message)
    assert _tags(idp, pool) == {}


def test_allowed_characters_and_lengths(idp: Any, make_pool: Pools, server: Server) -> None:
    pool = make_pool()
    good = {"Équipe 1_.:/=+-@": "", "k" * 128: "v" * 256}
    idp.tag_resource(ResourceArn=pool["Arn"], Tags=good)
    assert _tags(idp, pool) == good
    unchecked = server.client(parameter_validation=False)  # the server's own check
    for tags in ({"k" * 129: "v"}, {"k": "v" * 257}, {"": "v"}):
        with pytest.raises(ClientError) as exc:
            unchecked.tag_resource(ResourceArn=pool["Arn"], Tags=tags)
        assert error_of(exc)[0] == "InvalidParameterException"


def test_arns_that_name_no_pool(idp: Any, make_pool: Pools, server: Server) -> None:
    pool = make_pool()
    region, account = pool["Arn"].split(":")[3:5]
    unknown = f"arn:aws:cognito-idp:{region}:{account}:userpool/{region}_nothere12"
    elsewhere = pool["Arn"].replace(f":{region}:", ":eu-west-1:")
    other_account = pool["Arn"].replace(f":{account}:", ":999999999999:")
    for arn in (unknown, elsewhere, other_account):
        for call in (
            lambda a=arn: idp.list_tags_for_resource(ResourceArn=a),
            lambda a=arn: idp.tag_resource(ResourceArn=a, Tags={"k": "v"}),
            lambda a=arn: idp.untag_resource(ResourceArn=a, TagKeys=["k"]),
        ):
            with pytest.raises(ClientError) as exc:
                call()
            assert error_of(exc)[0] == "ResourceNotFoundException", arn
    with pytest.raises(ClientError) as exc:
        idp.list_tags_for_resource(ResourceArn=unknown)
    assert error_of(exc)[1] == f"User pool {region}_nothere12 does not exist."

    not_a_pool = f"arn:aws:iam::{account}:role/admins"
    client_arn = f"{pool['Arn']}/client/abc"
    for arn in (not_a_pool, client_arn):
        with pytest.raises(ClientError) as exc:
            idp.list_tags_for_resource(ResourceArn=arn)
        assert error_of(exc) == (
            "InvalidParameterException",
            f"{arn} is not the ARN of a user pool.",
        )
    unchecked = server.client(parameter_validation=False)  # the model's pattern, on the server
    with pytest.raises(ClientError) as exc:
        unchecked.list_tags_for_resource(ResourceArn="not an arn at all, no")
    assert error_of(exc)[0] == "InvalidParameterException"
    assert _tags(idp, pool) == {}
