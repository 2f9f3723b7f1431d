"""Pagination as in the AWS CLI, on both transports: ListUsers and ListUserPoolClients are
followed to the end unless ``--no-paginate``; ``--page-size``, ``--max-items`` and
``--starting-token`` work; the API's own token or limit turns following off; ListUserPools
(whose ``--max-results`` is required, so always given) is one call.
"""

from __future__ import annotations

import base64
import json

import pytest

from tests.cli.harness import Up


def _requests(stderr: str, operation: str) -> int:
    return stderr.count(f"Making request for {operation} with params")


def _pool_with_users(up: Up, count: int) -> str:
    pool = up.pool()
    for i in range(count):
        up.ok("admin-create-user", "--user-pool-id", pool, "--username", f"user{i}")
    return pool


def test_list_users_follows_every_page(up: Up) -> None:
    pool = _pool_with_users(up, 3)

    done = up("list-users", "--user-pool-id", pool, "--page-size", "1", "--debug")

    assert done.returncode == 0, done.stderr
    assert sorted(u["Username"] for u in json.loads(done.stdout)["Users"]) == [
        "user0",
        "user1",
        "user2",
    ]
    assert "PaginationToken" not in json.loads(done.stdout)
    assert _requests(done.stderr, "ListUsers") == 3


def test_no_paginate_makes_one_call_and_shows_the_api_token(up: Up) -> None:
    pool = _pool_with_users(up, 2)

    page = up.ok("list-users", "--user-pool-id", pool, "--limit", "1", "--no-paginate")
    manual = up.ok("list-users", "--user-pool-id", pool, "--limit", "1")

    assert len(page["Users"]) == 1 and page["PaginationToken"]
    assert len(manual["Users"]) == 1 and manual["PaginationToken"]
    rest = up.ok(
        "list-users", "--user-pool-id", pool, "--pagination-token", manual["PaginationToken"]
    )
    assert len(rest["Users"]) == 1


def test_max_items_truncates_and_starting_token_resumes(up: Up) -> None:
    pool = _pool_with_users(up, 3)

    first = up.ok("list-users", "--user-pool-id", pool, "--max-items", "2", "--page-size", "1")
    rest = up.ok("list-users", "--user-pool-id", pool, "--starting-token", first["NextToken"])

    names = [u["Username"] for u in first["Users"] + rest["Users"]]
    assert sorted(names) == ["user0", "user1", "user2"]
    assert "NextToken" not in rest


def test_text_output_is_written_page_by_page(up: Up) -> None:
    pool = _pool_with_users(up, 2)
    query = ["--query", "Users[].Username", "--output", "text"]

    paged = up("list-users", "--user-pool-id", pool, "--page-size", "1", *query)
    whole = up("list-users", "--user-pool-id", pool, *query)

    assert len(paged.stdout.splitlines()) == 2
    assert len(whole.stdout.splitlines()) == 1 and whole.stdout.count("\t") == 1


# The expected texts below were printed by AWS CLI 2.33.31 (run from its source tag) for the
# same command lines.
WARNING = "warning: Non-positive values for --max-items may result in undefined behavior.\n"
PAGING_CONFIG_REFUSED = (
    "\nParameter validation failed:\n"
    'Unknown parameter in input: "PaginationConfig", must be one of: UserPoolId, '
    "AttributesToGet, Limit, PaginationToken, Filter\n"
)


def test_paging_options_with_no_paginate_are_refused(up: Up) -> None:
    done = up("list-users", "--user-pool-id", "p", "--no-paginate", "--max-items", "1")
    manual = up("list-users", "--user-pool-id", "p", "--limit", "1", "--page-size", "1")
    assert (done.returncode, done.stderr) == (
        252,
        "\nCannot specify --no-paginate along with pagination arguments: --max-items\n",
    )
    assert (manual.returncode, manual.stderr) == (
        252,
        "\nCannot specify --no-paginate along with pagination arguments: --page-size\n",
    )


@pytest.mark.parametrize("count", ["0", "-1"])
def test_max_items_below_one_warns_as_v2_and_still_runs(up: Up, count: str) -> None:
    pool = _pool_with_users(up, 2)

    done = up("list-users", "--user-pool-id", pool, "--max-items", count)
    skeleton = up("list-users", "--max-items", count, "--generate-cli-skeleton")

    assert (done.returncode, done.stderr) == (0, WARNING)
    token = base64.b64decode(json.loads(done.stdout)["NextToken"])
    assert json.loads(token) == {"PaginationToken": None, "boto_truncate_amount": int(count)}
    assert (skeleton.returncode, skeleton.stderr) == (0, WARNING)


def test_max_items_0_without_following_pages_is_sent_and_refused_as_in_v2(up: Up) -> None:
    """``--max-items 0`` (false) gets past the --no-paginate check; its PaginationConfig then
    fails botocore's validation of the plain call."""
    done = up("list-users", "--user-pool-id", "p", "--max-items", "0", "--no-paginate")
    assert (done.returncode, done.stdout) == (252, "")
    assert done.stderr == WARNING + PAGING_CONFIG_REFUSED


def test_list_user_pool_clients_follows_pages(up: Up) -> None:
    pool = up.pool()
    for i in range(3):
        up.client(pool, "--client-name", f"c{i}")

    done = up("list-user-pool-clients", "--user-pool-id", pool, "--page-size", "2", "--debug")

    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)["UserPoolClients"]) == 3
    assert _requests(done.stderr, "ListUserPoolClients") == 2


def test_list_user_pools_is_one_call_with_its_own_token(up: Up) -> None:
    up.pool()
    up.pool()

    done = up("list-user-pools", "--max-results", "1", "--debug")

    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert len(out["UserPools"]) == 1 and out["NextToken"]
    assert _requests(done.stderr, "ListUserPools") == 1
