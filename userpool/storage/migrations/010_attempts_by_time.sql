-- The purge deletes old attempts (failed guesses, requests, messages sent to an address)
-- in small batches, oldest first: this index finds each batch without a scan.
CREATE INDEX attempts_by_time ON attempts (at);
