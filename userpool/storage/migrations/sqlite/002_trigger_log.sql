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
