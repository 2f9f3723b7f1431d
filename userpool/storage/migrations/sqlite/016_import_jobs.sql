-- User import jobs (CreateUserImportJob ... StopUserImportJob). A job row holds what
-- DescribeUserImportJob shows, its upload (the id of the CSV's last complete PUT, its size
-- and number of lines) and the heartbeat its runner writes with every batch (a job whose
-- runner stopped writing was interrupted). The CSV itself is kept in chunks until the job
-- ends; the log keeps the lines of rows that were skipped or failed (a line not in it,
-- up to the last one read, was imported). Twin of migrations/postgres/016_import_jobs.sql:
-- they differ in the chunk's type (BLOB, BYTEA) and PostgreSQL's COLLATE "C" keys.
CREATE TABLE import_jobs (
    id TEXT PRIMARY KEY,
    pool_id TEXT NOT NULL,
    name TEXT NOT NULL,
    role_arn TEXT NOT NULL,
    status TEXT NOT NULL,
    created DOUBLE PRECISION NOT NULL,
    started DOUBLE PRECISION,
    completed DOUBLE PRECISION,
    url TEXT NOT NULL,
    imported BIGINT NOT NULL DEFAULT 0,
    skipped BIGINT NOT NULL DEFAULT 0,
    failed BIGINT NOT NULL DEFAULT 0,
    message TEXT,
    upload TEXT,
    size BIGINT NOT NULL DEFAULT 0,
    lines BIGINT NOT NULL DEFAULT 0,
    heartbeat DOUBLE PRECISION,
    last_line BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX import_jobs_by_pool ON import_jobs (pool_id, created, id);

CREATE TABLE import_chunks (
    pool_id TEXT NOT NULL,
    job_id TEXT NOT NULL,
    upload TEXT NOT NULL,
    seq INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (job_id, upload, seq)
);
CREATE INDEX import_chunks_by_pool ON import_chunks (pool_id);

CREATE TABLE import_log (
    pool_id TEXT NOT NULL,
    job_id TEXT NOT NULL,
    line BIGINT NOT NULL,
    outcome TEXT NOT NULL,
    message TEXT NOT NULL,
    PRIMARY KEY (job_id, line)
);
CREATE INDEX import_log_by_pool ON import_log (pool_id);
