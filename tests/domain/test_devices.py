"""The rules of remembered devices, pure: tracking, keys, when a device replaces MFA, when
a refresh token may be used, what users and administrators see, and the caps."""

from __future__ import annotations

import dataclasses
from typing import Any

from userpool.domain import devices
from userpool.domain.ports import Device

POOL = "eu-west-1_AbC123xyZ"


def _device(key: str, **changes: Any) -> Device:
    return dataclasses.replace(Device(POOL, "sub", key, "-g", 10.0, 10.0), **changes)


def test_any_device_configuration_turns_tracking_on() -> None:
    assert not devices.tracking({})
    assert devices.tracking({"DeviceConfiguration": {}})
    off = {"DeviceConfiguration": {"ChallengeRequiredOnNewDevice": False}}
    assert devices.tracking(off) and not devices.replaces_mfa(off) and not devices.user_prompt(off)
    on = {
        "DeviceConfiguration": {
            "ChallengeRequiredOnNewDevice": True,
            "DeviceOnlyRememberedOnUserPrompt": True,
        }
    }
    assert devices.replaces_mfa(on) and devices.user_prompt(on)


def test_keys_are_the_pools_region_and_a_uuid_and_group_keys_are_shared() -> None:
    key = devices.new_key(POOL)
    assert key.startswith("eu-west-1_") and devices.well_formed_key(key)
    assert not devices.well_formed_key("no-underscore") and not devices.well_formed_key("a_" * 40)
    assert devices.group_key_of([]) != devices.group_key_of([])
    assert devices.group_key_of([_device("k", group_key="-mine0000")]) == "-mine0000"


def test_a_remembered_device_replaces_mfa_only_where_the_pool_says_so() -> None:
    on = {"DeviceConfiguration": {"ChallengeRequiredOnNewDevice": True}}
    remembered = _device("k", confirmed=True, remembered=True)
    assert devices.skips_mfa(on, remembered, None)
    assert not devices.skips_mfa(on, remembered, "MFA_REQUIRED")  # threat protection asks
    assert not devices.skips_mfa(on, dataclasses.replace(remembered, remembered=False), None)
    assert not devices.skips_mfa(on, None, None)
    assert not devices.skips_mfa({"DeviceConfiguration": {}}, remembered, None)


def test_a_refresh_token_bound_to_a_device_needs_it_confirmed() -> None:
    tracked: dict[str, Any] = {"DeviceConfiguration": {}}
    confirmed = _device("k", confirmed=True)
    assert devices.refresh_allowed(tracked, "k", "k", confirmed)
    assert not devices.refresh_allowed(tracked, "k", None, confirmed)
    assert not devices.refresh_allowed(tracked, "k", "other", confirmed)
    assert not devices.refresh_allowed(tracked, "k", "k", _device("k"))  # unconfirmed
    assert not devices.refresh_allowed(tracked, "k", "k", None)  # forgotten
    assert devices.refresh_allowed(tracked, None, None, None)  # issued before tracking
    assert devices.refresh_allowed({}, "k", None, None)  # tracking turned off


def test_users_see_fewer_attributes_than_administrators() -> None:
    device = _device("k", name="phone", last_ip="192.0.2.9", last_authenticated=12.7)
    mine = devices.device_type(device, "amy", "123456789012", admin=False)
    assert mine["DeviceAttributes"] == [
        {"Name": "device_status", "Value": "valid"},
        {"Name": "device_name", "Value": "phone"},
        {"Name": "last_ip_used", "Value": "192.0.2.9"},
    ]
    assert mine["DeviceLastAuthenticatedDate"] == 12.0  # whole seconds, as Cognito's
    admin = devices.device_type(device, "amy", "123456789012", admin=True)
    names = [a["Name"] for a in admin["DeviceAttributes"]]
    assert names == [
        "device_status",
        "device_name",
        "dev:device_arn",
        "dev:device_owner",
        "last_ip_used",
        "dev:device_remembered_status",
    ]
    values = {a["Name"]: a["Value"] for a in admin["DeviceAttributes"]}
    assert values["dev:device_arn"] == (
        f"arn:aws:cognito-idp:eu-west-1:123456789012:owner/amy.{POOL}/device/k"
    )


def test_the_caps_drop_the_oldest_unconfirmed_and_the_least_recently_used() -> None:
    waiting = [_device(f"u{i:02d}", created=float(i)) for i in range(devices.MAX_UNCONFIRMED)]
    assert devices.over_unconfirmed(waiting) == ("u00",)
    assert devices.over_unconfirmed(waiting[1:]) == ()
    used = [
        _device(f"c{i:03d}", confirmed=True, last_authenticated=float(1000 - i))
        for i in range(devices.MAX_CONFIRMED)
    ]
    assert devices.over_confirmed(used, "new") == (f"c{devices.MAX_CONFIRMED - 1:03d}",)
    assert devices.over_confirmed(used[1:], "new") == ()
    assert devices.over_confirmed(used + waiting, "new") == (f"c{devices.MAX_CONFIRMED - 1:03d}",)
