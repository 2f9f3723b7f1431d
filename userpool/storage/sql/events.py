"""The statements a transaction makes on the outbox (messages to send) and the auth-event
log; the store-level ones (claiming messages, the export) are in ``sql.store``."""

from __future__ import annotations

from userpool.domain.entities import Message
from userpool.domain.store_ports import AuthEvent
from userpool.storage.sql.base import SqlBase, marks
from userpool.storage.sql.rows import message_values

_EVENT_COLS = "pool_id, sub, kind, at, data, listed"

_ENQUEUE = (
    "INSERT INTO outbox (pool_id, username, medium, destination, subject, body, created, "
    f"status) VALUES ({marks(8)}) RETURNING id"
)
_ADD_EVENT = f"INSERT INTO events ({_EVENT_COLS}) VALUES ({marks(6)})"


class EventQueries(SqlBase):
    """Messages queued in a request's transaction, and a user's auth events."""

    def enqueue_message(self, message: Message) -> int:
        row = self._one(
            _ENQUEUE,
            message_values(message),
        )
        return int(row[0])

    def add_event(
        self, pool_id: str, sub: str, kind: str, at: float, data: str, listed: bool
    ) -> int:
        """Record an auth event; its id. ``listed``: the user's event list shows it."""
        row = self._one(
            _ADD_EVENT + " RETURNING id",
            (pool_id, sub, kind, at, data, int(listed)),
        )
        return int(row[0])

    def record_event(
        self, pool_id: str, sub: str, kind: str, at: float, data: str, listed: bool
    ) -> None:
        """``add_event`` when nobody needs its id (a backend may send it later)."""
        self._later(
            _ADD_EVENT,
            (pool_id, sub, kind, at, data, int(listed)),
        )

    def list_events(
        self, pool_id: str, sub: str, before: int | None, limit: int
    ) -> list[AuthEvent]:
        """A user's listed events, newest first."""
        rows = self.run(
            "SELECT id, kind, at, data FROM events WHERE pool_id=? AND sub=? AND listed=1 "
            "AND id<? ORDER BY id DESC LIMIT ?",
            (pool_id, sub, before if before is not None else 1 << 62, limit),
        ).fetchall()
        return [AuthEvent(r[0], pool_id, sub, r[1], r[2], r[3]) for r in rows]

    def get_event(self, pool_id: str, sub: str, event_id: int) -> AuthEvent:
        row = self._one(
            "SELECT id, kind, at, data FROM events WHERE pool_id=? AND sub=? AND id=?",
            (pool_id, sub, event_id),
        )
        return AuthEvent(row[0], pool_id, sub, row[1], row[2], row[3])

    def update_event(self, pool_id: str, sub: str, event_id: int, data: str) -> None:
        self.run(
            "UPDATE events SET data=? WHERE pool_id=? AND sub=? AND id=?",
            (data, pool_id, sub, event_id),
        )
