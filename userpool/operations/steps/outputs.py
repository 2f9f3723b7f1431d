"""Answers as Cognito shapes them: the members it shows for every pool, whatever the pool's
settings, filled in when the answer is built (so pools stored before a default existed get
it too, and an UpdateUserPool that reset a member shows its default).

Sources (docs/compatibility.md, "Output members"): the AWS CLI reference's examples of
create-user-pool and describe-user-pool, and the model's documentation of UserPoolType.
"""

from __future__ import annotations

import copy
from typing import Any

from userpool.domain.entities import Pool
from userpool.domain.passwords import DEFAULT_POLICY

# (top-level member, VerificationMessageTemplate member): Cognito shows the same text in
# both (describe-user-pool's example), so one set alone shows in the other too.
_MIRRORED = (
    ("SmsVerificationMessage", "SmsMessage"),
    ("EmailVerificationMessage", "EmailMessage"),
    ("EmailVerificationSubject", "EmailSubject"),
)


def wire_pool(pool: Pool, arn: str, users: int) -> dict[str, Any]:
    """The wire's UserPoolType of ``pool``; ``users`` is its EstimatedNumberOfUsers.

    Members a pool has only when set (AccountRecoverySetting, UsernameConfiguration,
    AliasAttributes, UsernameAttributes, AutoVerifiedAttributes, DeviceConfiguration,
    SmsConfiguration, UserPoolAddOns ...) are left out when they were never set, as
    Cognito leaves them out (the model documents a pool without AccountRecoverySetting).

    DEVIATION: that a pool created without UsernameConfiguration shows none is inferred
    (the CLI reference's describe-user-pool example has none), not confirmed."""
    out: dict[str, Any] = {"Id": pool.id, "Name": pool.name}
    out.update(copy.deepcopy({k: v for k, v in pool.config.items() if not k.startswith("_")}))
    policies = out.setdefault("Policies", {})
    password = policies.setdefault("PasswordPolicy", {})
    for key, value in DEFAULT_POLICY.items():
        password.setdefault(key, value)
    policies.setdefault("SignInPolicy", {"AllowedFirstAuthFactors": ["PASSWORD"]})
    out.setdefault("DeletionProtection", "INACTIVE")
    out.setdefault("LambdaConfig", {})
    template = out.setdefault("VerificationMessageTemplate", {})
    template.setdefault("DefaultEmailOption", "CONFIRM_WITH_CODE")
    for top, inner in _MIRRORED:
        if top in out and inner not in template:
            template[inner] = out[top]
        elif inner in template and top not in out:
            out[top] = template[inner]
    updates = out.setdefault("UserAttributeUpdateSettings", {})
    updates.setdefault("AttributesRequireVerificationBeforeUpdate", [])
    out.setdefault("MfaConfiguration", "OFF")
    out.setdefault("EmailConfiguration", {}).setdefault("EmailSendingAccount", "COGNITO_DEFAULT")
    out.setdefault("UserPoolTags", {})
    admin = out.setdefault("AdminCreateUserConfig", {})
    admin.setdefault("AllowAdminCreateUserOnly", False)
    # DEVIATION: an unset UnusedAccountValidityDays shows the temporary password's
    # validity, inferred from describe-user-pool's example (both 1); as is the mirroring of
    # the verification texts above (the example shows each text in both places).
    admin.setdefault("UnusedAccountValidityDays", password["TemporaryPasswordValidityDays"])
    out.setdefault("UserPoolTier", "ESSENTIALS")
    # DEVIATION: Cognito's number is an estimate, updated with some delay; ours is the
    # exact count of the pool's users (any status) when the answer is built.
    out["EstimatedNumberOfUsers"] = users
    out["LastModifiedDate"] = pool.modified
    out["CreationDate"] = pool.created
    out["Arn"] = arn
    return out
