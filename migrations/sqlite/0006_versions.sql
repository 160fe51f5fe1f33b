-- vault schema, version 6 (SQLite): the versions of every secret, one row
-- per version, the current one included (without a ciphertext: the value
-- is the secrets row). See migrations/postgres/0006_versions.sql.
CREATE TABLE versions (
    secret_id  BLOB    NOT NULL,
    version    INTEGER NOT NULL CHECK (version >= 1),
    name       TEXT    NOT NULL,
    written_at INTEGER NOT NULL,
    author     TEXT    NOT NULL DEFAULT '',
    statement  BLOB,
    sig        BLOB,
    secret     TEXT,
    key_id     BLOB,
    nonce      BLOB,
    removed_at INTEGER,
    PRIMARY KEY (secret_id, version)
);
CREATE INDEX versions_key_id_idx ON versions (key_id) WHERE key_id IS NOT NULL;
CREATE INDEX versions_removed_idx ON versions (name, removed_at) WHERE removed_at IS NOT NULL;
