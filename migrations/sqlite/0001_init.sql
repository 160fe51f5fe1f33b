-- vault schema, version 1 (SQLite): the same logical schema as PostgreSQL.
-- uuids are 16-byte blobs (sqlx's encoding); timestamps are RFC 3339 text in UTC.

CREATE TABLE secrets (
    id          BLOB NOT NULL,
    name        TEXT,
    description TEXT NOT NULL DEFAULT '',
    secret      TEXT NOT NULL,
    key_id      BLOB,
    nonce       BLOB,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT secrets_pkey PRIMARY KEY (id)
);
CREATE UNIQUE INDEX secrets_name_idx ON secrets (name) WHERE name IS NOT NULL;

-- updated_at follows every UPDATE that does not set it itself, including ones
-- made with the sqlite3 shell. (recursive_triggers is off, so this does not re-fire.)
CREATE TRIGGER secrets_touch_updated_at
AFTER UPDATE ON secrets FOR EACH ROW
WHEN NEW.updated_at IS OLD.updated_at
BEGIN
    UPDATE secrets SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id;
END;

CREATE TABLE keys (
    id         BLOB PRIMARY KEY,
    recipient  TEXT NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('current', 'retiring', 'retired')),
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    retired_at TEXT
);
CREATE UNIQUE INDEX keys_one_current ON keys (state) WHERE state = 'current';

CREATE TABLE members (
    recipient TEXT PRIMARY KEY,
    name      TEXT NOT NULL UNIQUE,
    added_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    added_by  TEXT
);

CREATE TABLE key_grants (
    key_id     BLOB NOT NULL REFERENCES keys (id) ON DELETE CASCADE,
    recipient  TEXT NOT NULL REFERENCES members (recipient) ON DELETE CASCADE,
    sealed_key TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (key_id, recipient)
);
