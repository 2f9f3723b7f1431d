"""The one place adapters are wired: store, sender, outbox relay, hasher, clock, keys,
rate limiter, into the ``Services`` operations are given (``userpool.domain.services``)."""

from __future__ import annotations

import asyncio

from userpool import at_rest
from userpool.config import Settings
from userpool.delivery import make_sender
from userpool.delivery.background import Tasks
from userpool.delivery.log_files import LogFiles
from userpool.delivery.outbox import OutboxRelay
from userpool.domain.crypto import SecretBox
from userpool.domain.passwords import Hasher
from userpool.domain.ports import Clock, SystemClock
from userpool.domain.services import Services
from userpool.keys import KeyRing
from userpool.ratelimit import RateLimiter, make_limiter
from userpool.storage import open_store
from userpool.triggers import Triggers


class Runtime(Services):
    """The services as a server runs them: the concrete adapters, with their background
    tasks (the outbox relay, the rate counters' sync, work such as import jobs that requests
    leave running) and their shutdown."""

    outbox: OutboxRelay
    triggers: Triggers
    keys: KeyRing
    limiter: RateLimiter
    background: Tasks

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self.outbox.start(loop)
        self.limiter.start(loop)
        self.background.start(loop)

    async def stop(self) -> None:
        await self.background.stop()
        await self.outbox.stop()
        await self.limiter.stop()

    def close(self) -> None:
        self.hasher.close()
        self.store.close()


def build_services(settings: Settings, clock: Clock | None = None) -> Runtime:
    """The services ``settings`` describe; ``clock`` (default: the system's) is the time
    every operation and the key ring read (tests pass a fake one to move time)."""
    clock = clock or SystemClock()
    at_rest.check_store_files(settings)
    store = open_store(
        settings.db, synchronous=settings.synchronous, connections=settings.db_connections
    )
    try:
        keys = at_rest.load(settings, store)
    except BaseException:
        store.close()
        raise
    key = keys.hashing
    limiter = make_limiter(
        store,
        key,
        settings.redis_url,
        settings.rate_per_ip,
        settings.rate_per_client,
        settings.fail_per_ip,
    )
    box = SecretBox(keys.master)
    return Runtime(
        settings=settings,
        store=store,
        clock=clock,
        hasher=Hasher(settings.hasher_threads, settings.password_hashing),
        box=box,
        outbox=OutboxRelay(
            store,
            make_sender(settings),
            settings.keeps_message_text,
            LogFiles(settings.log_delivery_dir, store),
        ),
        keys=KeyRing(store, box, clock),
        triggers=Triggers(
            store,
            settings.triggers,
            settings.lambda_endpoint,
            settings.region,
            settings.trigger_timeout,
        ),
        limiter=limiter,
        key=key,
        background=Tasks(store.remote),
    )
