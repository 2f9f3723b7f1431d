"""Where ``userpool cognito-idp`` settings come from, with AWS CLI v2's precedence (tests/cli/captures/aws-cli-v2.33.md §13).

    profile    --profile > AWS_PROFILE > AWS_DEFAULT_PROFILE > default
    region     --region > AWS_REGION > AWS_DEFAULT_REGION > profile region
    endpoint   --endpoint-url > AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER > AWS_ENDPOINT_URL
               > [services <name>] cognito_identity_provider.endpoint_url > profile endpoint_url
               (all but the flag off with ignore_configured_endpoint_urls)
    output     --output > AWS_DEFAULT_OUTPUT > profile output > json
    pager      --no-cli-pager > AWS_PAGER > profile cli_pager > PAGER > less
    ca bundle  --ca-bundle > AWS_CA_BUNDLE > profile ca_bundle

Files are ``~/.aws/config`` and ``~/.aws/credentials`` or ``AWS_CONFIG_FILE`` and
``AWS_SHARED_CREDENTIALS_FILE``, read by botocore. Credentials follow botocore's chain,
except that an explicit ``--profile`` skips the environment's keys, as in the AWS CLI.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from typing import Any

import botocore.session

from userpool.cli.clierrors import CliError

OUTPUTS = ["json", "text", "table", "yaml", "yaml-stream"]
SERVICE_KEY = "cognito_identity_provider"
ENDPOINT_ENV = "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER"


@dataclass
class CliSettings:
    """Everything a command needs besides its own options."""

    session: Any  # botocore.session.Session
    region: str | None
    endpoint_url: str | None
    output: str
    pager: str
    verify: bool | str | None
    timestamp_format: str
    binary_format: str
    auto_prompt: str
    read_timeout: float | None
    connect_timeout: float | None
    retry_mode: str
    max_attempts: int | None
    scoped: dict[str, Any]


def _true(value: Any) -> bool:
    return str(value).strip().lower() == "true"


def make_session(profile: str | None) -> Any:
    """A botocore session with v2's environment order for the profile and the region."""
    session = botocore.session.Session(
        session_vars={
            "profile": (None, ["AWS_PROFILE", "AWS_DEFAULT_PROFILE"], None, None),
            "region": ("region", ["AWS_REGION", "AWS_DEFAULT_REGION"], None, None),
        },
        profile=profile,
    )
    return session


def endpoint(flag: str | None, scoped: dict[str, Any], full: dict[str, Any]) -> str | None:
    """The configured endpoint, or None (then the CLI runs on the local data)."""
    if flag:
        return flag
    ignore = os.environ.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
    if _true(ignore if ignore is not None else scoped.get("ignore_configured_endpoint_urls")):
        return None
    for name in (ENDPOINT_ENV, "AWS_ENDPOINT_URL"):
        if os.environ.get(name):
            return os.environ[name]
    section = full.get("services", {}).get(scoped.get("services", ""), {})
    service = section.get(SERVICE_KEY)
    if isinstance(service, dict) and service.get("endpoint_url"):
        return str(service["endpoint_url"])
    value = scoped.get("endpoint_url")
    return str(value) if value else None


def _pager(args: argparse.Namespace, scoped: dict[str, Any]) -> str:
    if args.no_cli_pager:
        return ""
    if "AWS_PAGER" in os.environ:
        return os.environ["AWS_PAGER"]
    if "cli_pager" in scoped:
        return str(scoped["cli_pager"])
    return os.environ.get("PAGER", "less")


def _timeout(value: str | None) -> float | None:
    if value is None:
        return None
    seconds = int(value)  # "invalid literal for int() ..." is the CLI's own message (rc 255)
    return None if seconds == 0 else float(seconds)


def _auto_prompt(args: argparse.Namespace, scoped: dict[str, Any]) -> str:
    if args.cli_auto_prompt and args.no_cli_auto_prompt:
        raise CliError(
            "Both --cli-auto-prompt and --no-cli-auto-prompt cannot be specified at the same time.",
            rc=252,
        )
    if args.cli_auto_prompt:
        return "on"
    if args.no_cli_auto_prompt:
        return "off"
    value = os.environ.get("AWS_CLI_AUTO_PROMPT") or scoped.get("cli_auto_prompt") or "off"
    return str(value) if value in ("on", "on-partial") else "off"


def _retries(scoped: dict[str, Any]) -> tuple[str, int | None]:
    mode = os.environ.get("AWS_RETRY_MODE") or scoped.get("retry_mode") or "standard"
    if mode not in ("standard", "adaptive"):
        raise CliError(
            f'Invalid value provided to "mode": "{mode}" must be one of: "standard" or "adaptive"'
        )
    attempts = os.environ.get("AWS_MAX_ATTEMPTS") or scoped.get("max_attempts")
    return str(mode), int(attempts) if attempts else None


def resolve(args: argparse.Namespace) -> CliSettings:
    """Settings from the global options, the environment and the profile."""
    session = make_session(args.profile)
    scoped: dict[str, Any] = session.get_scoped_config()  # ProfileNotFound: rc 255
    output = args.output or os.environ.get("AWS_DEFAULT_OUTPUT") or scoped.get("output") or "json"
    if output not in OUTPUTS:
        raise CliError(f"Unknown output type: {output}")
    verify: bool | str | None = None
    if not args.verify_ssl:
        verify = False
    elif args.ca_bundle:
        verify = args.ca_bundle
    mode, attempts = _retries(scoped)
    return CliSettings(
        session=session,
        region=args.region or session.get_config_variable("region"),
        endpoint_url=endpoint(args.endpoint_url, scoped, session.full_config),
        output=output,
        pager=_pager(args, scoped),
        verify=verify,
        timestamp_format=str(scoped.get("cli_timestamp_format", "iso8601")),
        binary_format=args.cli_binary_format or scoped.get("cli_binary_format") or "base64",
        auto_prompt=_auto_prompt(args, scoped),
        read_timeout=_timeout(args.cli_read_timeout),
        connect_timeout=_timeout(args.cli_connect_timeout),
        retry_mode=mode,
        max_attempts=attempts,
        scoped=scoped,
    )


def add_global_options(parser: argparse.ArgumentParser) -> None:
    """The AWS CLI v2.33 global options, plus ``--db`` (the local data, when no endpoint)."""
    add = parser.add_argument
    add("--debug", action="store_true")
    add("--endpoint-url")
    add("--no-verify-ssl", dest="verify_ssl", action="store_false")
    add("--no-paginate", dest="paginate", action="store_false")
    add("--output", choices=OUTPUTS)
    add("--query")
    add("--profile")
    add("--region")
    add("--color", choices=["on", "off", "auto"], default="auto")
    add("--no-sign-request", dest="sign_request", action="store_false")
    add("--ca-bundle")
    add("--cli-read-timeout")
    add("--cli-connect-timeout")
    add("--cli-binary-format", choices=["base64", "raw-in-base64-out"])
    add("--no-cli-pager", action="store_true")
    add("--cli-auto-prompt", action="store_true")
    add("--no-cli-auto-prompt", action="store_true")
    add("--db")
