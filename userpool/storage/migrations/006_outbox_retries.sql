-- Outbox leases and retries: a message claimed by a process that died is claimed again
-- after its lease; a failed delivery is retried with backoff before it is given up.
ALTER TABLE outbox ADD COLUMN tries INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN next_try DOUBLE PRECISION NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN claimed DOUBLE PRECISION;
CREATE INDEX events_by_user ON events (pool_id, sub);
CREATE INDEX outbox_by_user ON outbox (pool_id, username);
