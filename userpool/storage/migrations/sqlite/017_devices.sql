-- Users' devices (remembered devices): made unconfirmed by a sign-in in a pool tracking
-- devices, confirmed by ConfirmDevice with the device's SRP salt and verifier (hex; not a
-- secret, like users' SRP verifiers, and never shown), remembered or not. ``pending``
-- holds the DEVICE_SRP_AUTH a sign-in asked for (JSON), until it is answered. Refresh
-- tokens remember the device they were issued to: in such a pool only that confirmed
-- device's key refreshes them.
CREATE TABLE devices (
    device_key TEXT PRIMARY KEY,
    pool_id TEXT NOT NULL,
    sub TEXT NOT NULL,
    group_key TEXT NOT NULL,
    confirmed INTEGER NOT NULL DEFAULT 0,
    remembered INTEGER NOT NULL DEFAULT 0,
    name TEXT,
    salt TEXT,
    verifier TEXT,
    created REAL NOT NULL,
    modified REAL NOT NULL,
    last_authenticated REAL,
    last_ip TEXT,
    pending TEXT
);
CREATE INDEX devices_by_user ON devices (pool_id, sub, device_key);

ALTER TABLE refresh_tokens ADD COLUMN device_key TEXT;
