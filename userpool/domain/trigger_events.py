"""Trigger events exactly as Cognito builds them (the Lambda trigger pages of Cognito's developer guide): pure data, no I/O."""

from __future__ import annotations

from typing import Any

from userpool.domain.entities import Pool, User

SDK_VERSION = "aws-sdk-unknown-unknown"


def _common(
    region: str, pool: Pool, username: str, client_id: str | None, source: str
) -> dict[str, Any]:
    return {
        "version": "1",
        "region": region,
        "userPoolId": pool.id,
        "userName": username,
        "callerContext": {"awsSdkVersion": SDK_VERSION, "clientId": client_id},
        "triggerSource": source,
    }


def user_attributes(pool: Pool, user: User) -> dict[str, str]:
    """All attributes as strings, plus ``cognito:user_status`` and verified alias markers."""
    attributes = dict(user.attributes)
    attributes["cognito:user_status"] = user.status
    for alias in pool.alias_attributes:
        if alias in ("email", "phone_number") and user.verified(alias):
            attributes[f"cognito:{alias}_alias"] = user.attributes[alias]
    return attributes


def _with_metadata(request: dict[str, Any], metadata: dict[str, str] | None) -> dict[str, Any]:
    # DEVIATION: clientMetadata is left out when the request had none (unconfirmed).
    if metadata:
        request["clientMetadata"] = dict(metadata)
    return request


def post_confirmation(
    region: str,
    pool: Pool,
    client_id: str | None,
    user: User,
    metadata: dict[str, str] | None,
    source: str,
) -> dict[str, Any]:
    event = _common(region, pool, user.username, client_id, source)
    event["request"] = _with_metadata({"userAttributes": user_attributes(pool, user)}, metadata)
    event["response"] = {}
    return event


def pre_sign_up(
    region: str,
    pool: Pool,
    client_id: str | None,
    user: User,
    validation: dict[str, str] | None,
    metadata: dict[str, str] | None,
    source: str,
) -> dict[str, Any]:
    event = _common(region, pool, user.username, client_id, source)
    request = {"userAttributes": dict(user.attributes), "validationData": validation}
    event["request"] = _with_metadata(request, metadata)
    event["response"] = {
        "autoConfirmUser": False,
        "autoVerifyEmail": False,
        "autoVerifyPhone": False,
    }
    return event


def custom_message(
    region: str,
    pool: Pool,
    client_id: str | None,
    user: User,
    metadata: dict[str, str] | None,
    source: str,
) -> dict[str, Any]:
    event = _common(region, pool, user.username, client_id, source)
    admin = source == "CustomMessage_AdminCreateUser"
    request = {
        "userAttributes": user_attributes(pool, user),
        "codeParameter": "{####}",
        "linkParameter": "{##Click Here##}",
        "usernameParameter": "{username}" if admin else None,
    }
    event["request"] = _with_metadata(request, metadata)
    event["response"] = {"smsMessage": None, "emailMessage": None, "emailSubject": None}
    return event


# The authentication triggers: each one's triggerSource and its request's own flag.
_AUTHENTICATION = {
    "PreAuthentication": ("PreAuthentication_Authentication", "userNotFound"),
    "PostAuthentication": ("PostAuthentication_Authentication", "newDeviceUsed"),
}


def authentication(
    trigger: str,
    region: str,
    pool: Pool,
    client_id: str | None,
    user: User,
    metadata: dict[str, str] | None,
) -> dict[str, Any]:
    """The event of PreAuthentication or PostAuthentication (``trigger``)."""
    source, flag = _AUTHENTICATION[trigger]
    event = _common(region, pool, user.username, client_id, source)
    request: dict[str, Any] = {"userAttributes": user_attributes(pool, user), flag: False}
    event["request"] = _with_metadata(request, metadata)
    event["response"] = {}
    return event


def pre_token_generation(
    region: str,
    pool: Pool,
    client_id: str,
    user: User,
    source: str,
    version: str,
    groups: list[str],
    scopes: list[str],
    metadata: dict[str, str] | None,
    roles: list[str] | None = None,
) -> dict[str, Any]:
    """Version "1" (V1_0) or "2" (V2_0: scopes and per-token overrides); ``groups`` and
    their ``roles`` in token order (the first role is the preferred one)."""
    event = _common(region, pool, user.username, client_id, source)
    event["version"] = version
    request: dict[str, Any] = {
        "userAttributes": user_attributes(pool, user),
        "groupConfiguration": {
            "groupsToOverride": groups,
            "iamRolesToOverride": list(roles or []),
            "preferredRole": roles[0] if roles else None,
        },
    }
    if version != "1":
        request["scopes"] = scopes
    event["request"] = _with_metadata(request, metadata)
    key = "claimsOverrideDetails" if version == "1" else "claimsAndScopeOverrideDetails"
    event["response"] = {key: None}
    return event


def user_migration(
    region: str,
    pool: Pool,
    client_id: str | None,
    username: str,
    password: str | None,
    metadata: dict[str, str] | None,
    source: str,
) -> dict[str, Any]:
    """UserMigration: the name typed, the password (sign-in only), the ClientMetadata as
    both validationData and clientMetadata (as Cognito passes them)."""
    event = _common(region, pool, username, client_id, source)
    request: dict[str, Any] = {"validationData": dict(metadata) if metadata else None}
    if password is not None:
        request["password"] = password
    event["request"] = _with_metadata(request, metadata)
    event["response"] = {
        "userAttributes": None,
        "finalUserStatus": None,
        "messageAction": None,
        "desiredDeliveryMediums": None,
        "forceAliasCreation": None,
        "enableSMSMFA": None,
    }
    return event
