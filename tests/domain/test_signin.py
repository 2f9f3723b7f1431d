"""Sign-in rules (userpool.domain.signin): who may sign in, and the lockout Cognito applies
after failed passwords: from the fifth failure a lock of 1 s, doubling with each further
failure up to 15 minutes; 15 minutes without a failure start the count again."""

from __future__ import annotations

import pytest

from userpool.domain.entities import User
from userpool.domain.signin import check_status, clear_failures, locked, note_failure
from userpool.errors import (
    NotAuthorizedException,
    PasswordResetRequiredException,
    UserNotConfirmedException,
)


def _user(status: str = "CONFIRMED", enabled: bool = True) -> User:
    return User("eu-west-1_AbC123xyZ", "amy", "sub-1", status, enabled, None, {}, 0.0, 0.0)


def test_four_failures_do_not_lock_the_fifth_locks_for_one_second() -> None:
    user = _user()
    for _ in range(4):
        note_failure(user, 1000.0)
    assert not locked(user, 1000.0)
    note_failure(user, 1000.0)
    assert locked(user, 1000.5)
    assert not locked(user, 1001.0)


def test_each_further_failure_doubles_the_lock_up_to_fifteen_minutes() -> None:
    user = _user()
    for _ in range(6):
        note_failure(user, 1000.0)
    assert locked(user, 1001.5) and not locked(user, 1002.0)  # the sixth: 2 s
    for _ in range(20):
        note_failure(user, 1000.0)
    assert locked(user, 1000.0 + 899) and not locked(user, 1000.0 + 900)


def test_fifteen_quiet_minutes_start_the_count_again() -> None:
    user = _user()
    for _ in range(4):
        note_failure(user, 1000.0)
    note_failure(user, 1000.0 + 901)  # after a quiet quarter-hour: the first failure again
    assert not locked(user, 1000.0 + 901)
    assert user.extra["failures"] == 1


def test_a_success_clears_the_failures() -> None:
    user = _user()
    for _ in range(5):
        note_failure(user, 1000.0)
    clear_failures(user)
    assert not locked(user, 1000.0) and "failures" not in user.extra


@pytest.mark.parametrize(
    ("status", "enabled", "error", "text"),
    [
        ("CONFIRMED", False, NotAuthorizedException, "User is disabled."),
        ("UNCONFIRMED", True, UserNotConfirmedException, "User is not confirmed."),
        (
            "RESET_REQUIRED",
            True,
            PasswordResetRequiredException,
            "Password reset required for the user",
        ),
    ],
)
def test_who_may_not_sign_in_hears_cognitos_words(
    status: str, enabled: bool, error: type[Exception], text: str
) -> None:
    with pytest.raises(error) as raised:
        check_status(_user(status, enabled))
    assert str(raised.value) == text


def test_confirmed_and_force_change_password_users_pass_the_status_check() -> None:
    check_status(_user("CONFIRMED"))
    check_status(_user("FORCE_CHANGE_PASSWORD"))
