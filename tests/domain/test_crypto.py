"""crypto.keyed_hash is HMAC-SHA256 (it is built from precomputed keyed states)."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from userpool.domain import crypto


@pytest.mark.parametrize("key", [b"", b"k" * 32, b"a" * 64, b"x" * 65, bytes(range(200))])
@pytest.mark.parametrize(
    "parts", [("",), ("a", "b"), ("code", "us-east-1_x", "sub", "signup", "123456"), ("é\u4e16",)]
)
def test_keyed_hash_is_hmac_sha256(key: bytes, parts: tuple[str, ...]) -> None:
    expected = hmac.new(key, "\0".join(parts).encode(), hashlib.sha256).hexdigest()
    assert crypto.keyed_hash(key, *parts) == expected
    assert crypto.keyed_hash(key, *parts) == expected  # the cached states are not consumed


def test_keys_do_not_share_states() -> None:
    assert crypto.keyed_hash(b"one", "x") != crypto.keyed_hash(b"two", "x")
