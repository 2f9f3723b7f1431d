-- A pool's configuration resources, stored and echoed: terms documents, managed login
-- branding styles, classic UI customizations, the log delivery configuration and the SAML
-- signing certificate. id is the resource's own id (TermsId, ManagedLoginBrandingId) or
-- '<pool>/<kind>/<client or ALL>' for those a pool or client has once; body is the JSON
-- that Describe/Get echoes. (pool_id, kind, client_id, name) is unique where name is set:
-- one terms document of a name per client, one branding style per client. sealed holds
-- a private key sealed with the master key (the signing certificate's; at_rest re-seals it).
CREATE TABLE pool_resources (
    id TEXT PRIMARY KEY,
    pool_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    client_id TEXT,
    name TEXT,
    body TEXT NOT NULL,
    sealed TEXT,
    created DOUBLE PRECISION NOT NULL,
    modified DOUBLE PRECISION NOT NULL
);
CREATE UNIQUE INDEX pool_resources_named ON pool_resources (pool_id, kind, client_id, name);
CREATE INDEX pool_resources_kind ON pool_resources (pool_id, kind, created);
