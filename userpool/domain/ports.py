"""The ports: the small interfaces through which the domain reaches the world.

``Store``/``Tx`` (storage; ``Tx`` and its per-area parts are in ``store_ports``),
``Sender`` (delivery), ``Clock``. Adapters in
``userpool.storage`` and ``userpool.delivery`` implement them; ``userpool.services``
wires them. Storage raises ``NotFound``/``AlreadyExists``; operations decide what
those mean on the wire.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Protocol, TypeVar

from userpool.domain.entities import Message
from userpool.domain.store_ports import (
    AccessKeyEntry,
    AuthEvent,
    CodesTx,
    CountersTx,
    Device,
    DevicesTx,
    EventsTx,
    GroupsTx,
    ImportJob,
    ImportLogLine,
    ImportsTx,
    KeysTx,
    MfaTx,
    OAuthTx,
    PoolDomain,
    PoolsTx,
    ResourceServer,
    SealedValue,
    SoftwareToken,
    StoredKey,
    TokensTx,
    TriggerInvocation,
    Tx,
    UsersTx,
)

__all__ = [
    "AccessKeyEntry",
    "AlreadyExists",
    "AuthEvent",
    "Clock",
    "CodesTx",
    "CountersTx",
    "Device",
    "DevicesTx",
    "EventsTx",
    "GroupsTx",
    "ImportJob",
    "ImportLogLine",
    "ImportsTx",
    "KeysTx",
    "MfaTx",
    "NotFound",
    "OAuthTx",
    "PoolDomain",
    "PoolsTx",
    "ResourceServer",
    "SealedValue",
    "Sender",
    "SoftwareToken",
    "Store",
    "StoredKey",
    "SystemClock",
    "TokensTx",
    "TriggerInvocation",
    "Tx",
    "UsersTx",
]

T = TypeVar("T")


class NotFound(Exception):
    """The thing asked for does not exist."""


class AlreadyExists(Exception):
    """A uniqueness constraint refused the write; ``what`` names the constraint."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


class Clock(Protocol):
    def now(self) -> float: ...


class SystemClock:
    def now(self) -> float:
        return time.time()


class Store(Protocol):
    """Opens transactions; one per request."""

    # Whether a transaction waits for a server across the network: requests then run
    # inside ``bridge.run``, so their waits let the event loop serve other requests.
    remote: bool

    def transaction(self) -> AbstractContextManager[Tx]: ...
    # ``work`` in a write transaction whose COMMIT may be shared; its result once committed.
    # Work may be run more than once (only the last run counts), so it acts through its
    # ``Tx`` only; work that raises leaves nothing of its writes behind.
    async def batched(self, work: Callable[[Tx], T]) -> T: ...
    def read(self) -> AbstractContextManager[Tx]: ...
    # Leave no old copy of deleted rows in the database's files (SQLite: VACUUM).
    def scrub(self) -> None: ...
    def claim_messages(self, limit: int, now: float) -> list[Message]: ...
    def finish_message(
        self, message_id: int, ok: bool, error: str | None, keep_text: bool
    ) -> None: ...
    # Newest first; each filter given must equal the message's (destination, pool, user).
    def recent_messages(
        self,
        limit: int,
        destination: str | None = None,
        pool_id: str | None = None,
        username: str | None = None,
    ) -> list[Message]: ...
    def events_after(self, after_id: int, limit: int) -> list[AuthEvent]: ...  # oldest first
    def record_invocation(self, call: TriggerInvocation) -> None: ...
    def recent_invocations(self, limit: int) -> list[TriggerInvocation]: ...  # newest first
    def purge(self, now: float, limit: int = 1000) -> bool: ...  # True: more to purge
    def close(self) -> None: ...


class Sender(Protocol):
    """Delivers one message; raises on failure."""

    name: str

    def send(self, message: Message) -> None: ...
