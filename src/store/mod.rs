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
    BatchOutcome, GotRow, KeyRecord, KeyStatus, LogRow, Logged, MemberInfo, MemberRecord, Meta, PutItem,
    PutMode, PutOutcome, Repair, ResealCursor, Retention, Rewrite, RewriteKind, RotationState, Sealed,
    SealedRow, SealedVersion, Slot, Tables, VersionMeta, VersionRow, Versions,
};
use sql::{Arg, Row, Tx};

pub(crate) mod postgres;
mod session;
pub(crate) mod sql;
pub(crate) mod sqlite;

/// The schema version this binary writes and expects.
pub const SCHEMA_VERSION: i64 = 6;

/// How much history a store keeps unless told otherwise.
pub const DEFAULT_RETENTION: Retention = Retention {
    versions: 10,
    removed_secs: 30 * 24 * 3600,
};

/// Archives the current value of secrets written before versions: their
/// version 1 row, with the ciphertext. `{ids}` is `= ANY($1)` (PostgreSQL)
/// or `= $1` (SQLite, once per id).
pub(crate) const ARCHIVE_LEGACY: &str = "INSERT INTO {s}versions (secret_id, version, name, written_at, secret, key_id, nonce) \
     SELECT s.id, 1, s.name, {updated_epoch}, s.secret, s.key_id, s.nonce FROM {s}secrets s \
     WHERE s.id {ids} AND s.name IS NOT NULL \
       AND NOT EXISTS (SELECT 1 FROM {s}versions v WHERE v.secret_id = s.id)";
/// Archives the current value of secrets: their current version row (the
/// one without a ciphertext) gets the secrets row's.
///
/// (PostgreSQL runs both as one statement, [`ARCHIVE_BOTH_PG`].)
pub(crate) const ARCHIVE_BOTH_PG: &str = "WITH legacy AS (\
     INSERT INTO {s}versions (secret_id, version, name, written_at, secret, key_id, nonce) \
     SELECT s.id, 1, s.name, {updated_epoch}, s.secret, s.key_id, s.nonce FROM {s}secrets s \
     WHERE s.id = ANY($1) AND s.name IS NOT NULL \
       AND NOT EXISTS (SELECT 1 FROM {s}versions v WHERE v.secret_id = s.id) \
     RETURNING secret_id, version), \
     cur AS (UPDATE {s}versions AS v SET secret = s.secret, key_id = s.key_id, nonce = s.nonce \
     FROM {s}secrets s WHERE s.id = ANY($1) AND v.secret_id = s.id AND v.secret IS NULL \
     RETURNING v.secret_id, v.version) \
     SELECT secret_id, version FROM legacy UNION ALL SELECT secret_id, version FROM cur";
pub(crate) const ARCHIVE_CURRENT: &str = "UPDATE {s}versions AS v SET secret = s.secret, key_id = s.key_id, nonce = s.nonce \
     FROM {s}secrets s WHERE s.id {ids} AND v.secret_id = s.id AND v.secret IS NULL";

/// Seals values inside a store transaction, once the key and row ids are known.
pub trait Sealer: Sync {
    /// Seals the value of each slot's item (`slot.item` indexes the caller's
    /// items) for that slot's row, as the slot's version. Returns `(row id,
    /// sealed version)` pairs; the store writes each sealed value to the row
    /// its id names, never by position.
    fn seal(&self, key: &KeyRecord, slots: &[Slot<'_>]) -> Result<Vec<(Uuid, SealedVersion)>>;

    /// A value sealed ahead for `name` as a NEW secret under `key` (version
    /// 1 of the row id returned, which it is bound to), if there is one: the
    /// store uses it when `name` turns out not to exist, and seals every
    /// other slot with [`Sealer::seal`]. A streamed import seals the next
    /// chunk this way while the store writes the current one.
    fn sealed_ahead(&self, _key: &KeyRecord, _name: &str) -> Option<(Uuid, SealedVersion)> {
        None
    }
}

/// A [`Resealer`] a backend may hand to another thread (SQLite re-seals
/// the next rows of a batch while it writes the ones before).
pub type SharedResealer = std::sync::Arc<dyn Resealer + Send>;

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
    /// Never write (shell completion, `get`): SQLite is opened read-only,
    /// which also leaves its -wal/-shm files in place when it closes.
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
    Ok(Store {
        db: backend,
        retention: DEFAULT_RETENTION,
    })
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
    /// Runs `sql`, a read-only statement that stands alone (no transaction
    /// is open) whose parameters are all text, and streams its first
    /// column, text, to `each`: the reads of names (`ls`, completion),
    /// which each backend runs as directly as it can.
    async fn texts(
        &mut self,
        sql: &str,
        params: &[&str],
        each: &mut dyn for<'n> FnMut(&'n str) -> Result<()>,
    ) -> Result<()>;
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
    /// and current versions of those `names` that exist (1 for a secret
    /// written before versions), with their rows locked against rotation and
    /// their current values archived into their version rows (they are
    /// about to be replaced; an error rolls it all back). A backend may
    /// instead archive in [`Backend::write_rows`], checking there that the
    /// version it read here is still the current one (PostgreSQL, one
    /// secret: the version read with the lock may predate it).
    async fn lock_existing(&mut self, names: &[&str]) -> Result<HashMap<String, (Uuid, u64)>>;
    /// In the same transaction: writes the sealed rows (created rows first
    /// inserted, others updated) and their version rows, drops versions
    /// beyond the newest `retention.versions` and removed secrets kept
    /// longer than `retention.removed_secs`. `Ok(false)` when an insert lost
    /// a race to another writer creating the same name (the caller retries).
    async fn write_rows(&mut self, key: Uuid, rows: &[WriteRow<'_>], retention: Retention) -> Result<bool>;
    /// In the caller's transaction: moves the current value of these
    /// secrets into their version rows ([`ARCHIVE_LEGACY`], [`ARCHIVE_CURRENT`]).
    async fn archive(&mut self, ids: &[Uuid]) -> Result<()>;
    /// After a purge: makes sure no freed page of the database still holds
    /// a removed ciphertext (SQLite rewrites its file; PostgreSQL's dead
    /// rows are the server's VACUUM's).
    async fn scrub(&mut self) -> Result<()> {
        Ok(())
    }
    /// In the caller's transaction: writes re-sealed version rows (secret
    /// id, version, sealed value), each only if it is still under `from`, as
    /// sealed to `to`; how many were written. PostgreSQL writes them all in
    /// one statement, SQLite a stretch at a time.
    async fn write_resealed_versions(
        &mut self,
        from: Uuid,
        to: Uuid,
        rows: &[(Uuid, i64, &Sealed)],
    ) -> Result<u64>;
    /// In the caller's transaction, with the secret's row locked: its
    /// current version, read now (a check-and-set that failed on the
    /// version [`Backend::lock_existing`] gave checks again with this one).
    async fn current_version(&mut self, id: Uuid) -> Result<u64> {
        let sql = self
            .dialect()
            .sql("SELECT max(version) AS v FROM {s}versions WHERE secret_id = $1");
        let v: Option<i64> = self.fetch_all(&sql, &[Arg::Uuid(id)]).await?[0].get("v")?;
        Ok(v.unwrap_or(1).max(1) as u64)
    }
    /// In the caller's transaction: renews this process's rotation lease,
    /// if the backend has one (a lost lease is a conflict).
    async fn renew_lease(&mut self) -> Result<()> {
        Ok(())
    }
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
    /// In one transaction: locks up to `limit` rows sealed to `from` past
    /// `after` (`None`: from the start) in the backend's order, re-seals
    /// them with `resealer` and writes those that opened back as sealed to
    /// `to`. Rows that did not open are left exactly as they were.
    async fn reseal_batch(
        &mut self,
        from: Uuid,
        to: Uuid,
        after: Option<ResealCursor>,
        limit: usize,
        resealer: &SharedResealer,
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
    /// The version row written beside it.
    pub meta: VersionMeta,
}

/// An open vault database.
pub struct Store {
    db: Box<dyn Backend>,
    retention: Retention,
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

/// The names (`name IS NOT NULL`, then `range` from [`sql::name_range`])
/// in bytewise order, by the name index.
fn names_sql(dialect: &sql::Dialect, range: &str) -> String {
    dialect.sql(&format!(
        "SELECT name FROM {{s}}secrets WHERE name IS NOT NULL{range} ORDER BY name{{C}}"
    ))
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

/// Version rows with the key of each (the secrets row's for the current
/// version); [`version_row`] reads them.
const VERSION_ROWS: &str = "SELECT v.secret_id, v.version, v.name, v.written_at, v.author, v.statement, v.sig, \
     COALESCE(v.key_id, s.key_id) AS key_id, (v.secret IS NULL) AS cur, v.removed_at \
     FROM {s}versions v LEFT JOIN {s}secrets s ON s.id = v.secret_id AND v.secret IS NULL";

fn version_row(r: &Row) -> Result<VersionRow> {
    Ok(VersionRow {
        secret_id: r.get("secret_id")?,
        meta: VersionMeta {
            version: r.get::<i64>("version")?.max(0) as u64,
            written_at: r.get("written_at")?,
            author: r.get("author")?,
            statement: r.get("statement")?,
            sig: r.get("sig")?,
        },
        name: r.get("name")?,
        key_id: r.get("key_id")?,
        current: r.get("cur")?,
        removed_at: r.get("removed_at")?,
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

    /// How much history writes keep from now on.
    pub fn set_retention(&mut self, retention: Retention) {
        self.retention = retention;
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
        genesis: &[u8],
    ) -> Result<bool> {
        in_tx!(self.db, Tx::KeysExclusive, async {
            let count = self.sql("SELECT count(*) AS n FROM {s}keys");
            let keys: i64 = self.db.fetch_all(&count, &[]).await?[0].get("n")?;
            if keys > 0 {
                return Ok(false);
            }
            if !self.append(0, genesis).await? {
                return Err(Error::integrity(
                    "this vault has a membership history but no keys: its key tables were emptied",
                )
                .hint("restore the database from a trusted backup; nothing was changed"));
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

    // ---- the signed log ----

    /// The log's entries from `seq` on, in order, preceded by the genesis
    /// entry (so a client can tell another vault from a rollback).
    pub async fn log_from(&mut self, seq: u64) -> Result<Vec<LogRow>> {
        let sql = self.sql("SELECT seq, entry FROM {s}log WHERE seq >= $1 OR seq = 0 ORDER BY seq");
        self.db
            .fetch_all(&sql, &[Arg::Int(seq as i64)])
            .await?
            .iter()
            .map(|r| {
                Ok(LogRow {
                    seq: r.get("seq")?,
                    entry: r.get("entry")?,
                })
            })
            .collect()
    }

    /// [`Store::log_from`] and the id of the key the tables call current, in
    /// one statement (one round trip).
    pub async fn log_and_current(&mut self, seq: u64) -> Result<(Vec<LogRow>, Option<Uuid>)> {
        let sql = self.sql(
            "SELECT 0 AS part, l.seq, l.entry, NULL AS cur FROM {s}log l WHERE l.seq >= $1 OR l.seq = 0 \
             UNION ALL \
             SELECT 1, NULL, NULL, c.id FROM {s}keys c WHERE c.state = 'current' \
             ORDER BY part, seq",
        );
        let (mut log, mut current) = (Vec::new(), None);
        for r in self.db.fetch_all(&sql, &[Arg::Int(seq as i64)]).await? {
            if r.get::<i32>("part")? == 0 {
                log.push(LogRow {
                    seq: r.get("seq")?,
                    entry: r.get("entry")?,
                });
            } else {
                current = r.get("cur")?;
            }
        }
        Ok((log, current))
    }

    /// Appends one entry at `seq` in the caller's transaction; false when
    /// an entry with that seq exists (another member appended first). Every
    /// transaction appends before it writes anything else, so a lost race
    /// leaves nothing behind (PostgreSQL aborts the transaction anyway).
    async fn append(&mut self, seq: u64, entry: &[u8]) -> Result<bool> {
        let sql = self.sql("INSERT INTO {s}log (seq, entry) VALUES ($1, $2)");
        Ok(self
            .db
            .insert(&sql, &[Arg::Int(seq as i64), Arg::Bytes(entry)])
            .await?
            .is_some())
    }

    /// Records the history of a vault made before the log existed: the
    /// entries from genesis on, and deletes the member rows they do not name
    /// (`keep` lists those they do). False (nothing written) when the vault
    /// already has a history.
    pub async fn record_history(&mut self, entries: &[(u64, Vec<u8>)], keep: &[String]) -> Result<bool> {
        in_tx!(self.db, Tx::KeysExclusive, async {
            let any = self.sql("SELECT seq FROM {s}log LIMIT 1");
            if self.db.fetch_optional(&any, &[]).await?.is_some() {
                return Ok(false);
            }
            for (seq, entry) in entries {
                if !self.append(*seq, entry).await? {
                    return Err(
                        Error::conflict("another member recorded the vault's history just now")
                            .hint("run `vault init` again; nothing was changed"),
                    );
                }
            }
            let members = self.sql("SELECT recipient FROM {s}members");
            let delete = self.sql("DELETE FROM {s}members WHERE recipient = $1");
            for r in self.db.fetch_all(&members, &[]).await? {
                let recipient: String = r.get("recipient")?;
                if !keep.contains(&recipient) {
                    self.db.execute(&delete, &[Arg::Text(&recipient)]).await?;
                }
            }
            Ok(true)
        })
    }

    /// The key, member and grant tables as they are.
    async fn read_tables(&mut self) -> Result<Tables> {
        let keys = self.sql("SELECT id, recipient, state FROM {s}keys ORDER BY created_at, id");
        let members = self.sql("SELECT recipient, name FROM {s}members ORDER BY name{C}");
        let grants = self.sql("SELECT key_id, recipient FROM {s}key_grants ORDER BY key_id, recipient");
        let mut t = Tables::default();
        for r in self.db.fetch_all(&keys, &[]).await? {
            t.keys.push((r.get("id")?, r.get("recipient")?, r.get("state")?));
        }
        for r in self.db.fetch_all(&members, &[]).await? {
            t.members.push((r.get("recipient")?, r.get("name")?));
        }
        for r in self.db.fetch_all(&grants, &[]).await? {
            t.grants.push((r.get("key_id")?, r.get("recipient")?));
        }
        Ok(t)
    }

    /// The key, member and grant tables and the log from `seq` on, in one
    /// snapshot (to compare the tables with the verified log).
    pub async fn tables_logged(&mut self, seq: u64) -> Result<(Vec<LogRow>, Tables)> {
        in_tx!(self.db, Tx::Snapshot, async {
            let log = self.log_from(seq).await?;
            Ok((log, self.read_tables().await?))
        })
    }

    /// Up to `limit` secrets whose key id is none of `keys` (rows no key of
    /// the verified log can have sealed): (id, name).
    pub async fn secrets_not_under(
        &mut self,
        keys: &[Uuid],
        limit: usize,
    ) -> Result<Vec<(Uuid, Option<String>)>> {
        // Filtered and limited by the database: only the stray rows (few,
        // normally none) travel, not every row of the vault.
        let list: Vec<String> = (1..=keys.len()).map(|i| format!("${i}")).collect();
        let not_in = if list.is_empty() {
            String::new()
        } else {
            format!(" OR key_id NOT IN ({})", list.join(", "))
        };
        let sql = self.sql(&format!(
            "SELECT id, name FROM {{s}}secrets WHERE key_id IS NULL{not_in} ORDER BY name{{C}}, id LIMIT {limit}"
        ));
        let args: Vec<Arg<'_>> = keys.iter().map(|k| Arg::Uuid(*k)).collect();
        self.db
            .fetch_all(&sql, &args)
            .await?
            .iter()
            .map(|r| Ok((r.get("id")?, r.get("name")?)))
            .collect()
    }

    /// Makes the tables agree with the verified log whose head is `head`:
    /// in one transaction that excludes every key change, reads the tables,
    /// asks `plan` what to change (it also returns the disagreements, in
    /// words) and applies it. `Stale` when the log has moved past `head`.
    pub async fn reconcile(
        &mut self,
        head: u64,
        plan: &dyn Fn(&Tables) -> (Repair, Vec<String>),
    ) -> Result<Logged<Vec<String>>> {
        in_tx!(self.db, Tx::KeysExclusive, async {
            let next = self.sql("SELECT seq FROM {s}log WHERE seq > $1 LIMIT 1");
            if self
                .db
                .fetch_optional(&next, &[Arg::Int(head as i64)])
                .await?
                .is_some()
            {
                return Ok(Logged::Stale);
            }
            let tables = self.read_tables().await?;
            let (repair, found) = plan(&tables);
            self.apply_repair(&repair).await?;
            Ok(Logged::Done(found))
        })
    }

    async fn apply_repair(&mut self, r: &Repair) -> Result<()> {
        let grant = self.sql("DELETE FROM {s}key_grants WHERE key_id = $1 AND recipient = $2");
        for (key, recipient) in &r.delete_grants {
            self.db
                .execute(&grant, &[Arg::Uuid(*key), Arg::Text(recipient)])
                .await?;
        }
        let member = self.sql("DELETE FROM {s}members WHERE recipient = $1");
        for recipient in &r.delete_members {
            self.db.execute(&member, &[Arg::Text(recipient)]).await?;
        }
        for key in &r.retire_keys {
            self.retire_rows(*key).await?;
        }
        // Demote before promoting: at most one key may be 'current'.
        let demote = self.sql("UPDATE {s}keys SET state = 'retiring', retired_at = NULL WHERE id = $1");
        for key in &r.demote_keys {
            self.db.execute(&demote, &[Arg::Uuid(*key)]).await?;
        }
        if let Some(key) = r.promote_key {
            let promote = self.sql("UPDATE {s}keys SET state = 'current', retired_at = NULL WHERE id = $1");
            self.db.execute(&promote, &[Arg::Uuid(key)]).await?;
        }
        // Names are unique: move every renamed row out of the way first.
        let rename = self.sql("UPDATE {s}members SET name = $2 WHERE recipient = $1");
        for (recipient, _) in &r.rename_members {
            let parked = format!("~{}", Uuid::new_v4());
            self.db
                .execute(&rename, &[Arg::Text(recipient), Arg::Text(&parked)])
                .await?;
        }
        for (recipient, name) in &r.rename_members {
            self.db
                .execute(&rename, &[Arg::Text(recipient), Arg::Text(name)])
                .await?;
        }
        let add = self.sql("INSERT INTO {s}members (recipient, name, added_by) VALUES ($1, $2, $3)");
        for (recipient, name, by) in &r.insert_members {
            self.db
                .execute(&add, &[Arg::Text(recipient), Arg::Text(name), Arg::Text(by)])
                .await?;
        }
        Ok(())
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
    /// grant for it), the id of the key the tables call current, and its
    /// current version record. The key is `None` when the row's key id
    /// names no key that is still in use.
    pub async fn get(&mut self, name: &str, member: &str) -> Result<Option<GotRow>> {
        // The log part reads nothing: seq past any entry.
        Ok(self.get_logged(name, member, i64::MAX as u64).await?.1)
    }

    /// [`Store::get`] and the log from `seq` on (as [`Store::log_from`]),
    /// in one statement: one snapshot, one round trip. The log's rows come
    /// first (`part` 0), the secret's row, if any, last (`part` 1; one per
    /// current version record, normally one).
    pub async fn get_logged(
        &mut self,
        name: &str,
        member: &str,
        seq: u64,
    ) -> Result<(Vec<LogRow>, Option<GotRow>)> {
        let sql = self.sql(
            "SELECT 0 AS part, l.seq, l.entry, NULL AS id, NULL AS name, NULL AS secret, NULL AS key_id, \
             NULL AS nonce, NULL AS kid, NULL AS recipient, NULL AS sealed_key, NULL AS cur, \
             NULL AS version, NULL AS statement, NULL AS sig \
             FROM {s}log l WHERE (l.seq >= $3 OR l.seq = 0) AND $3 <> 9223372036854775807 \
             UNION ALL \
             SELECT 1, NULL, NULL, s.id, s.name, s.secret, s.key_id, s.nonce, k.id, k.recipient, g.sealed_key, \
             (SELECT c.id FROM {s}keys c WHERE c.state = 'current'), v.version, v.statement, v.sig \
             FROM {s}secrets s \
             LEFT JOIN {s}keys k ON k.id = s.key_id AND k.state <> 'retired' \
             LEFT JOIN {s}key_grants g ON g.key_id = k.id AND g.recipient = $2 \
             LEFT JOIN {s}versions v ON v.secret_id = s.id AND v.secret IS NULL \
             WHERE s.name = $1 \
             ORDER BY part, seq",
        );
        let args = [Arg::Text(name), Arg::Text(member), Arg::Int(seq as i64)];
        let (mut log, mut got): (Vec<LogRow>, Option<GotRow>) = (Vec::new(), None);
        for r in self.db.fetch_all(&sql, &args).await? {
            if r.get::<i32>("part")? == 0 {
                log.push(LogRow {
                    seq: r.get("seq")?,
                    entry: r.get("entry")?,
                });
                continue;
            }
            let version: Option<i64> = r.get("version")?;
            let record = version.map(|v| {
                Ok::<_, Error>(crate::model::CurrentVersion {
                    version: v.max(0) as u64,
                    statement: r.get("statement")?,
                    sig: r.get("sig")?,
                })
            });
            let record = record.transpose()?;
            match &mut got {
                Some(g) => g.versions.extend(record),
                None => {
                    got = Some(GotRow {
                        row: sealed_row(&r)?,
                        key: key_record(&r, "kid")?,
                        current: r.get("cur")?,
                        versions: record.into_iter().collect(),
                    })
                }
            }
        }
        Ok((log, got))
    }

    /// Streams metadata, sorted bytewise by name, to `each` without
    /// collecting it. With `prefix`, only names starting with it (a range
    /// of the name index).
    pub async fn list(
        &mut self,
        prefix: Option<&str>,
        each: &mut dyn FnMut(Meta) -> Result<()>,
    ) -> Result<()> {
        let (range, params) = sql::name_range(self.db.dialect(), prefix, 1);
        let sql = self.sql(&format!(
            "SELECT id, name, description, key_id, created_at, updated_at FROM {{s}}secrets \
             WHERE {} ORDER BY name{{C}}",
            if range.is_empty() {
                "true".to_owned()
            } else {
                format!("name IS NOT NULL{range}")
            }
        ));
        let args: Vec<Arg<'_>> = params.iter().map(|p| Arg::Text(p)).collect();
        self.db
            .for_each(&sql, &args, &mut |r| {
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
    /// without collecting them (piped `ls`). Rows without a name are skipped.
    pub async fn list_names(
        &mut self,
        prefix: Option<&str>,
        each: &mut dyn for<'n> FnMut(&'n str) -> Result<()>,
    ) -> Result<()> {
        // `name IS NOT NULL` lets the planner use the partial name indexes.
        let (range, params) = sql::name_range(self.db.dialect(), prefix, 1);
        let sql = names_sql(self.db.dialect(), &range);
        let params: Vec<&str> = params.iter().map(String::as_str).collect();
        self.db.texts(&sql, &params, each).await
    }

    /// The first `limit` levels under `prefix`, bytewise: each is a name's
    /// text up to and including the first `/` after the prefix (a
    /// "directory", like in pass), or the whole name when it has none (shell
    /// completion).
    ///
    /// A narrow prefix is read as it is: its first `2 * limit` names, one
    /// range of the name index, cut into levels here. Names sort with their
    /// level, so a level's names are adjacent and the levels come out in
    /// order. That is all of them when the range held fewer names, or
    /// enough when they already make `limit` levels. Only a wide prefix
    /// (many names under few levels) then takes the walk of
    /// [`Store::walk_levels`], whose seek per level costs the server ~20x
    /// what reading one name of a range does.
    pub async fn levels(&mut self, prefix: &str, limit: usize) -> Result<Vec<String>> {
        let head = limit.saturating_mul(2);
        let (range, params) = sql::name_range(self.db.dialect(), Some(prefix), 1);
        let sql = format!("{} LIMIT {head}", names_sql(self.db.dialect(), &range));
        let params: Vec<&str> = params.iter().map(String::as_str).collect();
        let (mut read, mut levels) = (0, Vec::<String>::new());
        self.db
            .texts(&sql, &params, &mut |name| {
                read += 1;
                let Some(rest) = name.strip_prefix(prefix) else {
                    return Ok(());
                };
                let level = match rest.find('/') {
                    Some(i) => &name[..prefix.len() + i + 1],
                    None => name,
                };
                if levels.last().is_none_or(|l| l != level) {
                    levels.push(level.to_owned());
                }
                Ok(())
            })
            .await?;
        if read < head || levels.len() >= limit {
            levels.truncate(limit);
            return Ok(levels);
        }
        self.walk_levels(prefix, limit).await
    }

    /// [`Store::levels`] of a wide prefix, in one statement: a recursive
    /// query that seeks the name index once per level (a loose index scan)
    /// and then jumps past the whole level, so a level with a million names
    /// under it costs one seek. Past a directory `x/` the next name is
    /// `>= x0` (`0` follows `/`); past a name `x` it is `>= x\u{1}`, the
    /// smallest text after it that a name can be (PostgreSQL text holds no
    /// NUL; in SQLite a name with one is never offered anyway).
    async fn walk_levels(&mut self, prefix: &str, limit: usize) -> Result<Vec<String>> {
        let d = self.db.dialect();
        let (n, pos) = (d.name_bytewise, d.strpos);
        // $1 the prefix, $2 what follows a name, $3 the end of the range.
        let hi = sql::successor(prefix);
        let below = if hi.is_some() {
            format!(" AND {n} < $3")
        } else {
            String::new()
        };
        let level = format!(
            "CASE WHEN {pos}(substr(name, length($1) + 1), '/') > 0 \
             THEN substr(name, 1, length($1) + {pos}(substr(name, length($1) + 1), '/')) \
             ELSE name END"
        );
        let first = format!(
            "SELECT {level} FROM {{s}}secrets WHERE name IS NOT NULL AND {n} >= $1{below} \
             ORDER BY name{{C}} LIMIT 1"
        );
        let next = format!(
            "SELECT {level} FROM {{s}}secrets WHERE name IS NOT NULL AND {n} >= \
             (CASE WHEN substr(walk.lvl, length(walk.lvl)) = '/' \
              THEN substr(walk.lvl, 1, length(walk.lvl) - 1) || '0' \
              ELSE walk.lvl || $2 END){below} \
             ORDER BY name{{C}} LIMIT 1"
        );
        let sql = self.sql(&format!(
            "WITH RECURSIVE walk(lvl, n) AS ( \
               SELECT ({first}), 1 \
               UNION ALL \
               SELECT ({next}), n + 1 FROM walk WHERE lvl IS NOT NULL AND n < {limit} \
             ) SELECT lvl FROM walk WHERE lvl IS NOT NULL"
        ));
        let mut params = vec![prefix, "\u{1}"];
        if let Some(hi) = &hi {
            params.push(hi);
        }
        let mut out = Vec::new();
        self.db
            .texts(&sql, &params, &mut |level| {
                out.push(level.to_owned());
                Ok(())
            })
            .await?;
        Ok(out)
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
                None if matches!(mode, PutMode::CreateOnly | PutMode::IfVersion(0)) => {
                    return Err(exists_error(items.iter().map(|i| &i.name)));
                }
                None => {}
            }
        }
        Err(
            Error::conflict("other writers kept writing the same names; nothing was written")
                .hint("try again"),
        )
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
        self.write_items(&key, items, mode, sealer).await
    }

    /// [`Store::try_put`] once the current key is read (and locked against
    /// rotation by the transaction): locks the existing rows, seals, writes.
    async fn write_items(
        &mut self,
        key: &KeyRecord,
        items: &[PutItem],
        mode: PutMode,
        sealer: &dyn Sealer,
    ) -> Result<Option<Vec<PutOutcome>>> {
        let names: Vec<&str> = items.iter().map(|i| i.name.as_str()).collect();
        let mut existing = self.db.lock_existing(&names).await?;
        // Values sealed ahead serve the names that are new (version 1).
        let ahead: HashMap<&str, (Uuid, SealedVersion)> = names
            .iter()
            .filter(|n| !existing.contains_key(**n))
            .filter_map(|n| Some((*n, sealer.sealed_ahead(key, n)?)))
            .collect();
        match mode {
            PutMode::CreateOnly | PutMode::IfVersion(0) if !existing.is_empty() => {
                return Err(exists_error(existing.keys()));
            }
            PutMode::IfVersion(want) if want > 0 => {
                for i in items {
                    match existing.get_mut(&i.name) {
                        None => return Err(version_conflict(&i.name, None, want)),
                        Some((id, v)) if *v != want => {
                            // The version read with the lock may be older
                            // than the lock's (see `lock_existing`): ask again.
                            *v = self.db.current_version(*id).await?;
                            if *v != want {
                                return Err(version_conflict(&i.name, Some(*v), want));
                            }
                        }
                        Some(_) => {}
                    }
                }
            }
            _ => {}
        }
        let slots: Vec<Slot<'_>> = items
            .iter()
            .enumerate()
            .map(|(item, i)| match existing.get(&i.name) {
                Some((id, version)) => Slot {
                    id: *id,
                    name: &i.name,
                    created: false,
                    item,
                    version: version + 1,
                },
                // Time-ordered (UUIDv7): new rows go to the end of every
                // index on `id` instead of a random leaf each, so an import
                // of a million dirties a few pages per chunk, not one per
                // row per index (on SQLite, whose page cache then spilled
                // the same pages to the WAL over and over). The id says when
                // the row was made, which `created_at` says anyway. A value
                // sealed ahead names its own (UUIDv7) id.
                None => Slot {
                    id: ahead
                        .get(i.name.as_str())
                        .map(|(id, _)| *id)
                        .unwrap_or_else(Uuid::now_v7),
                    name: &i.name,
                    created: true,
                    item,
                    version: 1,
                },
            })
            .collect();
        let to_seal: Vec<Slot<'_>> = slots
            .iter()
            .filter(|s| !(s.created && ahead.contains_key(s.name)))
            .cloned()
            .collect();
        let mut sealed: HashMap<Uuid, SealedVersion> = sealer.seal(key, &to_seal)?.into_iter().collect();
        sealed.extend(ahead.into_values());
        let mut rows = Vec::with_capacity(slots.len());
        for slot in &slots {
            // Each value goes to the row it was sealed for: the sealer names it.
            let s = sealed.remove(&slot.id).ok_or_else(|| {
                Error::internal(format!(
                    "no sealed value was made for {}",
                    crate::name::escape(slot.name)
                ))
            })?;
            if s.meta.version != slot.version {
                return Err(Error::internal(format!(
                    "{} was sealed as version {}, not {}",
                    crate::name::escape(slot.name),
                    s.meta.version,
                    slot.version
                )));
            }
            rows.push(WriteRow {
                id: slot.id,
                name: slot.name,
                created: slot.created,
                description: items[slot.item].description.as_deref(),
                sealed: s.sealed,
                meta: s.meta,
            });
        }
        if !self.db.write_rows(key.id, &rows, self.retention).await? {
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
                    version: s.version,
                })
                .collect(),
        ))
    }

    /// Removes every named secret, or none: a missing name is `NotFound`.
    /// The history of each is kept (its current value archived, the secret
    /// marked removed) for `vault restore`, until retention drops it; with
    /// `purge`, every version of the secret (and of any removed secret of
    /// that name) is destroyed now, and so is any freed copy in the file.
    pub async fn remove(&mut self, names: &[String], purge: bool) -> Result<()> {
        let now = chrono::Utc::now().timestamp();
        in_tx!(self.db, Tx::KeysShared, async {
            let find = self.sql("SELECT id FROM {s}secrets WHERE name = $1{lock}");
            let removed = self
                .sql("SELECT secret_id FROM {s}versions WHERE name = $1 AND removed_at IS NOT NULL LIMIT 1");
            let (mut ids, mut missing) = (Vec::new(), Vec::new());
            for name in names {
                match self.db.fetch_optional(&find, &[Arg::Text(name)]).await? {
                    Some(r) => ids.push(r.get::<Uuid>("id")?),
                    None if purge
                        && self
                            .db
                            .fetch_optional(&removed, &[Arg::Text(name)])
                            .await?
                            .is_some() => {}
                    None => missing.push(name.as_str()),
                }
            }
            if !missing.is_empty() {
                return Err(not_found(&missing));
            }
            let delete = self.sql("DELETE FROM {s}secrets WHERE id = $1");
            if purge {
                let versions = self.sql("DELETE FROM {s}versions WHERE secret_id = $1");
                for id in &ids {
                    self.db.execute(&versions, &[Arg::Uuid(*id)]).await?;
                    self.db.execute(&delete, &[Arg::Uuid(*id)]).await?;
                }
                let old = self.sql("DELETE FROM {s}versions WHERE name = $1 AND removed_at IS NOT NULL");
                for name in names {
                    self.db.execute(&old, &[Arg::Text(name)]).await?;
                }
            } else {
                self.db.archive(&ids).await?;
                let mark = self.sql("UPDATE {s}versions SET removed_at = $2 WHERE secret_id = $1");
                for id in &ids {
                    self.db.execute(&mark, &[Arg::Uuid(*id), Arg::Int(now)]).await?;
                    self.db.execute(&delete, &[Arg::Uuid(*id)]).await?;
                }
                self.prune_removed().await?;
            }
            Ok(())
        })?;
        if purge {
            self.db.scrub().await?;
        }
        Ok(())
    }

    /// In the caller's transaction: drops removed secrets kept longer than
    /// the retention allows.
    async fn prune_removed(&mut self) -> Result<()> {
        let cutoff = chrono::Utc::now().timestamp() - self.retention.removed_secs;
        let sql = self.sql("DELETE FROM {s}versions WHERE removed_at IS NOT NULL AND removed_at < $1");
        self.db.execute(&sql, &[Arg::Int(cutoff)]).await?;
        Ok(())
    }

    // ---- history ----

    /// The versions of the live secret `name`, or else of the secret of
    /// that name removed last (kept for restore), newest first. A secret
    /// written before versions has one unsigned version, made up here.
    pub async fn versions(&mut self, name: &str) -> Result<Option<Versions>> {
        in_tx!(self.db, Tx::Snapshot, async { self.versions_in_tx(name).await })
    }

    async fn versions_in_tx(&mut self, name: &str) -> Result<Option<Versions>> {
        let live = self.sql(
            "SELECT s.id, s.description, s.key_id, {updated_epoch} AS upd FROM {s}secrets s WHERE s.name = $1",
        );
        let removed = self.sql(
            "SELECT secret_id FROM {s}versions WHERE name = $1 AND removed_at IS NOT NULL \
             ORDER BY removed_at DESC, version DESC LIMIT 1",
        );
        let (id, live, description, current) = match self.db.fetch_optional(&live, &[Arg::Text(name)]).await?
        {
            Some(r) => {
                let key: Option<Uuid> = r.get("key_id")?;
                let upd: i64 = r.get("upd")?;
                (
                    r.get::<Uuid>("id")?,
                    true,
                    r.get::<String>("description")?,
                    Some((key, upd)),
                )
            }
            None => match self.db.fetch_optional(&removed, &[Arg::Text(name)]).await? {
                Some(r) => (r.get::<Uuid>("secret_id")?, false, String::new(), None),
                None => return Ok(None),
            },
        };
        let rows = self.sql(&format!(
            "{VERSION_ROWS} WHERE v.secret_id = $1 ORDER BY v.version DESC"
        ));
        let mut out = Vec::new();
        for r in self.db.fetch_all(&rows, &[Arg::Uuid(id)]).await? {
            out.push(version_row(&r)?);
        }
        if out.is_empty() {
            // A secret written before versions: its one version is the row.
            let Some((key_id, upd)) = current else {
                // (A removed secret always has its rows.)
                return Ok(None);
            };
            out.push(VersionRow {
                secret_id: id,
                meta: VersionMeta {
                    version: 1,
                    written_at: upd,
                    author: String::new(),
                    statement: None,
                    sig: None,
                },
                name: name.to_owned(),
                key_id,
                current: true,
                removed_at: None,
            });
        }
        Ok(Some(Versions {
            secret_id: id,
            live,
            description,
            rows: out,
        }))
    }

    /// The sealed values of a secret's versions (one, or all when
    /// `version` is `None`), oldest first, each with the key it refers to
    /// and `member`'s grant for it. The current version's value is the
    /// secrets row's. Versions without a row (a secret written before
    /// versions) are not listed.
    pub async fn versions_sealed(
        &mut self,
        secret: Uuid,
        version: Option<u64>,
        member: &str,
    ) -> Result<Vec<(u64, SealedRow, Option<KeyRecord>)>> {
        let filter = if version.is_some() {
            " AND v.version = $3"
        } else {
            ""
        };
        let sql = self.sql(&format!(
            "SELECT v.version, v.secret_id AS id, v.name, COALESCE(v.secret, s.secret, '') AS secret, \
             COALESCE(v.key_id, s.key_id) AS key_id, COALESCE(v.nonce, s.nonce) AS nonce, \
             k.id AS kid, k.recipient, g.sealed_key \
             FROM {{s}}versions v \
             LEFT JOIN {{s}}secrets s ON s.id = v.secret_id AND v.secret IS NULL \
             LEFT JOIN {{s}}keys k ON k.id = COALESCE(v.key_id, s.key_id) AND k.state <> 'retired' \
             LEFT JOIN {{s}}key_grants g ON g.key_id = k.id AND g.recipient = $2 \
             WHERE v.secret_id = $1{filter} ORDER BY v.version"
        ));
        let mut args = vec![Arg::Uuid(secret), Arg::Text(member)];
        if let Some(v) = version {
            args.push(Arg::Int(v as i64));
        }
        self.db
            .fetch_all(&sql, &args)
            .await?
            .iter()
            .map(|r| {
                Ok((
                    r.get::<i64>("version")?.max(0) as u64,
                    sealed_row(r)?,
                    key_record(r, "kid")?,
                ))
            })
            .collect()
    }

    /// Every version row of the vault (or of the secrets named `name`, live
    /// or removed), newest first, streamed (`vault log`).
    pub async fn all_versions(
        &mut self,
        name: Option<&str>,
        each: &mut dyn FnMut(VersionRow) -> Result<()>,
    ) -> Result<()> {
        // A name's secrets: the live one (through the name index of
        // secrets) and the removed ones (through the index of removed rows).
        let filter = if name.is_some() {
            " WHERE v.secret_id IN (SELECT id FROM {s}secrets WHERE name = $1 \
              UNION SELECT secret_id FROM {s}versions WHERE name = $1 AND removed_at IS NOT NULL)"
        } else {
            ""
        };
        let sql = self.sql(&format!(
            "{VERSION_ROWS}{filter} ORDER BY v.written_at DESC, v.secret_id, v.version DESC"
        ));
        let args: Vec<Arg<'_>> = name.map(Arg::Text).into_iter().collect();
        self.db
            .for_each(&sql, &args, &mut |r| each(version_row(r)?))
            .await
    }

    /// Writes a secret as a whole (`restore`, `mv`, `cp`), in one
    /// transaction. `Ok(false)` (nothing written) when something moved
    /// since the caller read it: the key is no longer current, the source
    /// has another newest version, or it was removed or revived.
    pub async fn rewrite(&mut self, r: &Rewrite) -> Result<bool> {
        let keep = self.retention.versions;
        in_tx!(self.db, Tx::KeysShared, async {
            let cur = self.sql("SELECT id FROM {s}keys WHERE state = 'current'");
            let cur: Option<Uuid> = match self.db.fetch_optional(&cur, &[]).await? {
                Some(row) => row.get("id")?,
                None => None,
            };
            if cur != Some(r.key) {
                return Ok(false);
            }
            let live = self.sql("SELECT name FROM {s}secrets WHERE id = $1{lock}");
            let is_live = self
                .db
                .fetch_optional(&live, &[Arg::Uuid(r.source)])
                .await?
                .is_some();
            if is_live != (r.kind != RewriteKind::Revive) {
                return Ok(false);
            }
            let newest = self.sql("SELECT max(version) AS v FROM {s}versions WHERE secret_id = $1");
            let newest: Option<i64> =
                self.db.fetch_all(&newest, &[Arg::Uuid(r.source)]).await?[0].get("v")?;
            if newest.unwrap_or(0).max(0) as u64 != r.source_version {
                return Ok(false);
            }
            let taken = || {
                Error::conflict(format!(
                    "{} already exists; nothing was changed",
                    crate::name::escape(&r.name)
                ))
                .hint("choose another name, or remove that secret first")
            };
            let insert = self.sql(
                "INSERT INTO {s}secrets (id, name, description, secret, key_id, nonce) VALUES ($1, $2, $3, $4, $5, $6)",
            );
            let new_row = [
                Arg::Uuid(r.target),
                Arg::Text(&r.name),
                Arg::Text(&r.description),
                Arg::Text(&r.current.sealed.secret),
                Arg::Uuid(r.key),
                Arg::Bytes(&r.current.sealed.nonce),
            ];
            match r.kind {
                RewriteKind::Restore => {
                    self.db.archive(&[r.target]).await?;
                    let update =
                        self.sql("UPDATE {s}secrets SET secret = $2, key_id = $3, nonce = $4 WHERE id = $1");
                    let args = [
                        Arg::Uuid(r.target),
                        Arg::Text(&r.current.sealed.secret),
                        Arg::Uuid(r.key),
                        Arg::Bytes(&r.current.sealed.nonce),
                    ];
                    self.db.execute(&update, &args).await?;
                }
                RewriteKind::Revive => {
                    if self.db.insert(&insert, &new_row).await?.is_none() {
                        return Err(taken());
                    }
                    let back = self.sql("UPDATE {s}versions SET removed_at = NULL WHERE secret_id = $1");
                    self.db.execute(&back, &[Arg::Uuid(r.target)]).await?;
                }
                RewriteKind::Move => {
                    let clear = self.sql("DELETE FROM {s}versions WHERE secret_id = $1");
                    self.db.execute(&clear, &[Arg::Uuid(r.target)]).await?;
                    let update = self.sql(
                        "UPDATE {s}secrets SET name = $2, secret = $3, key_id = $4, nonce = $5 WHERE id = $1",
                    );
                    let args = [
                        Arg::Uuid(r.target),
                        Arg::Text(&r.name),
                        Arg::Text(&r.current.sealed.secret),
                        Arg::Uuid(r.key),
                        Arg::Bytes(&r.current.sealed.nonce),
                    ];
                    match self.db.insert(&update, &args).await? {
                        None => return Err(taken()),
                        Some(0) => return Ok(false),
                        Some(_) => {}
                    }
                }
                RewriteKind::Copy => {
                    if self.db.insert(&insert, &new_row).await?.is_none() {
                        return Err(taken());
                    }
                }
            }
            for h in &r.history {
                self.insert_version(r.target, &r.name, &h.meta, Some((&h.sealed, r.key)))
                    .await?;
            }
            self.insert_version(r.target, &r.name, &r.current.meta, None)
                .await?;
            let prune = self.sql("DELETE FROM {s}versions WHERE secret_id = $1 AND version <= $2");
            let below = r.current.meta.version as i64 - keep as i64;
            if below >= 1 {
                self.db
                    .execute(&prune, &[Arg::Uuid(r.target), Arg::Int(below)])
                    .await?;
            }
            self.prune_removed().await?;
            Ok(true)
        })
    }

    /// In the caller's transaction: one version row (with its sealed value
    /// and key when it is not the current version).
    async fn insert_version(
        &mut self,
        secret: Uuid,
        name: &str,
        m: &VersionMeta,
        sealed: Option<(&Sealed, Uuid)>,
    ) -> Result<()> {
        let statement = m.statement.as_deref();
        let sig = m.sig.as_deref();
        // Arg has no optional variants: the columns listed are those
        // present, the others take their NULL default.
        let (secret_text, key, nonce) = match sealed {
            Some((s, k)) => (Some(s.secret.as_str()), Some(k), Some(s.nonce.as_slice())),
            None => (None, None, None),
        };
        let mut cols = vec!["secret_id", "version", "name", "written_at", "author"];
        let mut args = vec![
            Arg::Uuid(secret),
            Arg::Int(m.version as i64),
            Arg::Text(name),
            Arg::Int(m.written_at),
            Arg::Text(&m.author),
        ];
        if let (Some(st), Some(sg)) = (statement, sig) {
            cols.extend(["statement", "sig"]);
            args.extend([Arg::Bytes(st), Arg::Bytes(sg)]);
        }
        if let (Some(t), Some(k), Some(n)) = (secret_text, key, nonce) {
            cols.extend(["secret", "key_id", "nonce"]);
            args.extend([Arg::Text(t), Arg::Uuid(k), Arg::Bytes(n)]);
        }
        let params: Vec<String> = (1..=args.len()).map(|i| format!("${i}")).collect();
        let sql = self.sql(&format!(
            "INSERT INTO {{s}}versions ({}) VALUES ({})",
            cols.join(", "),
            params.join(", ")
        ));
        self.db.execute(&sql, &args).await?;
        Ok(())
    }

    /// In one transaction: locks up to `limit` version rows sealed to `from`
    /// after `after` (in (secret, version) order), re-seals them with
    /// `resealer` and writes those that opened back as sealed to `to`; the
    /// value of one that does not open is dropped (`failed` names it as
    /// "version N of NAME"). The last row looked at is returned beside.
    pub async fn reseal_versions_batch(
        &mut self,
        from: Uuid,
        to: Uuid,
        after: Option<(Uuid, u64)>,
        limit: usize,
        resealer: &dyn Resealer,
    ) -> Result<(BatchOutcome, Option<(Uuid, u64)>)> {
        in_tx!(self.db, Tx::Write, async {
            self.db.renew_lease().await?;
            let (range, mut args) = match &after {
                Some((id, v)) => (
                    " AND (secret_id > $2 OR (secret_id = $2 AND version > $3))",
                    vec![Arg::Uuid(from), Arg::Uuid(*id), Arg::Int(*v as i64)],
                ),
                None => ("", vec![Arg::Uuid(from)]),
            };
            let select = self.sql(&format!(
                "SELECT secret_id AS id, version, name, secret, key_id, nonce FROM {{s}}versions \
                 WHERE key_id = $1{range} ORDER BY secret_id, version LIMIT {limit}{{lock}}"
            ));
            let found = self.db.fetch_all(&select, &args).await?;
            args.clear();
            let mut rows = Vec::with_capacity(found.len());
            let mut versions = Vec::with_capacity(found.len());
            for r in &found {
                versions.push(r.get::<i64>("version")?.max(0) as u64);
                rows.push(sealed_row(r)?);
            }
            let sealed = resealer.reseal(&rows);
            let (mut good, mut failed) = (Vec::new(), Vec::new());
            for ((row, version), s) in rows.iter().zip(&versions).zip(&sealed) {
                match s {
                    Ok(s) => good.push((row.id, *version as i64, s)),
                    Err(_) => {
                        // An earlier version that does not open under its own
                        // key was not written by any member: its value is
                        // dropped (the row and its statement stay, refused
                        // on every read), so it cannot keep a key in use.
                        let drop = self.sql(
                            "UPDATE {s}versions SET secret = '', key_id = NULL, nonce = NULL \
                             WHERE secret_id = $1 AND version = $2 AND key_id = $3",
                        );
                        self.db
                            .execute(
                                &drop,
                                &[Arg::Uuid(row.id), Arg::Int(*version as i64), Arg::Uuid(from)],
                            )
                            .await?;
                        let shown = row.name.as_deref().map(crate::name::escape).unwrap_or_default();
                        failed.push((row.id, Some(format!("version {version} of {shown}"))));
                    }
                }
            }
            let moved = self.db.write_resealed_versions(from, to, &good).await?;
            let last = rows.last().map(|r| r.id).zip(versions.last().copied());
            Ok((
                BatchOutcome {
                    seen: rows.len(),
                    next: last.map(|(id, _)| ResealCursor::Id(id)),
                    moved,
                    failed,
                },
                last,
            ))
        })
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
            let count = |table: &str| {
                format!(
                    "SELECT key_id, count(*) AS n FROM {{s}}{table} WHERE key_id IS NOT NULL GROUP BY key_id"
                )
            };
            let mut counts: HashMap<Option<Uuid>, i64> = HashMap::new();
            let all = self.sql("SELECT key_id, count(*) AS n FROM {s}secrets GROUP BY key_id");
            for r in self.db.fetch_all(&all, &[]).await? {
                counts.insert(r.get("key_id")?, r.get("n")?);
            }
            // Earlier versions carry ciphertexts too: a key is in use while
            // one of them is sealed to it.
            let mut versions: HashMap<Uuid, i64> = HashMap::new();
            let by_version = self.sql(&count("versions"));
            for r in self.db.fetch_all(&by_version, &[]).await? {
                versions.insert(r.get("key_id")?, r.get("n")?);
            }
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
                        versions: versions.get(&key.id).copied().unwrap_or(0) as u64,
                        key,
                        retiring,
                    });
                }
            }
            Ok(RotationState {
                keys: keys_out,
                secrets: counts.values().sum::<i64>() as u64,
                versions: versions.values().sum::<i64>() as u64,
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

    /// In one transaction that excludes every writer: appends `entry` (the
    /// signed key-current entry at `seq`) to the log, stores the new key with
    /// its `grants` (recipient, sealed key), makes `old` 'retiring' and the
    /// new key 'current'. `Stale` (nothing written) when the log moved on; a
    /// conflict if `old` is not current.
    pub async fn switch_key(
        &mut self,
        old: Uuid,
        new_id: Uuid,
        new_recipient: &str,
        grants: &[(String, String)],
        (seq, entry): (u64, &[u8]),
    ) -> Result<Logged<()>> {
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
            if !self.append(seq, entry).await? {
                return Ok(Logged::Stale);
            }
            let retiring = self.sql("UPDATE {s}keys SET state = 'retiring' WHERE id = $1");
            self.db.execute(&retiring, &[Arg::Uuid(old)]).await?;
            self.insert_current_key(new_id, new_recipient, grants).await?;
            Ok(Logged::Done(()))
        })
    }

    /// In one transaction: locks up to `limit` rows sealed to `from` past
    /// `after` (`None`: from the start; see [`ResealCursor`]), re-seals them
    /// with `resealer` and writes those that opened back as sealed to `to`.
    /// Rows that did not open are left exactly as they were.
    pub async fn reseal_batch(
        &mut self,
        from: Uuid,
        to: Uuid,
        after: Option<ResealCursor>,
        limit: usize,
        resealer: &SharedResealer,
    ) -> Result<BatchOutcome> {
        self.db.reseal_batch(from, to, after, limit, resealer).await
    }

    /// If no secret refers to `key` any more: appends `entry` (the signed
    /// key-retired entry at `seq`), deletes the key's grants and marks it
    /// 'retired' (`Done(true)`). Otherwise changes nothing (`Done(false)`).
    pub async fn retire_key(&mut self, key: Uuid, (seq, entry): (u64, &[u8])) -> Result<Logged<bool>> {
        in_tx!(self.db, Tx::KeysExclusive, async {
            let used = self.sql(
                "SELECT 1 AS x FROM {s}secrets WHERE key_id = $1 \
                 UNION ALL SELECT 1 FROM {s}versions WHERE key_id = $1 LIMIT 1",
            );
            if self.db.fetch_optional(&used, &[Arg::Uuid(key)]).await?.is_some() {
                return Ok(Logged::Done(false));
            }
            if !self.append(seq, entry).await? {
                return Ok(Logged::Stale);
            }
            self.retire_rows(key).await?;
            Ok(Logged::Done(true))
        })
    }

    /// In the caller's transaction: deletes every grant of `key` and marks
    /// it 'retired'.
    async fn retire_rows(&mut self, key: Uuid) -> Result<()> {
        let grants = self.sql("DELETE FROM {s}key_grants WHERE key_id = $1");
        self.db.execute(&grants, &[Arg::Uuid(key)]).await?;
        let retire = self.sql("UPDATE {s}keys SET state = 'retired', retired_at = {now} WHERE id = $1");
        self.db.execute(&retire, &[Arg::Uuid(key)]).await?;
        Ok(())
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
        (seq, entry): (u64, &[u8]),
    ) -> Result<Logged<()>> {
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
            if !self.append(seq, entry).await? {
                return Ok(Logged::Stale);
            }
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
            Ok(Logged::Done(()))
        })
    }

    /// Appends `entry` (the signed member-removed entry at `seq`) and
    /// removes the member row with this recipient and every grant they hold,
    /// in one transaction. (The caller checked the removal against the
    /// verified log; a row already missing is fine.)
    pub async fn remove_member(&mut self, recipient: &str, (seq, entry): (u64, &[u8])) -> Result<Logged<()>> {
        in_tx!(self.db, Tx::KeysExclusive, async {
            if !self.append(seq, entry).await? {
                return Ok(Logged::Stale);
            }
            let grants = self.sql("DELETE FROM {s}key_grants WHERE recipient = $1");
            self.db.execute(&grants, &[Arg::Text(recipient)]).await?;
            let delete = self.sql("DELETE FROM {s}members WHERE recipient = $1");
            self.db.execute(&delete, &[Arg::Text(recipient)]).await?;
            Ok(Logged::Done(()))
        })
    }
}

/// The key a rotation started from stopped being current under it.
pub(crate) fn key_changed(old: Uuid) -> Error {
    Error::conflict(format!("vault key {old} stopped being current while rotating"))
        .hint("another process changed the keys; run `vault rotate` again")
}

/// A check-and-set put found another version than the one expected.
pub(crate) fn version_conflict(name: &str, found: Option<u64>, want: u64) -> Error {
    let shown = crate::name::escape(name);
    match found {
        Some(v) => Error::conflict(format!(
            "{shown} is at version {v}, not {want}; nothing was written"
        ))
        .hint("someone wrote it since you read it: read it again (`vault get --json` shows the version) and retry"),
        None => Error::conflict(format!("{shown} does not exist (expected version {want}); nothing was written"))
            .hint("drop --if-version to create it, or use --if-version 0"),
    }
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
