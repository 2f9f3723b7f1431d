"""The statements of users and their sign-in aliases ((pool, attribute, key) -> sub,
unique by the primary key, never by a read-then-write)."""

from __future__ import annotations

from userpool.domain.entities import User
from userpool.domain.ports import NotFound
from userpool.storage.sql.base import SqlBase, marks
from userpool.storage.sql.rows import USER_COLS, USER_TABLES, dumps, user_row, user_values

_INSERT_USER = f"INSERT INTO users ({USER_COLS}) VALUES ({marks(11)})"


class UserQueries(SqlBase):
    """Users (read with the backend's row lock in a write transaction) and aliases."""

    def insert_user(self, user: User, key: str) -> None:
        self._insert(
            _INSERT_USER,
            user_values(user, key),
            "username",
        )

    def update_user(self, user: User) -> None:
        self._later(
            "UPDATE users SET status=?, enabled=?, password_hash=?, attributes=?, extra=?, "
            "modified=? WHERE pool_id=? AND sub=?",
            (
                user.status,
                int(user.enabled),
                user.password_hash,
                dumps(user.attributes),
                dumps(user.extra),
                user.modified,
                user.pool_id,
                user.sub,
            ),
        )

    def delete_user(self, pool_id: str, sub: str) -> None:
        self._prefetched.clear()  # its codes go with it
        row = self.run(
            "SELECT username FROM users WHERE pool_id=? AND sub=?", (pool_id, sub)
        ).fetchone()
        if row is not None:  # messages and events about the user go with the user
            self.run("DELETE FROM outbox WHERE pool_id=? AND username=?", (pool_id, row[0]))
        for table in USER_TABLES:
            self.run(f"DELETE FROM {table} WHERE pool_id=? AND sub=?", (pool_id, sub))

    def user_by_key(self, pool_id: str, key: str) -> User:
        return user_row(
            self._one(
                f"SELECT {USER_COLS} FROM users WHERE pool_id=? AND username_key=?"
                + self._for_update,
                (pool_id, key),
            )
        )

    def user_by_sub(self, pool_id: str, sub: str) -> User:
        return user_row(
            self._one(
                f"SELECT {USER_COLS} FROM users WHERE pool_id=? AND sub=?" + self._for_update,
                (pool_id, sub),
            )
        )

    def user_by_alias(self, pool_id: str, attribute: str, key: str) -> User:
        owner = self._owner(pool_id, attribute, key)
        if owner is None:
            raise NotFound("alias")
        return self.user_by_sub(pool_id, owner)

    def list_users(self, pool_id: str, after: str | None, limit: int) -> list[User]:
        rows = self.run(
            f"SELECT {USER_COLS} FROM users WHERE pool_id=? AND username_key > ? "
            "ORDER BY username_key LIMIT ?",
            (pool_id, after or "", limit),
        ).fetchall()
        return [user_row(tuple(r)) for r in rows]

    def count_users(self, pool_id: str) -> int:
        # An index-only count: users_by_key is (pool_id, username_key).
        return int(self._one("SELECT count(*) FROM users WHERE pool_id=?", (pool_id,))[0])

    # aliases -------------------------------------------------------------
    def _owner(self, pool_id: str, attribute: str, key: str) -> str | None:
        row = self.run(
            "SELECT sub FROM aliases WHERE pool_id=? AND attribute=? AND value_key=?",
            (pool_id, attribute, key),
        ).fetchone()
        return None if row is None else str(row[0])

    def set_alias(self, pool_id: str, attribute: str, key: str, sub: str) -> None:
        self._lock("alias", pool_id, attribute, key)
        self._insert(
            f"INSERT INTO aliases VALUES ({marks(4)})", (pool_id, attribute, key, sub), attribute
        )

    def alias_owner(self, pool_id: str, attribute: str, key: str) -> str | None:
        self._lock("alias", pool_id, attribute, key)
        return self._owner(pool_id, attribute, key)

    def drop_alias(self, pool_id: str, attribute: str, key: str) -> None:
        self.run(
            "DELETE FROM aliases WHERE pool_id=? AND attribute=? AND value_key=?",
            (pool_id, attribute, key),
        )

    def drop_aliases_of(self, pool_id: str, sub: str, attribute: str | None = None) -> None:
        if attribute is None:
            self.run("DELETE FROM aliases WHERE pool_id=? AND sub=?", (pool_id, sub))
        else:
            self.run(
                "DELETE FROM aliases WHERE pool_id=? AND sub=? AND attribute=?",
                (pool_id, sub, attribute),
            )
