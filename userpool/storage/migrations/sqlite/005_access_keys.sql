-- Access keys for SigV4-signed operations; secrets sealed (verification needs them back).
CREATE TABLE access_keys (
    access_key_id TEXT PRIMARY KEY,
    secret TEXT NOT NULL,
    created REAL NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0
);
