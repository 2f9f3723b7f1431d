"""Software-token (TOTP) set-up through boto3 by a signed-in user: AssociateSoftwareToken
gives a base32 secret an authenticator app reads, VerifySoftwareToken accepts that app's
code (computed here by pyotp, an independent RFC 6238 implementation), a wrong code is
EnableSoftwareTokenMFAException and leaves the secret usable, wrong codes are limited,
and the secret is sealed at rest. (The MFA_SETUP Session path: tests/inprocess.)"""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyotp
import pytest

from tests.factories import PASSWORD, confirmed_user
from tests.helpers import Server, outcome
from userpool.domain.crypto import SecretBox

FLOWS = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
TOTP_ON = {"MfaConfiguration": "OPTIONAL", "SoftwareTokenMfaConfiguration": {"Enabled": True}}
MISMATCH = ("EnableSoftwareTokenMFAException", "Code mismatch and fail enable Software Token MFA")


@pytest.fixture
def totp_pool(idp: Any, pool: dict[str, Any]) -> dict[str, Any]:
    idp.set_user_pool_mfa_config(UserPoolId=pool["Id"], **TOTP_ON)
    return pool


@pytest.fixture
def signed_in(
    idp: Any, server: Server, make_client: Callable[..., dict[str, Any]]
) -> Callable[[dict[str, Any], str], str]:
    """An access token of a new confirmed user ``name`` of ``pool``."""

    def sign_in(pool: dict[str, Any], name: str) -> str:
        client = make_client(pool, ExplicitAuthFlows=FLOWS)
        confirmed_user(idp, server, client["ClientId"], name)
        out = idp.initiate_auth(
            AuthFlow="USER_PASSWORD_AUTH",
            ClientId=client["ClientId"],
            AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD},
        )
        return str(out["AuthenticationResult"]["AccessToken"])

    return sign_in


def wrong(secret: str) -> str:
    """A 6-digit code the secret gives at no step of the window around now."""
    app = pyotp.TOTP(secret)
    now = time.time()
    window = {app.at(now + d) for d in (-60, -30, 0, 30, 60)}
    return next(c for c in (f"{n:06d}" for n in range(1_000_000)) if c not in window)


def test_associate_gives_a_base32_secret_and_no_session(
    idp: Any, totp_pool: dict[str, Any], signed_in: Any
) -> None:
    token = signed_in(totp_pool, "totp-ava")
    answer = idp.associate_software_token(AccessToken=token)
    secret = answer["SecretCode"]
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    assert len(base64.b32decode(secret)) == 20
    assert "Session" not in answer
    assert idp.associate_software_token(AccessToken=token)["SecretCode"] != secret


def test_the_apps_code_verifies_after_a_wrong_one(
    idp: Any, totp_pool: dict[str, Any], signed_in: Any
) -> None:
    token = signed_in(totp_pool, "totp-ben")
    secret = idp.associate_software_token(AccessToken=token)["SecretCode"]
    bad = wrong(secret)
    assert outcome(lambda: idp.verify_software_token(AccessToken=token, UserCode=bad)) == MISMATCH
    answer = idp.verify_software_token(
        AccessToken=token, UserCode=pyotp.TOTP(secret).now(), FriendlyDeviceName="phone"
    )
    answer.pop("ResponseMetadata")
    assert answer == {"Status": "SUCCESS"}


def test_verifying_does_not_enable_totp_mfa_by_itself(
    idp: Any, totp_pool: dict[str, Any], signed_in: Any
) -> None:
    token = signed_in(totp_pool, "totp-cat")
    secret = idp.associate_software_token(AccessToken=token)["SecretCode"]
    idp.verify_software_token(AccessToken=token, UserCode=pyotp.TOTP(secret).now())
    user = idp.get_user(AccessToken=token)
    assert "UserMFASettingList" not in user and "PreferredMfaSetting" not in user


def test_a_newer_secret_replaces_the_pending_one_and_the_verified_one_stays(
    idp: Any, totp_pool: dict[str, Any], signed_in: Any
) -> None:
    token = signed_in(totp_pool, "totp-dan")
    enable = {"SoftwareTokenMfaSettings": {"Enabled": True}}
    first = idp.associate_software_token(AccessToken=token)["SecretCode"]
    second = idp.associate_software_token(AccessToken=token)["SecretCode"]
    # only a verified token may be enabled
    refused = outcome(lambda: idp.set_user_mfa_preference(AccessToken=token, **enable))
    assert refused == (
        "InvalidParameterException",
        "User does not have delivery config set to turn on SOFTWARE_TOKEN_MFA",
    )
    old = pyotp.TOTP(first).now()
    if old != pyotp.TOTP(second).now():
        assert outcome(lambda: idp.verify_software_token(AccessToken=token, UserCode=old)) == (
            MISMATCH
        )
    idp.verify_software_token(AccessToken=token, UserCode=pyotp.TOTP(second).now())
    idp.associate_software_token(AccessToken=token)  # a new pending secret, not verified
    idp.set_user_mfa_preference(AccessToken=token, **enable)  # the verified one counts
    assert idp.get_user(AccessToken=token)["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]


def test_verify_without_a_pending_secret_is_not_found(
    idp: Any, totp_pool: dict[str, Any], signed_in: Any
) -> None:
    token = signed_in(totp_pool, "totp-eve")
    code, _ = outcome(lambda: idp.verify_software_token(AccessToken=token, UserCode="123456"))
    assert code == "SoftwareTokenMFANotFoundException"
    secret = idp.associate_software_token(AccessToken=token)["SecretCode"]
    idp.verify_software_token(AccessToken=token, UserCode=pyotp.TOTP(secret).now())
    code, _ = outcome(lambda: idp.verify_software_token(AccessToken=token, UserCode="123456"))
    assert code == "SoftwareTokenMFANotFoundException"  # the pending secret was used up


def test_a_pool_without_totp_refuses_to_associate(
    idp: Any, pool: dict[str, Any], signed_in: Any
) -> None:
    token = signed_in(pool, "totp-fay")
    assert outcome(lambda: idp.associate_software_token(AccessToken=token)) == (
        "SoftwareTokenMFANotFoundException",
        "Software Token MFA has not been enabled by the userPool",
    )


@pytest.mark.parametrize("code", ["12345a", "12345", "1234567"])
def test_a_code_of_other_than_six_digits_is_invalid_and_the_secret_stays(
    idp: Any, server: Server, totp_pool: dict[str, Any], signed_in: Any, code: str
) -> None:
    token = signed_in(totp_pool, f"totp-gus{len(code)}{code[-1]}")
    secret = idp.associate_software_token(AccessToken=token)["SecretCode"]
    raw = server.client(parameter_validation=False)  # the server's own validation
    assert outcome(lambda: raw.verify_software_token(AccessToken=token, UserCode=code))[0] == (
        "InvalidParameterException"
    )
    idp.verify_software_token(AccessToken=token, UserCode=pyotp.TOTP(secret).now())


@pytest.mark.parametrize("both", [False, True])
def test_exactly_one_of_access_token_and_session(
    idp: Any, totp_pool: dict[str, Any], signed_in: Any, both: bool
) -> None:
    token = signed_in(totp_pool, f"totp-hal{int(both)}")
    request = {"AccessToken": token, "Session": "s" * 64} if both else {}
    assert outcome(lambda: idp.associate_software_token(**request))[0] == (
        "InvalidParameterException"
    )
    assert outcome(lambda: idp.verify_software_token(UserCode="123456", **request))[0] == (
        "InvalidParameterException"
    )


def test_a_session_is_no_access_token_and_an_unknown_session_is_invalid(idp: Any) -> None:
    session = "s" * 64
    assert outcome(lambda: idp.associate_software_token(AccessToken=session)) == (
        "NotAuthorizedException",
        "Invalid Access Token",
    )
    assert outcome(lambda: idp.associate_software_token(Session=session)) == (
        "NotAuthorizedException",
        "Invalid session for the user.",
    )
    assert outcome(lambda: idp.verify_software_token(Session=session, UserCode="123456")) == (
        "NotAuthorizedException",
        "Invalid session for the user.",
    )


def test_wrong_codes_are_limited(idp: Any, totp_pool: dict[str, Any], signed_in: Any) -> None:
    token = signed_in(totp_pool, "totp-ida")
    secret = idp.associate_software_token(AccessToken=token)["SecretCode"]
    bad = wrong(secret)
    for _ in range(5):
        assert outcome(lambda: idp.verify_software_token(AccessToken=token, UserCode=bad)) == (
            MISMATCH
        )
    limited = ("TooManyRequestsException", "Attempt limit exceeded, please try after some time.")
    right = pyotp.TOTP(secret).now()
    assert outcome(lambda: idp.verify_software_token(AccessToken=token, UserCode=right)) == limited


def _master(server: Server) -> bytes:
    if server.db.startswith("postgresql://"):
        path = Path(server.env["USERPOOL_MASTER_KEY_FILE"])
    else:
        path = Path(server.db + ".key")
    return base64.b64decode(path.read_text())


def test_the_secret_is_sealed_at_rest(
    idp: Any, server: Server, totp_pool: dict[str, Any], signed_in: Any
) -> None:
    token = signed_in(totp_pool, "totp-jon")
    sub = idp.get_user(AccessToken=token)["UserAttributes"][0]["Value"]
    pending = idp.associate_software_token(AccessToken=token)["SecretCode"]
    idp.verify_software_token(
        AccessToken=token, UserCode=pyotp.TOTP(pending).now(), FriendlyDeviceName="my phone"
    )
    rows = server.sql("SELECT state, secret, device_name FROM software_tokens WHERE sub=?", sub)
    assert [(r[0], r[2]) for r in rows] == [("verified", "my phone")]
    sealed = str(rows[0][1])
    assert pending not in sealed and base64.b32decode(pending) not in base64.b64decode(sealed)
    assert SecretBox(_master(server)).open(sealed) == pending
