"""ListUsers: Cognito's one-attribute filter (``domain/user_filter.py``) and pagination.

The filter is applied to the stored users here, in Python, never in SQL: both stores
answer alike (no LIKE, so ``%`` and ``_`` are plain characters; one case folding). An
exact ``sub`` or ``username`` is one indexed probe; any other filter pages through the
pool in username order.

DEVIATION: matches are listed in username order; the developer guide says Cognito sorts
them by the filtered attribute.
"""

from __future__ import annotations

from typing import Any

from userpool.domain import user_filter
from userpool.domain.entities import Pool, User
from userpool.domain.ports import NotFound, Tx
from userpool.domain.services import Call, Services
from userpool.errors import InvalidParameterException
from userpool.operations.steps.lookups import pool_of, user_type
from userpool.operations.steps.paging import decode_token, encode_token

_PAGE = 200


def _probe(tx: Tx, pool: Pool, wanted: user_filter.UserFilter) -> list[User] | None:
    """The users an exact ``sub`` or ``username`` filter can match, by index; None for
    another filter (it needs the scan)."""
    if wanted.prefix or wanted.attribute not in ("sub", "username"):
        return None
    try:
        if wanted.attribute == "sub":
            user = tx.user_by_sub(pool.id, wanted.value.lower())
        else:
            user = tx.user_by_key(pool.id, pool.key(wanted.value))
    except NotFound:
        return []
    return [user]


def _scan(
    tx: Tx, pool: Pool, wanted: user_filter.UserFilter | None, after: str | None, limit: int
) -> tuple[list[User], bool]:
    """Up to ``limit`` matching users after the key ``after``, and whether more follow."""
    found: list[User] = []
    while True:
        page = tx.list_users(pool.id, after, _PAGE)
        for user in page:
            if wanted is None or wanted.matches(pool, user):
                if len(found) == limit:
                    return found, True
                found.append(user)
        if len(page) < _PAGE:
            return found, False
        after = pool.key(page[-1].username)


async def list_users(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    limit = req.get("Limit") or 60
    attributes = req.get("AttributesToGet")
    if attributes is not None and "sub" in attributes:
        raise InvalidParameterException("Input fails to satisfy the constraints.")
    wanted = user_filter.parse(req.get("Filter"))
    after = decode_token(req.get("PaginationToken"))
    with svc.store.read() as tx:
        pool = pool_of(tx, req["UserPoolId"])
        probed = None if wanted is None else _probe(tx, pool, wanted)
        if wanted is None or probed is None:
            found, more = _scan(tx, pool, wanted, after, limit)
        else:
            found = [
                u
                for u in probed
                if wanted.matches(pool, u) and (after is None or pool.key(u.username) > after)
            ]
            more = False
    out: dict[str, Any] = {"Users": [user_type(u, attributes) for u in found]}
    if more:
        out["PaginationToken"] = encode_token(pool.key(found[-1].username))
    return out
