"""What the MFA sign-in tests share: a pool with an MFA configuration and an app client
allowing every flow, users made by an administrator (with a phone number or an email of
their own, so the shared server's outbox holds only their codes), sign-in in each flow, and
codes from pyotp (an RFC 6238 implementation independent of ours) and from the outbox."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

import jwt
import pyotp

PASSWORD = "Passw0rd!"
FLOWS = [
    "ALLOW_USER_AUTH",
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
]
SMS_CONFIG = {"SnsCallerArn": "arn:aws:iam::123456789012:role/sms", "ExternalId": "ext-1"}
DEVELOPER_EMAIL = {
    "EmailSendingAccount": "DEVELOPER",
    "SourceArn": "arn:aws:ses:us-east-1:123456789012:identity/no-reply@example.com",
    "From": "no-reply@example.com",
}
TOTP_ON = {"SoftwareTokenMfaConfiguration": {"Enabled": True}}
SMS_ON = {
    "SmsMfaConfiguration": {
        "SmsAuthenticationMessage": "Your sign-in code: {####}",
        "SmsConfiguration": SMS_CONFIG,
    }
}
EMAIL_ON = {"EmailMfaConfiguration": {"Message": "Your MFA code is {####}.", "Subject": "MFA"}}
MISMATCH = ("CodeMismatchException", "Invalid code or auth state for the user.")
INVALID = ("NotAuthorizedException", "Invalid session for the user.")
USED = ("ExpiredCodeException", "Your software token has already been used once.")


def totp_code(secret: str, steps: int = 0) -> str:
    """The authenticator app's code ``steps`` time steps from now."""
    return str(pyotp.TOTP(secret).at(time.time() + 30 * steps))


def wrong_totp(secret: str) -> str:
    """A 6-digit code the secret gives at no step of the window around now."""
    window = {totp_code(secret, d) for d in (-2, -1, 0, 1, 2)}
    return next(c for c in (f"{n:06d}" for n in range(1_000_000)) if c not in window)


def claims(token: str) -> dict[str, Any]:
    """A token's claims (its signature is checked by the sign-in tests, not here)."""
    return dict(jwt.decode(token, options={"verify_signature": False}))


@dataclass
class MfaApp:
    """A pool (its MFA configured) and an app client of it on the shared server."""

    idp: Any  # a boto3 client, or tests.harness.InProcess.idp
    server: Any  # the Server (or InProcess) whose outbox holds the codes
    pool_id: str
    client_id: str

    @property
    def tag(self) -> str:
        return self.pool_id.split("_")[1].lower()

    def email_of(self, name: str) -> str:
        return f"{name}-{self.tag}@example.com"

    def user(self, name: str, *, phone: bool = False, email: bool = True) -> str | None:
        """Make ``name`` (confirmed, password ``PASSWORD``) with a verified email unless
        ``email`` is false, and a new unverified phone number if ``phone``; the number."""
        attributes = []
        if email:
            attributes += [
                {"Name": "email", "Value": self.email_of(name)},
                {"Name": "email_verified", "Value": "true"},
            ]
        number = f"+1555{secrets.randbelow(10**7):07d}" if phone else None
        if number:
            attributes.append({"Name": "phone_number", "Value": number})
        self.idp.admin_create_user(
            UserPoolId=self.pool_id,
            Username=name,
            UserAttributes=attributes,
            MessageAction="SUPPRESS",
        )
        self.idp.admin_set_user_password(
            UserPoolId=self.pool_id, Username=name, Password=PASSWORD, Permanent=True
        )
        return number

    def sign_in(self, name: str, flow: str = "USER_PASSWORD_AUTH", **params: str) -> Any:
        """InitiateAuth (AdminInitiateAuth for the ADMIN_ flow) with the password."""
        auth = {"USERNAME": name, "PASSWORD": PASSWORD, **params}
        if flow.startswith("ADMIN_"):
            return self.idp.admin_initiate_auth(
                UserPoolId=self.pool_id, ClientId=self.client_id, AuthFlow=flow, AuthParameters=auth
            )
        return self.idp.initiate_auth(ClientId=self.client_id, AuthFlow=flow, AuthParameters=auth)

    def answer(
        self, name: str, challenge: str, session: str, admin: bool = False, **answers: str
    ) -> Any:
        """(Admin)RespondToAuthChallenge with ``USERNAME`` and ``answers``."""
        request = {
            "ClientId": self.client_id,
            "ChallengeName": challenge,
            "Session": session,
            "ChallengeResponses": {"USERNAME": name, **answers},
        }
        if admin:
            return self.idp.admin_respond_to_auth_challenge(UserPoolId=self.pool_id, **request)
        return self.idp.respond_to_auth_challenge(**request)

    def prefer(self, name: str, **settings: Any) -> None:
        self.idp.admin_set_user_mfa_preference(UserPoolId=self.pool_id, Username=name, **settings)

    def attributes(self, name: str) -> dict[str, str]:
        user = self.idp.admin_get_user(UserPoolId=self.pool_id, Username=name)
        return {a["Name"]: a["Value"] for a in user["UserAttributes"]}

    def set_up_totp(self, name: str) -> str:
        """Sign ``name`` in (no MFA yet), set up an authenticator app with the access token
        and enable TOTP MFA; the secret."""
        token = self.sign_in(name)["AuthenticationResult"]["AccessToken"]
        secret = str(self.idp.associate_software_token(AccessToken=token)["SecretCode"])
        self.idp.verify_software_token(AccessToken=token, UserCode=totp_code(secret))
        self.idp.set_user_mfa_preference(
            AccessToken=token, SoftwareTokenMfaSettings={"Enabled": True}
        )
        return secret

    def code(self, destination: str) -> str:
        """The 6-digit code of the latest message to ``destination``."""
        return str(self.server.code(destination))

    def last_message(self, destination: str) -> str:
        return str(self.server.messages(destination)[-1])

    def subjects(self, destination: str) -> list[str]:
        rows = self.server.sql(
            "SELECT subject FROM outbox WHERE destination=? ORDER BY id", destination
        )
        return [r[0] for r in rows]


def make_mfa_app(
    idp: Any,
    server: Any,
    mode: str = "OPTIONAL",
    *,
    pool: dict[str, Any] | None = None,
    **factors: Any,
) -> MfaApp:
    """A pool with MFA ``mode`` and the factors given (SetUserPoolMfaConfig's members; SMS
    needs the pool's SmsConfiguration, email a DEVELOPER sender: both are given here, with
    ``pool``'s further CreateUserPool settings) and a client allowing every flow."""
    made = idp.create_user_pool(
        PoolName=f"mfa{secrets.token_hex(3)}",
        AutoVerifiedAttributes=["email"],
        SmsConfiguration=SMS_CONFIG,
        EmailConfiguration=DEVELOPER_EMAIL,
        **(pool or {}),
    )["UserPool"]
    if mode != "OFF":
        idp.set_user_pool_mfa_config(UserPoolId=made["Id"], MfaConfiguration=mode, **factors)
    client = idp.create_user_pool_client(
        UserPoolId=made["Id"], ClientName="app", ExplicitAuthFlows=FLOWS
    )["UserPoolClient"]
    return MfaApp(idp, server, made["Id"], client["ClientId"])
