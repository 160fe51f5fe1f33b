//! Storage: one small trait, two implementations (PostgreSQL and SQLite),
//! and every transaction that decides who holds which key written once.
//!
//! sqlx lives only below this module, and nothing here knows of sealing: the
//! store speaks in rows and sealed strings and never sees a plaintext.
//! [`Store`] is what the core uses. Its shared transactions (bootstrap, key
//! switches and retirement, members, reads) are written once over
//! [`Backend`]'s neutral SQL calls and a [`sql::Dialect`]; each backend
//! implements only what genuinely differs: connecting, migrations, how a
//! transaction begins, and the fast paths (`put` with PostgreSQL's UNNEST,
//! re-seal batches, the one-statement fetch of everything, `rm`, the rotation
//! mutex).
//!
//! Operations that must be atomic with sealing (choosing the current key,
//! assigning row ids, writing) take a [`Sealer`] callback that runs inside
//! the transaction, after the locks are held, so a rotation can never retire
//! a key between "sealed to it" and "written".

use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use uuid::Uuid;

use crate::config::{Backend as Kind, DbUrl};
use crate::error::{Error, Result};
pub use crate::model::{
    BatchOutcome, KeyRecord, KeyStatus, MemberInfo, MemberRecord, Meta, PutItem, PutMode, PutOutcome,
    RotationState, Sealed, SealedRow, Slot,
};
use sql::{Arg, Row, Tx};

pub(crate) mod postgres;
pub(crate) mod sql;
pub(crate) mod sqlite;

/// The schema version this binary writes and expects.
pub const SCHEMA_VERSION: i64 = 3;

/// Seals values inside a store transaction, once the key and row ids are known.
pub trait Sealer: Sync {
    /// Seals the value of each slot's item (`slot.item` indexes the caller's
    /// items) for that slot's row. Returns `(row id, sealed value)` pairs;
    /// the store writes each sealed value to the row its id names, never by
    /// position.
    fn seal(&self, key: &KeyRecord, slots: &[Slot<'_>]) -> Result<Vec<(Uuid, Sealed)>>;
}

/// Re-seals locked rows inside a store transaction.
pub trait Resealer: Sync {
    /// One result per row, in order: the row's value sealed to the new key
    /// for the same (id, name), or why the row could not be opened.
    fn reseal(&self, rows: &[SealedRow]) -> Vec<Result<Sealed>>;
}

/// Seals grants for a new member inside a store transaction.
pub trait Granter {
    /// `current` is the current key and `retiring` any key a half-done
    /// rotation is moving away from, each with the adder's grant. Returns
    /// `(key id, grant)` pairs for the new member.
    fn grant(&self, current: &KeyRecord, retiring: &[KeyRecord]) -> Result<Vec<(Uuid, String)>>;
}

/// How to open a store.
#[derive(Clone, Debug)]
pub struct OpenOptions {
    /// `vault init` only: an embedded database file may be created.
    pub create: bool,
    /// Never write (shell completion): SQLite is opened read-only.
    pub read_only: bool,
    /// How long to wait for a connection before giving up.
    pub timeout: Duration,
    /// PostgreSQL: the schema holding vault's tables (checked by
    /// [`crate::config::check_schema`]). SQLite has no schemas.
    pub schema: String,
}

/// Connects to the database `url` names. Does not check the schema.
pub async fn open(url: &DbUrl, opts: OpenOptions) -> Result<Store> {
    let backend: Box<dyn Backend> = match url.backend() {
        Kind::Postgres => Box::new(postgres::PgStore::connect(url, &opts).await?),
        Kind::Sqlite => Box::new(sqlite::SqliteStore::open(url, opts).await?),
    };
    Ok(Store { db: backend })
}

/// What each backend implements: neutral SQL execution for the shared
/// transactions, plus the operations whose best form differs per backend.
#[async_trait(?Send)]
pub(crate) trait Backend {
    /// How this backend spells what differs.
    fn dialect(&self) -> &sql::Dialect;

    // ---- neutral SQL (templates are filled by the dialect first) ----

    /// Begins a transaction of the given kind.
    async fn begin(&mut self, tx: Tx) -> Result<()>;
    async fn commit(&mut self) -> Result<()>;
    async fn rollback(&mut self) -> Result<()>;
    /// Runs a statement; the number of rows it changed.
    async fn execute(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<u64>;
    /// Runs an INSERT; `None` when it violated a unique constraint.
    async fn insert(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<Option<u64>>;
    async fn fetch_all(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<Vec<Row>>;
    async fn fetch_optional(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<Option<Row>>;
    /// Streams rows to `each` without collecting them.
    async fn for_each(
        &mut self,
        sql: &str,
        args: &[Arg<'_>],
        each: &mut dyn for<'r> FnMut(&'r Row) -> Result<()>,
    ) -> Result<()>;

    // ---- per backend ----

    /// Creates or upgrades the schema (`vault init`). Refuses a database whose
    /// schema was made by something else, or by a newer vault.
    async fn migrate(&mut self) -> Result<()>;
    /// One cheap read that the schema exists, is vault's, and is this version.
    async fn check_schema(&mut self) -> Result<()>;
    /// See [`Store::fetch_all`].
    async fn fetch_sealed(
        &mut self,
        prefix: Option<&str>,
        member: &str,
    ) -> Result<(Vec<SealedRow>, Vec<KeyRecord>)>;
    /// In the caller's `KeysShared` transaction, with `key` current: the ids
    /// of those `names` that exist, with their rows locked against rotation.
    async fn lock_existing(&mut self, names: &[&str]) -> Result<HashMap<String, Uuid>>;
    /// In the same transaction: writes the sealed rows (created rows first
    /// inserted, others updated). `Ok(false)` when an insert lost a race to
    /// another writer creating the same name (the caller retries).
    async fn write_rows(&mut self, key: Uuid, rows: &[WriteRow<'_>]) -> Result<bool>;
    /// Removes every named secret, or none: a missing name is `NotFound`.
    async fn remove(&mut self, names: &[String]) -> Result<()>;
    /// Takes the rotation mutex without waiting: false when another process
    /// holds it. Held until [`Backend::unlock_rotation`] or the process ends.
    async fn lock_rotation(&mut self) -> Result<bool>;
    async fn unlock_rotation(&mut self) -> Result<()>;
    /// PostgreSQL: every row of Supabase Vault's `vault.decrypted_secrets`
    /// (id, name, description, decrypted value), in one read-only snapshot.
    async fn read_supabase_vault(&mut self) -> Result<Vec<ForeignSecret>> {
        Err(
            Error::usage("Supabase Vault lives in PostgreSQL; this vault is an embedded SQLite file")
                .hint("use --database-url postgres://… for the Supabase project"),
        )
    }
    /// In one transaction: locks up to `limit` rows sealed to `from` with an
    /// id above `after` (in id order), re-seals them with `resealer` and
    /// writes those that opened back as sealed to `to`. Rows that did not
    /// open are left exactly as they were.
    async fn reseal_batch(
        &mut self,
        from: Uuid,
        to: Uuid,
        after: Option<Uuid>,
        limit: usize,
        resealer: &dyn Resealer,
    ) -> Result<BatchOutcome>;
}

/// A secret read from another store (Supabase Vault): the value in clear,
/// wiped when dropped.
pub struct ForeignSecret {
    pub id: Uuid,
    pub name: Option<String>,
    pub description: String,
    pub value: Option<crate::model::Value>,
}

/// One sealed row a put writes.
pub(crate) struct WriteRow<'a> {
    pub id: Uuid,
    pub name: &'a str,
    pub created: bool,
    /// `None` keeps the existing description ('' for a new row).
    pub description: Option<&'a str>,
    pub sealed: Sealed,
}

/// An open vault database.
pub struct Store {
    db: Box<dyn Backend>,
}

/// Runs `$body` (an async block using `$db`) in a transaction of kind `$tx`:
/// commits when it returns `Ok`, rolls back when it returns `Err`.
macro_rules! in_tx {
    ($db:expr, $tx:expr, $body:expr) => {{
        $db.begin($tx).await?;
        let out: Result<_> = $body.await;
        match out {
            Ok(v) => {
                $db.commit().await?;
                Ok(v)
            }
            Err(e) => {
                // The error that ended the transaction is the one to report.
                let _ = $db.rollback().await;
                Err(e)
            }
        }
    }};
}

fn key_record(r: &Row, id: &str) -> Result<Option<KeyRecord>> {
    let id: Option<Uuid> = r.get(id)?;
    Ok(match id {
        Some(id) => Some(KeyRecord {
            id,
            recipient: r.get("recipient")?,
            grant: r.get("sealed_key")?,
        }),
        None => None,
    })
}

fn member_record(r: &Row) -> Result<MemberRecord> {
    Ok(MemberRecord {
        recipient: r.get("recipient")?,
        name: r.get("name")?,
        added_at: r.get("added_at")?,
        added_by: r.get("added_by")?,
    })
}

pub(crate) fn sealed_row(r: &Row) -> Result<SealedRow> {
    Ok(SealedRow {
        id: r.get("id")?,
        name: r.get("name")?,
        secret: r.get("secret")?,
        key_id: r.get("key_id")?,
        nonce: r.get("nonce")?,
    })
}

/// The statement reading the current key with `$1`'s grant.
const CURRENT_KEY: &str = "SELECT k.id, k.recipient, g.sealed_key FROM {s}keys k \
     LEFT JOIN {s}key_grants g ON g.key_id = k.id AND g.recipient = $1 \
     WHERE k.state = 'current'";

impl Store {
    fn sql(&self, template: &str) -> String {
        self.db.dialect().sql(template)
    }

    /// Creates or upgrades the schema (`vault init`).
    pub async fn migrate(&mut self) -> Result<()> {
        self.db.migrate().await
    }

    /// One cheap read that the schema exists, is vault's, and is this version.
    pub async fn check_schema(&mut self) -> Result<()> {
        self.db.check_schema().await
    }

    /// Stores a key as the current one with its grants, `(recipient, sealed
    /// private half)`, in the caller's transaction (`init` and key switches).
    async fn insert_current_key(
        &mut self,
        id: Uuid,
        recipient: &str,
        grants: &[(String, String)],
    ) -> Result<()> {
        let key = self.sql("INSERT INTO {s}keys (id, recipient, state) VALUES ($1, $2, 'current')");
        self.db
            .execute(&key, &[Arg::Uuid(id), Arg::Text(recipient)])
            .await?;
        let grant = self.sql("INSERT INTO {s}key_grants (key_id, recipient, sealed_key) VALUES ($1, $2, $3)");
        for (member, sealed) in grants {
            self.db
                .execute(&grant, &[Arg::Uuid(id), Arg::Text(member), Arg::Text(sealed)])
                .await?;
        }
        Ok(())
    }

    /// Creates the first vault key and its founding member if the vault has
    /// no key yet, atomically. Returns false (and writes nothing) otherwise.
    pub async fn bootstrap(
        &mut self,
        founder: &MemberRecord,
        key_id: Uuid,
        key_recipient: &str,
        grant: &str,
    ) -> Result<bool> {
        in_tx!(self.db, Tx::KeysExclusive, async {
            let count = self.sql("SELECT count(*) AS n FROM {s}keys");
            let keys: i64 = self.db.fetch_all(&count, &[]).await?[0].get("n")?;
            if keys > 0 {
                return Ok(false);
            }
            let add = self.sql("INSERT INTO {s}members (recipient, name, added_by) VALUES ($1, $2, NULL)");
            self.db
                .execute(&add, &[Arg::Text(&founder.recipient), Arg::Text(&founder.name)])
                .await?;
            self.insert_current_key(
                key_id,
                key_recipient,
                &[(founder.recipient.clone(), grant.to_owned())],
            )
            .await?;
            Ok(true)
        })
    }

    /// The current vault key, with `member`'s grant if they hold one.
    pub async fn current_key(&mut self, member: &str) -> Result<Option<KeyRecord>> {
        let sql = self.sql(CURRENT_KEY);
        match self.db.fetch_optional(&sql, &[Arg::Text(member)]).await? {
            Some(r) => key_record(&r, "id"),
            None => Ok(None),
        }
    }

    /// The member with this recipient, if any.
    pub async fn member(&mut self, recipient: &str) -> Result<Option<MemberRecord>> {
        let sql = self.sql("SELECT recipient, name, added_at, added_by FROM {s}members WHERE recipient = $1");
        self.db
            .fetch_optional(&sql, &[Arg::Text(recipient)])
            .await?
            .map(|r| member_record(&r))
            .transpose()
    }

    /// One sealed row by name, with the key it refers to (and `member`'s
    /// grant for it). The key is `None` when the row's key id names no key
    /// that is still in use.
    pub async fn get(&mut self, name: &str, member: &str) -> Result<Option<(SealedRow, Option<KeyRecord>)>> {
        let sql = self.sql(
            "SELECT s.id, s.name, s.secret, s.key_id, s.nonce, k.id AS kid, k.recipient, g.sealed_key \
             FROM {s}secrets s \
             LEFT JOIN {s}keys k ON k.id = s.key_id AND k.state <> 'retired' \
             LEFT JOIN {s}key_grants g ON g.key_id = k.id AND g.recipient = $2 \
             WHERE s.name = $1",
        );
        match self
            .db
            .fetch_optional(&sql, &[Arg::Text(name), Arg::Text(member)])
            .await?
        {
            Some(r) => Ok(Some((sealed_row(&r)?, key_record(&r, "kid")?))),
            None => Ok(None),
        }
    }

    /// Streams metadata, sorted bytewise by name, to `each` without
    /// collecting it. With `prefix`, only names starting with it.
    pub async fn list(
        &mut self,
        prefix: Option<&str>,
        each: &mut dyn FnMut(Meta) -> Result<()>,
    ) -> Result<()> {
        let sql = self.sql(&format!(
            "SELECT id, name, description, key_id, created_at, updated_at FROM {{s}}secrets \
             WHERE $1 IS NULL OR {} ORDER BY name{{C}}",
            (self.db.dialect().starts_with)("$1")
        ));
        self.db
            .for_each(&sql, &[Arg::OptText(prefix)], &mut |r| {
                each(Meta {
                    id: r.get("id")?,
                    name: r.get("name")?,
                    description: r.get("description")?,
                    key_id: r.get("key_id")?,
                    created_at: r.get("created_at")?,
                    updated_at: r.get("updated_at")?,
                })
            })
            .await
    }

    /// Streams only the names, sorted like [`Store::list`], to `each`
    /// without collecting them (piped `ls`, completion). Rows without a name
    /// are skipped.
    pub async fn list_names(
        &mut self,
        prefix: Option<&str>,
        each: &mut dyn for<'n> FnMut(&'n str) -> Result<()>,
    ) -> Result<()> {
        // `name IS NOT NULL` lets the planner use the partial unique index.
        let sql = self.sql(&format!(
            "SELECT name FROM {{s}}secrets WHERE name IS NOT NULL AND ($1 IS NULL OR {}) ORDER BY name{{C}}",
            (self.db.dialect().starts_with)("$1")
        ));
        self.db
            .for_each(&sql, &[Arg::OptText(prefix)], &mut |r| each(r.str0()?))
            .await
    }

    /// All sealed rows (or those whose name starts with `prefix`), sorted by
    /// name, in one snapshot, plus every key `member` holds a grant for.
    pub async fn fetch_all(
        &mut self,
        prefix: Option<&str>,
        member: &str,
    ) -> Result<(Vec<SealedRow>, Vec<KeyRecord>)> {
        self.db.fetch_sealed(prefix, member).await
    }

    /// Writes all items in one transaction, sealing with `sealer` after the
    /// current key is locked against rotation. All or nothing.
    pub async fn put(
        &mut self,
        items: &[PutItem],
        mode: PutMode,
        member: &str,
        sealer: &dyn Sealer,
    ) -> Result<Vec<PutOutcome>> {
        // Another writer may create one of these names between our look and
        // our insert (PostgreSQL; SQLite's write lock excludes it): retry.
        for _ in 0..10 {
            let attempt = in_tx!(self.db, Tx::KeysShared, async {
                self.try_put(items, mode, member, sealer).await
            })?;
            match attempt {
                Some(done) => return Ok(done),
                None if mode == PutMode::CreateOnly => {
                    return Err(exists_error(items.iter().map(|i| &i.name)));
                }
                None => {}
            }
        }
        Err(Error::conflict("other writers kept creating the same names").hint("try again"))
    }

    /// One attempt of [`Store::put`] inside its transaction; `None` when it
    /// lost a race to create a name (and must be rolled back and retried).
    async fn try_put(
        &mut self,
        items: &[PutItem],
        mode: PutMode,
        member: &str,
        sealer: &dyn Sealer,
    ) -> Result<Option<Vec<PutOutcome>>> {
        let key = self.current_key(member).await?.ok_or_else(no_key)?;
        let names: Vec<&str> = items.iter().map(|i| i.name.as_str()).collect();
        let existing = self.db.lock_existing(&names).await?;
        if mode == PutMode::CreateOnly && !existing.is_empty() {
            return Err(exists_error(existing.keys()));
        }
        let slots: Vec<Slot<'_>> = items
            .iter()
            .enumerate()
            .map(|(item, i)| match existing.get(&i.name) {
                Some(id) => Slot {
                    id: *id,
                    name: &i.name,
                    created: false,
                    item,
                },
                None => Slot {
                    id: Uuid::new_v4(),
                    name: &i.name,
                    created: true,
                    item,
                },
            })
            .collect();
        let mut sealed: HashMap<Uuid, Sealed> = sealer.seal(&key, &slots)?.into_iter().collect();
        let mut rows = Vec::with_capacity(slots.len());
        for slot in &slots {
            // Each value goes to the row it was sealed for: the sealer names it.
            let s = sealed.remove(&slot.id).ok_or_else(|| {
                Error::internal(format!(
                    "no sealed value was made for {}",
                    crate::name::escape(slot.name)
                ))
            })?;
            rows.push(WriteRow {
                id: slot.id,
                name: slot.name,
                created: slot.created,
                description: items[slot.item].description.as_deref(),
                sealed: s,
            });
        }
        if !self.db.write_rows(key.id, &rows).await? {
            return Ok(None);
        }
        Ok(Some(
            slots
                .into_iter()
                .map(|s| PutOutcome {
                    id: s.id,
                    name: s.name.to_owned(),
                    created: s.created,
                    key_id: key.id,
                })
                .collect(),
        ))
    }

    /// Removes every named secret, or none: a missing name is `NotFound`.
    pub async fn remove(&mut self, names: &[String]) -> Result<()> {
        self.db.remove(names).await
    }

    // ---- rotation ----

    /// Takes the rotation mutex without waiting: false when another process
    /// holds it. Held until [`Store::unlock_rotation`] or the process ends
    /// (or, on PostgreSQL, the connection is lost).
    pub async fn lock_rotation(&mut self) -> Result<bool> {
        self.db.lock_rotation().await
    }

    /// Releases the rotation mutex.
    pub async fn unlock_rotation(&mut self) -> Result<()> {
        self.db.unlock_rotation().await
    }

    /// The keys that are not retired, with `member`'s grants and how many
    /// secrets each one seals, and the number of secrets in the vault.
    pub async fn rotation_state(&mut self, member: &str) -> Result<RotationState> {
        // One snapshot, so the counts agree with the key states.
        in_tx!(self.db, Tx::Snapshot, async {
            let counts = self.sql("SELECT key_id, count(*) AS n FROM {s}secrets GROUP BY key_id");
            let counts: HashMap<Option<Uuid>, i64> = self
                .db
                .fetch_all(&counts, &[])
                .await?
                .iter()
                .map(|r| Ok((r.get("key_id")?, r.get("n")?)))
                .collect::<Result<_>>()?;
            let keys = self.sql(
                "SELECT k.id, k.recipient, k.state, g.sealed_key FROM {s}keys k \
                 LEFT JOIN {s}key_grants g ON g.key_id = k.id AND g.recipient = $1 \
                 WHERE k.state <> 'retired' ORDER BY k.created_at, k.id",
            );
            let mut keys_out = Vec::new();
            for r in self.db.fetch_all(&keys, &[Arg::Text(member)]).await? {
                let retiring = r.get::<String>("state")? == "retiring";
                if let Some(key) = key_record(&r, "id")? {
                    keys_out.push(KeyStatus {
                        secrets: counts.get(&Some(key.id)).copied().unwrap_or(0) as u64,
                        key,
                        retiring,
                    });
                }
            }
            Ok(RotationState {
                keys: keys_out,
                secrets: counts.values().sum::<i64>() as u64,
            })
        })
    }

    /// Every secret of Supabase Vault in this database (`vault.decrypted_secrets`),
    /// read without changing it.
    pub async fn read_supabase_vault(&mut self) -> Result<Vec<ForeignSecret>> {
        self.db.read_supabase_vault().await
    }

    /// The members holding a grant on `key`, sorted by name bytewise.
    pub async fn grantees(&mut self, key: Uuid) -> Result<Vec<MemberRecord>> {
        let sql = self.sql(
            "SELECT m.recipient, m.name, m.added_at, m.added_by FROM {s}key_grants g \
             JOIN {s}members m ON m.recipient = g.recipient WHERE g.key_id = $1 ORDER BY m.name{C}",
        );
        self.db
            .fetch_all(&sql, &[Arg::Uuid(key)])
            .await?
            .iter()
            .map(member_record)
            .collect()
    }

    /// In one transaction that excludes every writer: stores the new key
    /// with its `grants` (recipient, sealed key), makes `old` 'retiring' and
    /// the new key 'current'. Writes nothing and returns the recipients left
    /// out when some member holding a grant on `old` has none in `grants`
    /// (a member was added meanwhile). A conflict if `old` is not current.
    pub async fn switch_key(
        &mut self,
        old: Uuid,
        new_id: Uuid,
        new_recipient: &str,
        grants: &[(String, String)],
    ) -> Result<Vec<String>> {
        // Exclusive: waits for every put that sealed to `old` to commit, and
        // makes every later put read the new key.
        in_tx!(self.db, Tx::KeysExclusive, async {
            let state = self.sql("SELECT state FROM {s}keys WHERE id = $1");
            let state: Option<String> = match self.db.fetch_optional(&state, &[Arg::Uuid(old)]).await? {
                Some(r) => Some(r.get("state")?),
                None => None,
            };
            if state.as_deref() != Some("current") {
                return Err(key_changed(old));
            }
            let holders = self.sql("SELECT recipient FROM {s}key_grants WHERE key_id = $1");
            let mut missing = Vec::new();
            for r in self.db.fetch_all(&holders, &[Arg::Uuid(old)]).await? {
                let h: String = r.get("recipient")?;
                if !grants.iter().any(|(g, _)| *g == h) {
                    missing.push(h);
                }
            }
            if !missing.is_empty() {
                return Ok(missing);
            }
            let retiring = self.sql("UPDATE {s}keys SET state = 'retiring' WHERE id = $1");
            self.db.execute(&retiring, &[Arg::Uuid(old)]).await?;
            self.insert_current_key(new_id, new_recipient, grants).await?;
            Ok(vec![])
        })
    }

    /// In one transaction: locks up to `limit` rows sealed to `from` with an
    /// id above `after` (in id order), re-seals them with `resealer` and
    /// writes those that opened back as sealed to `to`. Rows that did not
    /// open are left exactly as they were.
    pub async fn reseal_batch(
        &mut self,
        from: Uuid,
        to: Uuid,
        after: Option<Uuid>,
        limit: usize,
        resealer: &dyn Resealer,
    ) -> Result<BatchOutcome> {
        self.db.reseal_batch(from, to, after, limit, resealer).await
    }

    /// If no secret refers to `key` any more: deletes its grants and marks
    /// it 'retired' (true). Otherwise changes nothing (false).
    pub async fn retire_key(&mut self, key: Uuid) -> Result<bool> {
        in_tx!(self.db, Tx::KeysExclusive, async {
            let used = self.sql("SELECT id FROM {s}secrets WHERE key_id = $1 LIMIT 1");
            if self.db.fetch_optional(&used, &[Arg::Uuid(key)]).await?.is_some() {
                return Ok(false);
            }
            let grants = self.sql("DELETE FROM {s}key_grants WHERE key_id = $1");
            self.db.execute(&grants, &[Arg::Uuid(key)]).await?;
            let retire = self.sql(
                "UPDATE {s}keys SET state = 'retired', retired_at = {now} WHERE id = $1 AND state = 'retiring'",
            );
            self.db.execute(&retire, &[Arg::Uuid(key)]).await?;
            Ok(true)
        })
    }

    // ---- members ----

    /// Every member, sorted by name bytewise, with whether they hold the
    /// current key.
    pub async fn members(&mut self) -> Result<Vec<MemberInfo>> {
        let sql = self.sql(
            "SELECT m.recipient, m.name, m.added_at, m.added_by, (g.key_id IS NOT NULL) AS has_current \
             FROM {s}members m \
             LEFT JOIN {s}keys k ON k.state = 'current' \
             LEFT JOIN {s}key_grants g ON g.key_id = k.id AND g.recipient = m.recipient \
             ORDER BY m.name{C}",
        );
        self.db
            .fetch_all(&sql, &[])
            .await?
            .iter()
            .map(|r| {
                Ok(MemberInfo {
                    member: member_record(r)?,
                    has_current_key: r.get("has_current")?,
                })
            })
            .collect()
    }

    /// Adds `member` (added by `adder`) with grants of the current key and of
    /// any retiring key, made by `granter` inside the transaction once the
    /// keys are locked against rotation. A member with the same recipient or
    /// name is a conflict and nothing is written.
    pub async fn add_member(
        &mut self,
        member: &MemberRecord,
        adder: &str,
        granter: &dyn Granter,
    ) -> Result<()> {
        // Exclusive: no key switch may happen between reading the keys and
        // committing the grants, or the new member could miss the new key.
        in_tx!(self.db, Tx::KeysExclusive, async {
            let existing = self.sql(
                "SELECT recipient, name, added_at, added_by FROM {s}members \
                 WHERE recipient = $1 OR name = $2 ORDER BY (recipient = $1) DESC LIMIT 1",
            );
            let args = [Arg::Text(&member.recipient), Arg::Text(&member.name)];
            if let Some(r) = self.db.fetch_optional(&existing, &args).await? {
                return Err(member_exists(&member_record(&r)?, member));
            }
            let keys = self.sql(
                "SELECT k.id, k.recipient, k.state, g.sealed_key FROM {s}keys k \
                 LEFT JOIN {s}key_grants g ON g.key_id = k.id AND g.recipient = $1 \
                 WHERE k.state IN ('current', 'retiring') ORDER BY k.created_at",
            );
            let (mut current, mut retiring) = (None, Vec::new());
            for r in self.db.fetch_all(&keys, &[Arg::Text(adder)]).await? {
                let state: String = r.get("state")?;
                if let Some(k) = key_record(&r, "id")? {
                    if state == "current" {
                        current = Some(k);
                    } else {
                        retiring.push(k);
                    }
                }
            }
            let current = current.ok_or_else(no_key)?;
            let grants = granter.grant(&current, &retiring)?;
            let add = self.sql("INSERT INTO {s}members (recipient, name, added_by) VALUES ($1, $2, $3)");
            let args = [
                Arg::Text(&member.recipient),
                Arg::Text(&member.name),
                Arg::Text(adder),
            ];
            if self.db.insert(&add, &args).await?.is_none() {
                return Err(Error::conflict(
                    "that member was added by someone else just now; nothing was changed",
                )
                .hint("see `vault member ls`"));
            }
            let grant =
                self.sql("INSERT INTO {s}key_grants (key_id, recipient, sealed_key) VALUES ($1, $2, $3)");
            for (key_id, sealed) in &grants {
                let args = [
                    Arg::Uuid(*key_id),
                    Arg::Text(&member.recipient),
                    Arg::Text(sealed),
                ];
                self.db.execute(&grant, &args).await?;
            }
            Ok(())
        })
    }

    /// Removes the member with this recipient and, by cascade, every grant
    /// they hold, in one transaction. Refuses to remove the last member
    /// (conflict) and a member who is not there (not found).
    pub async fn remove_member(&mut self, recipient: &str) -> Result<()> {
        in_tx!(self.db, Tx::KeysExclusive, async {
            let others = self.sql("SELECT count(*) AS n FROM {s}members WHERE recipient <> $1");
            let others: i64 = self.db.fetch_all(&others, &[Arg::Text(recipient)]).await?[0].get("n")?;
            let name = self.sql("SELECT name FROM {s}members WHERE recipient = $1");
            let Some(row) = self.db.fetch_optional(&name, &[Arg::Text(recipient)]).await? else {
                return Err(no_member(&short_recipient(recipient)));
            };
            let name: String = row.get("name")?;
            if others == 0 {
                return Err(last_member(&name));
            }
            // Grants go by ON DELETE CASCADE (SQLite: foreign_keys is on for
            // every connection).
            let delete = self.sql("DELETE FROM {s}members WHERE recipient = $1");
            self.db.execute(&delete, &[Arg::Text(recipient)]).await?;
            Ok(())
        })
    }
}

/// The key a rotation started from stopped being current under it.
pub(crate) fn key_changed(old: Uuid) -> Error {
    Error::conflict(format!("vault key {old} stopped being current while rotating"))
        .hint("another process changed the keys; run `vault rotate` again")
}

/// The rotation mutex is held by someone else.
pub(crate) fn rotation_running() -> Error {
    Error::conflict("another `vault rotate` is running on this vault")
        .hint("wait for it to finish; nothing was changed")
}

/// The vault has no current key (it was never initialised, or altered).
pub(crate) fn no_key() -> Error {
    Error::database("this vault has no current key").hint("run `vault init` to create one")
}

/// The conflict error for names that already exist.
pub(crate) fn exists_error<S: AsRef<str>>(names: impl Iterator<Item = S>) -> Error {
    let mut shown: Vec<String> = names.map(|n| crate::name::escape(n.as_ref())).collect();
    shown.sort();
    let list = shown.join(", ");
    Error::conflict(format!("{list} already exists; nothing was changed"))
        .hint("drop --no-overwrite to replace it, or choose another name")
}

/// Maps an error from a query (not from connecting) to a user-facing error.
/// The driver's message is included: vault binds only ciphertexts, names and
/// ids, so it cannot contain a plaintext.
pub(crate) fn query_error(url: &DbUrl, e: sqlx::Error) -> Error {
    match e {
        sqlx::Error::Io(io) => Error::database(format!("lost the connection to {url}: {io}"))
            .hint("check that the database is running and try again"),
        // 25006: read_only_sql_transaction (a hot standby, or a session
        // made read-only by default_transaction_read_only).
        sqlx::Error::Database(db) if db.code().as_deref() == Some("25006") => Error::database(format!(
            "the server at {url} is read-only (a hot standby?), so this command cannot write there: {}",
            db.message()
        ))
        .hint("connect to the primary (e.g. target_session_attrs=read-write in a multi-host URL)"),
        sqlx::Error::Database(db) => {
            let code = db.code().map(|c| format!(" [{c}]")).unwrap_or_default();
            Error::database(format!("database error from {url}{code}: {}", db.message()))
                .hint("check the database and try again")
        }
        other => Error::database(format!("database error from {url}: {other}"))
            .hint("check the database and try again"),
    }
}

/// The standard error for a name that does not exist.
pub(crate) fn not_found(names: &[&str]) -> Error {
    let shown: Vec<String> = names.iter().map(|n| crate::name::escape(n)).collect();
    let what = if shown.len() == 1 {
        format!("no secret named {}", shown[0])
    } else {
        format!("no secrets named {}", shown.join(", "))
    };
    Error::not_found(what).hint("list names with `vault ls`")
}

pub(crate) fn not_initialised(url: &DbUrl) -> Error {
    Error::database(format!("{url} holds no vault"))
        .hint("run `vault init` (with the same --database-url) to create one")
}

pub(crate) fn newer_schema(url: &DbUrl, found: i64) -> Error {
    Error::database(format!(
        "{url} was written by a newer vault (schema version {found}; this vault knows up to {SCHEMA_VERSION})"
    ))
    .hint("upgrade vault; nothing was changed")
}

pub(crate) fn older_schema(url: &DbUrl, found: i64) -> Error {
    Error::database(format!(
        "{url} holds an older vault schema (version {found}, this vault needs {SCHEMA_VERSION})"
    ))
    .hint("run `vault init` to upgrade it")
}

/// The conflict error for a member who is already there.
pub(crate) fn member_exists(existing: &MemberRecord, wanted: &MemberRecord) -> Error {
    if existing.recipient == wanted.recipient {
        Error::conflict(format!(
            "{} is already a member, as {}; nothing was changed",
            short_recipient(&wanted.recipient),
            crate::name::escape(&existing.name)
        ))
        .hint("see `vault member ls`")
    } else {
        Error::conflict(format!(
            "a member named {} already exists; nothing was changed",
            crate::name::escape(&wanted.name)
        ))
        .hint("choose another --name")
    }
}

/// The conflict error for removing the only member.
pub fn last_member(name: &str) -> Error {
    Error::conflict(format!(
        "{} is the last member; removing them would leave nobody able to open the vault",
        crate::name::escape(name)
    ))
    .hint("add another member first")
}

/// The not-found error for a member.
pub(crate) fn no_member(shown: &str) -> Error {
    Error::not_found(format!("no member {shown}")).hint("see `vault member ls`")
}

/// A recipient shortened for messages and tables: SSH keys are long and
/// start alike, so keep the type and the end.
pub fn short_recipient(recipient: &str) -> String {
    // By characters, not bytes: a recipient planted in the database may
    // hold multi-byte characters, and slicing inside one would panic.
    match recipient.split_once(' ') {
        Some((kind, key)) if key.chars().count() > 16 => {
            let tail: String = key.chars().skip(key.chars().count() - 16).collect();
            format!("{kind} …{tail}")
        }
        _ => recipient.to_owned(),
    }
}

/// Checks that a backend's migration list names every file of
/// `migrations/DIR/`, in order, with the file's exact text.
#[cfg(test)]
pub(crate) fn check_migrations(dir: &str, listed: &[(i64, &str, &str)]) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(dir);
    let mut files: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    assert_eq!(
        files.len(),
        listed.len(),
        "migrations/{dir}/ and the list in the code disagree"
    );
    for (file, (version, _, sql)) in files.iter().zip(listed) {
        let stem = file.file_name().unwrap().to_str().unwrap();
        let number: i64 = stem.split('_').next().unwrap().parse().unwrap();
        assert_eq!(number, *version, "{stem} is listed as version {version}");
        assert_eq!(
            &std::fs::read_to_string(file).unwrap(),
            sql,
            "{stem} differs from the listed text"
        );
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn short_recipients_cut_by_characters() {
        assert_eq!(super::short_recipient("age1abc"), "age1abc");
        let ssh = format!("ssh-ed25519 AAAA{}", "B".repeat(40));
        assert_eq!(
            super::short_recipient(&ssh),
            format!("ssh-ed25519 …{}", "B".repeat(16))
        );
        let planted = format!("x {}", "é".repeat(20));
        assert_eq!(super::short_recipient(&planted), format!("x …{}", "é".repeat(16)));
    }
}
