"""Where triggers run after commit. Invokers arrive with the triggers issue; until then a
pool whose LambdaConfig names a function gets Cognito's error for an unreachable one."""

from __future__ import annotations

from typing import Any

from userpool.domain.entities import Pool, User
from userpool.errors import UnexpectedLambdaException
from userpool.services import Services


def post_confirmation_event(
    svc: Services, pool: Pool, client_id: str | None, user: User, metadata: dict[str, str] | None
) -> dict[str, Any]:
    """The PostConfirmation_ConfirmSignUp event exactly as Cognito builds it."""
    attributes = dict(user.attributes)
    attributes["cognito:user_status"] = user.status
    for alias in pool.alias_attributes:
        if alias in ("email", "phone_number") and user.verified(alias):
            attributes[f"cognito:{alias}_alias"] = user.attributes[alias]
    request: dict[str, Any] = {"userAttributes": attributes}
    # DEVIATION: clientMetadata is left out when the request had none (unconfirmed).
    if metadata:
        request["clientMetadata"] = dict(metadata)
    return {
        "version": "1",
        "region": svc.settings.region,
        "userPoolId": pool.id,
        "userName": user.username,
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": client_id},
        "triggerSource": "PostConfirmation_ConfirmSignUp",
        "request": request,
        "response": {},
    }


async def post_confirmation(
    svc: Services, pool: Pool, client_id: str | None, user: User, metadata: dict[str, str] | None
) -> None:
    """Run the pool's PostConfirmation trigger, if it has one, with the client metadata."""
    if not (pool.config.get("LambdaConfig") or {}).get("PostConfirmation"):
        return
    post_confirmation_event(svc, pool, client_id, user, metadata)
    # DEVIATION: no invoker is wired yet, so a configured function is unreachable: Cognito's
    # answer for a missing function. The user stays CONFIRMED, as with any trigger failure.
    raise UnexpectedLambdaException(
        "PostConfirmation invocation failed due to error ResourceNotFoundException."
    )
