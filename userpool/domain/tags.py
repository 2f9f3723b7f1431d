"""A user pool's tags: AWS's rules for tag keys and values, their number, and the ARN that
names a pool.

The model bounds the lengths (keys 1..128 characters, values 0..256); Cognito's tagging
guide adds the rest: at most 50 tags per pool; letters, numbers, spaces and
``_ . : / = + - @`` only; keys case-sensitive; the ``aws:`` prefix reserved for AWS.
"""

from __future__ import annotations

import regex

from userpool.errors import BAD_TAG, RESERVED_TAG, TOO_MANY_TAGS

MAX_TAGS = 50
_ALLOWED = regex.compile(r"[\p{L}\p{Z}\p{N}_.:/=+\-@]*")


def key_problem(key: str) -> str | None:
    """Why ``key`` cannot be a tag key, or None."""
    if _ALLOWED.fullmatch(key) is None:
        return BAD_TAG.format(key)
    if key.lower().startswith("aws:"):
        return RESERVED_TAG.format(key)
    return None


def problem(new: dict[str, str], existing: dict[str, str] | None = None) -> str | None:
    """Why the tags ``new`` cannot be added to the pool's ``existing`` ones, or None.

    DEVIATION: Cognito's answers (and texts) for a bad key or value and a 51st tag are
    unconfirmed."""
    for key, value in new.items():
        found = key_problem(key)
        if found is None and _ALLOWED.fullmatch(value) is None:
            found = BAD_TAG.format(key)
        if found is not None:
            return found
    if len({**(existing or {}), **new}) > MAX_TAGS:
        return TOO_MANY_TAGS.format(MAX_TAGS)
    return None


def pool_arn(region: str, account: str, pool_id: str) -> str:
    return f"arn:aws:cognito-idp:{region}:{account}:userpool/{pool_id}"


def arn_parts(arn: str) -> tuple[str, str, str] | None:
    """(region, account, pool id) of a user pool's ARN; None for any other ARN."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "cognito-idp":
        return None
    kind, _, pool_id = parts[5].partition("/")
    if kind != "userpool" or not pool_id or "/" in pool_id:
        return None
    return parts[3], parts[4], pool_id
