"""Every AWS CLI v2 command line captured in captures/aws-cli-v2.33.md, run with ``userpool``: the same
stdout, stderr, exit code and request, byte for byte (``aws`` read as ``userpool`` in the
usage text), against the spec's recording endpoint.

Left out: captures of v1 where v1 differs from v2, of v2.34+ (``--cli-error-format`` and
its new error layout), and bare ``aws`` (``userpool`` alone is the server's own help).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.fake_endpoint import Endpoint
from tests.cli.harness import Cli
from tests.cli.spec import Capture, as_userpool, captures, text

CID = "3ck15a1ov4mf5v0bsbldq3example"
POOL2 = "us-east-1_POOL2example"

# Command lines whose words had spaces or empty strings (the spec shows them joined).
WORDS: dict[str, list[str]] = {
    "--client-id  --username  --confirmation-code ": [
        "--client-id",
        "",
        "--username",
        "",
        "--confirmation-code",
        "",
    ],
    "--client-metadata k1= spaced value ,k2=x": ["--client-metadata", "k1= spaced value ,k2=x"],
    "--client-metadata k1=a b c,custom:tier=gold,x.y/z#w-v_u=1": [
        "--client-metadata",
        "k1=a b c,custom:tier=gold,x.y/z#w-v_u=1",
    ],
    '--client-metadata   {"k1": "v1"}': ["--client-metadata", '  {"k1": "v1"}'],
    '--client-metadata {"k1": "v1"': ["--client-metadata", '{"k1": "v1"'],
    '--client-metadata "quoted key"=v': ["--client-metadata", '"quoted key"=v'],
    "--user-context-data IpAddress=10.0.0.1, EncodedData=abc": [
        "--user-context-data",
        "IpAddress=10.0.0.1, EncodedData=abc",
    ],
    '--cli-input-json {"ClientId": "a", "Bogus": 1}': [
        "--cli-input-json",
        '{"ClientId": "a", "Bogus": 1}',
    ],
    "--cli-input-json {not json": ["--cli-input-json", "{not json"],
    "--cli-input-yaml ClientId: [unclosed": ["--cli-input-yaml", "ClientId: [unclosed"],
}
# v1 captures that v2 prints the same way (captures §7.6), and v1's wire timestamps (which
# v2 prints with cli_timestamp_format = wire, set for these).
V1_SAME = ("aws1 cognito-idp sign-up", "aws1 cognito-idp admin-get-user")


def _selected() -> list[Capture]:
    chosen = []
    for capture in captures().values():
        line = capture.command
        if "--cli-error-format" in line or line in ("aws233",):
            continue
        if line.startswith("aws2 ") and line.endswith("--bogus x"):
            continue  # the 2.36 layout of unknown options
        if "aws1 " in line and not line.startswith(V1_SAME):
            continue
        chosen.append(capture)
    return chosen


def _argv(line: str) -> tuple[list[str], dict[str, str | None]]:
    env: dict[str, str | None] = {}
    words = line.split(" ")
    if words[0] == "timeout":
        words = words[2:]
    if words[0] == "env":
        words = words[1:]
        while words[0] == "-u" or "=" in words[0]:
            if words[0] == "-u":
                env[words[1]] = None
                words = words[2:]
            else:
                key, value = words[0].split("=", 1)
                env[key] = value
                words = words[1:]
    rest = " ".join(words[1:])
    for shown, real in WORDS.items():
        if shown in rest:
            before, after = rest.split(shown, 1)
            return [*before.split(), *real, *after.split()], env
    return rest.split(), env


def _fill(text: str, endpoint: Endpoint) -> str:
    return text.replace("$EP", endpoint.url).replace("$CID", CID).replace("$POOL2", POOL2)


def _files(where: Path) -> None:
    (where / "code.txt").write_text("line1\nline2\n")
    (where / "sh.txt").write_text("k=from-file")
    (where / "j.json").write_text('{"k": "json-from-file"}')
    document = {
        "ClientId": "FROMJSON_CLIENT",
        "Username": "alice",
        "ConfirmationCode": "999999",
        "ForceAliasCreation": True,
        "ClientMetadata": {"k1": "v1"},
    }
    (where / "in1.json").write_text(json.dumps(document))
    (where / "in1.yaml").write_text(
        "ClientId: FROMYAML_CLIENT\nUsername: alice\nConfirmationCode: '999999'\n"
        "ForceAliasCreation: true\nClientMetadata:\n  k1: v1\n"
    )


@pytest.mark.parametrize("capture", _selected(), ids=lambda c: c.command[:120])
def test_userpool_prints_what_aws_cli_v2_prints(
    capture: Capture, cli: Cli, fake: Endpoint, tmp_path: Path
) -> None:
    _files(tmp_path)
    words, env = _argv(_fill(capture.command, fake))
    if capture.command.startswith("aws1 "):
        (tmp_path / "config").write_text("[default]\ncli_timestamp_format = wire\n")
    seen = len(fake.requests)

    done = cli(*words, env=env)

    assert done.stdout == _fill(capture.stdout, fake)
    assert done.stderr == as_userpool(_fill(capture.stderr, fake))
    assert done.returncode == capture.rc
    if capture.request == "(none sent)":
        assert len(fake.requests) == seen
    elif capture.request is not None:
        target, body = _fill(capture.request, fake).split(" ", 1)
        assert target == "AWSCognitoIdentityProviderService." + fake.requests[-1]["target"]
        assert fake.requests[-1]["raw"] == body


def test_color_on_writes_the_captured_escape_codes(cli: Cli, fake: Endpoint) -> None:
    """captures §14: the ``cat -v`` capture of ``--color on`` (colorama's resets included)."""
    spec = text()
    start = spec.index("--output table --color on | cat -v\n") + len(
        "--output table --color on | cat -v\n"
    )
    shown = spec[start : spec.index("```", start)].rstrip("\n")
    expected = shown.replace("^[", "\x1b")

    done = cli(
        *["cognito-idp", "list-users", "--endpoint-url", fake.url, "--user-pool-id", POOL2],
        *["--query", "Users[].{Name:Username,Status:UserStatus}", "--output", "table"],
        "--color",
        "on",
    )

    assert (done.returncode, done.stdout) == (0, expected)


# Beyond the captures file: AWS CLI 2.33.31, run from its source tag against the same fake
# endpoint, printed the texts below for the same command lines.


def test_yaml_writes_null_and_exponent_floats_as_v2(cli: Cli, fake: Endpoint) -> None:
    """ruamel's safe dumper: ``null`` at any depth, floats as Python's repr."""
    query = (
        "{mfa: Nope, u: Users[].{phone: Nope, n: Username}, x: `1e300`, y: `1.5`, "
        "z: `-2.5e-10`, w: `100000000000000000000.0`}"
    )
    base = ["cognito-idp", "list-users", "--endpoint-url", fake.url, "--user-pool-id", POOL2]

    yaml = cli(*base, "--output", "yaml", "--query", query)
    stream = cli(*base, "--output", "yaml-stream", "--query", "[Nope, `1e300`, {a: Nope}]")
    scalar = cli(*base, "--output", "yaml-stream", "--query", "Nope")

    assert (yaml.returncode, yaml.stderr) == (0, "")
    assert yaml.stdout == (
        "mfa: null\nu:\n- n: dave\n  phone: null\n- n: erin\n  phone: null\n"
        "w: 1e+20\nx: 1e+300\ny: 1.5\nz: -2.5e-10\n"
    )
    assert stream.stdout == "- - null\n  - 1e+300\n  - a: null\n"
    assert scalar.stdout == "- null\n"


ADMIN_CREATE_USER_SKELETON = """{
    "UserPoolId": "",
    "Username": "",
    "UserAttributes": [
        {
            "Name": "",
            "Value": ""
        }
    ],
    "ValidationData": [
        {
            "Name": "",
            "Value": ""
        }
    ],
    "TemporaryPassword": "",
    "ForceAliasCreation": true,
    "MessageAction": "RESEND",
    "DesiredDeliveryMediums": [
        "SMS"
    ],
    "ClientMetadata": {
        "KeyName": ""
    }
}
"""
ADD_CUSTOM_ATTRIBUTES_YAML = (
    "UserPoolId: ''  # [REQUIRED] The ID of the user pool where you want to add custom "
    "attributes.\n"
    "CustomAttributes: # [REQUIRED] An array of custom attribute names and other properties.\n"
    "- Name: ''  # The name of your user pool attribute.\n"
    "  AttributeDataType: String # The data format of the values for your attribute. Valid "
    "values are: String, Number, DateTime, Boolean.\n"
    "  DeveloperOnlyAttribute: true #  You should use WriteAttributes in the user pool client "
    "to control how attributes can be mutated for new use cases instead of using "
    "DeveloperOnlyAttribute.\n"
    "  Mutable: true # Specifies whether the value of the attribute can be changed.\n"
    "  Required: true # Specifies whether a user pool attribute is required.\n"
    "  NumberAttributeConstraints: # Specifies the constraints for an attribute of the number "
    "type.\n"
    "    MinValue: ''  # The minimum value of an attribute that is of the number data type.\n"
    "    MaxValue: '' # The maximum length of a number attribute value.\n"
    "  StringAttributeConstraints: # Specifies the constraints for an attribute of the string "
    "type.\n"
    "    MinLength: ''  # The minimum length of a string attribute value.\n"
    "    MaxLength: '' # The maximum length of a string attribute value.\n"
)


@pytest.mark.parametrize(
    ("command", "kind", "expected"),
    [
        ("admin-create-user", "input", ADMIN_CREATE_USER_SKELETON),
        ("add-custom-attributes", "yaml-input", ADD_CUSTOM_ATTRIBUTES_YAML),
    ],
)
def test_skeletons_hold_the_first_enum_value_every_time(
    cli: Cli, command: str, kind: str, expected: str
) -> None:
    """v2's bundled botocore takes an enum's first value (botocore's own a random one); the
    YAML comments are the markup's text up to the first ``.`` or ``:``."""
    for _ in range(3):
        done = cli("cognito-idp", command, "--generate-cli-skeleton", kind)
        assert (done.returncode, done.stdout, done.stderr) == (0, expected, "")
