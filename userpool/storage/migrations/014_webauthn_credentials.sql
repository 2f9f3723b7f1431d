-- Passkeys (WebAuthn credentials) of users. public_key (the attested credential data: id,
-- AAGUID, COSE public key) is sealed with the master key like TOTP secrets (at_rest re-seals
-- it by id); credential_id (base64url) is kept clear, as it must be unique in a pool and is
-- listed; sign_count only grows (a sign-in whose count does not is refused).
CREATE TABLE webauthn_credentials (
    id TEXT PRIMARY KEY,
    pool_id TEXT NOT NULL,
    sub TEXT NOT NULL,
    credential_id TEXT NOT NULL,
    public_key TEXT NOT NULL,
    sign_count BIGINT NOT NULL,
    relying_party_id TEXT NOT NULL,
    attachment TEXT,
    transports TEXT NOT NULL,
    name TEXT NOT NULL,
    created DOUBLE PRECISION NOT NULL,
    UNIQUE (pool_id, credential_id)
);
CREATE INDEX webauthn_credentials_user ON webauthn_credentials (pool_id, sub, created);
