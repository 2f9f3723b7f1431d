"""ListUsers through boto3: Cognito's filter syntax, AttributesToGet, pagination."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError


@pytest.fixture
def people(idp: Any, pool: dict[str, Any]) -> dict[str, Any]:
    for name, email in [("ann", "ann@a.com"), ("anna", "anna@b.com"), ("bob", "bob@a.com")]:
        idp.admin_create_user(
            UserPoolId=pool["Id"],
            Username=name,
            MessageAction="SUPPRESS",
            UserAttributes=[{"Name": "email", "Value": email}],
        )
    return pool


def _names(out: dict[str, Any]) -> list[str]:
    return sorted(u["Username"] for u in out["Users"])


def test_list_users_without_filter_lists_everyone(idp: Any, people: dict[str, Any]) -> None:
    assert _names(idp.list_users(UserPoolId=people["Id"])) == ["ann", "anna", "bob"]


def test_filter_by_exact_email(idp: Any, people: dict[str, Any]) -> None:
    out = idp.list_users(UserPoolId=people["Id"], Filter='email = "bob@a.com"')
    assert _names(out) == ["bob"]


def test_filter_by_username_prefix(idp: Any, people: dict[str, Any]) -> None:
    out = idp.list_users(UserPoolId=people["Id"], Filter='username ^= "ann"')
    assert _names(out) == ["ann", "anna"]


def test_filter_by_status(idp: Any, people: dict[str, Any]) -> None:
    out = idp.list_users(
        UserPoolId=people["Id"], Filter='cognito:user_status = "FORCE_CHANGE_PASSWORD"'
    )
    assert len(out["Users"]) == 3


def test_malformed_filter_is_invalid_parameter(idp: Any, people: dict[str, Any]) -> None:
    with pytest.raises(ClientError) as exc:
        idp.list_users(UserPoolId=people["Id"], Filter="email = bob")
    assert exc.value.response["Error"]["Code"] == "InvalidParameterException"


def test_attributes_to_get_limits_attributes(idp: Any, people: dict[str, Any]) -> None:
    out = idp.list_users(UserPoolId=people["Id"], AttributesToGet=["email"])
    assert all([a["Name"] for a in u["Attributes"]] == ["email"] for u in out["Users"])


def test_asking_for_sub_in_attributes_to_get_is_refused(idp: Any, people: dict[str, Any]) -> None:
    with pytest.raises(ClientError) as exc:
        idp.list_users(UserPoolId=people["Id"], AttributesToGet=["sub"])
    assert exc.value.response["Error"]["Message"] == "Input fails to satisfy the constraints."


def test_pagination_visits_each_user_once(idp: Any, people: dict[str, Any]) -> None:
    seen: list[str] = []
    kwargs: dict[str, Any] = {"UserPoolId": people["Id"], "Limit": 2}
    while True:
        out = idp.list_users(**kwargs)
        seen += [u["Username"] for u in out["Users"]]
        if "PaginationToken" not in out:
            break
        kwargs["PaginationToken"] = out["PaginationToken"]
    assert sorted(seen) == ["ann", "anna", "bob"]


def test_paginator_works(idp: Any, people: dict[str, Any]) -> None:
    pages = idp.get_paginator("list_users").paginate(
        UserPoolId=people["Id"], PaginationConfig={"PageSize": 1}
    )
    assert sorted(u["Username"] for page in pages for u in page["Users"]) == ["ann", "anna", "bob"]
