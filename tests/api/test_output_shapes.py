"""Every served operation's answer, as it comes over the wire, against botocore's output shape
and against the members Cognito always returns.

One scenario calls every operation of ``userpool.operations.REGISTRY`` on a live server, in
a realistic state (pools with and without settings, clients with and without a secret,
users signed up, confirmed, created by an admin, signed in, grouped, with auth events and
feedback). Each raw JSON answer (read before botocore's parser, which would silently drop
members it does not know) is walked against the operation's output shape: no member
outside the shape, every value of its shape's type (string, integer, boolean, timestamp,
list, map, structure, recursively), enums within their values, integers within their
bounds, required members present. ``ALWAYS`` then lists, per operation, the members
Cognito returns whatever the settings (from the AWS CLI reference's examples and the
model's documentation; see docs/compatibility.md, "Output members"): the test fails if
one goes missing. A new operation in the registry without a call here fails the test too.

String and list lengths are not checked: Cognito's own answers exceed them (a custom
attribute's name is ``custom:`` plus up to 20 characters, in a member modelled as at most
20; a schema lists 20 standard attributes besides up to 50 custom ones, in a list modelled
as at most 50).
"""

from __future__ import annotations

import json
import re
import time
import urllib.request
from collections import defaultdict
from typing import Any

import botocore.session
import pyotp
from botocore.model import Shape
from pycognito.aws_srp import AWSSRP, generate_hash_device, long_to_hex

from tests.authenticator import Authenticator
from tests.helpers import Server
from userpool.operations import REGISTRY

MODEL = botocore.session.get_session().get_service_model("cognito-idp")
PASSWORD = "Passw0rd!"

_POOL = [
    "Id",
    "Name",
    "Arn",
    "CreationDate",
    "LastModifiedDate",
    "EstimatedNumberOfUsers",
    "Policies.PasswordPolicy.MinimumLength",
    "Policies.PasswordPolicy.RequireUppercase",
    "Policies.PasswordPolicy.RequireLowercase",
    "Policies.PasswordPolicy.RequireNumbers",
    "Policies.PasswordPolicy.RequireSymbols",
    "Policies.PasswordPolicy.TemporaryPasswordValidityDays",
    "Policies.SignInPolicy.AllowedFirstAuthFactors",
    "DeletionProtection",
    "LambdaConfig",
    "SchemaAttributes[].Name",
    "SchemaAttributes[].AttributeDataType",
    "SchemaAttributes[].DeveloperOnlyAttribute",
    "SchemaAttributes[].Mutable",
    "SchemaAttributes[].Required",
    "VerificationMessageTemplate.DefaultEmailOption",
    "UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate",
    "MfaConfiguration",
    "EmailConfiguration.EmailSendingAccount",
    "UserPoolTags",
    "AdminCreateUserConfig.AllowAdminCreateUserOnly",
    "AdminCreateUserConfig.UnusedAccountValidityDays",
    "UserPoolTier",
]
_CLIENT = [
    "UserPoolId",
    "ClientName",
    "ClientId",
    "CreationDate",
    "LastModifiedDate",
    "RefreshTokenValidity",
    "TokenValidityUnits.AccessToken",
    "TokenValidityUnits.IdToken",
    "TokenValidityUnits.RefreshToken",
    "ExplicitAuthFlows",
    "AllowedOAuthFlowsUserPoolClient",
    "PreventUserExistenceErrors",
    "EnableTokenRevocation",
    "EnablePropagateAdditionalUserContextData",
    "AuthSessionValidity",
]
_USER = [
    "Username",
    "Attributes",
    "UserCreateDate",
    "UserLastModifiedDate",
    "Enabled",
    "UserStatus",
]
_GROUP = ["GroupName", "UserPoolId", "CreationDate", "LastModifiedDate"]
_TOKENS = ["AccessToken", "IdToken", "ExpiresIn", "TokenType"]
_DELIVERY = ["Destination", "DeliveryMedium", "AttributeName"]
_DEVICE = [
    "DeviceKey",
    "DeviceAttributes",
    "DeviceCreateDate",
    "DeviceLastModifiedDate",
    "DeviceLastAuthenticatedDate",
]
_SERVER = ["UserPoolId", "Identifier", "Name"]


def _under(prefix: str, paths: list[str]) -> list[str]:
    return [f"{prefix}{p}" for p in paths]


_IMPORT_JOB = [
    "JobName",
    "JobId",
    "UserPoolId",
    "PreSignedUrl",
    "CreationDate",
    "Status",
    "CloudWatchLogsRoleArn",
    "ImportedUsers",
    "SkippedUsers",
    "FailedUsers",
]


# The members Cognito returns in every answer of an operation (in the states this test
# makes). An empty list: none always (the walk refuses any member outside the shape, so an
# operation whose output shape has no members must answer an empty object).
ALWAYS: dict[str, list[str]] = {
    "CreateUserPool": _under("UserPool.", _POOL),
    "DescribeUserPool": _under("UserPool.", _POOL),
    "UpdateUserPool": [],
    "AddCustomAttributes": [],
    "DeleteUserPool": [],
    "ListUserPools": _under(
        "UserPools[].", ["Id", "Name", "LambdaConfig", "CreationDate", "LastModifiedDate"]
    ),
    "CreateUserPoolClient": _under("UserPoolClient.", _CLIENT),
    "DescribeUserPoolClient": _under("UserPoolClient.", _CLIENT),
    "UpdateUserPoolClient": _under("UserPoolClient.", _CLIENT),
    "DeleteUserPoolClient": [],
    "ListUserPoolClients": _under("UserPoolClients[].", ["ClientId", "UserPoolId", "ClientName"]),
    "AddUserPoolClientSecret": _under(
        "ClientSecretDescriptor.", ["ClientSecretId", "ClientSecretCreateDate"]
    ),
    "ListUserPoolClientSecrets": _under(
        "ClientSecrets[].", ["ClientSecretId", "ClientSecretCreateDate"]
    ),
    "DeleteUserPoolClientSecret": [],
    "TagResource": [],
    "UntagResource": [],
    "ListTagsForResource": ["Tags"],
    "GetSigningCertificate": ["Certificate"],
    "SetLogDeliveryConfiguration": _under(
        "LogDeliveryConfiguration.", ["UserPoolId", "LogConfigurations"]
    ),
    "GetLogDeliveryConfiguration": _under(
        "LogDeliveryConfiguration.", ["UserPoolId", "LogConfigurations"]
    ),
    "SignUp": ["UserConfirmed", "UserSub"],
    "ConfirmSignUp": [],
    "ResendConfirmationCode": _under("CodeDeliveryDetails.", _DELIVERY),
    "AdminConfirmSignUp": [],
    "AdminCreateUser": _under("User.", _USER),
    "AdminGetUser": [
        "Username",
        "UserAttributes",
        "UserCreateDate",
        "UserLastModifiedDate",
        "Enabled",
        "UserStatus",
    ],
    "AdminDeleteUser": [],
    "AdminUpdateUserAttributes": [],
    "ListUsers": ["Users"],
    "InitiateAuth": ["ChallengeParameters"],
    "AdminInitiateAuth": ["ChallengeParameters"],
    "RespondToAuthChallenge": ["ChallengeParameters"],
    "AdminRespondToAuthChallenge": ["ChallengeParameters"],
    "GetUser": ["Username", "UserAttributes"],
    "UpdateUserAttributes": [],
    "DeleteUser": [],
    "GlobalSignOut": [],
    "AdminUserGlobalSignOut": [],
    "RevokeToken": [],
    "GetTokensFromRefreshToken": _under("AuthenticationResult.", _TOKENS),
    "SetRiskConfiguration": ["RiskConfiguration.UserPoolId", "RiskConfiguration.LastModifiedDate"],
    "DescribeRiskConfiguration": ["RiskConfiguration.UserPoolId"],
    "AdminListUserAuthEvents": ["AuthEvents"],
    "ForgotPassword": _under("CodeDeliveryDetails.", _DELIVERY),
    "ConfirmForgotPassword": [],
    "AdminSetUserPassword": [],
    "AdminResetUserPassword": [],
    "ChangePassword": [],
    "AdminDisableUser": [],
    "AdminEnableUser": [],
    "GetUserAttributeVerificationCode": _under("CodeDeliveryDetails.", _DELIVERY),
    "VerifyUserAttribute": [],
    "DeleteUserAttributes": [],
    "AdminDeleteUserAttributes": [],
    "CreateGroup": _under("Group.", _GROUP),
    "GetGroup": _under("Group.", _GROUP),
    "UpdateGroup": _under("Group.", _GROUP),
    "DeleteGroup": [],
    "ListGroups": ["Groups"],
    "AdminAddUserToGroup": [],
    "AdminRemoveUserFromGroup": [],
    "AdminListGroupsForUser": ["Groups"],
    "ListUsersInGroup": ["Users"],
    "AdminUpdateAuthEventFeedback": [],
    "UpdateAuthEventFeedback": [],
    "SetUserPoolMfaConfig": ["MfaConfiguration"],
    "GetUserPoolMfaConfig": ["MfaConfiguration"],
    "AssociateSoftwareToken": ["SecretCode"],
    "StartWebAuthnRegistration": ["CredentialCreationOptions"],
    "CompleteWebAuthnRegistration": [],
    "ListWebAuthnCredentials": [
        "Credentials",
        "Credentials[].CredentialId",
        "Credentials[].FriendlyCredentialName",
        "Credentials[].RelyingPartyId",
        "Credentials[].AuthenticatorTransports",
        "Credentials[].CreatedAt",
    ],
    "DeleteWebAuthnCredential": [],
    "GetUserAuthFactors": ["Username", "ConfiguredUserAuthFactors"],
    "VerifySoftwareToken": ["Status"],
    "CreateUserPoolDomain": ["ManagedLoginVersion"],
    "DescribeUserPoolDomain": ["DomainDescription"],
    "UpdateUserPoolDomain": ["ManagedLoginVersion"],
    "DeleteUserPoolDomain": [],
    "CreateResourceServer": _under("ResourceServer.", _SERVER),
    "DescribeResourceServer": _under("ResourceServer.", _SERVER),
    "UpdateResourceServer": _under("ResourceServer.", _SERVER),
    "ListResourceServers": ["ResourceServers"],
    "DeleteResourceServer": [],
    "SetUserMFAPreference": [],
    "AdminSetUserMFAPreference": [],
    "SetUserSettings": [],
    "AdminSetUserSettings": [],
    "GetCSVHeader": ["UserPoolId", "CSVHeader"],
    "CreateUserImportJob": _under("UserImportJob.", _IMPORT_JOB),
    "StartUserImportJob": _under("UserImportJob.", [*_IMPORT_JOB, "StartDate"]),
    "StopUserImportJob": _under(
        "UserImportJob.", [*_IMPORT_JOB, "StartDate", "CompletionDate", "CompletionMessage"]
    ),
    "DescribeUserImportJob": _under("UserImportJob.", _IMPORT_JOB),
    "ListUserImportJobs": _under("UserImportJobs[].", _IMPORT_JOB),
    "ConfirmDevice": ["UserConfirmationNecessary"],
    "UpdateDeviceStatus": [],
    "AdminUpdateDeviceStatus": [],
    "GetDevice": _under("Device.", _DEVICE),
    "AdminGetDevice": _under("Device.", _DEVICE),
    "ListDevices": ["Devices", *_under("Devices[].", _DEVICE)],
    "AdminListDevices": ["Devices", *_under("Devices[].", _DEVICE)],
    "ForgetDevice": [],
    "AdminForgetDevice": [],
}

# Faults of the walk that Cognito's own answers show: a prefix domain's description has an
# empty CustomDomainConfig (the AWS CLI reference's describe-user-pool-domain example),
# whose modelled CertificateArn is required.
_OBSERVED = {
    "DomainDescription.CustomDomainConfig.CertificateArn: required by CustomDomainConfigType, "
    "missing"
}

# Members present in some answers: checked where the state makes Cognito return them.
_SIGNED_IN = _under("AuthenticationResult.", [*_TOKENS, "RefreshToken"])
_CHALLENGED = ["ChallengeName", "Session"]


# -- the walk -------------------------------------------------------------------------------
def problems(shape: Shape | None, value: Any, path: str = "") -> list[str]:
    """Where ``value`` (a decoded JSON answer) leaves ``shape``; empty when it fits."""
    where = path or "<answer>"
    if shape is None:  # an operation without an output shape answers {}
        return [] if value == {} else [f"{where}: {value!r} where the model has no output"]
    kind = shape.type_name
    if kind == "structure" and shape.metadata.get("document"):  # any JSON object
        return [] if isinstance(value, dict) else [f"{where}: not a JSON object"]
    if kind == "structure":
        if not isinstance(value, dict):
            return [f"{where}: {type(value).__name__} where {shape.name} is a structure"]
        found = [
            f"{path}.{name}".lstrip(".") + f": not a member of {shape.name}"
            for name in value
            if name not in shape.members
        ]
        found += [
            f"{path}.{name}".lstrip(".") + f": required by {shape.name}, missing"
            for name in shape.required_members
            if name not in value
        ]
        for name, member in shape.members.items():
            if name in value:
                found += problems(member, value[name], f"{path}.{name}".lstrip("."))
        return found
    if kind == "list":
        if not isinstance(value, list):
            return [f"{where}: {type(value).__name__} where {shape.name} is a list"]
        return [p for item in value for p in problems(shape.member, item, f"{path}[]")]  # type: ignore[attr-defined]
    if kind == "map":
        if not isinstance(value, dict):
            return [f"{where}: {type(value).__name__} where {shape.name} is a map"]
        found = []
        for key, item in value.items():
            found += problems(shape.key, key, f"{path}<key>")  # type: ignore[attr-defined]
            found += problems(shape.value, item, f"{path}[{key}]")  # type: ignore[attr-defined]
        return found
    return _scalar(shape, value, where)


def _scalar(shape: Shape, value: Any, where: str) -> list[str]:
    kind = shape.type_name
    if kind == "string":
        if not isinstance(value, str):
            return [f"{where}: {value!r} where {shape.name} is a string"]
        if shape.enum and value not in shape.enum:
            return [f"{where}: {value!r} is none of {shape.name}'s values {shape.enum}"]
        return []
    if kind == "boolean":
        return [] if isinstance(value, bool) else [f"{where}: {value!r} is not a boolean"]
    if kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            return [f"{where}: {value!r} where {shape.name} is an integer"]
        low, high = shape.metadata.get("min"), shape.metadata.get("max")
        if (low is not None and value < low) or (high is not None and value > high):
            return [f"{where}: {value} is outside {shape.name}'s {low}..{high}"]
        return []
    if kind == "timestamp":  # JSON 1.1: seconds since the epoch, a JSON number
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return [f"{where}: {value!r} where {shape.name} is a timestamp (epoch seconds)"]
        if not 1_000_000_000 < value < 10_000_000_000:
            return [f"{where}: {value} is no time in epoch seconds"]
        return []
    if kind in ("float", "double"):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return [] if ok else [f"{where}: {value!r} where {shape.name} is a number"]
    if kind == "blob":
        return [] if isinstance(value, str) else [f"{where}: {value!r} is not base64 text"]
    return [f"{where}: the walk does not know the type {kind}"]


def present(value: Any, path: str) -> bool:
    """Whether ``path`` (``A.B``; ``[]`` for every item of a list) is in ``value``."""
    head, _, rest = path.partition(".")
    each = head.endswith("[]")
    name = head[:-2] if each else head
    if not isinstance(value, dict) or name not in value:
        return False
    inner = value[name]
    if each:
        return isinstance(inner, list) and all(not rest or present(i, rest) for i in inner)
    return not rest or present(inner, rest)


class Recorder:
    """The raw JSON answers a boto3 client receives, by operation (successes only)."""

    def __init__(self, idp: Any) -> None:
        self.answers: dict[str, list[dict[str, Any]]] = defaultdict(list)
        idp.meta.events.register("after-call.cognito-idp", self._record)

    def _record(self, http_response: Any, model: Any, **_: Any) -> None:
        if http_response.status_code == 200:
            self.answers[model.name].append(json.loads(http_response.content or b"{}"))

    def last(self, operation: str) -> dict[str, Any]:
        return self.answers[operation][-1]


# -- the scenario ---------------------------------------------------------------------------
def _notice_link(server: Server, email: str) -> tuple[str, str]:
    """(event id, feedback token) of the latest threat notice sent to ``email``."""
    deadline = time.monotonic() + 8
    while True:
        bodies = [b for b in server.messages(email) if "feedback" in b]
        if bodies or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert bodies, f"no threat notice went to {email}"
    found = re.search(r"event_id=(\d+)&token=([^&\s]+)", bodies[-1])
    assert found, bodies[-1]
    return found.group(1), found.group(2)


def _full_pool(name: str) -> dict[str, Any]:
    """A CreateUserPool request that sets most of what a pool has."""
    return {
        "PoolName": name,
        "Policies": {
            "PasswordPolicy": {"MinimumLength": 8, "TemporaryPasswordValidityDays": 3},
            "SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP"]},
        },
        "DeletionProtection": "INACTIVE",
        "AutoVerifiedAttributes": ["email"],
        "VerificationMessageTemplate": {
            "EmailMessage": "Your code is {####}.",
            "EmailSubject": "Your code",
            "DefaultEmailOption": "CONFIRM_WITH_CODE",
        },
        "UserAttributeUpdateSettings": {"AttributesRequireVerificationBeforeUpdate": ["email"]},
        "MfaConfiguration": "OFF",
        "DeviceConfiguration": {
            "ChallengeRequiredOnNewDevice": False,
            "DeviceOnlyRememberedOnUserPrompt": True,
        },
        "EmailConfiguration": {"EmailSendingAccount": "COGNITO_DEFAULT"},
        "UserPoolTags": {"team": "identity"},
        "AdminCreateUserConfig": {
            "AllowAdminCreateUserOnly": False,
            "InviteMessageTemplate": {
                "EmailMessage": "Hello {username}, your password is {####}.",
                "EmailSubject": "Welcome",
            },
        },
        "UserPoolAddOns": {"AdvancedSecurityMode": "AUDIT"},
        "AccountRecoverySetting": {
            "RecoveryMechanisms": [{"Priority": 1, "Name": "verified_email"}]
        },
        "UserPoolTier": "ESSENTIALS",
    }


def _imports(idp: Any, run: str) -> None:
    """Import jobs in a pool of their own: one that runs to its end with a good and a bad
    row, one stopped as soon as it starts (a file large enough to be running then)."""
    pool_id = idp.create_user_pool(
        PoolName=f"shapes-import-{run}", AutoVerifiedAttributes=["email"]
    )["UserPool"]["Id"]
    header = idp.get_csv_header(UserPoolId=pool_id)["CSVHeader"]

    def upload(rows: int, bad: bool) -> str:
        job = idp.create_user_import_job(
            UserPoolId=pool_id,
            JobName=f"shapes {rows}",
            CloudWatchLogsRoleArn="arn:aws:iam::123456789012:role/import-logs",
        )["UserImportJob"]
        lines = [",".join(header)]
        for n in range(rows):
            values = {"cognito:username": f"i{rows}-{n}", "email": f"i{n}@example.com"}
            values["email_verified"] = "false" if bad and n == 0 else "true"
            lines.append(",".join(values.get(c, "") for c in header))
        body = ("\n".join(lines) + "\n").encode()
        put = urllib.request.Request(
            job["PreSignedUrl"], body, {"x-amz-server-side-encryption": "aws:kms"}, method="PUT"
        )
        urllib.request.urlopen(put, timeout=60).read()
        return str(job["JobId"])

    finished = upload(2, bad=True)
    idp.start_user_import_job(UserPoolId=pool_id, JobId=finished)
    while idp.describe_user_import_job(UserPoolId=pool_id, JobId=finished)["UserImportJob"][
        "Status"
    ] in ("Pending", "InProgress"):
        pass
    stopped = upload(20_000, bad=False)
    idp.start_user_import_job(UserPoolId=pool_id, JobId=stopped)
    idp.stop_user_import_job(UserPoolId=pool_id, JobId=stopped)
    idp.list_user_import_jobs(UserPoolId=pool_id, MaxResults=1)


def _device_scenario(idp: Any, pid: str, cid: str, signed_in: dict[str, Any]) -> str:
    """Every device operation and challenge, for ann's first device; its key."""
    meta = signed_in["NewDeviceMetadata"]
    key = meta["DeviceKey"]
    password, verifier = generate_hash_device(meta["DeviceGroupKey"], key)
    token = signed_in["AccessToken"]
    idp.confirm_device(
        AccessToken=token, DeviceKey=key, DeviceSecretVerifierConfig=verifier, DeviceName="cli"
    )
    named = {"UserPoolId": pid, "Username": "ann", "DeviceKey": key}
    idp.admin_get_device(**named)
    idp.admin_list_devices(UserPoolId=pid, Username="ann", Limit=10)
    idp.update_device_status(AccessToken=token, DeviceKey=key, DeviceRememberedStatus="remembered")
    idp.admin_update_device_status(**named, DeviceRememberedStatus="remembered")
    idp.get_device(AccessToken=token, DeviceKey=key)
    idp.list_devices(AccessToken=token)
    srp = AWSSRP(
        "ann",
        PASSWORD,
        pid,
        cid,
        client=idp,
        device_key=key,
        device_group_key=meta["DeviceGroupKey"],
        device_password=password,
    )
    asked = idp.initiate_auth(
        ClientId=cid,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "ann", "PASSWORD": PASSWORD, "DEVICE_KEY": key},
    )
    answers = {"USERNAME": "ann", "DEVICE_KEY": key, "SRP_A": long_to_hex(srp.large_a_value)}
    verifier_asked = idp.respond_to_auth_challenge(
        ClientId=cid,
        ChallengeName="DEVICE_SRP_AUTH",
        Session=asked["Session"],
        ChallengeResponses=answers,
    )
    idp.respond_to_auth_challenge(
        ClientId=cid,
        ChallengeName="DEVICE_PASSWORD_VERIFIER",
        Session=verifier_asked["Session"],
        ChallengeResponses=srp.process_device_challenge(verifier_asked["ChallengeParameters"]),
    )
    # two more devices of ann's, forgotten by ann and by an administrator
    for forget in ("user", "admin"):
        other = idp.initiate_auth(
            ClientId=cid,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "ann", "PASSWORD": PASSWORD},
        )["AuthenticationResult"]
        new = other["NewDeviceMetadata"]["DeviceKey"]
        _, config = generate_hash_device(other["NewDeviceMetadata"]["DeviceGroupKey"], new)
        idp.confirm_device(AccessToken=token, DeviceKey=new, DeviceSecretVerifierConfig=config)
        if forget == "user":
            idp.forget_device(AccessToken=token, DeviceKey=new)
        else:
            idp.admin_forget_device(UserPoolId=pid, Username="ann", DeviceKey=new)
    return str(key)


def _scenario(server: Server, idp: Any, rec: Recorder) -> dict[str, Any]:  # noqa: PLR0915
    """Calls every served operation at least once; what the checks need to know."""
    run = f"{time.time_ns():x}"
    minimal = idp.create_user_pool(PoolName=f"shapes-min-{run}")["UserPool"]
    full_request = _full_pool(f"shapes-{run}")
    pool = idp.create_user_pool(
        **full_request,
        Schema=[
            {
                "Name": "team",
                "AttributeDataType": "String",
                "Mutable": True,
                "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "64"},
            },
            {"Name": "level", "AttributeDataType": "Number", "Mutable": True},
        ],
        UsernameConfiguration={"CaseSensitive": False},
    )["UserPool"]
    pid = pool["Id"]
    idp.update_user_pool(
        UserPoolId=pid, **{k: v for k, v in full_request.items() if k != "PoolName"}
    )
    idp.list_user_pools(MaxResults=60)
    idp.add_custom_attributes(
        UserPoolId=pid,
        CustomAttributes=[{"Name": "dept", "AttributeDataType": "String", "Mutable": True}],
    )

    bare = idp.create_user_pool_client(UserPoolId=minimal["Id"], ClientName="bare")
    flows = [
        "ALLOW_USER_PASSWORD_AUTH",
        "ALLOW_ADMIN_USER_PASSWORD_AUTH",
        "ALLOW_USER_AUTH",
        "ALLOW_USER_SRP_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
    ]
    settings: dict[str, Any] = {
        "ExplicitAuthFlows": flows,
        "AccessTokenValidity": 60,
        "IdTokenValidity": 60,
        "RefreshTokenValidity": 10,
        "TokenValidityUnits": {
            "AccessToken": "minutes",
            "IdToken": "minutes",
            "RefreshToken": "days",
        },
        "ReadAttributes": ["email", "email_verified", "name", "custom:team"],
        "SupportedIdentityProviders": ["COGNITO"],
        "CallbackURLs": ["https://app.example.com/callback"],
        "LogoutURLs": ["https://app.example.com/"],
        "DefaultRedirectURI": "https://app.example.com/callback",
        "AllowedOAuthFlows": ["code"],
        "AllowedOAuthScopes": ["openid", "email"],
        "AllowedOAuthFlowsUserPoolClient": True,
        "PreventUserExistenceErrors": "ENABLED",
        "EnableTokenRevocation": True,
        "AuthSessionValidity": 5,
    }
    cid = idp.create_user_pool_client(UserPoolId=pid, ClientName="web", **settings)[
        "UserPoolClient"
    ]["ClientId"]
    idp.update_user_pool_client(UserPoolId=pid, ClientId=cid, ClientName="web2", **settings)
    idp.describe_user_pool_client(UserPoolId=pid, ClientId=cid)
    secret = idp.create_user_pool_client(UserPoolId=pid, ClientName="server", GenerateSecret=True)[
        "UserPoolClient"
    ]
    idp.describe_user_pool_client(UserPoolId=pid, ClientId=secret["ClientId"])
    secret_of = {"UserPoolId": pid, "ClientId": secret["ClientId"]}
    generated = idp.add_user_pool_client_secret(**secret_of)["ClientSecretDescriptor"]
    idp.delete_user_pool_client_secret(**secret_of, ClientSecretId=generated["ClientSecretId"])
    idp.add_user_pool_client_secret(**secret_of, ClientSecret="shapes_secret_0123456789_abc")
    idp.list_user_pool_client_secrets(**secret_of)
    idp.tag_resource(ResourceArn=pool["Arn"], Tags={"stage": "test", "owner": "shapes"})
    idp.untag_resource(ResourceArn=pool["Arn"], TagKeys=["owner"])
    idp.list_tags_for_resource(ResourceArn=pool["Arn"])
    idp.get_signing_certificate(UserPoolId=pid)
    log_group = "arn:aws:logs:us-east-1:123456789012:log-group:shapes"
    notes = {"LogGroupArn": log_group}
    idp.set_log_delivery_configuration(
        UserPoolId=pid,
        LogConfigurations=[
            {
                "LogLevel": "ERROR",
                "EventSource": "userNotification",
                "CloudWatchLogsConfiguration": notes,
            }
        ],
    )
    idp.get_log_delivery_configuration(UserPoolId=pid)
    idp.describe_user_pool_client(
        UserPoolId=minimal["Id"], ClientId=bare["UserPoolClient"]["ClientId"]
    )
    idp.list_user_pool_clients(UserPoolId=pid, MaxResults=1)
    idp.set_risk_configuration(
        UserPoolId=pid,
        CompromisedCredentialsRiskConfiguration={
            "EventFilter": ["SIGN_IN"],
            "Actions": {"EventAction": "NO_ACTION"},
        },
        AccountTakeoverRiskConfiguration={
            "NotifyConfiguration": {
                "From": "security@example.com",
                "SourceArn": "arn:aws:ses:us-east-1:123456789012:identity/example.com",
                "NoActionEmail": {
                    "Subject": "New sign-in",
                    "TextBody": "Was it you? {one-click-link-valid} {one-click-link-invalid}",
                },
            },
            "Actions": {
                "LowAction": {"Notify": True, "EventAction": "NO_ACTION"},
                "MediumAction": {"Notify": True, "EventAction": "NO_ACTION"},
                "HighAction": {"Notify": True, "EventAction": "BLOCK"},
            },
        },
        RiskExceptionConfiguration={"SkippedIPRangeList": ["192.0.2.0/24"]},
    )
    idp.describe_risk_configuration(UserPoolId=pid)
    _imports(idp, run)

    api = {"UserPoolId": pid, "Identifier": "https://api.example.com"}
    read = [{"ScopeName": "read", "ScopeDescription": "Read"}]
    idp.create_resource_server(**api, Name="api", Scopes=read)
    idp.create_resource_server(UserPoolId=pid, Identifier="bare", Name="bare")
    idp.update_resource_server(**api, Name="api2", Scopes=read)
    idp.describe_resource_server(**api)
    idp.list_resource_servers(UserPoolId=pid, MaxResults=1)
    idp.delete_resource_server(UserPoolId=pid, Identifier="bare")
    prefix, custom = f"shapes-{run}", f"shapes-{run}.example.com"
    cert = {"CertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/shapes"}
    idp.create_user_pool_domain(Domain=prefix, UserPoolId=pid)
    idp.create_user_pool_domain(Domain=custom, UserPoolId=pid, CustomDomainConfig=cert)
    idp.update_user_pool_domain(Domain=custom, UserPoolId=pid, CustomDomainConfig=cert)
    for domain in (prefix, custom, f"{prefix}-none"):
        idp.describe_user_pool_domain(Domain=domain)

    def email(name: str) -> str:
        return f"{name}-{run}@example.com"

    attrs = [{"Name": "email", "Value": email("ann")}, {"Name": "name", "Value": "Ann"}]
    signed = idp.sign_up(ClientId=cid, Username="ann", Password=PASSWORD, UserAttributes=attrs)
    idp.resend_confirmation_code(ClientId=cid, Username="ann")
    idp.confirm_sign_up(
        ClientId=cid,
        Username="ann",
        ConfirmationCode=server.code(email("ann")),
        Session=signed["Session"],
    )
    for name in ("bob", "dan"):
        bob = [{"Name": "email", "Value": email(name)}]
        idp.sign_up(ClientId=cid, Username=name, Password=PASSWORD, UserAttributes=bob)
        idp.admin_confirm_sign_up(UserPoolId=pid, Username=name)
    idp.admin_create_user(
        UserPoolId=pid,
        Username="cat",
        TemporaryPassword="Temp0rary!",
        UserAttributes=[
            {"Name": "email", "Value": email("cat")},
            {"Name": "email_verified", "Value": "true"},
        ],
    )
    idp.admin_get_user(UserPoolId=pid, Username="ann")
    idp.admin_update_user_attributes(
        UserPoolId=pid,
        Username="ann",
        UserAttributes=[
            {"Name": "custom:team", "Value": "blue"},
            {"Name": "custom:level", "Value": "3"},
        ],
    )
    idp.list_users(UserPoolId=pid)
    idp.list_users(UserPoolId=pid, Limit=1)
    idp.list_users(UserPoolId=pid, AttributesToGet=["email"])
    idp.describe_user_pool(UserPoolId=minimal["Id"])
    idp.describe_user_pool(UserPoolId=pid)

    ann = idp.initiate_auth(
        ClientId=cid,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "ann", "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    choose = idp.initiate_auth(
        ClientId=cid, AuthFlow="USER_AUTH", AuthParameters={"USERNAME": "ann"}
    )
    idp.respond_to_auth_challenge(
        ClientId=cid,
        ChallengeName="SELECT_CHALLENGE",
        Session=choose["Session"],
        ChallengeResponses={"USERNAME": "ann", "ANSWER": "PASSWORD", "PASSWORD": PASSWORD},
    )
    new = idp.admin_initiate_auth(
        UserPoolId=pid,
        ClientId=cid,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "cat", "PASSWORD": "Temp0rary!"},
    )
    cat = idp.admin_respond_to_auth_challenge(
        UserPoolId=pid,
        ClientId=cid,
        ChallengeName="NEW_PASSWORD_REQUIRED",
        Session=new["Session"],
        ChallengeResponses={"USERNAME": "cat", "NEW_PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    # The pool tracks devices (opt-in): ann's sign-in made one; confirmed, remembered, it
    # signs in with device SRP, and ann's refresh token needs its key.
    device = _device_scenario(idp, pid, cid, ann)
    idp.get_tokens_from_refresh_token(
        RefreshToken=ann["RefreshToken"], ClientId=cid, DeviceKey=device
    )
    idp.revoke_token(Token=cat["RefreshToken"], ClientId=cid)

    token = ann["AccessToken"]
    idp.get_user(AccessToken=token)
    idp.update_user_attributes(
        AccessToken=token, UserAttributes=[{"Name": "email", "Value": email("ann2")}]
    )
    idp.get_user_attribute_verification_code(AccessToken=token, AttributeName="email")
    idp.verify_user_attribute(
        AccessToken=token, AttributeName="email", Code=server.code(email("ann2"))
    )
    idp.update_user_attributes(AccessToken=token, UserAttributes=[{"Name": "name", "Value": "A"}])
    idp.delete_user_attributes(AccessToken=token, UserAttributeNames=["name"])
    idp.admin_delete_user_attributes(
        UserPoolId=pid, Username="ann", UserAttributeNames=["custom:team"]
    )
    idp.change_password(AccessToken=token, PreviousPassword=PASSWORD, ProposedPassword="N3w-pass!")
    idp.forgot_password(ClientId=cid, Username="ann")
    idp.confirm_forgot_password(
        ClientId=cid, Username="ann", ConfirmationCode=server.code(email("ann2")), Password=PASSWORD
    )
    idp.admin_set_user_password(UserPoolId=pid, Username="bob", Password=PASSWORD, Permanent=True)
    idp.admin_reset_user_password(UserPoolId=pid, Username="cat")
    idp.admin_disable_user(UserPoolId=pid, Username="bob")
    idp.admin_enable_user(UserPoolId=pid, Username="bob")
    idp.admin_user_global_sign_out(UserPoolId=pid, Username="bob")

    group = {"UserPoolId": pid, "GroupName": "admins"}
    idp.create_group(**group, Description="Admins", Precedence=1)
    idp.create_group(UserPoolId=pid, GroupName="readers")
    idp.update_group(
        **group, RoleArn="arn:aws:iam::123456789012:role/admins", Description="The admins"
    )
    idp.get_group(**group)
    idp.list_groups(UserPoolId=pid)
    idp.list_groups(UserPoolId=pid, Limit=1)
    idp.admin_add_user_to_group(**group, Username="ann")
    idp.admin_list_groups_for_user(UserPoolId=pid, Username="ann")
    idp.list_users_in_group(**group)
    idp.admin_remove_user_from_group(**group, Username="ann")
    idp.delete_group(UserPoolId=pid, GroupName="readers")

    # A sign-in whose Low risk notifies: its notice carries the event's feedback token.
    dan = idp.initiate_auth(
        ClientId=cid,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "dan", "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    event_id, feedback = _notice_link(server, email("dan"))
    idp.update_auth_event_feedback(
        UserPoolId=pid,
        Username="dan",
        EventId=event_id,
        FeedbackToken=feedback,
        FeedbackValue="Valid",
    )
    idp.admin_list_user_auth_events(UserPoolId=pid, Username="dan")
    idp.admin_update_auth_event_feedback(
        UserPoolId=pid, Username="dan", EventId=event_id, FeedbackValue="Invalid"
    )
    idp.admin_list_user_auth_events(UserPoolId=pid, Username="ann", MaxResults=1)

    idp.get_user_pool_mfa_config(UserPoolId=pid)
    idp.set_user_pool_mfa_config(
        UserPoolId=pid,
        SoftwareTokenMfaConfiguration={"Enabled": True},
        MfaConfiguration="OPTIONAL",
    )
    idp.get_user_pool_mfa_config(UserPoolId=pid)
    secret_code = idp.associate_software_token(AccessToken=token)["SecretCode"]
    idp.verify_software_token(
        AccessToken=token, UserCode=pyotp.TOTP(secret_code).now(), FriendlyDeviceName="phone"
    )
    idp.set_user_mfa_preference(
        AccessToken=token, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
    )
    idp.admin_set_user_mfa_preference(
        UserPoolId=pid, Username="ann", SoftwareTokenMfaSettings={"Enabled": False}
    )
    idp.set_user_settings(AccessToken=token, MFAOptions=[])
    idp.admin_set_user_settings(UserPoolId=pid, Username="ann", MFAOptions=[])
    idp.admin_get_user(UserPoolId=pid, Username="ann")
    idp.get_user(AccessToken=token)
    idp.global_sign_out(AccessToken=token)
    idp.delete_user(AccessToken=dan["AccessToken"])
    idp.admin_delete_user(UserPoolId=pid, Username="bob")
    idp.describe_user_pool(UserPoolId=pid)
    idp.delete_user_pool_client(UserPoolId=pid, ClientId=secret["ClientId"])
    idp.delete_user_pool(UserPoolId=minimal["Id"])
    idp.delete_user_pool_domain(Domain=custom, UserPoolId=pid)
    _passkeys(idp)  # last: the answers counted above are the main pool's
    return {"pool": pid, "users_left": 2}  # ann and cat


def _passkeys(idp: Any) -> None:
    """A passkey registered, listed, used to sign in and deleted, in a pool of its own."""
    policy = {"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "WEB_AUTHN"]}}
    pk = idp.create_user_pool(PoolName="passkeys", Policies=policy)["UserPool"]["Id"]
    idp.set_user_pool_mfa_config(
        UserPoolId=pk, MfaConfiguration="OFF", WebAuthnConfiguration={"RelyingPartyId": "localhost"}
    )
    flows = ["ALLOW_USER_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    cid = idp.create_user_pool_client(UserPoolId=pk, ClientName="pk", ExplicitAuthFlows=flows)[
        "UserPoolClient"
    ]["ClientId"]
    idp.admin_create_user(UserPoolId=pk, Username="pia", MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pk, Username="pia", Password=PASSWORD, Permanent=True)
    token = idp.initiate_auth(
        AuthFlow="USER_PASSWORD_AUTH",
        ClientId=cid,
        AuthParameters={"USERNAME": "pia", "PASSWORD": PASSWORD},
    )["AuthenticationResult"]["AccessToken"]
    key = Authenticator()
    options = idp.start_web_authn_registration(AccessToken=token)["CredentialCreationOptions"]
    credential = key.register(options, "http://localhost")
    idp.complete_web_authn_registration(AccessToken=token, Credential=credential)
    idp.list_web_authn_credentials(AccessToken=token, MaxResults=1)
    idp.get_user_auth_factors(AccessToken=token)
    asked = idp.initiate_auth(
        AuthFlow="USER_AUTH",
        ClientId=cid,
        AuthParameters={"USERNAME": "pia", "PREFERRED_CHALLENGE": "WEB_AUTHN"},
    )
    request = json.loads(asked["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"])
    idp.respond_to_auth_challenge(
        ClientId=cid,
        ChallengeName="WEB_AUTHN",
        Session=asked["Session"],
        ChallengeResponses={
            "USERNAME": "pia",
            "CREDENTIAL": key.assert_(request, "http://localhost"),
        },
    )
    idp.delete_web_authn_credential(AccessToken=token, CredentialId=key.id)
    idp.delete_user_pool(UserPoolId=pk)


def test_every_operation_answers_its_output_shape(server: Server) -> None:
    idp = server.client()
    rec = Recorder(idp)
    state = _scenario(server, idp, rec)

    assert set(rec.answers) == set(REGISTRY), "operations served without a call here: " + str(
        sorted(set(REGISTRY) - set(rec.answers))
    )
    assert set(ALWAYS) == set(REGISTRY)
    found: list[str] = []
    for operation, answers in sorted(rec.answers.items()):
        shape = MODEL.operation_model(operation).output_shape
        for n, answer in enumerate(answers):
            found += [
                f"{operation}#{n}: {p}" for p in problems(shape, answer) if p not in _OBSERVED
            ]
            found += [
                f"{operation}#{n}: {path} missing"
                for path in ALWAYS[operation]
                if not present(answer, path)
            ]
    assert not found, "\n".join(found)

    # What the state makes Cognito return besides.
    for operation in ("InitiateAuth", "AdminRespondToAuthChallenge", "RespondToAuthChallenge"):
        assert any(all(present(a, p) for p in _SIGNED_IN) for a in rec.answers[operation])
    for operation in ("InitiateAuth", "AdminInitiateAuth"):
        assert any(all(present(a, p) for p in _CHALLENGED) for a in rec.answers[operation])
    assert any("AvailableChallenges" in a for a in rec.answers["InitiateAuth"])
    new_device = "AuthenticationResult.NewDeviceMetadata.DeviceGroupKey"
    assert any(present(a, new_device) for a in rec.answers["InitiateAuth"])
    assert any(present(a, new_device) for a in rec.answers["AdminRespondToAuthChallenge"])
    assert [len(a["Devices"]) for a in rec.answers["ListDevices"]] == [1]
    assert "CodeDeliveryDetails" in rec.answers["SignUp"][0]
    assert "Session" in rec.answers["SignUp"][0]
    assert "CodeDeliveryDetailsList" in rec.answers["UpdateUserAttributes"][0]
    bare, web, with_secret = rec.answers["CreateUserPoolClient"][:3]  # then the passkeys pool's
    assert "ClientSecret" in with_secret["UserPoolClient"]
    assert "ClientSecret" not in bare["UserPoolClient"] | web["UserPoolClient"]
    assert "NextToken" in rec.answers["ListUserPoolClients"][0]
    # A secret's value is shown when Cognito made it, never when supplied, never listed.
    generated, supplied = rec.answers["AddUserPoolClientSecret"]
    assert "ClientSecretValue" in generated["ClientSecretDescriptor"]
    assert "ClientSecretValue" not in supplied["ClientSecretDescriptor"]
    assert len(rec.answers["ListUserPoolClientSecrets"][0]["ClientSecrets"]) == 2
    assert rec.answers["ListTagsForResource"][0] == {"Tags": {"team": "identity", "stage": "test"}}
    assert "PaginationToken" in rec.answers["ListUsers"][1]
    finished = rec.answers["DescribeUserImportJob"][-1]["UserImportJob"]
    assert (finished["Status"], finished["ImportedUsers"], finished["FailedUsers"]) == (
        "Succeeded",
        1,
        1,
    )
    assert "CompletionMessage" in finished and "CompletionDate" in finished
    assert "PaginationToken" in rec.answers["ListUserImportJobs"][0]
    assert "NextToken" in rec.answers["ListGroups"][1]
    events = rec.answers["AdminListUserAuthEvents"]
    sign_in = events[0]["AuthEvents"][0]
    assert sign_in["EventType"] == "SignIn" and "EventFeedback" in sign_in
    assert sign_in["ChallengeResponses"] == [
        {"ChallengeName": "Password", "ChallengeResponse": "Success"}
    ]
    assert "NextToken" in events[1]
    assert "NextToken" in rec.answers["ListResourceServers"][0]
    assert any(
        {"Domain", "CustomDomain"} <= set(a["UserPool"]) for a in rec.answers["DescribeUserPool"]
    )
    prefix_domain, custom_domain, unknown = rec.answers["DescribeUserPoolDomain"]
    assert "CertificateArn" in custom_domain["DomainDescription"]["CustomDomainConfig"]
    assert prefix_domain["DomainDescription"]["CustomDomainConfig"] == {}
    assert unknown == {"DomainDescription": {}}
    assert "CloudFrontDomain" in rec.answers["CreateUserPoolDomain"][1]

    # The pool: members set are echoed, members never set are left out (Cognito documents
    # the absence of AccountRecoverySetting, and its examples show no UsernameConfiguration
    # for a pool created without one).
    minimal, full = rec.answers["CreateUserPool"][:2]  # then the passkeys and imports pools
    assert "AccountRecoverySetting" not in minimal["UserPool"]
    assert "UsernameConfiguration" not in minimal["UserPool"]
    assert full["UserPool"]["UsernameConfiguration"] == {"CaseSensitive": False}
    assert full["UserPool"]["AccountRecoverySetting"] == {
        "RecoveryMechanisms": [{"Priority": 1, "Name": "verified_email"}]
    }
    assert minimal["UserPool"]["Policies"]["SignInPolicy"] == {
        "AllowedFirstAuthFactors": ["PASSWORD"]
    }
    # EstimatedNumberOfUsers counts the pool's users: none at first, then those left.
    assert minimal["UserPool"]["EstimatedNumberOfUsers"] == 0
    described = rec.answers["DescribeUserPool"]
    assert described[1]["UserPool"]["EstimatedNumberOfUsers"] == 4
    assert described[-1]["UserPool"]["EstimatedNumberOfUsers"] == state["users_left"]


def test_the_walk_finds_each_kind_of_fault() -> None:
    """The walk itself: each fault it must catch, caught (no server)."""
    shape = MODEL.operation_model("AdminGetUser").output_shape
    good = {"Username": "ann", "UserCreateDate": 1700000000.5, "Enabled": True}
    assert problems(shape, good) == []
    faults = {
        "Extra": 1,  # a member outside the shape
        "Enabled": "true",  # a string for a boolean
        "UserStatus": "ACTIVE",  # outside the enum
        "UserCreateDate": "2024-01-01T00:00:00Z",  # a timestamp as text
        "UserAttributes": [{"Value": "x"}],  # an item without its required Name
        "MFAOptions": {"DeliveryMedium": "SMS"},  # a structure for a list
    }
    for name, value in faults.items():
        assert problems(shape, {**good, name: value}), name
    assert problems(shape, {"Enabled": True})  # the required Username missing
    tokens = MODEL.operation_model("InitiateAuth").output_shape
    assert problems(tokens, {"ChallengeParameters": {"A": 1}})  # a map's value of a wrong type
    assert problems(tokens, {"AuthenticationResult": {"ExpiresIn": True}})  # a bool for an int
    assert problems(MODEL.operation_model("UpdateUserPool").output_shape, {"Id": "x"})
    assert present({"A": [{"B": 1}, {"B": 2}]}, "A[].B")
    assert not present({"A": [{"B": 1}, {}]}, "A[].B")
