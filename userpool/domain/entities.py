"""The dataclasses the domain speaks: pools, app clients, users, codes, sessions, messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

UNCONFIRMED = "UNCONFIRMED"
CONFIRMED = "CONFIRMED"
FORCE_CHANGE_PASSWORD = "FORCE_CHANGE_PASSWORD"
RESET_REQUIRED = "RESET_REQUIRED"


@dataclass
class Pool:
    """A user pool: its id, and its configuration as the wire's ``UserPoolType`` members."""

    id: str
    name: str
    config: dict[str, Any]
    created: float
    modified: float

    @property
    def alias_attributes(self) -> list[str]:
        return list(self.config.get("AliasAttributes") or [])

    @property
    def username_attributes(self) -> list[str]:
        return list(self.config.get("UsernameAttributes") or [])

    @property
    def auto_verified(self) -> list[str]:
        return list(self.config.get("AutoVerifiedAttributes") or [])

    @property
    def case_sensitive(self) -> bool:
        conf = self.config.get("UsernameConfiguration") or {}
        return bool(conf.get("CaseSensitive", True))

    @property
    def sign_in_attributes(self) -> list[str]:
        """Attributes that can address a user besides the username."""
        return self.username_attributes + self.alias_attributes

    def key(self, value: str) -> str:
        """The form a username or alias is compared in."""
        return value if self.case_sensitive else value.lower()


@dataclass
class AppClient:
    """An app client; ``secret`` is the clear secret (kept encrypted at rest)."""

    id: str
    pool_id: str
    name: str
    secret: str | None
    config: dict[str, Any]
    created: float
    modified: float

    @property
    def prevent_user_existence_errors(self) -> bool:
        return self.config.get("PreventUserExistenceErrors") == "ENABLED"

    @property
    def explicit_auth_flows(self) -> list[str]:
        return list(self.config.get("ExplicitAuthFlows") or [])

    @property
    def auth_session_validity_minutes(self) -> int:
        return int(self.config.get("AuthSessionValidity") or 3)


@dataclass
class User:
    """A user of one pool; attribute values are strings as in Cognito."""

    pool_id: str
    username: str
    sub: str
    status: str
    enabled: bool
    password_hash: str | None
    attributes: dict[str, str]
    created: float
    modified: float
    version: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def verified(self, attribute: str) -> bool:
        return self.attributes.get(f"{attribute}_verified") == "true"


@dataclass
class Code:
    """An outstanding one-time code: only its keyed hash is kept."""

    pool_id: str
    sub: str
    purpose: str
    code_hash: str
    expires: float
    attribute: str | None
    medium: str | None
    superseded: list[str] = field(default_factory=list)
    failures: list[float] = field(default_factory=list)


@dataclass
class Message:
    """A message in the outbox."""

    id: int
    pool_id: str
    username: str
    medium: str
    destination: str
    subject: str | None
    body: str | None
    created: float
    status: str
    error: str | None = None


@dataclass
class Session:
    """A sign-in session bound to (pool, client, user, purpose) and an expiry."""

    token_hash: str
    pool_id: str
    client_id: str
    sub: str
    purpose: str
    expires: float
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class RefreshToken:
    """What the store keeps of an opaque refresh token (its keyed hash, never the token);
    ``device_key``: the device it was issued to, in a pool tracking devices."""

    token_hash: str
    pool_id: str
    client_id: str
    sub: str
    origin_jti: str
    auth_time: int
    expires: float
    revoked: bool = False
    device_key: str | None = None


@dataclass
class Group:
    """A user group of a pool: its name, and the role and precedence tokens carry."""

    pool_id: str
    name: str
    description: str | None
    role_arn: str | None
    precedence: int | None
    created: float
    modified: float
