"""The entry points: one function per Cognito operation, grouped by family in this package's
modules (which never import each other: what they share lives in ``steps``); ``REGISTRY``
maps wire names to them, and ``run`` is the one pipeline every transport calls — the HTTP
server, the embedded CLI and the GET pages alike.

Each operation takes the services, the ``Call`` and the validated request dict, and
returns the response dict.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from userpool.domain.services import Call, Services
from userpool.errors import CognitoError, UnsupportedOperationException
from userpool.model import operations
from userpool.operations import (
    admin_users,
    attributes,
    auth,
    client_secrets,
    clients,
    devices,
    domains,
    feedback,
    groups,
    imports,
    list_users,
    mfa,
    passkeys,
    passwords,
    pool_config,
    pools,
    recovery,
    resource_servers,
    signup,
    tags,
    threat,
    totp,
    user_tokens,
)

Handler = Callable[[Services, Call, dict[str, Any]], Awaitable[dict[str, Any]]]

REGISTRY: dict[str, Handler] = {
    "CreateUserPool": pools.create_user_pool,
    "DescribeUserPool": pools.describe_user_pool,
    "UpdateUserPool": pools.update_user_pool,
    "DeleteUserPool": pools.delete_user_pool,
    "ListUserPools": pools.list_user_pools,
    "AddCustomAttributes": pools.add_custom_attributes,
    "CreateUserPoolClient": clients.create_user_pool_client,
    "DescribeUserPoolClient": clients.describe_user_pool_client,
    "UpdateUserPoolClient": clients.update_user_pool_client,
    "DeleteUserPoolClient": clients.delete_user_pool_client,
    "ListUserPoolClients": clients.list_user_pool_clients,
    "AddUserPoolClientSecret": client_secrets.add_user_pool_client_secret,
    "ListUserPoolClientSecrets": client_secrets.list_user_pool_client_secrets,
    "DeleteUserPoolClientSecret": client_secrets.delete_user_pool_client_secret,
    "TagResource": tags.tag_resource,
    "UntagResource": tags.untag_resource,
    "ListTagsForResource": tags.list_tags_for_resource,
    "GetSigningCertificate": pool_config.get_signing_certificate,
    "SetLogDeliveryConfiguration": pool_config.set_log_delivery_configuration,
    "GetLogDeliveryConfiguration": pool_config.get_log_delivery_configuration,
    "SignUp": signup.sign_up,
    "ConfirmSignUp": signup.confirm_sign_up,
    "ResendConfirmationCode": signup.resend_confirmation_code,
    "AdminConfirmSignUp": admin_users.admin_confirm_sign_up,
    "AdminCreateUser": admin_users.admin_create_user,
    "AdminGetUser": admin_users.admin_get_user,
    "AdminDeleteUser": admin_users.admin_delete_user,
    "AdminUpdateUserAttributes": attributes.admin_update_user_attributes,
    "ListUsers": list_users.list_users,
    "InitiateAuth": auth.initiate_auth,
    "AdminInitiateAuth": auth.admin_initiate_auth,
    "RespondToAuthChallenge": auth.respond_to_auth_challenge,
    "AdminRespondToAuthChallenge": auth.admin_respond_to_auth_challenge,
    "GetUser": user_tokens.get_user,
    "UpdateUserAttributes": attributes.update_user_attributes,
    "DeleteUser": user_tokens.delete_user,
    "GlobalSignOut": user_tokens.global_sign_out,
    "AdminUserGlobalSignOut": user_tokens.admin_user_global_sign_out,
    "RevokeToken": user_tokens.revoke_token,
    "GetTokensFromRefreshToken": user_tokens.get_tokens_from_refresh_token,
    "SetRiskConfiguration": threat.set_risk_configuration,
    "DescribeRiskConfiguration": threat.describe_risk_configuration,
    "AdminListUserAuthEvents": threat.admin_list_user_auth_events,
    "ForgotPassword": recovery.forgot_password,
    "ConfirmForgotPassword": recovery.confirm_forgot_password,
    "AdminSetUserPassword": passwords.admin_set_user_password,
    "AdminResetUserPassword": passwords.admin_reset_user_password,
    "ChangePassword": passwords.change_password,
    "AdminDisableUser": passwords.admin_disable_user,
    "AdminEnableUser": passwords.admin_enable_user,
    "GetUserAttributeVerificationCode": attributes.get_user_attribute_verification_code,
    "VerifyUserAttribute": attributes.verify_user_attribute,
    "DeleteUserAttributes": attributes.delete_user_attributes,
    "AdminDeleteUserAttributes": attributes.admin_delete_user_attributes,
    "CreateGroup": groups.create_group,
    "GetGroup": groups.get_group,
    "UpdateGroup": groups.update_group,
    "DeleteGroup": groups.delete_group,
    "ListGroups": groups.list_groups,
    "AdminAddUserToGroup": groups.admin_add_user_to_group,
    "AdminRemoveUserFromGroup": groups.admin_remove_user_from_group,
    "AdminListGroupsForUser": groups.admin_list_groups_for_user,
    "ListUsersInGroup": groups.list_users_in_group,
    "AdminUpdateAuthEventFeedback": feedback.admin_update_auth_event_feedback,
    "UpdateAuthEventFeedback": feedback.update_auth_event_feedback,
    "SetUserPoolMfaConfig": mfa.set_user_pool_mfa_config,
    "GetUserPoolMfaConfig": mfa.get_user_pool_mfa_config,
    "SetUserMFAPreference": mfa.set_user_mfa_preference,
    "AdminSetUserMFAPreference": mfa.admin_set_user_mfa_preference,
    "SetUserSettings": mfa.set_user_settings,
    "AdminSetUserSettings": mfa.admin_set_user_settings,
    "StartWebAuthnRegistration": passkeys.start_web_authn_registration,
    "CompleteWebAuthnRegistration": passkeys.complete_web_authn_registration,
    "ListWebAuthnCredentials": passkeys.list_web_authn_credentials,
    "DeleteWebAuthnCredential": passkeys.delete_web_authn_credential,
    "GetUserAuthFactors": passkeys.get_user_auth_factors,
    "AssociateSoftwareToken": totp.associate_software_token,
    "VerifySoftwareToken": totp.verify_software_token,
    "GetCSVHeader": imports.get_csv_header,
    "CreateUserImportJob": imports.create_user_import_job,
    "StartUserImportJob": imports.start_user_import_job,
    "StopUserImportJob": imports.stop_user_import_job,
    "DescribeUserImportJob": imports.describe_user_import_job,
    "ListUserImportJobs": imports.list_user_import_jobs,
    "ConfirmDevice": devices.confirm_device,
    "UpdateDeviceStatus": devices.update_device_status,
    "GetDevice": devices.get_device,
    "ListDevices": devices.list_devices,
    "ForgetDevice": devices.forget_device,
    "AdminGetDevice": devices.admin_get_device,
    "AdminListDevices": devices.admin_list_devices,
    "AdminUpdateDeviceStatus": devices.admin_update_device_status,
    "AdminForgetDevice": devices.admin_forget_device,
    "CreateUserPoolDomain": domains.create_user_pool_domain,
    "DescribeUserPoolDomain": domains.describe_user_pool_domain,
    "UpdateUserPoolDomain": domains.update_user_pool_domain,
    "DeleteUserPoolDomain": domains.delete_user_pool_domain,
    "CreateResourceServer": resource_servers.create_resource_server,
    "DescribeResourceServer": resource_servers.describe_resource_server,
    "ListResourceServers": resource_servers.list_resource_servers,
    "UpdateResourceServer": resource_servers.update_resource_server,
    "DeleteResourceServer": resource_servers.delete_resource_server,
}

# Operations whose refusals are failed guesses, counted per address (threat protection's
# velocity signal and the --fail-per-ip limit), and the refusals that count.
GUESSES = frozenset(
    {
        "ConfirmSignUp",
        "InitiateAuth",
        "AdminInitiateAuth",
        "RespondToAuthChallenge",
        "AdminRespondToAuthChallenge",
        "ConfirmForgotPassword",
        "VerifySoftwareToken",
    }
)
FAILED_ATTEMPT = frozenset(
    {
        "NotAuthorizedException",
        "CodeMismatchException",
        "UserNotFoundException",
        "EnableSoftwareTokenMFAException",
    }
)


def handler_of(name: str) -> Handler:
    """The operation named ``name`` (a name in the model).

    DEVIATION: a modelled operation we do not serve is UnsupportedOperationException.
    """
    handler = REGISTRY.get(name)
    if handler is None:
        raise UnsupportedOperationException(f"userpool does not implement {name} yet.")
    return handler


async def run(svc: Services, call: Call, name: str, request: dict[str, Any]) -> dict[str, Any]:
    """Serve one request: validate it against the model, count it against its client's
    limit (by client and address), refuse an address over its failure limit, call the
    operation, and count a failed guess. The transport has parsed the request and checked
    the signature of a signed operation (``call.signed``); what the client did wrong is
    raised as a CognitoError, anything else is a bug the transport logs and hides.
    """
    handler = handler_of(name)
    model = operations()[name]
    if model.signed and not call.signed:  # a transport's bug, never a client's doing
        raise RuntimeError(f"{name} reached the pipeline unsigned")
    # DEVIATION: Cognito does not document the order of its checks. A request with several
    # faults hears the first of: validation, app client, secret hash, user, the user's
    # status, the attempt limit, the code or password (docs/compatibility.md).
    model.validate(request)
    # Only a valid request is counted by its client (then its ClientId is bounded), and by
    # client and address, so others' junk cannot use up an app's budget.
    client_id = request.get("ClientId")
    if isinstance(client_id, str):
        svc.limiter.admit("client", f"{client_id}@{call.source_ip}")
    attempt = name in GUESSES
    if attempt:
        svc.limiter.check("fail", call.source_ip)
    try:
        call.operation, call.request = name, request
        return await handler(svc, call, request)
    except CognitoError as error:
        if attempt and error.code in FAILED_ATTEMPT:
            svc.limiter.count("fail", call.source_ip)
        raise
