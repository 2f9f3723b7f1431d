"""Passkeys (WebAuthn) a signed-in user manages with an access token:
StartWebAuthnRegistration, CompleteWebAuthnRegistration, ListWebAuthnCredentials,
DeleteWebAuthnCredential; and GetUserAuthFactors, the user's first factors and MFA.
Verification is ``domain/webauthn.py``'s (the fido2 library); the store side and the
sign-in challenge are ``steps/passkeys.py``'s."""

from __future__ import annotations

from typing import Any

from userpool.domain import mfa
from userpool.domain.services import Call, Services
from userpool.errors import (
    INVALID_PAGINATION,
    WEBAUTHN_NO_CREDENTIAL,
    InvalidParameterException,
    ResourceNotFoundException,
)
from userpool.operations.steps import first_factor, passkeys
from userpool.operations.steps.lookups import access_user
from userpool.operations.steps.paging import decode_token, encode_token

_PAGE = 20  # DEVIATION: ListWebAuthnCredentials' page without MaxResults (the model's maximum)


async def start_web_authn_registration(
    svc: Services, call: Call, req: dict[str, Any]
) -> dict[str, Any]:
    pool, user, claims = await access_user(svc, req["AccessToken"])
    with svc.store.transaction() as tx:
        options = passkeys.start(svc, tx, pool, str(claims.get("client_id")), user)
    return {"CredentialCreationOptions": options}


async def complete_web_authn_registration(
    svc: Services, call: Call, req: dict[str, Any]
) -> dict[str, Any]:
    pool, user, claims = await access_user(svc, req["AccessToken"])
    credential = req["Credential"]
    if not isinstance(credential, dict):
        raise InvalidParameterException("Credential data is not valid")
    with svc.store.transaction() as tx:
        passkeys.complete(svc, tx, pool, str(claims.get("client_id")), user, credential)
    return {}


async def list_web_authn_credentials(
    svc: Services, call: Call, req: dict[str, Any]
) -> dict[str, Any]:
    """The user's passkeys, oldest first; NextToken is the index to resume at."""
    _, user, _ = await access_user(svc, req["AccessToken"])
    start = decode_token(req.get("NextToken")) or "0"
    if not start.isdigit():
        raise InvalidParameterException(INVALID_PAGINATION)
    size = req.get("MaxResults") or _PAGE
    with svc.store.read() as tx:
        keys = passkeys.stored(tx, user)
    page = keys[int(start) : int(start) + size]
    out: dict[str, Any] = {
        "Credentials": [
            {
                "CredentialId": p.credential_id,
                "FriendlyCredentialName": p.name,
                "RelyingPartyId": p.relying_party_id,
                **({"AuthenticatorAttachment": p.attachment} if p.attachment else {}),
                "AuthenticatorTransports": list(p.transports),
                "CreatedAt": p.created,
            }
            for p in page
        ]
    }
    if int(start) + size < len(keys):
        out["NextToken"] = encode_token(str(int(start) + size))
    return out


async def delete_web_authn_credential(
    svc: Services, call: Call, req: dict[str, Any]
) -> dict[str, Any]:
    pool, user, _ = await access_user(svc, req["AccessToken"])
    with svc.store.transaction() as tx:
        gone = tx.delete_passkey(pool.id, user.sub, req["CredentialId"])
    if not gone:
        raise ResourceNotFoundException(WEBAUTHN_NO_CREDENTIAL)
    return {}


async def get_user_auth_factors(svc: Services, call: Call, req: dict[str, Any]) -> dict[str, Any]:
    """``Username``, the MFA members as GetUser shows them (absent when there are none)
    and ``ConfiguredUserAuthFactors``."""
    pool, user, _ = await access_user(svc, req["AccessToken"])
    out: dict[str, Any] = {"Username": user.username}
    members = mfa.user_members(pool, user)
    for name in ("PreferredMfaSetting", "UserMFASettingList"):
        if name in members:
            out[name] = members[name]
    out["ConfiguredUserAuthFactors"] = first_factor.configured_factors(svc, pool, user)
    return out
