-- vault schema, version 6 (PostgreSQL): the versions of every secret.
-- `{s}` is vault's schema, filled in when the migration runs.
--
-- secrets keeps exactly the current version of each secret; this table
-- holds one row per version, the current one included. The current
-- version's row carries no ciphertext (secret, key_id and nonce are NULL:
-- the value is the secrets row); every earlier version, and every version
-- of a removed secret, carries its own, sealed to a vault key and bound to
-- (secret_id, name) exactly like a secrets row.
--
-- statement and sig are the author's signed statement (vault, secret id,
-- name, version, operation, log position, time and a salted digest of the
-- value; the encoding is in src/history.rs) and its signature. The sealed
-- value carries the same statement under its MAC, so neither can be moved
-- to another secret, renumbered or re-attributed without being refused.
-- Versions written before signed versions have neither.
--
-- written_at and removed_at are Unix seconds (the same on both backends).
CREATE TABLE {s}versions (
    secret_id  uuid   NOT NULL,
    version    bigint NOT NULL CHECK (version >= 1),
    name       text   NOT NULL,
    written_at bigint NOT NULL,
    author     text   NOT NULL DEFAULT '',
    statement  bytea,
    sig        bytea,
    secret     text,
    key_id     uuid,
    nonce      bytea,
    removed_at bigint,
    PRIMARY KEY (secret_id, version)
);
-- Two indexes beside the key, each partial: every write opens every index
-- of the table, in a backend whose caches are cold (one per command), so
-- each costs a put measurably. Rotation finds a key's rows by key_id;
-- removed secrets are found by name (restore, history, purge) and expired
-- by removed_at, both among the removed rows only (live ones are found
-- through secrets.name).
CREATE INDEX versions_key_id_idx ON {s}versions (key_id) WHERE key_id IS NOT NULL;
CREATE INDEX versions_removed_idx ON {s}versions (name, removed_at) WHERE removed_at IS NOT NULL;
