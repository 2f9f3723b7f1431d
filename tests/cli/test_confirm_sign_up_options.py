"""Every option of ``confirm-sign-up``'s synopsis, on a live server and embedded on a file.

Each test runs twice (``up`` is parametrized): through botocore to ``userpool serve``
with ``--endpoint-url`` and the server's access key, and in-process with ``--db``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from pathlib import Path

import pytest

from tests.cli.harness import Up

MISMATCH = (
    "\nAn error occurred (CodeMismatchException) when calling the ConfirmSignUp operation: "
    "Invalid verification code provided, please try again.\n"
)


def _app(up: Up, *client_options: str) -> tuple[str, str]:
    pool = up.pool("--auto-verified-attributes", "email")
    return pool, up.client(pool, *client_options)["ClientId"]


def test_required_options_confirm_the_user_and_print_nothing(up: Up) -> None:
    pool, client = _app(up)
    up.sign_up(client, "amy", "amy@example.com")
    code = up.code("amy@example.com")

    done = up(
        "confirm-sign-up", "--client-id", client, "--username", "amy", "--confirmation-code", code
    )

    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert up.status(pool, "amy") == "CONFIRMED"
    assert up.attributes(pool, "amy")["email_verified"] == "true"


def test_wrong_code_is_code_mismatch_with_exit_254_and_user_stays_unconfirmed(up: Up) -> None:
    pool, client = _app(up)
    up.sign_up(client, "bob", "bob@example.com")
    wrong = f"{(int(up.code('bob@example.com')) + 1) % 1_000_000:06d}"

    done = up(
        "confirm-sign-up", "--client-id", client, "--username", "bob", "--confirmation-code", wrong
    )

    assert (done.returncode, done.stdout, done.stderr) == (254, "", MISMATCH)
    assert up.status(pool, "bob") == "UNCONFIRMED"


def test_secret_hash_is_checked_and_a_correct_one_confirms(up: Up) -> None:
    pool = up.pool("--auto-verified-attributes", "email")
    made = up.client(pool, "--generate-secret")
    client, secret = made["ClientId"], made["ClientSecret"]
    digest = hmac.new(secret.encode(), ("cy" + client).encode(), hashlib.sha256).digest()
    good = base64.b64encode(digest).decode()
    up.sign_up(client, "cy", "cy@example.com", "--secret-hash", good)
    code = up.code("cy@example.com")
    base = ["confirm-sign-up", "--client-id", client, "--username", "cy"]

    bad = up(*base, "--confirmation-code", code, "--secret-hash", "AAAA")
    assert bad.returncode == 254
    assert "(NotAuthorizedException)" in bad.stderr

    assert up(*base, "--confirmation-code", code, "--secret-hash", good).returncode == 0
    assert up.status(pool, "cy") == "CONFIRMED"


def test_no_force_alias_creation_refuses_a_taken_alias_and_force_moves_it(up: Up) -> None:
    pool = up.pool("--alias-attributes", "email", "--auto-verified-attributes", "email")
    client = up.client(pool)["ClientId"]
    up.sign_up(client, "dot", "taken@example.com")
    first = up.code("taken@example.com")
    up.ok(
        "confirm-sign-up", "--client-id", client, "--username", "dot", "--confirmation-code", first
    )
    up.sign_up(client, "dug", "taken@example.com")
    code = up.code("taken@example.com")
    base = ["confirm-sign-up", "--client-id", client, "--username", "dug"]

    refused = up(*base, "--confirmation-code", code, "--no-force-alias-creation")
    assert refused.returncode == 254
    assert refused.stderr == (
        "\nAn error occurred (AliasExistsException) when calling the ConfirmSignUp "
        "operation: An account with the email already exists.\n"
    )
    assert up.status(pool, "dug") == "UNCONFIRMED"

    forced = up(*base, "--confirmation-code", code, "--force-alias-creation")
    assert forced.returncode == 0, forced.stderr
    assert up.status(pool, "dug") == "CONFIRMED"
    assert up.attributes(pool, "dot")["email_verified"] == "false"


@pytest.mark.parametrize(
    "extra",
    [
        [
            "--analytics-metadata",
            "AnalyticsEndpointId=ep1",
            "--user-context-data",
            "IpAddress=10.0.0.1,EncodedData=abc==",
            "--client-metadata",
            "k1=v1,k2=v2",
        ],
        [
            "--analytics-metadata",
            '{"AnalyticsEndpointId": "ep1"}',
            "--user-context-data",
            '{"IpAddress": "10.0.0.1"}',
            "--client-metadata",
            '{"k1": "v1"}',
        ],
    ],
    ids=["shorthand", "json"],
)
def test_analytics_user_context_and_client_metadata_are_accepted(up: Up, extra: list[str]) -> None:
    pool, client = _app(up)
    up.sign_up(client, "eve", "eve@example.com")
    code = up.code("eve@example.com")

    done = up(
        "confirm-sign-up",
        *["--client-id", client, "--username", "eve", "--confirmation-code", code],
        *extra,
    )

    assert done.returncode == 0, done.stderr
    assert up.status(pool, "eve") == "CONFIRMED"


def test_session_from_sign_up_is_sent_and_a_new_session_printed(up: Up) -> None:
    pool, client = _app(up, "--explicit-auth-flows", "ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH")
    session = up.sign_up(client, "fay", "fay@example.com")["Session"]
    code = up.code("fay@example.com")

    done = up(
        "confirm-sign-up",
        *["--client-id", client, "--username", "fay", "--confirmation-code", code],
        *["--session", session, "--query", "Session", "--output", "text"],
    )

    assert done.returncode == 0, done.stderr
    assert len(done.stdout.strip()) >= 20 and done.stdout.endswith("\n")
    assert up.status(pool, "fay") == "CONFIRMED"


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_cli_input_supplies_the_members_and_options_replace_its_keys(
    up: Up, tmp_path: Path, fmt: str
) -> None:
    pool, client = _app(up)
    up.sign_up(client, "gus", "gus@example.com")
    document = {"ClientId": client, "Username": "gus", "ConfirmationCode": "000000"}
    path = tmp_path / f"input.{fmt}"
    if fmt == "json":
        path.write_text(json.dumps(document))
    else:
        path.write_text("".join(f"{k}: '{v}'\n" for k, v in document.items()))

    wrong = up("confirm-sign-up", f"--cli-input-{fmt}", f"file://{path}")
    assert (wrong.returncode, wrong.stderr) == (254, MISMATCH)

    code = up.code("gus@example.com")
    done = up("confirm-sign-up", f"--cli-input-{fmt}", f"file://{path}", "--confirmation", code)
    assert done.returncode == 0, done.stderr
    assert up.status(pool, "gus") == "CONFIRMED"


def test_generate_cli_skeleton_needs_no_data_and_sends_nothing(up: Up) -> None:
    skeleton = up("confirm-sign-up", "--generate-cli-skeleton")
    assert skeleton.returncode == 0
    assert list(json.loads(skeleton.stdout)) == [
        "ClientId",
        "SecretHash",
        "Username",
        "ConfirmationCode",
        "ForceAliasCreation",
        "AnalyticsMetadata",
        "UserContextData",
        "ClientMetadata",
        "Session",
    ]
    yaml_input = up("confirm-sign-up", "--generate-cli-skeleton", "yaml-input")
    assert yaml_input.stdout.startswith("ClientId: ''  # [REQUIRED]")
    output = up(
        "confirm-sign-up",
        *["--generate-cli-skeleton", "output"],
        *["--client-id", "x", "--username", "y", "--confirmation-code", "z"],
    )
    assert (output.returncode, output.stdout) == (252, "")
    assert "Invalid length for parameter Session, value: 7, valid min length: 20" in output.stderr


@pytest.mark.parametrize(
    ("fmt", "pattern"),
    [
        ("json", r'\{\n    "Session": "[^"]{20,}"\n\}\n'),
        ("text", r"[^\t\n]{20,}\n"),
        (
            "table",
            r"-+\n\|\s+ConfirmSignUp\s+\|\n\+-+\+-+\+\n\|  Session ?\|  \S{20,}\s*\|\n\+-+\+-+\+\n",
        ),
        ("yaml", r"Session: \S{20,}\n"),
        ("yaml-stream", r"- Session: \S{20,}\n"),
    ],
)
def test_every_output_format_prints_the_session(up: Up, fmt: str, pattern: str) -> None:
    _, client = _app(up, "--explicit-auth-flows", "ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH")
    up.sign_up(client, "hal", "hal@example.com")
    code = up.code("hal@example.com")

    done = up(
        "confirm-sign-up",
        *["--client-id", client, "--username", "hal", "--confirmation-code", code],
        *["--output", fmt],
    )

    assert done.returncode == 0, done.stderr
    assert re.fullmatch(pattern, done.stdout), done.stdout


def test_debug_logs_timestamped_lines_with_sensitive_members_masked(up: Up) -> None:
    pool, client = _app(up)
    up.sign_up(client, "ida", "ida@example.com")
    code = up.code("ida@example.com")

    done = up(
        "confirm-sign-up",
        *["--client-id", client, "--username", "ida", "--confirmation-code", code, "--debug"],
    )

    assert (done.returncode, done.stdout) == (0, "")
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} - MainThread - ", done.stderr)
    assert "Making request for ConfirmSignUp with params:" in done.stderr
    assert "'Username': '*** Sensitive Data Redacted ***'" in done.stderr
    assert client not in done.stderr
    assert up.status(pool, "ida") == "CONFIRMED"


def test_transport_and_display_options_are_accepted_together(up: Up) -> None:
    pool, client = _app(up)
    up.sign_up(client, "jo", "jo@example.com")
    code = up.code("jo@example.com")

    done = up(
        "confirm-sign-up",
        *["--client-id", client, "--username", "jo", "--confirmation-code", code],
        *["--no-verify-ssl", "--no-paginate", "--ca-bundle", "/nonexistent/ca.pem"],
        *["--cli-read-timeout", "30", "--cli-connect-timeout", "0"],
        *["--cli-binary-format", "raw-in-base64-out", "--no-cli-pager", "--color", "off"],
        *["--no-cli-auto-prompt", "--region", "eu-west-1", "--output", "table"],
    )

    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert up.status(pool, "jo") == "CONFIRMED"


def test_unique_prefixes_work_and_ambiguous_ones_are_usage_errors(up: Up) -> None:
    pool, client = _app(up)
    up.sign_up(client, "kim", "kim@example.com")
    code = up.code("kim@example.com")

    ambiguous = up("confirm-sign-up", "--client-i", client, "--user", "kim", "--confirmation", code)
    assert ambiguous.returncode == 252
    assert "ambiguous option: --user could match --username, --user-context-data" in (
        ambiguous.stderr
    )

    done = up("confirm-sign-up", "--client-i", client, "--usern", "kim", "--confirmation", code)
    assert done.returncode == 0, done.stderr
    assert up.status(pool, "kim") == "CONFIRMED"


def test_version_prints_anywhere_and_exits_0(up: Up) -> None:
    done = up("confirm-sign-up", "--client-id", "x", "--version")
    assert done.returncode == 0
    assert re.fullmatch(
        r"userpool/\S+ aws-cli/2\.33\.31 Python/\S+ \S+/\S+ source/\S+\n", done.stdout
    )


def test_auto_prompt_needs_a_terminal_and_refuses_both_flags(up: Up) -> None:
    base = ["confirm-sign-up", "--client-id", "x", "--username", "y", "--confirmation-code", "1"]
    alone = up(*base, "--cli-auto-prompt")
    assert (alone.returncode, alone.stderr) == (
        255,
        "Warning: Input is not a terminal (fd=0).\n\n\n",
    )
    both = up(*base, "--cli-auto-prompt", "--no-cli-auto-prompt")
    assert (both.returncode, both.stderr) == (
        252,
        "\nBoth --cli-auto-prompt and --no-cli-auto-prompt cannot be specified at the same time.\n",
    )
