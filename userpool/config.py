"""Settings, read once: command-line flags over ``USERPOOL_*`` environment variables over
defaults. Each is declared once, as a field of ``Settings`` (how: settings_spec)."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from typing import Any

from userpool.settings_spec import env_values, setting

DEFAULT_DB = os.path.join(".userpool", "userpool.db")


@dataclass
class Settings:
    """Everything the services are built from; each field declares its option and variable
    (settings_spec): ``--port`` and ``USERPOOL_PORT`` for ``port``; secrets variables only."""

    host: str = setting("127.0.0.1", "address to bind (default 127.0.0.1)", metavar="HOST")
    port: int = setting(9229, "port (default 9229)")
    workers: int = setting(1, "worker processes (default 1)")
    # HTTPS: a second listener (the OAuth domain must be https for Amplify; SDKs may stay
    # on http), or the only one when --tls-port is --port. docs/deployment.md.
    tls: str | None = setting(
        None,
        "serve HTTPS with a local CA and certificate made under the data folder "
        "(or give --tls-cert and --tls-key)",
        choices=("self-signed",),
    )
    tls_cert: str | None = setting(
        None, "HTTPS: the server's certificate chain, PEM (with --tls-key)", metavar="FILE"
    )
    tls_key: str | None = setting(
        None, "HTTPS: the certificate's private key, PEM, unencrypted", metavar="FILE"
    )
    tls_port: int = setting(
        9230,
        "port of the HTTPS listener, beside --port's HTTP (default 9230; --port's: HTTPS only)",
    )
    db: str = setting(
        DEFAULT_DB, f"SQLite file or postgresql:// URL (default {DEFAULT_DB})", metavar="PATH|URL"
    )
    region: str = setting(
        "us-east-1", "region in pool ids and ARNs (default us-east-1)", metavar="REGION"
    )
    account_id: str = setting(
        "000000000000", "account id in ARNs (default 000000000000)", metavar="ID"
    )
    issuer_base: str | None = setting(
        None, "public base URL in tokens' iss (default: this server)", metavar="URL"
    )
    synchronous: str = setting(
        "NORMAL",
        "SQLite durability: NORMAL (default) survives a crash, FULL power loss too",
        choices=("NORMAL", "FULL"),
    )
    db_connections: int = setting(
        4, "PostgreSQL connections per worker: transactions in flight at once (default 4)"
    )
    # The level of the server's own loggers (userpool.*).
    log_level: str = setting(
        "info",
        "level of userpool's log (default info); debug adds request and response "
        "bodies, sensitive members masked",
        choices=("debug", "info", "warning", "error"),
    )
    # Off by default: it costs CPU.
    access_log: bool = setting(
        False, "a line per request at info: operation, status, error, ms, request id"
    )
    dev: bool = setting(
        False,
        "accept any credentials on signed operations and serve the outbox at "
        "/_userpool/messages (loopback only)",
    )
    sender: str = setting(
        "console", "how codes go out (default console)", choices=("console", "smtp", "none")
    )
    smtp_host: str = setting("127.0.0.1", "SMTP server (default 127.0.0.1)", metavar="HOST")
    smtp_port: int = setting(25, "SMTP server's port (default 25)")
    smtp_from: str = setting(
        "no-reply@verificationemail.com",
        "sender address of emails (default no-reply@verificationemail.com)",
        metavar="ADDRESS",
    )
    smtp_starttls: bool = setting(False, "STARTTLS before logging in and sending")
    smtp_user: str | None = setting(
        None, "log in to the SMTP server as USER (password: USERPOOL_SMTP_PASSWORD)", metavar="USER"
    )
    smtp_password: str | None = setting(None, "the SMTP user's password", secret=True)
    log_delivery_dir: str | None = setting(
        None,
        "folder where pools' log delivery configurations write their records as JSON lines",
        metavar="DIR",
    )
    # None: keep message text only with the console or no sender (a local server).
    keep_message_text: bool | None = setting(
        None, "keep delivered messages' text in the outbox with a real sender"
    )
    resend_per_hour: int = setting(
        5,
        "codes one user may ask for per hour by ResendConfirmationCode, ForgotPassword "
        "or GetUserAttributeVerificationCode, each (default 5)",
    )
    messages_per_destination_per_hour: int = setting(
        10,
        "messages per hour to one email address or phone number of a pool, whatever the "
        "operation or user (default 10; 0: no limit)",
    )
    code_attempts_per_hour: int = setting(
        5,
        "wrong codes (and ChangePassword's wrong previous passwords) one user may give per "
        "hour, each kind (default 5)",
    )
    max_groups_per_pool: int = setting(10_000, "groups per pool (default 10000, as Cognito)")
    max_groups_per_user: int = setting(
        100, "groups one user may belong to (default 100, as Cognito)"
    )
    lambda_endpoint: str | None = setting(
        None, "AWS Lambda Invoke API endpoint for trigger ARNs", metavar="URL"
    )
    # ARN -> target: "http(s)://..." webhook, "python:module:function", "lambda+http://..."
    triggers: dict[str, str] = setting(
        {},
        "route a trigger ARN to http(s)://URL, python:module:function or lambda+ENDPOINT "
        "(repeatable; the variable: a JSON object of ARN: TARGET)",
        flag="trigger",
        metavar=("ARN", "TARGET"),
    )
    trigger_timeout: float = setting(
        5.0, "seconds a trigger may take (default 5, as Cognito)", metavar="S"
    )
    rate_per_ip: int = setting(
        12_000, "requests per minute from one address (default 12000; 0: no limit)"
    )
    rate_per_client: int = setting(
        6_000, "requests per minute from one address naming one app client (default 6000; 0: none)"
    )
    fail_per_ip: int = setting(
        300, "failed guesses (codes, passwords) per minute from one address (default 300; 0: none)"
    )
    trusted_proxy: str = setting(
        "",
        "a proxy whose X-Forwarded-For names the caller (repeatable; the variable: "
        "comma-separated; default: none)",
        metavar="CIDR",
        repeat=True,
    )
    # Shared rate counters in Redis instead of the store.
    redis_url: str | None = setting(
        None, "keep shared rate counters in Redis (redis://...)", metavar="URL"
    )
    loop: str = setting(
        "auto",
        "event loop (default auto: uvloop, which is installed with userpool)",
        choices=("auto", "uvloop", "asyncio"),
    )
    # All cores but one, so the event loop keeps a core.
    hasher_threads: int = setting(
        max(1, (os.cpu_count() or 2) - 1),
        "threads hashing passwords (Argon2) and running SRP (default: the cores less one)",
    )
    # Never a default, never implied by another setting: only when given (announced).
    password_hashing: str = setting(
        "normal",
        "Argon2id cost of new password hashes: normal (default, OWASP's m=19 MiB, t=2) or "
        "fast (the least cost, for test suites only: weak hashes; stored hashes of either "
        "verify, and normal upgrades fast ones at the next sign-in)",
        choices=("normal", "fast"),
    )
    # Secrets at rest (userpool.at_rest): the master key, else its file.
    master_key: str | None = setting(
        None,
        "the master key sealing secrets at rest, 32 bytes as base64 or 64 hex digits "
        "(default: the key file)",
        secret=True,
    )
    master_key_file: str | None = setting(
        None,
        "file of the key sealing secrets at rest (default <db>.key; "
        ".userpool/master.key for PostgreSQL)",
        metavar="PATH",
    )
    allow_open_permissions: bool = setting(
        False, "start even if the database, its folder or the key file is open to others"
    )
    # 0: the descriptor limit (RLIMIT_NOFILE) less a reserve, at most 10,000.
    max_connections: int = setting(
        0, "open connections per worker, over it a 503 (default: file descriptor limit - 64)"
    )
    # Bytes that begin no request reset neither timeout.
    idle_timeout: float = setting(
        75.0, "seconds a kept-alive connection may idle (default 75)", metavar="S"
    )
    request_timeout: float = setting(
        30.0, "seconds a request may take to arrive (default 30)", metavar="S"
    )
    # Reading stops on connections that are waiting for an answer (at least 1 MiB + 64 KiB).
    connection_buffer: int = setting(
        2 << 20,
        "bytes of requests one connection may hold before reading stops (default 2 MiB)",
        metavar="BYTES",
    )
    worker_buffer: int = setting(
        64 << 20,
        "bytes of requests a worker may hold before reading stops (default 64 MiB)",
        metavar="BYTES",
    )

    def issuer(self, pool_id: str) -> str:
        scheme = "https" if self.uses_tls and self.tls_port == self.port else "http"
        base = self.issuer_base or f"{scheme}://{self.host}:{self.port}"
        return f"{base.rstrip('/')}/{pool_id}"

    @property
    def uses_tls(self) -> bool:
        """Whether ``userpool serve`` has an HTTPS listener."""
        return bool(self.tls or self.tls_cert)

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


def refusal(settings: Settings) -> str | None:
    """Why these settings must not run, or None: the one check of ``userpool serve`` and of
    the app other servers run. ``--dev`` off loopback, and a ``--trusted-proxy`` that is no
    list of networks (every request would fail to find its caller)."""
    if settings.dev and not is_loopback(settings.host):
        return f"--dev accepts any credentials: refused on non-loopback {settings.host}"
    try:
        for part in settings.trusted_proxy.split(","):
            if part.strip():
                ipaddress.ip_network(part.strip(), strict=False)
    except ValueError as exc:
        return f"--trusted-proxy: {exc}"
    return None


def warnings(settings: Settings) -> list[str]:
    """What a server with these settings announces at start (stderr, or its log)."""
    out = []
    if settings.password_hashing == "fast":
        out.append(
            "WARNING: --password-hashing fast: passwords are weakly hashed (Argon2id at its "
            "least cost, m=8 KiB, t=1, p=1); for tests only, never for real users' passwords"
        )
    return out


def tls_refusal(settings: Settings) -> str | None:
    """Why ``userpool serve``'s HTTPS settings do not go together, or None (their files are
    checked by ``certs``; another server running the app does its own TLS)."""
    if settings.tls and (settings.tls_cert or settings.tls_key):
        return "--tls self-signed makes its own certificate: give it or --tls-cert/--tls-key"
    if bool(settings.tls_cert) != bool(settings.tls_key):
        return "--tls-cert and --tls-key go together"
    if settings.uses_tls and not 0 < settings.tls_port < 65536:
        return f"--tls-port: {settings.tls_port} is no port"
    return None


def from_env(**overrides: Any) -> Settings:
    """Defaults, then ``USERPOOL_<NAME>`` variables, then the non-None overrides (the
    options given, for ``userpool serve``)."""
    values = env_values(Settings)
    values.update((name, value) for name, value in overrides.items() if value is not None)
    return Settings(**values)
