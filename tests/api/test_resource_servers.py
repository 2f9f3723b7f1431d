"""Resource servers through boto3: their scopes, paging, updates, deletion, Cognito's limits
and errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.helpers import error_of

API = "https://api.example.com"
READ = {"ScopeName": "read", "ScopeDescription": "Read things"}
WRITE = {"ScopeName": "write", "ScopeDescription": "Write things"}


@pytest.fixture
def pool_id(make_pool: Callable[..., dict[str, Any]]) -> str:
    return str(make_pool()["Id"])


def test_a_resource_server_is_created_described_updated_and_deleted(idp: Any, pool_id: str) -> None:
    made = idp.create_resource_server(
        UserPoolId=pool_id, Identifier=API, Name="My API", Scopes=[READ, WRITE]
    )["ResourceServer"]
    assert made == {
        "UserPoolId": pool_id,
        "Identifier": API,
        "Name": "My API",
        "Scopes": [READ, WRITE],
    }
    got = idp.describe_resource_server(UserPoolId=pool_id, Identifier=API)["ResourceServer"]
    assert got == made
    changed = idp.update_resource_server(
        UserPoolId=pool_id, Identifier=API, Name="Renamed", Scopes=[WRITE]
    )["ResourceServer"]
    assert (changed["Name"], changed["Scopes"]) == ("Renamed", [WRITE])
    emptied = idp.update_resource_server(UserPoolId=pool_id, Identifier=API, Name="Renamed")
    assert emptied["ResourceServer"]["Scopes"] == []  # Update resets what it omits
    idp.delete_resource_server(UserPoolId=pool_id, Identifier=API)
    for call in (
        lambda: idp.describe_resource_server(UserPoolId=pool_id, Identifier=API),
        lambda: idp.update_resource_server(UserPoolId=pool_id, Identifier=API, Name="x"),
        lambda: idp.delete_resource_server(UserPoolId=pool_id, Identifier=API),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert error_of(exc)[0] == "ResourceNotFoundException"


def test_resource_servers_are_listed_in_pages(idp: Any, pool_id: str) -> None:
    for name in ("c-api", "a-api", "b-api"):
        idp.create_resource_server(UserPoolId=pool_id, Identifier=name, Name=name)
    page = idp.list_resource_servers(UserPoolId=pool_id, MaxResults=2)
    assert [s["Identifier"] for s in page["ResourceServers"]] == ["a-api", "b-api"]
    rest = idp.list_resource_servers(UserPoolId=pool_id, MaxResults=2, NextToken=page["NextToken"])
    assert [s["Identifier"] for s in rest["ResourceServers"]] == ["c-api"]
    assert "NextToken" not in rest
    paginator = idp.get_paginator("list_resource_servers")
    listed = [
        s["Identifier"]
        for p in paginator.paginate(UserPoolId=pool_id, PaginationConfig={"PageSize": 1})
        for s in p["ResourceServers"]
    ]
    assert listed == ["a-api", "b-api", "c-api"]


def test_an_identifier_is_unique_in_its_pool_only(
    idp: Any, pool_id: str, make_pool: Callable[..., dict[str, Any]]
) -> None:
    idp.create_resource_server(UserPoolId=pool_id, Identifier=API, Name="one")
    with pytest.raises(ClientError) as exc:
        idp.create_resource_server(UserPoolId=pool_id, Identifier=API, Name="two")
    assert error_of(exc)[0] == "InvalidParameterException"
    idp.create_resource_server(UserPoolId=make_pool()["Id"], Identifier=API, Name="other pool")


def test_a_pool_holds_25_resource_servers(idp: Any, pool_id: str) -> None:
    for n in range(25):
        idp.create_resource_server(UserPoolId=pool_id, Identifier=f"api{n}", Name="api")
    with pytest.raises(ClientError) as exc:
        idp.create_resource_server(UserPoolId=pool_id, Identifier="api25", Name="api")
    assert error_of(exc)[0] == "LimitExceededException"


def test_scopes_follow_the_models_rules(idp: Any, pool_id: str) -> None:
    slash = {"ScopeName": "read/all", "ScopeDescription": "no slash in a name"}
    with pytest.raises(ClientError) as exc:
        idp.create_resource_server(UserPoolId=pool_id, Identifier=API, Name="api", Scopes=[slash])
    code, text = error_of(exc)
    assert code == "InvalidParameterException" and "scopes.1.member.scopeName" in text
    with pytest.raises(ClientError) as exc:
        idp.create_resource_server(
            UserPoolId=pool_id, Identifier=API, Name="api", Scopes=[READ, READ]
        )
    assert error_of(exc)[0] == "InvalidParameterException"
    with pytest.raises(ClientError) as exc:
        idp.create_resource_server(UserPoolId="us-east-1_nothere1", Identifier=API, Name="api")
    assert error_of(exc)[0] == "ResourceNotFoundException"
