-- A SQLite file made by userpool at d6e8b93 (every migration then had a file per dialect),
-- with a row in each table: sqlite3 store.db .dump, and the user_version it recorded.
PRAGMA user_version=10;
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
INSERT INTO meta VALUES('marker',X'6f6c64');
CREATE TABLE pools (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    config TEXT NOT NULL,
    created REAL NOT NULL,
    modified REAL NOT NULL
);
INSERT INTO pools VALUES('us-east-1_old','old','{"Policies":{}}',1.0,1.0);
CREATE TABLE clients (
    id TEXT PRIMARY KEY,
    pool_id TEXT NOT NULL,
    name TEXT NOT NULL,
    secret TEXT,
    config TEXT NOT NULL,
    created REAL NOT NULL,
    modified REAL NOT NULL
);
INSERT INTO clients VALUES('oldclient','us-east-1_old','app','sealed-secret','{"ExplicitAuthFlows":[]}',1.0,1.0);
CREATE TABLE users (
    pool_id TEXT NOT NULL,
    sub TEXT NOT NULL,
    username TEXT NOT NULL,
    username_key TEXT NOT NULL,
    status TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    password_hash TEXT,
    attributes TEXT NOT NULL,
    extra TEXT NOT NULL,
    created REAL NOT NULL,
    modified REAL NOT NULL,
    PRIMARY KEY (pool_id, sub)
);
INSERT INTO users VALUES('us-east-1_old','sub-amy','amy','amy','CONFIRMED',1,'hash','{"email":"amy@example.com"}','{}',2.0,2.0);
CREATE TABLE aliases (
    pool_id TEXT NOT NULL,
    attribute TEXT NOT NULL,
    value_key TEXT NOT NULL,
    sub TEXT NOT NULL,
    PRIMARY KEY (pool_id, attribute, value_key)
);
INSERT INTO aliases VALUES('us-east-1_old','email','amy@example.com','sub-amy');
CREATE TABLE codes (
    pool_id TEXT NOT NULL,
    sub TEXT NOT NULL,
    purpose TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    expires REAL NOT NULL,
    attribute TEXT,
    medium TEXT,
    superseded TEXT NOT NULL DEFAULT '[]', failures TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (pool_id, sub, purpose)
);
INSERT INTO codes VALUES('us-east-1_old','sub-amy','signup','codehash',4000000000.0,NULL,'EMAIL','[]','[]');
CREATE TABLE attempts (
    pool_id TEXT NOT NULL,
    sub TEXT NOT NULL,
    action TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    pool_id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    sub TEXT NOT NULL,
    purpose TEXT NOT NULL,
    expires REAL NOT NULL
, data TEXT NOT NULL DEFAULT '{}');
INSERT INTO sessions VALUES('sess','us-east-1_old','oldclient','sub-amy','auth',4000000000.0,'{"a":1}');
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    pool_id TEXT NOT NULL,
    username TEXT NOT NULL,
    medium TEXT NOT NULL,
    destination TEXT NOT NULL,
    subject TEXT,
    body TEXT,
    created REAL NOT NULL,
    status TEXT NOT NULL,
    error TEXT,
    sent REAL
, tries INTEGER NOT NULL DEFAULT 0, next_try REAL NOT NULL DEFAULT 0, claimed REAL);
INSERT INTO outbox VALUES(1,'us-east-1_old','amy','EMAIL','amy@example.com','s','b',3.0,'pending',NULL,NULL,0,0.0,NULL);
CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    pool_id TEXT NOT NULL,
    sub TEXT NOT NULL,
    kind TEXT NOT NULL,
    at REAL NOT NULL,
    data TEXT NOT NULL
, listed INTEGER NOT NULL DEFAULT 1);
INSERT INTO events VALUES(1,'us-east-1_old','sub-amy','SignUp',2.0,'{}',1);
INSERT INTO events VALUES(2,'us-east-1_old','sub-amy','SignIn',3.0,'{}',0);
CREATE TABLE trigger_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    pool_id TEXT NOT NULL,
    trigger TEXT NOT NULL,
    source TEXT NOT NULL,
    username TEXT NOT NULL,
    started REAL NOT NULL,
    duration_ms REAL NOT NULL,
    outcome TEXT NOT NULL,
    error TEXT
);
INSERT INTO trigger_log VALUES(1,'us-east-1_old','PreSignUp','PreSignUp_SignUp','amy',2.0,1.5,'ok',NULL);
CREATE TABLE signing_keys (
    kid TEXT PRIMARY KEY,
    pool_id TEXT NOT NULL,
    use TEXT NOT NULL,
    pem TEXT NOT NULL,
    created REAL NOT NULL,
    active INTEGER NOT NULL
);
INSERT INTO signing_keys VALUES('kid-old','us-east-1_old','id','sealed-pem',3.0,1);
CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    pool_id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    sub TEXT NOT NULL,
    origin_jti TEXT NOT NULL,
    auth_time INTEGER NOT NULL,
    expires REAL NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0
);
INSERT INTO refresh_tokens VALUES('rt','us-east-1_old','oldclient','sub-amy','origin',3,4000000000.0,0);
CREATE TABLE revoked_origins (
    origin_jti TEXT PRIMARY KEY,
    expires REAL NOT NULL
);
CREATE TABLE access_keys (
    access_key_id TEXT PRIMARY KEY,
    secret TEXT NOT NULL,
    created REAL NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0
);
INSERT INTO access_keys VALUES('AKIAOLD','sealed-ak',3.0,0);
CREATE TABLE rate_counters (
    name TEXT NOT NULL,
    slot INTEGER NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (name, slot)
);
INSERT INTO rate_counters VALUES('rate',7,3);
CREATE TABLE user_groups (
    pool_id TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    role_arn TEXT,
    precedence INTEGER,
    created REAL NOT NULL,
    modified REAL NOT NULL,
    PRIMARY KEY (pool_id, name)
);
INSERT INTO user_groups VALUES('us-east-1_old','admins','d',NULL,1,2.0,2.0);
CREATE TABLE group_members (
    pool_id TEXT NOT NULL,
    group_name TEXT NOT NULL,
    sub TEXT NOT NULL,
    PRIMARY KEY (pool_id, group_name, sub)
);
INSERT INTO group_members VALUES('us-east-1_old','admins','sub-amy');
DELETE FROM sqlite_sequence;
INSERT INTO sqlite_sequence VALUES('outbox',1);
INSERT INTO sqlite_sequence VALUES('events',2);
INSERT INTO sqlite_sequence VALUES('trigger_log',1);
CREATE INDEX clients_by_pool ON clients (pool_id, id);
CREATE UNIQUE INDEX users_by_key ON users (pool_id, username_key);
CREATE INDEX aliases_by_sub ON aliases (pool_id, sub);
CREATE INDEX attempts_by_user ON attempts (pool_id, sub, action, at);
CREATE INDEX outbox_pending ON outbox (status, id);
CREATE UNIQUE INDEX signing_keys_active ON signing_keys (pool_id, use) WHERE active = 1;
CREATE INDEX refresh_tokens_by_user ON refresh_tokens (pool_id, sub);
CREATE INDEX outbox_by_user ON outbox (pool_id, username);
CREATE INDEX rate_counters_by_slot ON rate_counters (slot);
CREATE INDEX group_members_by_user ON group_members (pool_id, sub);
CREATE INDEX events_listed ON events (pool_id, sub) WHERE listed = 1;
CREATE INDEX attempts_by_time ON attempts (at);
COMMIT;
