"""Software-token set-up through an MFA_SETUP challenge Session, on a fake clock.

Here the session is made the way the sign-in flows make it (``steps.totp.setup_session``;
those flows are tests/api/test_mfa_sign_in.py's), and AssociateSoftwareToken
and VerifySoftwareToken are driven with it through the wire: each answers a new Session
(the old one is spent), a wrong code leaves the session usable, a session of another
challenge or an expired one is refused. Also the SOFTWARE_TOKEN_MFA check the sign-in
will use: a code is accepted once, within one time step either side. Codes come from
pyotp, an independent RFC 6238 implementation.
"""

from __future__ import annotations

from typing import Any

import pyotp
import pytest

from tests.factories import App, confirmed_user, make_app
from tests.harness import CallError, InProcess
from userpool.domain.entities import User
from userpool.errors import CodeMismatchException, ExpiredCodeException
from userpool.errors import SoftwareTokenMFANotFoundException as NoToken
from userpool.operations.steps import signin, totp

TOTP_ON = {"MfaConfiguration": "ON", "SoftwareTokenMfaConfiguration": {"Enabled": True}}
INVALID = ("NotAuthorizedException", "Invalid session for the user.")
EXPIRED = ("NotAuthorizedException", "Invalid session for the user, session is expired.")
MISMATCH = ("EnableSoftwareTokenMFAException", "Code mismatch and fail enable Software Token MFA")


def _error(exc: pytest.ExceptionInfo[CallError]) -> tuple[str, str]:
    return exc.value.code, exc.value.message


def _app(inproc: InProcess, **mfa: Any) -> App:
    app = make_app(inproc.idp)
    inproc.idp.set_user_pool_mfa_config(UserPoolId=app.pool_id, **(mfa or TOTP_ON))
    return app


def _user(inproc: InProcess, app: App, name: str) -> User:
    confirmed_user(inproc.idp, inproc, app, name)
    with inproc.svc.store.read() as tx:
        return tx.user_by_key(app.pool_id, name)


def _session(inproc: InProcess, app: App, user: User, name: str = totp.SETUP) -> str:
    """A challenge session of ``name`` (MFA_SETUP by default), as a sign-in makes it."""
    svc = inproc.svc
    with svc.store.transaction() as tx:
        client = tx.get_client(app.client_id)
        if name == totp.SETUP:
            return totp.setup_session(svc, tx, client, user, {"from": "sign-in"})
        return signin.challenge_session(svc, tx, client, user, name)


def _code(inproc: InProcess, secret: str, steps: int = 0) -> str:
    return str(pyotp.TOTP(secret).at(inproc.clock.now() + 30 * steps))


def _wrong(inproc: InProcess, secret: str) -> str:
    window = {_code(inproc, secret, d) for d in (-1, 0, 1)}
    return next(c for c in (f"{n:06d}" for n in range(10**6)) if c not in window)


def _stored(inproc: InProcess, token: str) -> Any:
    """The session ``token`` names, as stored (taken, so it is spent afterwards)."""
    from userpool.domain import codes

    with inproc.svc.store.transaction() as tx:
        return tx.take_session(codes.session_hash(inproc.svc.key, token))


def test_set_up_through_the_session_enables_totp(inproc: InProcess) -> None:
    app = _app(inproc)
    user = _user(inproc, app, "ann")
    first = _session(inproc, app, user)
    associated = inproc.idp.associate_software_token(Session=first)
    secret, second = associated["SecretCode"], associated["Session"]
    assert second != first
    with pytest.raises(CallError) as spent:
        inproc.idp.associate_software_token(Session=first)
    assert _error(spent) == INVALID

    with pytest.raises(CallError) as wrong:
        inproc.idp.verify_software_token(Session=second, UserCode=_wrong(inproc, secret))
    assert _error(wrong) == MISMATCH
    verified = inproc.idp.verify_software_token(  # the same session, after a wrong code
        Session=second, UserCode=_code(inproc, secret), FriendlyDeviceName="phone"
    )
    assert verified["Status"] == "SUCCESS" and verified["Session"] not in (first, second)
    with pytest.raises(CallError) as again:
        inproc.idp.verify_software_token(Session=second, UserCode=_code(inproc, secret))
    assert _error(again) == INVALID

    shown = inproc.idp.admin_get_user(UserPoolId=app.pool_id, Username="ann")
    assert shown["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]
    assert "PreferredMfaSetting" not in shown
    # what RespondToAuthChallenge's MFA_SETUP answer takes: the same user, client and
    # purpose, marked verified, the sign-in's own data kept
    stored = _stored(inproc, verified["Session"])
    assert (stored.purpose, stored.sub, stored.client_id) == (
        "challenge:MFA_SETUP",
        user.sub,
        app.client_id,
    )
    assert stored.data == {"from": "sign-in", totp.VERIFIED: True}


def test_each_session_lives_the_clients_session_validity(inproc: InProcess) -> None:
    app = _app(inproc)
    user = _user(inproc, app, "bea")
    first = _session(inproc, app, user)
    inproc.clock.advance(170)
    second = inproc.idp.associate_software_token(Session=first)["Session"]
    inproc.clock.advance(170)  # 340 s after the first: the second is 170 s old
    inproc.idp.associate_software_token(Session=second)
    expired = _session(inproc, app, user)
    inproc.clock.advance(181)
    with pytest.raises(CallError) as exc:
        inproc.idp.associate_software_token(Session=expired)
    assert _error(exc) == EXPIRED


@pytest.mark.parametrize("challenge", ["SMS_MFA", "PASSWORD_VERIFIER"])
def test_another_challenges_session_is_refused_and_stays_usable(
    inproc: InProcess, challenge: str
) -> None:
    app = _app(inproc)
    user = _user(inproc, app, "cyd")
    other = _session(inproc, app, user, challenge)
    for call in (
        lambda: inproc.idp.associate_software_token(Session=other),
        lambda: inproc.idp.verify_software_token(Session=other, UserCode="123456"),
    ):
        with pytest.raises(CallError) as exc:
            call()
        assert _error(exc) == INVALID
    assert _stored(inproc, other).purpose == f"challenge:{challenge}"


def test_a_pool_without_totp_refuses_and_the_session_stays(inproc: InProcess) -> None:
    sms = {"SnsCallerArn": "arn:aws:iam::123456789012:role/sms", "ExternalId": "x"}
    app = _app(inproc, MfaConfiguration="ON", SmsMfaConfiguration={"SmsConfiguration": sms})
    user = _user(inproc, app, "dee")
    session = _session(inproc, app, user)
    with pytest.raises(CallError) as exc:
        inproc.idp.associate_software_token(Session=session)
    assert _error(exc) == (
        "SoftwareTokenMFANotFoundException",
        "Software Token MFA has not been enabled by the userPool",
    )
    assert _stored(inproc, session).purpose == "challenge:MFA_SETUP"


def test_wrong_codes_on_the_session_are_limited(inproc: InProcess) -> None:
    app = _app(inproc)
    user = _user(inproc, app, "eli")
    answer = inproc.idp.associate_software_token(Session=_session(inproc, app, user))
    bad = _wrong(inproc, answer["SecretCode"])
    for _ in range(5):
        with pytest.raises(CallError) as exc:
            inproc.idp.verify_software_token(Session=answer["Session"], UserCode=bad)
        assert _error(exc) == MISMATCH
    with pytest.raises(CallError) as limited:
        inproc.idp.verify_software_token(
            Session=answer["Session"], UserCode=_code(inproc, answer["SecretCode"])
        )
    assert limited.value.code == "TooManyRequestsException"
    inproc.clock.advance(3601)  # an hour on, the session long expired, the limit gone
    with pytest.raises(CallError) as expired:
        inproc.idp.verify_software_token(Session=answer["Session"], UserCode=bad)
    assert _error(expired) == EXPIRED


# the sign-in check (SOFTWARE_TOKEN_MFA) --------------------------------------------------
def _use(inproc: InProcess, user: User, code: str) -> Any:
    svc = inproc.svc
    with svc.store.transaction() as tx:
        return totp.use_code(svc, tx, user, code, inproc.clock.now())


def test_a_code_is_accepted_once_within_a_step_either_side(inproc: InProcess) -> None:
    app = _app(inproc)
    user = _user(inproc, app, "fin")
    with pytest.raises(NoToken):
        _use(inproc, user, "123456")
    answer = inproc.idp.associate_software_token(Session=_session(inproc, app, user))
    secret = answer["SecretCode"]
    verified_with = _code(inproc, secret)
    inproc.idp.verify_software_token(Session=answer["Session"], UserCode=verified_with)

    used = _use(inproc, user, verified_with)  # the code Verify took: its step is used
    assert isinstance(used, ExpiredCodeException)
    assert used.message == "Your software token has already been used once."
    assert isinstance(_use(inproc, user, _wrong(inproc, secret)), CodeMismatchException)
    assert _use(inproc, user, _code(inproc, secret, 1)) is None  # the next step, early
    assert isinstance(_use(inproc, user, _code(inproc, secret, 1)), ExpiredCodeException)
    inproc.clock.advance(60)  # two steps on: the step after that is new
    assert _use(inproc, user, _code(inproc, secret)) is None
    inproc.clock.advance(30)
    assert _use(inproc, user, _code(inproc, secret, -2)) is not None  # out of the window
