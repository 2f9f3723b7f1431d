"""``userpool serve``'s settings are declared once, as the fields of ``config.Settings``, and
every place that offers them follows: an option each (secrets aside), a ``USERPOOL_*``
variable each, ``serve --help``, README's list of options, docs/deployment.md's secrets.

Values go through the real parse path: ``userpool``'s parser, then ``serve_settings``.
"""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
from typing import Any

import pytest

from tests.helpers import ROOT, USERPOOL
from userpool import settings_spec
from userpool.cli.main import parser, serve_settings
from userpool.config import Settings
from userpool.settings_spec import declared, setting

OPTIONS = [d for d in declared(Settings) if d.option]
SECRETS = [d for d in declared(Settings) if d.spec.secret]

# (field, variable's text, its value, options, their value): one or more of each kind.
CASES: list[tuple[str, str, Any, list[str], Any]] = [
    ("host", "::1", "::1", ["--host", "0.0.0.0"], "0.0.0.0"),
    ("port", "1234", 1234, ["--port", "4321"], 4321),
    ("workers", "3", 3, ["--workers", "2"], 2),
    ("code_attempts_per_hour", "2", 2, ["--code-attempts-per-hour", "9"], 9),
    ("idle_timeout", "1.5", 1.5, ["--idle-timeout", "2"], 2.0),
    ("trigger_timeout", "0.25", 0.25, ["--trigger-timeout", "7"], 7.0),
    ("sender", "smtp", "smtp", ["--sender", "none"], "none"),
    ("log_level", "debug", "debug", ["--log-level", "error"], "error"),
    ("password_hashing", "FAST", "fast", ["--password-hashing", "fast"], "fast"),
    ("smtp_user", "alice", "alice", ["--smtp-user", "bob"], "bob"),
    (
        "issuer_base",
        "https://a.example",
        "https://a.example",
        ["--issuer-base", "https://b"],
        "https://b",
    ),
    ("tls", "self-signed", "self-signed", ["--tls", "self-signed"], "self-signed"),
    ("tls_cert", "/a/cert.pem", "/a/cert.pem", ["--tls-cert", "/b/c.pem"], "/b/c.pem"),
    ("tls_port", "8443", 8443, ["--tls-port", "9443"], 9443),
    ("keep_message_text", "0", False, ["--keep-message-text"], True),
    ("dev", "on", True, ["--dev"], True),
    ("smtp_starttls", "yes", True, ["--smtp-starttls"], True),
    (
        "trusted_proxy",
        "10.0.0.0/8,::1/128",
        "10.0.0.0/8,::1/128",
        ["--trusted-proxy", "192.0.2.0/24", "--trusted-proxy", "::1/128"],
        "192.0.2.0/24,::1/128",
    ),
    (
        "triggers",
        '{"arn:aws:lambda:us-east-1:1:function:a": "http://127.0.0.1:1/a"}',
        {"arn:aws:lambda:us-east-1:1:function:a": "http://127.0.0.1:1/a"},
        ["--trigger", "arn:b", "python:m:f", "--trigger", "arn:c", "http://127.0.0.1:1/c"],
        {"arn:b": "python:m:f", "arn:c": "http://127.0.0.1:1/c"},
    ),
]


@pytest.fixture(autouse=True)
def no_userpool_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(settings_spec.ENV_PREFIX):
            monkeypatch.delenv(name)


def serve(*words: str) -> Settings:
    return serve_settings(parser().parse_args(["serve", *words]))


def default(name: str) -> Any:
    return getattr(Settings(), name)


def readme_options() -> list[str]:
    """The options in README's list: "`scripts/serve` passes its arguments ... (`--host ...`)"."""
    text = (ROOT / "README.md").read_text()
    found = re.search(r"passes its arguments to `userpool serve`\s*\(`([^`]*)`\)", text)
    assert found, "README.md has no list of userpool serve's options"
    return re.split(r"\s+(?=--)", " ".join(found.group(1).split()))


def test_every_settings_field_is_an_option_or_a_secret() -> None:
    names = [f.name for f in dataclasses.fields(Settings)]
    assert [d.name for d in declared(Settings)] == names
    assert {d.name for d in OPTIONS} | {d.name for d in SECRETS} == set(names)
    assert {d.name for d in SECRETS} == {"smtp_password", "master_key"}


def test_a_field_not_declared_is_refused() -> None:
    @dataclasses.dataclass
    class Half:
        said: int = setting(1, "declared")
        unsaid: int = 2

    with pytest.raises(TypeError, match="Half.unsaid"):
        declared(Half)


def test_readme_lists_exactly_the_declared_options() -> None:
    listed = readme_options()
    assert len(listed) == len(set(listed)), "an option listed twice"
    assert set(listed) == {d.usage for d in OPTIONS}


def test_deployment_guide_names_every_secret_variable() -> None:
    guide = (ROOT / "docs" / "deployment.md").read_text()
    assert [d.env for d in SECRETS if d.env not in guide] == []


def test_serve_help_lists_every_option_with_its_variable_and_no_secret_option() -> None:
    done = subprocess.run(
        [USERPOOL, "serve", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "400"},
    )
    assert done.returncode == 0, done.stderr
    blocks = re.split(r"\n(?=  -)", done.stdout)  # an option and its help each
    for d in OPTIONS:
        assert any(
            re.match(rf"\s*{re.escape(d.usage)}\s", block) and f"[{d.env}]" in block
            for block in blocks
        ), d.usage
    for d in SECRETS:
        assert f"{d.env}:" in done.stdout
        assert not re.search(rf"--{d.name.replace('_', '-')}\b(?!-)", done.stdout)


@pytest.mark.parametrize(("name", "raw", "from_env", "words", "from_flag"), CASES)
def test_variable_and_option_reach_settings_and_the_option_wins(
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    raw: str,
    from_env: Any,
    words: list[str],
    from_flag: Any,
) -> None:
    assert from_env != default(name) and from_flag != default(name)
    variable = settings_spec.ENV_PREFIX + name.upper()

    assert getattr(serve(*words), name) == from_flag
    monkeypatch.setenv(variable, raw)
    assert getattr(serve(), name) == from_env
    assert getattr(serve(*words), name) == from_flag


def test_an_empty_variable_unsets_an_optional_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USERPOOL_REDIS_URL", "")
    monkeypatch.setenv("USERPOOL_SMTP_FROM", "")
    settings = serve()
    assert (settings.redis_url, settings.smtp_from) == (None, "")


def test_secrets_come_from_their_variable_only_and_stay_out_of_repr(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("USERPOOL_SMTP_PASSWORD", "pw-from-env")
    monkeypatch.setenv("USERPOOL_MASTER_KEY", "key-from-env")

    settings = serve()

    assert (settings.smtp_password, settings.master_key) == ("pw-from-env", "key-from-env")
    assert "from-env" not in repr(settings)
    for option in ("--smtp-password", "--master-key"):
        with pytest.raises(SystemExit):
            serve(option, "x")


def test_a_choice_outside_the_declared_ones_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        serve("--sender", "pigeon")
    assert "console" in capsys.readouterr().err


def test_a_variables_choice_is_checked_in_any_case(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USERPOOL_SENDER", "SMTP")
    monkeypatch.setenv("USERPOOL_SYNCHRONOUS", "full")
    assert (serve().sender, serve().synchronous) == ("smtp", "FULL")
    monkeypatch.setenv("USERPOOL_SENDER", "pigeon")
    with pytest.raises(ValueError, match="USERPOOL_SENDER='pigeon' is not one of console"):
        serve()


def test_data_commands_take_the_same_declared_options() -> None:
    args = parser().parse_args(["keys", "list", "--db", "x.db", "--master-key-file", "k"])
    assert (args.db, args.master_key_file, args.allow_open_permissions) == ("x.db", "k", None)
