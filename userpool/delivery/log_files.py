"""Log delivery to local files: the records a pool's log delivery configuration asks for,
as JSON lines in the folder of ``--log-delivery-dir``.

A pool with a ``userNotification`` configuration gets ``<folder>/<pool id>.userNotification.jsonl``
(a line per message the outbox delivered or failed to deliver), in the shape of Cognito's
exported logs (``domain.log_delivery.record``). Each file is bounded: past ``max_bytes`` it
is renamed to ``<file>.1`` (replacing the older one) and a new one begun. A disk error is
logged and the line dropped; nothing waits on it but the relay that wrote it.
"""

from __future__ import annotations

import logging
import os
import threading
import time

import orjson

from userpool.domain import log_delivery
from userpool.domain.ports import NotFound, Store

log = logging.getLogger("userpool.log_delivery")
LOGS = "log-delivery"  # the resource kind operations/pool_config.py stores
FRESH = 1.0  # seconds a pool's configuration is trusted before it is read again
MAX_BYTES = 8 * 1024 * 1024


class LogFiles:
    """Writes the records of configured pools' sources; without a folder, nothing."""

    def __init__(self, folder: str | None, store: Store, max_bytes: int = MAX_BYTES) -> None:
        self.folder, self.store, self.max_bytes = folder, store, max_bytes
        self._sources: dict[str, tuple[float, frozenset[str]]] = {}
        self._lock = threading.Lock()

    def _configured(self, pool_id: str) -> frozenset[str]:
        cached = self._sources.get(pool_id)
        if cached is not None and time.monotonic() - cached[0] < FRESH:
            return cached[1]
        try:
            with self.store.read() as tx:
                body = tx.get_resource(pool_id, LOGS, f"{pool_id}/{LOGS}").body
            sources = frozenset(c["EventSource"] for c in body.get("LogConfigurations") or [])
        except NotFound:
            sources = frozenset()
        self._sources[pool_id] = (time.monotonic(), sources)
        return sources

    def write(self, pool_id: str, source: str, level: str, message: object, now: float) -> None:
        """Append one record if the pool's configuration has ``source``; never raises."""
        if self.folder is None:
            return
        try:
            if source not in self._configured(pool_id):
                return
            line = orjson.dumps(log_delivery.record(source, level, pool_id, now, message))
            self._append(os.path.join(self.folder, f"{pool_id}.{source}.jsonl"), line + b"\n")
        except Exception as exc:  # a full disk or a bad folder must not stop delivery
            log.warning("log delivery to %s failed: %s", self.folder, exc)

    def _append(self, path: str, line: bytes) -> None:
        with self._lock:
            os.makedirs(self.folder or ".", mode=0o700, exist_ok=True)
            try:
                if os.path.getsize(path) + len(line) > self.max_bytes:
                    os.replace(path, path + ".1")
            except FileNotFoundError:
                pass
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                os.write(fd, line)
            finally:
                os.close(fd)
