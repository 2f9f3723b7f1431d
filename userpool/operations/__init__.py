"""One function per Cognito operation, grouped by family; ``REGISTRY`` maps wire names to them.

Each takes the services and the validated request dict and returns the response dict;
the same functions serve the HTTP server and the embedded CLI.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from userpool.operations import (
    admin_users,
    attributes,
    auth,
    clients,
    groups,
    list_users,
    notify,
    passwords,
    pools,
    recovery,
    signup,
    threat,
    user_tokens,
)
from userpool.services import Services

Handler = Callable[[Services, dict[str, Any]], Awaitable[dict[str, Any]]]

REGISTRY: dict[str, Handler] = {
    "CreateUserPool": pools.create_user_pool,
    "DescribeUserPool": pools.describe_user_pool,
    "UpdateUserPool": pools.update_user_pool,
    "DeleteUserPool": pools.delete_user_pool,
    "ListUserPools": pools.list_user_pools,
    "CreateUserPoolClient": clients.create_user_pool_client,
    "DescribeUserPoolClient": clients.describe_user_pool_client,
    "UpdateUserPoolClient": clients.update_user_pool_client,
    "DeleteUserPoolClient": clients.delete_user_pool_client,
    "ListUserPoolClients": clients.list_user_pool_clients,
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
    "AdminUpdateAuthEventFeedback": notify.admin_update_auth_event_feedback,
    "UpdateAuthEventFeedback": notify.update_auth_event_feedback,
}
