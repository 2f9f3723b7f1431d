"""``userpool cognito-idp add-custom-attributes`` on both transports: the shorthand and JSON
forms add ``custom:`` and ``dev:custom:`` attributes, printing nothing (the answer is
empty); a name taken is Cognito's InvalidParameterException with exit status 254."""

from __future__ import annotations

import json

from tests.cli.harness import Up


def test_add_custom_attributes_adds_and_refuses_a_taken_name(up: Up) -> None:
    pool = up.pool()

    shorthand = up(
        *["add-custom-attributes", "--user-pool-id", pool, "--custom-attributes"],
        "Name=team,AttributeDataType=String,StringAttributeConstraints={MinLength=1,MaxLength=64}",
    )
    as_json = up(
        *["add-custom-attributes", "--user-pool-id", pool, "--custom-attributes"],
        json.dumps([{"Name": "n", "AttributeDataType": "Number", "DeveloperOnlyAttribute": True}]),
    )
    taken = up(
        *["add-custom-attributes", "--user-pool-id", pool, "--custom-attributes"],
        "Name=team,AttributeDataType=Number",
    )

    assert (shorthand.returncode, shorthand.stdout, shorthand.stderr) == (0, "", "")
    assert (as_json.returncode, as_json.stdout, as_json.stderr) == (0, "", "")
    schema = up.ok(
        *["describe-user-pool", "--user-pool-id", pool],
        *[
            "--query",
            "UserPool.SchemaAttributes[?starts_with(Name, 'custom:') || starts_with(Name, 'dev:')]",
        ],
    )
    assert schema == [
        {
            "Name": "custom:team",
            "AttributeDataType": "String",
            "DeveloperOnlyAttribute": False,
            "Mutable": True,
            "Required": False,
            "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "64"},
        },
        {
            "Name": "dev:custom:n",
            "AttributeDataType": "Number",
            "DeveloperOnlyAttribute": True,
            "Mutable": True,
            "Required": False,
        },
    ]
    assert (taken.returncode, taken.stdout, taken.stderr) == (
        254,
        "",
        "\nAn error occurred (InvalidParameterException) when calling the AddCustomAttributes "
        "operation: custom:team: Existing attribute already has name custom:team.\n",
    )
