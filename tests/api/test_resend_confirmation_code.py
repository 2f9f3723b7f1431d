"""ResendConfirmationCode through boto3."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.factories import sign_up
from tests.helpers import Server, error_of


def test_resend_sends_a_new_code_with_masked_details(
    idp: Any, server: Server, client: dict[str, Any]
) -> None:
    sign_up(idp, client["ClientId"], "ada")
    out = idp.resend_confirmation_code(ClientId=client["ClientId"], Username="ada")
    assert out["CodeDeliveryDetails"] == {
        "Destination": "a***@e***",
        "DeliveryMedium": "EMAIL",
        "AttributeName": "email",
    }
    assert len(server.messages("ada@example.com")) == 2


def test_resend_to_confirmed_user_is_refused(
    idp: Any, server: Server, client: dict[str, Any]
) -> None:
    sign_up(idp, client["ClientId"], "bob")
    idp.confirm_sign_up(
        ClientId=client["ClientId"], Username="bob", ConfirmationCode=server.code("bob@example.com")
    )
    with pytest.raises(ClientError) as exc:
        idp.resend_confirmation_code(ClientId=client["ClientId"], Username="bob")
    assert error_of(exc) == ("InvalidParameterException", "User is already confirmed.")


def test_resend_to_unknown_user_is_user_not_found(idp: Any, client: dict[str, Any]) -> None:
    with pytest.raises(ClientError) as exc:
        idp.resend_confirmation_code(ClientId=client["ClientId"], Username="ghost")
    assert error_of(exc) == ("UserNotFoundException", "Username/client id combination not found.")


def test_resend_to_unknown_user_is_masked_for_enabled_clients(
    idp: Any, make_client: Callable[..., Any], pool: dict[str, Any]
) -> None:
    client = make_client(pool, PreventUserExistenceErrors="ENABLED")
    out = idp.resend_confirmation_code(ClientId=client["ClientId"], Username="ghost")
    details = out["CodeDeliveryDetails"]
    assert details["DeliveryMedium"] == "EMAIL" and details["Destination"].startswith("g***@")


def test_resend_is_limited_per_user(idp: Any, client: dict[str, Any]) -> None:
    sign_up(idp, client["ClientId"], "cy")
    for _ in range(5):
        idp.resend_confirmation_code(ClientId=client["ClientId"], Username="cy")
    with pytest.raises(ClientError) as exc:
        idp.resend_confirmation_code(ClientId=client["ClientId"], Username="cy")
    assert error_of(exc)[0] == "LimitExceededException"


def test_resend_without_auto_verification_is_refused(
    idp: Any, make_pool: Callable[..., Any], make_client: Callable[..., Any]
) -> None:
    pool = make_pool(AutoVerifiedAttributes=[])
    client = make_client(pool)
    sign_up(idp, client["ClientId"], "dee")
    with pytest.raises(ClientError) as exc:
        idp.resend_confirmation_code(ClientId=client["ClientId"], Username="dee")
    assert error_of(exc) == (
        "InvalidParameterException",
        "Cannot resend codes. Auto verification not turned on.",
    )
