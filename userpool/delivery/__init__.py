"""Code delivery: senders (console, SMTP) and the outbox relay that drives them."""

from __future__ import annotations

from userpool.config import Settings
from userpool.domain.ports import Sender


def make_sender(settings: Settings) -> Sender | None:
    """The sender the settings name; ``None`` keeps messages in the outbox only."""
    if settings.sender == "smtp":
        from userpool.delivery.smtp import SMTPSender

        return SMTPSender(settings)
    if settings.sender == "console":
        from userpool.delivery.console import ConsoleSender

        return ConsoleSender()
    return None
