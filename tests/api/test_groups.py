"""User groups through boto3: the group operations, membership, paging, and the groups
and roles that tokens carry."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import jwt
import pytest
from botocore.exceptions import ClientError

from tests.helpers import Server, error_of

PASSWORD = "Passw0rd!"
ROLE = "arn:aws:iam::000000000000:role/{}"


@pytest.fixture
def pool_id(make_pool: Callable[..., Any]) -> str:
    return str(make_pool()["Id"])


def _user(idp: Any, pool_id: str, name: str) -> None:
    idp.admin_create_user(UserPoolId=pool_id, Username=name, MessageAction="SUPPRESS")
    idp.admin_set_user_password(
        UserPoolId=pool_id, Username=name, Password=PASSWORD, Permanent=True
    )


def test_groups_are_created_described_updated_listed_and_deleted(idp: Any, pool_id: str) -> None:
    made = idp.create_group(
        UserPoolId=pool_id, GroupName="admins", Description="staff", Precedence=1
    )["Group"]
    assert made["GroupName"] == "admins" and made["Precedence"] == 1
    assert made["Description"] == "staff" and made["UserPoolId"] == pool_id
    with pytest.raises(ClientError) as exc:
        idp.create_group(UserPoolId=pool_id, GroupName="admins")
    assert error_of(exc)[0] == "GroupExistsException"
    idp.update_group(UserPoolId=pool_id, GroupName="admins", Precedence=5)
    got = idp.get_group(UserPoolId=pool_id, GroupName="admins")["Group"]
    assert (got["Precedence"], got["Description"]) == (5, "staff")
    for name in ("beta", "gamma"):
        idp.create_group(UserPoolId=pool_id, GroupName=name)
    first = idp.list_groups(UserPoolId=pool_id, Limit=2)
    assert [g["GroupName"] for g in first["Groups"]] == ["admins", "beta"]
    rest = idp.list_groups(UserPoolId=pool_id, Limit=2, NextToken=first["NextToken"])
    assert [g["GroupName"] for g in rest["Groups"]] == ["gamma"] and "NextToken" not in rest
    idp.delete_group(UserPoolId=pool_id, GroupName="beta")
    with pytest.raises(ClientError) as exc:
        idp.get_group(UserPoolId=pool_id, GroupName="beta")
    assert error_of(exc)[0] == "ResourceNotFoundException"


def test_membership_both_ways(idp: Any, pool_id: str) -> None:
    for name in ("ops", "dev"):
        idp.create_group(UserPoolId=pool_id, GroupName=name)
    for name in ("gm-ann", "gm-bob", "gm-cat"):
        _user(idp, pool_id, name)
        idp.admin_add_user_to_group(UserPoolId=pool_id, Username=name, GroupName="ops")
    idp.admin_add_user_to_group(UserPoolId=pool_id, Username="gm-ann", GroupName="dev")
    idp.admin_add_user_to_group(UserPoolId=pool_id, Username="gm-ann", GroupName="dev")  # again
    mine = idp.admin_list_groups_for_user(UserPoolId=pool_id, Username="gm-ann")["Groups"]
    assert [g["GroupName"] for g in mine] == ["dev", "ops"]
    page = idp.list_users_in_group(UserPoolId=pool_id, GroupName="ops", Limit=2)
    assert [u["Username"] for u in page["Users"]] == ["gm-ann", "gm-bob"]
    rest = idp.list_users_in_group(
        UserPoolId=pool_id, GroupName="ops", Limit=2, NextToken=page["NextToken"]
    )
    assert [u["Username"] for u in rest["Users"]] == ["gm-cat"]
    idp.admin_remove_user_from_group(UserPoolId=pool_id, Username="gm-bob", GroupName="ops")
    idp.admin_delete_user(UserPoolId=pool_id, Username="gm-cat")
    members = idp.list_users_in_group(UserPoolId=pool_id, GroupName="ops")["Users"]
    assert [u["Username"] for u in members] == ["gm-ann"]
    with pytest.raises(ClientError) as exc:
        idp.admin_add_user_to_group(UserPoolId=pool_id, Username="gm-ann", GroupName="nope")
    assert error_of(exc)[0] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as exc:
        idp.admin_add_user_to_group(UserPoolId=pool_id, Username="gm-nobody", GroupName="ops")
    assert error_of(exc)[0] == "UserNotFoundException"
    idp.delete_group(UserPoolId=pool_id, GroupName="dev")
    mine = idp.admin_list_groups_for_user(UserPoolId=pool_id, Username="gm-ann")["Groups"]
    assert [g["GroupName"] for g in mine] == ["ops"]


def test_tokens_carry_groups_by_precedence_and_their_roles(
    idp: Any, pool_id: str, make_client: Callable[..., Any]
) -> None:
    cid = make_client({"Id": pool_id}, ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])["ClientId"]
    idp.create_group(
        UserPoolId=pool_id, GroupName="readers", Precedence=10, RoleArn=ROLE.format("r")
    )
    idp.create_group(
        UserPoolId=pool_id, GroupName="writers", Precedence=2, RoleArn=ROLE.format("w")
    )
    idp.create_group(UserPoolId=pool_id, GroupName="plain")
    _user(idp, pool_id, "gt-ann")
    for name in ("readers", "writers", "plain"):
        idp.admin_add_user_to_group(UserPoolId=pool_id, Username="gt-ann", GroupName=name)
    result = idp.initiate_auth(
        AuthFlow="USER_PASSWORD_AUTH",
        ClientId=cid,
        AuthParameters={"USERNAME": "gt-ann", "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    id_claims = jwt.decode(result["IdToken"], options={"verify_signature": False})
    access = jwt.decode(result["AccessToken"], options={"verify_signature": False})
    assert id_claims["cognito:groups"] == ["writers", "readers", "plain"]
    assert access["cognito:groups"] == ["writers", "readers", "plain"]
    assert id_claims["cognito:roles"] == [ROLE.format("w"), ROLE.format("r")]
    assert id_claims["cognito:preferred_role"] == ROLE.format("w")
    assert "cognito:roles" not in access


def test_groups_per_pool_and_per_user_are_capped(tmp_path: Path) -> None:
    """Cognito's quotas (10,000 groups in a pool, 100 groups a user is in), set small here."""
    env = {"USERPOOL_MAX_GROUPS_PER_POOL": "3", "USERPOOL_MAX_GROUPS_PER_USER": "2"}
    server = Server(tmp_path, env=env).start()
    try:
        idp = server.client()
        pool = idp.create_user_pool(PoolName="capped")["UserPool"]["Id"]
        for name in ("a", "b", "c"):
            idp.create_group(UserPoolId=pool, GroupName=name)
        with pytest.raises(ClientError) as exc:
            idp.create_group(UserPoolId=pool, GroupName="d")
        assert error_of(exc) == (
            "LimitExceededException",
            "The user pool has reached its limit of 3 groups.",
        )
        idp.admin_create_user(UserPoolId=pool, Username="amy", MessageAction="SUPPRESS")
        for name in ("a", "b", "b"):  # adding again is no new membership
            idp.admin_add_user_to_group(UserPoolId=pool, Username="amy", GroupName=name)
        with pytest.raises(ClientError) as exc:
            idp.admin_add_user_to_group(UserPoolId=pool, Username="amy", GroupName="c")
        assert error_of(exc) == (
            "LimitExceededException",
            "A user can be a member of at most 2 groups.",
        )
        groups = idp.admin_list_groups_for_user(UserPoolId=pool, Username="amy")["Groups"]
        assert [g["GroupName"] for g in groups] == ["a", "b"]
    finally:
        server.stop()
