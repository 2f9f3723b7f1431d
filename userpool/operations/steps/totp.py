"""Software tokens (TOTP) around a user: a new pending secret (AssociateSoftwareToken), its
verification (VerifySoftwareToken), a code at sign-in (SOFTWARE_TOKEN_MFA), and the
MFA_SETUP challenge session through which a user without MFA sets a token up.

The MFA_SETUP session is a challenge session (``steps.signin.challenge_session``) of
purpose ``challenge:MFA_SETUP``, bound to the pool, client and user. The sign-in flow that
finds MFA required and no factor makes it with ``setup_session``; AssociateSoftwareToken
and VerifySoftwareToken called with it consume it and answer a new one of the same
purpose (``rotate``), VerifySoftwareToken's marked ``data[VERIFIED] = True``: the session
RespondToAuthChallenge's MFA_SETUP answer completes sign-in with. A wrong code puts the
session back, so a retry on it works (as on Cognito).
"""

from __future__ import annotations

import uuid
from typing import Any

from userpool.domain import codes, totp
from userpool.domain.entities import AppClient, Session, User
from userpool.domain.ports import NotFound, Tx
from userpool.domain.services import Services
from userpool.domain.store_ports import SoftwareToken
from userpool.errors import (
    ATTEMPTS,
    INVALID_SESSION,
    MFA_CODE_MISMATCH,
    NO_PENDING_TOTP,
    NO_TOTP,
    SESSION_EXPIRED,
    TOTP_MISMATCH,
    TOTP_USED,
    CodeMismatchException,
    CognitoError,
    EnableSoftwareTokenMFAException,
    ExpiredCodeException,
    NotAuthorizedException,
    SoftwareTokenMFANotFoundException,
    TooManyRequestsException,
)
from userpool.operations.steps import attempts
from userpool.operations.steps.signin import challenge_session

SETUP = "MFA_SETUP"
PURPOSE = f"challenge:{SETUP}"
VERIFIED = "totp_verified"  # in an MFA_SETUP session's data: a token was verified with it
PENDING, ACTIVE = "pending", "verified"  # the states of a stored software token
VERIFY_ACTION = "totp-verify"  # wrong VerifySoftwareToken codes, in the attempts table


def setup_session(
    svc: Services, tx: Tx, client: AppClient, user: User, data: dict[str, Any] | None = None
) -> str:
    """A new MFA_SETUP challenge session for ``user`` signing in through ``client``."""
    return challenge_session(svc, tx, client, user, SETUP, data)


def take_setup_session(svc: Services, tx: Tx, token: str) -> Session:
    """The MFA_SETUP session ``token`` names, consumed in ``tx``. Refusals are raised inside
    the transaction, which then rolls back: a session of another challenge, sent here by
    mistake, stays usable for its own challenge."""
    try:
        session = tx.take_session(codes.session_hash(svc.key, token))
    except NotFound:
        raise NotAuthorizedException(INVALID_SESSION) from None
    if session.purpose != PURPOSE:
        raise NotAuthorizedException(INVALID_SESSION)
    if session.expires < svc.clock.now():
        raise NotAuthorizedException(SESSION_EXPIRED)
    return session


def rotate(svc: Services, tx: Tx, session: Session, data: dict[str, Any]) -> str:
    """The next MFA_SETUP session of the same user and client, living the client's
    ``AuthSessionValidity`` from now.

    DEVIATION: each Session answered is taken for a new challenge session with a lifetime
    of its own; whether Cognito keeps the first one's expiry is unconfirmed.
    """
    try:
        client = tx.get_client(session.client_id)
    except NotFound:
        raise NotAuthorizedException(INVALID_SESSION) from None
    expires = svc.clock.now() + client.auth_session_validity_minutes * 60
    token, new = codes.new_session(
        svc.key, session.pool_id, session.client_id, session.sub, PURPOSE, expires
    )
    new.data = data
    tx.put_session(new)
    return token


def associate(svc: Services, tx: Tx, user: User, now: float) -> str:
    """A new secret for ``user``, kept sealed as their pending token (replacing a pending
    one); a verified token stays in force until another is verified. The clear secret."""
    secret = totp.new_secret()
    tx.put_software_token(
        SoftwareToken(user.pool_id, user.sub, PENDING, svc.box.seal(secret), now, id=_id())
    )
    return secret


def verify(
    svc: Services, tx: Tx, user: User, code: str, device_name: str | None, now: float
) -> CognitoError | None:
    """``code`` against the user's pending secret. Right: the secret becomes the user's
    verified token (replacing the old one) with the code's step used, and None. Wrong: the
    failure is counted and the error to raise after commit is returned.

    DEVIATION: wrong codes are limited like other codes (``--code-attempts-per-hour`` per
    user and hour), then TooManyRequestsException "Attempt limit exceeded, please try
    after some time." (LimitExceededException, other codes' answer, is not among this
    operation's errors); Cognito's limit and answer are unpublished.
    """
    try:
        pending = tx.software_token(user.pool_id, user.sub, PENDING)
    except NotFound:
        raise SoftwareTokenMFANotFoundException(NO_PENDING_TOTP) from None
    limit = svc.settings.code_attempts_per_hour
    if attempts.over(tx, user.pool_id, user.sub, VERIFY_ACTION, limit, now):
        raise TooManyRequestsException(ATTEMPTS)
    verdict, step = totp.judge(svc.box.open(pending.sealed), code, now, None)
    if verdict is not totp.Verdict.OK:
        tx.add_attempt(user.pool_id, user.sub, VERIFY_ACTION, now)
        return EnableSoftwareTokenMFAException(TOTP_MISMATCH)
    tx.delete_software_token(user.pool_id, user.sub, PENDING)
    verified = SoftwareToken(
        user.pool_id, user.sub, ACTIVE, pending.sealed, now, device_name, step, _id()
    )
    tx.put_software_token(verified)
    tx.clear_attempts(user.pool_id, user.sub, VERIFY_ACTION)
    return None


def has_token(tx: Tx, user: User) -> bool:
    """Whether the user has a verified software token (SOFTWARE_TOKEN_MFA can be enabled)."""
    try:
        tx.software_token(user.pool_id, user.sub, ACTIVE)
    except NotFound:
        return False
    return True


def use_code(svc: Services, tx: Tx, user: User, code: str, now: float) -> CognitoError | None:
    """A SOFTWARE_TOKEN_MFA answer: ``code`` must come from the user's verified token, for a
    time step not used before (the step is then recorded); None, or the error to raise
    (after commit: the step stays recorded). No verified token is raised at once.
    The attempt limit of the challenge is the caller's (its session's)."""
    try:
        token = tx.software_token(user.pool_id, user.sub, ACTIVE)
    except NotFound:
        raise SoftwareTokenMFANotFoundException(NO_TOTP) from None
    verdict, step = totp.judge(svc.box.open(token.sealed), code, now, token.last_step)
    if verdict is totp.Verdict.WRONG:
        return CodeMismatchException(MFA_CODE_MISMATCH)
    if verdict is totp.Verdict.USED or not tx.advance_software_token(user.pool_id, user.sub, step):
        return ExpiredCodeException(TOTP_USED)
    return None


def _id() -> str:
    return str(uuid.uuid4())
