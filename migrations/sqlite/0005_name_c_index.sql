-- vault schema, version 5 (SQLite): nothing to do. PostgreSQL gains an index
-- of names in bytewise order (see migrations/postgres/0005_name_c_index.sql);
-- SQLite's unique index on name is bytewise already (BINARY collation) and
-- serves `ls PREFIX` and completion as a range. Kept so both backends have
-- the same schema versions.
SELECT 1;
