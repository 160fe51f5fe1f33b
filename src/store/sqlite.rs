//! The SQLite backend: the embedded personal vault, zero configuration.
//!
//! The file and its directory are private (0600/0700; SQLite gives the WAL
//! and shared-memory files the database file's mode). WAL with
//! `synchronous=FULL` makes every reported write durable, and a busy timeout
//! lets two `vault` processes queue instead of failing with "database is
//! locked". Writes take the write lock up front (`BEGIN IMMEDIATE`) and read
//! the current key inside it, so they serialise with key switches the same
//! way the PostgreSQL backend's advisory lock does.
//!
//! Commands that only read (`get`, completion) open the file read-only. In
//! WAL mode that is still a full reader beside writers (same snapshot rules,
//! same shared-memory index); a read-only connection just never checkpoints
//! or deletes the -wal and -shm files, so they stay for the next command
//! (creating them again was a measurable part of every `get`; see README,
//! Performance). They hold nothing a reader put there: a reader writes no
//! WAL frames, and the -shm file is only an index of the WAL. Such a
//! reader's connection is vault's own, on the command's thread (`raw`), not
//! sqlx's: sqlx gives every connection a worker thread, and starting it and
//! crossing to it for each statement was a tenth of a `vault get`. Every
//! store that may write stays on sqlx (migrations, batched writes).
//!
//! Each command is the file's only connection when it opens it, so SQLite
//! rebuilds the -shm index by reading every frame of the WAL. A process
//! that exits does not get to checkpoint on close, so the WAL grew with
//! every write (3 MB after 65 puts) and every later command read it all.
//! A write therefore empties the WAL after its commit (`empty_wal`), and
//! the next command finds nothing to read. A purge empties it too (`scrub`).

use std::collections::HashMap;
use std::fs::OpenOptions;
use std::mem::ManuallyDrop;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use async_trait::async_trait;
use futures_util::TryStreamExt;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::query_builder::Separated;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqliteSynchronous};
use sqlx::{AssertSqlSafe, Connection, QueryBuilder, Sqlite};
use uuid::Uuid;

use super::sql::{self, Arg, Row, Tx, bind_all};
use super::{Backend, BatchOutcome, KeyRecord, ResealCursor, Sealed, SealedRow, SharedResealer, WriteRow};
use crate::config::DbUrl;
use crate::error::{Error, Result};
use crate::pool::Pending;
use crate::secure_fs;

mod raw;

/// How long a writer waits for another process's write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

pub(crate) use raw::DirectRow;

/// How a store reaches SQLite.
enum Conn {
    /// Through sqlx (and its worker thread): every store that may write.
    Sqlx(SqliteConnection),
    /// vault's own read-only connection on this thread (see `raw`): a
    /// store opened to read, where sqlx's thread and its crossings were a
    /// tenth of a `vault get`.
    Direct(raw::Connection),
}

pub(crate) struct SqliteStore {
    conn: Conn,
    url: DbUrl,
    path: PathBuf,
    /// While `vault rotate` runs: an fd of the database file holding an
    /// exclusive flock (the rotation mutex). Never closed: closing any fd of
    /// the database file drops every POSIX lock this process holds on it,
    /// SQLite's included, which can corrupt the database. It is released
    /// with LOCK_UN and the fd lives until the process exits.
    rotation_lock: Option<ManuallyDrop<std::fs::File>>,
    dialect: sql::Dialect,
    /// The open transaction writes (began IMMEDIATE).
    writing: bool,
}

/// The migrations, in order: every file of `migrations/sqlite/` (a test
/// checks that the list and the directory agree).
pub(crate) const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "init", include_str!("../../migrations/sqlite/0001_init.sql")),
    (
        2,
        "secrets key_id index",
        include_str!("../../migrations/sqlite/0002_secrets_key_id_idx.sql"),
    ),
    (
        3,
        "rotation lease",
        include_str!("../../migrations/sqlite/0003_rotation_lease.sql"),
    ),
    (4, "log", include_str!("../../migrations/sqlite/0004_log.sql")),
    (
        5,
        "names in bytewise order",
        include_str!("../../migrations/sqlite/0005_name_c_index.sql"),
    ),
    (
        6,
        "versions",
        include_str!("../../migrations/sqlite/0006_versions.sql"),
    ),
];

fn migrator() -> Migrator {
    Migrator::with_migrations(
        MIGRATIONS
            .iter()
            .map(|(v, what, sql)| {
                Migration::new(
                    *v,
                    (*what).into(),
                    MigrationType::Simple,
                    sqlx::SqlSafeStr::into_sql_str(*sql),
                    false,
                )
            })
            .collect(),
    )
}

/// Rows a rotation batch re-seals at a time on its sealing thread, while
/// the connection writes the stretch before: enough for every core, few
/// enough that the first stretch (not overlapped) is a small part of a batch.
const RESEAL_STRETCH: usize = 64;

/// Rows per multi-row INSERT: 7 parameters each stays well under SQLite's
/// limit of 32,766 per statement; an import chunk (512) is one statement.
const ROWS_PER_INSERT: usize = 1024;

/// Replaced rows (and re-sealed versions) written by one UPDATE, and pruned
/// by one DELETE: each row finds its value by a scan of the stretch, so a
/// stretch stays short.
const REPLACE_STRETCH: usize = 64;

/// Stretches of a rotation's rows being re-sealed on the pool while the
/// connection writes the one before.
const RESEAL_AHEAD: usize = 2;

/// A stretch of rows written by one UPDATE: `WITH v(<key>, <values>) AS
/// (VALUES …) UPDATE <table> SET <column> = <the stretch's value>, …
/// WHERE … AND (<key>) IN (SELECT <key> FROM v)`. Each row to update is
/// looked up by its key in the stretch, each value by a scan of the
/// stretch (which is why a stretch stays short). A join (`UPDATE … FROM
/// (VALUES …)`), or an index on another column of the WHERE, was planned
/// as a walk over that column's rows probing the stretch for each (100,000
/// secrets: 100 s): keep the key lookup the only way in.
struct Stretch {
    table: &'static str,
    key: &'static [&'static str],
}

const SECRETS: Stretch = Stretch {
    table: "secrets",
    key: &["id"],
};
const VERSIONS: Stretch = Stretch {
    table: "versions",
    key: &["secret_id", "version"],
};

impl Stretch {
    /// `WITH v(<key>, <values>) AS (`: the caller then pushes the rows
    /// (`push_values`, binding in that order) and [`Stretch::set`].
    fn with(&self, values: &[&str]) -> String {
        format!("WITH v({}) AS (", [self.key, values].concat().join(", "))
    }

    /// `) UPDATE <table> SET <column> = <the stretch's value>, …`.
    fn set(&self, columns: &[&str]) -> String {
        let set: Vec<String> = columns
            .iter()
            .map(|c| format!("{c} = {}", self.value(c)))
            .collect();
        format!(") UPDATE {} SET {}", self.table, set.join(", "))
    }

    /// The stretch's value of `column` for the row being updated.
    fn value(&self, column: &str) -> String {
        let on: Vec<String> = self
            .key
            .iter()
            .map(|k| format!("v.{k} = {}.{k}", self.table))
            .collect();
        format!("(SELECT v.{column} FROM v WHERE {})", on.join(" AND "))
    }

    /// `(<key>) IN (SELECT <key> FROM v)`: only the stretch's rows.
    fn its_rows(&self) -> String {
        let key = self.key.join(", ");
        format!("({key}) IN (SELECT {key} FROM v)")
    }
}

impl SqliteStore {
    /// Writes `rows` with multi-row INSERTs, [`ROWS_PER_INSERT`] at a time:
    /// `head` names the table and its columns, `bind` binds one row's values
    /// in that order.
    async fn insert_many<T: Sync>(
        &mut self,
        head: &'static str,
        rows: &[T],
        bind: impl Fn(&mut Separated<'_, Sqlite, &'static str>, &T) + Send + Sync,
    ) -> Result<()> {
        for group in rows.chunks(ROWS_PER_INSERT) {
            let mut insert = QueryBuilder::<Sqlite>::new(head);
            insert.push_values(group, |mut b, r| bind(&mut b, r));
            insert
                .build()
                .execute(self.sqlx()?)
                .await
                .map_err(|e| self.err(e))?;
        }
        Ok(())
    }

    /// Opens the database `url` names. With `opts.create` (only `vault
    /// init`) a missing file is created; with `opts.read_only` (shell
    /// completion) nothing is ever created or written.
    pub(crate) async fn open(url: &DbUrl, opts: super::OpenOptions) -> Result<SqliteStore> {
        let path = url
            .sqlite_path()
            .filter(|p| !p.as_os_str().is_empty())
            .ok_or_else(|| {
                Error::usage(format!("{url} names no file")).hint("use sqlite:///path/to/vault.db")
            })?;
        if opts.create && !opts.read_only {
            create_private_db(&path)?;
        } else if !path.exists() {
            return Err(
                Error::database(format!("there is no vault at {}", path.display()))
                    .hint("run `vault init` to create one, or pass --database-url"),
            );
        }
        let conn = if opts.read_only {
            // A reader opens SQLite itself, on this thread: sqlx's
            // connection spawns a worker thread and every statement crosses
            // to it and back, 0.3 ms of a 3 ms `vault get` (paired runs of
            // the same open and reads both ways). A reader needs no
            // journal mode or sync setting either: the file is in WAL mode
            // already (`init` made it so, every read-write open keeps it
            // so), and it syncs nothing.
            Conn::Direct(
                raw::Connection::open_read_only(&path, BUSY_TIMEOUT)
                    .map_err(|stop| stop_error(&path, stop))?,
            )
        } else {
            let connect = SqliteConnectOptions::new()
                .filename(&path)
                .create_if_missing(false)
                .foreign_keys(true)
                .busy_timeout(BUSY_TIMEOUT)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full);
            Conn::Sqlx(
                SqliteConnection::connect_with(&connect)
                    .await
                    .map_err(|e| file_error(&path, e))?,
            )
        };
        Ok(SqliteStore {
            conn,
            url: url.clone(),
            path,
            rotation_lock: None,
            dialect: sql::Dialect::sqlite(),
            writing: false,
        })
    }

    fn err(&self, e: sqlx::Error) -> Error {
        file_error(&self.path, e)
    }

    /// Runs one statement that takes nothing and returns nothing
    /// (`BEGIN`, `COMMIT`, `ROLLBACK`).
    async fn exec(&mut self, sql: &'static str) -> Result<()> {
        match &mut self.conn {
            Conn::Sqlx(conn) => sqlx::raw_sql(sql)
                .execute(conn)
                .await
                .map(drop)
                .map_err(|e| file_error(&self.path, e)),
            Conn::Direct(conn) => conn
                .execute(sql, &[])
                .map(drop)
                .map_err(|stop| stop_error(&self.path, stop)),
        }
    }

    /// sqlx's connection, which every write goes through; a store opened
    /// to read has none (a write asked of it is vault's own bug).
    fn sqlx(&mut self) -> Result<&mut SqliteConnection> {
        match &mut self.conn {
            Conn::Sqlx(c) => Ok(c),
            Conn::Direct(_) => Err(Error::internal(format!(
                "{} was opened to read, and vault tried to write it",
                self.path.display()
            ))),
        }
    }

    /// After a committed write: checkpoints the WAL into the database and
    /// truncates it, so that the next command to open the file has no WAL
    /// to index (see the module's doc). Never waits: when another process
    /// reads or writes meanwhile, the checkpoint is busy and the WAL stays
    /// until a later write. Nothing depends on it, so nothing fails for it.
    async fn empty_wal(&mut self) {
        let Conn::Sqlx(conn) = &mut self.conn else {
            return;
        };
        let _ = sqlx::raw_sql("PRAGMA busy_timeout = 0; PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&mut *conn)
            .await;
        let restore = format!("PRAGMA busy_timeout = {}", BUSY_TIMEOUT.as_millis());
        let _ = sqlx::raw_sql(AssertSqlSafe(restore)).execute(conn).await;
    }

    async fn schema_version(&mut self) -> Result<Option<i64>> {
        let has: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
        )
        .fetch_one(self.sqlx()?)
        .await
        .map_err(|e| self.err(e))?;
        if has == 0 {
            return Ok(None);
        }
        let v: Option<i64> = sqlx::query_scalar("SELECT max(version) FROM _sqlx_migrations WHERE success")
            .fetch_one(self.sqlx()?)
            .await
            .map_err(|e| self.err(e))?;
        Ok(Some(v.unwrap_or(0)))
    }

    async fn sealed_rows(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<Vec<SealedRow>> {
        self.fetch_all(sql, args)
            .await?
            .iter()
            .map(super::sealed_row)
            .collect()
    }
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_unique_violation())
}

#[async_trait(?Send)]
impl Backend for SqliteStore {
    fn dialect(&self) -> &sql::Dialect {
        &self.dialect
    }

    async fn begin(&mut self, tx: Tx) -> Result<()> {
        // One writer at a time holds the database: IMMEDIATE takes the write
        // lock up front, so every writing transaction excludes key switches
        // and a deferred read never has to be upgraded (which could fail).
        let begin = match tx {
            Tx::Snapshot => "BEGIN",
            Tx::Write | Tx::KeysShared | Tx::KeysExclusive => "BEGIN IMMEDIATE",
        };
        self.exec(begin).await?;
        self.writing = tx != Tx::Snapshot;
        Ok(())
    }

    async fn commit(&mut self) -> Result<()> {
        self.exec("COMMIT").await?;
        if std::mem::take(&mut self.writing) {
            self.empty_wal().await;
        }
        Ok(())
    }

    async fn rollback(&mut self) -> Result<()> {
        self.writing = false;
        self.exec("ROLLBACK").await
    }

    async fn execute(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<u64> {
        match &mut self.conn {
            Conn::Sqlx(conn) => bind_all!(sqlx::query(AssertSqlSafe(sql)), args)
                .execute(conn)
                .await
                .map(|r| r.rows_affected())
                .map_err(|e| file_error(&self.path, e)),
            Conn::Direct(conn) => conn
                .execute(sql, args)
                .map_err(|stop| stop_error(&self.path, stop)),
        }
    }

    async fn insert(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<Option<u64>> {
        let done = match &mut self.conn {
            Conn::Sqlx(conn) => match bind_all!(sqlx::query(AssertSqlSafe(sql)), args)
                .execute(conn)
                .await
            {
                Ok(r) => return Ok(Some(r.rows_affected())),
                Err(e) if is_unique_violation(&e) => return Ok(None),
                Err(e) => return Err(self.err(e)),
            },
            Conn::Direct(conn) => conn.execute(sql, args),
        };
        match done {
            Ok(n) => Ok(Some(n)),
            // SQLITE_CONSTRAINT_UNIQUE and SQLITE_CONSTRAINT_PRIMARYKEY, as
            // sqlx's `is_unique_violation` reads them.
            Err(raw::Stop::Sqlite {
                code: 2067 | 1555, ..
            }) => Ok(None),
            Err(stop) => Err(stop_error(&self.path, stop)),
        }
    }

    async fn fetch_all(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<Vec<Row>> {
        let mut rows = Vec::new();
        match &mut self.conn {
            Conn::Sqlx(conn) => {
                return bind_all!(sqlx::query(AssertSqlSafe(sql)), args)
                    .fetch_all(conn)
                    .await
                    .map(|rows| rows.into_iter().map(Row::Lite).collect())
                    .map_err(|e| file_error(&self.path, e));
            }
            Conn::Direct(conn) => conn
                .each_row(sql, args, &mut |r| {
                    rows.push(Row::Direct(r));
                    Ok(())
                })
                .map_err(|stop| stop_error(&self.path, stop))?,
        }
        Ok(rows)
    }

    async fn fetch_optional(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<Option<Row>> {
        match &mut self.conn {
            Conn::Sqlx(conn) => bind_all!(sqlx::query(AssertSqlSafe(sql)), args)
                .fetch_optional(conn)
                .await
                .map(|r| r.map(Row::Lite))
                .map_err(|e| file_error(&self.path, e)),
            Conn::Direct(conn) => conn
                .first_row(sql, args)
                .map(|r| r.map(Row::Direct))
                .map_err(|stop| stop_error(&self.path, stop)),
        }
    }

    async fn for_each(
        &mut self,
        sql: &str,
        args: &[Arg<'_>],
        each: &mut dyn for<'r> FnMut(&'r Row) -> Result<()>,
    ) -> Result<()> {
        let path = self.path.clone();
        match &mut self.conn {
            Conn::Sqlx(conn) => {
                let mut rows = bind_all!(sqlx::query(AssertSqlSafe(sql)), args).fetch(conn);
                while let Some(r) = rows.try_next().await.map_err(|e| file_error(&path, e))? {
                    each(&Row::Lite(r))?;
                }
                Ok(())
            }
            Conn::Direct(conn) => conn
                .each_row(sql, args, &mut |r| each(&Row::Direct(r)))
                .map_err(|stop| stop_error(&path, stop)),
        }
    }

    /// sqlx hands SQLite's rows from its worker thread one at a time, about
    /// 1 µs each: for a million names that, not SQLite, was the cost of
    /// `ls`. Packing names into chunks (`group_concat`) halved it, but each
    /// chunk was still built, copied and faulted in three times. So these
    /// reads step the statement on this thread, each name borrowed from
    /// SQLite's row on its way out: what the `sqlite3` shell does. A store
    /// opened to read has its own connection here already; a read-write one
    /// takes its connection from sqlx's worker (`lock_handle`, sqlx's own
    /// way to call SQLite directly), which waits meanwhile.
    async fn texts(
        &mut self,
        sql: &str,
        params: &[&str],
        each: &mut dyn for<'n> FnMut(&'n str) -> Result<()>,
    ) -> Result<()> {
        let done = match &mut self.conn {
            Conn::Sqlx(conn) => {
                let mut handle = conn.lock_handle().await.map_err(|e| file_error(&self.path, e))?;
                raw::each_text_locked(&mut handle, sql, params, each)
            }
            Conn::Direct(conn) => conn.each_text(sql, params, each),
        };
        done.map_err(|stop| stop_error(&self.path, stop))
    }

    async fn migrate(&mut self) -> Result<()> {
        match self.schema_version().await? {
            Some(v) if v > super::SCHEMA_VERSION => return Err(super::newer_schema(&self.url, v)),
            Some(_) => {}
            None => {
                let tables: i64 =
                    sqlx::query_scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table'")
                        .fetch_one(self.sqlx()?)
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
            .run_direct(None, self.sqlx()?, false)
            .await
            .map_err(|e| match e {
                sqlx::migrate::MigrateError::Execute(inner) => self.err(inner),
                other => Error::database(format!("cannot migrate {}: {other}", self.path.display()))
                    .hint("check the database file"),
            })
    }

    async fn check_schema(&mut self) -> Result<()> {
        const VERSION: &str = "SELECT max(version) AS v FROM _sqlx_migrations WHERE success";
        let v: Option<i64> = match &mut self.conn {
            Conn::Sqlx(conn) => match sqlx::query_scalar(VERSION).fetch_one(conn).await {
                Err(sqlx::Error::Database(db)) if db.message().contains("no such table") => {
                    return Err(super::not_initialised(&self.url));
                }
                got => got.map_err(|e| file_error(&self.path, e))?,
            },
            Conn::Direct(conn) => match conn.first_row(VERSION, &[]) {
                Err(raw::Stop::Sqlite { message, .. }) if message.contains("no such table") => {
                    return Err(super::not_initialised(&self.url));
                }
                // An aggregate always returns its one row.
                got => match got.map_err(|stop| stop_error(&self.path, stop))? {
                    Some(r) => Row::Direct(r).get("v")?,
                    None => None,
                },
            },
        };
        match v {
            Some(v) if v == super::SCHEMA_VERSION => Ok(()),
            Some(v) if v > super::SCHEMA_VERSION => Err(super::newer_schema(&self.url, v)),
            Some(v) => Err(super::older_schema(&self.url, v)),
            None => Err(super::not_initialised(&self.url)),
        }
    }

    async fn fetch_sealed(
        &mut self,
        prefix: Option<&str>,
        member: &str,
    ) -> Result<(Vec<SealedRow>, Vec<KeyRecord>)> {
        // One snapshot for both queries: a rotation switching keys between
        // them would otherwise leave rows under a key that was not read.
        self.begin(Tx::Snapshot).await?;
        let out = async {
            let keys = self
                .fetch_all(
                    "SELECT k.id, k.recipient, g.sealed_key FROM keys k \
                     JOIN key_grants g ON g.key_id = k.id AND g.recipient = $1 WHERE k.state <> 'retired'",
                    &[Arg::Text(member)],
                )
                .await?
                .iter()
                .map(|r| {
                    Ok(KeyRecord {
                        id: r.get("id")?,
                        recipient: r.get("recipient")?,
                        grant: r.get("sealed_key")?,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            let (range, params) = super::sql::name_range(self.dialect(), prefix, 1);
            let args: Vec<Arg<'_>> = params.iter().map(|p| Arg::Text(p)).collect();
            let rows = self
                .sealed_rows(
                    &format!(
                        "SELECT id, name, secret, key_id, nonce FROM secrets \
                         WHERE name IS NOT NULL{range} ORDER BY name"
                    ),
                    &args,
                )
                .await?;
            Result::<_>::Ok((rows, keys))
        }
        .await;
        // A read transaction: ending it either way changes nothing.
        let end = self.commit().await;
        let out = out?;
        end.map(|()| out)
    }

    async fn lock_existing(&mut self, names: &[&str]) -> Result<HashMap<String, (Uuid, u64)>> {
        // The write lock is already held (BEGIN IMMEDIATE): plain lookups,
        // many names to a statement (an import of a million new names asked
        // once per name: a million round trips to sqlx's worker thread).
        let mut existing = HashMap::new();
        for group in names.chunks(ROWS_PER_INSERT) {
            let mut find = QueryBuilder::<Sqlite>::new(
                "SELECT s.name, s.id, (SELECT max(v.version) FROM versions v WHERE v.secret_id = s.id) AS version \
                 FROM secrets s WHERE s.name IN (",
            );
            let mut list = find.separated(", ");
            for name in group {
                list.push_bind(*name);
            }
            find.push(")");
            let rows = find
                .build()
                .fetch_all(self.sqlx()?)
                .await
                .map_err(|e| self.err(e))?;
            for r in rows {
                let r = Row::Lite(r);
                let version: Option<i64> = r.get("version")?;
                existing.insert(
                    r.get::<String>("name")?,
                    (r.get("id")?, version.unwrap_or(1).max(1) as u64),
                );
            }
        }
        // Their current values are about to be replaced: archived first.
        let ids: Vec<Uuid> = existing.values().map(|(id, _)| *id).collect();
        self.archive(&ids).await?;
        Ok(existing)
    }

    async fn archive(&mut self, ids: &[Uuid]) -> Result<()> {
        // Many ids to a statement, as in `lock_existing`: a re-import of a
        // million names archived them two statements per name.
        for template in [super::ARCHIVE_LEGACY, super::ARCHIVE_CURRENT] {
            let sql = self.dialect.sql(template);
            let (head, tail) = sql
                .split_once("{ids}")
                .ok_or_else(|| Error::internal("an archive statement names no ids"))?;
            for group in ids.chunks(ROWS_PER_INSERT) {
                let mut archive = QueryBuilder::<Sqlite>::new(head);
                archive.push("IN (");
                let mut list = archive.separated(", ");
                for id in group {
                    list.push_bind(*id);
                }
                archive.push(")").push(tail);
                archive
                    .build()
                    .execute(self.sqlx()?)
                    .await
                    .map_err(|e| self.err(e))?;
            }
        }
        Ok(())
    }

    async fn write_rows(
        &mut self,
        key: Uuid,
        rows: &[WriteRow<'_>],
        retention: super::Retention,
    ) -> Result<bool> {
        let keep = retention.versions;
        // Rows of existing secrets: a put replaces one (one plain UPDATE), a
        // re-import many (a stretch per statement, the way a rotation writes
        // them: each row looked up by id in an IN list, each value by a scan
        // of the stretch; an UPDATE per row was a round trip to sqlx's worker
        // thread per row). updated_at is set in the statement, so the touch
        // trigger does not rewrite each row a second time.
        let replaced: Vec<&WriteRow<'_>> = rows.iter().filter(|r| !r.created).collect();
        if let [r] = replaced[..] {
            sqlx::query(
                "UPDATE secrets SET name = $2, description = COALESCE($3, description), \
                 secret = $4, key_id = $5, nonce = $6 WHERE id = $1",
            )
            .bind(r.id)
            .bind(r.name)
            .bind(r.description)
            .bind(&r.sealed.secret)
            .bind(key)
            .bind(&r.sealed.nonce)
            .execute(self.sqlx()?)
            .await
            .map_err(|e| self.err(e))?;
        } else {
            for group in replaced.chunks(REPLACE_STRETCH) {
                let mut update =
                    QueryBuilder::<Sqlite>::new(SECRETS.with(&["name", "description", "secret", "nonce"]));
                update.push_values(group, |mut b, r| {
                    b.push_bind(r.id)
                        .push_bind(r.name)
                        .push_bind(r.description)
                        .push_bind(r.sealed.secret.as_str())
                        .push_bind(r.sealed.nonce.as_slice());
                });
                update
                    .push(SECRETS.set(&["name", "secret", "nonce"]))
                    .push(format!(
                        ", description = COALESCE({}, description), \
                         updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), key_id = ",
                        SECRETS.value("description")
                    ))
                    .push_bind(key)
                    .push(" WHERE ")
                    .push(SECRETS.its_rows());
                update
                    .build()
                    .execute(self.sqlx()?)
                    .await
                    .map_err(|e| self.err(e))?;
            }
        }
        // New secrets and every version row: many rows per INSERT. sqlx runs
        // SQLite on a worker thread and every statement is a round trip to
        // it (~20 futex and epoll calls); an import of a million written a
        // row per statement spent most of its time handing them over.
        let created: Vec<&WriteRow<'_>> = rows.iter().filter(|r| r.created).collect();
        self.insert_many(
            "INSERT INTO secrets (id, name, description, secret, key_id, nonce) ",
            &created,
            |b, r| {
                b.push_bind(r.id)
                    .push_bind(r.name)
                    .push_bind(r.description.unwrap_or(""))
                    .push_bind(r.sealed.secret.as_str())
                    .push_bind(key)
                    .push_bind(r.sealed.nonce.as_slice());
            },
        )
        .await?;
        self.insert_many(
            "INSERT INTO versions (secret_id, version, name, written_at, author, statement, sig) ",
            rows,
            |b, r| {
                b.push_bind(r.id)
                    .push_bind(r.meta.version as i64)
                    .push_bind(r.name)
                    .push_bind(r.meta.written_at)
                    .push_bind(r.meta.author.as_str())
                    .push_bind(r.meta.statement.as_deref())
                    .push_bind(r.meta.sig.as_deref());
            },
        )
        .await?;
        // Versions beyond what retention keeps, many secrets a statement.
        let prune: Vec<(Uuid, i64)> = rows
            .iter()
            .map(|r| (r.id, r.meta.version as i64 - keep as i64))
            .filter(|(_, below)| *below >= 1)
            .collect();
        for group in prune.chunks(REPLACE_STRETCH) {
            let mut delete = QueryBuilder::<Sqlite>::new("WITH p(id, below) AS (");
            delete.push_values(group, |mut b, (id, below)| {
                b.push_bind(*id).push_bind(*below);
            });
            delete.push(
                ") DELETE FROM versions WHERE secret_id IN (SELECT id FROM p) \
                 AND version <= (SELECT p.below FROM p WHERE p.id = versions.secret_id)",
            );
            delete
                .build()
                .execute(self.sqlx()?)
                .await
                .map_err(|e| self.err(e))?;
        }
        let cutoff = chrono::Utc::now().timestamp() - retention.removed_secs;
        sqlx::query("DELETE FROM versions WHERE removed_at IS NOT NULL AND removed_at < $1")
            .bind(cutoff)
            .execute(self.sqlx()?)
            .await
            .map_err(|e| self.err(e))?;
        Ok(true)
    }

    async fn write_resealed_versions(
        &mut self,
        from: Uuid,
        to: Uuid,
        rows: &[(Uuid, i64, &Sealed)],
    ) -> Result<u64> {
        // A stretch of rows per statement, like the secrets of a rotation
        // (see `reseal_batch`): a statement per version was a round trip to
        // sqlx's worker thread per row. `key_id = from` skips a version a
        // writer moved meanwhile.
        let mut moved = 0;
        for stretch in rows.chunks(REPLACE_STRETCH) {
            let mut update = QueryBuilder::<Sqlite>::new(VERSIONS.with(&["secret", "nonce"]));
            update.push_values(stretch, |mut b, (id, version, s)| {
                b.push_bind(*id)
                    .push_bind(*version)
                    .push_bind(s.secret.as_str())
                    .push_bind(s.nonce.as_slice());
            });
            update
                .push(VERSIONS.set(&["secret", "nonce"]))
                .push(", key_id = ")
                .push_bind(to)
                // `+key_id`: not by the key_id index (see `Stretch`), which
                // SQLite otherwise picks here.
                .push(" WHERE +key_id = ")
                .push_bind(from)
                .push(" AND ")
                .push(VERSIONS.its_rows());
            moved += update
                .build()
                .execute(self.sqlx()?)
                .await
                .map_err(|e| self.err(e))?
                .rows_affected();
        }
        Ok(moved)
    }

    async fn scrub(&mut self) -> Result<()> {
        // Deleted rows leave their bytes in free pages and in the WAL:
        // rewrite the file without them, then empty the WAL. secure_delete
        // first, so that the copy VACUUM builds (it passes the setting on)
        // zeroes the unused space of every page it writes, whatever buffer
        // the page was built in. (A "60-byte trace" once blamed on VACUUM was
        // the test's: that window is the same in every age file up to two
        // bits, and a key grant matched it.)
        for sql in [
            "PRAGMA secure_delete = ON",
            "VACUUM",
            "PRAGMA wal_checkpoint(TRUNCATE)",
        ] {
            sqlx::raw_sql(sql)
                .execute(self.sqlx()?)
                .await
                .map_err(|e| self.err(e))?;
        }
        Ok(())
    }

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

    async fn reseal_batch(
        &mut self,
        from: Uuid,
        to: Uuid,
        after: Option<ResealCursor>,
        limit: usize,
        resealer: &SharedResealer,
    ) -> Result<BatchOutcome> {
        let after = match after {
            Some(ResealCursor::Id(id)) => Some(id),
            // Only PostgreSQL hands out page positions.
            Some(ResealCursor::Tid { .. }) | None => None,
        };
        let path = self.path.clone();
        let err = |e| file_error(&path, e);
        let mut tx = self.sqlx()?.begin_with("BEGIN IMMEDIATE").await.map_err(err)?;
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
        .into_iter()
        .map(|r| super::sealed_row(&Row::Lite(r)))
        .collect::<Result<_>>()?;
        // The rows are re-sealed on the pool (all cores), a stretch at a
        // time, while this thread writes the stretch before: one after the
        // other, the cores sat idle while the single connection wrote, and
        // the connection while the cores sealed. Two stretches are in
        // flight (`RESEAL_AHEAD`), so the pool still has one while this
        // thread collects the other.
        let rows = std::sync::Arc::new(rows);
        let stretches = rows.len().div_ceil(RESEAL_STRETCH);
        let reseal = |i: usize| {
            let (rows, resealer) = (std::sync::Arc::clone(&rows), std::sync::Arc::clone(resealer));
            Pending::spawn("re-sealing", move || {
                let end = ((i + 1) * RESEAL_STRETCH).min(rows.len());
                Ok(resealer.reseal(&rows[i * RESEAL_STRETCH..end]))
            })
        };
        let mut in_flight: std::collections::VecDeque<_> =
            (0..stretches.min(RESEAL_AHEAD)).map(reseal).collect();
        let mut moved = 0;
        let mut failed = vec![];
        for (i, stretch) in rows.chunks(RESEAL_STRETCH).enumerate() {
            let next = in_flight
                .pop_front()
                .ok_or_else(|| Error::internal("a stretch was not re-sealed"))?;
            if i + RESEAL_AHEAD < stretches {
                in_flight.push_back(reseal(i + RESEAL_AHEAD));
            }
            // Blocks this (the runtime's only) thread until the stretch is
            // sealed; nothing else runs on it meanwhile, and sqlx's SQLite
            // worker is a thread of its own.
            let resealed = next.wait()?;
            // The stretch's rows in one statement: a statement per row
            // spent more in the hand-over to sqlx's worker thread (futex
            // and eventfd wake-ups on both sides) than SQLite spent updating.
            // updated_at is set here, so the touch trigger (which fires
            // only when an UPDATE left it as it was) does not rewrite every
            // row a second time; `key_id = from` skips a row a writer moved
            // meanwhile (none can: the write lock is held since the read).
            let mut good = Vec::with_capacity(stretch.len());
            for (row, s) in stretch.iter().zip(resealed) {
                match s {
                    Ok(s) => good.push((row.id, s)),
                    Err(_) => failed.push((row.id, row.name.clone())),
                }
            }
            if good.is_empty() {
                continue;
            }
            // By key, see `Stretch` (here the (key_id, id) index serves).
            let mut update = QueryBuilder::<Sqlite>::new(SECRETS.with(&["secret", "nonce"]));
            update.push_values(&good, |mut b, (id, s)| {
                b.push_bind(*id)
                    .push_bind(s.secret.as_str())
                    .push_bind(s.nonce.as_slice());
            });
            update
                .push(SECRETS.set(&["secret", "nonce"]))
                .push(", key_id = ")
                .push_bind(to)
                .push(", updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE key_id = ")
                .push_bind(from)
                .push(" AND ")
                .push(SECRETS.its_rows());
            moved += update
                .build()
                .execute(&mut *tx)
                .await
                .map_err(err)?
                .rows_affected();
        }
        tx.commit().await.map_err(err)?;
        Ok(BatchOutcome {
            seen: rows.len(),
            next: rows.last().map(|r| ResealCursor::Id(r.id)),
            moved,
            failed,
        })
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
    if let sqlx::Error::Database(db) = &e {
        let code = db.code().and_then(|c| c.parse::<i32>().ok()).unwrap_or(0);
        return code_error(path, code, db.message());
    }
    match e {
        sqlx::Error::Io(io) => Error::io("use the database", path, &io),
        other => Error::database(format!("database error on {}: {other}", path.display()))
            .hint("check the database file"),
    }
}

/// Why a call on SQLite's C API (`raw`) failed, as an error about the file.
fn stop_error(path: &Path, stop: raw::Stop) -> Error {
    match stop {
        raw::Stop::Sqlite { code, message } => code_error(path, code, &message),
        raw::Stop::Other(e) => e,
    }
}

/// What SQLite's (extended) result `code` with `message` means for the
/// vault in the file at `path`.
fn code_error(path: &Path, code: i32, message: &str) -> Error {
    let shown = path.display();
    // Extended result codes carry the primary code in their low byte.
    match code & 0xff {
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
            format!("an I/O error occurred on {shown}: {message}"),
        )
        .hint("check the disk and try again"),
        _ => Error::database(format!("database error on {shown}: {message}")).hint("check the database file"),
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

#[cfg(test)]
mod tests {
    #[test]
    fn a_stretch_update_looks_rows_up_by_key() {
        use super::{SECRETS, VERSIONS};
        assert_eq!(
            SECRETS.with(&["secret", "nonce"]),
            "WITH v(id, secret, nonce) AS ("
        );
        assert_eq!(
            VERSIONS.set(&["secret"]),
            ") UPDATE versions SET secret = (SELECT v.secret FROM v \
             WHERE v.secret_id = versions.secret_id AND v.version = versions.version)"
        );
        assert_eq!(
            VERSIONS.its_rows(),
            "(secret_id, version) IN (SELECT secret_id, version FROM v)"
        );
        assert_eq!(SECRETS.its_rows(), "(id) IN (SELECT id FROM v)");
    }

    #[test]
    fn migrations_list_every_file() {
        super::super::check_migrations("sqlite", super::MIGRATIONS);
    }
}
