"""Domains and resource servers from the command line: ``userpool cognito-idp`` against a
live server and on the local data, as the AWS CLI's lines type them."""

from __future__ import annotations

import time

from tests.cli.harness import Up

API = "https://api.example.com"


def test_domains_and_resource_servers_from_the_command_line(up: Up) -> None:
    pool = up.pool()
    prefix = f"cli-{time.time_ns() % 10**12:x}"
    made = up.ok("create-user-pool-domain", "--domain", prefix, "--user-pool-id", pool)
    assert made == {"ManagedLoginVersion": 1}
    described = up.ok("describe-user-pool-domain", "--domain", prefix)["DomainDescription"]
    assert (described["UserPoolId"], described["Status"]) == (pool, "ACTIVE")
    assert up.ok("describe-user-pool", "--user-pool-id", pool)["UserPool"]["Domain"] == prefix

    up.ok(
        *["create-resource-server", "--user-pool-id", pool, "--identifier", API, "--name", "api"],
        *["--scopes", "ScopeName=read,ScopeDescription=Read"],
        "ScopeName=write,ScopeDescription=Write",
    )
    listed = up.ok("list-resource-servers", "--user-pool-id", pool, "--max-results", "10")
    (server,) = listed["ResourceServers"]
    assert [s["ScopeName"] for s in server["Scopes"]] == ["read", "write"]
    client = up.client(
        pool,
        *["--generate-secret", "--allowed-o-auth-flows", "client_credentials"],
        *["--allowed-o-auth-scopes", f"{API}/read", "--allowed-o-auth-flows-user-pool-client"],
    )
    assert client["AllowedOAuthScopes"] == [f"{API}/read"]

    refused = up("create-user-pool-domain", "--domain", "my-cognito", "--user-pool-id", pool)
    assert refused.returncode == 254
    assert "Domain cannot contain reserved word: cognito" in refused.stderr
    missing = up("describe-resource-server", "--user-pool-id", pool, "--identifier", "nope")
    assert missing.returncode == 254 and "ResourceNotFoundException" in missing.stderr

    up.ok("delete-resource-server", "--user-pool-id", pool, "--identifier", API)
    up.ok("delete-user-pool-domain", "--domain", prefix, "--user-pool-id", pool)
    assert up.ok("describe-user-pool-domain", "--domain", prefix) == {"DomainDescription": {}}
