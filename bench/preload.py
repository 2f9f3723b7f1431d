"""Bulk preloading of large pools for the pool-size experiment.

- userpool: signing up a million users through the API would take hours (argon2id, about
  45 SignUps/s), so rows are written straight into the server's store while the server is
  stopped: its SQLite file, or its PostgreSQL schema (COPY). Every row is a clone of a
  *template* user that the server itself signed up, so the row format is the server's own
  (columns, JSON attributes, password hash, SRP verifier). Measured users are UNCONFIRMED
  with a ``codes`` row whose hash is built as the server builds it (HMAC-SHA256 with the
  store's code key, sealed in ``meta`` with the master key of the server's key file, over ``code NUL pool NUL sub NUL purpose NUL code``); the template's
  own code must reproduce its stored hash first, or the load stops. The other users
  (fillers) are CONFIRMED, without codes. The pool uses no aliases, so no alias rows.
  ``rearm`` puts measured users back as they were loaded (UNCONFIRMED, the same code), in
  place, while the server runs: a pool of 1k users can then give its ~900 measured users
  to every round of the size experiment, not a third of them to each.
- cognito-local: its pool file (``.cognito/db/<pool>.json``) is written directly while it
  is stopped, from a template user it created itself; measured users carry its fixed code.
- moto keeps everything in memory, so it is filled through the API (SignUp with wrk).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import random
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from bench import cognito, peers


@dataclass
class Loaded:
    """A preloaded pool: how many users it holds and which ones are to be measured."""

    users: int
    measured: list[str]
    codes: dict[str, str]  # email -> code, the format of ``cognito.CodeSource``
    seconds: float
    fillers: list[str] = field(default_factory=list)  # a few CONFIRMED users (warm-up)
    # userpool: measured username -> (sub, attributes as loaded, its codes row), for rearm
    armed: dict[str, tuple[str, str, tuple[Any, ...]]] = field(default_factory=dict)
    pool_id: str = ""
    code_columns: list[str] = field(default_factory=list)


def spread(total: int, n: int) -> list[int]:
    """``n`` indices spread evenly over ``range(total)``."""
    n = min(n, total)
    return [k * total // n for k in range(n)]


def keyed_hash(key: bytes, *parts: str) -> str:
    return hmac.new(key, "\0".join(parts).encode(), hashlib.sha256).hexdigest()


class RowDb(Protocol):
    key_file: Path  # the server's master key file (it unseals the code key)

    def fetch(self, sql: str, params: tuple[Any, ...]) -> list[dict[str, Any]]: ...

    def insert(self, table: str, columns: list[str], rows: Iterable[tuple[Any, ...]]) -> int: ...

    def update(self, sql: str, rows: list[tuple[Any, ...]]) -> None: ...

    def close(self) -> None: ...


class SqliteRows:
    """userpool's SQLite file, opened while the server is stopped (bulk load) or idle
    between phases (``rearm``; SQLite's own locks keep the two writers apart)."""

    def __init__(self, path: Path) -> None:
        self.key_file = Path(f"{path}.key")
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA busy_timeout=10000")
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.execute("PRAGMA cache_size=-262144")

    def fetch(self, sql: str, params: tuple[Any, ...]) -> list[dict[str, Any]]:
        cursor = self.db.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def insert(self, table: str, columns: list[str], rows: Iterable[tuple[Any, ...]]) -> int:
        marks = ",".join("?" * len(columns))
        self.db.execute("BEGIN")
        before = self.db.total_changes
        self.db.executemany(f"INSERT INTO {table} ({','.join(columns)}) VALUES ({marks})", rows)
        self.db.execute("COMMIT")
        return self.db.total_changes - before

    def update(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        self.db.execute("BEGIN IMMEDIATE")
        self.db.executemany(sql, rows)
        self.db.execute("COMMIT")

    def close(self) -> None:
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        path = self.db.execute("PRAGMA database_list").fetchone()[2]
        self.db.close()
        # Written with synchronous=OFF: the rows may still be dirty in the OS's cache, and the
        # server's first checkpoint fsync would then write them back inside the measured phase.
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class PgRows:
    """userpool's PostgreSQL schema: COPY for the bulk rows, then ANALYZE (as autovacuum
    would do soon after such a load)."""

    def __init__(self, schema: str, key_file: Path, analyze: bool = True) -> None:
        self.key_file = key_file
        self.conn = peers.pg_connect()
        self.conn.execute(f'SET search_path TO "{schema}"')
        self.analyze = analyze

    def fetch(self, sql: str, params: tuple[Any, ...]) -> list[dict[str, Any]]:
        cursor = self.conn.execute(sql.replace("?", "%s"), params)
        names = [d.name for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def insert(self, table: str, columns: list[str], rows: Iterable[tuple[Any, ...]]) -> int:
        count = 0
        sql = f"COPY {table} ({','.join(columns)}) FROM STDIN"
        with self.conn.transaction(), self.conn.cursor() as cur, cur.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        return count

    def update(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        with self.conn.transaction(), self.conn.cursor() as cur:
            cur.executemany(sql.replace("?", "%s"), rows)

    def close(self) -> None:
        if self.analyze:
            self.conn.execute("ANALYZE users")
            self.conn.execute("ANALYZE codes")
        self.conn.close()


def _one(db: RowDb, sql: str, params: tuple[Any, ...], what: str) -> dict[str, Any]:
    rows = db.fetch(sql, params)
    if len(rows) != 1:
        raise RuntimeError(f"preload: expected one {what}, found {len(rows)}")
    return rows[0]


def code_key(db: RowDb) -> bytes:
    """The store's key of keyed hashes: sealed with the master key (in the server's key
    file) since the master key left the database; in the clear (``code_key``) before."""
    import base64

    clear = db.fetch("SELECT value FROM meta WHERE key='code_key'", ())
    if clear:
        return bytes(clear[0]["value"])
    from userpool.domain.crypto import SecretBox

    sealed = bytes(
        _one(db, "SELECT value FROM meta WHERE key='sealed_code_key'", (), "key")["value"]
    )
    master = base64.b64decode(db.key_file.read_text())
    return base64.b64decode(SecretBox(master).open(sealed.decode()))


def clone_userpool(db: RowDb, pool_id: str, template: str, template_code: str, size: int,
                   n: int, prefix: str) -> Loaded:  # fmt: skip
    """Fill the pool to ``size`` users (the template included) with clones of ``template``;
    ``n`` of them spread over the pool are UNCONFIRMED with codes, the rest CONFIRMED."""
    t0 = time.monotonic()
    key = code_key(db)
    user = _one(db, "SELECT * FROM users WHERE pool_id=? AND username=?", (pool_id, template),
                "template user")  # fmt: skip
    code = _one(db, "SELECT * FROM codes WHERE pool_id=? AND sub=?", (pool_id, user["sub"]),
                "template code")  # fmt: skip
    purpose = str(code["purpose"])
    if keyed_hash(key, "code", pool_id, user["sub"], purpose, template_code) != code["code_hash"]:
        raise RuntimeError("preload: the template's code does not reproduce its stored hash; "
                           "the server's code hash construction changed (see preload.py)")  # fmt: skip
    key_of: Callable[[str], str]
    if user["username_key"] == template:
        key_of = str
    elif user["username_key"] == template.lower():
        key_of = str.lower
    else:
        raise RuntimeError(f"preload: unknown username_key form {user['username_key']!r}")
    attributes = json.loads(user["attributes"])
    clones = size - 1
    names = [f"{prefix}{i:07d}" for i in range(clones)]
    subs = sorted(str(uuid.uuid4()) for _ in range(clones))  # both indexes fill in order
    measured_at = set(spread(clones, n))
    rng = random.Random(size)
    codes = {i: f"{rng.randrange(1_000_000):06d}" for i in sorted(measured_at)}
    now = time.time()
    columns = list(user)

    def attributes_of(name: str, sub: str, confirmed: bool) -> str:
        attrs = dict(attributes, sub=sub)
        if "email" in attrs:
            attrs["email"] = cognito.email_of(name)
        if confirmed:
            attrs["email_verified"] = "true"
        return json.dumps(attrs, separators=(",", ":"))

    def user_rows() -> Iterator[tuple[Any, ...]]:
        for i, (name, sub) in enumerate(zip(names, subs, strict=True)):
            row = dict(user, sub=sub, username=name, username_key=key_of(name),
                       status="UNCONFIRMED" if i in measured_at else "CONFIRMED",
                       attributes=attributes_of(name, sub, i not in measured_at),
                       created=now, modified=now)  # fmt: skip
            yield tuple(row[c] for c in columns)

    armed: dict[str, tuple[str, str, tuple[Any, ...]]] = {}

    def code_rows() -> Iterator[tuple[Any, ...]]:
        for i, value in codes.items():
            digest = keyed_hash(key, "code", pool_id, subs[i], purpose, value)
            row = tuple(dict(code, sub=subs[i], code_hash=digest)[c] for c in code)
            armed[names[i]] = (subs[i], attributes_of(names[i], subs[i], False), row)
            yield row

    inserted = db.insert("users", columns, user_rows())
    db.insert("codes", list(code), code_rows())
    db.close()
    measured = [names[i] for i in sorted(measured_at)]
    fillers = [names[i] for i in range(min(clones, 400)) if i not in measured_at][:200]
    return Loaded(
        users=inserted + 1, measured=measured, seconds=time.monotonic() - t0, fillers=fillers,
        codes={cognito.email_of(names[i]): c for i, c in codes.items()}, armed=armed,
        pool_id=pool_id, code_columns=list(code),
    )  # fmt: skip


def rearm(db: RowDb, loaded: Loaded, names: list[str]) -> None:
    """Put the measured users ``names`` back as they were loaded: UNCONFIRMED, email not
    verified, their code row again. The rows are updated in place (not deleted and signed up
    again), so each user stays where it was in the tables and indexes. Closes ``db``."""
    rows = [loaded.armed[name] for name in names]
    db.update("UPDATE users SET status='UNCONFIRMED', attributes=? WHERE pool_id=? AND sub=?",
              [(attrs, loaded.pool_id, sub) for sub, attrs, _ in rows])  # fmt: skip
    db.insert("codes", loaded.code_columns, (row for _, _, row in rows))
    db.close()


def cognito_local_bytes_per_user(pool_file: Path, template: str) -> int:
    data = json.loads(pool_file.read_text())
    return len(json.dumps({template: data["Users"][template]}, indent=2)) + 4


def write_cognito_local_pool(pool_file: Path, template: str, size: int, n: int,
                             prefix: str) -> Loaded | str:  # fmt: skip
    """Fill cognito-local's pool file (it must be stopped) to ``size`` users, or say why not:
    Node reads the whole file into one string, so it cannot exceed V8's string limit."""
    t0 = time.monotonic()
    data = json.loads(pool_file.read_text())
    users: dict[str, Any] = data["Users"]
    tpl = users[template]
    per_user = cognito_local_bytes_per_user(pool_file, template)
    if per_user * size > peers.V8_MAX_STRING:
        return (f"a pool file of {size:,} users would be about {per_user * size / 1e6:,.0f} MB; "
                f"cognito-local loads it with one readFile+JSON.parse, and Node cannot hold a "
                f"string over {peers.V8_MAX_STRING / 1e6:.0f} MB")  # fmt: skip
    clones = size - 1
    measured_at = set(spread(clones, n))
    names = [f"{prefix}{i:07d}" for i in range(clones)]
    for i, name in enumerate(names):
        user = dict(tpl, Username=name, RefreshTokens=[])
        user["Attributes"] = [
            {"Name": "sub", "Value": str(uuid.uuid4())} if a["Name"] == "sub"
            else {"Name": "email", "Value": cognito.email_of(name)} if a["Name"] == "email"
            else dict(a)
            for a in tpl["Attributes"]
        ]  # fmt: skip
        if i in measured_at:
            user.update(UserStatus="UNCONFIRMED", ConfirmationCode=peers.CL_CODE)
        else:
            user["UserStatus"] = "CONFIRMED"
            user.pop("ConfirmationCode", None)
        users[name] = user
    text = json.dumps(data, indent=2)
    pool_file.write_text(text)
    measured = [names[i] for i in sorted(measured_at)]
    fillers = [names[i] for i in range(min(clones, 400)) if i not in measured_at][:200]
    return Loaded(
        users=len(users), measured=measured, seconds=time.monotonic() - t0, fillers=fillers,
        codes={cognito.email_of(name): peers.CL_CODE for name in measured},
    )  # fmt: skip
