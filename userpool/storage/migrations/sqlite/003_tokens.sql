CREATE TABLE signing_keys (
    kid TEXT PRIMARY KEY,
    pool_id TEXT NOT NULL,
    use TEXT NOT NULL,
    pem TEXT NOT NULL,
    created REAL NOT NULL,
    active INTEGER NOT NULL
);
CREATE UNIQUE INDEX signing_keys_active ON signing_keys (pool_id, use) WHERE active = 1;

CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    pool_id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    sub TEXT NOT NULL,
    origin_jti TEXT NOT NULL,
    auth_time INTEGER NOT NULL,
    expires REAL NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX refresh_tokens_by_user ON refresh_tokens (pool_id, sub);

CREATE TABLE revoked_origins (
    origin_jti TEXT PRIMARY KEY,
    expires REAL NOT NULL
);

ALTER TABLE sessions ADD COLUMN data TEXT NOT NULL DEFAULT '{}';
