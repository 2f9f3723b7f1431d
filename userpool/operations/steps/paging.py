"""Pagination tokens: opaque to the caller, the key to resume after."""

from __future__ import annotations

import base64

from userpool.errors import INVALID_PAGINATION, InvalidParameterException


def decode_token(token: str | None) -> str | None:
    if token is None:
        return None
    try:
        return base64.urlsafe_b64decode(token.encode()).decode()
    except ValueError:
        raise InvalidParameterException(INVALID_PAGINATION) from None


def encode_token(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode()).decode()
