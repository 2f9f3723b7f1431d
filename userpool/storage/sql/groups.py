"""The statements of user groups and their members."""

from __future__ import annotations

from typing import Any

from userpool.domain.entities import Group, User
from userpool.storage.sql.base import SqlBase
from userpool.storage.sql.rows import U_USER_COLS, user_row

_G_COLS = "pool_id, name, description, role_arn, precedence, created, modified"


def _group(row: tuple[Any, ...]) -> Group:
    return Group(row[0], row[1], row[2], row[3], row[4], row[5], row[6])


class GroupQueries(SqlBase):
    """Groups of a pool, and which users belong to them."""

    def insert_group(self, group: Group) -> None:
        self._insert(
            f"INSERT INTO user_groups ({_G_COLS}) VALUES (?,?,?,?,?,?,?)",
            (
                group.pool_id,
                group.name,
                group.description,
                group.role_arn,
                group.precedence,
                group.created,
                group.modified,
            ),
            "group",
        )

    def count_groups(self, pool_id: str) -> int:
        return int(self._one("SELECT count(*) FROM user_groups WHERE pool_id=?", (pool_id,))[0])

    def get_group(self, pool_id: str, name: str) -> Group:
        return _group(
            self._one(
                f"SELECT {_G_COLS} FROM user_groups WHERE pool_id=? AND name=?", (pool_id, name)
            )
        )

    def update_group(self, group: Group) -> None:
        self.run(
            "UPDATE user_groups SET description=?, role_arn=?, precedence=?, modified=? "
            "WHERE pool_id=? AND name=?",
            (
                group.description,
                group.role_arn,
                group.precedence,
                group.modified,
                group.pool_id,
                group.name,
            ),
        )

    def delete_group(self, pool_id: str, name: str) -> None:
        self.run("DELETE FROM group_members WHERE pool_id=? AND group_name=?", (pool_id, name))
        self.run("DELETE FROM user_groups WHERE pool_id=? AND name=?", (pool_id, name))

    def list_groups(self, pool_id: str, after: str | None, limit: int) -> list[Group]:
        rows = self.run(
            f"SELECT {_G_COLS} FROM user_groups WHERE pool_id=? AND name > ? ORDER BY name LIMIT ?",
            (pool_id, after or "", limit),
        ).fetchall()
        return [_group(tuple(r)) for r in rows]

    def add_member(self, pool_id: str, name: str, sub: str) -> None:
        self.run(
            "INSERT INTO group_members (pool_id, group_name, sub) VALUES (?,?,?) "
            "ON CONFLICT (pool_id, group_name, sub) DO NOTHING",
            (pool_id, name, sub),
        )

    def remove_member(self, pool_id: str, name: str, sub: str) -> None:
        self.run(
            "DELETE FROM group_members WHERE pool_id=? AND group_name=? AND sub=?",
            (pool_id, name, sub),
        )

    def groups_of(self, pool_id: str, sub: str) -> list[Group]:
        """The user's groups, by precedence (lowest first; none last), then name.

        DEVIATION: where Cognito puts groups without a precedence is unconfirmed.
        """
        rows = self.run(
            f"SELECT {', '.join('g.' + c.strip() for c in _G_COLS.split(','))} "
            "FROM group_members m JOIN user_groups g "
            "ON g.pool_id = m.pool_id AND g.name = m.group_name "
            "WHERE m.pool_id=? AND m.sub=? "
            "ORDER BY g.precedence IS NULL, g.precedence, g.name",
            (pool_id, sub),
        ).fetchall()
        return [_group(tuple(r)) for r in rows]

    def members_of(self, pool_id: str, name: str, after: str | None, limit: int) -> list[User]:
        """Members in username order, after the username key ``after``."""
        rows = self.run(
            f"SELECT {U_USER_COLS} FROM group_members m JOIN users u "
            "ON u.pool_id = m.pool_id AND u.sub = m.sub "
            "WHERE m.pool_id=? AND m.group_name=? AND u.username_key > ? "
            "ORDER BY u.username_key LIMIT ?",
            (pool_id, name, after or "", limit),
        ).fetchall()
        return [user_row(tuple(r)) for r in rows]
