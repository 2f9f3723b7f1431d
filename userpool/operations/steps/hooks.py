"""The trigger steps of operations: build Cognito's event, run the pool's function, apply
its answer. Every step runs outside a database transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from userpool.domain import codes, trigger_events
from userpool.domain.entities import Pool, User
from userpool.domain.messages import Delivery, fill, invitation_text, verification_text
from userpool.domain.services import Services
from userpool.domain.trigger_events import Origin
from userpool.errors import BAD_LAMBDA_OUTPUT, InvalidLambdaResponseException


@dataclass
class Outgoing:
    """A composed message: where it goes, its secret (code or password), subject and text."""

    delivery: Delivery
    secret: str
    subject: str | None
    body: str


@dataclass
class PreSignUpAnswer:
    auto_confirm: bool = False
    auto_verify_email: bool = False
    auto_verify_phone: bool = False


async def post_confirmation(
    svc: Services,
    pool: Pool,
    client_id: str | None,
    user: User,
    metadata: dict[str, str] | None,
    source: str = "PostConfirmation_ConfirmSignUp",
) -> None:
    """Run PostConfirmation with the request's ClientMetadata; nothing of its answer is read."""
    if svc.triggers.arn(pool, "PostConfirmation") is None:
        return
    origin = Origin(svc.settings.region, pool, client_id, metadata)
    event = trigger_events.post_confirmation(origin, user, source)
    await svc.triggers.run(pool, "PostConfirmation", event)


async def pre_sign_up(
    svc: Services,
    pool: Pool,
    client_id: str | None,
    user: User,
    validation: list[dict[str, Any]] | None,
    metadata: dict[str, str] | None,
    source: str,
) -> PreSignUpAnswer:
    """Run PreSignUp; its failure stops the sign-up before any user exists."""
    if svc.triggers.arn(pool, "PreSignUp") is None:
        return PreSignUpAnswer()
    data = {v["Name"]: v.get("Value", "") for v in validation} if validation else None
    origin = Origin(svc.settings.region, pool, client_id, metadata)
    event = trigger_events.pre_sign_up(origin, user, data, source)
    output = await svc.triggers.run(pool, "PreSignUp", event) or {}
    response = output.get("response") or {}
    if not isinstance(response, dict):
        raise InvalidLambdaResponseException(BAD_LAMBDA_OUTPUT)
    return PreSignUpAnswer(
        *(
            response.get(k) is True
            for k in ("autoConfirmUser", "autoVerifyEmail", "autoVerifyPhone")
        )
    )


async def compose(
    svc: Services,
    pool: Pool,
    client_id: str | None,
    user: User,
    delivery: Delivery,
    source: str,
    metadata: dict[str, str] | None,
    secret: str | None = None,
    text: tuple[str | None, str] | None = None,
) -> Outgoing:
    """The message for a code (or an invitation's password), through CustomMessage if set;
    ``text``: its (subject, body) templates, when not the verification or invitation ones."""
    invite = source == "CustomMessage_AdminCreateUser"
    secret = secret if secret is not None else codes.new_code()
    templates = invitation_text if invite else verification_text
    subject, body = text or templates(pool, delivery.medium, "{####}", "{username}")
    if svc.triggers.arn(pool, "CustomMessage") is not None:
        origin = Origin(svc.settings.region, pool, client_id, metadata)
        event = trigger_events.custom_message(origin, user, source)
        output = await svc.triggers.run(pool, "CustomMessage", event) or {}
        subject, body = _custom_message(output, delivery.medium, subject, body)
    return Outgoing(
        delivery,
        secret,
        subject and fill(subject, secret, user.username),
        fill(body, secret, user.username),
    )


def _custom_message(
    output: dict[str, Any], medium: str, subject: str | None, body: str
) -> tuple[str | None, str]:
    """The (subject, body) CustomMessage's output asks for, else the defaults given."""
    response = output.get("response") or {}
    key = "smsMessage" if medium == "SMS" else "emailMessage"
    text = response.get(key) if isinstance(response, dict) else None
    if text is None:
        return subject, body
    if not isinstance(text, str) or "{####}" not in text:
        # DEVIATION: Cognito's answer to a custom message without the code placeholder is
        # unconfirmed; we refuse it rather than send a message without the code.
        raise InvalidLambdaResponseException(
            f"Invalid lambda function output : {key} must contain {{####}}"
        )
    new_subject = response.get("emailSubject") if medium == "EMAIL" else None
    return (new_subject if isinstance(new_subject, str) else subject), text
