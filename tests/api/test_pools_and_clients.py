"""Pools and app clients through boto3: ids, defaults, updates, deletion, listing."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError


def _code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def test_create_user_pool_returns_cognito_shaped_id_and_arn(pool: dict[str, Any]) -> None:
    assert re.fullmatch(r"us-east-1_[0-9A-Za-z]{9}", pool["Id"])
    assert pool["Arn"].endswith(f":userpool/{pool['Id']}")
    assert pool["Policies"]["PasswordPolicy"]["MinimumLength"] == 8
    names = {a["Name"] for a in pool["SchemaAttributes"]}
    assert {"sub", "email", "email_verified", "phone_number"} <= names


def test_custom_schema_attributes_get_the_custom_prefix(make_pool: Callable[..., Any]) -> None:
    pool = make_pool(Schema=[{"Name": "team", "AttributeDataType": "String"}])
    assert "custom:team" in {a["Name"] for a in pool["SchemaAttributes"]}


def test_alias_and_username_attributes_together_are_refused(idp: Any) -> None:
    with pytest.raises(ClientError) as exc:
        idp.create_user_pool(PoolName="x", AliasAttributes=["email"], UsernameAttributes=["email"])
    assert _code(exc) == "InvalidParameterException"


def test_describe_user_pool_of_unknown_pool_is_resource_not_found(idp: Any) -> None:
    with pytest.raises(ClientError) as exc:
        idp.describe_user_pool(UserPoolId="us-east-1_nothere12")
    assert _code(exc) == "ResourceNotFoundException"
    assert exc.value.response["Error"]["Message"] == "User pool us-east-1_nothere12 does not exist."


def test_update_user_pool_resets_omitted_members(idp: Any, make_pool: Callable[..., Any]) -> None:
    pool = make_pool(AutoVerifiedAttributes=["email"], MfaConfiguration="OFF")
    idp.update_user_pool(UserPoolId=pool["Id"], LambdaConfig={})
    described = idp.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]
    assert "AutoVerifiedAttributes" not in described
    assert described["Name"] == pool["Name"]


def test_update_user_pool_keeps_alias_attributes(idp: Any, make_pool: Callable[..., Any]) -> None:
    pool = make_pool(AliasAttributes=["email"])
    idp.update_user_pool(UserPoolId=pool["Id"], AutoVerifiedAttributes=["email"])
    described = idp.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]
    assert described["AliasAttributes"] == ["email"]
    assert described["AutoVerifiedAttributes"] == ["email"]


def test_delete_user_pool_removes_it(idp: Any, pool: dict[str, Any]) -> None:
    idp.delete_user_pool(UserPoolId=pool["Id"])
    with pytest.raises(ClientError) as exc:
        idp.describe_user_pool(UserPoolId=pool["Id"])
    assert _code(exc) == "ResourceNotFoundException"


def test_deletion_protection_blocks_delete(idp: Any, make_pool: Callable[..., Any]) -> None:
    pool = make_pool(DeletionProtection="ACTIVE")
    with pytest.raises(ClientError) as exc:
        idp.delete_user_pool(UserPoolId=pool["Id"])
    assert _code(exc) == "InvalidParameterException"


def test_list_user_pools_pages_through_every_pool(idp: Any, make_pool: Callable[..., Any]) -> None:
    made = {make_pool()["Id"] for _ in range(3)}
    seen: set[str] = set()
    kwargs: dict[str, Any] = {"MaxResults": 2}
    while True:
        page = idp.list_user_pools(**kwargs)
        assert len(page["UserPools"]) <= 2
        seen |= {p["Id"] for p in page["UserPools"]}
        if "NextToken" not in page:
            break
        kwargs["NextToken"] = page["NextToken"]
    assert made <= seen


def test_client_ids_and_generated_secrets_look_like_cognitos(
    make_client: Callable[..., Any], pool: dict[str, Any]
) -> None:
    client = make_client(pool, GenerateSecret=True)
    assert re.fullmatch(r"[a-z0-9]{26}", client["ClientId"])
    assert re.fullmatch(r"[a-z0-9]{51}", client["ClientSecret"])


def test_client_defaults_match_cognito(
    make_client: Callable[..., Any], pool: dict[str, Any]
) -> None:
    client = make_client(pool)
    assert "ClientSecret" not in client
    assert client["PreventUserExistenceErrors"] == "LEGACY"
    assert client["AuthSessionValidity"] == 3
    assert set(client["ExplicitAuthFlows"]) == {
        "ALLOW_REFRESH_TOKEN_AUTH",
        "ALLOW_CUSTOM_AUTH",
        "ALLOW_USER_SRP_AUTH",
    }


def test_describe_client_returns_the_secret(
    idp: Any, make_client: Callable[..., Any], pool: dict[str, Any]
) -> None:
    client = make_client(pool, GenerateSecret=True)
    described = idp.describe_user_pool_client(UserPoolId=pool["Id"], ClientId=client["ClientId"])
    assert described["UserPoolClient"]["ClientSecret"] == client["ClientSecret"]


def test_client_secret_is_not_stored_in_clear(
    server: Any, make_client: Callable[..., Any], pool: dict[str, Any]
) -> None:
    client = make_client(pool, GenerateSecret=True)
    rows = server.sql("SELECT secret FROM clients WHERE id=?", client["ClientId"])
    assert rows[0][0] and client["ClientSecret"] not in rows[0][0]


def test_auth_session_validity_outside_3_to_15_is_invalid(idp: Any, pool: dict[str, Any]) -> None:
    with pytest.raises(ClientError) as exc:
        idp.create_user_pool_client(UserPoolId=pool["Id"], ClientName="c", AuthSessionValidity=16)
    assert _code(exc) == "InvalidParameterException"
    assert "Member must have value less than or equal to 15" in str(exc.value)


def test_update_client_changes_settings_and_keeps_secret(
    idp: Any, make_client: Callable[..., Any], pool: dict[str, Any]
) -> None:
    client = make_client(pool, GenerateSecret=True)
    updated = idp.update_user_pool_client(
        UserPoolId=pool["Id"], ClientId=client["ClientId"], PreventUserExistenceErrors="ENABLED"
    )["UserPoolClient"]
    assert updated["PreventUserExistenceErrors"] == "ENABLED"
    assert updated["ClientSecret"] == client["ClientSecret"]


def test_deleted_client_is_gone(
    idp: Any, make_client: Callable[..., Any], pool: dict[str, Any]
) -> None:
    client = make_client(pool)
    idp.delete_user_pool_client(UserPoolId=pool["Id"], ClientId=client["ClientId"])
    with pytest.raises(ClientError) as exc:
        idp.describe_user_pool_client(UserPoolId=pool["Id"], ClientId=client["ClientId"])
    assert exc.value.response["Error"]["Message"] == (
        f"User pool client {client['ClientId']} does not exist."
    )


def test_list_user_pool_clients_pages(
    idp: Any, make_client: Callable[..., Any], pool: dict[str, Any]
) -> None:
    made = {make_client(pool)["ClientId"] for _ in range(3)}
    first = idp.list_user_pool_clients(UserPoolId=pool["Id"], MaxResults=2)
    second = idp.list_user_pool_clients(
        UserPoolId=pool["Id"], MaxResults=2, NextToken=first["NextToken"]
    )
    seen = {c["ClientId"] for c in first["UserPoolClients"] + second["UserPoolClients"]}
    assert seen == made
    assert "NextToken" not in second
