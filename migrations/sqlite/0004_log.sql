-- vault schema, version 4 (SQLite): the signed log of membership and key
-- changes, one row per entry from the genesis entry (seq 0). See
-- migrations/postgres/0004_log.sql.
CREATE TABLE log (
    seq   INTEGER PRIMARY KEY CHECK (seq >= 0),
    entry BLOB    NOT NULL
);
