"""What an operation is given: ``Services`` (the side effects, each behind a small port)
and ``Call`` (who is calling, as the transport saw it, and the request being served).

Operations depend on these types only; ``userpool.services.build_services`` wires the real
adapters (store, outbox relay, triggers, key ring, rate limiter) into a ``Services``.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Protocol

from cryptography.hazmat.primitives.asymmetric import rsa

from userpool.config import Settings
from userpool.domain.crypto import SecretBox
from userpool.domain.entities import Pool
from userpool.domain.passwords import Hasher
from userpool.domain.ports import Clock, Store
from userpool.domain.tokens import PoolKeys


class Outbox(Protocol):
    """The delivery relay: told when a transaction has queued messages."""

    def notify(self) -> None: ...


class TriggerRunner(Protocol):
    """Runs the function a pool configured for a trigger (PreSignUp, CustomMessage...)."""

    def arn(self, pool: Pool, trigger: str) -> str | None: ...

    async def run(
        self, pool: Pool, trigger: str, event: dict[str, Any]
    ) -> dict[str, Any] | None: ...


class Keys(Protocol):
    """A pool's signing keys (created on first use) and their public halves."""

    async def keys(self, pool_id: str) -> PoolKeys: ...

    def public_key(self, pool_id: str, kid: str) -> rsa.RSAPublicKey | None: ...

    async def rotate(self, pool_id: str) -> None: ...


class Limiter(Protocol):
    """Request and failure counts per name (an address, a client), across processes."""

    def admit(self, kind: str, value: str | None) -> None: ...

    def check(self, kind: str, value: str | None) -> None: ...

    def count(self, kind: str, value: str | None) -> None: ...

    def recent(self, kind: str, value: str) -> float: ...


class Background(Protocol):
    """Work that outlives the request that began it (an import job)."""

    # A server runs ``work()`` in a task it owns (cancelled when it stops) and returns at
    # once; without a running server (the CLI on local data) it is awaited here.
    async def run(self, work: Callable[[], Coroutine[Any, Any, None]]) -> None: ...


class Inline:
    """``Background`` where nothing runs in the background: the work is done at once."""

    async def run(self, work: Callable[[], Coroutine[Any, Any, None]]) -> None:
        await work()


@dataclass
class Services:
    settings: Settings
    store: Store
    clock: Clock
    hasher: Hasher
    box: SecretBox
    outbox: Outbox
    triggers: TriggerRunner
    keys: Keys
    limiter: Limiter
    key: bytes = field(repr=False, default=b"")  # the keyed-hash key of codes and sessions
    background: Background = field(default_factory=Inline)


@dataclass(slots=True)
class Call:
    """One request as its transport (HTTP, the embedded CLI, a GET page) hands it over.

    ``source_ip`` is the connection's peer (or the right-most untrusted hop a trusted proxy
    named); ``signed`` says the request's SigV4 signature was verified (or --dev let it by);
    ``operation`` and ``request`` are filled in by ``operations.run`` once the request is
    valid (one value per request, not copied: this is on every request's path).
    The request's own context (ClientMetadata, UserContextData, ContextData) is read here by
    the steps deep in a flow, so nothing travels in hidden per-request state.
    """

    request_id: str = ""
    source_ip: str | None = None
    signed: bool = False
    operation: str = ""
    request: dict[str, Any] = field(default_factory=dict)

    @property
    def client_metadata(self) -> dict[str, str] | None:
        metadata: dict[str, str] | None = self.request.get("ClientMetadata")
        return metadata
