-- vault schema, version 1 (PostgreSQL). `{s}` is vault's schema (`"vault".`
-- unless --schema says otherwise), filled in when the migration runs.
-- secrets is exactly the seed table (docs: shared/seed/vault.secrets.md);
-- the key tables beside it hold the envelope-encryption key model.

CREATE TABLE {s}secrets (
    id          uuid                     NOT NULL DEFAULT gen_random_uuid(),
    name        text,
    description text                     NOT NULL DEFAULT '',
    secret      text                     NOT NULL,
    key_id      uuid,
    nonce       bytea,
    created_at  timestamp with time zone NOT NULL DEFAULT now(),
    updated_at  timestamp with time zone NOT NULL DEFAULT now(),
    CONSTRAINT secrets_pkey PRIMARY KEY (id)
);
COMMENT ON TABLE {s}secrets IS 'Secrets sealed on the client with age; the secret column is always ciphertext.';
CREATE UNIQUE INDEX secrets_name_idx ON {s}secrets USING btree (name) WHERE (name IS NOT NULL);

-- updated_at follows every UPDATE, including ones made outside vault.
CREATE FUNCTION {s}touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;
CREATE TRIGGER secrets_touch_updated_at
    BEFORE UPDATE ON {s}secrets
    FOR EACH ROW EXECUTE FUNCTION {s}touch_updated_at();

-- A vault key: an age X25519 key pair. Only the public half is stored in clear.
CREATE TABLE {s}keys (
    id         uuid                     PRIMARY KEY,
    recipient  text                     NOT NULL,
    state      text                     NOT NULL CHECK (state IN ('current', 'retiring', 'retired')),
    created_at timestamp with time zone NOT NULL DEFAULT now(),
    retired_at timestamp with time zone
);
-- At most one key seals new secrets.
CREATE UNIQUE INDEX keys_one_current ON {s}keys ((true)) WHERE state = 'current';

-- The people and machines who may open the vault, by their personal age recipient.
CREATE TABLE {s}members (
    recipient text                     PRIMARY KEY,
    name      text                     NOT NULL UNIQUE,
    added_at  timestamp with time zone NOT NULL DEFAULT now(),
    added_by  text
);

-- A key's private half, sealed (age, armored) to one member's recipient.
CREATE TABLE {s}key_grants (
    key_id     uuid                     NOT NULL REFERENCES {s}keys (id) ON DELETE CASCADE,
    recipient  text                     NOT NULL REFERENCES {s}members (recipient) ON DELETE CASCADE,
    sealed_key text                     NOT NULL,
    created_at timestamp with time zone NOT NULL DEFAULT now(),
    PRIMARY KEY (key_id, recipient)
);
