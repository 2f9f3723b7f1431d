"""Code delivery: which medium a code goes by, the message text, the masked destination."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from userpool.domain.entities import Pool, User

DEFAULT_VERIFY_TEXT = "Your verification code is {####}. "
DEFAULT_VERIFY_SUBJECT = "Your verification code"
DEFAULT_INVITE_TEXT = "Your username is {username} and temporary password is {####}. "
DEFAULT_INVITE_SUBJECT = "Your temporary password"


@dataclass(frozen=True)
class Delivery:
    """Where a code goes: the attribute, the medium and the clear destination."""

    attribute: str
    medium: str
    destination: str

    def details(self) -> dict[str, str]:
        """The wire's CodeDeliveryDetailsType, destination masked."""
        return {
            "Destination": mask(self.destination, self.medium),
            "DeliveryMedium": self.medium,
            "AttributeName": self.attribute,
        }


def choose_delivery(pool: Pool, user: User) -> Delivery | None:
    """Cognito's choice: phone first when both are auto-verified and present."""
    auto = pool.auto_verified
    phone = user.attributes.get("phone_number")
    email = user.attributes.get("email")
    if "phone_number" in auto and phone:
        return Delivery("phone_number", "SMS", phone)
    if "email" in auto and email:
        return Delivery("email", "EMAIL", email)
    return None


def mask(destination: str, medium: str) -> str:
    """``j***@e***`` for email, ``+*******4567`` for phones.

    DEVIATION: Cognito's exact star counts are unconfirmed; these follow observed outputs.
    """
    if medium == "EMAIL" and "@" in destination:
        local, _, domain = destination.partition("@")
        return f"{local[:1]}***@{domain[:1]}***"
    keep = destination[-4:]
    head = "+" if destination.startswith("+") else ""
    return head + "*" * max(len(destination) - len(keep) - len(head), 0) + keep


def verification_text(pool: Pool, medium: str, code: str, username: str) -> tuple[str | None, str]:
    """(subject, body) of a verification message from the pool's templates."""
    conf: dict[str, Any] = pool.config
    template = conf.get("VerificationMessageTemplate") or {}
    if medium == "SMS":
        text = (
            template.get("SmsMessage") or conf.get("SmsVerificationMessage") or DEFAULT_VERIFY_TEXT
        )
        return None, fill(text, code, username)
    text = (
        template.get("EmailMessage") or conf.get("EmailVerificationMessage") or DEFAULT_VERIFY_TEXT
    )
    subject = (
        template.get("EmailSubject")
        or conf.get("EmailVerificationSubject")
        or DEFAULT_VERIFY_SUBJECT
    )
    return subject, fill(text, code, username)


def invitation_text(
    pool: Pool, medium: str, password: str, username: str
) -> tuple[str | None, str]:
    """(subject, body) of an AdminCreateUser invitation."""
    conf = (pool.config.get("AdminCreateUserConfig") or {}).get("InviteMessageTemplate") or {}
    if medium == "SMS":
        return None, fill(conf.get("SMSMessage") or DEFAULT_INVITE_TEXT, password, username)
    subject = conf.get("EmailSubject") or DEFAULT_INVITE_SUBJECT
    return subject, fill(conf.get("EmailMessage") or DEFAULT_INVITE_TEXT, password, username)


def fill(template: str, code: str, username: str) -> str:
    return template.replace("{####}", code).replace("{username}", username)
