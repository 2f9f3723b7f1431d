"""``domain.messages``: where a code goes (phone first when both are auto-verified, as
Cognito chooses), the masked destination of CodeDeliveryDetails (``a***@e***``,
``+*******0123``: docs/compatibility.md), and the texts from the pool's templates with
Cognito's defaults and placeholders ``{####}`` and ``{username}``."""

from __future__ import annotations

from typing import Any

import pytest

from userpool.domain import messages
from userpool.domain.entities import Pool, User
from userpool.domain.messages import Delivery

EMAIL, PHONE = "alice@example.com", "+15555550123"


def _pool(**config: Any) -> Pool:
    return Pool("us-east-1_AbC123xyZ", "p", config, 0.0, 0.0)


def _user(**attributes: str) -> User:
    return User("us-east-1_AbC123xyZ", "alice", "sub", "UNCONFIRMED", True, None, attributes, 0, 0)


def test_phone_goes_first_when_both_are_auto_verified_and_present() -> None:
    pool = _pool(AutoVerifiedAttributes=["email", "phone_number"])
    chosen = messages.choose_delivery(pool, _user(email=EMAIL, phone_number=PHONE))
    assert chosen == Delivery("phone_number", "SMS", PHONE)


def test_email_when_only_email_is_auto_verified() -> None:
    pool = _pool(AutoVerifiedAttributes=["email"])
    chosen = messages.choose_delivery(pool, _user(email=EMAIL, phone_number=PHONE))
    assert chosen == Delivery("email", "EMAIL", EMAIL)


def test_email_when_the_auto_verified_phone_is_missing() -> None:
    pool = _pool(AutoVerifiedAttributes=["phone_number", "email"])
    assert messages.choose_delivery(pool, _user(email=EMAIL)) == Delivery("email", "EMAIL", EMAIL)


@pytest.mark.parametrize(
    ("auto", "attributes"),
    [([], {"email": EMAIL, "phone_number": PHONE}), (["email"], {"phone_number": PHONE})],
)
def test_no_delivery_without_an_auto_verified_address(
    auto: list[str], attributes: dict[str, str]
) -> None:
    assert messages.choose_delivery(_pool(AutoVerifiedAttributes=auto), _user(**attributes)) is None


@pytest.mark.parametrize(
    ("destination", "medium", "masked"),
    [
        ("alice@example.com", "EMAIL", "a***@e***"),
        ("b@x.org", "EMAIL", "b***@x***"),
        ("+15555550123", "SMS", "+*******0123"),
        ("+447700900123", "SMS", "+********0123"),
    ],
)
def test_destinations_are_masked(destination: str, medium: str, masked: str) -> None:
    assert messages.mask(destination, medium) == masked


def test_code_delivery_details_are_the_wires_shape_masked() -> None:
    assert Delivery("email", "EMAIL", EMAIL).details() == {
        "Destination": "a***@e***",
        "DeliveryMedium": "EMAIL",
        "AttributeName": "email",
    }


def test_fill_replaces_the_code_and_username_placeholders() -> None:
    text = messages.fill("Hi {username}, {####} is your code ({####}).", "012345", "alice")
    assert text == "Hi alice, 012345 is your code (012345)."


def test_verification_defaults_are_cognitos() -> None:
    pool = _pool()
    assert messages.verification_text(pool, "EMAIL", "123456", "alice") == (
        "Your verification code",
        "Your verification code is 123456. ",
    )
    assert messages.verification_text(pool, "SMS", "123456", "alice") == (
        None,
        "Your verification code is 123456. ",
    )


def test_the_verification_template_comes_before_the_legacy_settings() -> None:
    pool = _pool(
        EmailVerificationMessage="legacy {####}",
        EmailVerificationSubject="legacy subject",
        SmsVerificationMessage="legacy sms {####}",
        VerificationMessageTemplate={
            "EmailMessage": "Hello {username}: {####}",
            "EmailSubject": "Welcome",
            "SmsMessage": "Code {####}",
        },
    )
    assert messages.verification_text(pool, "EMAIL", "999000", "bob") == (
        "Welcome",
        "Hello bob: 999000",
    )
    assert messages.verification_text(pool, "SMS", "999000", "bob") == (None, "Code 999000")


def test_the_legacy_settings_apply_without_a_template() -> None:
    pool = _pool(EmailVerificationMessage="Use {####}", EmailVerificationSubject="Code")
    assert messages.verification_text(pool, "EMAIL", "111222", "x") == ("Code", "Use 111222")


def test_invitation_defaults_are_cognitos() -> None:
    assert messages.invitation_text(_pool(), "EMAIL", "Tmp-Passw0rd", "alice") == (
        "Your temporary password",
        "Your username is alice and temporary password is Tmp-Passw0rd. ",
    )


def test_invitation_templates_per_medium() -> None:
    invite = {
        "SMSMessage": "{username} / {####}",
        "EmailMessage": "Hi {username}",
        "EmailSubject": "In",
    }
    pool = _pool(AdminCreateUserConfig={"InviteMessageTemplate": invite})
    assert messages.invitation_text(pool, "SMS", "pw", "al") == (None, "al / pw")
    assert messages.invitation_text(pool, "EMAIL", "pw", "al") == ("In", "Hi al")
