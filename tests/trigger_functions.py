"""Trigger functions the tests' servers load as ``python:tests.trigger_functions:<name>``.

Each records the event it got (one JSON line in $TRIGGER_EVENTS) so tests can read it.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any


def _record(event: dict[str, Any]) -> None:
    with open(os.environ["TRIGGER_EVENTS"], "a") as out:
        out.write(json.dumps(event) + "\n")


def record(event: dict[str, Any]) -> dict[str, Any]:
    _record(event)
    return event


def fail(event: dict[str, Any]) -> dict[str, Any]:
    _record(event)
    raise RuntimeError("boom")


def slow(event: dict[str, Any]) -> dict[str, Any]:
    _record(event)
    time.sleep(3)
    return event


def not_json(event: dict[str, Any]) -> Any:
    _record(event)
    return {1, 2}


def auto_confirm(event: dict[str, Any]) -> dict[str, Any]:
    _record(event)
    event["response"].update(autoConfirmUser=True, autoVerifyEmail=True)
    return event


def custom_message(event: dict[str, Any]) -> dict[str, Any]:
    _record(event)
    code = event["request"]["codeParameter"]
    event["response"]["emailMessage"] = f"Custom {event['triggerSource']}: {code}"
    event["response"]["emailSubject"] = "Custom subject"
    return event


def message_without_code(event: dict[str, Any]) -> dict[str, Any]:
    _record(event)
    event["response"]["emailMessage"] = "no code here"
    return event


def pre_token_v1(event: dict[str, Any]) -> dict[str, Any]:
    _record(event)
    event["response"]["claimsOverrideDetails"] = {
        "claimsToAddOrOverride": {"tier": "gold", "iss": "forged"},
        "claimsToSuppress": ["email"],
        "groupOverrideDetails": {"groupsToOverride": ["admins"]},
    }
    return event


def pre_token_v2(event: dict[str, Any]) -> dict[str, Any]:
    _record(event)
    event["response"]["claimsAndScopeOverrideDetails"] = {
        "idTokenGeneration": {"claimsToAddOrOverride": {"plan": "pro"}},
        "accessTokenGeneration": {
            "claimsToAddOrOverride": {"tenant": "t1"},
            "scopesToAdd": ["api/read"],
        },
    }
    return event


def deny(event: dict[str, Any]) -> dict[str, Any]:
    _record(event)
    raise RuntimeError("no entry")


# The old directory that ``migrate`` looks users up in: name -> (password, email, status).
LEGACY = {
    "legacy-ann": ("Legacy-Passw0rd!", "legacy-ann@old.example.com", "CONFIRMED"),
    "legacy-ben": ("Legacy-Passw0rd!", "legacy-ben@old.example.com", "RESET_REQUIRED"),
    "legacy-cid@old.example.com": ("Legacy-Passw0rd!", "legacy-cid@old.example.com", "CONFIRMED"),
}


def migrate(event: dict[str, Any]) -> dict[str, Any]:
    """UserMigration: known names with the right password (or any, in the reset flow)."""
    _record(event)
    found = LEGACY.get(event["userName"])
    if found is None:
        raise RuntimeError("User not found in the old directory")
    password, email, status = found
    signing_in = event["triggerSource"] == "UserMigration_Authentication"
    if signing_in and event["request"]["password"] != password:
        raise RuntimeError("Bad password")
    event["response"].update(
        userAttributes={"email": email, "email_verified": "true", "custom:origin": "legacy"},
        finalUserStatus=status,
        messageAction="SUPPRESS",
    )
    return event


def m2m_claims(event: dict[str, Any]) -> dict[str, Any]:
    """PreTokenGeneration V3 for machine tokens: a claim from the client metadata, a scope
    added, a reserved claim it may not drop; fails when the metadata says so."""
    _record(event)
    metadata = event["request"].get("clientMetadata") or {}
    if metadata.get("fail"):
        raise RuntimeError("told to fail")
    event["response"]["claimsAndScopeOverrideDetails"] = {
        "accessTokenGeneration": {
            "claimsToAddOrOverride": {"tenant": metadata.get("tenant", "none")},
            "claimsToSuppress": ["token_use"],
            "scopesToAdd": ["https://api.example.com/extra"],
        },
        "idTokenGeneration": {"claimsToAddOrOverride": {"ignored": "yes"}},
    }
    return event


def add_openid(event: dict[str, Any]) -> dict[str, Any]:
    """PreTokenGeneration V2: the access token gets the openid and email scopes."""
    _record(event)
    event["response"]["claimsAndScopeOverrideDetails"] = {
        "accessTokenGeneration": {"scopesToAdd": ["openid", "email"]}
    }
    return event
