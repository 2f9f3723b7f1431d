"""The storage port of one transaction, by area: what a request may read and write.

Each area is a protocol of its own (``PoolsTx``, ``UsersTx``, ``CodesTx``, ``TokensTx``,
``KeysTx``, ``EventsTx``, ``GroupsTx``, ``CountersTx``, ``MfaTx``, ``OAuthTx``, ``WebAuthnTx``,
``ResourcesTx``, ``ImportsTx``, ``DevicesTx``), so code that needs one area can say so;
``Tx`` is all of them, what a store's transaction gives. Reads of a missing thing raise
``ports.NotFound``; an insert refused by a uniqueness constraint raises
``ports.AlreadyExists`` and leaves the transaction usable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

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
class ImportJob:
    """A user import job as stored: what DescribeUserImportJob shows, its upload (``upload``:
    the id of the CSV's last complete PUT, None before one; ``size`` bytes, ``lines``
    lines), its runner's ``heartbeat`` (written with every batch) and ``last_line``, the
    number of the last line the runner has read."""

    id: str
    pool_id: str
    name: str
    role_arn: str
    status: str
    created: float
    url: str
    started: float | None = None
    completed: float | None = None
    imported: int = 0
    skipped: int = 0
    failed: int = 0
    message: str | None = None
    upload: str | None = None
    size: int = 0
    lines: int = 0
    heartbeat: float | None = None
    last_line: int = 0


@dataclass(frozen=True, slots=True)
class ImportLogLine:
    """A row of an import job's CSV that was not imported: its line number, ``SKIPPED`` or
    ``FAILED``, and why (never the row's data)."""

    line: int
    outcome: str
    message: str


@dataclass(slots=True)
class Device:
    """A user's device as stored (``key`` is the DeviceKey, unique in the store): made
    unconfirmed by a sign-in (``NewDeviceMetadata``), confirmed by ConfirmDevice with its
    SRP salt and verifier (hex; not secret, never shown), ``remembered`` or not;
    ``pending``: the DEVICE_SRP_AUTH a sign-in asked for and that awaits its answer (its
    Session's hash, client, expiry, token source and amr), else None."""

    pool_id: str
    sub: str
    key: str
    group_key: str
    created: float
    modified: float
    confirmed: bool = False
    remembered: bool = False
    name: str | None = None
    salt: str | None = None
    verifier: str | None = None
    last_authenticated: float | None = None
    last_ip: str | None = None
    pending: dict[str, Any] | None = None


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
class PoolResource:
    """A configuration resource of a pool (terms, a branding style, a UI customization,
    the log delivery configuration, the signing certificate): what its operations echo
    (``body``), and a private key sealed with the master key where it has one."""

    id: str
    pool_id: str
    kind: str
    client_id: str | None
    name: str | None
    body: dict[str, Any]
    sealed: str | None
    created: float
    modified: float


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


class ImportsTx(Protocol):
    """User import jobs, their uploaded CSV (in chunks) and the log of rows not imported."""

    def insert_import_job(self, job: ImportJob) -> None: ...
    # lock: a write of the row follows (PostgreSQL locks it until the transaction ends)
    def get_import_job(self, job_id: str, lock: bool = False) -> ImportJob: ...
    # write every member but the id and pool; only while the job's status is one of
    # ``expect``: whether it was written
    def update_import_job(self, job: ImportJob, expect: tuple[str, ...]) -> bool: ...
    # the pool's jobs, newest first (by creation, then id, descending), after ``after``
    # (a (created, id) of the previous page's last job)
    def list_import_jobs(
        self, pool_id: str, after: tuple[float, str] | None, limit: int
    ) -> list[ImportJob]: ...
    def count_import_jobs(self, pool_id: str) -> int: ...
    def active_import_jobs(self, pool_id: str) -> list[ImportJob]: ...  # Pending..Stopping
    # a batch's first write: the heartbeat, and the counts it adds, while the job is
    # InProgress (on PostgreSQL the row stays locked: a Stop waits for the batch)
    def advance_import_job(
        self, job_id: str, heartbeat: float, counts: tuple[int, int, int], last_line: int
    ) -> bool: ...
    # a batch of imported users: those inserted (by username key; a taken key is skipped)
    def insert_new_users(self, users: list[tuple[User, str]]) -> set[str]: ...
    # which keys of an alias attribute are taken (each locked as alias_owner locks one)
    def taken_aliases(self, pool_id: str, attribute: str, keys: list[str]) -> set[str]: ...
    # (attribute, key, sub) aliases taken_aliases found free
    def insert_aliases(self, pool_id: str, aliases: list[tuple[str, str, str]]) -> None: ...
    def put_import_chunk(
        self, pool_id: str, job_id: str, upload: str, seq: int, data: bytes
    ) -> None: ...
    def import_chunk(self, job_id: str, upload: str, seq: int) -> bytes | None: ...
    # every chunk of the job's uploads but ``keep``'s
    def drop_import_chunks(self, job_id: str, keep: str | None = None) -> None: ...
    def add_import_log(self, pool_id: str, job_id: str, lines: list[ImportLogLine]) -> None: ...
    def import_log(self, job_id: str, after: int, limit: int) -> list[ImportLogLine]: ...


class DevicesTx(Protocol):
    """Users' devices (remembered devices), by their key."""

    def put_device(self, device: Device) -> None: ...  # insert, or replace the key's row
    # lock: a write of the row follows (PostgreSQL locks it until the transaction ends)
    def get_device(self, key: str, lock: bool = False) -> Device: ...
    def delete_device(self, key: str) -> None: ...
    def user_devices(self, pool_id: str, sub: str) -> list[Device]: ...  # every one, by key
    # the user's confirmed devices (only the remembered ones with ``remembered_only``), in
    # key order, after the key ``after``
    def list_devices(
        self, pool_id: str, sub: str, remembered_only: bool, after: str | None, limit: int
    ) -> list[Device]: ...


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


class ResourcesTx(Protocol):
    """Pools' configuration resources, by kind."""

    # AlreadyExists("resource"): the id, or the (pool, kind, client, name) is taken
    def insert_resource(self, resource: PoolResource) -> None: ...
    def put_resource(self, resource: PoolResource) -> None: ...  # insert or replace by id
    def get_resource(self, pool_id: str, kind: str, resource_id: str) -> PoolResource: ...
    # its client, name, body and modified (the caller checks the name is free)
    def update_resource(self, resource: PoolResource) -> None: ...
    def delete_resource(self, pool_id: str, kind: str, resource_id: str) -> bool: ...
    # oldest first; of one client's when ``client_id`` is given
    def list_resources(
        self, pool_id: str, kind: str, client_id: str | None = None
    ) -> list[PoolResource]: ...


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
    ImportsTx,
    DevicesTx,
    OAuthTx,
    WebAuthnTx,
    ResourcesTx,
    Protocol,
):
    """One transaction: every read and write of one request."""
