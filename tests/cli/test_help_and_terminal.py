"""Help pages, the synopsis of captures §0 accepted option by option, and what changes on a
terminal: ``--cli-auto-prompt`` asks for the parameters, output goes through the pager.
"""

from __future__ import annotations

import os
import re
import select
import subprocess
import time
from pathlib import Path

import pytest

from tests.cli.fake_endpoint import SESSION, Endpoint
from tests.cli.harness import USERPOOL, Cli
from tests.cli.spec import synopsis_options

BASE = ["--client-id", "c", "--username", "alice", "--confirmation-code", "111111"]
VALUES: dict[str, list[str]] = {
    "--client-id": ["c2"],
    "--username": ["bob"],
    "--confirmation-code": ["111111"],
    "--secret-hash": ["abc="],
    "--analytics-metadata": ["AnalyticsEndpointId=ep"],
    "--user-context-data": ["IpAddress=1.2.3.4,EncodedData=x"],
    "--client-metadata": ["a=b"],
    "--session": ["01234567890123456789"],
    "--cli-input-json": ['{"Username": "alice"}'],
    "--cli-input-yaml": ["Username: alice"],
    "--generate-cli-skeleton": ["input"],
    "--output": ["yaml"],
    "--query": ["Session"],
    "--profile": ["default"],
    "--region": ["eu-west-1"],
    "--color": ["off"],
    "--ca-bundle": ["/nonexistent.pem"],
    "--cli-read-timeout": ["10"],
    "--cli-connect-timeout": ["10"],
    "--cli-binary-format": ["raw-in-base64-out"],
}
VALUELESS_EXITS = {"--cli-auto-prompt": 255}  # stdin is not a terminal here


def _synopsis(page: str) -> list[str]:
    block = page.split("SYNOPSIS\n", 1)[1].split("\nOPTIONS\n", 1)[0]
    return re.findall(r"--[a-z][a-z0-9-]*", block)


def test_operation_help_page_has_the_spec_synopsis_and_the_model_docs(cli: Cli) -> None:
    page = cli("cognito-idp", "confirm-sign-up", "help")

    assert page.returncode == 0
    for heading in ("NAME", "DESCRIPTION", "SYNOPSIS", "OPTIONS", "GLOBAL OPTIONS", "OUTPUT"):
        assert f"\n{heading}\n" in "\n" + page.stdout
    assert _synopsis(page.stdout) == [*synopsis_options(), "--db"]
    assert "The ID of the app client associated with the user pool." in page.stdout
    assert "AnalyticsEndpointId=string" in page.stdout
    assert cli("cognito-idp", "confirm-sign-up", "--help").stdout == page.stdout


def test_service_help_lists_the_operations(cli: Cli) -> None:
    page = cli("cognito-idp", "help")
    assert page.returncode == 0
    assert "       o confirm-sign-up\n" in page.stdout
    assert "       o admin-add-user-to-group\n" in page.stdout
    assert "       o get-csv-header\n" in page.stdout
    assert "       o get-identity-provider-by-identifier  (remote endpoints only)\n" in page.stdout


@pytest.mark.parametrize("option", synopsis_options())
def test_every_option_of_the_synopsis_is_accepted(cli: Cli, fake: Endpoint, option: str) -> None:
    args = ["cognito-idp", "confirm-sign-up", *BASE, option, *VALUES.get(option, [])]
    if option != "--endpoint-url":
        args += ["--endpoint-url", fake.url]
    else:
        args += [fake.url]
    (cli.cwd / "config").write_text("[default]\nregion = us-east-1\n")  # for --profile default

    done = cli(*args)

    assert "Unknown options" not in done.stderr and "[ERROR]" not in done.stderr
    assert done.returncode == VALUELESS_EXITS.get(option, 0), done.stderr


def _read_until(fd: int, pattern: str, timeout: float = 20) -> str:
    seen = b""
    deadline = time.monotonic() + timeout
    while pattern.encode() not in seen:
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            raise AssertionError(f"no {pattern!r} in {seen!r}")
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    return seen.decode()


def _on_terminal(cli: Cli, *args: str, env: dict[str, str]) -> tuple[int, subprocess.Popen[bytes]]:
    master, slave = os.openpty()
    proc = subprocess.Popen(
        [USERPOOL, *args],
        cwd=cli.cwd,
        env={**cli.env, **env},
        stdin=slave,
        stdout=slave,
        stderr=slave,
        close_fds=True,
    )
    os.close(slave)
    return master, proc


def test_auto_prompt_asks_for_required_parameters_on_a_terminal(cli: Cli, fake: Endpoint) -> None:
    master, proc = _on_terminal(
        cli,
        *["cognito-idp", "confirm-sign-up", "--endpoint-url", fake.url, "--cli-auto-prompt"],
        env={"AWS_PAGER": ""},
    )
    try:
        assert "The ID of the app client" in _read_until(master, "--client-id: ")
        os.write(master, b"prompted-client\n")
        _read_until(master, "--username: ")
        os.write(master, b"alice\n")
        _read_until(master, "--confirmation-code: ")
        os.write(master, b"111111\n")
        _read_until(master, "(empty to run): ")
        os.write(master, b"\n")
        shown = _read_until(master, SESSION)
        assert proc.wait(20) == 0
    finally:
        os.close(master)
    assert "> userpool cognito-idp confirm-sign-up" in shown
    assert fake.requests[-1]["body"] == {
        "ClientId": "prompted-client",
        "Username": "alice",
        "ConfirmationCode": "111111",
    }


def test_output_goes_through_the_pager_on_a_terminal(
    cli: Cli, fake: Endpoint, tmp_path: Path
) -> None:
    pager = tmp_path / "pager.sh"
    pager.write_text('#!/bin/sh\necho "[PAGER LESS=$LESS]"\ncat\n')
    pager.chmod(0o755)
    args = ["cognito-idp", "confirm-sign-up", "--endpoint-url", fake.url, *BASE]

    master, proc = _on_terminal(cli, *args, env={"AWS_PAGER": str(pager)})
    try:
        shown = _read_until(master, SESSION)
        assert proc.wait(20) == 0
    finally:
        os.close(master)
    assert "[PAGER LESS=FRX]" in shown

    master, proc = _on_terminal(cli, *args, "--no-cli-pager", env={"AWS_PAGER": str(pager)})
    try:
        shown = _read_until(master, SESSION)
        assert proc.wait(20) == 0
    finally:
        os.close(master)
    assert "[PAGER" not in shown


def test_a_missing_pager_is_a_configuration_error(cli: Cli, fake: Endpoint) -> None:
    args = ["cognito-idp", "confirm-sign-up", "--endpoint-url", fake.url, *BASE]
    master, proc = _on_terminal(cli, *args, env={"AWS_PAGER": "nonexistent-pager"})
    try:
        shown = _read_until(master, "config-vars")
        assert proc.wait(20) == 253
    finally:
        os.close(master)
    assert "Unable to redirect output to pager." in shown
    assert "No such file or directory: 'nonexistent-pager'" in shown


def test_on_partial_prompts_only_for_a_command_that_does_not_parse(
    cli: Cli, fake: Endpoint
) -> None:
    args = ["cognito-idp", "confirm-sign-up", "--endpoint-url", fake.url, "--client-id", "pc"]
    env = {"AWS_PAGER": "", "AWS_CLI_AUTO_PROMPT": "on-partial"}
    master, proc = _on_terminal(cli, *args, "--username", "ann", env=env)
    try:
        _read_until(master, "--confirmation-code: ")
        os.write(master, b"111111\n")
        _read_until(master, "(empty to run): ")
        os.write(master, b"\n")
        _read_until(master, SESSION)
        assert proc.wait(20) == 0
    finally:
        os.close(master)
    assert fake.requests[-1]["body"]["ConfirmationCode"] == "111111"

    complete = [*args, "--username", "ann", "--confirmation-code", "111111"]
    master, proc = _on_terminal(cli, *complete, env=env)
    try:
        shown = _read_until(master, SESSION)
        assert proc.wait(20) == 0
    finally:
        os.close(master)
    assert "--confirmation-code: " not in shown


def _read_all(fd: int, proc: subprocess.Popen[bytes], timeout: float = 20) -> str:
    """Everything the terminal got until the program ended, ``\\r\\n`` read as ``\\n``."""
    seen = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the program ended and closed the terminal
                break
            if not chunk:
                break
            seen += chunk
        elif proc.poll() is not None:
            break
    return seen.decode().replace("\r\n", "\n")


# AWS CLI 2.33.31 (run from its source tag) on a terminal, for the same command line: cells
# bright blue; straight to the terminal, colorama's reset after every write and one more at
# exit; through the pager, no resets but the cells' own, and the exit's reset on the terminal.
R, BLUE = "\x1b[0m", "\x1b[1m\x1b[34m"
ROWS = [
    "|            ListUsers            |",
    "+------+--------------------------+",
    "| Name |         Status           |",
    "+------+--------------------------+",
    f"|  {BLUE}dave{R}|  {BLUE}FORCE_CHANGE_PASSWORD{R}   |",
    f"|  {BLUE}erin{R}|  {BLUE}FORCE_CHANGE_PASSWORD{R}   |",
    "+------+--------------------------+",
]
TOP = "-" * 35 + "\n"


def test_table_colours_and_resets_on_a_terminal_are_the_aws_cli_bytes(
    cli: Cli, fake: Endpoint, tmp_path: Path
) -> None:
    pager = tmp_path / "pager.sh"
    pager.write_text(f'#!/bin/sh\ncat > "{tmp_path / "paged"}"\n')
    pager.chmod(0o755)
    args = ["cognito-idp", "list-users", "--endpoint-url", fake.url, "--user-pool-id", "p"]
    args += ["--query", "Users[].{Name:Username,Status:UserStatus}", "--output", "table"]

    master, proc = _on_terminal(cli, *args, env={"AWS_PAGER": str(pager)})
    try:
        through_pager = _read_all(master, proc)
        assert proc.wait(20) == 0
    finally:
        os.close(master)
    master, proc = _on_terminal(cli, *args, "--no-cli-pager", env={"AWS_PAGER": str(pager)})
    try:
        direct = _read_all(master, proc)
        assert proc.wait(20) == 0
    finally:
        os.close(master)

    assert (tmp_path / "paged").read_text() == TOP + "".join(row + "\n" for row in ROWS)
    assert through_pager == R
    assert direct == TOP + "".join(f"{R}{R}{row}{R}{R}\n" for row in ROWS) + R + R
