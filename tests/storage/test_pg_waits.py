"""PostgreSQL: a request waiting for the database lets the event loop run the others.

Inside ``bridge.run`` (where the server runs every request on PostgreSQL) a wait for a
row lock, a connection, a new connection's handshake or an answer suspends only its own
request. Connections are bounded per process and come back to the pool, also from
requests cancelled while they waited; and grouped transactions still share their COMMIT
while several are in flight.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from tests.helpers import pg_schema
from userpool import bridge
from userpool.domain.entities import Pool, User
from userpool.storage.postgres import PostgresStore

POOL = "us-east-1_pool"


def _user(name: str) -> User:
    return User(POOL, name, f"sub-{name}", "UNCONFIRMED", True, "hash", {}, 2.0, 2.0)


@pytest.fixture
def open_pg() -> Iterator[Any]:
    opened: list[PostgresStore] = []

    def open_one(name: str, connections: int = 4, users: int = 0) -> PostgresStore:
        store = PostgresStore(pg_schema(name), connections)
        opened.append(store)
        with store.transaction() as tx:
            tx.insert_pool(Pool(POOL, "pool", {}, 1.0, 1.0))
            for i in range(users):
                tx.insert_user(_user(f"u{i}"), f"u{i}")
        return store

    yield open_one
    for store in opened:
        store.close()


async def _confirm(store: PostgresStore, name: str) -> int:
    """A grouped ConfirmSignUp-like write; the id of the transaction it ran in."""
    with store.grouped() as tx:
        found = tx.user_by_key(POOL, name)
        found.status = "CONFIRMED"
        tx.update_user(found)
        row = tx.db.execute("SELECT txid_current()").fetchone()  # type: ignore[attr-defined]
    await store.flush()
    assert row is not None
    return int(row[0])


def test_a_request_waiting_for_a_row_lock_lets_the_others_finish(open_pg: Any) -> None:
    store = open_pg("pg_waits_lock", users=2)
    holder = psycopg.connect(store.url)  # another server, holding u0's row in a transaction
    holder.execute("SELECT 1 FROM users WHERE pool_id=%s AND username_key='u0' FOR UPDATE", (POOL,))
    done: list[str] = []

    async def confirm(name: str) -> None:
        await _confirm(store, name)
        done.append(name)

    async def scenario() -> None:
        first = asyncio.ensure_future(bridge.run(confirm("u0")))
        await asyncio.sleep(0.2)  # u0's request now waits for the lock
        await asyncio.wait_for(bridge.run(confirm("u1")), 5)
        assert done == ["u1"]  # finished while u0 still waited
        holder.commit()
        await asyncio.wait_for(first, 5)

    try:
        asyncio.run(scenario())
    finally:
        holder.close()
    assert done == ["u1", "u0"]
    with store.read() as tx:
        assert [u.status for u in tx.list_users(POOL, None, 10)] == ["CONFIRMED"] * 2


def test_concurrent_grouped_writes_share_commits_on_a_bounded_set_of_connections(
    open_pg: Any,
) -> None:
    store = open_pg("pg_waits_groups", connections=2, users=40)

    async def everyone() -> list[int]:
        return await asyncio.gather(*(bridge.run(_confirm(store, f"u{i}")) for i in range(40)))

    txids = asyncio.run(everyone())
    groups = {txid: txids.count(txid) for txid in txids}
    assert 2 <= len(groups) <= 4  # both connections worked; members joined groups
    assert max(groups.values()) > 1
    with store.read() as tx:
        assert {u.status for u in tx.list_users(POOL, None, 60)} == {"CONFIRMED"}


def test_requests_wait_for_a_connection_and_a_cancelled_wait_gives_its_turn_back(
    open_pg: Any,
) -> None:
    store = open_pg("pg_waits_pool", connections=1)

    async def backend(pause: float) -> int:
        with store.read() as tx:
            row = tx.db.execute("SELECT pg_backend_pid(), pg_sleep(%s)", (pause,)).fetchone()
        assert row is not None
        return int(row[0])

    async def scenario() -> set[int]:
        holding = asyncio.ensure_future(bridge.run(backend(0.3)))
        await asyncio.sleep(0.05)
        waiting = asyncio.ensure_future(bridge.run(backend(0)))
        await asyncio.sleep(0.05)
        waiting.cancel()  # cancelled while waiting for the one connection
        pids = set(await asyncio.gather(holding, *(bridge.run(backend(0.01)) for _ in range(5))))
        with pytest.raises(asyncio.CancelledError):
            await waiting
        pids.add(await asyncio.wait_for(bridge.run(backend(0)), 5))  # the turn came back
        return pids

    assert len(asyncio.run(scenario())) == 1  # one connection, shared in turn


def test_outside_bridge_run_a_store_call_blocks_and_never_waits_for_a_connection(
    open_pg: Any,
) -> None:
    """Code that cannot wait (a startup task, a test) gets a connection of its own."""
    store = open_pg("pg_waits_outside", connections=1)

    async def scenario() -> None:
        holding = asyncio.ensure_future(bridge.run(_pause(store, 0.3)))
        await asyncio.sleep(0.05)
        with store.read() as tx:  # not inside bridge.run: a second connection
            assert tx.get_pool(POOL).id == POOL
        await holding

    asyncio.run(scenario())


async def _pause(store: PostgresStore, seconds: float) -> None:
    with store.read() as tx:
        tx.db.execute("SELECT pg_sleep(%s)", (seconds,))  # type: ignore[attr-defined]


def test_a_request_cancelled_while_it_waits_ends_once_its_answer_is_read(open_pg: Any) -> None:
    """Its connection stays usable: the request's group commits the others' writes."""
    store = open_pg("pg_waits_cancel", connections=1, users=2)
    holder = psycopg.connect(store.url)
    holder.execute("SELECT 1 FROM users WHERE pool_id=%s AND username_key='u0' FOR UPDATE", (POOL,))

    async def scenario() -> None:
        waiting = asyncio.ensure_future(bridge.run(_confirm(store, "u0")))
        await asyncio.sleep(0.2)  # u0's request waits for the lock
        waiting.cancel()
        await asyncio.sleep(0.1)
        assert not waiting.done()  # it still waits for its answer
        holder.rollback()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        await asyncio.wait_for(bridge.run(_confirm(store, "u1")), 5)

    try:
        asyncio.run(scenario())
    finally:
        holder.close()
    with store.read() as tx:
        statuses = {u.username: u.status for u in tx.list_users(POOL, None, 10)}
    assert statuses == {"u0": "UNCONFIRMED", "u1": "CONFIRMED"}


class _SlowProxy:
    """A loopback TCP relay to PostgreSQL that waits ``delay`` seconds before it connects
    each client through: a database whose handshake is slow (far away, failing over)."""

    def __init__(self, url: str, delay: float) -> None:
        target = conninfo_to_dict(url)
        self.target = (str(target.get("host", "127.0.0.1")), int(str(target.get("port", 5432))))
        self.delay = delay
        self.live = 0  # client connections open now
        self._lock = threading.Lock()
        self._server = socket.create_server(("127.0.0.1", 0))
        self.url = make_conninfo(url, host="127.0.0.1", port=self._server.getsockname()[1])
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            threading.Thread(target=self._relay, args=(client,), daemon=True).start()

    def _relay(self, client: socket.socket) -> None:
        with self._lock:
            self.live += 1
        try:
            time.sleep(self.delay)
            with socket.create_connection(self.target) as server:
                done = threading.Event()
                for src, dst in ((client, server), (server, client)):
                    threading.Thread(target=_pipe, args=(src, dst, done), daemon=True).start()
                done.wait()
        finally:
            client.close()
            with self._lock:
                self.live -= 1

    def close(self) -> None:
        self._server.close()


def _pipe(src: socket.socket, dst: socket.socket, done: threading.Event) -> None:
    try:
        while chunk := src.recv(65536):
            dst.sendall(chunk)
    except OSError:
        pass
    done.set()


def test_a_new_connection_is_opened_while_the_event_loop_runs(open_pg: Any) -> None:
    proxy = _SlowProxy(open_pg("pg_waits_connect").url, delay=0.4)
    store = PostgresStore(proxy.url, 2)  # opens its first connection (slowly) at once
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    async def read_pool() -> str:
        with store.read() as tx:
            return tx.get_pool(POOL).id

    async def scenario() -> None:
        beat = asyncio.ensure_future(ticker())
        holding = asyncio.ensure_future(bridge.run(_pause(store, 1.0)))  # the idle one
        await asyncio.sleep(0.05)
        before = ticks
        assert await asyncio.wait_for(bridge.run(read_pool()), 5) == POOL  # on a new one
        assert ticks - before >= 10  # the loop ran during the 0.4 s handshake
        await holding
        beat.cancel()

    try:
        asyncio.run(scenario())
        assert proxy.live == 2  # both idle in the pool now
    finally:
        store.close()
        proxy.close()


def test_a_connection_opened_for_a_cancelled_request_is_closed(open_pg: Any) -> None:
    """Its place in the pool went back when the request gave up: the late connection is
    one too many, closed once it is ready (not left open, nor counted twice)."""
    proxy = _SlowProxy(open_pg("pg_waits_connect_cancel").url, delay=0.3)
    store = PostgresStore(proxy.url, 2)

    async def scenario() -> None:
        holding = asyncio.ensure_future(bridge.run(_pause(store, 0.8)))
        await asyncio.sleep(0.05)
        opening = asyncio.ensure_future(bridge.run(_pause(store, 0)))  # opens a second
        await asyncio.sleep(0.1)
        opening.cancel()  # during its handshake
        with pytest.raises(asyncio.CancelledError):
            await opening
        await holding

    try:
        asyncio.run(scenario())
        deadline = time.monotonic() + 5
        while proxy.live > 1 and time.monotonic() < deadline:
            time.sleep(0.02)  # the late connection is closed once it is ready
        assert proxy.live == 1
    finally:
        store.close()
        proxy.close()
