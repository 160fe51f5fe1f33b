//! Storage: one small trait, two implementations (PostgreSQL and SQLite).
//!
//! sqlx lives only below this module. The trait speaks in rows and sealed
//! strings; it never sees a plaintext. Operations that must be atomic with
//! sealing (choosing the current key, assigning row ids, writing) take a
//! [`Sealer`] callback that runs inside the transaction, after the locks are
//! held, so a rotation can never retire a key between "sealed to it" and
//! "written".

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::config::{Backend, DbUrl};
use crate::error::{Error, Result};
use crate::seal::{Sealed, SealedRow};

pub mod postgres;
pub mod sqlite;

/// The schema version this binary writes and expects.
pub const SCHEMA_VERSION: i64 = 2;

/// A vault key as stored, with this member's grant when there is one.
pub struct KeyRecord {
    pub id: Uuid,
    /// The key's public half (age1…).
    pub recipient: String,
    /// The key's private half sealed to the member asking, if they hold it.
    pub grant: Option<String>,
}

/// What `ls` shows about a secret: everything except the value.
pub struct Meta {
    pub id: Uuid,
    pub name: Option<String>,
    pub description: String,
    pub key_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A member of the vault.
pub struct MemberRecord {
    pub recipient: String,
    pub name: String,
    pub added_at: Option<DateTime<Utc>>,
    pub added_by: Option<String>,
}

/// One secret to write.
pub struct PutItem {
    pub name: String,
    /// `None` keeps the existing description (or '' for a new secret).
    pub description: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum PutMode {
    /// Create or replace.
    Upsert,
    /// Create only: an existing name is a conflict and nothing is written.
    CreateOnly,
}

/// The row a value is about to be sealed for.
pub struct Slot<'a> {
    pub id: Uuid,
    pub name: &'a str,
    pub created: bool,
}

/// What happened to each item of a put.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PutOutcome {
    pub id: Uuid,
    pub name: String,
    pub created: bool,
    pub key_id: Uuid,
}

/// Seals values inside a store transaction, once the key and row ids are known.
pub trait Sealer: Sync {
    /// Returns one sealed value per slot, in order.
    fn seal(&self, key: &KeyRecord, slots: &[Slot<'_>]) -> Result<Vec<Sealed>>;
}

// ---- rotation ----

/// A key that is not retired, as `vault rotate` sees it.
pub struct KeyStatus {
    /// The key, with the asking member's grant if they hold one.
    pub key: KeyRecord,
    /// True for 'retiring' (a rotation away from it has not finished),
    /// false for the one 'current' key.
    pub retiring: bool,
    /// How many secrets are sealed to it.
    pub secrets: u64,
}

/// What a rotation needs to know before it starts.
pub struct RotationState {
    /// Every key that is not retired.
    pub keys: Vec<KeyStatus>,
    /// Every secret in the vault, whatever its key.
    pub secrets: u64,
}

/// What one re-seal batch did.
pub struct BatchOutcome {
    /// How many rows the batch locked and looked at (0: the pass is done).
    pub seen: usize,
    /// The highest id looked at: the next batch starts after it.
    pub last: Option<Uuid>,
    /// How many rows now refer to the new key.
    pub moved: u64,
    /// Rows that failed to open, left exactly as they were: (id, name).
    pub failed: Vec<(Uuid, Option<String>)>,
}

/// Re-seals locked rows inside a store transaction.
pub trait Resealer: Sync {
    /// One result per row, in order: the row's value sealed to the new key
    /// for the same (id, name), or why the row could not be opened.
    fn reseal(&self, rows: &[SealedRow]) -> Vec<Result<Sealed>>;
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

#[async_trait(?Send)]
pub trait Store {
    /// Creates or upgrades the schema (`vault init`). Refuses a database whose
    /// schema was made by something else, or by a newer vault.
    async fn migrate(&mut self) -> Result<()>;

    /// One cheap read that the schema exists, is vault's, and is this version.
    async fn check_schema(&mut self) -> Result<()>;

    /// Creates the first vault key and its founding member if the vault has
    /// no key yet, atomically. Returns false (and writes nothing) otherwise.
    async fn bootstrap(
        &mut self,
        founder: &MemberRecord,
        key_id: Uuid,
        key_recipient: &str,
        grant: &str,
    ) -> Result<bool>;

    /// The current vault key, with `member`'s grant if they hold one.
    async fn current_key(&mut self, member: &str) -> Result<Option<KeyRecord>>;

    /// The member with this recipient, if any.
    async fn member(&mut self, recipient: &str) -> Result<Option<MemberRecord>>;

    /// One sealed row by name, with the key it refers to (and `member`'s
    /// grant for it). The key is `None` when the row's key id names no key.
    async fn get(&mut self, name: &str, member: &str) -> Result<Option<(SealedRow, Option<KeyRecord>)>>;

    /// Streams metadata, sorted by name, to `each` without collecting it.
    /// With `prefix`, only names starting with it.
    async fn list(&mut self, prefix: Option<&str>, each: &mut dyn FnMut(Meta) -> Result<()>) -> Result<()>;

    /// All sealed rows (or those whose name starts with `prefix`), sorted by
    /// name, in one query, plus every key `member` holds a grant for.
    async fn fetch_all(
        &mut self,
        prefix: Option<&str>,
        member: &str,
    ) -> Result<(Vec<SealedRow>, Vec<KeyRecord>)>;

    /// Writes all items in one transaction, sealing with `sealer` after the
    /// current key is locked against rotation. All or nothing.
    async fn put(
        &mut self,
        items: &[PutItem],
        mode: PutMode,
        member: &str,
        sealer: &dyn Sealer,
    ) -> Result<Vec<PutOutcome>>;

    /// Removes every named secret, or none: a missing name is `NotFound`.
    async fn remove(&mut self, names: &[String]) -> Result<()>;

    // ---- rotation ----

    /// Takes the rotation mutex without waiting: false when another process
    /// holds it. Held until [`Store::unlock_rotation`] or the process ends
    /// (or, on PostgreSQL, the connection is lost).
    async fn lock_rotation(&mut self) -> Result<bool>;

    /// Releases the rotation mutex.
    async fn unlock_rotation(&mut self) -> Result<()>;

    /// The keys that are not retired, with `member`'s grants and how many
    /// secrets each one seals, and the number of secrets in the vault.
    async fn rotation_state(&mut self, member: &str) -> Result<RotationState>;

    /// The members holding a grant on `key`.
    async fn grantees(&mut self, key: Uuid) -> Result<Vec<MemberRecord>>;

    /// In one transaction that excludes every writer: stores the new key
    /// with its `grants` (recipient, sealed key), makes `old` 'retiring' and
    /// the new key 'current'. Writes nothing and returns the recipients left
    /// out when some member holding a grant on `old` has none in `grants`
    /// (a member was added meanwhile). A conflict if `old` is not current.
    async fn switch_key(
        &mut self,
        old: Uuid,
        new_id: Uuid,
        new_recipient: &str,
        grants: &[(String, String)],
    ) -> Result<Vec<String>>;

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

    /// If no secret refers to `key` any more: deletes its grants and marks
    /// it 'retired' (true). Otherwise changes nothing (false).
    async fn retire_key(&mut self, key: Uuid) -> Result<bool>;

    // ---- fast paths (benches/compare.sh) ----

    /// Streams only the names, sorted bytewise like [`Store::list`], to
    /// `each` without collecting them (piped `ls`). Rows without a name are
    /// skipped.
    async fn list_names(
        &mut self,
        prefix: Option<&str>,
        each: &mut dyn for<'n> FnMut(&'n str) -> Result<()>,
    ) -> Result<()>;

    // ---- members ----

    /// Every member, sorted by name, with whether they hold the current key.
    async fn members(&mut self) -> Result<Vec<MemberInfo>>;

    /// Adds `member` (added by `adder`) with grants of the current key and of
    /// any retiring key, made by `granter` inside the transaction once the
    /// keys are locked against rotation. A member with the same recipient or
    /// name is a conflict and nothing is written.
    async fn add_member(&mut self, member: &MemberRecord, adder: &str, granter: &dyn Granter) -> Result<()>;

    /// Removes the member with this recipient and, by cascade, every grant
    /// they hold, in one transaction. Refuses to remove the last member
    /// (conflict) and a member who is not there (not found).
    async fn remove_member(&mut self, recipient: &str) -> Result<()>;
}

/// Connects to the database `url` names. `create` is only true for `init`,
/// which may create an embedded database file.
pub async fn open(url: &DbUrl, create: bool) -> Result<Box<dyn Store>> {
    Ok(match url.backend() {
        Backend::Postgres => Box::new(postgres::PgStore::connect(url).await?),
        Backend::Sqlite => Box::new(sqlite::SqliteStore::open(url, create).await?),
    })
}

/// How long to wait for a database connection before giving up.
pub fn connect_timeout() -> std::time::Duration {
    let secs = std::env::var("VAULT_CONNECT_TIMEOUT")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| *s > 0.0)
        .unwrap_or(5.0);
    std::time::Duration::from_secs_f64(secs)
}

/// Maps an error from a query (not from connecting) to a user-facing error.
/// The driver's message is included: vault binds only ciphertexts, names and
/// ids, so it cannot contain a plaintext.
pub(crate) fn query_error(url: &DbUrl, e: sqlx::Error) -> Error {
    match e {
        sqlx::Error::Io(io) => Error::database(format!("lost the connection to {url}: {io}"))
            .hint("check that the database is running and try again"),
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

/// A member as listed.
pub struct MemberInfo {
    pub member: MemberRecord,
    /// They hold a grant for the current key.
    pub has_current_key: bool,
}

/// Seals grants for a new member inside a store transaction.
pub trait Granter {
    /// `current` is the current key and `retiring` any key a half-done
    /// rotation is moving away from, each with the adder's grant. Returns
    /// `(key id, grant)` pairs for the new member.
    fn grant(&self, current: &KeyRecord, retiring: &[KeyRecord]) -> Result<Vec<(Uuid, String)>>;
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
    match recipient.split_once(' ') {
        Some((kind, key)) if key.len() > 16 => format!("{kind} …{}", &key[key.len() - 16..]),
        _ => recipient.to_owned(),
    }
}
