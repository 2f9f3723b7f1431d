-- Request-rate counters shared by every process on this database: one row per
-- (counter name, minute slot); each process adds its counts in batches.
CREATE TABLE rate_counters (
    name TEXT NOT NULL,
    slot BIGINT NOT NULL,
    count BIGINT NOT NULL,
    PRIMARY KEY (name, slot)
);
CREATE INDEX rate_counters_by_slot ON rate_counters (slot);
