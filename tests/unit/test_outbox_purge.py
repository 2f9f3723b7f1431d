"""The relay purges old attempts a small batch at a time and lets other work run between
batches: a backlog left by a flood must not hold the event loop (or SQLite's write lock)
for the whole purge."""

from __future__ import annotations

import asyncio
from pathlib import Path

from userpool.delivery.outbox import PURGE_BATCH, OutboxRelay
from userpool.storage.sqlite import SQLiteStore

NOW = 1_000_000.0


def test_old_attempts_go_in_batches_with_other_work_between(tmp_path: Path) -> None:
    store = SQLiteStore(str(tmp_path / "purge.db"))
    with store.transaction() as tx:
        for i in range(PURGE_BATCH * 5):
            tx.add_attempt("p", f"@d{i % 7}", "message", NOW - 90_000 - i)
        tx.add_attempt("p", "@d0", "message", NOW - 60)  # within the day: kept
    ticks: list[int] = []

    async def other_work() -> None:
        while True:
            ticks.append(len(ticks))
            await asyncio.sleep(0)

    async def scenario() -> None:
        other = asyncio.create_task(other_work())
        await asyncio.sleep(0)
        await OutboxRelay(store, None, False)._purge(NOW)
        other.cancel()

    asyncio.run(scenario())
    with store.read() as tx:
        assert tx.count_attempts("p", "@d0", "message", 0.0) == 1
        (left,) = tx.db.execute("SELECT count(*) FROM attempts").fetchone()
    store.close()
    assert left == 1
    assert len(ticks) >= 5  # the other task ran between the batches
