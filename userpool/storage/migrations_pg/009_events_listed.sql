-- A user's auth events are listed (AdminListUserAuthEvents) only when they were recorded
-- with threat protection on, as Cognito records them only then; every event is still kept
-- for `userpool events export`. Only listed events enter the per-user index: its entries
-- land on random pages (subs are random), and an event of a pool without threat
-- protection no longer pays for one in every COMMIT.
ALTER TABLE events ADD COLUMN listed INTEGER NOT NULL DEFAULT 1;
DROP INDEX events_by_user;
CREATE INDEX events_listed ON events (pool_id, sub) WHERE listed = 1;
