-- Access keys for SigV4-signed operations; secrets sealed (verification needs them back).
CREATE TABLE access_keys (
    access_key_id TEXT COLLATE "C" PRIMARY KEY,
    secret TEXT NOT NULL,
    created DOUBLE PRECISION NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0
);
