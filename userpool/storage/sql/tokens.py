"""The statements of refresh tokens and revoked sign-ins (origins: every token issued
from one authentication shares its origin jti)."""

from __future__ import annotations

from userpool.domain.entities import RefreshToken
from userpool.storage.sql.base import SqlBase, marks
from userpool.storage.sql.rows import refresh_row, refresh_values

_PUT_REFRESH = f"INSERT INTO refresh_tokens VALUES ({marks(9)})"


class TokenQueries(SqlBase):
    """Refresh tokens and the origins revoked with them. Their writes are answers nobody
    reads (``_later``: PostgreSQL sends them with the next statement or the COMMIT)."""

    def put_refresh(self, token: RefreshToken) -> None:
        self._later(_PUT_REFRESH, refresh_values(token))

    def get_refresh(self, token_hash: str) -> RefreshToken:
        return refresh_row(
            self._one("SELECT * FROM refresh_tokens WHERE token_hash=?", (token_hash,))
        )

    def revoke_origin(self, origin_jti: str, expires: float) -> None:
        self._later("UPDATE refresh_tokens SET revoked=1 WHERE origin_jti=?", (origin_jti,))
        self._later(
            "INSERT INTO revoked_origins VALUES (?,?) "
            "ON CONFLICT (origin_jti) DO UPDATE SET expires=excluded.expires",
            (origin_jti, expires),
        )

    def origin_revoked(self, origin_jti: str) -> bool:
        row = self.run("SELECT 1 FROM revoked_origins WHERE origin_jti=?", (origin_jti,)).fetchone()
        return row is not None

    def revoke_user_tokens(self, pool_id: str, sub: str) -> None:
        """Every sign-in of the user: refresh tokens, and access/ID tokens by their origin."""
        # One row per origin (an upsert may not touch a row twice); the latest expiry.
        self._later(
            "INSERT INTO revoked_origins SELECT origin_jti, max(expires) FROM refresh_tokens "
            "WHERE pool_id=? AND sub=? AND revoked=0 GROUP BY origin_jti "
            "ON CONFLICT (origin_jti) DO UPDATE SET expires=excluded.expires",
            (pool_id, sub),
        )
        self._later("UPDATE refresh_tokens SET revoked=1 WHERE pool_id=? AND sub=?", (pool_id, sub))
