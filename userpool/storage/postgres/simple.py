"""Statements sent to PostgreSQL as one simple query on the connection's libpq handle.

Owns the cheap way to talk to PostgreSQL from the event loop: the statements of a batch
(held writes, then the one whose answer is wanted) are bound client-side into literals,
joined into one query string and sent with one ``PQexec``: one round trip and one call
into libpq, where psycopg's cursor and pipeline machinery cost about 50 µs of Python per
statement (``docs/performance.md``). libpq runs the statements in order and stops at the
first failure, whose error is raised as psycopg raises it (the same exception classes:
``DeadlockDetected``, ``UniqueViolation``, ``OperationalError`` for a lost connection).

Literals are made here, for the only types the store sends (None, bool, int, float, str,
bytes); anything else is refused. Strings are quoted by doubling ``'`` under
``standard_conforming_strings=on``, which the store sets on every connection, so no other
character has a meaning inside them; text holding U+0000 is refused with psycopg's
``DataError``, as psycopg refuses it. Results come back in text form and are converted by
psycopg's default loaders (its C ``Transformer``, one per connection), so values arrive as
psycopg would give them.
"""

from __future__ import annotations

import asyncio
import math
import weakref
from collections.abc import Sequence
from typing import Any

import psycopg
import psycopg.abc
from psycopg import errors as pg_errors
from psycopg import pq
from psycopg.adapt import Transformer

from userpool import bridge

Connection = psycopg.Connection[tuple[Any, ...]]
Statement = tuple[str | bytes, Sequence[Any] | None]

# Session settings the quoting below depends on.
SETTINGS = ("SET standard_conforming_strings = on", "SET client_encoding = 'UTF8'")


def _literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value) if value >= 0 else f"({value})"
    if isinstance(value, float):
        if math.isfinite(value):
            return f"'{value!r}'::float8"
        return (
            "'NaN'::float8"
            if math.isnan(value)
            else f"'{'-' if value < 0 else ''}Infinity'::float8"
        )
    if isinstance(value, str):
        if "\x00" in value:
            raise Unsendable("PostgreSQL text fields cannot contain NUL (0x00) bytes")
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "'\\x" + bytes(value).hex() + "'::bytea"
    raise TypeError(f"no literal for {type(value).__name__}")


def render(sql: str | bytes, args: Sequence[Any] | None) -> str:
    """``sql`` with each ``%s`` replaced by the literal of the next argument."""
    text = sql.decode() if isinstance(sql, bytes) else sql
    if args is None:
        return text
    parts = text.replace("%%", "\x00").split("%s")
    if len(parts) != len(args) + 1:
        raise TypeError(f"{len(parts) - 1} placeholders for {len(args)} arguments")
    out = [parts[0]]
    for value, part in zip(args, parts[1:], strict=True):
        out.append(_literal(value))
        out.append(part)
    return "".join(out).replace("\x00", "%")


class Rows:
    """The answer of the batch's last statement, as much of a cursor as the store uses."""

    __slots__ = ("rows", "rowcount")

    def __init__(self, result: pq.abc.PGresult, loader: psycopg.abc.Transformer) -> None:
        count = result.command_tuples
        self.rowcount = count if count is not None else -1
        self.rows: list[tuple[Any, ...]] = []
        if result.status == pq.ExecStatus.TUPLES_OK and result.ntuples:
            loader.set_pgresult(result)
            self.rows = loader.load_rows(0, result.ntuples, tuple)

    def fetchone(self) -> tuple[Any, ...] | None:
        return self.rows[0] if self.rows else None

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self.rows


class Prepared:
    """The statements prepared on one connection (``PREPARE``, then ``EXECUTE`` with
    literals): the server parses and plans a statement once, not on every request.

    A statement is prepared on its ``PREPARE_AFTER``-th use (one-off statements stay
    unprepared) and at most ``PREPARE_MAX`` are kept. A name is recorded only once its
    batch succeeded; a failed batch may or may not have run its ``PREPARE``, so the next
    attempt uses a new name (prepared statements outlive a rolled-back transaction).
    It also keeps the connection's loader of results."""

    __slots__ = ("names", "seen", "counter", "loader")

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.seen: dict[str, int] = {}
        self.counter = 0
        # psycopg's default loaders; not the connection's own Transformer, which would keep
        # the connection (the key of this weakly keyed entry) alive
        self.loader: psycopg.abc.Transformer = Transformer()

    def statement(self, sql: str | bytes, args: Sequence[Any] | None, new: dict[str, str]) -> str:
        """The statement's text in the batch: ``EXECUTE`` if prepared, else its literal
        form; a ``PREPARE`` goes before it on its ``PREPARE_AFTER``-th use."""
        if args is None or not args or isinstance(sql, bytes):
            return render(sql, args)
        name = self.names.get(sql) or new.get(sql)
        if name is not None:
            return f"EXECUTE {name}({', '.join(map(_literal, args))})"
        uses = self.seen.get(sql, 0) + 1
        if uses < PREPARE_AFTER or len(self.names) + len(new) >= PREPARE_MAX:
            if len(self.seen) < SEEN_MAX:
                self.seen[sql] = uses
            return render(sql, args)
        self.counter += 1
        name = f"userpool_{self.counter}"
        new[sql] = name
        numbered = _numbered(sql, len(args))
        return f"PREPARE {name} AS {numbered};\nEXECUTE {name}({', '.join(map(_literal, args))})"


PREPARE_AFTER = 3
PREPARE_MAX = 256
SEEN_MAX = 4096
_prepared: weakref.WeakKeyDictionary[Connection, Prepared] = weakref.WeakKeyDictionary()


def _numbered(sql: str, n: int) -> str:
    parts = sql.replace("%%", "\x00").split("%s")
    if len(parts) != n + 1:
        raise TypeError(f"{len(parts) - 1} placeholders for {n} arguments")
    out = [parts[0]]
    for i, part in enumerate(parts[1:], 1):
        out.append(f"${i}")
        out.append(part)
    return "".join(out).replace("\x00", "%")


class Unsendable(psycopg.DataError):
    """A value no literal can carry (text holding U+0000): refused before anything is sent."""


def compose(conn: Connection, batch: list[Statement]) -> tuple[bytes, dict[str, str]]:
    """The batch as one query, and the statements it prepares; raises before anything is
    sent (``Unsendable``, ``TypeError``), leaving the connection as it was."""
    prepared = _prepared.get(conn)
    if prepared is None:
        prepared = _prepared[conn] = Prepared()
    new: dict[str, str] = {}
    query = ";\n".join(prepared.statement(sql, args, new) for sql, args in batch)
    try:
        return query.encode(), new
    except UnicodeEncodeError as exc:  # a lone surrogate: no UTF-8 text can carry it
        raise Unsendable("a value is not valid Unicode text") from exc


def send(conn: Connection, query: bytes, new: dict[str, str]) -> Rows:
    """Run a composed query; the last statement's answer, or the first failure.

    Inside ``bridge.run`` the wait for the answer lets the event loop run other requests;
    elsewhere it blocks, as ``PQexec`` does."""
    pgconn = conn.pgconn
    result = _exec_waiting(conn, query) if bridge.active() else pgconn.exec_(query)
    if result.status in (pq.ExecStatus.COMMAND_OK, pq.ExecStatus.TUPLES_OK):
        prepared = _prepared[conn]
        prepared.names.update(new)
        return Rows(result, prepared.loader)
    if pgconn.status == pq.ConnStatus.BAD or result.status != pq.ExecStatus.FATAL_ERROR:
        raise psycopg.OperationalError(pgconn.get_error_message() or "connection lost")
    raise pg_errors.error_from_result(result, encoding="utf-8")


def _exec_waiting(conn: Connection, query: bytes) -> pq.abc.PGresult:
    """``PQexec`` without blocking the event loop: send, then read the answers whenever
    the socket has data. A cancellation meanwhile takes effect once the answers are read
    (the connection stays usable); any other exit with answers unread (the greenlet
    discarded) closes the connection, which is then not used again."""
    pgconn = conn.pgconn
    loop = asyncio.get_running_loop()
    last: pq.abc.PGresult | None = None
    cancelled: asyncio.CancelledError | None = None
    try:
        pgconn.send_query(query)
        while True:
            pgconn.consume_input()
            while not pgconn.is_busy():
                result = pgconn.get_result()
                if result is None:
                    if last is None:
                        raise psycopg.OperationalError("no answer to a query")
                    if cancelled is not None:
                        raise cancelled
                    return last
                last = result
            ready = loop.create_future()
            loop.add_reader(pgconn.socket, ready.set_result, None)
            try:
                bridge.wait(ready)
            except asyncio.CancelledError as exc:
                cancelled = exc
            finally:
                loop.remove_reader(pgconn.socket)
    except (psycopg.Error, asyncio.CancelledError):
        raise
    except BaseException:
        conn.close()
        raise


def run(conn: Connection, batch: list[Statement]) -> Rows:
    """Send the statements as one query; the last one's answer, or the first failure."""
    return send(conn, *compose(conn, batch))
