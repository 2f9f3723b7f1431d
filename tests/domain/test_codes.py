"""``domain.codes``: six-digit codes kept only as keyed hashes, judged OK, MISMATCH or
EXPIRED (a late code, or one of the last 5 superseded by a resend: docs/compatibility.md),
wrong guesses kept across a resend, and sign-in sessions stored as hashes of their token."""

from __future__ import annotations

import hashlib
import hmac
import re

from userpool.domain import codes
from userpool.domain.codes import Verdict

KEY = b"k" * 32
POOL, SUB = "us-east-1_AbC123xyZ", "0d6f-sub"
NOW = 1_800_000_000.0


def _code(code: str, previous: codes.Code | None = None, expires: float = NOW + 60) -> codes.Code:
    return codes.replace_code(
        KEY, previous, POOL, SUB, codes.SIGN_UP, code, expires, "email", "EMAIL"
    )


def test_codes_are_six_digits_as_cognitos_default() -> None:
    drawn = {codes.new_code() for _ in range(300)}
    assert all(re.fullmatch(r"[0-9]{6}", c) for c in drawn)
    assert len(drawn) > 250  # random, not a counter or a constant


def test_a_sign_up_code_is_valid_for_24_hours() -> None:
    assert codes.SIGN_UP_VALIDITY == 86400


def test_only_a_keyed_hash_of_the_code_is_kept() -> None:
    stored = _code("123456")
    assert "123456" not in repr(stored)
    message = "\0".join(["code", POOL, SUB, codes.SIGN_UP, "123456"]).encode()
    assert stored.code_hash == hmac.new(KEY, message, hashlib.sha256).hexdigest()
    other_key = codes.replace_code(b"x" * 32, None, POOL, SUB, "signup", "123456", 0, None, None)
    assert other_key.code_hash != stored.code_hash


def test_the_right_code_in_time_is_ok_a_wrong_one_a_mismatch() -> None:
    stored = _code("123456", expires=NOW + 60)
    assert codes.judge(KEY, stored, "123456", NOW) is Verdict.OK
    assert codes.judge(KEY, stored, "123457", NOW) is Verdict.MISMATCH
    assert codes.judge(KEY, stored, "", NOW) is Verdict.MISMATCH


def test_the_right_code_after_its_expiry_is_expired_a_wrong_one_still_a_mismatch() -> None:
    stored = _code("123456", expires=NOW)
    assert codes.judge(KEY, stored, "123456", NOW + 1) is Verdict.EXPIRED
    assert codes.judge(KEY, stored, "654321", NOW + 1) is Verdict.MISMATCH


def test_a_code_is_bound_to_its_user_and_purpose() -> None:
    mine = _code("123456")
    theirs = codes.Code(POOL, "other-sub", mine.purpose, mine.code_hash, mine.expires, None, None)
    forgot = codes.Code(POOL, SUB, "forgot", mine.code_hash, mine.expires, None, None)
    assert codes.judge(KEY, theirs, "123456", NOW) is Verdict.MISMATCH
    assert codes.judge(KEY, forgot, "123456", NOW) is Verdict.MISMATCH


def test_the_last_five_superseded_codes_are_expired_older_ones_mismatch() -> None:
    current = None
    for n in range(7):
        current = _code(f"10000{n}", current)
    assert current is not None
    assert codes.judge(KEY, current, "100006", NOW) is Verdict.OK
    for n in range(1, 6):
        assert codes.judge(KEY, current, f"10000{n}", NOW) is Verdict.EXPIRED, n
    assert codes.judge(KEY, current, "100000", NOW) is Verdict.MISMATCH  # the sixth back
    assert len(current.superseded) == 5


def test_a_resend_keeps_the_wrong_guesses() -> None:
    first = _code("111111")
    first.failures = [NOW - 10, NOW - 5]
    resent = _code("222222", first)
    assert resent.failures == [NOW - 10, NOW - 5]
    assert codes.judge(KEY, resent, "111111", NOW) is Verdict.EXPIRED


def test_recent_failures_are_those_since_the_given_time() -> None:
    stored = _code("123456")
    stored.failures = [NOW - 3700, NOW - 3600, NOW - 10]
    assert codes.recent_failures(stored, NOW - 3600) == [NOW - 3600, NOW - 10]
    assert codes.recent_failures(stored, NOW) == []


def test_a_session_keeps_a_hash_of_its_random_token_and_its_binding() -> None:
    token, session = codes.new_session(KEY, POOL, "client1", SUB, "signin", NOW + 180)
    other, _ = codes.new_session(KEY, POOL, "client1", SUB, "signin", NOW + 180)
    assert token != other and len(token) >= 40
    assert token not in repr(session)
    expected = hmac.new(KEY, f"session\0{token}".encode(), hashlib.sha256).hexdigest()
    assert session.token_hash == expected == codes.session_hash(KEY, token)
    assert (session.pool_id, session.client_id, session.sub) == (POOL, "client1", SUB)
    assert (session.purpose, session.expires) == ("signin", NOW + 180)


def test_a_session_can_be_given_its_token() -> None:
    token, session = codes.new_session(KEY, POOL, "c", SUB, "signin", NOW, token="chosen")
    assert token == "chosen" and session.token_hash == codes.session_hash(KEY, "chosen")
