"""Threat protection through boto3: risk configurations, ENFORCED blocking of listed IPs,
AUDIT recording, and AdminListUserAuthEvents."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.factories import confirmed_user
from tests.helpers import USERPOOL, Server, error_of, secret_hash

PASSWORD = "Passw0rd!"
FLOWS = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]


@pytest.fixture
def guarded(make_pool: Callable[..., Any]) -> Callable[[str], dict[str, Any]]:
    def make(mode: str) -> dict[str, Any]:
        return dict(make_pool(UserPoolAddOns={"AdvancedSecurityMode": mode}))

    return make


def _block(
    idp: Any,
    pool: dict[str, Any],
    ranges: list[str],
    client_id: str | None = None,
    skipped: list[str] | None = None,
) -> None:
    kwargs: dict[str, Any] = {"ClientId": client_id} if client_id else {}
    idp.set_risk_configuration(
        UserPoolId=pool["Id"],
        **kwargs,
        RiskExceptionConfiguration={
            "BlockedIPRangeList": ranges,
            "SkippedIPRangeList": skipped or [],
        },
    )


def _user(idp: Any, server: Server, client: dict[str, Any], name: str) -> None:
    confirmed_user(idp, server, client["ClientId"], name)


def _sign_in(idp: Any, client: dict[str, Any], name: str) -> dict[str, Any]:
    return dict(
        idp.initiate_auth(
            AuthFlow="USER_PASSWORD_AUTH",
            ClientId=client["ClientId"],
            AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD},
        )
    )


def test_threat_protection_operations_need_the_add_on(idp: Any, pool: dict[str, Any]) -> None:
    with pytest.raises(ClientError) as exc:
        idp.describe_risk_configuration(UserPoolId=pool["Id"])
    assert error_of(exc)[0] == "UserPoolAddOnNotEnabledException"


def test_risk_configuration_is_described_as_set(idp: Any, guarded: Any) -> None:
    pool = guarded("AUDIT")
    _block(idp, pool, ["192.0.2.0/24"])
    got = idp.describe_risk_configuration(UserPoolId=pool["Id"])["RiskConfiguration"]
    assert got["RiskExceptionConfiguration"]["BlockedIPRangeList"] == ["192.0.2.0/24"]
    assert "_RiskConfigurations" not in idp.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]


def test_risk_configuration_survives_update_user_pool(idp: Any, guarded: Any) -> None:
    pool = guarded("AUDIT")
    _block(idp, pool, ["192.0.2.0/24"])
    idp.update_user_pool(UserPoolId=pool["Id"], UserPoolAddOns={"AdvancedSecurityMode": "AUDIT"})
    got = idp.describe_risk_configuration(UserPoolId=pool["Id"])["RiskConfiguration"]
    assert got["RiskExceptionConfiguration"]["BlockedIPRangeList"] == ["192.0.2.0/24"]


def test_enforced_blocks_a_listed_ip_and_records_it(
    idp: Any, server: Server, guarded: Any, make_client: Callable[..., Any]
) -> None:
    pool = guarded("ENFORCED")
    client = make_client(pool, ExplicitAuthFlows=FLOWS)
    _user(idp, server, client, "eve")
    _block(idp, pool, ["127.0.0.0/8", "::1/128"])
    with pytest.raises(ClientError) as exc:
        _sign_in(idp, client, "eve")
    assert error_of(exc) == (
        "NotAuthorizedException",
        "Request not allowed due to security reasons.",
    )
    events = idp.admin_list_user_auth_events(UserPoolId=pool["Id"], Username="eve")["AuthEvents"]
    latest = events[0]
    assert latest["EventType"] == "SignIn" and latest["EventResponse"] == "Fail"
    assert latest["EventRisk"]["RiskDecision"] == "Block"
    assert latest["EventContextData"]["IpAddress"] in ("127.0.0.1", "::1")
    with pytest.raises(ClientError) as exc:
        idp.sign_up(ClientId=client["ClientId"], Username="mal", Password=PASSWORD)
    assert error_of(exc)[0] == "NotAuthorizedException"


def test_skipped_ranges_override_blocked_ones(
    idp: Any, server: Server, guarded: Any, make_client: Callable[..., Any]
) -> None:
    pool = guarded("ENFORCED")
    client = make_client(pool, ExplicitAuthFlows=FLOWS)
    _user(idp, server, client, "sky")
    _block(idp, pool, ["127.0.0.0/8", "::1/128"], skipped=["127.0.0.1/32", "::1/128"])
    assert "AuthenticationResult" in _sign_in(idp, client, "sky")


def test_audit_records_the_risk_without_blocking(
    idp: Any, server: Server, guarded: Any, make_client: Callable[..., Any]
) -> None:
    pool = guarded("AUDIT")
    client = make_client(pool, ExplicitAuthFlows=FLOWS)
    _user(idp, server, client, "aud")
    _block(idp, pool, ["127.0.0.0/8", "::1/128"])
    assert "AuthenticationResult" in _sign_in(idp, client, "aud")
    events = idp.admin_list_user_auth_events(UserPoolId=pool["Id"], Username="aud")["AuthEvents"]
    assert events[0]["EventType"] == "SignIn" and events[0]["EventResponse"] == "Pass"
    assert events[0]["EventRisk"]["RiskDecision"] == "Block"
    assert [e["EventType"] for e in events[1:]] == ["SignUp", "SignUp"]


def test_context_ip_counts_only_for_clients_that_propagate_it(
    idp: Any, server: Server, guarded: Any, make_client: Callable[..., Any]
) -> None:
    pool = guarded("ENFORCED")
    _block(idp, pool, ["203.0.113.0/24"])
    plain = make_client(pool)
    context = {"IpAddress": "203.0.113.9", "EncodedData": "e30="}
    idp.sign_up(
        ClientId=plain["ClientId"], Username="pla", Password=PASSWORD, UserContextData=context
    )
    propagating = make_client(
        pool, GenerateSecret=True, EnablePropagateAdditionalUserContextData=True
    )
    cid = propagating["ClientId"]
    with pytest.raises(ClientError) as exc:
        idp.sign_up(
            ClientId=cid,
            Username="pro",
            Password=PASSWORD,
            UserContextData=context,
            SecretHash=secret_hash(propagating["ClientSecret"], "pro", cid),
        )
    assert error_of(exc)[0] == "NotAuthorizedException"


def test_blocked_confirmation_is_refused_and_recorded(
    idp: Any, server: Server, guarded: Any, make_client: Callable[..., Any]
) -> None:
    pool = guarded("ENFORCED")
    client = make_client(pool)
    idp.sign_up(
        ClientId=client["ClientId"],
        Username="cfm",
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": "cfm@example.com"}],
    )
    _block(idp, pool, ["127.0.0.0/8", "::1/128"])
    with pytest.raises(ClientError) as exc:
        idp.confirm_sign_up(
            ClientId=client["ClientId"],
            Username="cfm",
            ConfirmationCode=server.code("cfm@example.com"),
        )
    assert error_of(exc)[0] == "NotAuthorizedException"
    assert idp.admin_get_user(UserPoolId=pool["Id"], Username="cfm")["UserStatus"] == "UNCONFIRMED"
    events = idp.admin_list_user_auth_events(UserPoolId=pool["Id"], Username="cfm")["AuthEvents"]
    assert (
        events[0]["EventResponse"] == "Fail" and events[0]["EventRisk"]["RiskDecision"] == "Block"
    )


def _export(server: Server, pool: dict[str, Any]) -> list[dict[str, Any]]:
    """The pool's events as ``userpool events export`` writes them."""
    out = subprocess.run(
        [USERPOOL, "events", "export", "--db", server.db, "--pool", pool["Id"]],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [json.loads(row) for row in out.splitlines()]


def test_events_export_writes_pinpoint_shaped_lines(
    idp: Any, server: Server, pool: dict[str, Any], make_client: Callable[..., Any]
) -> None:
    analytics = {
        "ApplicationId": "a" * 32,
        "ExternalId": "ext",
        "UserDataShared": False,
        "RoleArn": "arn:aws:iam::123456789012:role/pinpoint",
    }
    client = make_client(pool, AnalyticsConfiguration=analytics)
    idp.sign_up(
        ClientId=client["ClientId"],
        Username="ana",
        Password=PASSWORD,
        AnalyticsMetadata={"AnalyticsEndpointId": "endpoint-7"},
    )
    lines = _export(server, pool)
    assert lines[-1]["event_type"] == "_userauth.sign_up"
    assert lines[-1]["application"] == {"app_id": "a" * 32}
    assert lines[-1]["endpoint"] == {"Id": "endpoint-7"}


def test_only_events_recorded_with_threat_protection_on_are_listed(
    idp: Any, server: Server, pool: dict[str, Any], make_client: Callable[..., Any]
) -> None:
    client = make_client(pool, ExplicitAuthFlows=FLOWS)
    _user(idp, server, client, "off")  # SignUp and ConfirmSignUp with threat protection OFF
    idp.update_user_pool(UserPoolId=pool["Id"], UserPoolAddOns={"AdvancedSecurityMode": "AUDIT"})
    _sign_in(idp, client, "off")
    events = idp.admin_list_user_auth_events(UserPoolId=pool["Id"], Username="off")["AuthEvents"]
    assert [e["EventType"] for e in events] == ["SignIn"]
    kinds = [line["event_type"] for line in _export(server, pool)]
    assert len(kinds) == 3 and kinds[-1] == "_userauth.sign_in"  # every event is still kept
