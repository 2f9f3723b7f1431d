"""USER_AUTH's first factor: which factors a user may choose (``AvailableChallenges``), the
choice (``PREFERRED_CHALLENGE`` at InitiateAuth, or the ``ANSWER`` to SELECT_CHALLENGE), the
challenge each factor starts (PASSWORD, PASSWORD_VERIFIER, EMAIL_OTP, SMS_OTP, WEB_AUTHN),
the WEB_AUTHN answer, and GetUserAuthFactors' ``ConfiguredUserAuthFactors``.

The factors offered are those of the pool's ``SignInPolicy.AllowedFirstAuthFactors`` the
user can use (``PASSWORD`` stands for PASSWORD and PASSWORD_SRP); the client's
``ALLOW_USER_AUTH`` is checked before (``domain.signin.check_flow_enabled``). Passwordless
factors are not offered in a pool whose MFA is ON (a passkey is, when it is the pool's
multi-factor passkey), and a passkey is not offered to a user of an OPTIONAL pool who has
MFA enabled ("can set up WebAuthn but can't sign in with passkey"), as Cognito's MFA
documentation says; such a user's email or SMS code still signs in without MFA.
"""

from __future__ import annotations

from typing import Any

from userpool.domain import mfa, mfa_pool, srp
from userpool.domain.entities import CONFIRMED, UNCONFIRMED, AppClient, Pool, Session, User
from userpool.domain.services import Call, Services
from userpool.domain.signin import check_status
from userpool.errors import (
    NOT_CONFIRMED,
    WRONG_PASSWORD,
    InvalidParameterException,
    NotAuthorizedException,
    UserNotConfirmedException,
)
from userpool.operations.steps import decoys, otp, passkeys, totp
from userpool.operations.steps.devices import finish
from userpool.operations.steps.mfa_challenge import after_password
from userpool.operations.steps.signin import (
    GHOST,
    challenge_session,
    check_password,
    param,
)

CHOICES = ("PASSWORD", "PASSWORD_SRP", "WEB_AUTHN", "EMAIL_OTP", "SMS_OTP")
_PASSWORDLESS = ("EMAIL_OTP", "SMS_OTP", "WEB_AUTHN")


def _pool_allows(pool: Pool) -> list[str]:
    """The choices the pool's settings allow, whoever signs in."""
    allowed = passkeys.allowed_first(pool)
    out = ["PASSWORD", "PASSWORD_SRP"] if "PASSWORD" in allowed else []
    out += [f for f in ("EMAIL_OTP", "SMS_OTP") if f in allowed]
    if "WEB_AUTHN" in allowed and passkeys.configuration(pool).get("RelyingPartyId"):
        out.append("WEB_AUTHN")
    if mfa_pool.mode(pool.config) == "ON":
        multi = passkeys.configuration(pool).get("FactorConfiguration")
        keep = ("WEB_AUTHN",) if multi == "MULTI_FACTOR_WITH_USER_VERIFICATION" else ()
        out = [f for f in out if f not in _PASSWORDLESS or f in keep]
    return out


def pool_factors(pool: Pool) -> list[str]:
    """AvailableChallenges when the client hides existence: from the pool's settings only,
    the same for every name, real or not.

    DEVIATION: Cognito filters the list by what the user can do (docs' example); that would
    tell a user with a verified email from an unknown name, so hidden clients list what the
    pool allows, and a factor the user cannot use gets a challenge no answer passes."""
    return _pool_allows(pool)


def available_factors(svc: Services, pool: Pool, user: User) -> list[str]:
    allowed = _pool_allows(pool)
    out: list[str] = []
    if "PASSWORD" in allowed and user.password_hash:
        out += ["PASSWORD", "PASSWORD_SRP"]
    if user.status != CONFIRMED:
        return out  # codes only replace a password for confirmed users, at verified addresses
    optional_mfa = mfa_pool.mode(pool.config) == "OPTIONAL" and mfa.factors_of(user).enabled
    if "EMAIL_OTP" in allowed and user.verified("email"):
        out.append("EMAIL_OTP")
    if "SMS_OTP" in allowed and user.verified("phone_number"):
        out.append("SMS_OTP")
    if "WEB_AUTHN" in allowed and not optional_mfa and passkeys.usable(svc, pool, user):
        out.append("WEB_AUTHN")
    return out


async def choose(
    svc: Services,
    call: Call,
    pool: Pool,
    client: AppClient,
    user: User,
    choice: str | None,
    params: dict[str, str],
    preferred: bool = False,
) -> dict[str, Any]:
    """The challenge (or tokens) for ``choice``; SELECT_CHALLENGE when there is none, or
    when the preferred one (``preferred``: InitiateAuth's) is one the pool allows but this
    user cannot use. A choice the pool does not allow, or an ANSWER not offered, is
    InvalidParameterException.

    DEVIATION: an ``ANSWER`` of WEB_AUTHN sent with a ``CREDENTIAL`` still gets the
    WEB_AUTHN challenge (no challenge was signed before it), as Amplify expects."""
    hidden = client.prevent_user_existence_errors
    if user.status == UNCONFIRMED and not hidden:
        raise UserNotConfirmedException(NOT_CONFIRMED)
    if choice is not None and choice not in CHOICES:
        raise InvalidParameterException(f"The requested challenge {choice} is not available.")
    usable = [] if user.status == GHOST or not user.enabled else available_factors(svc, pool, user)
    factors = pool_factors(pool) if hidden else usable
    if choice is None or (preferred and choice in _pool_allows(pool) and choice not in factors):
        with svc.store.transaction() as tx:
            token = challenge_session(svc, tx, client, user, "SELECT_CHALLENGE")
        return {
            "ChallengeName": "SELECT_CHALLENGE",
            "Session": token,
            "ChallengeParameters": {},
            "AvailableChallenges": factors,
        }
    if choice not in factors:
        raise InvalidParameterException(f"The requested challenge {choice} is not available.")
    if choice == "PASSWORD":
        if params.get("PASSWORD"):
            await check_password(svc, call, pool, user, params["PASSWORD"], hidden)
            return await after_password(svc, call, pool, client, user)
        with svc.store.transaction() as tx:
            token = challenge_session(svc, tx, client, user, "PASSWORD")
        return {"ChallengeName": "PASSWORD", "Session": token, "ChallengeParameters": {}}
    if choice == "PASSWORD_SRP":
        return await srp_challenge(svc, pool, client, user, param(params, "SRP_A"))
    if choice == "WEB_AUTHN":
        return passkeys.sign_in_challenge(svc, pool, client, user, listed=not hidden)
    if choice not in usable:
        return decoys.otp_challenge(svc, pool, client, user, choice)
    return await otp.send(svc, pool, client, user, choice)


async def answer_web_authn(
    svc: Services,
    call: Call,
    pool: Pool,
    client: AppClient,
    user: User,
    session: Session,
    answers: dict[str, str],
) -> dict[str, Any]:
    """A passkey's assertion signs the user in (no MFA step: a passkey is offered only
    where none follows)."""
    credential = param(answers, "CREDENTIAL")
    if user.status == GHOST:
        raise NotAuthorizedException(WRONG_PASSWORD)
    passkeys.check_assertion(svc, pool, user, session, credential)
    check_status(user)
    return await finish(svc, call, pool, client, user)


async def srp_challenge(
    svc: Services, pool: Pool, client: AppClient, user: User, a_hex: str
) -> dict[str, Any]:
    secret = verifier(svc, pool, client, user)
    if user.status == UNCONFIRMED and not client.prevent_user_existence_errors:
        raise UserNotConfirmedException(NOT_CONFIRMED)
    if not srp.check_a(a_hex) or not secret:
        raise NotAuthorizedException(WRONG_PASSWORD)
    b_hex, big_b = await svc.hasher.run(srp.server_challenge, secret["verifier"])
    # The secret block doubles as the challenge's session key: clients such as pycognito
    # answer PASSWORD_VERIFIER without the Session, as Cognito allows.
    secret_block = srp.new_secret_block()
    data = {"a": a_hex, "b": b_hex}
    with svc.store.transaction() as tx:
        token = challenge_session(svc, tx, client, user, "PASSWORD_VERIFIER", data, secret_block)
    return password_verifier(token, secret, big_b, secret_block, user)


def password_verifier(
    session: str, secret: dict[str, str], big_b: str, secret_block: str, user: User
) -> dict[str, Any]:
    """The PASSWORD_VERIFIER challenge as USER_SRP_AUTH answers it (B from the server's
    half of the exchange, the user's salt)."""
    return {
        "ChallengeName": "PASSWORD_VERIFIER",
        "Session": session,
        "ChallengeParameters": {
            "SALT": secret["salt"],
            "SRP_B": big_b,
            "SECRET_BLOCK": secret_block,
            "USER_ID_FOR_SRP": user.username,
            "USERNAME": user.username,
        },
    }


async def srp_proof_ok(
    svc: Services,
    pool: Pool,
    client: AppClient,
    user: User,
    a_hex: str,
    b_hex: str,
    answers: dict[str, str],
) -> bool:
    """Whether PASSWORD_VERIFIER's answer proves the password for the exchange (A, B)."""
    secret = verifier(svc, pool, client, user) or {}
    return bool(secret) and await svc.hasher.run(
        srp.verify_claim,
        pool.id,
        user.username,
        secret["salt"],
        secret["verifier"],
        a_hex,
        b_hex,
        param(answers, "PASSWORD_CLAIM_SECRET_BLOCK"),
        param(answers, "TIMESTAMP"),
        param(answers, "PASSWORD_CLAIM_SIGNATURE"),
    )


def verifier(svc: Services, pool: Pool, client: AppClient, user: User) -> dict[str, str] | None:
    """The user's SRP salt and verifier; when the client hides existence, a user without
    one (no password yet) gets a stable stand-in, as an unknown name does."""
    stored: dict[str, str] | None = user.extra.get("srp")
    if stored or not client.prevent_user_existence_errors:
        return stored
    return decoys.srp_secret(svc, pool.id, user.sub)


def configured_factors(svc: Services, pool: Pool, user: User) -> list[str]:
    """GetUserAuthFactors' ``ConfiguredUserAuthFactors``: a password; an email or phone
    number that is verified and can carry codes (the pool allows it as a first factor, or
    the user's MFA uses it); passkeys; a verified software token.

    DEVIATION: which conditions Cognito applies is unpublished; AWS's example lists
    PASSWORD, EMAIL_OTP, SMS_OTP, WEB_AUTHN in this order, which is kept."""
    allowed = passkeys.allowed_first(pool)
    enabled = mfa.factors_of(user).enabled
    out = ["PASSWORD"] if user.password_hash else []
    if user.verified("email") and ("EMAIL_OTP" in allowed or mfa.EMAIL in enabled):
        out.append("EMAIL_OTP")
    if user.verified("phone_number") and ("SMS_OTP" in allowed or mfa.SMS in enabled):
        out.append("SMS_OTP")
    with svc.store.read() as tx:
        if passkeys.stored(tx, user):
            out.append("WEB_AUTHN")
        if totp.has_token(tx, user):
            out.append("SOFTWARE_TOKEN")
    return out
