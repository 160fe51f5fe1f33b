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
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use async_trait::async_trait;
use futures_util::TryStreamExt;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqliteSynchronous};
use sqlx::{Connection, Row};
use uuid::Uuid;

use super::{KeyRecord, MemberRecord, Meta, PutItem, PutMode, PutOutcome, Sealer, Slot, Store};
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
}

fn migrator() -> Migrator {
    Migrator::with_migrations(vec![Migration::new(
        1,
        "init".into(),
        MigrationType::Simple,
        sqlx::SqlSafeStr::into_sql_str(include_str!("../../migrations/sqlite/0001_init.sql")),
        false,
    )])
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
        sqlx::query("INSERT INTO keys (id, recipient, state) VALUES ($1, $2, 'current')")
            .bind(key_id)
            .bind(key_recipient)
            .execute(&mut *tx)
            .await
            .map_err(err)?;
        sqlx::query("INSERT INTO key_grants (key_id, recipient, sealed_key) VALUES ($1, $2, $3)")
            .bind(key_id)
            .bind(&founder.recipient)
            .bind(grant)
            .execute(&mut *tx)
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
        let keys = sqlx::query(
            "SELECT k.id, k.recipient, g.sealed_key FROM keys k \
             JOIN key_grants g ON g.key_id = k.id AND g.recipient = $1 WHERE k.state <> 'retired'",
        )
        .bind(member)
        .fetch_all(&mut self.conn)
        .await
        .map_err(|e| self.err(e))?
        .iter()
        .filter_map(|r| key_record(r, "id"))
        .collect();
        let rows = sqlx::query(
            "SELECT id, name, secret, key_id, nonce FROM secrets \
             WHERE name IS NOT NULL AND ($1 IS NULL OR substr(name, 1, length($1)) = $1) ORDER BY name",
        )
        .bind(prefix)
        .fetch_all(&mut self.conn)
        .await
        .map_err(|e| self.err(e))?
        .iter()
        .map(sealed_row)
        .collect();
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
