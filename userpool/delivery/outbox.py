"""The outbox relay: messages are written in the request's transaction, sent after commit.

A request enqueues its message with the rest of its writes, so a code is never sent for
a sign-up that rolled back and never lost for one that committed. After commit the
operation calls ``notify()``; the relay claims due rows under a lease (safe across
processes; a dead process's claims are retried), hands them to the sender in a thread,
off the event loop, and retries failures with backoff. Once a minute it also purges
expired sessions, attempts and tokens.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from userpool import bridge
from userpool.delivery.log_files import LogFiles
from userpool.domain.entities import Message
from userpool.domain.ports import Sender, Store

log = logging.getLogger("userpool.outbox")
PURGE_EVERY = 60.0  # seconds between purges of expired sessions, attempts and tokens


class OutboxRelay:
    def __init__(
        self,
        store: Store,
        sender: Sender | None,
        keep_text: bool,
        logs: LogFiles | None = None,
    ) -> None:
        self.store = store
        self.logs = logs or LogFiles(None, store)
        self.sender = sender
        self.keep_text = keep_text
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._purged = 0.0

    def notify(self) -> None:
        if self.sender is not None:
            self._wake.set()

    def start(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        if self._task is None:
            self._stopping = False
            self._task = (loop or asyncio.get_running_loop()).create_task(self._relay())
            self._wake.set()

    async def _relay(self) -> None:
        # The loop's coroutine is made here: a relay stopped before its first step leaves
        # none behind unawaited.
        await bridge.run(self._run())

    async def stop(self) -> None:
        """Stop the relay and wait for it: once this returns it touches the store no more
        (the caller closes the store next)."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping = True  # Python 3.11's wait_for may swallow the cancellation
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=5.0)
            if self._stopping:
                return
            self._wake.clear()
            try:
                if time.time() - self._purged > PURGE_EVERY:
                    while self.store.purge(time.time()):
                        await asyncio.sleep(0)  # requests run between the batches
                    self._purged = time.time()
                if self.sender is not None:
                    await self.drain()
            except Exception:  # the relay must outlive a bad message or a flaky server
                log.exception("outbox relay failed; will retry")

    async def drain(self) -> None:
        assert self.sender is not None
        while batch := self.store.claim_messages(32, time.time()):
            for message in batch:
                try:
                    await asyncio.to_thread(self.sender.send, message)
                    self.store.finish_message(message.id, True, None, self.keep_text)
                    self._log(message, None)
                except Exception as exc:
                    log.warning("delivery of message %s failed: %s", message.id, exc)
                    self.store.finish_message(message.id, False, str(exc)[:500], True)
                    self._log(message, str(exc)[:500])

    def _log(self, message: Message, error: str | None) -> None:
        """The pool's userNotification record of a delivery.

        DEVIATION: Cognito exports only failed deliveries (ERROR); we also write one INFO
        line per delivered message, so a local test can see what was sent."""
        medium = message.medium.lower()
        if error is None:
            details = f"Delivered the {medium} message {message.id} to {message.destination}."
        else:
            details = f"Failed to deliver the {medium} message {message.id}: {error}"
        level = "INFO" if error is None else "ERROR"
        self.logs.write(
            message.pool_id, "userNotification", level, {"details": details}, time.time()
        )
