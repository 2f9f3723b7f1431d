-- OAuth 2.0: the domains of user pools (a prefix domain and a custom domain at most per
-- pool, each name unique across every pool) and the resource servers whose scopes app
-- clients may be allowed (scopes: a JSON list of {ScopeName, ScopeDescription}).
CREATE TABLE pool_domains (
    domain TEXT PRIMARY KEY,
    pool_id TEXT NOT NULL,
    custom INTEGER NOT NULL,
    certificate_arn TEXT,
    managed_login_version INTEGER NOT NULL,
    cloudfront TEXT NOT NULL,
    version TEXT NOT NULL,
    created DOUBLE PRECISION NOT NULL,
    UNIQUE (pool_id, custom)
);
CREATE TABLE resource_servers (
    pool_id TEXT NOT NULL,
    identifier TEXT NOT NULL,
    name TEXT NOT NULL,
    scopes TEXT NOT NULL,
    created DOUBLE PRECISION NOT NULL,
    modified DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (pool_id, identifier)
);
