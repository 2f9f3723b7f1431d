"""The outbox relay stops before the store closes: ``stop()`` returns only once its task
has ended, even when the stop comes while the relay is waking up (a server that is
stopped as it starts, as a ``--workers`` server is when one worker fails)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from userpool.delivery.outbox import OutboxRelay
from userpool.storage.sqlite import SQLiteStore


@pytest.mark.parametrize("steps", [0, 1, 2, 3])
def test_stop_waits_for_the_relay_so_it_never_uses_a_closed_store(
    tmp_path: Path, steps: int, caplog: pytest.LogCaptureFixture
) -> None:
    store = SQLiteStore(str(tmp_path / "outbox.db"))

    async def scenario() -> asyncio.Task[None]:
        relay = OutboxRelay(store, None, False)
        relay.start()
        task = relay._task
        assert task is not None
        for _ in range(steps):  # the relay gets this far before the stop
            await asyncio.sleep(0)
        relay.notify()
        await relay.stop()
        assert task.done()
        store.close()
        await asyncio.sleep(0.05)  # anything still scheduled would run now
        return task

    with caplog.at_level(logging.ERROR, logger="userpool.outbox"):
        task = asyncio.run(scenario())
    assert task.done()
    assert [r.getMessage() for r in caplog.records] == []
