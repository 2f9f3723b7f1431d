"""ListUsers: Cognito's filter syntax (``attr = "v"``, ``attr ^= "prefix"``) and pagination."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import regex

from userpool.domain.entities import User
from userpool.domain.services import Call, Services
from userpool.errors import InvalidParameterException
from userpool.operations.steps.lookups import pool_of, user_type
from userpool.operations.steps.paging import decode_token, encode_token

_FILTER = regex.compile(r'\s*([\w:]+)\s*(=|\^=)\s*"((?:[^"\\]|\\.)*)"\s*')
_SEARCHABLE = {
    "username",
    "email",
    "phone_number",
    "name",
    "given_name",
    "family_name",
    "preferred_username",
    "cognito:user_status",
    "status",
    "sub",
}
_PAGE = 200


def _field(user: User, name: str) -> str:
    if name == "username":
        return user.username
    if name == "cognito:user_status":
        return user.status
    if name == "status":
        return "Enabled" if user.enabled else "Disabled"
    return user.attributes.get(name, "")


def parse_filter(text: str | None) -> Callable[[User], bool]:
    """A predicate from Cognito's filter; an empty filter matches everyone."""
    if not text or not text.strip():
        return lambda user: True
    match = _FILTER.fullmatch(text)
    if match is None:
        raise InvalidParameterException("Error while parsing filter.")
    name, op, value = match.group(1), match.group(2), regex.sub(r"\\(.)", r"\1", match.group(3))
    if name not in _SEARCHABLE:
        raise InvalidParameterException(f"Invalid search attribute: {name}")
    if op == "=":
        return lambda user: _field(user, name) == value
    return lambda user: _field(user, name).startswith(value)


async def list_users(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    limit = req.get("Limit") or 60
    wanted = req.get("AttributesToGet")
    if wanted is not None and "sub" in wanted:
        raise InvalidParameterException("Input fails to satisfy the constraints.")
    matches = parse_filter(req.get("Filter"))
    after = decode_token(req.get("PaginationToken"))
    found: list[User] = []
    more = False
    with svc.store.read() as tx:
        pool = pool_of(tx, req["UserPoolId"])
        while not more:
            page = tx.list_users(pool.id, after, _PAGE)
            for user in page:
                if matches(user):
                    if len(found) == limit:
                        more = True
                        break
                    found.append(user)
            if len(page) < _PAGE:
                break
            after = pool.key(page[-1].username)
    out: dict[str, Any] = {"Users": [user_type(u, wanted) for u in found]}
    if more:
        out["PaginationToken"] = encode_token(pool.key(found[-1].username))
    return out
