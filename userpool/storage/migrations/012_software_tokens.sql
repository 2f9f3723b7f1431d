-- Software tokens (TOTP) of users: the secret AssociateSoftwareToken gave ('pending') and
-- the one VerifySoftwareToken accepted ('verified'), each sealed with the master key like
-- client secrets (at_rest re-seals them by id); last_step is the RFC 6238 step of the last
-- code accepted, so a code is used once. A user's MFA preferences live in users.extra.
CREATE TABLE software_tokens (
    id TEXT PRIMARY KEY,
    pool_id TEXT NOT NULL,
    sub TEXT NOT NULL,
    state TEXT NOT NULL,
    secret TEXT NOT NULL,
    device_name TEXT,
    last_step BIGINT,
    created DOUBLE PRECISION NOT NULL,
    UNIQUE (pool_id, sub, state)
);
