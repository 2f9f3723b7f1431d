"""Help pages carry what the AWS CLI 2.33.31's carry, and the CLI claims the release whose
cognito-idp model it ships.

The expected blocks are copied from ``aws cognito-idp <command> help`` of AWS CLI
2.33.31 (built from its source tag, output piped, overstrike removed with ``col -bx``).
groff widens spaces to justify lines; ours are not justified, so paragraphs are
compared with runs of spaces inside a line squeezed (indentation kept). Paragraphs that
groff hyphenated are left out of the blocks.
"""

from __future__ import annotations

import gzip
import hashlib
import re

import pytest

from tests.cli.harness import Cli

# sha256 of awscli/botocore/data/cognito-idp/2016-04-18/service-2.json at aws-cli's tag
MODEL_SHA256 = {"2.33.31": "7bb602e5c598b31530ea42f12efc4bc93542e4627c1a39d2e95dd7d7b1394eb2"}


def squeeze(text: str) -> str:
    return "\n".join(re.sub(r"(?<=\S) {2,}(?=\S)", " ", line.rstrip()) for line in text.split("\n"))


# confirm-sign-up: an option with its Constraints block
CONFIRM_OPTIONS = r"""
OPTIONS
       --client-id (string) [required]
          The ID of the app client associated with the user pool.

          Constraints:

          o min: 1

          o max: 128

          o pattern: [\w+]+

       --secret-hash (string)
"""

# confirm-sign-up: a map's key and value members, shorthand and JSON syntax
CONFIRM_MAP = r"""

          key -> (string)
              Constraints:

              o min: 0

              o max: 131072

          value -> (string)
              Constraints:

              o min: 0

              o max: 131072

       Shorthand Syntax:

          KeyName1=string,KeyName2=string

       JSON Syntax:

          {"string": "string"
            ...}

"""

# confirm-sign-up: the global options
CONFIRM_GLOBALS = r"""
GLOBAL OPTIONS
       --debug (boolean)

       Turn on debug logging.

       --endpoint-url (string)

       Override command's default URL with the given URL.

       --no-verify-ssl (boolean)

       By  default, the AWS CLI uses SSL when communicating with AWS services.
       For each SSL connection, the AWS CLI will verify SSL certificates. This
"""

# confirm-sign-up: EXAMPLES and OUTPUT
CONFIRM_EXAMPLES_AND_OUTPUT = r"""
EXAMPLES
       NOTE:
          To use the following examples, you must have the AWS  CLI  installed
          and  configured.  See  the Getting started guide in the AWS CLI User
          Guide for more information.

          Unless otherwise  stated,  all  examples  have  unix-like  quotation
          rules.  These  examples  will  need to be adapted to your terminal's
          quoting rules. See Using quotation marks with strings in the AWS CLI
          User Guide .

       To confirm sign-up

       This example confirms sign-up for username diego@example.com.

       Command:

          aws cognito-idp confirm-sign-up --client-id 3n4b5urk1ft4fl3mg5e62d9ado --username=diego@example.com --confirmation-code CONF_CODE

OUTPUT
       Session -> (string)
          A  session  identifier  that  you can use to immediately sign in the
          confirmed user.  You  can  automatically  sign  users  in  with  the
          one-time  password  that they provided in a successful ConfirmSignUp
          request.

          Constraints:

          o min: 20

          o max: 2048
"""

# create-user-pool: a nested member in --policies, two levels down
POOL_NESTED_HEAD = r"""
                 Constraints:

                 o min: 0

                 o max: 365

          SignInPolicy -> (structure)
              The policy for allowed types of authentication in a user pool.
"""

# create-user-pool: a list's constraints and its members' enum, four levels down
POOL_NESTED_LIST = r"""

                 Constraints:

                 o min: 1

                 o max: 4

                 (string)
                     Possible values:

                     o PASSWORD

                     o EMAIL_OTP

                     o SMS_OTP

                     o WEB_AUTHN

       Shorthand Syntax:

          PasswordPolicy={MinimumLength=integer,RequireUppercase=boolean,RequireLowercase=boolean,RequireNumbers=boolean,RequireSymbols=boolean,PasswordHistorySize=integer,TemporaryPasswordValidityDays=integer},SignInPolicy={AllowedFirstAuthFactors=[string,string]}

       JSON Syntax:

          {
            "PasswordPolicy": {
              "MinimumLength": integer,
              "RequireUppercase": true|false,
              "RequireLowercase": true|false,
              "RequireNumbers": true|false,
              "RequireSymbols": true|false,
              "PasswordHistorySize": integer,
              "TemporaryPasswordValidityDays": integer
            },
            "SignInPolicy": {
              "AllowedFirstAuthFactors": ["PASSWORD"|"EMAIL_OTP"|"SMS_OTP"|"WEB_AUTHN", ...]
            }
          }

       --deletion-protection (string)
          When active, DeletionProtection prevents accidental deletion of your
          user pool. Before you can delete a user pool that you have protected
          against deletion, you must deactivate this feature.

"""

# create-user-pool: OUTPUT's nested members
POOL_OUTPUT = r"""
OUTPUT
       UserPool -> (structure)
          The details of the created user pool.

          Id -> (string)
              The ID of the user pool.

              Constraints:

              o min: 1

              o max: 55

"""

# admin-create-user: the EXAMPLES note and title
USER_EXAMPLES = r"""
EXAMPLES
       NOTE:
          To  use  the following examples, you must have the AWS CLI installed
          and configured. See the Getting started guide in the  AWS  CLI  User
          Guide for more information.

          Unless  otherwise  stated,  all  examples  have  unix-like quotation
          rules. These examples will need to be  adapted  to  your  terminal's
          quoting rules. See Using quotation marks with strings in the AWS CLI
          User Guide .

       To create a user
"""

# admin-create-user: the example's command and output
USER_EXAMPLE_CODE = r"""

          aws cognito-idp admin-create-user \
              --user-pool-id us-west-2_aaaaaaaaa \
              --username diego \
              --user-attributes Name=email,Value=diego@example.com Name=phone_number,Value="+15555551212" \
              --message-action SUPPRESS

       Output:

          {
              "User": {
                  "Username": "diego",
                  "Attributes": [
                      {
                          "Name": "sub",
                          "Value": "7325c1de-b05b-4f84-b321-9adc6e61f4a2"
                      },
                      {
                          "Name": "phone_number",
                          "Value": "+15555551212"
                      },
                      {
                          "Name": "email",
                          "Value": "diego@example.com"
                      }
                  ],
                  "UserCreateDate": 1548099495.428,
                  "UserLastModifiedDate": 1548099495.428,
                  "Enabled": true,
                  "UserStatus": "FORCE_CHANGE_PASSWORD"
              }
          }

OUTPUT
       User -> (structure)
          The new user's profile details.

          Username -> (string)
              The user's username.

"""


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    cli = Cli(tmp_path_factory.mktemp("help"))
    out = {}
    for command in ("confirm-sign-up", "create-user-pool", "admin-create-user"):
        done = cli("cognito-idp", command, "help")
        assert done.returncode == 0, done.stderr
        out[command] = done.stdout
    return out


@pytest.mark.parametrize(
    ("command", "block"),
    [
        ("confirm-sign-up", CONFIRM_OPTIONS),
        ("confirm-sign-up", CONFIRM_MAP),
        ("confirm-sign-up", CONFIRM_GLOBALS),
        ("confirm-sign-up", CONFIRM_EXAMPLES_AND_OUTPUT),
        ("create-user-pool", POOL_NESTED_HEAD),
        ("create-user-pool", POOL_NESTED_LIST),
        ("create-user-pool", POOL_OUTPUT),
        ("admin-create-user", USER_EXAMPLES),
        ("admin-create-user", USER_EXAMPLE_CODE),
    ],
)
def test_help_page_has_the_aws_block(pages: dict[str, str], command: str, block: str) -> None:
    assert squeeze(block) in squeeze(pages[command])


def test_unjustified_blocks_are_the_same_bytes(pages: dict[str, str]) -> None:
    for command, block in [
        ("confirm-sign-up", CONFIRM_OPTIONS),
        ("confirm-sign-up", CONFIRM_MAP),
        ("create-user-pool", POOL_NESTED_LIST),
        ("admin-create-user", USER_EXAMPLE_CODE),
    ]:
        assert block in pages[command]


def test_help_page_sections_and_header(pages: dict[str, str]) -> None:
    page = pages["create-user-pool"]
    title = "CREATE-USER-POOL()"
    assert page.startswith(title + " " * (78 - 2 * len(title)) + title + "\n\n\n\nNAME\n")
    assert page.endswith("\n\n\n\n" + title.rjust(78) + "\n")
    headings = [line for line in page.split("\n") if re.fullmatch(r"[A-Z][A-Z ]+", line)]
    assert headings == [
        "NAME",
        "DESCRIPTION",
        "SYNOPSIS",
        "OPTIONS",
        "GLOBAL OPTIONS",
        "EXAMPLES",
        "OUTPUT",
    ]
    # every option of aws's page, in its order (aws: 3,611 lines; ours breaks no words)
    options = re.findall(
        r"^       (--[a-z-]+)(?: \| --[a-z-]+)? \(", page.split("\nGLOBAL OPTIONS\n")[0], re.M
    )
    assert options[:3] == ["--pool-name", "--policies", "--deletion-protection"]
    assert options[-3:] == ["--user-pool-tier", "--cli-input-json", "--generate-cli-skeleton"]
    assert 3_500 < page.count("\n") < 3_700


def test_the_version_claimed_is_the_model_shipped(cli: Cli) -> None:
    from userpool.cli.transport import AWS_CLI_VERSION, CLI_DATA

    shipped = gzip.decompress((CLI_DATA / "cognito-idp/2016-04-18/service-2.json.gz").read_bytes())
    assert hashlib.sha256(shipped).hexdigest() == MODEL_SHA256[AWS_CLI_VERSION]
    done = cli("cognito-idp", "--version")
    assert done.returncode == 0
    assert f" aws-cli/{AWS_CLI_VERSION} " in done.stdout
    assert f"aws-cli/{AWS_CLI_VERSION}" in (CLI_DATA / "NOTICE.md").read_text().replace(
        "tag `", "aws-cli/"
    ).replace("` (commit", " (commit")


def test_the_cli_offers_2_33_commands_and_the_server_serves_the_newer_model(cli: Cli) -> None:
    from userpool.model import operations

    newer = cli("cognito-idp", "add-user-pool-client-secret", "help")
    assert newer.returncode == 252
    assert "Found invalid choice 'add-user-pool-client-secret'" in newer.stderr
    option = cli(
        "cognito-idp",
        "create-user-pool-client",
        "--user-pool-id",
        "us-east-1_x",
        "--client-name",
        "c",
        "--client-secret",
        "s" * 24,
    )
    assert option.returncode == 252
    assert "Unknown options: --client-secret" in option.stderr
    assert "AddUserPoolClientSecret" in operations()  # the server validates with botocore's
