-- vault schema, version 3 (SQLite): the rotation lease table, kept so both
-- backends have the same logical schema. SQLite's rotation mutex stays an
-- flock on the database file (released by the kernel when vault dies); only
-- PostgreSQL uses this table (see migrations/postgres/0003_rotation_lease.sql).
CREATE TABLE rotation_lease (
    id         integer PRIMARY KEY CHECK (id = 1),
    holder     blob    NOT NULL,
    host       text    NOT NULL,
    pid        integer NOT NULL,
    expires_at text    NOT NULL
);
