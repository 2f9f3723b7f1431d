"""The SMTP sender: email messages go out through a real SMTP server; SMS are refused here.

With ``--smtp-starttls`` the server's certificate is verified (system CAs, or the bundle
``SSL_CERT_FILE`` names) before any login is sent, so a man in the middle learns no
password."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from userpool.config import Settings
from userpool.domain.entities import Message


class SMTPSender:
    name = "smtp"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, message: Message) -> None:
        if message.medium != "EMAIL":
            raise RuntimeError("the SMTP sender delivers EMAIL only; no SMS gateway is configured")
        mail = EmailMessage()
        mail["From"] = self.settings.smtp_from
        mail["To"] = message.destination
        mail["Subject"] = message.subject or ""
        mail.set_content(message.body or "")
        s = self.settings
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=10) as smtp:
            if s.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if s.smtp_user:
                smtp.login(s.smtp_user, s.smtp_password or "")
            smtp.send_message(mail)
