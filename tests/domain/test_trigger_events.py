"""``domain.trigger_events``: the events Cognito sends its Lambda triggers, shaped as the
developer guide's trigger pages show them (the common fields, then each source's
``request`` and ``response``)."""

from __future__ import annotations

from typing import Any

from userpool.domain import trigger_events as events
from userpool.domain.entities import Pool, User

REGION = "eu-west-1"
POOL = Pool("eu-west-1_AbC123xyZ", "p", {"AliasAttributes": ["email", "phone_number"]}, 0, 0)
USER = User(
    POOL.id,
    "alice",
    "4c1f-sub",
    "CONFIRMED",
    True,
    None,
    {
        "sub": "4c1f-sub",
        "email": "alice@example.com",
        "email_verified": "true",
        "phone_number": "+15555550123",
        "phone_number_verified": "false",
    },
    0,
    0,
)


def _common(event: dict[str, Any], source: str, client_id: str | None = "client1") -> None:
    assert {k: v for k, v in event.items() if k not in ("request", "response")} == {
        "version": "1",
        "region": REGION,
        "userPoolId": POOL.id,
        "userName": "alice",
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": client_id},
        "triggerSource": source,
    }


def test_user_attributes_carry_the_status_and_verified_aliases_only() -> None:
    attributes = events.user_attributes(POOL, USER)
    assert attributes["cognito:user_status"] == "CONFIRMED"
    assert attributes["cognito:email_alias"] == "alice@example.com"
    assert "cognito:phone_number_alias" not in attributes  # not verified
    assert attributes["email_verified"] == "true"  # strings, as Cognito sends them


def test_pre_sign_up() -> None:
    event = events.pre_sign_up(
        events.Origin(REGION, POOL, "client1"), USER, {"invite": "x1"}, "PreSignUp_SignUp"
    )
    _common(event, "PreSignUp_SignUp")
    assert event["request"] == {
        "userAttributes": USER.attributes,
        "validationData": {"invite": "x1"},
    }
    assert event["response"] == {
        "autoConfirmUser": False,
        "autoVerifyEmail": False,
        "autoVerifyPhone": False,
    }


def test_client_metadata_is_present_only_when_sent() -> None:
    without = events.post_confirmation(
        events.Origin(REGION, POOL, "client1"), USER, "PostConfirmation_ConfirmSignUp"
    )
    metadata = {"source": "web"}
    sent = events.post_confirmation(
        events.Origin(REGION, POOL, "client1", metadata), USER, "PostConfirmation_ConfirmSignUp"
    )
    assert "clientMetadata" not in without["request"]
    assert sent["request"]["clientMetadata"] == {"source": "web"}
    metadata["source"] = "changed"
    assert sent["request"]["clientMetadata"] == {"source": "web"}  # a copy


def test_post_confirmation() -> None:
    event = events.post_confirmation(
        events.Origin(REGION, POOL, None), USER, "PostConfirmation_ConfirmForgotPassword"
    )
    _common(event, "PostConfirmation_ConfirmForgotPassword", client_id=None)
    assert event["request"]["userAttributes"]["cognito:user_status"] == "CONFIRMED"
    assert event["response"] == {}


def test_custom_message_parameters() -> None:
    sign_up = events.custom_message(
        events.Origin(REGION, POOL, "client1"), USER, "CustomMessage_SignUp"
    )
    _common(sign_up, "CustomMessage_SignUp")
    assert sign_up["request"]["codeParameter"] == "{####}"
    assert sign_up["request"]["linkParameter"] == "{##Click Here##}"
    assert sign_up["request"]["usernameParameter"] is None
    assert sign_up["response"] == {"smsMessage": None, "emailMessage": None, "emailSubject": None}
    admin = events.custom_message(
        events.Origin(REGION, POOL, None), USER, "CustomMessage_AdminCreateUser"
    )
    assert admin["request"]["usernameParameter"] == "{username}"


def test_pre_and_post_authentication() -> None:
    pre = events.authentication(events.Origin(REGION, POOL, "client1"), "PreAuthentication", USER)
    _common(pre, "PreAuthentication_Authentication")
    assert pre["request"]["userNotFound"] is False
    assert pre["response"] == {}
    post = events.authentication(
        events.Origin(REGION, POOL, "client1", {"k": "v"}), "PostAuthentication", USER
    )
    _common(post, "PostAuthentication_Authentication")
    assert post["request"]["newDeviceUsed"] is False
    assert post["request"]["clientMetadata"] == {"k": "v"}


def test_pre_token_generation_v1() -> None:
    event = events.pre_token_generation(
        events.Origin(REGION, POOL, "client1"),
        USER,
        "TokenGeneration_Authentication",
        "1",
        ["admins", "staff"],
        ["aws.cognito.signin.user.admin"],
        roles=["arn:aws:iam::1:role/admin"],
    )
    _common(event, "TokenGeneration_Authentication")
    assert event["request"]["groupConfiguration"] == {
        "groupsToOverride": ["admins", "staff"],
        "iamRolesToOverride": ["arn:aws:iam::1:role/admin"],
        "preferredRole": "arn:aws:iam::1:role/admin",
    }
    assert "scopes" not in event["request"]
    assert event["response"] == {"claimsOverrideDetails": None}


def test_pre_token_generation_v2_has_scopes_and_the_v2_response() -> None:
    event = events.pre_token_generation(
        events.Origin(REGION, POOL, "client1"),
        USER,
        "TokenGeneration_RefreshTokens",
        "2",
        [],
        ["openid"],
    )
    assert event["version"] == "2"
    assert event["request"]["scopes"] == ["openid"]
    assert event["request"]["groupConfiguration"]["preferredRole"] is None
    assert event["response"] == {"claimsAndScopeOverrideDetails": None}


def test_user_migration_at_sign_in_and_at_forgot_password() -> None:
    sign_in = events.user_migration(
        events.Origin(REGION, POOL, "client1", {"m": "1"}),
        "alice",
        "Passw0rd!",
        "UserMigration_Authentication",
    )
    _common(sign_in, "UserMigration_Authentication")
    assert sign_in["request"] == {
        "password": "Passw0rd!",
        "validationData": {"m": "1"},
        "clientMetadata": {"m": "1"},
    }
    assert sign_in["response"] == {
        "userAttributes": None,
        "finalUserStatus": None,
        "messageAction": None,
        "desiredDeliveryMediums": None,
        "forceAliasCreation": None,
        "enableSMSMFA": None,
    }
    forgot = events.user_migration(
        events.Origin(REGION, POOL, "client1"), "alice", None, "UserMigration_ForgotPassword"
    )
    assert forgot["request"] == {"validationData": None}
