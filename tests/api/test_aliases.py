"""Alias pools through boto3: aliases work once verified, AliasExists, ForceAliasCreation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.helpers import Server

PASSWORD = "Passw0rd!"


@pytest.fixture
def alias_pool(make_pool: Callable[..., Any]) -> dict[str, Any]:
    return dict(make_pool(AliasAttributes=["email", "phone_number"]))


@pytest.fixture
def alias_client(make_client: Callable[..., Any], alias_pool: dict[str, Any]) -> dict[str, Any]:
    return dict(make_client(alias_pool))


def _attrs(user: dict[str, Any]) -> dict[str, str]:
    return {a["Name"]: a["Value"] for a in user["UserAttributes"]}


def _sign_up(idp: Any, client: dict[str, Any], username: str, email: str) -> None:
    idp.sign_up(
        ClientId=client["ClientId"],
        Username=username,
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": email}],
    )


def _confirm(
    idp: Any, server: Server, client: dict[str, Any], username: str, email: str, **kwargs: Any
) -> None:
    idp.confirm_sign_up(
        ClientId=client["ClientId"],
        Username=username,
        ConfirmationCode=server.code(email),
        **kwargs,
    )


def test_unverified_alias_does_not_find_the_user(idp: Any, alias_client: dict[str, Any]) -> None:
    _sign_up(idp, alias_client, "al", "al@example.com")
    with pytest.raises(ClientError) as exc:
        idp.confirm_sign_up(
            ClientId=alias_client["ClientId"], Username="al@example.com", ConfirmationCode="123456"
        )
    assert exc.value.response["Error"]["Code"] == "UserNotFoundException"
    assert exc.value.response["Error"]["Message"] == "Username/client id combination not found."


def test_verified_alias_finds_the_user(
    idp: Any, server: Server, alias_pool: dict[str, Any], alias_client: dict[str, Any]
) -> None:
    _sign_up(idp, alias_client, "bea", "bea@example.com")
    _confirm(idp, server, alias_client, "bea", "bea@example.com")
    user = idp.admin_get_user(UserPoolId=alias_pool["Id"], Username="bea@example.com")
    assert user["Username"] == "bea"


def test_sign_up_with_an_email_verified_elsewhere_succeeds(
    idp: Any, server: Server, alias_client: dict[str, Any]
) -> None:
    _sign_up(idp, alias_client, "cal", "shared@example.com")
    _confirm(idp, server, alias_client, "cal", "shared@example.com")
    _sign_up(idp, alias_client, "cid", "shared@example.com")


def test_confirm_with_taken_alias_is_alias_exists_and_user_stays_unconfirmed(
    idp: Any, server: Server, alias_pool: dict[str, Any], alias_client: dict[str, Any]
) -> None:
    _sign_up(idp, alias_client, "dot", "taken@example.com")
    _confirm(idp, server, alias_client, "dot", "taken@example.com")
    _sign_up(idp, alias_client, "dug", "taken@example.com")
    with pytest.raises(ClientError) as exc:
        _confirm(idp, server, alias_client, "dug", "taken@example.com")
    assert exc.value.response["Error"]["Code"] == "AliasExistsException"
    assert exc.value.response["Error"]["Message"] == "An account with the email already exists."
    assert (
        idp.admin_get_user(UserPoolId=alias_pool["Id"], Username="dug")["UserStatus"]
        == "UNCONFIRMED"
    )


def test_force_alias_creation_moves_the_alias_and_unverifies_the_old_owner(
    idp: Any, server: Server, alias_pool: dict[str, Any], alias_client: dict[str, Any]
) -> None:
    _sign_up(idp, alias_client, "eda", "moved@example.com")
    _confirm(idp, server, alias_client, "eda", "moved@example.com")
    _sign_up(idp, alias_client, "eli", "moved@example.com")
    _confirm(idp, server, alias_client, "eli", "moved@example.com", ForceAliasCreation=True)
    assert (
        idp.admin_get_user(UserPoolId=alias_pool["Id"], Username="moved@example.com")["Username"]
        == "eli"
    )
    old = _attrs(idp.admin_get_user(UserPoolId=alias_pool["Id"], Username="eda"))
    assert old["email"] == "moved@example.com" and old["email_verified"] == "false"


def test_concurrent_forced_confirmations_leave_exactly_one_owner(
    server: Server, alias_pool: dict[str, Any], alias_client: dict[str, Any], idp: Any
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    names = [f"race{i}" for i in range(4)]
    codes = {}
    for name in names:
        _sign_up(idp, alias_client, name, "race@example.com")
        codes[name] = server.code("race@example.com")

    def confirm(name: str) -> None:
        server.client().confirm_sign_up(
            ClientId=alias_client["ClientId"],
            Username=name,
            ConfirmationCode=codes[name],
            ForceAliasCreation=True,
        )

    with ThreadPoolExecutor(4) as workers:
        list(workers.map(confirm, names))
    owners = server.sql(
        "SELECT sub FROM aliases WHERE pool_id=? AND attribute='email'", alias_pool["Id"]
    )
    assert len(owners) == 1
    verified = [
        n
        for n in names
        if _attrs(idp.admin_get_user(UserPoolId=alias_pool["Id"], Username=n))["email_verified"]
        == "true"
    ]
    assert len(verified) == 1
