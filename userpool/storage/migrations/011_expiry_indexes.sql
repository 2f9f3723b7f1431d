-- The relay's purge deletes expired sessions and tokens in batches (`WHERE expires<? LIMIT
-- n`), again while any table has more: without these indexes each batch scans the whole
-- table under the write lock (refresh_tokens keeps a row per sign-in for 30 days).
CREATE INDEX sessions_by_expiry ON sessions (expires);
CREATE INDEX refresh_tokens_by_expiry ON refresh_tokens (expires);
CREATE INDEX revoked_origins_by_expiry ON revoked_origins (expires);
