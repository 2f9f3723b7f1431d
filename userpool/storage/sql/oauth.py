"""The statements of pools' domains and resource servers."""

from __future__ import annotations

from typing import Any

import orjson

from userpool.domain.store_ports import PoolDomain, ResourceServer
from userpool.storage.sql.base import SqlBase, marks
from userpool.storage.sql.rows import dumps

_D_COLS = (
    "domain, pool_id, custom, certificate_arn, managed_login_version, cloudfront, version, created"
)
_R_COLS = "pool_id, identifier, name, scopes, created, modified"


def _domain(row: tuple[Any, ...]) -> PoolDomain:
    return PoolDomain(row[0], row[1], bool(row[2]), row[3], int(row[4]), row[5], row[6], row[7])


def _server(row: tuple[Any, ...]) -> ResourceServer:
    return ResourceServer(row[0], row[1], row[2], orjson.loads(row[3]), row[4], row[5])


class OAuthQueries(SqlBase):
    """Domains (one name, one pool; one domain of each kind per pool) and resource servers."""

    def insert_domain(self, domain: PoolDomain) -> None:
        self._insert(
            f"INSERT INTO pool_domains ({_D_COLS}) VALUES ({marks(8)})",
            (
                domain.domain,
                domain.pool_id,
                int(domain.custom),
                domain.certificate_arn,
                domain.managed_login_version,
                domain.cloudfront,
                domain.version,
                domain.created,
            ),
            "domain",
        )

    def get_domain(self, name: str) -> PoolDomain:
        return _domain(self._one(f"SELECT {_D_COLS} FROM pool_domains WHERE domain=?", (name,)))

    def pool_domains(self, pool_id: str) -> list[PoolDomain]:
        rows = self.run(
            f"SELECT {_D_COLS} FROM pool_domains WHERE pool_id=? ORDER BY custom", (pool_id,)
        ).fetchall()
        return [_domain(tuple(r)) for r in rows]

    def update_domain(self, domain: PoolDomain) -> None:
        self.run(
            "UPDATE pool_domains SET certificate_arn=?, managed_login_version=?, version=? "
            "WHERE domain=?",
            (domain.certificate_arn, domain.managed_login_version, domain.version, domain.domain),
        )

    def delete_domain(self, name: str) -> None:
        self.run("DELETE FROM pool_domains WHERE domain=?", (name,))

    def insert_resource_server(self, server: ResourceServer) -> None:
        self._insert(
            f"INSERT INTO resource_servers ({_R_COLS}) VALUES ({marks(6)})",
            (
                server.pool_id,
                server.identifier,
                server.name,
                dumps(server.scopes),
                server.created,
                server.modified,
            ),
            "resource server",
        )

    def get_resource_server(self, pool_id: str, identifier: str) -> ResourceServer:
        return _server(
            self._one(
                f"SELECT {_R_COLS} FROM resource_servers WHERE pool_id=? AND identifier=?",
                (pool_id, identifier),
            )
        )

    def update_resource_server(self, server: ResourceServer) -> None:
        self.run(
            "UPDATE resource_servers SET name=?, scopes=?, modified=? "
            "WHERE pool_id=? AND identifier=?",
            (server.name, dumps(server.scopes), server.modified, server.pool_id, server.identifier),
        )

    def delete_resource_server(self, pool_id: str, identifier: str) -> None:
        self.run(
            "DELETE FROM resource_servers WHERE pool_id=? AND identifier=?", (pool_id, identifier)
        )

    def count_resource_servers(self, pool_id: str) -> int:
        """How many the pool has; in a writing transaction, no other writer adds one until
        this transaction ends (the quota holds on PostgreSQL too)."""
        self._lock("resource servers", pool_id)
        row = self._one("SELECT count(*) FROM resource_servers WHERE pool_id=?", (pool_id,))
        return int(row[0])

    def list_resource_servers(
        self, pool_id: str, after: str | None, limit: int
    ) -> list[ResourceServer]:
        rows = self.run(
            f"SELECT {_R_COLS} FROM resource_servers WHERE pool_id=? AND identifier > ? "
            "ORDER BY identifier LIMIT ?",
            (pool_id, after or "", limit),
        ).fetchall()
        return [_server(tuple(r)) for r in rows]
