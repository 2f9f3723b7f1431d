"""The OAuth rules of ``domain.oauth``, pure: scope strings, domain hosts, the scopes a
machine token gets, userInfo's attributes by scope, and the discovery document."""

from __future__ import annotations

import pytest

from userpool.domain.oauth import (
    OAuthError,
    client_credentials_scopes,
    custom_scope,
    discovery,
    prefix_of_host,
    user_info,
)


def test_a_custom_scope_splits_at_its_last_slash() -> None:
    assert custom_scope("https://api.example.com/read") == ("https://api.example.com", "read")
    assert custom_scope("api/read") == ("api", "read")
    for standard in ("openid", "aws.cognito.signin.user.admin", "/read", "api/"):
        assert custom_scope(standard) is None


def test_only_a_prefix_domains_own_host_names_it() -> None:
    assert prefix_of_host("shop.auth.us-east-1.amazoncognito.com", "us-east-1") == "shop"
    assert prefix_of_host("shop.auth.eu-west-1.amazoncognito.com", "us-east-1") is None
    assert prefix_of_host("a.shop.auth.us-east-1.amazoncognito.com", "us-east-1") is None
    assert prefix_of_host("auth.example.com", "us-east-1") is None


def test_a_machine_token_gets_the_allowed_custom_scopes_still_defined() -> None:
    allowed = ["api/read", "api/write", "api/gone"]
    active = {"api/read", "api/write"}
    assert client_credentials_scopes(None, allowed, active) == ["api/read", "api/write"]
    assert client_credentials_scopes(" ", allowed, active) == ["api/read", "api/write"]
    assert client_credentials_scopes("api/write api/write", allowed, active) == ["api/write"]
    assert client_credentials_scopes("api/gone api/read", allowed, active) == ["api/read"]
    for requested in ("api/admin", "openid", "api/gone"):
        with pytest.raises(OAuthError) as exc:
            client_credentials_scopes(requested, allowed, active)
        assert exc.value.error == "invalid_scope"


def test_user_info_shows_what_the_scopes_reach() -> None:
    attributes = {
        "sub": "s",
        "email": "a@example.com",
        "email_verified": "true",
        "phone_number": "+15550100",
        "phone_number_verified": "false",
        "name": "Ann",
        "custom:team": "blue",
    }
    everything = user_info("s", "ann", attributes, ["openid"])
    assert list(everything) == ["sub", *[k for k in attributes if k != "sub"], "username"]
    assert user_info("s", "ann", attributes, ["openid", "email"]) == {
        "sub": "s",
        "email": "a@example.com",
        "email_verified": "true",
        "username": "ann",
    }
    profile = user_info("s", "ann", attributes, ["openid", "profile", "phone"])
    assert set(profile) == {
        "sub",
        "name",
        "custom:team",
        "phone_number",
        "phone_number_verified",
        "username",
    }


def test_discovery_lists_the_domains_endpoints_or_the_pools_paths() -> None:
    issuer = "http://127.0.0.1:9229/us-east-1_Example1"
    own = discovery(issuer, None)
    assert list(own) == sorted(own)
    assert own["token_endpoint"] == f"{issuer}/token"
    assert own["userinfo_endpoint"] == f"{issuer}/userInfo"
    assert own["end_session_endpoint"] == f"{issuer}/logout"
    hosted = discovery(issuer, "https://auth.example.com")
    assert hosted["authorization_endpoint"] == "https://auth.example.com/oauth2/authorize"
    assert hosted["revocation_endpoint"] == "https://auth.example.com/oauth2/revoke"
    assert hosted["end_session_endpoint"] == "https://auth.example.com/logout"
    assert (hosted["issuer"], hosted["jwks_uri"]) == (issuer, f"{issuer}/.well-known/jwks.json")
