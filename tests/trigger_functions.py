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
