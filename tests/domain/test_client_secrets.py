"""``domain.client_secrets`` and ``domain.tags``: how a client's secrets are kept and
checked, and the rules of pool tags and their ARNs."""

from __future__ import annotations

from userpool.domain import client_secrets, crypto, tags
from userpool.domain.client_secrets import ClientSecret

CLIENT = "3ck15a1ov4mf5v0bsbldq3example"


def test_a_bare_secret_stored_before_rotation_reads_as_the_original() -> None:
    (only,) = client_secrets.parse("s3cret" * 5, CLIENT, 1_700_000_000.25)
    assert only == ClientSecret(f"{CLIENT}--1700000000250", "s3cret" * 5, 1_700_000_000.25, True)


def test_secrets_round_trip_in_order() -> None:
    first = client_secrets.new_secret(CLIENT, "a" * 30, 1_700_000_000.0, [], original=True)
    second = client_secrets.new_secret(CLIENT, "b" * 30, 1_700_000_100.5, [first])
    kept = [first, second]
    assert client_secrets.parse(client_secrets.dump(kept), CLIENT, 0.0) == kept
    assert second.id == f"{CLIENT}--1700000100500" and not second.original


def test_a_secret_made_in_the_same_millisecond_gets_the_next() -> None:
    first = client_secrets.new_secret(CLIENT, "a" * 30, 1_700_000_000.0, [], original=True)
    second = client_secrets.new_secret(CLIENT, "b" * 30, 1_700_000_000.0, [first])
    assert second.id == f"{CLIENT}--1700000000001"


def test_any_secret_and_any_name_may_make_the_hash() -> None:
    held = [ClientSecret("1", "a" * 30, 0.0, True), ClientSecret("2", "b" * 30, 0.0)]
    by_second = crypto.secret_hash("b" * 30, "sub-1", CLIENT)
    assert client_secrets.hash_matches(held, ["ann", "sub-1"], CLIENT, by_second)
    assert not client_secrets.hash_matches(held[:1], ["ann", "sub-1"], CLIENT, by_second)
    assert not client_secrets.hash_matches(held, ["ann", ""], CLIENT, by_second)
    assert not client_secrets.hash_matches([], ["sub-1"], CLIENT, by_second)
    assert client_secrets.value_matches(held, "b" * 30)
    assert not client_secrets.value_matches(held, "c" * 30)


def test_tag_rules() -> None:
    assert tags.problem({"Équipe 1_.:/=+-@": "", "k": "v 2"}) is None
    assert tags.problem({"aws:x": "v"}) == "Tag keys beginning with aws: are reserved: aws:x"
    assert tags.problem({"Aws:x": "v"}) is not None
    assert tags.problem({"k": "a|b"}) is not None
    assert tags.problem({"k#": "v"}) is not None
    fifty = {f"k{n}": "" for n in range(50)}
    assert tags.problem({"k0": "again"}, fifty) is None
    assert tags.problem({"k50": ""}, fifty) == "A user pool can have at most 50 tags."


def test_only_a_user_pool_arn_names_a_pool() -> None:
    arn = tags.pool_arn("us-east-1", "123456789012", "us-east-1_AbC123xyZ")
    assert arn == "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbC123xyZ"
    assert tags.arn_parts(arn) == ("us-east-1", "123456789012", "us-east-1_AbC123xyZ")
    for other in (
        "arn:aws:iam::123456789012:role/admins",
        "arn:aws:cognito-idp:us-east-1:123456789012:userpool",
        "arn:aws:cognito-idp:us-east-1:123456789012:userpool/",
        "arn:aws:cognito-idp:us-east-1:123456789012:userpool/p/client/c",
        "arn:aws:cognito-identity:us-east-1:123456789012:identitypool/x",
    ):
        assert tags.arn_parts(other) is None, other
