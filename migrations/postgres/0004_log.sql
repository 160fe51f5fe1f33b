-- vault schema, version 4 (PostgreSQL): the signed log of membership and key
-- changes. `{s}` is vault's schema, filled in when the migration runs.
--
-- One row per entry, in order from the genesis entry (seq 0). Each entry is
-- signed by a member authorised at that point and names the hash of the one
-- before it (the encoding is in src/trust/log.rs). The database cannot forge
-- entries; clients verify the chain and pin its head, so deleting, editing
-- or reordering rows here is detected, never trusted. members, keys and
-- key_grants stay (readable by hand for recovery), but only what this log
-- says decides who holds a key.
CREATE TABLE {s}log (
    seq   bigint PRIMARY KEY CHECK (seq >= 0),
    entry bytea  NOT NULL
);
