"""``UserContextData.EncodedData``: what the Cognito context-data collectors send, decoded.

The collectors (amazon-cognito-advanced-security-data.js, Amplify's Swift and Android
ASF modules) send base64 of ``{"payload": <JSON text>, "version": ..., "signature": ...}``
where the payload holds ``contextData`` (DeviceId, DeviceFingerprint, DeviceName,
ClientTimezone, ...), ``username``, ``userPoolId`` and ``timestamp``, and the signature is
base64 of HMAC-SHA256 keyed with the app client id over ``version + payload``. A payload
whose signature does not check out is not trusted: it yields no device.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass

import orjson


@dataclass(frozen=True)
class Device:
    key: str  # a digest of the device id (or fingerprint): what is remembered per user
    name: str | None = None
    timezone: str | None = None


def _json(text: str | bytes) -> dict[str, object] | None:
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def decode(encoded: str | None, client_id: str | None) -> Device | None:
    """The device ``encoded`` describes, or None if absent, malformed or not signed right."""
    if not encoded or not client_id:
        return None
    try:
        outer = _json(base64.b64decode(encoded, validate=False))
    except (binascii.Error, ValueError):
        return None
    if outer is None:
        return None
    payload, version, signature = (outer.get(k) for k in ("payload", "version", "signature"))
    if not all(isinstance(v, str) for v in (payload, version, signature)):
        return None
    assert isinstance(payload, str) and isinstance(version, str) and isinstance(signature, str)
    expected = hmac.new(client_id.encode(), (version + payload).encode(), hashlib.sha256)
    # DEVIATION: whether Cognito trusts unsigned context data is unknown; we do not.
    if not hmac.compare_digest(base64.b64encode(expected.digest()).decode(), signature):
        return None
    context = (_json(payload) or {}).get("contextData")
    if not isinstance(context, dict):
        return None
    ident = context.get("DeviceId") or context.get("DeviceFingerprint")
    if not isinstance(ident, str) or not ident:
        return None
    name, zone = context.get("DeviceName"), context.get("ClientTimezone")
    return Device(
        hashlib.sha256(ident.encode()).hexdigest()[:24],
        name if isinstance(name, str) else None,
        zone if isinstance(zone, str) else None,
    )


def encode(context: dict[str, str], username: str, pool_id: str, client_id: str) -> str:
    """EncodedData as a collector would send it (for tests and tools)."""
    version = "JS20171115"
    payload = orjson.dumps(
        {"contextData": context, "username": username, "userPoolId": pool_id, "timestamp": "0"}
    ).decode()
    mac = hmac.new(client_id.encode(), (version + payload).encode(), hashlib.sha256)
    signature = base64.b64encode(mac.digest()).decode()
    outer = orjson.dumps({"payload": payload, "version": version, "signature": signature})
    return base64.b64encode(outer).decode()
