"""The statements of one-time codes, attempt counters and sign-in sessions."""

from __future__ import annotations

from userpool.domain.entities import Code, Session
from userpool.domain.ports import NotFound
from userpool.storage.sql.base import SqlBase, marks
from userpool.storage.sql.rows import (
    SESSION_COLS,
    code_row,
    code_values,
    session_row,
    session_values,
)

# Statements written once at import (they run on every sign-up and confirmation).
_PUT_CODE = (
    f"INSERT INTO codes VALUES ({marks(9)}) ON CONFLICT (pool_id, sub, purpose) DO "
    "UPDATE SET code_hash=excluded.code_hash, expires=excluded.expires, "
    "attribute=excluded.attribute, medium=excluded.medium, "
    "superseded=excluded.superseded, failures=excluded.failures"
)
_ADD_ATTEMPT = f"INSERT INTO attempts VALUES ({marks(4)})"
_PUT_SESSION = f"INSERT INTO sessions VALUES ({marks(7)})"


class CodeQueries(SqlBase):
    """Codes (one per user and purpose), attempts (counted in a window) and sessions
    (single use: taken by deleting them)."""

    def put_code(self, code: Code) -> None:
        self._prefetched.pop((code.pool_id, code.sub, code.purpose), None)
        self._later(_PUT_CODE, code_values(code))

    def get_code(self, pool_id: str, sub: str, purpose: str) -> Code:
        if self._prefetched:
            key = (pool_id, sub, purpose)
            if key in self._prefetched:
                row = self._prefetched.pop(key)
                if row is None:
                    raise NotFound("code")
                return code_row(row)
        return code_row(
            self._one(
                "SELECT * FROM codes WHERE pool_id=? AND sub=? AND purpose=?" + self._for_update,
                (pool_id, sub, purpose),
            )
        )

    def delete_code(self, pool_id: str, sub: str, purpose: str) -> None:
        self._prefetched.pop((pool_id, sub, purpose), None)
        self._later(
            "DELETE FROM codes WHERE pool_id=? AND sub=? AND purpose=?", (pool_id, sub, purpose)
        )

    def count_attempts(self, pool_id: str, sub: str, action: str, since: float) -> int:
        self._lock("attempts", pool_id, sub, action)
        row = self._one(
            "SELECT count(*) FROM attempts WHERE pool_id=? AND sub=? AND action=? AND at>=?",
            (pool_id, sub, action, since),
        )
        return int(row[0])

    def add_attempt(self, pool_id: str, sub: str, action: str, at: float) -> None:
        self._later(_ADD_ATTEMPT, (pool_id, sub, action, at))

    def clear_attempts(self, pool_id: str, sub: str, action: str) -> None:
        self._later(
            "DELETE FROM attempts WHERE pool_id=? AND sub=? AND action=?", (pool_id, sub, action)
        )

    def put_session(self, session: Session) -> None:
        self._later(_PUT_SESSION, session_values(session))

    def take_session(self, token_hash: str) -> Session:
        """Single use: of two concurrent takes the second waits, then finds nothing."""
        return session_row(
            self._one(
                f"DELETE FROM sessions WHERE token_hash=? RETURNING {SESSION_COLS}", (token_hash,)
            )
        )
