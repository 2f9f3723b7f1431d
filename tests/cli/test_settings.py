"""Settings come from the same places, in the same order, as in AWS CLI v2 (captures §13).

The config and credentials files are the spec's (with the key ``test`` in the environment
and no region there); the recording endpoint reports which key signed, in which region.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.fake_endpoint import Endpoint
from tests.cli.harness import Cli

CONFIG = """[default]
region = eu-west-1
output = text
[profile p1]
region = ap-southeast-2
output = yaml
endpoint_url = $EP
[profile p2]
region = ca-central-1
services = local-cognito
[profile p3]
region = sa-east-1
endpoint_url = http://127.0.0.1:13
[profile p4]
region = us-west-2
services = local-cognito
endpoint_url = http://127.0.0.1:13
[profile p5]
region = us-west-1
endpoint_url = $EP
ignore_configured_endpoint_urls = true
[profile p6]
region = eu-north-1
output = json
services = local-cognito-bad
endpoint_url = http://127.0.0.1:13
[services local-cognito]
cognito_identity_provider =
  endpoint_url = $EP
[services local-cognito-bad]
cognito-idp =
  endpoint_url = $EP
"""
LIST = ["cognito-idp", "list-user-pools", "--max-results", "1", "--query", "length(UserPools)"]


@pytest.fixture
def configured(cli: Cli, fake: Endpoint, tmp_path: Path) -> Cli:
    (tmp_path / "config").write_text(CONFIG.replace("$EP", fake.url))
    del cli.env["AWS_DEFAULT_REGION"]  # as in the spec's runs for §13: regions from the files
    keys = ["default", "p1", "p2", "p3", "p4", "p5", "p6"]
    (tmp_path / "credentials").write_text(
        "".join(
            f"[{name}]\naws_access_key_id = {name.upper()}KEY\naws_secret_access_key = s\n"
            for name in keys
        )
    )
    return cli


def _hit(cli: Cli, fake: Endpoint, *args: str, **env: str | None) -> tuple[str, str] | None:
    seen = len(fake.requests)
    done = cli(*LIST, "--output", "json", *args, env=env)
    assert (done.returncode, done.stdout, done.stderr) == (0, "0\n", ""), done.stderr
    if len(fake.requests) == seen:
        return None
    return fake.requests[-1]["key"], fake.requests[-1]["region"]


def test_aws_profile_wins_over_aws_default_profile_and_env_keys_still_sign(
    configured: Cli, fake: Endpoint
) -> None:
    hit = _hit(
        configured, fake, "--endpoint-url", fake.url, AWS_PROFILE="p1", AWS_DEFAULT_PROFILE="p2"
    )
    assert hit == ("test", "ap-southeast-2")


def test_profile_flag_skips_the_environment_keys(configured: Cli, fake: Endpoint) -> None:
    assert _hit(configured, fake, "--endpoint-url", fake.url, "--profile", "p1") == (
        "P1KEY",
        "ap-southeast-2",
    )


def test_aws_region_wins_over_aws_default_region_and_the_profile(
    configured: Cli, fake: Endpoint
) -> None:
    hit = _hit(
        configured,
        fake,
        *["--endpoint-url", fake.url, "--profile", "p1"],
        AWS_REGION="us-east-2",
        AWS_DEFAULT_REGION="eu-central-1",
    )
    assert hit == ("P1KEY", "us-east-2")


def test_region_flag_wins_over_everything(configured: Cli, fake: Endpoint) -> None:
    hit = _hit(configured, fake, "--profile", "p1", "--region", "me-south-1", AWS_REGION="x-1")
    assert hit == ("P1KEY", "me-south-1")


def test_aws_default_region_wins_over_the_profile_region(configured: Cli, fake: Endpoint) -> None:
    assert _hit(configured, fake, "--profile", "p1") == ("P1KEY", "ap-southeast-2")
    hit = _hit(configured, fake, "--profile", "p1", AWS_DEFAULT_REGION="eu-central-1")
    assert hit == ("P1KEY", "eu-central-1")


def test_services_section_endpoint_wins_over_the_profile_endpoint(
    configured: Cli, fake: Endpoint
) -> None:
    assert _hit(configured, fake, "--profile", "p2") == ("P2KEY", "ca-central-1")
    assert _hit(configured, fake, "--profile", "p4") == ("P4KEY", "us-west-2")


def test_services_section_key_must_be_the_service_id_in_snake_case(configured: Cli) -> None:
    done = configured(*LIST, "--profile", "p6", "--cli-connect-timeout", "1")
    assert (done.returncode, done.stdout) == (255, "")
    assert done.stderr == '\nCould not connect to the endpoint URL: "http://127.0.0.1:13/"\n'


def test_service_endpoint_variable_wins_over_aws_endpoint_url_and_the_profile(
    configured: Cli, fake: Endpoint
) -> None:
    hit = _hit(
        configured,
        fake,
        *["--profile", "p3"],
        AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER=fake.url,
        AWS_ENDPOINT_URL="http://127.0.0.1:11",
    )
    assert hit == ("P3KEY", "sa-east-1")


def test_aws_endpoint_url_is_used_and_the_cognito_idp_spelling_ignored(
    configured: Cli, fake: Endpoint
) -> None:
    assert _hit(configured, fake, "--profile", "p3", AWS_ENDPOINT_URL=fake.url) == (
        "P3KEY",
        "sa-east-1",
    )
    hit = _hit(configured, fake, "--profile", "p1", AWS_ENDPOINT_URL_COGNITO_IDP="http://x:12")
    assert hit == ("P1KEY", "ap-southeast-2")


def test_ignoring_configured_endpoints_keeps_the_flag(configured: Cli, fake: Endpoint) -> None:
    hit = _hit(
        configured,
        fake,
        *["--profile", "p1", "--endpoint-url", fake.url],
        AWS_IGNORE_CONFIGURED_ENDPOINT_URLS="true",
        AWS_ENDPOINT_URL="http://127.0.0.1:11",
    )
    assert hit == ("P1KEY", "ap-southeast-2")


def test_no_endpoint_at_all_runs_on_the_local_data(configured: Cli, fake: Endpoint) -> None:
    seen = len(fake.requests)
    made = configured("cognito-idp", "create-user-pool", "--pool-name", "p", "--profile", "p5")
    assert made.returncode == 0 and (configured.cwd / "data" / "userpool.db").exists()
    for profile in (["--profile", "p5"], []):
        done = configured(*LIST, "--output", "json", *profile)
        assert (done.returncode, done.stdout, done.stderr) == (0, "1\n", "")
    assert len(fake.requests) == seen


def test_output_comes_from_flag_then_environment_then_profile(
    configured: Cli, fake: Endpoint
) -> None:
    base = [*LIST, "--endpoint-url", fake.url]
    assert configured(*base).stdout == "0\n"  # [default] output = text
    assert configured(*base, "--profile", "p1").stdout == "0\n"  # yaml: a scalar is JSON
    assert configured(*base, env={"AWS_DEFAULT_OUTPUT": "json"}).stdout == "0\n"
    users = ["cognito-idp", "list-users", "--user-pool-id", "p", "--endpoint-url", fake.url]
    query = ["--query", "Users[].Username"]
    assert configured(*users, *query).stdout == "dave\terin\n"
    assert configured(*users, *query, "--profile", "p1").stdout == "- dave\n- erin\n"
    yaml_env = {"AWS_DEFAULT_OUTPUT": "yaml"}
    assert configured(*users, *query, env=yaml_env).stdout == "- dave\n- erin\n"
    assert configured(*users, *query, "--output", "json", env=yaml_env).stdout == (
        '[\n    "dave",\n    "erin"\n]\n'
    )


def test_unknown_profile_exits_255(configured: Cli) -> None:
    done = configured(*LIST, "--profile", "nosuchprofile")
    assert (done.returncode, done.stderr) == (
        255,
        "\nThe config profile (nosuchprofile) could not be found\n",
    )


def test_signed_operations_need_credentials_and_unsigned_ones_do_not(
    cli: Cli, fake: Endpoint
) -> None:
    no_keys = {"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None}
    signed = cli(*LIST, "--endpoint-url", fake.url, env=no_keys)
    assert (signed.returncode, signed.stderr) == (
        253,
        '\nUnable to locate credentials. You can configure credentials by running "aws login".\n',
    )
    unsigned = cli(*LIST, "--endpoint-url", fake.url, "--no-sign-request", env=no_keys)
    assert (unsigned.returncode, unsigned.stdout) == (0, "0\n")
    assert fake.requests[-1]["key"] is None
    confirm = cli(
        *["cognito-idp", "confirm-sign-up", "--endpoint-url", fake.url],
        *["--client-id", "c", "--username", "u", "--confirmation-code", "123456"],
        env=no_keys,
    )
    assert (confirm.returncode, confirm.stderr) == (0, "")
    assert "Authorization" not in fake.requests[-1]["headers"]


def test_retry_mode_legacy_is_refused_as_in_v2(cli: Cli, fake: Endpoint) -> None:
    done = cli(*LIST, "--endpoint-url", fake.url, env={"AWS_RETRY_MODE": "legacy"})
    assert (done.returncode, done.stderr) == (
        255,
        '\nInvalid value provided to "mode": "legacy" must be one of: "standard" or "adaptive"\n',
    )
