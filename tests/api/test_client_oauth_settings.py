"""App clients' OAuth settings through boto3, checked at CreateUserPoolClient and
UpdateUserPoolClient as Cognito checks them: scopes must exist, callback and sign-out URLs
are HTTPS except on loopback hosts, client_credentials stands alone, needs a secret and
takes custom scopes only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.helpers import error_of

API = "https://api.example.com"
SCOPE = f"{API}/read"


@pytest.fixture
def pool_id(idp: Any, make_pool: Callable[..., dict[str, Any]]) -> str:
    made = str(make_pool()["Id"])
    idp.create_resource_server(
        UserPoolId=made,
        Identifier=API,
        Name="api",
        Scopes=[{"ScopeName": "read", "ScopeDescription": "Read"}],
    )
    return made


def _create(idp: Any, pool_id: str, **settings: Any) -> dict[str, Any]:
    answer = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="app", **settings)
    return dict(answer["UserPoolClient"])


def _refused(idp: Any, pool_id: str, **settings: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as exc:
        _create(idp, pool_id, **settings)
    return error_of(exc)


def test_a_code_client_keeps_its_settings(idp: Any, pool_id: str) -> None:
    settings = {
        "AllowedOAuthFlows": ["code", "implicit"],
        "AllowedOAuthScopes": ["openid", "email", "profile", SCOPE],
        "AllowedOAuthFlowsUserPoolClient": True,
        "CallbackURLs": ["https://app.example.com/cb", "http://localhost:3000/cb"],
        "LogoutURLs": ["https://app.example.com/bye"],
        "DefaultRedirectURI": "https://app.example.com/cb",
        "SupportedIdentityProviders": ["COGNITO"],
    }
    made = _create(idp, pool_id, **settings)
    assert {k: made[k] for k in settings} == settings


def test_scopes_must_be_standard_or_a_resource_servers(idp: Any, pool_id: str) -> None:
    flows = {"AllowedOAuthFlows": ["code"], "CallbackURLs": ["https://app.example.com/cb"]}
    assert _refused(idp, pool_id, AllowedOAuthScopes=["Cognito"], **flows) == (
        "ScopeDoesNotExistException",
        "Invalid scope requested: Cognito",
    )
    assert _refused(idp, pool_id, AllowedOAuthScopes=[f"{API}/write"], **flows) == (
        "ScopeDoesNotExistException",
        f"Invalid scope requested: {API}/write",
    )
    _create(idp, pool_id, AllowedOAuthScopes=["aws.cognito.signin.user.admin", SCOPE], **flows)


def test_code_and_implicit_need_a_callback_url(idp: Any, pool_id: str) -> None:
    assert _refused(idp, pool_id, AllowedOAuthFlows=["code"], AllowedOAuthScopes=["openid"]) == (
        "InvalidOAuthFlowException",
        "CallbackUrls can not be empty when code flow or implicit flow is selected",
    )


def test_client_credentials_stands_alone_with_a_secret_and_custom_scopes(
    idp: Any, pool_id: str
) -> None:
    m2m = {"AllowedOAuthFlows": ["client_credentials"], "AllowedOAuthScopes": [SCOPE]}
    assert _refused(idp, pool_id, **m2m)[0] == "InvalidOAuthFlowException"  # no secret
    mixed = {**m2m, "AllowedOAuthFlows": ["client_credentials", "code"]}
    code = _refused(
        idp, pool_id, GenerateSecret=True, CallbackURLs=["https://app.example.com/cb"], **mixed
    )
    assert code[0] == "InvalidOAuthFlowException"
    standard = {**m2m, "AllowedOAuthScopes": ["openid", SCOPE]}
    assert _refused(idp, pool_id, GenerateSecret=True, **standard) == (
        "InvalidOAuthFlowException",
        "openid is not supported with client_credentials flow",
    )
    made = _create(idp, pool_id, GenerateSecret=True, **m2m)
    assert made["AllowedOAuthFlows"] == ["client_credentials"]


@pytest.mark.parametrize(
    "url",
    [
        "https://app.example.com/callback",
        "http://localhost",
        "http://localhost:3000/cb",
        "http://127.0.0.1:8080/cb",
        "http://[::1]:8080/cb",
        "myapp://callback",
    ],
)
def test_callback_urls_cognito_accepts(idp: Any, pool_id: str, url: str) -> None:
    made = _create(idp, pool_id, CallbackURLs=[url], LogoutURLs=[url])
    assert made["CallbackURLs"] == [url]


@pytest.mark.parametrize(
    "url",
    ["http://app.example.com/cb", "https://app.example.com/cb#frag", "/relative", "localhost"],
)
def test_callback_urls_cognito_refuses(idp: Any, pool_id: str, url: str) -> None:
    assert _refused(idp, pool_id, CallbackURLs=[url])[0] == "InvalidParameterException"
    assert _refused(idp, pool_id, LogoutURLs=[url])[0] == "InvalidParameterException"


def test_the_default_redirect_is_a_callback_url(idp: Any, pool_id: str) -> None:
    code = _refused(
        idp,
        pool_id,
        CallbackURLs=["https://app.example.com/cb"],
        DefaultRedirectURI="https://app.example.com/other",
    )
    assert code[0] == "InvalidParameterException"


def test_identity_providers_must_exist(idp: Any, pool_id: str) -> None:
    code, text = _refused(idp, pool_id, SupportedIdentityProviders=["COGNITO", "Google"])
    assert code == "InvalidParameterException" and "Google" in text


def test_settings_are_kept_while_the_client_is_not_oauth_enabled(idp: Any, pool_id: str) -> None:
    made = _create(
        idp,
        pool_id,
        GenerateSecret=True,
        AllowedOAuthFlows=["client_credentials"],
        AllowedOAuthScopes=[SCOPE],
    )
    assert made["AllowedOAuthFlowsUserPoolClient"] is False
    assert made["AllowedOAuthFlows"] == ["client_credentials"]


def test_updates_are_checked_and_deleted_scopes_stay_allowed(idp: Any, pool_id: str) -> None:
    made = _create(idp, pool_id, GenerateSecret=True)
    client = {"UserPoolId": pool_id, "ClientId": made["ClientId"]}
    with pytest.raises(ClientError) as exc:
        idp.update_user_pool_client(**client, AllowedOAuthScopes=[f"{API}/nope"])
    assert error_of(exc)[0] == "ScopeDoesNotExistException"
    idp.update_user_pool_client(
        **client,
        AllowedOAuthFlows=["client_credentials"],
        AllowedOAuthScopes=[SCOPE],
        AllowedOAuthFlowsUserPoolClient=True,
    )
    idp.delete_resource_server(UserPoolId=pool_id, Identifier=API)
    kept = idp.describe_user_pool_client(**client)["UserPoolClient"]
    assert kept["AllowedOAuthScopes"] == [SCOPE]


def test_bad_list_items_are_reported_as_coral_does(idp: Any, pool_id: str) -> None:
    assert _refused(idp, pool_id, AllowedOAuthFlows=["code", "token"]) == (
        "InvalidParameterException",
        "1 validation error detected: Value '[code, token]' at 'allowedOAuthFlows' failed to "
        "satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value "
        "set: [code, implicit, client_credentials]]",
    )
    code, text = _refused(idp, pool_id, CallbackURLs=["a b"], LogoutURLs=["https://ok", "a b"])
    assert code == "InvalidParameterException" and text.startswith("2 validation errors")
    assert (
        "Value '[https://ok, a b]' at 'logoutURLs' failed to satisfy constraint: Member must "
        "satisfy constraint: [Member must have length less than or equal to 1024, Member must "
        "have length greater than or equal to 1, Member must satisfy regular expression "
        "pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+]"
    ) in text
