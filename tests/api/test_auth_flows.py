"""An app client's ExplicitAuthFlows through boto3: the legacy values (ADMIN_NO_SRP_AUTH,
USER_PASSWORD_AUTH, CUSTOM_AUTH_FLOW_ONLY) as Cognito documents them — SRP and refresh stay
allowed, each legacy value adds its password flow, CUSTOM_AUTH_FLOW_ONLY leaves custom
authentication only — and never mixed with the ALLOW_ values."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError
from pycognito.aws_srp import AWSSRP

from tests.factories import PASSWORD, confirmed_user
from tests.helpers import Server, error_of

Make = Callable[..., dict[str, Any]]


def _password_sign_in(idp: Any, client: dict[str, Any], name: str, admin: bool) -> Any:
    params = {"USERNAME": name, "PASSWORD": PASSWORD}
    if admin:
        return idp.admin_initiate_auth(
            UserPoolId=client["UserPoolId"],
            ClientId=client["ClientId"],
            AuthFlow="ADMIN_NO_SRP_AUTH",
            AuthParameters=params,
        )
    return idp.initiate_auth(
        ClientId=client["ClientId"], AuthFlow="USER_PASSWORD_AUTH", AuthParameters=params
    )


def _refresh(idp: Any, client: dict[str, Any], token: str) -> Any:
    return idp.initiate_auth(
        ClientId=client["ClientId"],
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": token},
    )


def _srp(server: Server, client: dict[str, Any], name: str) -> Any:
    srp = AWSSRP(
        username=name,
        password=PASSWORD,
        pool_id=client["UserPoolId"],
        client_id=client["ClientId"],
        client=server.client(),
    )
    return srp.authenticate_user()


def test_admin_no_srp_auth_client_allows_its_flow_srp_and_refresh(
    idp: Any, server: Server, make_client: Make, pool: dict[str, Any]
) -> None:
    legacy = make_client(pool, ExplicitAuthFlows=["ADMIN_NO_SRP_AUTH"])
    assert legacy["ExplicitAuthFlows"] == ["ADMIN_NO_SRP_AUTH"]
    described = idp.describe_user_pool_client(UserPoolId=pool["Id"], ClientId=legacy["ClientId"])
    assert described["UserPoolClient"]["ExplicitAuthFlows"] == ["ADMIN_NO_SRP_AUTH"]
    confirmed_user(idp, server, legacy["ClientId"], "amy")
    tokens = _password_sign_in(idp, legacy, "amy", admin=True)["AuthenticationResult"]
    refreshed = _refresh(idp, legacy, tokens["RefreshToken"])
    assert "AccessToken" in refreshed["AuthenticationResult"]
    assert "IdToken" in _srp(server, legacy, "amy")["AuthenticationResult"]
    with pytest.raises(ClientError) as exc:
        _password_sign_in(idp, legacy, "amy", admin=False)
    assert error_of(exc) == (
        "InvalidParameterException",
        "USER_PASSWORD_AUTH flow not enabled for this client",
    )


def test_user_password_auth_client_allows_its_flow_srp_and_refresh(
    idp: Any, server: Server, make_client: Make, pool: dict[str, Any]
) -> None:
    legacy = make_client(pool, ExplicitAuthFlows=["USER_PASSWORD_AUTH"])
    confirmed_user(idp, server, legacy["ClientId"], "bob")
    tokens = _password_sign_in(idp, legacy, "bob", admin=False)["AuthenticationResult"]
    assert "AccessToken" in _refresh(idp, legacy, tokens["RefreshToken"])["AuthenticationResult"]
    assert "IdToken" in _srp(server, legacy, "bob")["AuthenticationResult"]
    with pytest.raises(ClientError) as exc:
        _password_sign_in(idp, legacy, "bob", admin=True)
    assert error_of(exc) == (
        "InvalidParameterException",
        "ADMIN_NO_SRP_AUTH flow not enabled for this client",
    )


def test_custom_auth_flow_only_client_refuses_password_and_srp(
    idp: Any, make_client: Make, pool: dict[str, Any]
) -> None:
    legacy = make_client(pool, ExplicitAuthFlows=["CUSTOM_AUTH_FLOW_ONLY"])
    refusal = (
        "InvalidParameterException",
        "Only custom auth (lambda driven) is enabled for this client.",
    )
    with pytest.raises(ClientError) as exc:
        _password_sign_in(idp, legacy, "cat", admin=False)
    assert error_of(exc) == refusal
    with pytest.raises(ClientError) as exc:
        idp.initiate_auth(
            ClientId=legacy["ClientId"],
            AuthFlow="USER_SRP_AUTH",
            AuthParameters={"USERNAME": "cat", "SRP_A": "ab" * 32},
        )
    assert error_of(exc) == refusal


@pytest.mark.parametrize(
    "flows",
    [
        ["USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH"],
        ["ALLOW_REFRESH_TOKEN_AUTH", "ADMIN_NO_SRP_AUTH"],
        ["CUSTOM_AUTH_FLOW_ONLY", "ALLOW_CUSTOM_AUTH"],
    ],
)
def test_legacy_and_allow_values_are_never_mixed(
    idp: Any, make_client: Make, pool: dict[str, Any], flows: list[str]
) -> None:
    with pytest.raises(ClientError) as exc:
        make_client(pool, ExplicitAuthFlows=flows)
    assert error_of(exc)[0] == "InvalidParameterException"
    assert "ALLOW_" in error_of(exc)[1]
    existing = make_client(pool, ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH"])
    with pytest.raises(ClientError) as exc:
        idp.update_user_pool_client(
            UserPoolId=pool["Id"], ClientId=existing["ClientId"], ExplicitAuthFlows=flows
        )
    assert error_of(exc)[0] == "InvalidParameterException"
    kept = idp.describe_user_pool_client(UserPoolId=pool["Id"], ClientId=existing["ClientId"])
    assert kept["UserPoolClient"]["ExplicitAuthFlows"] == ["ALLOW_USER_SRP_AUTH"]


def test_legacy_client_does_not_allow_user_auth(
    idp: Any, make_client: Make, pool: dict[str, Any]
) -> None:
    legacy = make_client(pool, ExplicitAuthFlows=["USER_PASSWORD_AUTH"])
    with pytest.raises(ClientError) as exc:
        idp.initiate_auth(
            ClientId=legacy["ClientId"], AuthFlow="USER_AUTH", AuthParameters={"USERNAME": "x"}
        )
    assert error_of(exc) == (
        "InvalidParameterException",
        "USER_AUTH flow not enabled for this client",
    )
