CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);

CREATE TABLE pools (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    config TEXT NOT NULL,
    created REAL NOT NULL,
    modified REAL NOT NULL
);

CREATE TABLE clients (
    id TEXT PRIMARY KEY,
    pool_id TEXT NOT NULL,
    name TEXT NOT NULL,
    secret TEXT,
    config TEXT NOT NULL,
    created REAL NOT NULL,
    modified REAL NOT NULL
);
CREATE INDEX clients_by_pool ON clients (pool_id, id);

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
CREATE UNIQUE INDEX users_by_key ON users (pool_id, username_key);

-- Sign-in aliases (verified aliases in alias pools; email/phone in username-attribute
-- pools). Uniqueness of an alias is this primary key, never a read-then-write.
CREATE TABLE aliases (
    pool_id TEXT NOT NULL,
    attribute TEXT NOT NULL,
    value_key TEXT NOT NULL,
    sub TEXT NOT NULL,
    PRIMARY KEY (pool_id, attribute, value_key)
);
CREATE INDEX aliases_by_sub ON aliases (pool_id, sub);

CREATE TABLE codes (
    pool_id TEXT NOT NULL,
    sub TEXT NOT NULL,
    purpose TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    expires REAL NOT NULL,
    attribute TEXT,
    medium TEXT,
    superseded TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (pool_id, sub, purpose)
);

CREATE TABLE attempts (
    pool_id TEXT NOT NULL,
    sub TEXT NOT NULL,
    action TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX attempts_by_user ON attempts (pool_id, sub, action, at);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    pool_id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    sub TEXT NOT NULL,
    purpose TEXT NOT NULL,
    expires REAL NOT NULL
);

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
);
CREATE INDEX outbox_pending ON outbox (status, id);

CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    pool_id TEXT NOT NULL,
    sub TEXT NOT NULL,
    kind TEXT NOT NULL,
    at REAL NOT NULL,
    data TEXT NOT NULL
);
