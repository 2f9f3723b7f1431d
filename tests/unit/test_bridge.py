"""``bridge``: synchronous code inside ``bridge.run`` waits without blocking the loop."""

from __future__ import annotations

import asyncio
import contextvars

import pytest

from userpool import bridge

VAR: contextvars.ContextVar[str] = contextvars.ContextVar("var", default="unset")


def _sync_wait(seconds: float, value: str) -> str:
    """Synchronous code, deep in a call stack, waiting for a timer."""
    loop = asyncio.get_running_loop()
    future = loop.create_future()
    loop.call_later(seconds, future.set_result, value)
    return str(bridge.wait(future))


def test_synchronous_waits_of_several_runs_overlap_and_keep_their_context() -> None:
    events: list[str] = []

    async def op(name: str, seconds: float) -> str:
        assert bridge.active()
        VAR.set(name)
        got = _sync_wait(seconds, name)
        events.append(got)
        await asyncio.sleep(0)  # the coroutine's own awaits pass through
        return f"{VAR.get()}:{got}"

    async def scenario() -> list[str]:
        VAR.set("caller")
        results = await asyncio.gather(bridge.run(op("slow", 0.2)), bridge.run(op("fast", 0.01)))
        assert VAR.get() == "caller"  # a run's changes stay in the run
        return list(results)

    assert asyncio.run(scenario()) == ["slow:slow", "fast:fast"]
    assert events == ["fast", "slow"]  # the fast one did not wait for the slow one


def test_a_failed_wait_raises_where_it_waited_and_the_run_raises_what_escapes() -> None:
    async def op() -> str:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        loop.call_soon(future.set_exception, KeyError("lost"))
        with pytest.raises(KeyError, match="lost"):
            bridge.wait(future)
        raise ValueError("escaped")

    with pytest.raises(ValueError, match="escaped"):
        asyncio.run(bridge.run(op()))


def test_cancelling_the_task_reaches_the_waiting_code() -> None:
    cleaned: list[str] = []

    async def op() -> None:
        try:
            _sync_wait(10, "never")
        finally:
            cleaned.append("cleaned up")

    async def scenario() -> None:
        task = asyncio.ensure_future(bridge.run(op()))
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(scenario())
    assert cleaned == ["cleaned up"]


def test_outside_a_run_wait_is_not_available() -> None:
    async def op() -> bool:
        return bridge.active()

    assert asyncio.run(op()) is False
    assert asyncio.run(bridge.run(op())) is True
