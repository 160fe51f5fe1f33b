//! Plain data shared by the core, sealing and storage: rows and records as
//! they travel between the layers. No behaviour, no I/O, and no type here
//! holds a plaintext except [`Value`], which wipes itself.

use chrono::{DateTime, Utc};
use uuid::Uuid;
use zeroize::Zeroizing;

/// A plaintext value, wiped from memory when dropped.
pub type Value = Zeroizing<Vec<u8>>;

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
#[derive(Clone)]
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

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum PutMode {
    /// Create or replace.
    Upsert,
    /// Create only: an existing name is a conflict and nothing is written.
    CreateOnly,
    /// Check-and-set: replace only if the current version is this one (0:
    /// only if the secret does not exist); otherwise a conflict naming the
    /// current version, and nothing is written.
    IfVersion(u64),
}

/// The row a value is about to be sealed for.
#[derive(Clone)]
pub struct Slot<'a> {
    pub id: Uuid,
    pub name: &'a str,
    pub created: bool,
    /// The index of the item (in the caller's list) whose value goes here.
    pub item: usize,
    /// The version this write makes (the current one plus one; 1 for a new
    /// secret).
    pub version: u64,
}

/// What happened to each item of a put.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PutOutcome {
    pub id: Uuid,
    pub name: String,
    pub created: bool,
    pub key_id: Uuid,
    /// The version written.
    pub version: u64,
}

/// A key that is not retired, as `vault rotate` sees it.
pub struct KeyStatus {
    /// The key, with the asking member's grant if they hold one.
    pub key: KeyRecord,
    /// True for 'retiring' (a rotation away from it has not finished),
    /// false for the one 'current' key.
    pub retiring: bool,
    /// How many secrets are sealed to it.
    pub secrets: u64,
    /// How many earlier versions are sealed to it.
    pub versions: u64,
}

/// What a rotation needs to know before it starts.
pub struct RotationState {
    /// Every key that is not retired.
    pub keys: Vec<KeyStatus>,
    /// Every secret in the vault, whatever its key.
    pub secrets: u64,
    /// Every earlier version kept (with a ciphertext), whatever its key.
    pub versions: u64,
}

/// Where a pass of re-seal batches over the secrets stands, in the order the
/// backend walks the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResealCursor {
    /// SQLite: after this id (id order).
    Id(Uuid),
    /// PostgreSQL: after the row at heap page `page`, line `line` (`ctid`),
    /// in physical order; `span` is how many pages the next batch reads.
    Tid { page: u32, line: u16, span: u32 },
}

/// What one re-seal batch did.
pub struct BatchOutcome {
    /// How many rows the batch locked and looked at.
    pub seen: usize,
    /// Where the next batch starts; `None`: the pass is done.
    pub next: Option<ResealCursor>,
    /// How many rows now refer to the new key.
    pub moved: u64,
    /// Rows that failed to open, left exactly as they were: (id, name).
    pub failed: Vec<(Uuid, Option<String>)>,
}

/// A member as listed.
pub struct MemberInfo {
    pub member: MemberRecord,
    /// They hold a grant for the current key.
    pub has_current_key: bool,
}

/// What the database stores for a sealed value.
#[derive(Clone)]
pub struct Sealed {
    pub secret: String,
    pub nonce: Vec<u8>,
}

/// The metadata row of a version, as written beside its sealed value.
#[derive(Clone, Debug)]
pub struct VersionMeta {
    pub version: u64,
    /// Unix seconds (as signed, for signed versions).
    pub written_at: i64,
    /// The author's recipient ('' for versions written before signing).
    pub author: String,
    /// The author's signed statement and its signature (see `history`).
    pub statement: Option<Vec<u8>>,
    pub sig: Option<Vec<u8>>,
}

/// A value sealed for a new version: the sealed value and its metadata.
#[derive(Clone)]
pub struct SealedVersion {
    pub sealed: Sealed,
    pub meta: VersionMeta,
}

/// One version of a secret as stored (no ciphertext).
#[derive(Clone, Debug)]
pub struct VersionRow {
    pub secret_id: Uuid,
    pub meta: VersionMeta,
    /// The name its sealed value is bound to (the secret's name).
    pub name: String,
    /// The key its sealed value refers to (the secrets row's for the
    /// current version).
    pub key_id: Option<Uuid>,
    /// True for the current version of a live secret.
    pub current: bool,
    /// Unix seconds: when the secret was removed (kept for restore).
    pub removed_at: Option<i64>,
}

/// A secret's versions, newest first.
pub struct Versions {
    pub secret_id: Uuid,
    /// False: the secret was removed and is kept for `vault restore`.
    pub live: bool,
    /// The secret's description (live secrets; '' for a removed one).
    pub description: String,
    pub rows: Vec<VersionRow>,
}

/// A secret written as a whole, in one transaction (`restore`, `mv`,
/// `cp`): every row was read and sealed by the caller under `key`; the
/// store checks nothing moved since (else `Ok(false)`, nothing written).
pub struct Rewrite {
    /// The current key everything is sealed to.
    pub key: Uuid,
    /// The secret read, and its newest version then (0: no version row,
    /// a secret written before versions).
    pub source: Uuid,
    pub source_version: u64,
    /// The secret written: its id and name.
    pub target: Uuid,
    pub name: String,
    pub description: String,
    pub kind: RewriteKind,
    /// The new current version of the target.
    pub current: SealedVersion,
    /// Earlier versions of the target, sealed for (target, name): mv
    /// replaces the stored ones; cp inserts them.
    pub history: Vec<SealedVersion>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum RewriteKind {
    /// A live secret gets a new version (its old value back).
    Restore,
    /// A removed secret comes back under its id, with a new version.
    Revive,
    /// A live secret is renamed (same id).
    Move,
    /// A new secret is made from a live one.
    Copy,
}

/// How long history is kept, applied on every write.
#[derive(Clone, Copy, Debug)]
pub struct Retention {
    /// Versions kept per secret, the current one included (at least 1).
    pub versions: u64,
    /// Seconds a removed secret is kept for `vault restore`.
    pub removed_secs: i64,
}

/// A row as read from the database, to be opened.
pub struct SealedRow {
    pub id: Uuid,
    pub name: Option<String>,
    pub secret: String,
    pub key_id: Option<Uuid>,
    pub nonce: Option<Vec<u8>>,
}

/// One stored entry of the signed log: its position and its bytes, as read
/// (nothing about it is trusted until the chain is verified).
pub struct LogRow {
    pub seq: i64,
    pub entry: Vec<u8>,
}

/// The outcome of a write that appends a log entry: `Stale` when another
/// member appended first (the caller re-verifies the log and tries again);
/// nothing was written then.
#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub enum Logged<T> {
    Done(T),
    Stale,
}

/// The key, member and grant tables as they are, to compare with the log.
#[derive(Default)]
pub struct Tables {
    /// (id, public half, state) of every key.
    pub keys: Vec<(Uuid, String, String)>,
    /// (recipient, name) of every member row.
    pub members: Vec<(String, String)>,
    /// (key id, recipient) of every grant.
    pub grants: Vec<(Uuid, String)>,
}

/// What to change so the tables agree with the verified log; applied in
/// one transaction by the store, in the order of the fields.
#[derive(Default)]
pub struct Repair {
    /// Grants to delete: (key id, recipient).
    pub delete_grants: Vec<(Uuid, String)>,
    /// Member rows to delete (and, by cascade, their grants).
    pub delete_members: Vec<String>,
    /// Keys the log does not allow: grants deleted, state 'retired'.
    pub retire_keys: Vec<Uuid>,
    /// Keys whose state is not the log's: made 'retiring' here.
    pub demote_keys: Vec<Uuid>,
    /// The log's current key, when its row is not 'current'.
    pub promote_key: Option<Uuid>,
    /// Member rows the log names and the table lacks: (recipient, name, added by).
    pub insert_members: Vec<(String, String, String)>,
    /// Member rows whose name is not the log's: (recipient, name).
    pub rename_members: Vec<(String, String)>,
}

impl Repair {
    pub fn is_empty(&self) -> bool {
        self.delete_grants.is_empty()
            && self.delete_members.is_empty()
            && self.retire_keys.is_empty()
            && self.demote_keys.is_empty()
            && self.promote_key.is_none()
            && self.insert_members.is_empty()
            && self.rename_members.is_empty()
    }
}

/// One secret's row as `get` reads it: the row, the key it names (with the
/// reader's grant) and the id of the key the tables call current.
pub struct GotRow {
    pub row: SealedRow,
    pub key: Option<KeyRecord>,
    pub current: Option<Uuid>,
    /// The row's current version record, if it has one; several (planted)
    /// make the read refused.
    pub versions: Vec<CurrentVersion>,
}

/// A secret's current version record, as `get` reads it beside the value.
pub struct CurrentVersion {
    pub version: u64,
    pub statement: Option<Vec<u8>>,
    pub sig: Option<Vec<u8>>,
}
