"""Exit codes and error text not covered by the spec's captures: Ctrl-C (130), timeouts,
bad settings, service errors from the embedded transport (254, as from a server)."""

from __future__ import annotations

import signal
import subprocess
import time

import pytest

from tests.cli.fake_endpoint import Endpoint
from tests.cli.harness import USERPOOL, Cli

SLOW = ["--client-id", "c", "--username", "u", "--confirmation-code", "777777"]


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_prints_a_newline_on_stdout_and_exits_130(cli: Cli, fake: Endpoint) -> None:
    proc = subprocess.Popen(
        [USERPOOL, "cognito-idp", "confirm-sign-up", "--endpoint-url", fake.url, *SLOW],
        cwd=cli.cwd,
        env=cli.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # As from a terminal: a test run started in the background (`cmd &` in a script)
        # passes SIGINT on ignored, and Python then installs no KeyboardInterrupt handler.
        preexec_fn=_default_sigint,
    )
    deadline = time.monotonic() + 20
    while not any(r["body"].get("ConfirmationCode") == "777777" for r in fake.requests):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    assert (proc.returncode, out, err) == (130, "\n", "")


def test_read_timeout_exits_255_with_the_endpoint(cli: Cli, fake: Endpoint) -> None:
    done = cli(
        *["cognito-idp", "confirm-sign-up", "--endpoint-url", fake.url, *SLOW],
        *["--cli-read-timeout", "1"],
        env={"AWS_MAX_ATTEMPTS": "1"},
    )
    assert (done.returncode, done.stderr) == (
        255,
        f'\nRead timeout on endpoint URL: "{fake.url}/"\n',
    )


def test_an_unknown_output_in_the_profile_exits_255(cli: Cli) -> None:
    (cli.cwd / "config").write_text("[default]\noutput = xml\n")
    done = cli("cognito-idp", "list-user-pools", "--max-results", "1")
    assert (done.returncode, done.stderr) == (255, "\nUnknown output type: xml\n")


def _local_data(cli: Cli) -> None:
    """The default local data (``USERPOOL_DB``) made, as only create-user-pool makes it."""
    assert cli("cognito-idp", "create-user-pool", "--pool-name", "p").returncode == 0


def test_embedded_service_errors_exit_254_with_the_servers_message(cli: Cli) -> None:
    _local_data(cli)
    done = cli("cognito-idp", "describe-user-pool", "--user-pool-id", "us-east-1_nothere")
    assert (done.returncode, done.stdout) == (254, "")
    assert done.stderr.startswith(
        "\nAn error occurred (ResourceNotFoundException) when calling the DescribeUserPool "
        "operation: "
    )


def test_embedded_validation_is_the_servers_after_the_clients(cli: Cli) -> None:
    _local_data(cli)
    client_side = cli("cognito-idp", "describe-user-pool", "--user-pool-id", "")
    assert (client_side.returncode, client_side.stderr) == (
        252,
        "\nParameter validation failed:\n"
        "Invalid length for parameter UserPoolId, value: 0, valid min length: 1\n",
    )
    server_side = cli("cognito-idp", "describe-user-pool", "--user-pool-id", "bad id!")
    assert server_side.returncode == 254
    assert "(InvalidParameterException)" in server_side.stderr
    assert "Member must satisfy regular expression pattern" in server_side.stderr


def test_integer_options_that_are_not_numbers_exit_255(cli: Cli) -> None:
    done = cli("cognito-idp", "list-user-pools", "--max-results", "ten")
    assert (done.returncode, done.stderr) == (
        255,
        "\ninvalid literal for int() with base 10: 'ten'\n",
    )


def test_throttling_is_retried_in_standard_mode(cli: Cli, fake: Endpoint) -> None:
    seen = len(fake.requests)
    done = cli(
        *["cognito-idp", "confirm-sign-up", "--endpoint-url", fake.url],
        *["--client-id", "c", "--username", "u", "--confirmation-code", "429429"],
        env={"AWS_MAX_ATTEMPTS": "2"},
    )
    assert (done.returncode, done.stderr) == (
        254,
        "\nAn error occurred (TooManyRequestsException) when calling the ConfirmSignUp "
        "operation (reached max retries: 1): Too many requests\n",
    )
    assert len(fake.requests) - seen == 2


# The expected texts below were printed by AWS CLI 2.33.31 (run from its source tag) for the
# same command lines against the same fake endpoint; ``aws`` is ``userpool`` in usage text.

BAD_EMPTY_ENDPOINT = (
    '\nBad value for --endpoint-url "": scheme is missing.  '
    "Must be of the form http://<hostname>/ or https://<hostname>/\n"
)


@pytest.mark.parametrize(
    "words",
    [
        ["cognito-idp", "list-users", "--endpoint-url", "", "--user-pool-id", "x"],
        ["--endpoint-url=", "cognito-idp", "list-user-pools", "--max-results", "1"],
        ["--endpoint-url=", "cognito-idp", "help"],  # checked before help, as there
    ],
)
def test_an_empty_endpoint_url_is_refused_before_anything_runs(cli: Cli, words: list[str]) -> None:
    done = cli(*words, env={"USERPOOL_DB": None})  # the default: ./.userpool/userpool.db

    assert (done.returncode, done.stdout, done.stderr) == (252, "", BAD_EMPTY_ENDPOINT)
    assert not (cli.cwd / ".userpool").exists()


USAGE = (
    "\nusage: userpool [options] <command> <subcommand> [<subcommand> ...] [parameters]\n"
    "To see help text, you can run:\n\n"
    "  userpool help\n  userpool <command> help\n  userpool <command> <subcommand> help\n\n"
)
CONFIRM = ["--client-id", "c", "--username", "alice", "--confirmation-code", "111111"]


@pytest.mark.parametrize(
    ("words", "listed"),
    [
        (["x", *CONFIRM, "--bogus", "y", "z"], "--bogus, y, z, x"),
        (
            ["--client-id", "c", "x", "y", *CONFIRM[2:], "--b=1", "--force-alias-creation", "true"],
            "y, --b=1, true, x",
        ),
        ([*CONFIRM, "--", "x", "y"], "y, x"),
    ],
)
def test_unknown_options_are_listed_in_the_aws_cli_order(
    cli: Cli, fake: Endpoint, words: list[str], listed: str
) -> None:
    """argparse's optional ``help`` positional takes the first stray word, which v2 then
    lists last."""
    seen = len(fake.requests)

    done = cli("cognito-idp", "confirm-sign-up", "--endpoint-url", fake.url, *words)

    assert (done.returncode, done.stdout) == (252, "")
    assert done.stderr == f"{USAGE}Unknown options: {listed}\n\n"
    assert len(fake.requests) == seen


def test_help_as_the_first_stray_word_shows_the_page(cli: Cli, fake: Endpoint) -> None:
    done = cli("cognito-idp", "confirm-sign-up", "--endpoint-url", fake.url, *CONFIRM, "help")

    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == cli("cognito-idp", "confirm-sign-up", "help").stdout
