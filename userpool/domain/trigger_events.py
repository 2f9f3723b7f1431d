"""Trigger events exactly as Cognito builds them (the Lambda trigger pages of Cognito's developer guide): pure data, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from userpool.domain.entities import Pool, User

SDK_VERSION = "aws-sdk-unknown-unknown"  # DEVIATION: what Cognito puts here is unconfirmed


@dataclass(frozen=True)
class Origin:
    """What every event of one request names: the region, the pool, the app client (if
    any) and the request's ClientMetadata."""

    region: str
    pool: Pool
    client_id: str | None
    metadata: dict[str, str] | None = None


def _common(origin: Origin, username: str, source: str) -> dict[str, Any]:
    return {
        "version": "1",
        "region": origin.region,
        "userPoolId": origin.pool.id,
        "userName": username,
        "callerContext": {"awsSdkVersion": SDK_VERSION, "clientId": origin.client_id},
        "triggerSource": source,
    }


def envelope(origin: Origin, username: str, source: str) -> dict[str, Any]:
    """The members every event shares (version, region, pool, user, caller, source)."""
    return _common(origin, username, source)


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


def post_confirmation(origin: Origin, user: User, source: str) -> dict[str, Any]:
    event = _common(origin, user.username, source)
    request = {"userAttributes": user_attributes(origin.pool, user)}
    event["request"] = _with_metadata(request, origin.metadata)
    event["response"] = {}
    return event


def pre_sign_up(
    origin: Origin, user: User, validation: dict[str, str] | None, source: str
) -> dict[str, Any]:
    event = _common(origin, user.username, source)
    request = {"userAttributes": dict(user.attributes), "validationData": validation}
    event["request"] = _with_metadata(request, origin.metadata)
    event["response"] = {
        "autoConfirmUser": False,
        "autoVerifyEmail": False,
        "autoVerifyPhone": False,
    }
    return event


def custom_message(origin: Origin, user: User, source: str) -> dict[str, Any]:
    event = _common(origin, user.username, source)
    admin = source == "CustomMessage_AdminCreateUser"
    request = {
        "userAttributes": user_attributes(origin.pool, user),
        "codeParameter": "{####}",
        "linkParameter": "{##Click Here##}",
        "usernameParameter": "{username}" if admin else None,
    }
    event["request"] = _with_metadata(request, origin.metadata)
    event["response"] = {"smsMessage": None, "emailMessage": None, "emailSubject": None}
    return event


# The authentication triggers: each one's triggerSource and its request's own flag.
_AUTHENTICATION = {
    "PreAuthentication": ("PreAuthentication_Authentication", "userNotFound"),
    "PostAuthentication": ("PostAuthentication_Authentication", "newDeviceUsed"),
}


def authentication(origin: Origin, trigger: str, user: User) -> dict[str, Any]:
    """The event of PreAuthentication or PostAuthentication (``trigger``)."""
    source, flag = _AUTHENTICATION[trigger]
    event = _common(origin, user.username, source)
    request: dict[str, Any] = {"userAttributes": user_attributes(origin.pool, user), flag: False}
    event["request"] = _with_metadata(request, origin.metadata)
    event["response"] = {}
    return event


def pre_token_generation(
    origin: Origin,
    user: User,
    source: str,
    version: str,
    groups: list[str],
    scopes: list[str],
    roles: list[str] | None = None,
) -> dict[str, Any]:
    """Version "1" (V1_0) or "2" (V2_0: scopes and per-token overrides); ``groups`` and
    their ``roles`` in token order (the first role is the preferred one)."""
    event = _common(origin, user.username, source)
    event["version"] = version
    request: dict[str, Any] = {
        "userAttributes": user_attributes(origin.pool, user),
        "groupConfiguration": {
            "groupsToOverride": groups,
            "iamRolesToOverride": list(roles or []),
            "preferredRole": roles[0] if roles else None,
        },
    }
    if version != "1":
        request["scopes"] = scopes
    event["request"] = _with_metadata(request, origin.metadata)
    key = "claimsOverrideDetails" if version == "1" else "claimsAndScopeOverrideDetails"
    event["response"] = {key: None}
    return event


def client_credentials_token(origin: Origin, scopes: list[str]) -> dict[str, Any]:
    """PreTokenGeneration V3 for a client-credentials grant (``TokenGeneration_ClientCredentials``):
    no user, so no attributes or groups; ``clientMetadata`` from ``aws_client_metadata``.

    DEVIATION: ``userName`` is the app client's id (Cognito's value is unconfirmed)."""
    event = _common(origin, origin.client_id or "", "TokenGeneration_ClientCredentials")
    event["version"] = "3"
    request: dict[str, Any] = {
        "userAttributes": {},
        "groupConfiguration": {
            "groupsToOverride": [],
            "iamRolesToOverride": [],
            "preferredRole": None,
        },
        "scopes": list(scopes),
    }
    event["request"] = _with_metadata(request, origin.metadata)
    event["response"] = {"claimsAndScopeOverrideDetails": None}
    return event


def user_migration(
    origin: Origin, username: str, password: str | None, source: str
) -> dict[str, Any]:
    """UserMigration: the name typed, the password (sign-in only), the ClientMetadata as
    both validationData and clientMetadata (as Cognito passes them)."""
    event = _common(origin, username, source)
    metadata = origin.metadata
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
