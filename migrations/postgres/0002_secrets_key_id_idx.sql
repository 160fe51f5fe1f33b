-- vault schema, version 2 (PostgreSQL): find a key's secrets by index.
-- Rotation pages through the rows of one key in id order, and retiring a key
-- asks whether any row still refers to it. Without this index both depend on
-- the planner's statistics for key_id, which are stale right after a rotation
-- (every row just changed key): a batch then scanned the whole table.
CREATE INDEX secrets_key_id_idx ON {s}secrets USING btree (key_id, id);
