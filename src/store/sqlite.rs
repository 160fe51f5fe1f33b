//! The SQLite store: the embedded personal vault, zero configuration.
//!
//! The file and its directory are private (0600/0700; SQLite gives the WAL
//! and shared-memory files the database file's mode). WAL with
//! `synchronous=FULL` makes every reported write durable, and a busy timeout
//! lets two `vault` processes queue instead of failing with "database is
//! locked". Writes take the write lock up front (`BEGIN IMMEDIATE`) and read
//! the current key inside it, so they serialise with key switches the same
//! way the PostgreSQL store's advisory lock does.

use std::collections::HashMap;
use std::fs::OpenOptions;
use std::mem::ManuallyDrop;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use async_trait::async_trait;
use futures_util::TryStreamExt;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqliteSynchronous};
use sqlx::{Connection, Row};
use uuid::Uuid;

use super::{
    BatchOutcome, Granter, KeyRecord, KeyStatus, MemberInfo, MemberRecord, Meta, PutItem, PutMode,
    PutOutcome, Resealer, RotationState, Sealer, Slot, Store,
};
use crate::config::DbUrl;
use crate::error::{Error, Result};
use crate::seal::SealedRow;
use crate::secure_fs;

/// How long a writer waits for another process's write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

pub struct SqliteStore {
    pub(crate) conn: SqliteConnection,
    pub(crate) url: DbUrl,
    pub(crate) path: PathBuf,
    /// While `vault rotate` runs: an fd of the database file holding an
    /// exclusive flock (the rotation mutex). Never closed: closing any fd of
    /// the database file drops every POSIX lock this process holds on it,
    /// SQLite's included, which can corrupt the database. It is released
    /// with LOCK_UN and the fd lives until the process exits.
    pub(crate) rotation_lock: Option<ManuallyDrop<std::fs::File>>,
}

fn migrator() -> Migrator {
    Migrator::with_migrations(vec![
        Migration::new(
            1,
            "init".into(),
            MigrationType::Simple,
            sqlx::SqlSafeStr::into_sql_str(include_str!("../../migrations/sqlite/0001_init.sql")),
            false,
        ),
        Migration::new(
            2,
            "secrets key_id index".into(),
            MigrationType::Simple,
            sqlx::SqlSafeStr::into_sql_str(include_str!(
                "../../migrations/sqlite/0002_secrets_key_id_idx.sql"
            )),
            false,
        ),
    ])
}

impl SqliteStore {
    pub async fn open(url: &DbUrl, create: bool) -> Result<SqliteStore> {
        let path = url
            .sqlite_path()
            .filter(|p| !p.as_os_str().is_empty())
            .ok_or_else(|| {
                Error::usage(format!("{url} names no file")).hint("use sqlite:///path/to/vault.db")
            })?;
        if create {
            create_private_db(&path)?;
        } else if !path.exists() {
            return Err(
                Error::database(format!("there is no vault at {}", path.display()))
                    .hint("run `vault init` to create one, or pass --database-url"),
            );
        }
        Self::connect(url, &path, false).await
    }

    /// Opens an existing database without ever creating or writing it (for
    /// shell completion, which must not leave files behind).
    pub async fn open_read_only(url: &DbUrl) -> Result<SqliteStore> {
        let path = url.sqlite_path().unwrap_or_default();
        Self::connect(url, &path, true).await
    }

    async fn connect(url: &DbUrl, path: &Path, read_only: bool) -> Result<SqliteStore> {
        let mut opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(false)
            .read_only(read_only)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        if !read_only {
            opts = opts
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full);
        }
        let conn = SqliteConnection::connect_with(&opts)
            .await
            .map_err(|e| file_error(path, e))?;
        Ok(SqliteStore {
            conn,
            url: url.clone(),
            path: path.to_owned(),
            rotation_lock: None,
        })
    }

    pub(crate) fn err(&self, e: sqlx::Error) -> Error {
        file_error(&self.path, e)
    }

    async fn schema_version(&mut self) -> Result<Option<i64>> {
        let has: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
        )
        .fetch_one(&mut self.conn)
        .await
        .map_err(|e| self.err(e))?;
        if has == 0 {
            return Ok(None);
        }
        let v: Option<i64> = sqlx::query_scalar("SELECT max(version) FROM _sqlx_migrations WHERE success")
            .fetch_one(&mut self.conn)
            .await
            .map_err(|e| self.err(e))?;
        Ok(Some(v.unwrap_or(0)))
    }
}

/// Creates the database file (0600) and its directory (0700) if missing.
fn create_private_db(path: &Path) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        secure_fs::ensure_private_dir(dir)?;
    }
    OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(path)
        .map(drop)
        .map_err(|e| Error::io("create the database file", path, &e))
}

/// Maps SQLite's result codes to messages about the file.
pub(crate) fn file_error(path: &Path, e: sqlx::Error) -> Error {
    let shown = path.display();
    if let sqlx::Error::Database(db) = &e {
        // Extended result codes carry the primary code in their low byte.
        let code = db.code().and_then(|c| c.parse::<i32>().ok()).unwrap_or(0) & 0xff;
        return match code {
            26 => Error::database(format!("{shown} is not a SQLite database (or is encrypted)"))
                .hint("point --database-url at a vault database, or move the file away and run `vault init`"),
            5 | 6 => Error::database(format!("{shown} is locked by another process"))
                .hint("wait for the other vault command to finish and try again"),
            13 => Error::new(
                crate::error::Kind::Internal,
                format!("the disk holding {shown} is full; nothing was written"),
            )
            .hint("free some disk space and try again"),
            14 => Error::database(format!("cannot open the database file {shown}"))
                .hint("check that the path exists and that you may read and write it"),
            8 => Error::database(format!("{shown} is read-only")).hint("check the file's permissions"),
            11 => Error::database(format!("{shown} is damaged (SQLite reports corruption)"))
                .hint("restore it from a backup"),
            // In WAL mode a full disk often surfaces as a plain I/O error
            // (SQLite cannot grow the -shm file), not as SQLITE_FULL.
            10 if disk_is_full(path) => Error::new(
                crate::error::Kind::Internal,
                format!("the disk holding {shown} is full; nothing was written"),
            )
            .hint("free some disk space and try again"),
            10 => Error::new(
                crate::error::Kind::Internal,
                format!("an I/O error occurred on {shown}: {}", db.message()),
            )
            .hint("check the disk and try again"),
            _ => Error::database(format!("database error on {shown}: {}", db.message()))
                .hint("check the database file"),
        };
    }
    match e {
        sqlx::Error::Io(io) => Error::io("use the database", path, &io),
        other => {
            Error::database(format!("database error on {shown}: {other}")).hint("check the database file")
        }
    }
}

/// True when the file system holding `path` has (almost) no space left for
/// an unprivileged writer: less than SQLite needs to map its shared-memory file.
fn disk_is_full(path: &Path) -> bool {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    rustix::fs::statvfs(dir).is_ok_and(|st| st.f_bavail.saturating_mul(st.f_frsize) < 64 * 1024)
}

fn sealed_row(row: &sqlx::sqlite::SqliteRow) -> SealedRow {
    SealedRow {
        id: row.get("id"),
        name: row.get("name"),
        secret: row.get("secret"),
        key_id: row.get("key_id"),
        nonce: row.get("nonce"),
    }
}

fn key_record(row: &sqlx::sqlite::SqliteRow, id: &str) -> Option<KeyRecord> {
    let id: Option<Uuid> = row.get(id);
    id.map(|id| KeyRecord {
        id,
        recipient: row.get("recipient"),
        grant: row.get("sealed_key"),
    })
}

/// Stores a key as the current one with its grants, `(recipient, sealed
/// private half)`, in the caller's transaction (`init` and key switches).
async fn insert_current_key(
    conn: &mut SqliteConnection,
    id: Uuid,
    recipient: &str,
    grants: &[(String, String)],
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO keys (id, recipient, state) VALUES ($1, $2, 'current')")
        .bind(id)
        .bind(recipient)
        .execute(&mut *conn)
        .await?;
    for (member, sealed) in grants {
        sqlx::query("INSERT INTO key_grants (key_id, recipient, sealed_key) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(member)
            .bind(sealed)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

pub(crate) async fn current_key(
    conn: &mut SqliteConnection,
    member: &str,
) -> sqlx::Result<Option<KeyRecord>> {
    let row = sqlx::query(
        "SELECT k.id, k.recipient, g.sealed_key FROM keys k \
         LEFT JOIN key_grants g ON g.key_id = k.id AND g.recipient = $1 \
         WHERE k.state = 'current'",
    )
    .bind(member)
    .fetch_optional(conn)
    .await?;
    Ok(row.and_then(|r| key_record(&r, "id")))
}

#[async_trait(?Send)]
impl Store for SqliteStore {
    async fn migrate(&mut self) -> Result<()> {
        match self.schema_version().await? {
            Some(v) if v > super::SCHEMA_VERSION => return Err(super::newer_schema(&self.url, v)),
            Some(_) => {}
            None => {
                let tables: i64 =
                    sqlx::query_scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table'")
                        .fetch_one(&mut self.conn)
                        .await
                        .map_err(|e| self.err(e))?;
                if tables > 0 {
                    return Err(Error::database(format!(
                        "{} is a SQLite database that vault did not create; it was not changed",
                        self.path.display()
                    ))
                    .hint("choose another path for the vault"));
                }
            }
        }
        migrator()
            .run_direct(None, &mut self.conn, false)
            .await
            .map_err(|e| match e {
                sqlx::migrate::MigrateError::Execute(inner) => self.err(inner),
                other => Error::database(format!("cannot migrate {}: {other}", self.path.display()))
                    .hint("check the database file"),
            })
    }

    async fn check_schema(&mut self) -> Result<()> {
        let v: std::result::Result<Option<i64>, sqlx::Error> =
            sqlx::query_scalar("SELECT max(version) FROM _sqlx_migrations WHERE success")
                .fetch_one(&mut self.conn)
                .await;
        match v {
            Err(sqlx::Error::Database(db)) if db.message().contains("no such table") => {
                Err(super::not_initialised(&self.url))
            }
            Err(e) => Err(self.err(e)),
            Ok(Some(v)) if v == super::SCHEMA_VERSION => Ok(()),
            Ok(Some(v)) if v > super::SCHEMA_VERSION => Err(super::newer_schema(&self.url, v)),
            Ok(Some(v)) => Err(super::older_schema(&self.url, v)),
            Ok(None) => Err(super::not_initialised(&self.url)),
        }
    }

    async fn bootstrap(
        &mut self,
        founder: &MemberRecord,
        key_id: Uuid,
        key_recipient: &str,
        grant: &str,
    ) -> Result<bool> {
        let path = self.path.clone();
        let err = |e| file_error(&path, e);
        let mut tx = self.conn.begin_with("BEGIN IMMEDIATE").await.map_err(err)?;
        let keys: i64 = sqlx::query_scalar("SELECT count(*) FROM keys")
            .fetch_one(&mut *tx)
            .await
            .map_err(err)?;
        if keys > 0 {
            return Ok(false);
        }
        sqlx::query("INSERT INTO members (recipient, name, added_by) VALUES ($1, $2, NULL)")
            .bind(&founder.recipient)
            .bind(&founder.name)
            .execute(&mut *tx)
            .await
            .map_err(err)?;
        insert_current_key(
            &mut tx,
            key_id,
            key_recipient,
            &[(founder.recipient.clone(), grant.to_owned())],
        )
        .await
        .map_err(err)?;
        tx.commit().await.map_err(err)?;
        Ok(true)
    }

    async fn current_key(&mut self, member: &str) -> Result<Option<KeyRecord>> {
        current_key(&mut self.conn, member).await.map_err(|e| self.err(e))
    }

    async fn member(&mut self, recipient: &str) -> Result<Option<MemberRecord>> {
        let row = sqlx::query("SELECT recipient, name, added_at, added_by FROM members WHERE recipient = $1")
            .bind(recipient)
            .fetch_optional(&mut self.conn)
            .await
            .map_err(|e| self.err(e))?;
        Ok(row.map(|r| MemberRecord {
            recipient: r.get("recipient"),
            name: r.get("name"),
            added_at: r.get("added_at"),
            added_by: r.get("added_by"),
        }))
    }

    async fn get(&mut self, name: &str, member: &str) -> Result<Option<(SealedRow, Option<KeyRecord>)>> {
        let row = sqlx::query(
            "SELECT s.id, s.name, s.secret, s.key_id, s.nonce, k.id AS kid, k.recipient, g.sealed_key \
             FROM secrets s \
             LEFT JOIN keys k ON k.id = s.key_id AND k.state <> 'retired' \
             LEFT JOIN key_grants g ON g.key_id = k.id AND g.recipient = $2 \
             WHERE s.name = $1",
        )
        .bind(name)
        .bind(member)
        .fetch_optional(&mut self.conn)
        .await
        .map_err(|e| self.err(e))?;
        Ok(row.map(|r| (sealed_row(&r), key_record(&r, "kid"))))
    }

    async fn list(&mut self, prefix: Option<&str>, each: &mut dyn FnMut(Meta) -> Result<()>) -> Result<()> {
        let path = self.path.clone();
        let mut rows = sqlx::query(
            "SELECT id, name, description, key_id, created_at, updated_at FROM secrets \
             WHERE $1 IS NULL OR substr(name, 1, length($1)) = $1 ORDER BY name",
        )
        .bind(prefix)
        .fetch(&mut self.conn);
        while let Some(r) = rows.try_next().await.map_err(|e| file_error(&path, e))? {
            each(Meta {
                id: r.get("id"),
                name: r.get("name"),
                description: r.get("description"),
                key_id: r.get("key_id"),
                created_at: r.get("created_at"),
                updated_at: r.get("updated_at"),
            })?;
        }
        Ok(())
    }

    async fn fetch_all(
        &mut self,
        prefix: Option<&str>,
        member: &str,
    ) -> Result<(Vec<SealedRow>, Vec<KeyRecord>)> {
        let path = self.path.clone();
        let err = |e| file_error(&path, e);
        // One snapshot for both queries: a rotation switching keys between
        // them would otherwise leave rows under a key that was not read.
        let mut tx = self.conn.begin().await.map_err(err)?;
        let keys = sqlx::query(
            "SELECT k.id, k.recipient, g.sealed_key FROM keys k \
             JOIN key_grants g ON g.key_id = k.id AND g.recipient = $1 WHERE k.state <> 'retired'",
        )
        .bind(member)
        .fetch_all(&mut *tx)
        .await
        .map_err(err)?
        .iter()
        .filter_map(|r| key_record(r, "id"))
        .collect();
        let rows = sqlx::query(
            "SELECT id, name, secret, key_id, nonce FROM secrets \
             WHERE name IS NOT NULL AND ($1 IS NULL OR substr(name, 1, length($1)) = $1) ORDER BY name",
        )
        .bind(prefix)
        .fetch_all(&mut *tx)
        .await
        .map_err(err)?
        .iter()
        .map(sealed_row)
        .collect();
        tx.commit().await.map_err(err)?;
        Ok((rows, keys))
    }

    async fn put(
        &mut self,
        items: &[PutItem],
        mode: PutMode,
        member: &str,
        sealer: &dyn Sealer,
    ) -> Result<Vec<PutOutcome>> {
        let path = self.path.clone();
        let err = |e| file_error(&path, e);
        let mut tx = self.conn.begin_with("BEGIN IMMEDIATE").await.map_err(err)?;
        let key = current_key(&mut tx, member)
            .await
            .map_err(err)?
            .ok_or_else(super::postgres::no_key)?;
        let mut existing: HashMap<&str, Uuid> = HashMap::new();
        for item in items {
            let id: Option<Uuid> = sqlx::query_scalar("SELECT id FROM secrets WHERE name = $1")
                .bind(&item.name)
                .fetch_optional(&mut *tx)
                .await
                .map_err(err)?;
            if let Some(id) = id {
                existing.insert(&item.name, id);
            }
        }
        if mode == PutMode::CreateOnly && !existing.is_empty() {
            return Err(crate::vault::exists_error(existing.keys()));
        }
        let slots: Vec<Slot<'_>> = items
            .iter()
            .map(|i| match existing.get(i.name.as_str()) {
                Some(id) => Slot {
                    id: *id,
                    name: &i.name,
                    created: false,
                },
                None => Slot {
                    id: Uuid::new_v4(),
                    name: &i.name,
                    created: true,
                },
            })
            .collect();
        let sealed = sealer.seal(&key, &slots)?;
        for ((slot, item), s) in slots.iter().zip(items).zip(sealed) {
            if slot.created {
                sqlx::query(
                    "INSERT INTO secrets (id, name, description, secret, key_id, nonce) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(slot.id)
                .bind(slot.name)
                .bind(item.description.as_deref().unwrap_or(""))
                .bind(&s.secret)
                .bind(key.id)
                .bind(&s.nonce)
                .execute(&mut *tx)
                .await
                .map_err(err)?;
            } else {
                sqlx::query(
                    "UPDATE secrets SET secret = $2, nonce = $3, key_id = $4, \
                     description = COALESCE($5, description) WHERE id = $1",
                )
                .bind(slot.id)
                .bind(&s.secret)
                .bind(&s.nonce)
                .bind(key.id)
                .bind(item.description.as_deref())
                .execute(&mut *tx)
                .await
                .map_err(err)?;
            }
        }
        tx.commit().await.map_err(err)?;
        Ok(slots
            .into_iter()
            .map(|s| PutOutcome {
                id: s.id,
                name: s.name.to_owned(),
                created: s.created,
                key_id: key.id,
            })
            .collect())
    }

    async fn remove(&mut self, names: &[String]) -> Result<()> {
        let path = self.path.clone();
        let err = |e| file_error(&path, e);
        let mut tx = self.conn.begin_with("BEGIN IMMEDIATE").await.map_err(err)?;
        let mut missing = Vec::new();
        for name in names {
            let done = sqlx::query("DELETE FROM secrets WHERE name = $1")
                .bind(name)
                .execute(&mut *tx)
                .await
                .map_err(err)?;
            if done.rows_affected() == 0 {
                missing.push(name.as_str());
            }
        }
        if !missing.is_empty() {
            return Err(super::not_found(&missing));
        }
        tx.commit().await.map_err(err)
    }

    // ---- rotation ----

    async fn lock_rotation(&mut self) -> Result<bool> {
        // flock on our own fd of the database file: independent of SQLite's
        // fcntl locks, released by the kernel when the process dies, and no
        // extra file to leave behind.
        use rustix::fs::{FlockOperation, flock};
        if self.rotation_lock.is_some() {
            return Ok(false);
        }
        // Never closed (see `rotation_lock`), so even a failed attempt keeps it.
        let file = ManuallyDrop::new(
            std::fs::File::open(&self.path).map_err(|e| Error::io("open", &self.path, &e))?,
        );
        match flock(&*file, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => {
                self.rotation_lock = Some(file);
                Ok(true)
            }
            Err(rustix::io::Errno::WOULDBLOCK) => Ok(false),
            Err(e) => Err(Error::io("lock", &self.path, &e.into())),
        }
    }

    async fn unlock_rotation(&mut self) -> Result<()> {
        if let Some(file) = self.rotation_lock.take() {
            rustix::fs::flock(&*file, rustix::fs::FlockOperation::Unlock)
                .map_err(|e| Error::io("unlock", &self.path, &e.into()))?;
            // `file` is not closed: ManuallyDrop leaks the fd on purpose.
        }
        Ok(())
    }

    async fn rotation_state(&mut self, member: &str) -> Result<RotationState> {
        let path = self.path.clone();
        let err = |e| file_error(&path, e);
        // One read transaction: a consistent snapshot in WAL mode.
        let mut tx = self.conn.begin().await.map_err(err)?;
        let counts: HashMap<Option<Uuid>, i64> =
            sqlx::query("SELECT key_id, count(*) AS n FROM secrets GROUP BY key_id")
                .fetch_all(&mut *tx)
                .await
                .map_err(err)?
                .iter()
                .map(|r| (r.get("key_id"), r.get("n")))
                .collect();
        let keys = sqlx::query(
            "SELECT k.id, k.recipient, k.state, g.sealed_key FROM keys k \
             LEFT JOIN key_grants g ON g.key_id = k.id AND g.recipient = $1 \
             WHERE k.state <> 'retired' ORDER BY k.created_at, k.id",
        )
        .bind(member)
        .fetch_all(&mut *tx)
        .await
        .map_err(err)?
        .iter()
        .filter_map(|r| {
            let retiring = r.get::<String, _>("state") == "retiring";
            key_record(r, "id").map(|key| KeyStatus {
                secrets: counts.get(&Some(key.id)).copied().unwrap_or(0) as u64,
                key,
                retiring,
            })
        })
        .collect();
        tx.commit().await.map_err(err)?;
        Ok(RotationState {
            keys,
            secrets: counts.values().sum::<i64>() as u64,
        })
    }

    async fn grantees(&mut self, key: Uuid) -> Result<Vec<MemberRecord>> {
        let rows = sqlx::query(
            "SELECT m.recipient, m.name, m.added_at, m.added_by FROM key_grants g \
             JOIN members m ON m.recipient = g.recipient WHERE g.key_id = $1 ORDER BY m.name",
        )
        .bind(key)
        .fetch_all(&mut self.conn)
        .await
        .map_err(|e| self.err(e))?;
        Ok(rows
            .iter()
            .map(|r| MemberRecord {
                recipient: r.get("recipient"),
                name: r.get("name"),
                added_at: r.get("added_at"),
                added_by: r.get("added_by"),
            })
            .collect())
    }

    async fn switch_key(
        &mut self,
        old: Uuid,
        new_id: Uuid,
        new_recipient: &str,
        grants: &[(String, String)],
    ) -> Result<Vec<String>> {
        let path = self.path.clone();
        let err = |e| file_error(&path, e);
        // The write lock: no put is between "read the key" and "commit".
        let mut tx = self.conn.begin_with("BEGIN IMMEDIATE").await.map_err(err)?;
        let state: Option<String> = sqlx::query_scalar("SELECT state FROM keys WHERE id = $1")
            .bind(old)
            .fetch_optional(&mut *tx)
            .await
            .map_err(err)?;
        if state.as_deref() != Some("current") {
            return Err(super::key_changed(old));
        }
        let holders: Vec<String> = sqlx::query_scalar("SELECT recipient FROM key_grants WHERE key_id = $1")
            .bind(old)
            .fetch_all(&mut *tx)
            .await
            .map_err(err)?;
        let missing: Vec<String> = holders
            .into_iter()
            .filter(|h| !grants.iter().any(|(r, _)| r == h))
            .collect();
        if !missing.is_empty() {
            return Ok(missing);
        }
        sqlx::query("UPDATE keys SET state = 'retiring' WHERE id = $1")
            .bind(old)
            .execute(&mut *tx)
            .await
            .map_err(err)?;
        insert_current_key(&mut tx, new_id, new_recipient, grants)
            .await
            .map_err(err)?;
        tx.commit().await.map_err(err)?;
        Ok(vec![])
    }

    async fn reseal_batch(
        &mut self,
        from: Uuid,
        to: Uuid,
        after: Option<Uuid>,
        limit: usize,
        resealer: &dyn Resealer,
    ) -> Result<BatchOutcome> {
        let path = self.path.clone();
        let err = |e| file_error(&path, e);
        let mut tx = self.conn.begin_with("BEGIN IMMEDIATE").await.map_err(err)?;
        let rows: Vec<SealedRow> = sqlx::query(
            "SELECT id, name, secret, key_id, nonce FROM secrets \
             WHERE key_id = $1 AND ($2 IS NULL OR id > $2) ORDER BY id LIMIT $3",
        )
        .bind(from)
        .bind(after)
        .bind(limit as i64)
        .fetch_all(&mut *tx)
        .await
        .map_err(err)?
        .iter()
        .map(sealed_row)
        .collect();
        let sealed = resealer.reseal(&rows);
        let mut moved = 0;
        let mut failed = vec![];
        for (row, s) in rows.iter().zip(sealed) {
            match s {
                Ok(s) => {
                    // One prepared statement (sqlx caches it), one step per row.
                    moved += sqlx::query(
                        "UPDATE secrets SET secret = $2, nonce = $3, key_id = $4 WHERE id = $1 AND key_id = $5",
                    )
                    .bind(row.id)
                    .bind(&s.secret)
                    .bind(&s.nonce)
                    .bind(to)
                    .bind(from)
                    .execute(&mut *tx)
                    .await
                    .map_err(err)?
                    .rows_affected();
                }
                Err(_) => failed.push((row.id, row.name.clone())),
            }
        }
        tx.commit().await.map_err(err)?;
        Ok(BatchOutcome {
            seen: rows.len(),
            last: rows.last().map(|r| r.id),
            moved,
            failed,
        })
    }

    async fn retire_key(&mut self, key: Uuid) -> Result<bool> {
        let path = self.path.clone();
        let err = |e| file_error(&path, e);
        let mut tx = self.conn.begin_with("BEGIN IMMEDIATE").await.map_err(err)?;
        let used: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM secrets WHERE key_id = $1)")
            .bind(key)
            .fetch_one(&mut *tx)
            .await
            .map_err(err)?;
        if used {
            return Ok(false);
        }
        sqlx::query("DELETE FROM key_grants WHERE key_id = $1")
            .bind(key)
            .execute(&mut *tx)
            .await
            .map_err(err)?;
        sqlx::query(
            "UPDATE keys SET state = 'retired', retired_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') \
             WHERE id = $1 AND state = 'retiring'",
        )
        .bind(key)
        .execute(&mut *tx)
        .await
        .map_err(err)?;
        tx.commit().await.map_err(err)?;
        Ok(true)
    }

    // ---- members ----

    async fn members(&mut self) -> Result<Vec<MemberInfo>> {
        let rows = sqlx::query(
            "SELECT m.recipient, m.name, m.added_at, m.added_by, (g.key_id IS NOT NULL) AS has_current \
             FROM members m \
             LEFT JOIN keys k ON k.state = 'current' \
             LEFT JOIN key_grants g ON g.key_id = k.id AND g.recipient = m.recipient \
             ORDER BY m.name",
        )
        .fetch_all(&mut self.conn)
        .await
        .map_err(|e| self.err(e))?;
        Ok(rows
            .iter()
            .map(|r| MemberInfo {
                member: member_record(r),
                has_current_key: r.get("has_current"),
            })
            .collect())
    }

    async fn add_member(&mut self, member: &MemberRecord, adder: &str, granter: &dyn Granter) -> Result<()> {
        let path = self.path.clone();
        let err = |e| file_error(&path, e);
        // IMMEDIATE: the write lock is held from here, so no key switch can
        // happen between reading the keys and committing the grants.
        let mut tx = self.conn.begin_with("BEGIN IMMEDIATE").await.map_err(err)?;
        let existing = sqlx::query(
            "SELECT recipient, name, added_at, added_by FROM members \
             WHERE recipient = $1 OR name = $2 ORDER BY (recipient = $1) DESC LIMIT 1",
        )
        .bind(&member.recipient)
        .bind(&member.name)
        .fetch_optional(&mut *tx)
        .await
        .map_err(err)?;
        if let Some(row) = existing {
            return Err(super::member_exists(&member_record(&row), member));
        }
        let keys = sqlx::query(
            "SELECT k.id, k.recipient, k.state, g.sealed_key FROM keys k \
             LEFT JOIN key_grants g ON g.key_id = k.id AND g.recipient = $1 \
             WHERE k.state IN ('current', 'retiring') ORDER BY k.created_at",
        )
        .bind(adder)
        .fetch_all(&mut *tx)
        .await
        .map_err(err)?;
        let mut current = None;
        let mut retiring = Vec::new();
        for row in &keys {
            let state: String = row.get("state");
            if let Some(k) = key_record(row, "id") {
                if state == "current" {
                    current = Some(k);
                } else {
                    retiring.push(k);
                }
            }
        }
        let current = current.ok_or_else(super::postgres::no_key)?;
        let grants = granter.grant(&current, &retiring)?;
        sqlx::query("INSERT INTO members (recipient, name, added_by) VALUES ($1, $2, $3)")
            .bind(&member.recipient)
            .bind(&member.name)
            .bind(adder)
            .execute(&mut *tx)
            .await
            .map_err(err)?;
        for (key_id, grant) in &grants {
            sqlx::query("INSERT INTO key_grants (key_id, recipient, sealed_key) VALUES ($1, $2, $3)")
                .bind(key_id)
                .bind(&member.recipient)
                .bind(grant)
                .execute(&mut *tx)
                .await
                .map_err(err)?;
        }
        tx.commit().await.map_err(err)
    }

    async fn remove_member(&mut self, recipient: &str) -> Result<()> {
        let path = self.path.clone();
        let err = |e| file_error(&path, e);
        let mut tx = self.conn.begin_with("BEGIN IMMEDIATE").await.map_err(err)?;
        let others: i64 = sqlx::query_scalar("SELECT count(*) FROM members WHERE recipient <> $1")
            .bind(recipient)
            .fetch_one(&mut *tx)
            .await
            .map_err(err)?;
        let name: Option<String> = sqlx::query_scalar("SELECT name FROM members WHERE recipient = $1")
            .bind(recipient)
            .fetch_optional(&mut *tx)
            .await
            .map_err(err)?;
        let Some(name) = name else {
            return Err(super::no_member(&super::short_recipient(recipient)));
        };
        if others == 0 {
            return Err(super::last_member(&name));
        }
        // foreign_keys is on for every connection, so the grants go too.
        sqlx::query("DELETE FROM members WHERE recipient = $1")
            .bind(recipient)
            .execute(&mut *tx)
            .await
            .map_err(err)?;
        tx.commit().await.map_err(err)
    }

    // ---- fast paths (benches/compare.sh) ----

    async fn list_names(
        &mut self,
        prefix: Option<&str>,
        each: &mut dyn for<'n> FnMut(&'n str) -> Result<()>,
    ) -> Result<()> {
        let path = self.path.clone();
        let mut rows = sqlx::query(
            "SELECT name FROM secrets \
             WHERE name IS NOT NULL AND ($1 IS NULL OR substr(name, 1, length($1)) = $1) ORDER BY name",
        )
        .bind(prefix)
        .fetch(&mut self.conn);
        while let Some(r) = rows.try_next().await.map_err(|e| file_error(&path, e))? {
            each(r.try_get::<&str, _>(0).map_err(|e| file_error(&path, e))?)?;
        }
        Ok(())
    }
}

fn member_record(r: &sqlx::sqlite::SqliteRow) -> MemberRecord {
    MemberRecord {
        recipient: r.get("recipient"),
        name: r.get("name"),
        added_at: r.get("added_at"),
        added_by: r.get("added_by"),
    }
}
