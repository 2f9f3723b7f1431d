"""Passkeys around a user: the pool's relying party, a registration's pending challenge
(StartWebAuthnRegistration, CompleteWebAuthnRegistration), the user's credentials (opened
from their sealed form), and the WEB_AUTHN sign-in challenge and its answer.

A registration's challenge is kept only as a keyed hash in the codes table (purpose
``webauthn-registration``, its ``attribute`` the client that asked), one per user: a new
Start replaces it, Complete consumes it. A sign-in challenge is a challenge session of
``challenge:WEB_AUTHN`` whose data holds the challenge sent (it is public).
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from typing import Any

import orjson

from userpool.domain import codes, webauthn
from userpool.domain.entities import AppClient, Code, Pool, Session, User
from userpool.domain.mfa_pool import PRIVATE
from userpool.domain.ports import AlreadyExists, NotFound, Tx
from userpool.domain.services import Services
from userpool.domain.store_ports import StoredPasskey
from userpool.errors import (
    WEBAUTHN_BAD_CREDENTIAL,
    WEBAUTHN_CLIENT_MISMATCH,
    WEBAUTHN_NO_CHALLENGE,
    WEBAUTHN_NO_CONFIG,
    WEBAUTHN_NOT_ENABLED,
    WEBAUTHN_ORIGIN,
    WEBAUTHN_RP_MISMATCH,
    WEBAUTHN_TOO_MANY,
    WEBAUTHN_UNSUPPORTED,
    WRONG_PASSWORD,
    CognitoError,
    InvalidParameterException,
    LimitExceededException,
    NotAuthorizedException,
    WebAuthnChallengeNotFoundException,
    WebAuthnClientMismatchException,
    WebAuthnConfigurationMissingException,
    WebAuthnCredentialNotSupportedException,
    WebAuthnNotEnabledException,
    WebAuthnOriginNotAllowedException,
    WebAuthnRelyingPartyMismatchException,
)
from userpool.operations.steps.signin import challenge_session

REGISTRATION = "webauthn-registration"
CHALLENGE = "WEB_AUTHN"
# DEVIATION: a registration challenge lives 5 minutes (the options' timeout says 60 s;
# Cognito's own lifetime is unpublished).
REGISTRATION_SECONDS = 300
_REFUSED: dict[str, Callable[[], CognitoError]] = {
    "malformed": lambda: InvalidParameterException(WEBAUTHN_BAD_CREDENTIAL),
    "challenge": lambda: WebAuthnChallengeNotFoundException(WEBAUTHN_NO_CHALLENGE),
    "origin": lambda: WebAuthnOriginNotAllowedException(WEBAUTHN_ORIGIN),
    "relying_party": lambda: WebAuthnRelyingPartyMismatchException(WEBAUTHN_RP_MISMATCH),
}


def configuration(pool: Pool) -> dict[str, Any]:
    return dict((pool.config.get(PRIVATE) or {}).get("WebAuthnConfiguration") or {})


def allowed_first(pool: Pool) -> list[str]:
    policy = (pool.config.get("Policies") or {}).get("SignInPolicy") or {}
    return list(policy.get("AllowedFirstAuthFactors") or ["PASSWORD"])


def relying_party(pool: Pool) -> tuple[str, str]:
    """The pool's relying-party id and user verification, or Cognito's refusal.

    DEVIATION: a pool without ``RelyingPartyId`` has none (Cognito falls back on the pool's
    domain, which userpool does not serve yet): WebAuthnConfigurationMissingException."""
    config = configuration(pool)
    rp_id = config.get("RelyingPartyId")
    if not rp_id:
        raise WebAuthnConfigurationMissingException(WEBAUTHN_NO_CONFIG)
    return str(rp_id), str(config.get("UserVerification") or "preferred")


def check_enabled(pool: Pool) -> None:
    """Passkeys are enabled when WEB_AUTHN is among the pool's first factors, or passkey
    MFA is configured (``FactorConfiguration``)."""
    multi = configuration(pool).get("FactorConfiguration") == "MULTI_FACTOR_WITH_USER_VERIFICATION"
    if "WEB_AUTHN" not in allowed_first(pool) and not multi:
        raise WebAuthnNotEnabledException(WEBAUTHN_NOT_ENABLED)


def stored(tx: Tx, user: User) -> list[StoredPasskey]:
    return tx.passkeys(user.pool_id, user.sub)


def opened(svc: Services, passkey: StoredPasskey) -> webauthn.Credential:
    return webauthn.Credential(
        credential_id=passkey.credential_id,
        public=webauthn.unb64url(svc.box.open(passkey.sealed)),
        sign_count=passkey.sign_count,
        relying_party_id=passkey.relying_party_id,
        attachment=passkey.attachment,
        transports=passkey.transports,
        name=passkey.name,
        created=passkey.created,
    )


def _challenge_hash(svc: Services, user: User, challenge: bytes) -> str:
    return codes.code_hash(
        svc.key, user.pool_id, user.sub, REGISTRATION, webauthn.b64url(challenge)
    )


def start(svc: Services, tx: Tx, pool: Pool, client_id: str, user: User) -> dict[str, Any]:
    """StartWebAuthnRegistration's options; the challenge is kept (hashed) for Complete."""
    check_enabled(pool)
    rp_id, verification = relying_party(pool)
    existing = stored(tx, user)
    if len(existing) >= webauthn.MAX_CREDENTIALS:
        raise LimitExceededException(WEBAUTHN_TOO_MANY)
    challenge = secrets.token_bytes(16)
    expires = svc.clock.now() + REGISTRATION_SECONDS
    tx.put_code(
        Code(
            pool.id,
            user.sub,
            REGISTRATION,
            _challenge_hash(svc, user, challenge),
            expires,
            client_id,
            None,
        )
    )
    return webauthn.creation_options(
        rp_id,
        verification,
        user.sub,
        user.username,
        challenge,
        [p.credential_id for p in existing],
    )


def _raise(refused: webauthn.Refused) -> None:
    make = _REFUSED.get(refused.kind)
    if make is not None:
        raise make() from None
    raise WebAuthnCredentialNotSupportedException(WEBAUTHN_UNSUPPORTED) from None


def complete(
    svc: Services, tx: Tx, pool: Pool, client_id: str, user: User, credential: Any
) -> None:
    """CompleteWebAuthnRegistration: the pending challenge (this client's, not expired) is
    consumed and the credential verified and stored.

    DEVIATION: a credential id another user of the pool registered is refused with
    WebAuthnCredentialNotSupportedException (Cognito's answer is unconfirmed)."""
    check_enabled(pool)
    rp_id, verification = relying_party(pool)
    try:
        pending = tx.get_code(pool.id, user.sub, REGISTRATION)
    except NotFound:
        raise WebAuthnChallengeNotFoundException(WEBAUTHN_NO_CHALLENGE) from None
    try:
        response = webauthn.parse_registration(credential)
    except webauthn.Refused as refused:
        _raise(refused)
        raise
    if pending.expires < svc.clock.now():
        raise WebAuthnChallengeNotFoundException(WEBAUTHN_NO_CHALLENGE)
    if pending.attribute != client_id:
        raise WebAuthnClientMismatchException(WEBAUTHN_CLIENT_MISMATCH)
    challenge = bytes(response.response.client_data.challenge)
    if not secrets.compare_digest(pending.code_hash, _challenge_hash(svc, user, challenge)):
        raise WebAuthnChallengeNotFoundException(WEBAUTHN_NO_CHALLENGE)
    transports = (credential.get("response") or {}).get("transports") or []
    try:
        made = webauthn.verify_registration(
            rp_id, verification, challenge, response, [str(t) for t in transports][:8]
        )
    except webauthn.Refused as refused:
        _raise(refused)
        raise
    if len(stored(tx, user)) >= webauthn.MAX_CREDENTIALS:
        raise LimitExceededException(WEBAUTHN_TOO_MANY)
    tx.delete_code(pool.id, user.sub, REGISTRATION)
    try:
        tx.insert_passkey(
            StoredPasskey(
                id=str(uuid.uuid4()),
                pool_id=pool.id,
                sub=user.sub,
                credential_id=made.credential_id,
                sealed=svc.box.seal(webauthn.b64url(made.public)),
                sign_count=made.sign_count,
                relying_party_id=rp_id,
                attachment=made.attachment,
                transports=made.transports,
                name=_friendly_name(made.attachment),
                created=svc.clock.now(),
            )
        )
    except AlreadyExists:
        raise WebAuthnCredentialNotSupportedException(WEBAUTHN_UNSUPPORTED) from None


def _friendly_name(attachment: str | None) -> str:
    """DEVIATION: Cognito's rule for FriendlyCredentialName is unpublished; AWS's example
    shows "Roaming passkey" for a cross-platform one, so: that, or "Platform passkey"."""
    return "Roaming passkey" if attachment == "cross-platform" else "Platform passkey"


def usable(svc: Services, pool: Pool, user: User) -> bool:
    """Whether ``user`` can sign in with a passkey of the pool's current relying party."""
    config = configuration(pool)
    if not config.get("RelyingPartyId"):
        return False
    with svc.store.read() as tx:
        keys = stored(tx, user)
    return any(p.relying_party_id == config["RelyingPartyId"] for p in keys)


def sign_in_challenge(
    svc: Services, pool: Pool, client: AppClient, user: User, listed: bool = True
) -> dict[str, Any]:
    """The WEB_AUTHN challenge: request options naming the user's passkeys of the pool's
    relying party (when ``listed``), and a session holding the challenge.

    DEVIATION: when the client hides existence, ``allowCredentials`` is empty (the
    browser offers the discoverable passkeys it has for the relying party, and Cognito's
    passkeys are always discoverable): a list would tell users with passkeys from others."""
    rp_id, verification = relying_party(pool)
    challenge = secrets.token_bytes(16)
    with svc.store.transaction() as tx:
        keys = stored(tx, user) if listed else []
        allow = [p.credential_id for p in keys if p.relying_party_id == rp_id]
        token = challenge_session(
            svc, tx, client, user, CHALLENGE, {"challenge": webauthn.b64url(challenge)}
        )
    options = webauthn.request_options(rp_id, verification, challenge, allow)
    return {
        "ChallengeName": CHALLENGE,
        "Session": token,
        "ChallengeParameters": {
            "CREDENTIAL_REQUEST_OPTIONS": orjson.dumps(options).decode(),
        },
    }


def check_assertion(svc: Services, pool: Pool, user: User, session: Session, text: str) -> None:
    """The answer to a WEB_AUTHN challenge: a valid assertion of one of the user's passkeys
    over the session's challenge, with a growing sign count (recorded); otherwise
    NotAuthorizedException.

    DEVIATION: RespondToAuthChallenge declares no WebAuthn error, so every refusal is
    NotAuthorizedException "Incorrect username or password." (Cognito's text unconfirmed).
    """
    challenge = webauthn.unb64url(str(session.data.get("challenge") or ""))
    try:
        rp_id, verification = relying_party(pool)
        response = webauthn.parse_assertion(text)
        wanted = webauthn.credential_id_of(response)
        with svc.store.transaction() as tx:
            found = [p for p in stored(tx, user) if p.credential_id == wanted]
            if not found or found[0].relying_party_id != rp_id:
                raise webauthn.Refused("unknown")
            credential = opened(svc, found[0])
            count = webauthn.verify_assertion(
                rp_id, verification, challenge, user.sub, response, credential
            )
            if not tx.advance_passkey(pool.id, wanted, credential.sign_count, count):
                raise webauthn.Refused("count")
    except (webauthn.Refused, WebAuthnConfigurationMissingException):
        raise NotAuthorizedException(WRONG_PASSWORD) from None
