CREATE TABLE signing_keys (
    kid TEXT COLLATE "C" PRIMARY KEY,
    pool_id TEXT COLLATE "C" NOT NULL,
    use TEXT COLLATE "C" NOT NULL,
    pem TEXT NOT NULL,
    created DOUBLE PRECISION NOT NULL,
    active INTEGER NOT NULL
);
CREATE UNIQUE INDEX signing_keys_active ON signing_keys (pool_id, use) WHERE active = 1;

CREATE TABLE refresh_tokens (
    token_hash TEXT COLLATE "C" PRIMARY KEY,
    pool_id TEXT COLLATE "C" NOT NULL,
    client_id TEXT COLLATE "C" NOT NULL,
    sub TEXT COLLATE "C" NOT NULL,
    origin_jti TEXT COLLATE "C" NOT NULL,
    auth_time BIGINT NOT NULL,
    expires DOUBLE PRECISION NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX refresh_tokens_by_user ON refresh_tokens (pool_id, sub);

CREATE TABLE revoked_origins (
    origin_jti TEXT COLLATE "C" PRIMARY KEY,
    expires DOUBLE PRECISION NOT NULL
);

ALTER TABLE sessions ADD COLUMN data TEXT NOT NULL DEFAULT '{}';
