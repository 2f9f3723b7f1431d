"""Request-rate limits per source address and per app client, held across processes.

Every request counts against ``ip:<address>`` and, once it has passed validation and
names a ``ClientId``, against ``client:<id>@<address>``: one address's junk cannot use up
an app's budget for everybody else (names are bounded: a ``ClientId`` is at most 128
word characters by then). Failed guesses (wrong codes, wrong passwords) count
against ``fail:<address>``, and past their own limit an address's guesses are refused
before they are tried. Counts live in one-minute slots. The estimate for a name is the current
slot's count plus the previous slot's weighted by how much of it the sliding minute still
covers; a request that would take the estimate over the limit is refused with
``TooManyRequestsException`` and is not counted (so a client sending too fast is served
at the limit's rate, not shut out).

So that the limits hold for several ``userpool serve`` processes on one database, the
counts are shared: each process adds its own counts in memory, and a background task
(every ``SYNC_EVERY`` seconds, when it has something to add) adds them to shared counters
— the store's ``rate_counters`` table, or Redis when ``USERPOOL_REDIS_URL`` is set — and
reads back the totals, which include every other process's counts. A request is judged
on the shared totals of the last sync plus this process's counts since. Between syncs,
each other process may admit up to what it saw in that interval: the overshoot is bounded
by the number of processes times the rate times ``SYNC_EVERY``.

Memory is bounded: at most ``MAX_NAMES`` names are held per process (past it, the names
with the smallest counts are dropped: they are the furthest from any limit, and a name
that counts again fetches its total at the next sync). Old slots are purged from the
shared counters in batches of ``PURGE_BATCH`` rows, one short transaction each.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

from userpool import bridge
from userpool.domain.ports import Store
from userpool.errors import TooManyRequestsException

log = logging.getLogger("userpool.ratelimit")

SLOT = 60.0  # seconds per counting slot (the sliding window is one slot long)
SYNC_EVERY = 0.25  # seconds between syncs of this process's counts to the shared counters
# DEVIATION: Cognito's quotas are per account and category; these are per source address
# and per app client. Its throttling texts observed are "Too many requests" and "Rate
# exceeded" (both quoted in AWS SDK issue reports); the first is used.
TOO_MANY = "Too many requests"
MAX_NAMES = 100_000  # names held in memory per process (each at most ~200 bytes)
PURGE_BATCH = 1000  # rows deleted per transaction when old slots are purged

Counts = dict[tuple[str, int], int]


class Counters(Protocol):
    """Shared counters: add deltas per (name, slot), return the totals after adding."""

    async def add(self, counts: Counts) -> Counts: ...
    async def purge(self, before_slot: int) -> bool: ...  # True: more rows are left
    async def close(self) -> None: ...


class StoreCounters:
    """Counters in the store's ``rate_counters`` table (SQLite or PostgreSQL)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def add(self, counts: Counts) -> Counts:
        with self.store.transaction() as tx:
            return tx.add_counts(counts)

    async def purge(self, before_slot: int) -> bool:
        with self.store.transaction() as tx:
            return tx.purge_counts(before_slot, PURGE_BATCH) >= PURGE_BATCH

    async def close(self) -> None:
        return None


class RedisCounters:
    """Counters in Redis: ``INCRBY`` per (name, slot) in one pipeline, keys expire by themselves."""

    def __init__(self, url: str, prefix: str) -> None:
        import redis.asyncio as redis

        self.redis: Any = redis.Redis.from_url(url)
        self.prefix = prefix

    async def add(self, counts: Counts) -> Counts:
        keys = sorted(counts)
        async with self.redis.pipeline(transaction=False) as pipe:
            for name, slot in keys:
                key = f"{self.prefix}{slot}:{name}"
                pipe.incrby(key, counts[(name, slot)])
                pipe.expire(key, int(3 * SLOT))
            results = await pipe.execute()
        return {key: int(results[2 * i]) for i, key in enumerate(keys)}

    async def purge(self, before_slot: int) -> bool:
        return False  # keys expire on their own

    async def close(self) -> None:
        await self.redis.aclose()


class RateLimiter:
    """Admits or refuses requests against per-name limits per minute (0 = no limit)."""

    def __init__(
        self,
        counters: Counters,
        per_ip: int,
        per_client: int,
        clock: Callable[[], float] = time.time,
        fail_per_ip: int = 0,
    ) -> None:
        self.counters = counters
        self.limits = {"ip": per_ip, "client": per_client, "fail": fail_per_ip}
        self.clock = clock
        self.pending: Counts = {}  # this process's counts not yet added to the shared ones
        self.shared: Counts = {}  # totals as of the last sync (every process's counts)
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._purged_slot = 0

    @property
    def enabled(self) -> bool:
        return any(self.limits.values())

    def estimate(self, name: str, now: float) -> float:
        slot = int(now // SLOT)
        current = self.shared.get((name, slot), 0) + self.pending.get((name, slot), 0)
        previous = self.shared.get((name, slot - 1), 0) + self.pending.get((name, slot - 1), 0)
        return current + previous * (1.0 - (now % SLOT) / SLOT)

    def admit(self, kind: str, value: str | None) -> None:
        """Count one request against ``kind:value``, or refuse it if over the limit."""
        limit = self.limits[kind]
        if not limit or not value:
            return
        name = f"{kind}:{value}"
        now = self.clock()
        if self.estimate(name, now) + 1 > limit:
            raise TooManyRequestsException(TOO_MANY)
        key = (name, int(now // SLOT))
        self.pending[key] = self.pending.get(key, 0) + 1
        self._wake.set()

    def check(self, kind: str, value: str | None) -> None:
        """Refuse if ``kind:value`` is at its limit already, without counting (the failed
        guesses of an address are counted only once they have failed)."""
        limit = self.limits[kind]
        if limit and value and self.estimate(f"{kind}:{value}", self.clock()) >= limit:
            raise TooManyRequestsException(TOO_MANY)

    def count(self, kind: str, value: str | None) -> None:
        """Count one event against ``kind:value`` with no limit (e.g. failed attempts, which
        threat protection reads back with ``recent``)."""
        if value:
            key = (f"{kind}:{value}", int(self.clock() // SLOT))
            self.pending[key] = self.pending.get(key, 0) + 1
            self._wake.set()

    def recent(self, kind: str, value: str) -> float:
        """The sliding-minute estimate of ``kind:value``, every process's counts included.

        Reading asks the next sync to fetch the name's total (as a zero delta), so other
        processes' counts show within one sync of the first read.
        """
        now = self.clock()
        key = (f"{kind}:{value}", int(now // SLOT))
        if key not in self.pending:
            self.pending[key] = 0
            self._wake.set()
        return self.estimate(key[0], now)

    async def sync(self) -> None:
        """Add this process's pending counts to the shared counters and take the totals."""
        pending, self.pending = self.pending, {}
        if pending:
            # The counts on their way stay counted while the store answers (PostgreSQL
            # lets other requests run meanwhile): the totals it returns replace them.
            _add(self.shared, pending, 1)
            try:
                self.shared.update(await self.counters.add(pending))
            except Exception:
                log.exception("rate counters unavailable; counting locally")
                _add(self.shared, pending, -1)
                _add(self.pending, pending, 1)
                self.pending = _bounded(self.pending)
                return
        slot = int(self.clock() // SLOT)
        self.shared = _bounded({k: v for k, v in self.shared.items() if k[1] >= slot - 1})
        self.pending = _bounded({k: v for k, v in self.pending.items() if k[1] >= slot - 1})
        if slot - 2 > self._purged_slot:
            self._purged_slot = slot - 2
            with contextlib.suppress(Exception):
                while await self.counters.purge(slot - 2):
                    await asyncio.sleep(0)  # other requests run between batches

    def start(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        if self._task is None:
            self._task = (loop or asyncio.get_running_loop()).create_task(bridge.run(self._run()))

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            await self.sync()
            await asyncio.sleep(SYNC_EVERY)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
        await self.sync()
        await self.counters.close()


def _add(counts: Counts, deltas: Counts, sign: int) -> None:
    for key, n in deltas.items():
        counts[key] = counts.get(key, 0) + sign * n


def _bounded(counts: Counts) -> Counts:
    """``counts``, or, past ``MAX_NAMES`` entries, its largest three quarters of them."""
    if len(counts) <= MAX_NAMES:
        return counts
    kept = sorted(counts.items(), key=lambda item: item[1], reverse=True)[: MAX_NAMES * 3 // 4]
    return dict(kept)


def make_limiter(
    store: Store,
    key: bytes,
    redis_url: str | None,
    per_ip: int,
    per_client: int,
    fail_per_ip: int = 0,
) -> RateLimiter:
    """The limiter; in Redis, counters are namespaced by the database (its secret key's
    digest), so deployments sharing a Redis never count each other's requests."""
    counters: Counters
    if redis_url:
        namespace = hashlib.sha256(b"rate counters" + key).hexdigest()[:16]
        counters = RedisCounters(redis_url, f"userpool:{namespace}:rate:")
    else:
        counters = StoreCounters(store)
    return RateLimiter(counters, per_ip, per_client, fail_per_ip=fail_per_ip)
