"""Triggers around sign-in: PreAuthentication, PostAuthentication, PreTokenGeneration (V1, V2,
and V3, which alone also runs for client-credentials grants).

Each gets the request's ClientMetadata from the ``Call`` being served.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from userpool.domain import trigger_events
from userpool.domain.entities import Pool, User
from userpool.domain.services import Call, Services
from userpool.domain.trigger_events import Origin
from userpool.errors import BAD_LAMBDA_OUTPUT, InvalidLambdaResponseException

# Claims a trigger may not change (DEVIATION: Cognito's exact list is not published whole;
# changes to these are ignored rather than refused).
RESERVED = frozenset(
    {
        "iss",
        "sub",
        "aud",
        "token_use",
        "exp",
        "iat",
        "auth_time",
        "jti",
        "origin_jti",
        "event_id",
        "client_id",
        "cognito:username",
        "username",
        "scope",
        "nonce",
        "at_hash",
        "amr",
        "acr",
    }
)


@dataclass
class TokenChanges:
    """What PreTokenGeneration asked for, per token."""

    id_claims: dict[str, Any] = field(default_factory=dict)
    id_suppress: list[str] = field(default_factory=list)
    access_claims: dict[str, Any] = field(default_factory=dict)
    access_suppress: list[str] = field(default_factory=list)
    groups: list[str] | None = None
    scopes_add: list[str] = field(default_factory=list)
    scopes_suppress: list[str] = field(default_factory=list)

    def apply(self, claims: dict[str, Any], use: str) -> dict[str, Any]:
        add = self.id_claims if use == "id" else self.access_claims
        suppress = self.id_suppress if use == "id" else self.access_suppress
        out = {k: v for k, v in claims.items() if k in RESERVED or k not in suppress}
        out.update({k: v for k, v in add.items() if k not in RESERVED})
        if self.groups is not None:
            out["cognito:groups"] = self.groups
        if use == "access" and (self.scopes_add or self.scopes_suppress):
            scopes = [s for s in str(out.get("scope", "")).split() if s not in self.scopes_suppress]
            out["scope"] = " ".join(scopes + [s for s in self.scopes_add if s not in scopes])
        return out


async def authentication(
    svc: Services, call: Call, trigger: str, pool: Pool, client_id: str, user: User
) -> None:
    """Run PreAuthentication or PostAuthentication (``trigger``), if the pool has it."""
    if svc.triggers.arn(pool, trigger) is not None:
        origin = Origin(svc.settings.region, pool, client_id, call.client_metadata)
        event = trigger_events.authentication(origin, trigger, user)
        await svc.triggers.run(pool, trigger, event)


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidLambdaResponseException(BAD_LAMBDA_OUTPUT)
    return value


def _groups(details: dict[str, Any]) -> list[str] | None:
    group = _dict(details.get("groupOverrideDetails"))
    return None if group.get("groupsToOverride") is None else _strings(group["groupsToOverride"])


def _dict(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidLambdaResponseException(BAD_LAMBDA_OUTPUT)
    return value


async def pre_token_generation(
    svc: Services,
    call: Call,
    pool: Pool,
    client_id: str,
    user: User,
    source: str,
    groups: tuple[str, ...] = (),
    roles: tuple[str, ...] = (),
    granted: tuple[str, ...] | None = None,
) -> TokenChanges:
    """PreTokenGeneration for a user's tokens; ``granted``: the OAuth scopes of a token
    from the OAuth endpoints (the API's tokens carry aws.cognito.signin.user.admin)."""
    if svc.triggers.arn(pool, "PreTokenGeneration") is None:
        return TokenChanges()
    lambda_config = pool.config.get("LambdaConfig") or {}
    version = (lambda_config.get("PreTokenGenerationConfig") or {}).get("LambdaVersion", "V1_0")
    number = {"V1_0": "1", "V2_0": "2", "V3_0": "3"}.get(version, "1")
    scopes = ["aws.cognito.signin.user.admin"] if granted is None else list(granted)
    origin = Origin(svc.settings.region, pool, client_id, call.client_metadata)
    event = trigger_events.pre_token_generation(
        origin, user, source, number, list(groups), scopes, list(roles)
    )
    output = await svc.triggers.run(pool, "PreTokenGeneration", event) or {}
    response = _dict(output.get("response"))
    if number == "1":
        details = _dict(response.get("claimsOverrideDetails"))
        return TokenChanges(
            id_claims=_dict(details.get("claimsToAddOrOverride")),
            id_suppress=_strings(details.get("claimsToSuppress")),
            groups=_groups(details),
        )
    details = _dict(response.get("claimsAndScopeOverrideDetails"))
    id_part = _dict(details.get("idTokenGeneration"))
    access = _dict(details.get("accessTokenGeneration"))
    return TokenChanges(
        id_claims=_dict(id_part.get("claimsToAddOrOverride")),
        id_suppress=_strings(id_part.get("claimsToSuppress")),
        access_claims=_dict(access.get("claimsToAddOrOverride")),
        access_suppress=_strings(access.get("claimsToSuppress")),
        groups=_groups(details),
        scopes_add=_strings(access.get("scopesToAdd")),
        scopes_suppress=_strings(access.get("scopesToSuppress")),
    )


async def client_credentials(
    svc: Services, pool: Pool, client_id: str, scopes: list[str], metadata: dict[str, str] | None
) -> TokenChanges:
    """PreTokenGeneration for a client-credentials token: only a V3 function runs (V1 and V2
    never see machine tokens); only its access-token changes apply."""
    if svc.triggers.arn(pool, "PreTokenGeneration") is None:
        return TokenChanges()
    lambda_config = pool.config.get("LambdaConfig") or {}
    if (lambda_config.get("PreTokenGenerationConfig") or {}).get("LambdaVersion") != "V3_0":
        return TokenChanges()
    origin = Origin(svc.settings.region, pool, client_id, metadata)
    event = trigger_events.client_credentials_token(origin, scopes)
    output = await svc.triggers.run(pool, "PreTokenGeneration", event) or {}
    details = _dict(_dict(output.get("response")).get("claimsAndScopeOverrideDetails"))
    access = _dict(details.get("accessTokenGeneration"))
    return TokenChanges(
        access_claims=_dict(access.get("claimsToAddOrOverride")),
        access_suppress=_strings(access.get("claimsToSuppress")),
        scopes_add=_strings(access.get("scopesToAdd")),
        scopes_suppress=_strings(access.get("scopesToSuppress")),
    )
