"""The storage port of one transaction, by area: what a request may read and write.

Each area is a protocol of its own (``PoolsTx``, ``UsersTx``, ``CodesTx``, ``TokensTx``,
``KeysTx``, ``EventsTx``, ``GroupsTx``, ``CountersTx``, ``MfaTx``, ``OAuthTx``, ``WebAuthnTx``), so code
that needs one area can say so; ``Tx`` is all of them, what a store's transaction gives.
Reads of a missing thing raise ``ports.NotFound``; an insert refused by a uniqueness
constraint raises ``ports.AlreadyExists`` and leaves the transaction usable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from userpool.domain.entities import (
    AppClient,
    Code,
    Group,
    Message,
    Pool,
    RefreshToken,
    Session,
    User,
)


@dataclass(frozen=True, slots=True)
class StoredKey:
    """A token signing key of a pool as stored: its PEM sealed with the master key."""

    kid: str
    use: str
    sealed_pem: str
    active: bool


@dataclass(frozen=True, slots=True)
class AccessKeyEntry:
    """An access key for signed operations, without its secret."""

    key_id: str
    created: float
    revoked: bool


@dataclass(frozen=True, slots=True)
class SealedValue:
    """A value sealed with the master key: its table, its row's id, the sealed text."""

    table: str
    row_id: str
    sealed: str


@dataclass(slots=True)
class SoftwareToken:
    """A user's software token (TOTP) as stored: its base32 secret sealed with the master
    key; ``state`` is ``pending`` (AssociateSoftwareToken gave it) or ``verified``
    (VerifySoftwareToken accepted it); ``last_step``: the time step of the last code
    accepted (none is accepted again)."""

    pool_id: str
    sub: str
    state: str
    sealed: str
    created: float
    device_name: str | None = None
    last_step: int | None = None
    id: str = ""


@dataclass(slots=True)
class PoolDomain:
    """A user pool's domain: a prefix (``<domain>.auth.<region>.amazoncognito.com``) or,
    with ``custom``, a full host name whose certificate ``certificate_arn`` names;
    ``cloudfront`` is the host name Cognito would put in front of it, ``version`` its
    ``yyyyMMddHHmmss``."""

    domain: str
    pool_id: str
    custom: bool
    certificate_arn: str | None
    managed_login_version: int
    cloudfront: str
    version: str
    created: float


@dataclass(slots=True)
class ResourceServer:
    """A resource server of a pool: its identifier, name and scopes (the wire's
    ``{"ScopeName", "ScopeDescription"}`` items, in their order)."""

    pool_id: str
    identifier: str
    name: str
    scopes: list[dict[str, str]]
    created: float
    modified: float


@dataclass(slots=True)
class StoredPasskey:
    """A user's passkey as stored: ``sealed`` is the attested credential data (credential
    id, AAGUID, public key) sealed with the master key; ``sign_count`` the authenticator's
    last count."""

    id: str
    pool_id: str
    sub: str
    credential_id: str
    sealed: str
    sign_count: int
    relying_party_id: str
    attachment: str | None
    transports: list[str]
    name: str
    created: float


@dataclass(frozen=True, slots=True)
class AuthEvent:
    """One entry of the auth-event log; ``data`` is its JSON text."""

    id: int
    pool_id: str
    sub: str
    kind: str
    at: float
    data: str


@dataclass(frozen=True, slots=True)
class TriggerInvocation:
    """One entry of the trigger log: a Lambda trigger's call and how it ended."""

    pool_id: str
    trigger: str
    source: str
    username: str
    started: float
    duration_ms: float
    outcome: str
    error: str | None


class PoolsTx(Protocol):
    """User pools and their app clients."""

    def insert_pool(self, pool: Pool) -> None: ...
    # lock: a write of the row follows (PostgreSQL locks it until the transaction ends)
    def get_pool(self, pool_id: str, lock: bool = False) -> Pool: ...
    def update_pool(self, pool: Pool) -> None: ...
    def delete_pool(self, pool_id: str) -> None: ...
    def list_pools(self, after: str | None, limit: int) -> list[Pool]: ...
    def insert_client(self, client: AppClient) -> None: ...
    def get_client(self, client_id: str, lock: bool = False) -> AppClient: ...
    def client_and_pool(self, client_id: str) -> tuple[AppClient, Pool]: ...
    # code: the purpose of the user's code that get_code will ask for next (a backend may
    # read it in the same probe)
    def client_pool_user(
        self, client_id: str, key: str, code: str | None = None
    ) -> tuple[AppClient, Pool, User | None]: ...
    def update_client(self, client: AppClient) -> None: ...
    # the client's sealed secrets (``AppClient.secret``); update_client leaves them
    def set_client_secret(self, client_id: str, sealed: str | None) -> None: ...
    def delete_client(self, client_id: str) -> None: ...
    def list_clients(self, pool_id: str, after: str | None, limit: int) -> list[AppClient]: ...


class UsersTx(Protocol):
    """Users, and their sign-in aliases: (pool, attribute, key) -> sub, unique by constraint."""

    def insert_user(self, user: User, key: str) -> None: ...
    def update_user(self, user: User) -> None: ...
    def delete_user(self, pool_id: str, sub: str) -> None: ...
    def user_by_key(self, pool_id: str, key: str) -> User: ...
    def user_by_sub(self, pool_id: str, sub: str) -> User: ...
    def user_by_alias(self, pool_id: str, attribute: str, key: str) -> User: ...
    def list_users(self, pool_id: str, after: str | None, limit: int) -> list[User]: ...
    def count_users(self, pool_id: str) -> int: ...  # the pool's users, whatever their status
    def set_alias(self, pool_id: str, attribute: str, key: str, sub: str) -> None: ...
    def alias_owner(self, pool_id: str, attribute: str, key: str) -> str | None: ...
    def drop_alias(self, pool_id: str, attribute: str, key: str) -> None: ...
    def drop_aliases_of(self, pool_id: str, sub: str, attribute: str | None = None) -> None: ...


class CodesTx(Protocol):
    """One-time codes, attempt counters and sign-in sessions (single use)."""

    def put_code(self, code: Code) -> None: ...
    def get_code(self, pool_id: str, sub: str, purpose: str) -> Code: ...
    def delete_code(self, pool_id: str, sub: str, purpose: str) -> None: ...
    def count_attempts(self, pool_id: str, sub: str, action: str, since: float) -> int: ...
    def add_attempt(self, pool_id: str, sub: str, action: str, at: float) -> None: ...
    def clear_attempts(self, pool_id: str, sub: str, action: str) -> None: ...
    def put_session(self, session: Session) -> None: ...
    def take_session(self, token_hash: str) -> Session: ...


class TokensTx(Protocol):
    """Refresh tokens, and sign-ins (origins) revoked."""

    def put_refresh(self, token: RefreshToken) -> None: ...
    def get_refresh(self, token_hash: str) -> RefreshToken: ...
    def revoke_origin(self, origin_jti: str, expires: float) -> None: ...
    def origin_revoked(self, origin_jti: str) -> bool: ...
    def revoke_user_tokens(self, pool_id: str, sub: str) -> None: ...


class KeysTx(Protocol):
    """Token signing keys, access keys, meta values and the values sealed with the master
    key (``userpool.at_rest``)."""

    def insert_key(self, kid: str, pool_id: str, use: str, pem: str, created: float) -> None: ...
    def retire_keys(self, pool_id: str, use: str) -> None: ...
    # every key of the pool, newest first
    def pool_keys(self, pool_id: str) -> list[StoredKey]: ...
    def keys_version(self, pool_id: str) -> str: ...
    def insert_access_key(self, key_id: str, sealed: str, created: float) -> None: ...
    def access_key(self, key_id: str) -> str | None: ...
    def access_keys(self) -> list[AccessKeyEntry]: ...  # oldest first
    def revoke_access_key(self, key_id: str) -> bool: ...
    def meta_value(self, name: str, lock: bool = False) -> bytes | None: ...
    def set_meta(self, name: str, value: bytes) -> None: ...
    def replace_meta(self, name: str, value: bytes) -> None: ...
    def delete_meta(self, name: str) -> None: ...
    def sealed_values(self) -> list[SealedValue]: ...
    def reseal(self, table: str, row_id: str, sealed: str) -> None: ...


class EventsTx(Protocol):
    """Messages queued for delivery (the outbox) and the auth-event log."""

    def enqueue_message(self, message: Message) -> int: ...
    def record_event(
        self, pool_id: str, sub: str, kind: str, at: float, data: str, listed: bool
    ) -> None: ...
    def add_event(
        self, pool_id: str, sub: str, kind: str, at: float, data: str, listed: bool
    ) -> int: ...
    def list_events(
        self, pool_id: str, sub: str, before: int | None, limit: int
    ) -> list[AuthEvent]: ...  # the user's listed events, newest first
    def get_event(self, pool_id: str, sub: str, event_id: int) -> AuthEvent: ...
    def update_event(self, pool_id: str, sub: str, event_id: int, data: str) -> None: ...


class GroupsTx(Protocol):
    """User groups of a pool and their members."""

    def insert_group(self, group: Group) -> None: ...
    def count_groups(self, pool_id: str) -> int: ...
    def get_group(self, pool_id: str, name: str) -> Group: ...
    def update_group(self, group: Group) -> None: ...
    def delete_group(self, pool_id: str, name: str) -> None: ...
    def list_groups(self, pool_id: str, after: str | None, limit: int) -> list[Group]: ...
    def add_member(self, pool_id: str, name: str, sub: str) -> None: ...
    def remove_member(self, pool_id: str, name: str, sub: str) -> None: ...
    def groups_of(self, pool_id: str, sub: str) -> list[Group]: ...
    def members_of(self, pool_id: str, name: str, after: str | None, limit: int) -> list[User]: ...


class CountersTx(Protocol):
    """Request-rate counters, shared by every process on the database."""

    def add_counts(self, counts: dict[tuple[str, int], int]) -> dict[tuple[str, int], int]: ...
    def purge_counts(self, before_slot: int, limit: int) -> int: ...  # rows deleted


class MfaTx(Protocol):
    """Users' software tokens: at most one pending and one verified per user."""

    # insert, or replace the user's token of that state
    def put_software_token(self, token: SoftwareToken) -> None: ...
    def software_token(self, pool_id: str, sub: str, state: str) -> SoftwareToken: ...
    def delete_software_token(self, pool_id: str, sub: str, state: str) -> None: ...
    # record ``step`` as the verified token's last accepted step, unless that step (or a
    # later one) was accepted before: whether it was recorded
    def advance_software_token(self, pool_id: str, sub: str, step: int) -> bool: ...


class OAuthTx(Protocol):
    """Pools' domains (a name is one pool's; a pool has one domain of each kind) and
    resource servers (an identifier is unique within its pool)."""

    # AlreadyExists("domain"): the name is taken, or the pool has a domain of that kind
    def insert_domain(self, domain: PoolDomain) -> None: ...
    def get_domain(self, name: str) -> PoolDomain: ...
    def pool_domains(self, pool_id: str) -> list[PoolDomain]: ...  # prefix first
    def update_domain(self, domain: PoolDomain) -> None: ...
    def delete_domain(self, name: str) -> None: ...
    def insert_resource_server(self, server: ResourceServer) -> None: ...
    def get_resource_server(self, pool_id: str, identifier: str) -> ResourceServer: ...
    def update_resource_server(self, server: ResourceServer) -> None: ...
    def delete_resource_server(self, pool_id: str, identifier: str) -> None: ...
    def count_resource_servers(self, pool_id: str) -> int: ...
    # in identifier order, after ``after``
    def list_resource_servers(
        self, pool_id: str, after: str | None, limit: int
    ) -> list[ResourceServer]: ...


class WebAuthnTx(Protocol):
    """Users' passkeys."""

    # AlreadyExists when the pool has the credential id
    def insert_passkey(self, passkey: StoredPasskey) -> None: ...
    def passkeys(self, pool_id: str, sub: str) -> list[StoredPasskey]: ...  # oldest first
    def delete_passkey(self, pool_id: str, sub: str, credential_id: str) -> bool: ...
    # set the sign count to ``count`` if it is still ``seen``: whether it was set
    def advance_passkey(self, pool_id: str, credential_id: str, seen: int, count: int) -> bool: ...


class Tx(
    PoolsTx,
    UsersTx,
    CodesTx,
    TokensTx,
    KeysTx,
    EventsTx,
    GroupsTx,
    CountersTx,
    MfaTx,
    OAuthTx,
    WebAuthnTx,
    Protocol,
):
    """One transaction: every read and write of one request."""
