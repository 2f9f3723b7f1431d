"""``domain.totp``: RFC 6238 codes (HMAC-SHA1, 30-second steps, 6 digits) checked against
the RFC's own test vectors, one step of tolerance either side, a used step refused, and
secrets an authenticator app reads (32 base32 characters, a 160-bit key)."""

from __future__ import annotations

import base64
import re

import pytest

from userpool.domain import totp
from userpool.domain.totp import Verdict

# RFC 6238 appendix B: the SHA-1 key "12345678901234567890", its 8-digit codes by time;
# a 6-digit code is their last six digits (the same truncation, mod 10^6).
RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()
RFC_VECTORS = [
    (59, "94287082"),
    (1111111109, "07081804"),
    (1111111111, "14050471"),
    (1234567890, "89005924"),
    (2000000000, "69279037"),
    (20000000000, "65353130"),
]
NOW = 1_800_000_015.0  # the middle of a step


@pytest.mark.parametrize(("when", "eight"), RFC_VECTORS)
def test_codes_are_rfc_6238s(when: int, eight: str) -> None:
    assert totp.code_at(RFC_SECRET, totp.step_at(when)) == eight[-6:]


def test_a_step_is_30_seconds() -> None:
    assert totp.step_at(59) == 1 and totp.step_at(60) == 2 and totp.step_at(29.9) == 0


def test_secrets_are_32_base32_characters_of_a_160_bit_key() -> None:
    drawn = {totp.new_secret() for _ in range(50)}
    assert len(drawn) == 50
    for secret in drawn:
        assert re.fullmatch(r"[A-Z2-7]{32}", secret)
        assert len(totp.key_of(secret)) == 20


def test_lower_case_and_padding_do_not_change_the_key() -> None:
    assert (
        totp.key_of(RFC_SECRET.lower())
        == totp.key_of(RFC_SECRET + "====")
        == b"12345678901234567890"
    )


@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_the_step_before_and_after_are_accepted(offset: int) -> None:
    step = totp.step_at(NOW) + offset
    assert totp.judge(RFC_SECRET, totp.code_at(RFC_SECRET, step), NOW, None) == (Verdict.OK, step)


@pytest.mark.parametrize("offset", [-3, -2, 2, 3])
def test_steps_further_away_are_wrong(offset: int) -> None:
    step = totp.step_at(NOW) + offset
    code = totp.code_at(RFC_SECRET, step)
    window = {totp.code_at(RFC_SECRET, totp.step_at(NOW) + d) for d in (-1, 0, 1)}
    assert code not in window  # (true for this key and time)
    assert totp.judge(RFC_SECRET, code, NOW, None) == (Verdict.WRONG, -1)


def test_a_code_of_a_used_step_or_an_earlier_one_is_used() -> None:
    now_step = totp.step_at(NOW)
    current = totp.code_at(RFC_SECRET, now_step)
    before = totp.code_at(RFC_SECRET, now_step - 1)
    after = totp.code_at(RFC_SECRET, now_step + 1)
    assert totp.judge(RFC_SECRET, current, NOW, now_step) == (Verdict.USED, now_step)
    assert totp.judge(RFC_SECRET, before, NOW, now_step) == (Verdict.USED, now_step - 1)
    assert totp.judge(RFC_SECRET, after, NOW, now_step) == (Verdict.OK, now_step + 1)
    assert totp.judge(RFC_SECRET, current, NOW, now_step - 1) == (Verdict.OK, now_step)


@pytest.mark.parametrize("given", ["", "12345", "1234567", "abcdef", "٣٣٣٣٣٣"])
def test_anything_but_the_code_is_wrong(given: str) -> None:
    assert totp.judge(RFC_SECRET, given, NOW, None)[0] is Verdict.WRONG
