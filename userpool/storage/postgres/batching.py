"""The connection as one PostgreSQL transaction uses it: statements held back and sent
with the next one, as one query (``postgres.simple``): one network round trip."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import psycopg

from userpool.storage.postgres.simple import Rows, Statement, compose, run, send

Connection = psycopg.Connection[tuple[Any, ...]]
log = logging.getLogger("userpool.storage")


class Batching:
    """``hold`` keeps a statement back until the next ``execute``, which sends everything
    held and itself as one query: one round trip.

    The transaction's ``BEGIN`` is held too, so it costs no round trip of its own. If the
    connection turns out to be lost when that first batch is sent, nothing of the
    transaction has reached the server: ``reconnect`` gives a new connection and the batch
    is sent again there."""

    __slots__ = ("conn", "held", "reconnect", "sent")

    def __init__(
        self,
        conn: Connection,
        begin: str | None = None,
        reconnect: Callable[[], Connection] | None = None,
    ) -> None:
        self.conn = conn
        self.held: list[Statement] = [] if begin is None else [(begin, None)]
        self.reconnect = reconnect if begin is not None else None
        self.sent = 0  # batches sent so far

    def hold(self, sql: str, args: tuple[Any, ...] | None) -> None:
        self.held.append((sql, args))

    def execute(self, sql: str | bytes, args: Any = None) -> Rows:
        batch = [*self.held, (sql, args)]
        query, new = compose(self.conn, batch)  # may refuse a value: then nothing changed
        self.held = []
        reconnect, self.reconnect = self.reconnect, None
        self.sent += 1
        try:
            return send(self.conn, query, new)
        except psycopg.OperationalError:
            if reconnect is None or not self.conn.broken:
                raise
            log.warning("database connection lost; reconnecting")
            self.conn = reconnect()
            return run(self.conn, batch)

    def in_transaction(self) -> bool:
        """Whether the server has a transaction open on this connection."""
        return self.conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE
