-- vault schema, version 3 (PostgreSQL): the rotation mutex as a lease row.
-- `{s}` is vault's schema (`"vault".` unless --schema says otherwise), filled
-- in when the migration runs.
--
-- A session advisory lock does not survive a transaction pooler (PgBouncer in
-- transaction mode, Supavisor): it stays on whichever server connection ran
-- it. So `vault rotate` holds this single row instead, taken and renewed by
-- short transactions: it expires 60 s after the last renewal (every re-seal
-- batch renews it, and a batch commits only while its rotation holds it).
-- A rotation killed on the same host (same hostname, pid gone) is taken over
-- at once; otherwise the next `vault rotate` waits for the expiry.
CREATE TABLE {s}rotation_lease (
    id         boolean                  PRIMARY KEY DEFAULT true CHECK (id),
    holder     uuid                     NOT NULL,
    host       text                     NOT NULL,
    pid        integer                  NOT NULL,
    expires_at timestamp with time zone NOT NULL
);
