"""The statements of users' devices (remembered devices), by their key."""

from __future__ import annotations

from typing import Any

import orjson

from userpool.domain.store_ports import Device
from userpool.storage.sql.base import SqlBase, marks

_COLS = (
    "device_key, pool_id, sub, group_key, confirmed, remembered, name, salt, verifier, "
    "created, modified, last_authenticated, last_ip, pending"
)
_PUT = (
    f"INSERT INTO devices ({_COLS}) VALUES ({marks(14)}) ON CONFLICT (device_key) DO UPDATE SET "
    "pool_id=excluded.pool_id, sub=excluded.sub, group_key=excluded.group_key, "
    "confirmed=excluded.confirmed, remembered=excluded.remembered, name=excluded.name, "
    "salt=excluded.salt, verifier=excluded.verifier, created=excluded.created, "
    "modified=excluded.modified, last_authenticated=excluded.last_authenticated, "
    "last_ip=excluded.last_ip, pending=excluded.pending"
)


def _device(row: tuple[Any, ...]) -> Device:
    return Device(
        key=row[0],
        pool_id=row[1],
        sub=row[2],
        group_key=row[3],
        confirmed=bool(row[4]),
        remembered=bool(row[5]),
        name=row[6],
        salt=row[7],
        verifier=row[8],
        created=row[9],
        modified=row[10],
        last_authenticated=row[11],
        last_ip=row[12],
        pending=None if row[13] is None else orjson.loads(row[13]),
    )


def _values(device: Device) -> tuple[Any, ...]:
    return (
        device.key,
        device.pool_id,
        device.sub,
        device.group_key,
        int(device.confirmed),
        int(device.remembered),
        device.name,
        device.salt,
        device.verifier,
        device.created,
        device.modified,
        device.last_authenticated,
        device.last_ip,
        None if device.pending is None else orjson.dumps(device.pending).decode(),
    )


class DeviceQueries(SqlBase):
    """Devices: one row per key; a user's are found by (pool, sub) in key order."""

    def put_device(self, device: Device) -> None:
        self._later(_PUT, _values(device))

    def get_device(self, key: str, lock: bool = False) -> Device:
        sql = f"SELECT {_COLS} FROM devices WHERE device_key=?"
        return _device(self._one(sql + (self._for_update if lock else ""), (key,)))

    def delete_device(self, key: str) -> None:
        self._later("DELETE FROM devices WHERE device_key=?", (key,))

    def user_devices(self, pool_id: str, sub: str) -> list[Device]:
        rows = self.run(
            f"SELECT {_COLS} FROM devices WHERE pool_id=? AND sub=? ORDER BY device_key",
            (pool_id, sub),
        ).fetchall()
        return [_device(tuple(r)) for r in rows]

    def list_devices(
        self, pool_id: str, sub: str, remembered_only: bool, after: str | None, limit: int
    ) -> list[Device]:
        sql = f"SELECT {_COLS} FROM devices WHERE pool_id=? AND sub=? AND confirmed=1"
        args: list[Any] = [pool_id, sub]
        if remembered_only:
            sql += " AND remembered=1"
        if after is not None:
            sql += " AND device_key>?"
            args.append(after)
        rows = self.run(sql + " ORDER BY device_key LIMIT ?", (*args, limit)).fetchall()
        return [_device(tuple(r)) for r in rows]
