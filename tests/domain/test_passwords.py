"""``domain.passwords``: Cognito's password policy and its messages, temporary passwords
that satisfy the policy, and Argon2id hashing with OWASP's parameters (m=19 MiB, t=2, p=1).

The policy's texts are Cognito's ("Password did not conform with policy: ..."); its
symbols are the ones Cognito's developer guide lists for RequireSymbols.
"""

from __future__ import annotations

import asyncio
import os
import threading
from typing import Any

import pytest

from userpool.domain import passwords
from userpool.errors import InvalidPasswordException

STRICT = dict(passwords.DEFAULT_POLICY)
# Cognito's developer guide: "the following special characters", and a non-leading,
# non-trailing space.
COGNITO_SYMBOLS = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+-"


def _refusal(password: str, policy: dict[str, Any]) -> str:
    with pytest.raises(InvalidPasswordException) as exc:
        passwords.check_policy(password, policy)
    return exc.value.message


def test_the_default_policy_is_cognitos() -> None:
    assert passwords.DEFAULT_POLICY == {
        "MinimumLength": 8,
        "RequireUppercase": True,
        "RequireLowercase": True,
        "RequireNumbers": True,
        "RequireSymbols": True,
        "TemporaryPasswordValidityDays": 7,
    }


def test_a_password_meeting_every_rule_passes() -> None:
    passwords.check_policy("Passw0rd!", STRICT)
    passwords.check_policy("aB3 xyzw", STRICT)  # the space counts as a symbol


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("Pa0!", "Password not long enough"),
        ("PASSW0RD!", "Password must have lowercase characters"),
        ("passw0rd!", "Password must have uppercase characters"),
        ("Password!", "Password must have numeric characters"),
        ("Passw0rdX", "Password must have symbol characters"),
    ],
)
def test_each_broken_rule_is_named(password: str, rule: str) -> None:
    assert _refusal(password, STRICT) == f"Password did not conform with policy: {rule}"


def test_length_is_reported_before_the_other_rules() -> None:
    assert (
        _refusal("abc", STRICT) == "Password did not conform with policy: Password not long enough"
    )


@pytest.mark.parametrize("symbol", list(COGNITO_SYMBOLS))
def test_every_symbol_cognito_lists_counts(symbol: str) -> None:
    passwords.check_policy(f"Passw0rd{symbol}", STRICT)


@pytest.mark.parametrize("other", ["§", "€", "£", "é"])
def test_characters_cognito_does_not_list_are_no_symbol(other: str) -> None:
    message = _refusal(f"Passw0rd{other}", STRICT)
    assert message.endswith("Password must have symbol characters")


def test_a_lenient_policy_asks_only_for_length() -> None:
    lenient = {"MinimumLength": 6}
    passwords.check_policy("aaaaaa", lenient)
    assert _refusal("aaaaa", lenient).endswith("Password not long enough")


@pytest.mark.parametrize("length", [6, 8, 20, 99])
def test_temporary_passwords_satisfy_the_policy_that_asked_for_them(length: int) -> None:
    policy = {**STRICT, "MinimumLength": length}
    made = [passwords.temporary_password(policy) for _ in range(50)]
    for password in made:
        passwords.check_policy(password, policy)
        assert len(password) >= max(length, 12)
    assert len(set(made)) == len(made)


def test_a_hash_is_argon2id_with_owasps_parameters_and_a_random_salt() -> None:
    first = passwords.hash_password("Passw0rd!")
    second = passwords.hash_password("Passw0rd!")
    assert first.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert first != second
    assert "Passw0rd!" not in first


def test_verify_accepts_the_password_and_nothing_else() -> None:
    stored = passwords.hash_password("Passw0rd!")
    assert passwords.verify_password(stored, "Passw0rd!") is True
    assert passwords.verify_password(stored, "passw0rd!") is False
    assert passwords.verify_password(stored, "") is False
    assert passwords.verify_password("not a hash", "Passw0rd!") is False


def test_the_hasher_pool_hashes_and_verifies_off_the_event_loop() -> None:
    hasher = passwords.Hasher(threads=1)

    async def scenario() -> tuple[bool, bool]:
        stored = await hasher.hash("S3cret-pass")
        return await hasher.verify(stored, "S3cret-pass"), await hasher.verify(stored, "nope")

    try:
        assert asyncio.run(scenario()) == (True, False)
    finally:
        hasher.close()


def test_fast_is_argon2id_at_its_least_cost_salted_with_full_lengths() -> None:
    first = passwords.hash_password("Passw0rd!", "fast")
    second = passwords.hash_password("Passw0rd!", "fast")
    assert first.startswith("$argon2id$v=19$m=8,t=1,p=1$") and first != second
    salt, digest = first.split("$")[4:]
    assert (len(salt), len(digest)) == (22, 43)  # 16 and 32 bytes, unpadded base64
    assert passwords.verify_password(first, "Passw0rd!") is True
    assert passwords.verify_password(first, "Passw0rd?") is False


def test_only_normal_upgrades_and_only_what_it_did_not_make() -> None:
    normal = passwords.hash_password("Passw0rd!")
    fast = passwords.hash_password("Passw0rd!", "fast")
    older = "$argon2id$v=19$m=65536,t=3,p=4$" + normal.split("$", 4)[4]
    assert passwords.upgrade_due(fast, "normal") and passwords.upgrade_due(older, "normal")
    assert not passwords.upgrade_due(normal, "normal")
    assert not any(passwords.upgrade_due(h, "fast") for h in (normal, fast, older))


def test_check_gives_the_upgrade_only_for_a_right_password() -> None:
    fast = passwords.hash_password("Passw0rd!", "fast")
    right, new = passwords.check_password(fast, "Passw0rd!", "normal")
    assert right and new is not None and new.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert passwords.verify_password(new, "Passw0rd!")
    assert passwords.check_password(fast, "Passw0rd?", "normal") == (False, None)
    assert passwords.check_password(fast, "Passw0rd!", "fast") == (True, None)
    normal = passwords.hash_password("Passw0rd!")
    assert passwords.check_password(normal, "Passw0rd!", "fast") == (True, None)


def test_the_hasher_hashes_and_makes_its_decoy_at_its_setting() -> None:
    hasher = passwords.Hasher(threads=1, hashing="fast")

    async def scenario() -> tuple[str, str, str]:
        return await hasher.hash("S3cret-pass"), await hasher.decoy(), await hasher.decoy()

    try:
        made, decoy, again = asyncio.run(scenario())
    finally:
        hasher.close()
    assert made.startswith("$argon2id$v=19$m=8,t=1,p=1$")
    assert decoy.startswith("$argon2id$v=19$m=8,t=1,p=1$") and decoy == again
    with pytest.raises(ValueError, match="'weak' is not one of normal, fast"):
        passwords.Hasher(threads=1, hashing="weak")


def _niceness() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


@pytest.mark.parametrize(("hashing", "lowered"), [("normal", True), ("fast", False)])
def test_only_normals_hashers_yield_the_cpu(hashing: str, lowered: bool) -> None:
    """Argon2 at its full cost runs at nice 19 (the event loop goes first); ``fast``'s jobs
    (~1 ms of SRP) keep the process's priority, so other work on the machine does not
    starve them."""
    hasher = passwords.Hasher(threads=1, hashing=hashing)
    try:
        niceness = asyncio.run(hasher.run(_niceness))
    finally:
        hasher.close()
    assert (niceness == 19) is lowered
    assert niceness == 19 or niceness == os.getpriority(os.PRIO_PROCESS, 0)
