"""The statements of users' passkeys (WebAuthn credentials; the public key sealed)."""

from __future__ import annotations

from typing import Any

import orjson

from userpool.domain.store_ports import StoredPasskey
from userpool.storage.sql.base import SqlBase, marks

_COLS = (
    "id, pool_id, sub, credential_id, public_key, sign_count, relying_party_id, attachment, "
    "transports, name, created"
)


def _passkey(row: tuple[Any, ...]) -> StoredPasskey:
    return StoredPasskey(
        id=row[0],
        pool_id=row[1],
        sub=row[2],
        credential_id=row[3],
        sealed=row[4],
        sign_count=int(row[5]),
        relying_party_id=row[6],
        attachment=row[7],
        transports=list(orjson.loads(row[8])),
        name=row[9],
        created=float(row[10]),
    )


class WebAuthnQueries(SqlBase):
    """A user's passkeys; a credential id is unique in its pool."""

    def insert_passkey(self, passkey: StoredPasskey) -> None:
        self._insert(
            f"INSERT INTO webauthn_credentials ({_COLS}) VALUES ({marks(11)})",
            (
                passkey.id,
                passkey.pool_id,
                passkey.sub,
                passkey.credential_id,
                passkey.sealed,
                passkey.sign_count,
                passkey.relying_party_id,
                passkey.attachment,
                orjson.dumps(passkey.transports).decode(),
                passkey.name,
                passkey.created,
            ),
            "passkey",
        )

    def passkeys(self, pool_id: str, sub: str) -> list[StoredPasskey]:
        rows = self.run(
            f"SELECT {_COLS} FROM webauthn_credentials WHERE pool_id=? AND sub=? "
            "ORDER BY created, id",
            (pool_id, sub),
        ).fetchall()
        return [_passkey(tuple(row)) for row in rows]

    def delete_passkey(self, pool_id: str, sub: str, credential_id: str) -> bool:
        cur = self.run(
            "DELETE FROM webauthn_credentials WHERE pool_id=? AND sub=? AND credential_id=?",
            (pool_id, sub, credential_id),
        )
        return bool(cur.rowcount == 1)

    def advance_passkey(self, pool_id: str, credential_id: str, seen: int, count: int) -> bool:
        """One conditional update: the count moves only from the value the caller checked,
        so two sign-ins with one assertion cannot both pass."""
        cur = self.run(
            "UPDATE webauthn_credentials SET sign_count=? "
            "WHERE pool_id=? AND credential_id=? AND sign_count=?",
            (count, pool_id, credential_id, seen),
        )
        return bool(cur.rowcount == 1)
