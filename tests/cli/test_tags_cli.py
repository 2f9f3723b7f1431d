"""``userpool cognito-idp tag-resource`` / ``untag-resource`` / ``list-tags-for-resource`` on
both transports, with the AWS CLI reference's shorthand (``--tags k=v,k2=v2``): the tag
commands print nothing, the list prints the pool's tags, and an unknown pool's ARN is
Cognito's ResourceNotFoundException with exit status 254."""

from __future__ import annotations

from tests.cli.harness import Up


def test_tag_untag_and_list_a_pool(up: Up) -> None:
    made = up.ok("create-user-pool", "--pool-name", "tagged", "--user-pool-tags", "team=identity")
    arn = made["UserPool"]["Arn"]

    tagged = up("tag-resource", "--resource-arn", arn, "--tags", "administrator=Jie,tenant=Example")
    untagged = up("untag-resource", "--resource-arn", arn, "--tag-keys", "team")

    assert (tagged.returncode, tagged.stdout, tagged.stderr) == (0, "", "")
    assert (untagged.returncode, untagged.stdout, untagged.stderr) == (0, "", "")
    assert up.ok("list-tags-for-resource", "--resource-arn", arn) == {
        "Tags": {"administrator": "Jie", "tenant": "Example"}
    }
    described = up.ok("describe-user-pool", "--user-pool-id", made["UserPool"]["Id"])
    assert described["UserPool"]["UserPoolTags"] == {"administrator": "Jie", "tenant": "Example"}

    gone = arn.rsplit("/", 1)[0] + "/us-east-1_nothere12"
    unknown = up("list-tags-for-resource", "--resource-arn", gone)
    assert (unknown.returncode, unknown.stdout, unknown.stderr) == (
        254,
        "",
        "\nAn error occurred (ResourceNotFoundException) when calling the ListTagsForResource "
        "operation: User pool us-east-1_nothere12 does not exist.\n",
    )
