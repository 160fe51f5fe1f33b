-- vault schema, version 5 (PostgreSQL): names in bytewise order, indexed.
-- `{s}` is vault's schema, filled in when the migration runs.
--
-- vault lists names bytewise (`ORDER BY name COLLATE "C"`) and finds the
-- names under a prefix as a bytewise range. The unique index on name follows
-- the database's collation (C.UTF-8 is not "C" to PostgreSQL 15), so it
-- serves neither: `ls PREFIX` and completion scanned every name, and `ls` of a
-- million names sorted on disk. This index serves both.
CREATE INDEX secrets_name_c_idx ON {s}secrets (name COLLATE "C") WHERE name IS NOT NULL;
