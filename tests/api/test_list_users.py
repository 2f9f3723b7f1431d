"""ListUsers through boto3: Cognito's filter syntax, AttributesToGet, pagination."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.helpers import Server, error_of


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


# Cognito's filter, attribute by attribute: the documented searchable attributes, `=` and
# `^=`, how case counts for each, quoting, and the answers to filters it refuses.

CROWD = {
    "ann": {
        "email": "ann@a.com",
        "phone_number": "+15550001",
        "name": "Ann Lee",
        "given_name": "Ann",
        "family_name": "Lee",
        "preferred_username": "annie",
    },
    "anna": {
        "email": "anna@b.com",
        "phone_number": "+15550002",
        "name": "Anna Bell",
        "given_name": "Anna",
        "family_name": "Bell",
        "preferred_username": "anna_b",
    },
    "bob": {"email": "bob@a.com"},
    "cy": {"name": 'Cy "Cyclone" Lu', "family_name": "back\\slash", "given_name": "100%"},
}


@pytest.fixture(scope="module")
def crowd(server: Server) -> tuple[Any, str, dict[str, str]]:
    """A pool of four users (ann and anna FORCE_CHANGE_PASSWORD, anna disabled; bob and cy
    CONFIRMED), and each user's sub."""
    idp = server.client()
    pool_id = idp.create_user_pool(PoolName="crowd")["UserPool"]["Id"]
    subs: dict[str, str] = {}
    for name, attributes in CROWD.items():
        made = idp.admin_create_user(
            UserPoolId=pool_id,
            Username=name,
            MessageAction="SUPPRESS",
            UserAttributes=[{"Name": k, "Value": v} for k, v in attributes.items()],
        )["User"]
        subs[name] = next(a["Value"] for a in made["Attributes"] if a["Name"] == "sub")
    for name in ("bob", "cy"):
        idp.admin_set_user_password(
            UserPoolId=pool_id, Username=name, Password="Passw0rd!", Permanent=True
        )
    idp.admin_disable_user(UserPoolId=pool_id, Username="anna")
    return idp, pool_id, subs


FOUND = [
    ('username = "ann"', ["ann"]),
    ('username ^= "ann"', ["ann", "anna"]),
    ('username = "Ann"', []),  # case-sensitive
    ('email = "ANN@A.COM"', ["ann"]),  # case-insensitive
    ('email ^= "an"', ["ann", "anna"]),
    ('email ^= "bob@a.com"', ["bob"]),
    ('phone_number = "+15550001"', ["ann"]),
    ('phone_number ^= "+1555"', ["ann", "anna"]),
    ('name = "ann lee"', ["ann"]),
    ('name ^= "Ann"', ["ann", "anna"]),
    ('given_name = "Anna"', ["anna"]),
    ('given_name ^= "an"', ["ann", "anna"]),
    ('family_name = "Lee"', ["ann"]),
    ('family_name ^= "b"', ["anna", "cy"]),
    ('preferred_username = "ANNIE"', ["ann"]),
    ('preferred_username ^= "anna_"', ["anna"]),
    ('cognito:user_status = "confirmed"', ["bob", "cy"]),  # case-insensitive
    ('cognito:user_status ^= "FORCE"', ["ann", "anna"]),
    ('status = "Disabled"', ["anna"]),
    ('status = "Enabled"', ["ann", "bob", "cy"]),
    ('status = "enabled"', []),  # case-sensitive
    ('status ^= "Dis"', ["anna"]),
    # a missing attribute is not an empty one
    ('family_name = ""', []),
    ('preferred_username = ""', []),
    ('family_name ^= ""', ["ann", "anna", "cy"]),
    # the value is literal: no wildcards, escaped quotes and backslashes
    ('preferred_username ^= "ann_"', []),
    ('email ^= "%"', []),
    ('given_name = "100%"', ["cy"]),
    ('name = "Cy \\"Cyclone\\" Lu"', ["cy"]),
    ('family_name = "back\\\\slash"', ["cy"]),
    # spaces around the operator are optional; a quoted attribute name is accepted
    ('email^="bob@a.com"', ["bob"]),
    ('  email  =  "bob@a.com"  ', ["bob"]),
    ('"email" ^= "bob"', ["bob"]),
    ("", ["ann", "anna", "bob", "cy"]),
]


@pytest.mark.parametrize(("text", "names"), FOUND, ids=[t or "empty" for t, _ in FOUND])
def test_filter_finds(crowd: tuple[Any, str, dict[str, str]], text: str, names: list[str]) -> None:
    idp, pool_id, _ = crowd
    assert _names(idp.list_users(UserPoolId=pool_id, Filter=text)) == names


def test_filter_by_sub_exact_and_prefix(crowd: tuple[Any, str, dict[str, str]]) -> None:
    idp, pool_id, subs = crowd
    exact = idp.list_users(UserPoolId=pool_id, Filter=f'sub = "{subs["bob"].upper()}"')
    prefix = idp.list_users(UserPoolId=pool_id, Filter=f'sub ^= "{subs["cy"][:13]}"')
    nobody = idp.list_users(UserPoolId=pool_id, Filter='sub = "not-a-sub"')
    assert (_names(exact), _names(prefix), _names(nobody)) == (["bob"], ["cy"], [])


def test_a_filter_pages_through_its_matches(crowd: tuple[Any, str, dict[str, str]]) -> None:
    idp, pool_id, _ = crowd
    pages = idp.get_paginator("list_users").paginate(
        UserPoolId=pool_id, Filter='cognito:user_status ^= ""', PaginationConfig={"PageSize": 1}
    )
    assert [u["Username"] for page in pages for u in page["Users"]] == ["ann", "anna", "bob", "cy"]


def test_exact_username_after_its_page_token(crowd: tuple[Any, str, dict[str, str]]) -> None:
    idp, pool_id, _ = crowd
    first = idp.list_users(UserPoolId=pool_id, Limit=2)
    later = idp.list_users(
        UserPoolId=pool_id, Filter='username = "ann"', PaginationToken=first["PaginationToken"]
    )
    assert later["Users"] == []


def test_username_in_a_case_insensitive_pool(idp: Any) -> None:
    pool_id = idp.create_user_pool(
        PoolName="nocase", UsernameConfiguration={"CaseSensitive": False}
    )["UserPool"]["Id"]
    idp.admin_create_user(UserPoolId=pool_id, Username="Dana", MessageAction="SUPPRESS")
    exact = idp.list_users(UserPoolId=pool_id, Filter='username = "DANA"')
    prefix = idp.list_users(UserPoolId=pool_id, Filter='username ^= "da"')
    assert len(exact["Users"]) == len(prefix["Users"]) == 1


PARSE_ERRORS = [
    "foo",
    "email",
    'email "bob@a.com"',
    "email = bob@a.com",
    "email = 'bob@a.com'",
    'email = "bob@a.com',
    'email = "bob@a.com" x',
    'email = "a" and name = "b"',
    'email ^= \\"bob\\"',  # quotes escaped outside the value
    '= "bob"',
    'email != "bob"',
    'email == "bob"',
    'email > "bob"',
    'email contains "bob"',
    'email $= "bob"',
]


@pytest.mark.parametrize("text", PARSE_ERRORS)
def test_a_filter_not_of_the_form_is_refused(
    crowd: tuple[Any, str, dict[str, str]], text: str
) -> None:
    idp, pool_id, _ = crowd
    with pytest.raises(ClientError) as exc:
        idp.list_users(UserPoolId=pool_id, Filter=text)
    assert error_of(exc) == ("InvalidParameterException", "Error while parsing filter.")


@pytest.mark.parametrize(
    "name", ["custom:team", "dev:custom:team", "email_verified", "Email", "address", "locale"]
)
def test_an_attribute_that_cannot_be_searched_is_refused(
    crowd: tuple[Any, str, dict[str, str]], name: str
) -> None:
    idp, pool_id, _ = crowd
    with pytest.raises(ClientError) as exc:
        idp.list_users(UserPoolId=pool_id, Filter=f'{name} = "x"')
    assert error_of(exc) == ("InvalidParameterException", f"Invalid search attribute: {name}")
