"""The store-level statements, the same on SQLite and PostgreSQL: each in a short
transaction of its own (purging what expired, the outbox's claims and retries, the
trigger log, the event-log export). A backend names its dialect's fragments:
``epoch_now`` (the time in seconds) and ``claim_lock`` (how a claim skips rows another
process is claiming)."""

from __future__ import annotations

import dataclasses
from contextlib import AbstractContextManager

from userpool.domain.entities import Message
from userpool.domain.store_ports import AuthEvent, TriggerInvocation
from userpool.storage.sql.rows import message_row
from userpool.storage.sql.tx import SqlTx

LEASE = 60.0  # seconds a claimed message may stay unsent before another process retries it
MAX_TRIES = 5


class StoreQueries:
    """Mixed into each Store adapter, whose transactions run the statements."""

    epoch_now = "strftime('%s','now')"
    claim_lock = ""

    def transaction(self) -> AbstractContextManager[SqlTx]:
        raise NotImplementedError

    def read(self) -> AbstractContextManager[SqlTx]:
        raise NotImplementedError

    def purge(self, now: float, limit: int = 1000) -> bool:
        """Drop up to ``limit`` rows each of what has expired (sessions, old attempts,
        revoked and expired tokens), one short transaction per table, so that no purge
        holds the writer for long; whether any table has more to drop (call again)."""
        more = False
        for table, column, before in (
            ("sessions", "expires", now),
            ("attempts", "at", now - 86400),
            ("revoked_origins", "expires", now),
            ("refresh_tokens", "expires", now),
        ):
            with self.transaction() as tx:
                more |= tx.purge_rows(table, column, before, limit) >= limit
        return more

    # the outbox ----------------------------------------------------------
    def claim_messages(self, limit: int, now: float) -> list[Message]:
        """Pending messages due now, and ones whose claim's lease ran out (their process
        died); rows another process is claiming right now are skipped where the backend
        can tell (``claim_lock``)."""
        with self.transaction() as tx:
            rows = tx.run(
                "UPDATE outbox SET status='sending', claimed=?, tries=tries+1 WHERE id IN "
                "(SELECT id FROM outbox WHERE (status='pending' AND next_try<=?) OR "
                f"(status='sending' AND claimed<?) ORDER BY id LIMIT ?{self.claim_lock}) "
                "RETURNING *",
                (now, now, now - LEASE, limit),
            ).fetchall()
        return sorted((message_row(tuple(r)) for r in rows), key=lambda m: m.id)

    def finish_message(self, message_id: int, ok: bool, error: str | None, keep_text: bool) -> None:
        """Sent (text dropped unless kept), retried later with backoff, or given up."""
        with self.transaction() as tx:
            if ok:
                body = "body" if keep_text else "NULL"
                tx.run(
                    f"UPDATE outbox SET status='sent', error=NULL, sent={self.epoch_now}, "
                    f"body={body} WHERE id=?",
                    (message_id,),
                )
                return
            tx.run(
                "UPDATE outbox SET error=?, status=CASE WHEN tries>=? THEN 'failed' "
                f"ELSE 'pending' END, next_try={self.epoch_now} + 5 * (1 << tries) WHERE id=?",
                (error, MAX_TRIES, message_id),
            )

    def recent_messages(
        self,
        limit: int,
        destination: str | None = None,
        pool_id: str | None = None,
        username: str | None = None,
    ) -> list[Message]:
        """The last ``limit`` messages, newest first, of those equal to every filter given.
        The statement is made of fixed fragments only; the values go as parameters."""
        wheres: list[str] = []
        values: list[object] = []
        for column, value in (
            ("destination", destination),
            ("pool_id", pool_id),
            ("username", username),
        ):
            if value is not None:
                wheres.append(f"{column}=?")
                values.append(value)
        where = f"WHERE {' AND '.join(wheres)} " if wheres else ""
        with self.read() as tx:
            rows = tx.run(
                f"SELECT * FROM outbox {where}ORDER BY id DESC LIMIT ?", (*values, limit)
            ).fetchall()
        return [message_row(tuple(r)) for r in rows]

    # the trigger log and the event log -----------------------------------
    def record_invocation(self, call: TriggerInvocation) -> None:
        with self.transaction() as tx:
            tx.run(
                "INSERT INTO trigger_log (pool_id, trigger, source, username, "
                "started, duration_ms, outcome, error) VALUES (?,?,?,?,?,?,?,?)",
                dataclasses.astuple(call),
            )

    def recent_invocations(self, limit: int) -> list[TriggerInvocation]:
        """The last ``limit`` calls of triggers, newest first."""
        with self.read() as tx:
            rows = tx.run(
                "SELECT pool_id, trigger, source, username, started, duration_ms, "
                "outcome, error FROM trigger_log ORDER BY id DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [TriggerInvocation(*r) for r in rows]

    def events_after(self, after_id: int, limit: int) -> list[AuthEvent]:
        """Events after ``after_id`` (listed or not), oldest first."""
        with self.read() as tx:
            rows = tx.run(
                "SELECT id, pool_id, sub, kind, at, data FROM events WHERE id>? "
                "ORDER BY id LIMIT ?",
                (after_id, limit),
            ).fetchall()
        return [AuthEvent(*r) for r in rows]
