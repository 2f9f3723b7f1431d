"""The console sender: prints each message to the server's log (local development)."""

from __future__ import annotations

import logging

from userpool.domain.entities import Message

log = logging.getLogger("userpool.outbox")


class ConsoleSender:
    name = "console"

    def send(self, message: Message) -> None:
        log.info(
            "%s to %s (pool %s, user %s): %s%s",
            message.medium,
            message.destination,
            message.pool_id,
            message.username,
            f"[{message.subject}] " if message.subject else "",
            message.body,
        )
