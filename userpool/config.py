"""Settings, read once: command-line flags over ``USERPOOL_*`` environment variables over defaults."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field, fields
from typing import Any

import orjson

DEFAULT_DB = os.path.join(".userpool", "userpool.db")


def _env_bool(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


@dataclass
class Settings:
    """Everything the services are built from."""

    host: str = "127.0.0.1"
    port: int = 9229
    db: str = DEFAULT_DB
    region: str = "us-east-1"
    account_id: str = "000000000000"
    synchronous: str = "NORMAL"
    # PostgreSQL connections per process: transactions in flight at once.
    db_connections: int = 4
    # Level of the server's own loggers (userpool.*): debug logs masked request bodies.
    log_level: str = "info"
    # One line per request at INFO (always at debug); off by default: it costs CPU.
    access_log: bool = False
    # Accept any credentials on signed operations (local development on loopback only).
    dev: bool = False
    sender: str = "console"  # console | smtp | none
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_from: str = "no-reply@verificationemail.com"
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    # None: keep message text only with the console sender (a local development server).
    keep_message_text: bool | None = None
    # Requests per sliding minute from one source address / naming one app client from one
    # address (0: off), and failed guesses (wrong codes or passwords) from one address.
    rate_per_ip: int = 12_000
    rate_per_client: int = 6_000
    fail_per_ip: int = 300
    # Proxies whose X-Forwarded-For names the caller (comma-separated CIDRs; none: ignored).
    trusted_proxy: str = ""
    # Shared rate counters in Redis instead of the store (e.g. redis://127.0.0.1:6379/0).
    redis_url: str | None = None
    loop: str = "auto"  # the event loop: auto (uvloop when installed), uvloop, asyncio
    # Cognito's quotas: groups per pool, groups a user may belong to.
    max_groups_per_pool: int = 10_000
    max_groups_per_user: int = 100
    code_attempts_per_hour: int = 5
    resend_per_hour: int = 5
    # Messages (codes, invitations, notices) per rolling hour to one email address or phone
    # number of a pool, whatever the operation or user (0: no limit).
    messages_per_destination_per_hour: int = 10
    # Threads for Argon2 and SRP: all cores but one, so the event loop keeps a core.
    hasher_threads: int = max(1, (os.cpu_count() or 2) - 1)
    # Base URL of token issuers (``iss`` = base + "/" + pool id); default: this server's URL.
    issuer_base: str | None = None
    lambda_endpoint: str | None = None
    # ARN -> target: "http(s)://..." webhook, "python:module:function", "lambda+http://..."
    triggers: dict[str, str] = field(default_factory=dict)
    trigger_timeout: float = 5.0
    # Secrets at rest (userpool.at_rest): the master key, 32 bytes as base64 or hex (env
    # only), else its file (default <db>.key, or .userpool/master.key for PostgreSQL).
    master_key: str | None = field(default=None, repr=False)
    master_key_file: str | None = None
    # Start even when the database, its folder or the key file is open to group or others.
    allow_open_permissions: bool = False
    # Open connections per worker; over it a connection gets a 503 and is closed.
    # 0: the descriptor limit (RLIMIT_NOFILE) less a reserve, at most 10,000.
    max_connections: int = 0
    # Seconds a kept-alive connection may wait for its next request, and a request may take
    # to arrive once begun (bytes that begin no request reset neither).
    idle_timeout: float = 75.0
    request_timeout: float = 30.0
    # Bytes of received requests one connection, and all of a worker's, may hold before
    # reading stops on connections that are waiting for an answer (at least 1 MiB + 64 KiB).
    connection_buffer: int = 2 << 20
    worker_buffer: int = 64 << 20
    extra: dict[str, Any] = field(default_factory=dict)

    def issuer(self, pool_id: str) -> str:
        base = self.issuer_base or f"http://{self.host}:{self.port}"
        return f"{base.rstrip('/')}/{pool_id}"

    @property
    def keeps_message_text(self) -> bool:
        if self.keep_message_text is not None:
            return self.keep_message_text
        return self.sender in ("console", "none")


LOOPBACK_NAMES = ("localhost", "ip6-localhost")


def is_loopback(host: str | None) -> bool:
    """Whether ``host`` (a name or an address, IPv6 with or without brackets) is loopback."""
    if not host:
        return False
    host = host.strip("[]")
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def dev_refusal(settings: Settings) -> str | None:
    """Why these settings must not run (``--dev`` off loopback), or None: the one rule of
    ``userpool serve`` and of the app factory other servers run."""
    if settings.dev and not is_loopback(settings.host):
        return f"--dev accepts any credentials: refused on non-loopback {settings.host}"
    return None


def from_env(**overrides: Any) -> Settings:
    """Defaults, then ``USERPOOL_<NAME>`` variables, then the non-None overrides."""
    settings = Settings()
    for f in fields(Settings):
        raw = os.environ.get(f"USERPOOL_{f.name.upper()}")
        if raw is None or f.name == "extra":
            continue
        current = getattr(settings, f.name)
        if f.name == "triggers":
            settings.triggers = dict(orjson.loads(raw))
        elif f.name == "trigger_timeout":
            settings.trigger_timeout = float(raw)
        elif f.name in ("lambda_endpoint", "redis_url"):
            setattr(settings, f.name, raw or None)
        elif isinstance(current, float):
            setattr(settings, f.name, float(raw))
        elif isinstance(current, bool) or f.name == "keep_message_text":
            setattr(settings, f.name, _env_bool(raw))
        elif isinstance(current, int):
            setattr(settings, f.name, int(raw))
        else:
            setattr(settings, f.name, raw)
    for name, value in overrides.items():
        if value is not None:
            setattr(settings, name, value)
    return settings
