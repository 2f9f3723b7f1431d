"""Interoperability of the server-side SRP with pycognito's client math (no network)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from pycognito import aws_srp
from pycognito.aws_srp import AWSSRP

from userpool.domain import srp

POOL_ID = "us-east-1_AbC123xyZ"
USERNAME = "alice"
PASSWORD = "Passw0rd!"


class _NoNetwork:
    """Stands in for the boto3 client; any call is a test bug."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"network call attempted: {name}")


def _client(password: str = PASSWORD, pool_id: str = POOL_ID) -> AWSSRP:
    return AWSSRP(USERNAME, password, pool_id, "dummyclientid", client=_NoNetwork())


def _round(
    *,
    client_password: str = PASSWORD,
    client_pool_id: str = POOL_ID,
    salt: bytes | None = None,
) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """One PASSWORD_VERIFIER round: returns (server state, challenge, client response)."""
    salt_hex, verifier_hex = srp.make_verifier(POOL_ID, USERNAME, PASSWORD, salt=salt)
    client = _client(client_password, client_pool_id)
    auth = client.get_auth_params()
    assert srp.check_a(auth["SRP_A"])
    b_hex, big_b_hex = srp.server_challenge(verifier_hex)
    secret_block = srp.new_secret_block()
    challenge = {
        "SALT": salt_hex,
        "SRP_B": big_b_hex,
        "SECRET_BLOCK": secret_block,
        "USER_ID_FOR_SRP": USERNAME,
        "USERNAME": USERNAME,
    }
    response = client.process_challenge(challenge, auth)
    state = {
        "salt_hex": salt_hex,
        "verifier_hex": verifier_hex,
        "a_hex": auth["SRP_A"],
        "b_hex": b_hex,
        "secret_block_b64": secret_block,
    }
    return state, challenge, response


def _verify(state: dict[str, str], response: dict[str, str], **override: str) -> bool:
    args = {
        "pool_id": POOL_ID,
        "user_id_for_srp": USERNAME,
        **state,
        "timestamp": response["TIMESTAMP"],
        "signature_b64": response["PASSWORD_CLAIM_SIGNATURE"],
    }
    args.update(override)
    return srp.verify_claim(**args)


def test_constants_match_pycognito() -> None:
    assert aws_srp.hex_to_long(aws_srp.N_HEX) == srp.N
    assert aws_srp.hex_to_long(aws_srp.G_HEX) == srp.G
    assert _client().val_k == srp.K


@pytest.mark.parametrize("value", [0x1, 0xF, 0x7F, 0x80, 0xABC, 0x0FFF, 0x8000, srp.N])
def test_pad_hex_matches_pycognito(value: int) -> None:
    assert srp.pad_hex(value) == aws_srp.pad_hex(value)
    assert srp.pad_hex(f"{value:x}") == aws_srp.pad_hex(f"{value:x}")


def test_pycognito_signature_is_accepted() -> None:
    state, _, response = _round()
    assert response["PASSWORD_CLAIM_SECRET_BLOCK"] == state["secret_block_b64"]
    assert srp.parse_timestamp(response["TIMESTAMP"]) is not None
    assert _verify(state, response)


@pytest.mark.parametrize(
    "salt",
    [b"\x80" + b"\x11" * 15, b"\x00\x00\x9f" + b"\x22" * 13, b"\x0a" + b"\x33" * 15, b"\x01"],
    ids=["high-bit", "leading-zero-bytes", "leading-zero-nibble", "tiny"],
)
def test_salt_padding_edge_cases(salt: bytes) -> None:
    state, _, response = _round(salt=salt)
    # Canonical form: a client that parses SALT to a number and re-pads it (the JS SDK) hashes
    # the same string as one that pads the string as sent (pycognito).
    assert state["salt_hex"] == aws_srp.pad_hex(int(state["salt_hex"], 16))
    assert _verify(state, response)


def test_many_rounds_accepted() -> None:
    # Random a, b, salts: exercises S/u values with and without a padded high bit.
    for _ in range(20):
        state, _, response = _round()
        assert _verify(state, response)


def test_wrong_password_rejected() -> None:
    state, _, response = _round(client_password="Passw0rd?")
    assert not _verify(state, response)


def test_wrong_pool_name_rejected() -> None:
    state, _, response = _round(client_pool_id="us-east-1_OtherPool")
    assert not _verify(state, response)


def test_wrong_user_id_rejected() -> None:
    state, _, response = _round()
    assert _verify(state, response)
    assert not _verify(state, response, user_id_for_srp="bob")


def test_wrong_secret_block_rejected() -> None:
    state, _, response = _round()
    assert not _verify(state, response, secret_block_b64=srp.new_secret_block())


def test_tampered_timestamp_rejected() -> None:
    state, _, response = _round()
    stamp = response["TIMESTAMP"]
    moment = srp.parse_timestamp(stamp)
    assert moment is not None
    later = srp.format_timestamp(moment.replace(year=moment.year + 1))
    assert later != stamp
    assert not _verify(state, response, timestamp=later)


def test_tampered_signature_and_garbage_rejected() -> None:
    state, _, response = _round()
    sig = bytearray(base64.b64decode(response["PASSWORD_CLAIM_SIGNATURE"]))
    sig[0] ^= 1
    assert not _verify(state, response, signature_b64=base64.b64encode(bytes(sig)).decode())
    assert not _verify(state, response, signature_b64="not base64!")
    assert not _verify(state, response, secret_block_b64="%%%")
    assert not _verify(state, response, a_hex="0x" + state["a_hex"])
    assert not _verify(state, response, pool_id="nounderscore")


def test_other_server_ephemeral_rejected() -> None:
    state, _, response = _round()
    other_b, _ = srp.server_challenge(state["verifier_hex"])
    assert not _verify(state, response, b_hex=other_b)


@pytest.mark.parametrize("multiple", [0, 1, 2])
def test_a_congruent_zero_rejected(multiple: int) -> None:
    a_hex = f"{srp.N * multiple:x}"
    assert not srp.check_a(a_hex)
    state, challenge, response = _round()
    # A ≡ 0 (mod N) makes the server's S = 0 whatever the password, so an attacker who knows
    # no password can compute the key and sign; verify_claim itself must refuse such an A.
    u = aws_srp.calculate_u(int(a_hex, 16), int(challenge["SRP_B"], 16))
    key = aws_srp.compute_hkdf(bytes.fromhex(aws_srp.pad_hex(0)), bytes.fromhex(aws_srp.pad_hex(u)))
    message = (
        POOL_ID.split("_")[1].encode()
        + USERNAME.encode()
        + base64.b64decode(state["secret_block_b64"])
        + response["TIMESTAMP"].encode()
    )
    forged = base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()
    assert not _verify(state, response, a_hex=a_hex, signature_b64=forged)


def test_check_a_accepts_client_a_and_rejects_garbage() -> None:
    assert srp.check_a(f"{_client().large_a_value:x}")
    for bad in ["", "zz", " 1f", "-1f", "1_f", "f" * 2000]:
        assert not srp.check_a(bad)


def test_server_challenge_shape() -> None:
    _, verifier_hex = srp.make_verifier(POOL_ID, USERNAME, PASSWORD)
    b1, big_b1 = srp.server_challenge(verifier_hex)
    b2, big_b2 = srp.server_challenge(verifier_hex)
    assert (b1, big_b1) != (b2, big_b2)
    assert int(b1, 16).bit_length() >= 256
    assert 0 < int(big_b1, 16) < srp.N
    with pytest.raises(ValueError):
        srp.server_challenge("0")


def test_verifier_depends_on_inputs() -> None:
    salt = b"\x42" * 16
    base = srp.make_verifier(POOL_ID, USERNAME, PASSWORD, salt=salt)
    assert base == srp.make_verifier(POOL_ID, USERNAME, PASSWORD, salt=salt)
    assert base != srp.make_verifier(POOL_ID, USERNAME, "other", salt=salt)
    assert base != srp.make_verifier(POOL_ID, "bob", PASSWORD, salt=salt)
    assert base != srp.make_verifier("us-east-1_Zzz", USERNAME, PASSWORD, salt=salt)
    # Only the pool name counts, not the region (the clients drop it).
    assert base == srp.make_verifier("eu-west-1_AbC123xyZ", USERNAME, PASSWORD, salt=salt)
    assert srp.make_verifier(POOL_ID, USERNAME, PASSWORD)[0] != base[0]


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 11, 3, 16, 2, 3),
        datetime(2026, 11, 26, 0, 0, 0),
        datetime(2024, 2, 29, 23, 59, 59),
        datetime(2027, 1, 1, 9, 5, 7),
    ],
)
def test_timestamp_format_matches_pycognito(moment: datetime) -> None:
    text = AWSSRP.get_cognito_formatted_timestamp(moment)
    assert srp.format_timestamp(moment) == text
    assert srp.parse_timestamp(text) == moment.replace(tzinfo=UTC)


def test_timestamp_example_and_rejections() -> None:
    assert srp.format_timestamp(datetime(2026, 11, 3, 16, 2, 3, tzinfo=UTC)) == (
        "Tue Nov 3 16:02:03 UTC 2026"
    )
    for bad in [
        "Tue Nov 03 16:02:03 UTC 2026",  # zero-padded day
        "Wed Nov 3 16:02:03 UTC 2026",  # wrong weekday
        "Tue Foo 3 16:02:03 UTC 2026",
        "Mon Feb 30 16:02:03 UTC 2026",
        "Tue Nov 3 16:02:03 GMT 2026",
        "Tue Nov 3 16:02:03 UTC 2026 ",
    ]:
        assert srp.parse_timestamp(bad) is None, bad


def test_timing_report(capsys: pytest.CaptureFixture[str]) -> None:
    state, _, response = _round()
    runs = 50
    start = time.perf_counter()
    for _ in range(runs):
        srp.server_challenge(state["verifier_hex"])
    challenge_ms = (time.perf_counter() - start) * 1000 / runs
    start = time.perf_counter()
    for _ in range(runs):
        assert _verify(state, response)
    verify_ms = (time.perf_counter() - start) * 1000 / runs
    with capsys.disabled():
        print(f"\nserver_challenge {challenge_ms:.2f} ms, verify_claim {verify_ms:.2f} ms")


@pytest.mark.parametrize(
    "exponent",
    [0, 1, 2, 63, 64, 2**255, 2**256 - 1, 2**256, 2**300 + 5, *range(3, 3000, 997)],
)
def test_the_table_of_powers_gives_pows_numbers(exponent: int) -> None:
    assert srp._g_pow(exponent) == pow(srp.G, exponent, srp.N)


def test_the_table_of_powers_gives_pows_numbers_for_random_exponents() -> None:
    for _ in range(50):
        exponent = secrets.randbits(256)
        assert srp._g_pow(exponent) == pow(srp.G, exponent, srp.N)
