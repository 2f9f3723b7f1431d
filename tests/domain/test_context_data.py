"""``domain.context_data``: ``UserContextData.EncodedData`` as the Cognito context-data
collectors send it — base64 of ``{"payload", "version", "signature"}``, the signature
base64 of HMAC-SHA256 keyed with the app client id over ``version + payload`` — decoded to
a device only when the signature checks out. The payloads here are built by hand, not by
the module's own ``encode``."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import pytest

from userpool.domain import context_data

CLIENT = "26lowercasealphanumericsxy"


def _encoded(
    context: dict[str, Any] | None,
    client_id: str = CLIENT,
    version: str = "JS20171115",
    payload: str | None = None,
) -> str:
    if payload is None:
        payload = json.dumps(
            {"contextData": context, "username": "alice", "userPoolId": "p", "timestamp": "1"}
        )
    mac = hmac.new(client_id.encode(), (version + payload).encode(), hashlib.sha256)
    outer = {
        "payload": payload,
        "version": version,
        "signature": base64.b64encode(mac.digest()).decode(),
    }
    return base64.b64encode(json.dumps(outer).encode()).decode()


def test_a_signed_payload_yields_its_device() -> None:
    device = context_data.decode(
        _encoded({"DeviceId": "dev-1", "DeviceName": "Pixel", "ClientTimezone": "+01:00"}), CLIENT
    )
    assert device is not None
    assert (device.name, device.timezone) == ("Pixel", "+01:00")
    assert "dev-1" not in device.key  # a digest of the id, not the id


def test_the_same_device_gets_the_same_key_another_device_another() -> None:
    one = context_data.decode(_encoded({"DeviceId": "dev-1"}), CLIENT)
    again = context_data.decode(_encoded({"DeviceId": "dev-1", "DeviceName": "renamed"}), CLIENT)
    other = context_data.decode(_encoded({"DeviceId": "dev-2"}), CLIENT)
    assert one is not None and again is not None and other is not None
    assert one.key == again.key != other.key


def test_the_fingerprint_stands_in_for_a_missing_device_id() -> None:
    device = context_data.decode(_encoded({"DeviceFingerprint": "fp-9"}), CLIENT)
    assert device is not None and device.name is None and device.timezone is None


def test_a_payload_signed_for_another_client_is_not_trusted() -> None:
    assert context_data.decode(_encoded({"DeviceId": "dev-1"}, client_id="other"), CLIENT) is None


def test_a_tampered_payload_is_not_trusted() -> None:
    outer = json.loads(base64.b64decode(_encoded({"DeviceId": "dev-1"})))
    outer["payload"] = outer["payload"].replace("dev-1", "dev-2")
    tampered = base64.b64encode(json.dumps(outer).encode()).decode()
    assert context_data.decode(tampered, CLIENT) is None


@pytest.mark.parametrize(
    "encoded",
    [
        None,
        "",
        "%%%not base64%%%",
        base64.b64encode(b"not json").decode(),
        base64.b64encode(b"[1, 2]").decode(),
        base64.b64encode(b'{"payload": 1, "version": "v", "signature": "s"}').decode(),
        _encoded(None),  # signed, but without contextData
        _encoded({"DeviceName": "no id"}),
        _encoded({}, payload="not json"),
    ],
)
def test_malformed_data_yields_no_device(encoded: str | None) -> None:
    assert context_data.decode(encoded, CLIENT) is None


def test_no_client_no_device() -> None:
    assert context_data.decode(_encoded({"DeviceId": "dev-1"}), None) is None


def test_encode_writes_what_a_collector_sends() -> None:
    encoded = context_data.encode({"DeviceId": "dev-1"}, "alice", "us-east-1_x", CLIENT)
    outer = json.loads(base64.b64decode(encoded))
    assert set(outer) == {"payload", "version", "signature"}
    mac = hmac.new(CLIENT.encode(), (outer["version"] + outer["payload"]).encode(), hashlib.sha256)
    assert outer["signature"] == base64.b64encode(mac.digest()).decode()
    payload = json.loads(outer["payload"])
    assert payload["contextData"] == {"DeviceId": "dev-1"}
    assert (payload["username"], payload["userPoolId"]) == ("alice", "us-east-1_x")
