-- vault schema, version 2 (SQLite): find a key's secrets by index (rotation
-- batches in id order, and the check before a key is retired).
CREATE INDEX secrets_key_id_idx ON secrets (key_id, id);
