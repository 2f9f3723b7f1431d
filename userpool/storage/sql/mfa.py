"""The statements of users' software tokens (TOTP secrets, sealed with the master key)."""

from __future__ import annotations

from typing import Any

from userpool.domain.store_ports import SoftwareToken
from userpool.storage.sql.base import SqlBase, marks

_COLS = "id, pool_id, sub, state, secret, device_name, last_step, created"
_PUT = (
    f"INSERT INTO software_tokens ({_COLS}) VALUES ({marks(8)}) "
    "ON CONFLICT (pool_id, sub, state) DO UPDATE SET id=excluded.id, secret=excluded.secret, "
    "device_name=excluded.device_name, last_step=excluded.last_step, created=excluded.created"
)


def _token(row: tuple[Any, ...]) -> SoftwareToken:
    return SoftwareToken(
        id=row[0],
        pool_id=row[1],
        sub=row[2],
        state=row[3],
        sealed=row[4],
        device_name=row[5],
        last_step=None if row[6] is None else int(row[6]),
        created=row[7],
    )


class MfaQueries(SqlBase):
    """A user's pending and verified software token (one row each)."""

    def put_software_token(self, token: SoftwareToken) -> None:
        self._later(
            _PUT,
            (
                token.id,
                token.pool_id,
                token.sub,
                token.state,
                token.sealed,
                token.device_name,
                token.last_step,
                token.created,
            ),
        )

    def software_token(self, pool_id: str, sub: str, state: str) -> SoftwareToken:
        return _token(
            self._one(
                f"SELECT {_COLS} FROM software_tokens WHERE pool_id=? AND sub=? AND state=?"
                + self._for_update,
                (pool_id, sub, state),
            )
        )

    def delete_software_token(self, pool_id: str, sub: str, state: str) -> None:
        self._later(
            "DELETE FROM software_tokens WHERE pool_id=? AND sub=? AND state=?",
            (pool_id, sub, state),
        )

    def advance_software_token(self, pool_id: str, sub: str, step: int) -> bool:
        """One conditional update, so two requests with one code cannot both pass."""
        cur = self.run(
            "UPDATE software_tokens SET last_step=? WHERE pool_id=? AND sub=? "
            "AND state='verified' AND (last_step IS NULL OR last_step < ?)",
            (step, pool_id, sub, step),
        )
        return bool(cur.rowcount == 1)
