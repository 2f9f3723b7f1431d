"""Software-token MFA set-up: AssociateSoftwareToken and VerifySoftwareToken, each
authorized by an access token (a signed-in user adding an authenticator app) or by the
Session of an MFA_SETUP challenge (a user the pool requires MFA of, while signing in).
The token's rules are in ``steps/totp.py`` and ``domain/totp.py``."""

from __future__ import annotations

from typing import Any

from userpool.domain import mfa, mfa_pool
from userpool.domain.entities import Pool, Session, User
from userpool.domain.ports import Tx
from userpool.domain.services import Call, Services
from userpool.errors import (
    TOTP_NOT_IN_POOL,
    USER_DISABLED,
    InvalidParameterException,
    NotAuthorizedException,
    SoftwareTokenMFANotFoundException,
)
from userpool.operations.steps import totp
from userpool.operations.steps.lookups import access_user, pool_of, stored_user

# DEVIATION: the model says "AccessToken or Session, but not both"; the wordings are ours.
ONE_OF = "Exactly one of AccessToken or Session must be given."


def _one_of(req: dict[str, Any]) -> str | None:
    """The request's access token, or None when it is authorized by its Session."""
    token, session = req.get("AccessToken"), req.get("Session")
    if (token is None) == (session is None):
        raise InvalidParameterException(ONE_OF)
    return None if token is None else str(token)


def _offers_totp(pool: Pool) -> None:
    if not mfa_pool.totp_offered(pool.config):
        raise SoftwareTokenMFANotFoundException(TOTP_NOT_IN_POOL)


async def associate_software_token(
    svc: Services, call: Call, req: dict[str, Any]
) -> dict[str, Any]:
    """A new secret; with a Session also the next Session (no Session otherwise)."""
    now = svc.clock.now()
    access = _one_of(req)
    if access is not None:
        pool, user, _ = await access_user(svc, access)
        _offers_totp(pool)
        with svc.store.transaction() as tx:
            secret = totp.associate(svc, tx, user, now)
        return {"SecretCode": secret}
    with svc.store.transaction() as tx:
        setup, pool, user = _setup(svc, tx, req["Session"])
        _offers_totp(pool)  # refused: rolled back, the session stays usable
        secret = totp.associate(svc, tx, user, now)
        session = totp.rotate(svc, tx, setup, dict(setup.data))
    return {"SecretCode": secret, "Session": session}


def _setup(svc: Services, tx: Tx, token: str) -> tuple[Session, Pool, User]:
    """The MFA_SETUP session ``token`` names (consumed in ``tx``), its pool and its user."""
    setup = totp.take_setup_session(svc, tx, token)
    pool = pool_of(tx, setup.pool_id)
    user = stored_user(tx, setup.pool_id, setup.sub)
    if not user.enabled:
        raise NotAuthorizedException(USER_DISABLED)
    return setup, pool, user


async def verify_software_token(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    """``Status: SUCCESS`` (and the next Session on the session path); a wrong code is
    EnableSoftwareTokenMFAException (observed), never a 200 with ``Status: ERROR``.
    Through an access token, verifying does not enable TOTP MFA (the app then calls
    SetUserMFAPreference); through an MFA_SETUP session it does, as the user is
    challenged for it from then on.

    DEVIATION: ``Status: ERROR`` is never answered (Amplify does not read ``Status``, so
    a 200 would pass a wrong code off as set up); enabling TOTP on the session path (not
    preferring it) is inferred from the next sign-in's challenge.
    """
    now = svc.clock.now()
    code, name = req["UserCode"], req.get("FriendlyDeviceName")
    access = _one_of(req)
    if access is not None:
        _, user, _ = await access_user(svc, access)
        with svc.store.transaction() as tx:
            failure = totp.verify(svc, tx, user, code, name, now)
        if failure is not None:
            raise failure
        return {"Status": "SUCCESS"}
    session: str | None = None
    with svc.store.transaction() as tx:
        setup, _, user = _setup(svc, tx, req["Session"])
        failure = totp.verify(svc, tx, user, code, name, now)
        if failure is not None:
            tx.put_session(setup)  # a wrong code leaves the session usable
        else:
            factors = mfa.factors_of(user)
            mfa.store(
                user,
                mfa.apply_preferences(factors, {mfa.TOTP: {"Enabled": True}}, {mfa.TOTP: True}),
            )
            tx.update_user(user)
            session = totp.rotate(svc, tx, setup, {**setup.data, totp.VERIFIED: True})
    if failure is not None:
        raise failure
    return {"Status": "SUCCESS", "Session": session}
