"""The statements of pools' configuration resources (terms, branding, UI customization,
log delivery, the signing certificate): one table, a JSON body per resource."""

from __future__ import annotations

from typing import Any

import orjson

from userpool.domain.store_ports import PoolResource
from userpool.storage.sql.base import SqlBase, marks
from userpool.storage.sql.rows import dumps

_COLS = "id, pool_id, kind, client_id, name, body, sealed, created, modified"


def _resource(row: tuple[Any, ...]) -> PoolResource:
    return PoolResource(
        row[0], row[1], row[2], row[3], row[4], orjson.loads(row[5]), row[6], row[7], row[8]
    )


def _values(r: PoolResource) -> tuple[Any, ...]:
    return (
        r.id,
        r.pool_id,
        r.kind,
        r.client_id,
        r.name,
        dumps(r.body),
        r.sealed,
        r.created,
        r.modified,
    )


class ResourceQueries(SqlBase):
    """A pool's resources by kind and id."""

    def insert_resource(self, resource: PoolResource) -> None:
        self._insert(
            f"INSERT INTO pool_resources ({_COLS}) VALUES ({marks(9)})",
            _values(resource),
            "resource",
        )

    def put_resource(self, resource: PoolResource) -> None:
        self.run(
            f"INSERT INTO pool_resources ({_COLS}) VALUES ({marks(9)}) ON CONFLICT (id) DO "
            "UPDATE SET client_id=excluded.client_id, name=excluded.name, body=excluded.body, "
            "sealed=excluded.sealed, modified=excluded.modified",
            _values(resource),
        )

    def get_resource(self, pool_id: str, kind: str, resource_id: str) -> PoolResource:
        return _resource(
            self._one(
                f"SELECT {_COLS} FROM pool_resources WHERE id=? AND pool_id=? AND kind=?",
                (resource_id, pool_id, kind),
            )
        )

    def update_resource(self, resource: PoolResource) -> None:
        self.run(
            "UPDATE pool_resources SET client_id=?, name=?, body=?, modified=? WHERE id=?",
            (
                resource.client_id,
                resource.name,
                dumps(resource.body),
                resource.modified,
                resource.id,
            ),
        )

    def delete_resource(self, pool_id: str, kind: str, resource_id: str) -> bool:
        cur = self.run(
            "DELETE FROM pool_resources WHERE id=? AND pool_id=? AND kind=?",
            (resource_id, pool_id, kind),
        )
        return bool(cur.rowcount > 0)

    def list_resources(
        self, pool_id: str, kind: str, client_id: str | None = None
    ) -> list[PoolResource]:
        sql = f"SELECT {_COLS} FROM pool_resources WHERE pool_id=? AND kind=?"
        args: tuple[Any, ...] = (pool_id, kind)
        if client_id is not None:
            sql, args = sql + " AND client_id=?", (*args, client_id)
        rows = self.run(sql + " ORDER BY created, id", args).fetchall()
        return [_resource(tuple(r)) for r in rows]
