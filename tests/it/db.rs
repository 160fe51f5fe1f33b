//! A typed view of a vault's database, for tests that set up or inspect what
//! `vault` stored: `env.db().row("k")`, `.keys()`, `.grants_of(recipient)`,
//! `.set_nonce("k", …)`, and so on.
//!
//! This file is the only place in the tests that knows the two SQL dialects:
//! - PostgreSQL keeps vault's tables in one schema ([`PG_SCHEMA`]; the one
//!   place to change when the schema becomes configurable), SQLite keeps
//!   them without a prefix. Queries are written once, with `{p}` where the
//!   prefix goes.
//! - uuids are `uuid` on PostgreSQL and 16-byte blobs on SQLite; timestamps
//!   are `timestamptz` and RFC 3339 text. sqlx encodes and decodes both, so
//!   every value here is bound and read typed ([`Uuid`], [`DateTime<Utc>`],
//!   bytes): no hex, no literals, no quoting.
//!
//! Held transactions and locks, and helpers for one backend only, are in
//! db/held.rs. Every call opens its own connection on a throwaway current-thread runtime
//! in a scoped thread (as `sql.rs` does), so it works from plain tests and
//! from inside async code alike. Updates of one named row assert that exactly
//! one row changed, so a tamper that hits nothing cannot pass unnoticed.

#![allow(dead_code)] // shared by every story file; not every helper is used by each build

use std::future::Future;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use sqlx::postgres::PgConnection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{AssertSqlSafe, ConnectOptions, Connection};
use uuid::Uuid;

use crate::harness::Backend;

/// The PostgreSQL schema that holds vault's tables.
pub const PG_SCHEMA: &str = "vault";

/// A table as SQL on `backend` spells it (`vault.secrets` or `secrets`).
pub fn table(backend: Backend, name: &str) -> String {
    match backend {
        Backend::Postgres => format!("{PG_SCHEMA}.{name}"),
        Backend::Sqlite => name.to_owned(),
    }
}

/// One row of `secrets`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretRow {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    /// The armored age ciphertext.
    pub secret: String,
    pub key_id: Option<Uuid>,
    pub nonce: Option<Vec<u8>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One row of `keys`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyRow {
    pub id: Uuid,
    pub recipient: String,
    /// `current`, `retiring` or `retired`.
    pub state: String,
    pub created_at: DateTime<Utc>,
    pub retired_at: Option<DateTime<Utc>>,
}

/// One row of `members`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberRow {
    pub recipient: String,
    pub name: String,
    pub added_at: DateTime<Utc>,
    pub added_by: Option<String>,
}

/// One row of `key_grants`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrantRow {
    pub key_id: Uuid,
    pub recipient: String,
    /// The key's private half, sealed to `recipient`.
    pub sealed_key: String,
    pub created_at: DateTime<Utc>,
}

type SecretTuple = (
    Uuid,
    String,
    String,
    String,
    Option<Uuid>,
    Option<Vec<u8>>,
    DateTime<Utc>,
    DateTime<Utc>,
);
const SECRET_COLUMNS: &str = "id, name, description, secret, key_id, nonce, created_at, updated_at";

impl From<SecretTuple> for SecretRow {
    fn from(t: SecretTuple) -> SecretRow {
        let (id, name, description, secret, key_id, nonce, created_at, updated_at) = t;
        SecretRow {
            id,
            name,
            description,
            secret,
            key_id,
            nonce,
            created_at,
            updated_at,
        }
    }
}

/// Runs `$body` with `$c` bound to a fresh connection (a `PgConnection` or a
/// `SqliteConnection`: the body is compiled once for each) and returns its
/// value, or the error as text. The body may `.await` and use `?` on sqlx errors.
macro_rules! try_with_conn {
    ($db:expr, |$c:ident| $body:expr) => {{
        let db: &Db = $db;
        db.block(|| async move {
            if db.backend == Backend::Postgres {
                let mut $c = PgConnection::connect(&db.url).await?;
                let out = $body;
                $c.close().await?;
                Ok::<_, sqlx::Error>(out)
            } else {
                let mut $c = db.sqlite_connection().await?;
                let out = $body;
                $c.close().await?;
                Ok::<_, sqlx::Error>(out)
            }
        })
    }};
}

/// [`try_with_conn!`], panicking with the error.
macro_rules! with_conn {
    ($db:expr, |$c:ident| $body:expr) => {
        try_with_conn!($db, |$c| $body).unwrap_or_else(|e| panic!("{e}"))
    };
}

// Held transactions and locks, and one-backend helpers (after the macros,
// which it uses).
mod held;
// The versions table (issue 15).
mod versions;

/// The database of one vault (see the module docs).
#[derive(Clone, Debug)]
pub struct Db {
    backend: Backend,
    url: String,
}

impl Db {
    pub fn new(backend: Backend, url: &str) -> Db {
        Db {
            backend,
            url: url.to_owned(),
        }
    }

    /// A SQLite file by its `sqlite://PATH` URL.
    pub fn sqlite(url: &str) -> Db {
        Db::new(Backend::Sqlite, url)
    }

    /// `text` with `{p}` replaced by this backend's table prefix.
    fn sql(&self, text: &str) -> AssertSqlSafe<String> {
        let prefix = match self.backend {
            Backend::Postgres => format!("{PG_SCHEMA}."),
            Backend::Sqlite => String::new(),
        };
        // Test-only: the SQL is the constant text in this file.
        AssertSqlSafe(text.replace("{p}", &prefix))
    }

    async fn sqlite_connection(&self) -> Result<SqliteConnection, sqlx::Error> {
        // Never create the file: inspecting a database that does not exist is a bug.
        SqliteConnectOptions::from_str(&self.url)?
            .create_if_missing(false)
            .connect()
            .await
    }

    fn block<T: Send, F: Future<Output = Result<T, sqlx::Error>>>(
        &self,
        make: impl FnOnce() -> F + Send,
    ) -> Result<T, String> {
        std::thread::scope(|s| {
            s.spawn(|| {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a runtime for the database view");
                rt.block_on(make())
            })
            .join()
            .expect("database view thread")
        })
        .map_err(|e| format!("SQL failed on {}: {e}", self.url))
    }

    #[track_caller]
    fn only(&self, backend: Backend) {
        assert_eq!(self.backend, backend, "this helper is for {backend:?} only");
    }

    // ---- secrets ----------------------------------------------------------

    /// Every secret row, by name (bytewise).
    pub fn rows(&self) -> Vec<SecretRow> {
        let sql = self.sql(&format!("SELECT {SECRET_COLUMNS} FROM {{p}}secrets"));
        let rows: Vec<SecretTuple> = with_conn!(self, |c| sqlx::query_as(sql).fetch_all(&mut c).await?);
        let mut rows: Vec<SecretRow> = rows.into_iter().map(SecretRow::from).collect();
        rows.sort_by(|a, b| a.name.cmp(&b.name));
        rows
    }

    /// The row named `name`, if there is one.
    pub fn find(&self, name: &str) -> Option<SecretRow> {
        let sql = self.sql(&format!(
            "SELECT {SECRET_COLUMNS} FROM {{p}}secrets WHERE name = $1"
        ));
        let row: Option<SecretTuple> = with_conn!(self, |c| sqlx::query_as(sql)
            .bind(name)
            .fetch_optional(&mut c)
            .await?);
        row.map(SecretRow::from)
    }

    /// The row named `name` (which must exist).
    #[track_caller]
    pub fn row(&self, name: &str) -> SecretRow {
        self.find(name)
            .unwrap_or_else(|| panic!("no row named {name:?} in {}", self.url))
    }

    /// How many rows `secrets` holds.
    pub fn count(&self) -> usize {
        let sql = self.sql("SELECT count(*) FROM {p}secrets");
        let n: i64 = with_conn!(self, |c| sqlx::query_scalar(sql).fetch_one(&mut c).await?);
        n as usize
    }

    /// Runs an `UPDATE … WHERE name = $2` of one row, binding `value` as `$1`.
    #[track_caller]
    fn update_one<V>(&self, sql: &str, name: &str, value: V)
    where
        V: Send + Sync + 'static,
        for<'q> V: sqlx::Encode<'q, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
        for<'q> V: sqlx::Encode<'q, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
    {
        let sql = self.sql(sql);
        let changed = with_conn!(self, |c| sqlx::query(sql)
            .bind(value)
            .bind(name)
            .execute(&mut c)
            .await?
            .rows_affected());
        assert_eq!(changed, 1, "no row named {name:?} was changed");
    }

    /// Overwrites the stored ciphertext of `name`.
    #[track_caller]
    pub fn set_secret(&self, name: &str, secret: &str) {
        self.update_one(
            "UPDATE {p}secrets SET secret = $1 WHERE name = $2",
            name,
            secret.to_owned(),
        );
    }

    /// Overwrites (or clears) the nonce of `name`.
    #[track_caller]
    pub fn set_nonce(&self, name: &str, nonce: Option<&[u8]>) {
        self.update_one(
            "UPDATE {p}secrets SET nonce = $1 WHERE name = $2",
            name,
            nonce.map(<[u8]>::to_vec),
        );
    }

    /// Points `name` at another key id (or none).
    #[track_caller]
    pub fn set_key_id(&self, name: &str, key_id: Option<Uuid>) {
        self.update_one("UPDATE {p}secrets SET key_id = $1 WHERE name = $2", name, key_id);
    }

    /// Writes `value`, as text, into `column` of `name`'s row: SQLite only,
    /// whose columns take a value of any type (a writer's forgery, or a
    /// timestamp in SQLite's own format).
    #[track_caller]
    pub fn set_text(&self, name: &str, column: &str, value: &str) {
        self.only(Backend::Sqlite);
        assert!(
            column.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
            "a column name"
        );
        self.update_one(
            &format!("UPDATE {{p}}secrets SET {column} = $1 WHERE name = $2"),
            name,
            value.to_owned(),
        );
    }

    #[track_caller]
    pub fn set_description(&self, name: &str, description: &str) {
        self.update_one(
            "UPDATE {p}secrets SET description = $1 WHERE name = $2",
            name,
            description.to_owned(),
        );
    }

    /// Renames a row behind vault's back (any text, control characters too).
    #[track_caller]
    pub fn rename(&self, name: &str, new_name: &str) {
        self.update_one(
            "UPDATE {p}secrets SET name = $1 WHERE name = $2",
            name,
            new_name.to_owned(),
        );
    }

    /// Renames a row to bytes that need not be UTF-8, stored as SQLite text
    /// (PostgreSQL text is always valid in its encoding, so SQLite only).
    #[track_caller]
    pub fn rename_to_bytes(&self, name: &str, new_name: &[u8]) {
        self.only(Backend::Sqlite);
        self.update_one(
            "UPDATE {p}secrets SET name = CAST($1 AS TEXT) WHERE name = $2",
            name,
            new_name.to_vec(),
        );
    }

    /// Deletes the row named `name`; returns how many rows went (0 or 1).
    pub fn delete(&self, name: &str) -> u64 {
        let sql = self.sql("DELETE FROM {p}secrets WHERE name = $1");
        with_conn!(self, |c| sqlx::query(sql)
            .bind(name)
            .execute(&mut c)
            .await?
            .rows_affected())
    }

    // ---- keys, members, grants ----------------------------------------------

    /// Every key, oldest first (ties by id).
    pub fn keys(&self) -> Vec<KeyRow> {
        let sql = self.sql("SELECT id, recipient, state, created_at, retired_at FROM {p}keys");
        type T = (Uuid, String, String, DateTime<Utc>, Option<DateTime<Utc>>);
        let rows: Vec<T> = with_conn!(self, |c| sqlx::query_as(sql).fetch_all(&mut c).await?);
        let mut keys: Vec<KeyRow> = rows
            .into_iter()
            .map(|(id, recipient, state, created_at, retired_at)| KeyRow {
                id,
                recipient,
                state,
                created_at,
                retired_at,
            })
            .collect();
        keys.sort_by_key(|k| (k.created_at, k.id));
        keys
    }

    /// The key with id `id` (which must exist).
    #[track_caller]
    pub fn key(&self, id: Uuid) -> KeyRow {
        self.keys()
            .into_iter()
            .find(|k| k.id == id)
            .unwrap_or_else(|| panic!("no key {id}"))
    }

    /// The id of the one current key.
    #[track_caller]
    pub fn current_key(&self) -> Uuid {
        let current: Vec<Uuid> = self
            .keys()
            .into_iter()
            .filter(|k| k.state == "current")
            .map(|k| k.id)
            .collect();
        assert_eq!(current.len(), 1, "exactly one current key: {current:?}");
        current[0]
    }

    pub fn insert_key(&self, id: Uuid, recipient: &str, state: &str) {
        let sql = self.sql("INSERT INTO {p}keys (id, recipient, state) VALUES ($1, $2, $3)");
        with_conn!(self, |c| sqlx::query(sql)
            .bind(id)
            .bind(recipient)
            .bind(state)
            .execute(&mut c)
            .await?
            .rows_affected());
    }

    /// Every member, by name (bytewise).
    pub fn members(&self) -> Vec<MemberRow> {
        let sql = self.sql("SELECT recipient, name, added_at, added_by FROM {p}members");
        type T = (String, String, DateTime<Utc>, Option<String>);
        let rows: Vec<T> = with_conn!(self, |c| sqlx::query_as(sql).fetch_all(&mut c).await?);
        let mut members: Vec<MemberRow> = rows
            .into_iter()
            .map(|(recipient, name, added_at, added_by)| MemberRow {
                recipient,
                name,
                added_at,
                added_by,
            })
            .collect();
        members.sort_by(|a, b| a.name.cmp(&b.name));
        members
    }

    /// The member with this recipient, if any.
    pub fn member(&self, recipient: &str) -> Option<MemberRow> {
        self.members().into_iter().find(|m| m.recipient == recipient)
    }

    /// Every grant, by key id and then recipient.
    pub fn grants(&self) -> Vec<GrantRow> {
        let sql = self.sql("SELECT key_id, recipient, sealed_key, created_at FROM {p}key_grants");
        type T = (Uuid, String, String, DateTime<Utc>);
        let rows: Vec<T> = with_conn!(self, |c| sqlx::query_as(sql).fetch_all(&mut c).await?);
        let mut grants: Vec<GrantRow> = rows
            .into_iter()
            .map(|(key_id, recipient, sealed_key, created_at)| GrantRow {
                key_id,
                recipient,
                sealed_key,
                created_at,
            })
            .collect();
        grants.sort_by(|a, b| (a.key_id, &a.recipient).cmp(&(b.key_id, &b.recipient)));
        grants
    }

    /// The ids of the keys `recipient` holds a grant for, in order.
    pub fn grants_of(&self, recipient: &str) -> Vec<Uuid> {
        self.grants()
            .into_iter()
            .filter(|g| g.recipient == recipient)
            .map(|g| g.key_id)
            .collect()
    }

    /// Plants a member row behind vault's back (any text).
    pub fn insert_member(&self, recipient: &str, name: &str, added_by: Option<&str>) {
        let sql = self.sql("INSERT INTO {p}members (recipient, name, added_by) VALUES ($1, $2, $3)");
        with_conn!(self, |c| sqlx::query(sql)
            .bind(recipient)
            .bind(name)
            .bind(added_by)
            .execute(&mut c)
            .await?
            .rows_affected());
    }

    /// Rewrites who added a member (any text).
    pub fn set_added_by(&self, recipient: &str, added_by: &str) {
        let sql = self.sql("UPDATE {p}members SET added_by = $1 WHERE recipient = $2");
        let n = with_conn!(self, |c| sqlx::query(sql)
            .bind(added_by)
            .bind(recipient)
            .execute(&mut c)
            .await?
            .rows_affected());
        assert_eq!(n, 1, "no member {recipient}");
    }

    pub fn insert_grant(&self, key_id: Uuid, recipient: &str, sealed_key: &str) {
        let sql = self.sql("INSERT INTO {p}key_grants (key_id, recipient, sealed_key) VALUES ($1, $2, $3)");
        with_conn!(self, |c| sqlx::query(sql)
            .bind(key_id)
            .bind(recipient)
            .bind(sealed_key)
            .execute(&mut c)
            .await?
            .rows_affected());
    }

    /// Deletes the grants of one key, or of every key; returns how many went.
    pub fn delete_grants(&self, key_id: Option<Uuid>) -> u64 {
        let sql = self.sql("DELETE FROM {p}key_grants WHERE $1 IS NULL OR key_id = $1");
        with_conn!(self, |c| sqlx::query(sql)
            .bind(key_id)
            .execute(&mut c)
            .await?
            .rows_affected())
    }

    // ---- schema ---------------------------------------------------------------

    /// The versions recorded in the migrations table, in order.
    pub fn migrations(&self) -> Vec<i64> {
        let sql = self.sql("SELECT version FROM {p}_sqlx_migrations ORDER BY version");
        with_conn!(self, |c| sqlx::query_scalar(sql).fetch_all(&mut c).await?)
    }

    /// Records a migration this build does not know (a newer vault's).
    pub fn add_migration(&self, version: i64) {
        let sql = self.sql(
            "INSERT INTO {p}_sqlx_migrations (version, description, success, checksum, execution_time) \
             VALUES ($1, 'future', true, $2, 0)",
        );
        with_conn!(self, |c| sqlx::query(sql)
            .bind(version)
            .bind(&[0u8][..])
            .execute(&mut c)
            .await?
            .rows_affected());
    }

    pub fn delete_migration(&self, version: i64) {
        let sql = self.sql("DELETE FROM {p}_sqlx_migrations WHERE version = $1");
        with_conn!(self, |c| sqlx::query(sql)
            .bind(version)
            .execute(&mut c)
            .await?
            .rows_affected());
    }

    /// Drops one of vault's indexes by name.
    pub fn drop_index(&self, index: &str) {
        assert!(index.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'));
        let sql = self.sql(&format!("DROP INDEX {{p}}{index}"));
        with_conn!(self, |c| sqlx::raw_sql(sql)
            .execute(&mut c)
            .await?
            .rows_affected());
    }

    /// Whether vault's schema has an index of this name.
    pub fn has_index(&self, index: &str) -> bool {
        let sql = AssertSqlSafe(match self.backend {
            Backend::Postgres => {
                format!("SELECT count(*) FROM pg_indexes WHERE schemaname = '{PG_SCHEMA}' AND indexname = $1")
            }
            Backend::Sqlite => "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = $1".into(),
        });
        let n: i64 = with_conn!(self, |c| sqlx::query_scalar(sql)
            .bind(index)
            .fetch_one(&mut c)
            .await?);
        n > 0
    }

    /// The tables in vault's schema (PostgreSQL) or in the file (SQLite), by name.
    pub fn tables(&self) -> Vec<String> {
        let sql = AssertSqlSafe(match self.backend {
            Backend::Postgres => format!(
                "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE n.nspname = '{PG_SCHEMA}' AND c.relkind = 'r' ORDER BY 1"
            ),
            Backend::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY 1".into(),
        });
        with_conn!(self, |c| sqlx::query_scalar(sql).fetch_all(&mut c).await?)
    }

    /// Makes a `secrets` table where vault's would be, as something else
    /// would (with the schema on PostgreSQL), holding one row: `theirs`.
    pub fn plant_foreign_secrets_table(&self) {
        let mut sql = String::new();
        if self.backend == Backend::Postgres {
            sql.push_str(&format!("CREATE SCHEMA {PG_SCHEMA}; "));
        }
        sql.push_str(
            "CREATE TABLE {p}secrets (id integer PRIMARY KEY, secret text); \
             INSERT INTO {p}secrets (id, secret) VALUES (1, 'theirs')",
        );
        let sql = self.sql(&sql);
        with_conn!(self, |c| sqlx::raw_sql(sql)
            .execute(&mut c)
            .await?
            .rows_affected());
    }

    /// The `secret` column of a table made by [`Db::plant_foreign_secrets_table`].
    pub fn foreign_secrets(&self) -> Vec<String> {
        let sql = self.sql("SELECT secret FROM {p}secrets ORDER BY id");
        with_conn!(self, |c| sqlx::query_scalar(sql).fetch_all(&mut c).await?)
    }

    // ---- trust: the signed log, and tampering with keys and members (trust.rs) ----

    /// Sets the state column of key `id` (which must exist).
    #[track_caller]
    pub fn set_key_state(&self, id: Uuid, state: &str) {
        let sql = self.sql("UPDATE {p}keys SET state = $1 WHERE id = $2");
        let n = with_conn!(self, |c| sqlx::query(sql)
            .bind(state)
            .bind(id)
            .execute(&mut c)
            .await?
            .rows_affected());
        assert_eq!(n, 1, "no key {id}");
    }

    /// Renames a member row behind vault's back.
    #[track_caller]
    pub fn set_member_name(&self, recipient: &str, name: &str) {
        let sql = self.sql("UPDATE {p}members SET name = $1 WHERE recipient = $2");
        let n = with_conn!(self, |c| sqlx::query(sql)
            .bind(name)
            .bind(recipient)
            .execute(&mut c)
            .await?
            .rows_affected());
        assert_eq!(n, 1, "no member {recipient}");
    }

    /// Inserts a secret row as it was read (a restore, or a copy from
    /// another vault); its timestamps are the defaults.
    pub fn insert_secret(&self, row: &SecretRow) {
        let sql = self.sql(
            "INSERT INTO {p}secrets (id, name, description, secret, key_id, nonce) VALUES ($1, $2, $3, $4, $5, $6)",
        );
        let row = row.clone();
        with_conn!(self, |c| sqlx::query(sql)
            .bind(row.id)
            .bind(row.name)
            .bind(row.description)
            .bind(row.secret)
            .bind(row.key_id)
            .bind(row.nonce)
            .execute(&mut c)
            .await?
            .rows_affected());
    }

    /// Every row of the signed log, (seq, entry), by seq.
    pub fn log(&self) -> Vec<(i64, Vec<u8>)> {
        let sql = self.sql("SELECT seq, entry FROM {p}log ORDER BY seq");
        with_conn!(self, |c| sqlx::query_as(sql).fetch_all(&mut c).await?)
    }

    /// Deletes the log's rows from `seq` on; returns how many went.
    pub fn delete_log_from(&self, seq: i64) -> u64 {
        let sql = self.sql("DELETE FROM {p}log WHERE seq >= $1");
        with_conn!(self, |c| sqlx::query(sql)
            .bind(seq)
            .execute(&mut c)
            .await?
            .rows_affected())
    }

    /// Appends a row to the log behind vault's back.
    pub fn insert_log(&self, seq: i64, entry: &[u8]) {
        let sql = self.sql("INSERT INTO {p}log (seq, entry) VALUES ($1, $2)");
        let entry = entry.to_vec();
        with_conn!(self, |c| sqlx::query(sql)
            .bind(seq)
            .bind(entry)
            .execute(&mut c)
            .await?
            .rows_affected());
    }
}
