-- User groups of a pool and their members (cognito:groups in tokens, ordered by precedence).
CREATE TABLE user_groups (
    pool_id TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    role_arn TEXT,
    precedence INTEGER,
    created DOUBLE PRECISION NOT NULL,
    modified DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (pool_id, name)
);
CREATE TABLE group_members (
    pool_id TEXT NOT NULL,
    group_name TEXT NOT NULL,
    sub TEXT NOT NULL,
    PRIMARY KEY (pool_id, group_name, sub)
);
CREATE INDEX group_members_by_user ON group_members (pool_id, sub);
