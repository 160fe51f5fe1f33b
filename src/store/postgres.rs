//! The PostgreSQL backend: the team's shared vault.
//!
//! One connection per command. Puts take a shared transaction-level advisory
//! lock before reading the current key; key switches, retirement and
//! membership changes take it exclusively (see [`Tx`]). So a value is always
//! written under a key that is still current when its transaction commits.
//! What is PostgreSQL-only here: connecting, migrations, the advisory locks,
//! the rotation lease, and the fast paths that use arrays (`UNNEST`, `= ANY`)
//! to write a whole batch in one statement.
//!
//! Everything here works through a transaction pooler (PgBouncer in
//! transaction mode, Supavisor): no startup parameter a pooler refuses, no
//! server-side prepared statement that outlives its transaction (every query
//! is `persistent(false)`: the unnamed statement), and no session state (the
//! locks are transaction-level; the rotation mutex is a lease row).

use std::collections::HashMap;

use async_trait::async_trait;
use futures_util::TryStreamExt;
use sha2::Digest;
use sqlx::postgres::{PgConnection, PgRow};
use sqlx::{AssertSqlSafe, Connection, Row as _};
use uuid::Uuid;

use super::sql::{self, Arg, Row, Tx, bind_all};
use super::{Backend, BatchOutcome, KeyRecord, ResealCursor, SealedRow, SharedResealer, WriteRow};
use crate::config::DbUrl;
use crate::error::{Error, Result};

mod connect;

/// Advisory lock namespace ("VAUT") and the locks within it.
const LOCK_CLASS: i32 = 0x5641_5554;
/// Shared by writers while they seal; exclusive while the current key changes.
/// Spelled out as literals in `BEGIN_SHARED`/`BEGIN_EXCLUSIVE` (a unit test
/// keeps them in step).
#[cfg_attr(not(test), allow(dead_code))]
const KEYS_LOCK: i32 = 1;
/// Held (transaction-level) while `vault init` creates or upgrades the schema.
const MIGRATION_LOCK: i32 = 3;

/// How long a rotation's lease lasts after its last renewal (each re-seal
/// batch renews it). A rotation killed on another host blocks the next
/// `vault rotate` for at most this long.
pub(crate) const LEASE_SECS: i32 = 60;

// One simple query, one round trip: BEGIN plus the lock (a prepared lock
// statement would take two more). Literal constants only, checked by a unit
// test, so nothing needs binding.
const BEGIN_SHARED: &str = "BEGIN; SELECT pg_advisory_xact_lock_shared(1447122260, 1)";
const BEGIN_EXCLUSIVE: &str = "BEGIN; SELECT pg_advisory_xact_lock(1447122260, 1)";

pub(crate) struct PgStore {
    conn: PgConnection,
    url: DbUrl,
    /// vault's schema, as given (unquoted).
    schema: String,
    dialect: sql::Dialect,
    /// The rotation lease this process holds, if any.
    lease: Option<Uuid>,
    /// Inside a transaction begun with [`Backend::begin`].
    in_tx: bool,
}

/// The migrations, in order: every file of `migrations/postgres/` (a test
/// checks that the list and the directory agree).
pub(crate) const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "init", include_str!("../../migrations/postgres/0001_init.sql")),
    (
        2,
        "secrets key_id index",
        include_str!("../../migrations/postgres/0002_secrets_key_id_idx.sql"),
    ),
    (
        3,
        "rotation lease",
        include_str!("../../migrations/postgres/0003_rotation_lease.sql"),
    ),
    (4, "log", include_str!("../../migrations/postgres/0004_log.sql")),
    (
        5,
        "names in bytewise order",
        include_str!("../../migrations/postgres/0005_name_c_index.sql"),
    ),
    (
        6,
        "versions",
        include_str!("../../migrations/postgres/0006_versions.sql"),
    ),
];

/// The bookkeeping table, as sqlx's migrator made it (vaults migrated by
/// earlier versions have exactly this table).
const MIGRATIONS_TABLE: &str = "CREATE TABLE IF NOT EXISTS {s}_sqlx_migrations ( \
     version BIGINT PRIMARY KEY, description TEXT NOT NULL, \
     installed_on TIMESTAMPTZ NOT NULL DEFAULT now(), success BOOLEAN NOT NULL, \
     checksum BYTEA NOT NULL, execution_time BIGINT NOT NULL)";

/// A plain query that never leaves a named prepared statement behind: the
/// unnamed statement lives until the next one, so a transaction pooler may
/// hand the server connection to anyone afterwards.
fn query(sql: &str) -> sqlx::query::Query<'_, sqlx::Postgres, sqlx::postgres::PgArguments> {
    sqlx::query(AssertSqlSafe(sql)).persistent(false)
}

impl PgStore {
    /// Connects, giving up after `opts.timeout`; vault's tables are in `opts.schema`.
    pub(crate) async fn connect(url: &DbUrl, opts: &super::OpenOptions) -> Result<PgStore> {
        let (conn, _) = connect::connect(url, opts.timeout).await?;
        Ok(PgStore {
            conn,
            url: url.clone(),
            schema: opts.schema.clone(),
            dialect: sql::Dialect::postgres(&opts.schema),
            lease: None,
            in_tx: false,
        })
    }

    /// Begins a transaction around a lone statement, unless one is open.
    /// A statement with parameters takes two protocol syncs (parse, then
    /// bind and execute); outside a transaction a transaction pooler may
    /// send the second to another server connection, where the statement
    /// does not exist. Inside one, both go to the same server.
    async fn enter(&mut self) -> Result<bool> {
        if self.in_tx {
            return Ok(false);
        }
        sqlx::raw_sql("BEGIN")
            .execute(&mut self.conn)
            .await
            .map_err(|e| self.err(e))?;
        Ok(true)
    }

    /// Ends what [`PgStore::enter`] began: commits after `Ok`, rolls back after `Err`.
    async fn leave<T>(&mut self, began: bool, out: Result<T>) -> Result<T> {
        if !began {
            return out;
        }
        let end = if out.is_ok() { "COMMIT" } else { "ROLLBACK" };
        let ended = sqlx::raw_sql(end).execute(&mut self.conn).await;
        let v = out?;
        ended.map_err(|e| self.err(e))?;
        Ok(v)
    }

    fn err(&self, e: sqlx::Error) -> Error {
        super::query_error(&self.url, e)
    }

    /// `template` with the dialect's markers filled (`{s}` is the schema).
    fn sql(&self, template: &str) -> String {
        self.dialect.sql(template)
    }

    async fn schema_version(&mut self) -> Result<Option<i64>> {
        let began = self.enter().await?;
        let out = self.schema_version_in_tx().await;
        self.leave(began, out).await
    }

    async fn schema_version_in_tx(&mut self) -> Result<Option<i64>> {
        let table = format!("{}_sqlx_migrations", self.dialect.schema);
        let exists: Option<String> = query("SELECT to_regclass($1)::text")
            .bind(&table)
            .fetch_one(&mut self.conn)
            .await
            .and_then(|r| r.try_get(0))
            .map_err(|e| self.err(e))?;
        if exists.is_none() {
            return Ok(None);
        }
        let sql = self.sql("SELECT max(version) FROM {s}_sqlx_migrations WHERE success");
        let v: Option<i64> = query(&sql)
            .fetch_one(&mut self.conn)
            .await
            .and_then(|r| r.try_get(0))
            .map_err(|e| self.err(e))?;
        Ok(Some(v.unwrap_or(0)))
    }

    /// Runs the migrations this database lacks, all in one transaction under
    /// a transaction-level lock (two `vault init`s at once: the second waits,
    /// then finds nothing to do). Simple statements only, so it works through
    /// a transaction pooler.
    async fn run_migrations(&mut self) -> Result<()> {
        let url = self.url.clone();
        let fail = |e: sqlx::Error| {
            Error::database(format!("cannot migrate {url}: {}", first_line(&e.to_string())))
                .hint("check that the user may create schemas and tables in this database")
        };
        sqlx::raw_sql(AssertSqlSafe(format!(
            "BEGIN; SELECT pg_advisory_xact_lock({LOCK_CLASS}, {MIGRATION_LOCK})"
        )))
        .execute(&mut self.conn)
        .await
        .map_err(fail)?;
        let out = self.migrate_in_tx().await;
        let end = if out.is_ok() { "COMMIT" } else { "ROLLBACK" };
        let ended = sqlx::raw_sql(end).execute(&mut self.conn).await;
        out.map_err(fail)?;
        ended.map(drop).map_err(fail)
    }

    async fn migrate_in_tx(&mut self) -> std::result::Result<(), sqlx::Error> {
        // CREATE SCHEMA IF NOT EXISTS needs CREATE on the database even when
        // the schema exists: only issue it when it does not.
        let has_schema: bool = query("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)")
            .bind(&self.schema)
            .fetch_one(&mut self.conn)
            .await?
            .try_get(0)?;
        if !has_schema {
            let create = format!("CREATE SCHEMA {}", sql::quote_ident(&self.schema));
            sqlx::raw_sql(AssertSqlSafe(create))
                .execute(&mut self.conn)
                .await?;
        }
        sqlx::raw_sql(AssertSqlSafe(self.sql(MIGRATIONS_TABLE)))
            .execute(&mut self.conn)
            .await?;
        let done = self.sql("SELECT version FROM {s}_sqlx_migrations WHERE success");
        let done: Vec<i64> = query(&done)
            .fetch_all(&mut self.conn)
            .await?
            .iter()
            .map(|r| r.try_get(0))
            .collect::<std::result::Result<_, _>>()?;
        let record = self.sql(
            "INSERT INTO {s}_sqlx_migrations (version, description, success, checksum, execution_time) \
             VALUES ($1, $2, true, $3, $4)",
        );
        for (version, what, template) in MIGRATIONS {
            if done.contains(version) {
                continue;
            }
            let started = std::time::Instant::now();
            let text = self.sql(template);
            sqlx::raw_sql(AssertSqlSafe(text.clone()))
                .execute(&mut self.conn)
                .await?;
            query(&record)
                .bind(version)
                .bind(what)
                .bind(sha2::Sha384::digest(text.as_bytes()).to_vec())
                .bind(started.elapsed().as_nanos() as i64)
                .execute(&mut self.conn)
                .await?;
        }
        Ok(())
    }

    /// Takes the lease over from `old` if its holder was a process on this
    /// host that no longer runs (a `vault rotate` killed here).
    async fn take_over_dead(&mut self, holder: Uuid, host: &str, pid: i32) -> Result<bool> {
        let began = self.enter().await?;
        let out = self.take_over_dead_in_tx(holder, host, pid).await;
        self.leave(began, out).await
    }

    async fn take_over_dead_in_tx(&mut self, holder: Uuid, host: &str, pid: i32) -> Result<bool> {
        let sql = self.sql("SELECT holder, host, pid FROM {s}rotation_lease WHERE id");
        let Some(row) = query(&sql)
            .fetch_optional(&mut self.conn)
            .await
            .map_err(|e| self.err(e))?
        else {
            return Ok(false);
        };
        let (old, old_host, old_pid): (Uuid, String, i32) =
            (|| Ok::<_, sqlx::Error>((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?)))()
                .map_err(|e| self.err(e))?;
        if old_host != host || old_pid == pid || process_alive(old_pid) {
            return Ok(false);
        }
        let sql = self.sql(&format!(
            "UPDATE {{s}}rotation_lease SET holder = $1, host = $2, pid = $3, \
             expires_at = now() + interval '{LEASE_SECS} seconds' WHERE holder = $4"
        ));
        let taken = query(&sql)
            .bind(holder)
            .bind(host)
            .bind(pid)
            .bind(old)
            .execute(&mut self.conn)
            .await
            .map_err(|e| self.err(e))?
            .rows_affected();
        Ok(taken == 1)
    }
}

/// This machine's name, as the rotation lease records it.
impl PgStore {
    /// [`Backend::lock_existing`] of one name (`vault put`): the lock and
    /// the version in one statement, archiving left to [`PgStore::write_one`].
    /// The version may predate the lock: a statement that waited for the
    /// lock reads its own older snapshot. `write_one` archives only if it
    /// is still current, else writes nothing and has the put tried again.
    async fn lock_one(&mut self, name: &str) -> Result<HashMap<String, (Uuid, u64)>> {
        let sql = self.sql(
            "SELECT s.id, (SELECT max(v.version) FROM {s}versions v WHERE v.secret_id = s.id) AS version \
             FROM {s}secrets s WHERE s.name = $1 FOR UPDATE OF s",
        );
        let started = std::time::Instant::now();
        let row = query(&sql)
            .bind(name)
            .fetch_optional(&mut self.conn)
            .await
            .map_err(|e| self.err(e))?;
        let mut out = HashMap::new();
        if let Some(r) = row {
            let id: Uuid = r.try_get("id").map_err(|e| self.err(e))?;
            let v: Option<i64> = r.try_get("version").map_err(|e| self.err(e))?;
            let mut v = v.unwrap_or(1).max(1) as u64;
            // A statement that took long most likely waited for the lock
            // behind another writer: read the version again now, so the put
            // is not sealed for a version already taken. (Correctness does
            // not rest on this guess: `replace_one` checks.)
            if started.elapsed() > std::time::Duration::from_millis(2) {
                v = self.current_version(id).await?;
            }
            out.insert(name.to_owned(), (id, v));
        }
        Ok(out)
    }

    /// [`Backend::write_rows`] of one row (`vault put`): plain statements,
    /// which a backend with cold caches plans in a fraction of the time the
    /// many-row statement takes (measured: the two cost more than their
    /// round trips).
    async fn write_one(&mut self, key: Uuid, r: &WriteRow<'_>, retention: super::Retention) -> Result<bool> {
        let row = if r.created {
            let sql = self.sql(
                "INSERT INTO {s}secrets (id, name, description, secret, key_id, nonce) VALUES ($1, $2, $3, $4, $5, $6)",
            );
            query(&sql)
                .bind(r.id)
                .bind(r.name)
                .bind(r.description.unwrap_or_default())
                .bind(&r.sealed.secret)
                .bind(key)
                .bind(&r.sealed.nonce)
                .execute(&mut self.conn)
                .await
        } else {
            return self.replace_one(key, r, retention).await;
        };
        match row {
            Err(e) if is_unique_violation(&e) => return Ok(false),
            other => other.map_err(|e| self.err(e))?,
        };
        let below = r.meta.version as i64 - retention.versions as i64;
        let cutoff = chrono::Utc::now().timestamp() - retention.removed_secs;
        // The version row, and both prunings, in one statement.
        let sql = self.sql(
            "WITH ver AS (INSERT INTO {s}versions (secret_id, version, name, written_at, author, statement, sig) \
               VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING 1), \
             pruned AS (DELETE FROM {s}versions WHERE secret_id = $1 AND version <= $8 RETURNING 1), \
             expired AS (DELETE FROM {s}versions WHERE removed_at IS NOT NULL AND removed_at < $9 RETURNING 1) \
             SELECT (SELECT count(*) FROM ver) AS ver",
        );
        query(&sql)
            .bind(r.id)
            .bind(r.meta.version as i64)
            .bind(r.name)
            .bind(r.meta.written_at)
            .bind(&r.meta.author)
            .bind(r.meta.statement.as_deref())
            .bind(r.meta.sig.as_deref())
            .bind(below)
            .bind(cutoff)
            .execute(&mut self.conn)
            .await
            .map_err(|e| self.err(e))?;
        Ok(true)
    }

    /// Replaces one secret's value (its row locked by [`PgStore::lock_one`])
    /// in one statement: archives the value replaced into its version row
    /// (or a version 1 row, for a secret written before versions), writes
    /// the new value and version row, and prunes. Everything is conditional
    /// on the archive finding the version the put was sealed after still
    /// current: if another writer got there first, nothing is written and
    /// `Ok(false)` has the put tried again.
    async fn replace_one(
        &mut self,
        key: Uuid,
        r: &WriteRow<'_>,
        retention: super::Retention,
    ) -> Result<bool> {
        let previous = r.meta.version as i64 - 1;
        let below = r.meta.version as i64 - retention.versions as i64;
        let cutoff = chrono::Utc::now().timestamp() - retention.removed_secs;
        let sql = self.sql(
            "WITH arch AS (\
               UPDATE {s}versions AS v SET secret = s.secret, key_id = s.key_id, nonce = s.nonce \
               FROM {s}secrets s WHERE s.id = $1 AND v.secret_id = $1 AND v.version = $2 AND v.secret IS NULL \
               RETURNING 1), \
             legacy AS (\
               INSERT INTO {s}versions (secret_id, version, name, written_at, secret, key_id, nonce) \
               SELECT s.id, 1, s.name, {updated_epoch}, s.secret, s.key_id, s.nonce FROM {s}secrets s \
               WHERE s.id = $1 AND $2 = 1 AND NOT EXISTS (SELECT 1 FROM {s}versions v WHERE v.secret_id = $1) \
               RETURNING 1), \
             ok AS (SELECT 1 AS ok FROM arch UNION ALL SELECT 1 FROM legacy), \
             upd AS (\
               UPDATE {s}secrets SET secret = $3, nonce = $4, key_id = $5, description = COALESCE($6, description) \
               WHERE id = $1 AND EXISTS (SELECT 1 FROM ok) RETURNING 1), \
             ver AS (\
               INSERT INTO {s}versions (secret_id, version, name, written_at, author, statement, sig) \
               SELECT $1, $7, $8, $9, $10, $11, $12 WHERE EXISTS (SELECT 1 FROM ok) RETURNING 1), \
             pruned AS (\
               DELETE FROM {s}versions WHERE secret_id = $1 AND version <= $13 AND version <> $2 \
                 AND EXISTS (SELECT 1 FROM ok) RETURNING 1), \
             expired AS (\
               DELETE FROM {s}versions WHERE removed_at IS NOT NULL AND removed_at < $14 RETURNING 1) \
             SELECT (SELECT count(*) FROM upd) AS upd, (SELECT count(*) FROM ver) AS ver",
        );
        let out = query(&sql)
            .bind(r.id)
            .bind(previous)
            .bind(&r.sealed.secret)
            .bind(&r.sealed.nonce)
            .bind(key)
            .bind(r.description)
            .bind(r.meta.version as i64)
            .bind(r.name)
            .bind(r.meta.written_at)
            .bind(&r.meta.author)
            .bind(r.meta.statement.as_deref())
            .bind(r.meta.sig.as_deref())
            .bind(below)
            .bind(cutoff)
            .fetch_one(&mut self.conn)
            .await;
        let row = match out {
            Err(e) if is_unique_violation(&e) => return Ok(false),
            other => other.map_err(|e| self.err(e))?,
        };
        let (upd, ver): (i64, i64) = (
            row.try_get("upd").map_err(|e| self.err(e))?,
            row.try_get("ver").map_err(|e| self.err(e))?,
        );
        // The version replaced is still to be pruned once it is archived:
        // a statement cannot delete the row it archives (retention of 1).
        if upd == 1 && ver == 1 && below >= previous && previous >= 1 {
            let sql = self.sql("DELETE FROM {s}versions WHERE secret_id = $1 AND version = $2");
            query(&sql)
                .bind(r.id)
                .bind(previous)
                .execute(&mut self.conn)
                .await
                .map_err(|e| self.err(e))?;
        }
        Ok(upd == 1 && ver == 1)
    }

    /// Archives the current values of these secrets and returns each one's
    /// current version; `legacy`: some may have no version rows yet
    /// ([`super::ARCHIVE_BOTH_PG`], else [`super::ARCHIVE_CURRENT`] alone).
    async fn archive_returning(&mut self, ids: &[Uuid], legacy: bool) -> Result<HashMap<Uuid, i64>> {
        let sql = if legacy {
            self.sql(super::ARCHIVE_BOTH_PG)
        } else {
            self.sql(&format!(
                "{} RETURNING v.secret_id, v.version",
                super::ARCHIVE_CURRENT.replace("{ids}", "= ANY($1)")
            ))
        };
        let mut versions: HashMap<Uuid, i64> = query(&sql)
            .bind(ids)
            .fetch_all(&mut self.conn)
            .await
            .map_err(|e| self.err(e))?
            .iter()
            .map(|r| Ok((r.try_get("secret_id")?, r.try_get("version")?)))
            .collect::<std::result::Result<_, sqlx::Error>>()
            .map_err(|e| self.err(e))?;
        // A secret whose version rows lack a current one (altered by hand):
        // the next version still follows the newest row.
        let missing: Vec<Uuid> = ids
            .iter()
            .filter(|id| !versions.contains_key(id))
            .copied()
            .collect();
        if !missing.is_empty() {
            let sql = self.sql(
                "SELECT secret_id, max(version) AS version FROM {s}versions WHERE secret_id = ANY($1) GROUP BY secret_id",
            );
            for r in query(&sql)
                .bind(&missing)
                .fetch_all(&mut self.conn)
                .await
                .map_err(|e| self.err(e))?
            {
                let id: Uuid = r.try_get("secret_id").map_err(|e| self.err(e))?;
                versions.insert(id, r.try_get("version").map_err(|e| self.err(e))?);
            }
        }
        Ok(versions)
    }
}

/// `sql` with each parameter `$N` outside quotes replaced by
/// `E'<params[N-1]>'::text`, backslashes and quotes doubled: an escape
/// string means the same whatever `standard_conforming_strings` says, and
/// the connection's encoding is UTF-8, so the text reaches the server
/// exactly as it would have been bound. Quoted identifiers (a schema named
/// `a$1`), string literals and a `$` inside a word in `sql` are copied as
/// they are (vault's statements hold no comments, which this does not
/// parse). `None` when a parameter holds a NUL (a query's text cannot), or
/// when `sql` names a parameter that was not given.
fn inline_text_params(sql: &str, params: &[&str]) -> Option<String> {
    if params.iter().any(|p| p.contains('\0')) {
        return None;
    }
    let mut out = String::with_capacity(sql.len() + params.iter().map(|p| p.len() + 12).sum::<usize>());
    let mut quote: Option<char> = None;
    let mut chars = sql.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (None, '\'' | '"') => quote = Some(c),
            (None, '$')
                if chars.peek().is_some_and(|(_, d)| d.is_ascii_digit())
                    && !sql[..i]
                        .chars()
                        .next_back()
                        .is_some_and(|p| p.is_alphanumeric() || p == '_' || p == '$') =>
            {
                let mut end = i + 1;
                while let Some((j, d)) = chars.peek().copied().filter(|(_, d)| d.is_ascii_digit()) {
                    end = j + d.len_utf8();
                    chars.next();
                }
                let n: usize = sql[i + 1..end].parse().ok()?;
                let value = params.get(n.checked_sub(1)?)?;
                out.push_str("E'");
                for ch in value.chars() {
                    match ch {
                        '\\' => out.push_str("\\\\"),
                        '\'' => out.push_str("''"),
                        ch => out.push(ch),
                    }
                }
                out.push_str("'::text");
                continue;
            }
            _ => {}
        }
        out.push(c);
    }
    Some(out)
}

fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// Whether a process with this id runs here (one we may not signal runs).
fn process_alive(pid: i32) -> bool {
    match rustix::process::Pid::from_raw(pid) {
        Some(p) => !matches!(
            rustix::process::test_kill_process(p),
            Err(rustix::io::Errno::SRCH)
        ),
        None => true,
    }
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.code().as_deref() == Some("23505"))
}

fn pg_sealed_row(r: PgRow) -> Result<SealedRow> {
    super::sealed_row(&Row::Pg(r))
}

#[async_trait(?Send)]
impl Backend for PgStore {
    fn dialect(&self) -> &sql::Dialect {
        &self.dialect
    }

    async fn begin(&mut self, tx: Tx) -> Result<()> {
        let begin = match tx {
            Tx::Snapshot => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
            Tx::Write => "BEGIN",
            Tx::KeysShared => BEGIN_SHARED,
            Tx::KeysExclusive => BEGIN_EXCLUSIVE,
        };
        sqlx::raw_sql(begin)
            .execute(&mut self.conn)
            .await
            .map_err(|e| self.err(e))?;
        self.in_tx = true;
        Ok(())
    }

    async fn commit(&mut self) -> Result<()> {
        self.in_tx = false;
        sqlx::raw_sql("COMMIT")
            .execute(&mut self.conn)
            .await
            .map(drop)
            .map_err(|e| self.err(e))
    }

    async fn rollback(&mut self) -> Result<()> {
        self.in_tx = false;
        sqlx::raw_sql("ROLLBACK")
            .execute(&mut self.conn)
            .await
            .map(drop)
            .map_err(|e| self.err(e))
    }

    async fn execute(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<u64> {
        let began = self.enter().await?;
        let out = bind_all!(query(sql), args)
            .execute(&mut self.conn)
            .await
            .map(|r| r.rows_affected())
            .map_err(|e| self.err(e));
        self.leave(began, out).await
    }

    async fn insert(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<Option<u64>> {
        let began = self.enter().await?;
        let out = match bind_all!(query(sql), args).execute(&mut self.conn).await {
            Ok(r) => Ok(Some(r.rows_affected())),
            Err(e) if is_unique_violation(&e) => Ok(None),
            Err(e) => Err(self.err(e)),
        };
        self.leave(began, out).await
    }

    async fn fetch_all(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<Vec<Row>> {
        let began = self.enter().await?;
        let out = bind_all!(query(sql), args)
            .fetch_all(&mut self.conn)
            .await
            .map(|rows| rows.into_iter().map(Row::Pg).collect())
            .map_err(|e| self.err(e));
        self.leave(began, out).await
    }

    async fn fetch_optional(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<Option<Row>> {
        let began = self.enter().await?;
        let out = bind_all!(query(sql), args)
            .fetch_optional(&mut self.conn)
            .await
            .map(|r| r.map(Row::Pg))
            .map_err(|e| self.err(e));
        self.leave(began, out).await
    }

    async fn for_each(
        &mut self,
        sql: &str,
        args: &[Arg<'_>],
        each: &mut dyn for<'r> FnMut(&'r Row) -> Result<()>,
    ) -> Result<()> {
        let began = self.enter().await?;
        let url = self.url.clone();
        let out = async {
            let mut rows = bind_all!(query(sql), args).fetch(&mut self.conn);
            while let Some(r) = rows.try_next().await.map_err(|e| super::query_error(&url, e))? {
                each(&Row::Pg(r))?;
            }
            Ok(())
        }
        .await;
        self.leave(began, out).await
    }

    /// One simple query, one round trip. The parameters are written into
    /// the statement as escaped literals ([`inline_text_params`]), so there
    /// is no Parse/Bind pair to keep on one server connection, and no
    /// transaction around it for a transaction pooler's sake (see
    /// [`PgStore::enter`]): BEGIN, Parse and Describe, Bind and Execute,
    /// COMMIT, four round trips, become one. A TAB or an `ls` against a
    /// database across a network waits for one round trip instead of four.
    async fn texts(
        &mut self,
        sql: &str,
        params: &[&str],
        each: &mut dyn for<'n> FnMut(&'n str) -> Result<()>,
    ) -> Result<()> {
        let Some(sql) = inline_text_params(sql, params) else {
            // A NUL cannot be written into a query's text: bound, the
            // server refuses it as it always has.
            let args: Vec<Arg<'_>> = params.iter().map(|p| Arg::Text(p)).collect();
            return self.for_each(sql, &args, &mut |r| each(r.str0()?)).await;
        };
        let mut rows = sqlx::raw_sql(AssertSqlSafe(sql)).fetch(&mut self.conn);
        while let Some(r) = rows
            .try_next()
            .await
            .map_err(|e| super::query_error(&self.url, e))?
        {
            each(Row::Pg(r).str0()?)?;
        }
        Ok(())
    }

    async fn migrate(&mut self) -> Result<()> {
        let version = self.schema_version().await?;
        match version {
            Some(v) if v > super::SCHEMA_VERSION => return Err(super::newer_schema(&self.url, v)),
            // Up to date: nothing to do. Running the migrations anyway would
            // take the migration lock and write, and members with only table
            // privileges could not `vault init` to join.
            Some(v) if v == super::SCHEMA_VERSION => return Ok(()),
            Some(_) => {}
            None => {
                // A schema we did not make (Supabase Vault's `vault`, say) is left alone.
                let foreign: i64 = query(
                    "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                     WHERE n.nspname = $1",
                )
                .bind(&self.schema)
                .fetch_one(&mut self.conn)
                .await
                .and_then(|r| r.try_get(0))
                .map_err(|e| self.err(e))?;
                if foreign > 0 {
                    return Err(Error::database(format!(
                        "{} already has a schema `{}` that vault did not create (for example Supabase Vault's); it was not changed",
                        self.url, self.schema
                    ))
                    .hint("keep vault's tables in another schema: --schema secrets (or VAULT_SCHEMA, or schema = \"…\" in config.toml)"));
                }
            }
        }
        self.run_migrations().await
    }

    async fn check_schema(&mut self) -> Result<()> {
        // The simple query protocol: one round trip, where a prepared
        // statement takes two (parse/describe, then bind/execute).
        let sql = self.sql("SELECT max(version) FROM {s}_sqlx_migrations WHERE success");
        let v: std::result::Result<Option<i64>, sqlx::Error> = sqlx::raw_sql(AssertSqlSafe(sql))
            .fetch_one(&mut self.conn)
            .await
            .and_then(|row| row.try_get(0));
        match v {
            // 42P01: undefined table, 3F000: undefined schema.
            Err(sqlx::Error::Database(db)) if matches!(db.code().as_deref(), Some("42P01" | "3F000")) => {
                Err(super::not_initialised(&self.url))
            }
            Err(e) => Err(self.err(e)),
            Ok(Some(v)) if v == super::SCHEMA_VERSION => Ok(()),
            Ok(Some(v)) if v > super::SCHEMA_VERSION => Err(super::newer_schema(&self.url, v)),
            Ok(Some(v)) => Err(super::older_schema(&self.url, v)),
            Ok(None) => Err(super::not_initialised(&self.url)),
        }
    }

    async fn fetch_sealed(
        &mut self,
        prefix: Option<&str>,
        member: &str,
    ) -> Result<(Vec<SealedRow>, Vec<KeyRecord>)> {
        // One statement, so one snapshot (a rotation switching keys cannot
        // fall between reading the keys and the rows) and one round trip
        // pair, where a transaction around two queries took six. Key rows
        // come first ('k' < 's'); their `secret` column carries the recipient.
        let (range, params) = super::sql::name_range(&self.dialect, prefix, 2);
        let sql = self.sql(&format!(
            "SELECT * FROM ( \
               SELECT 'k' AS kind, k.id, NULL::text AS name, k.recipient AS secret, NULL::uuid AS key_id, \
                      NULL::bytea AS nonce, g.sealed_key \
               FROM {{s}}keys k JOIN {{s}}key_grants g ON g.key_id = k.id AND g.recipient = $1 \
               WHERE k.state <> 'retired' \
               UNION ALL \
               SELECT 's', id, name, secret, key_id, nonce, NULL FROM {{s}}secrets \
               WHERE name IS NOT NULL{range} \
             ) AS u ORDER BY kind, name COLLATE \"C\""
        ));
        let began = self.enter().await?;
        let mut q = query(&sql).bind(member);
        for p in &params {
            q = q.bind(p);
        }
        let all = q.fetch_all(&mut self.conn).await.map_err(|e| self.err(e));
        let all = self.leave(began, all).await?;
        let (mut rows, mut keys) = (Vec::with_capacity(all.len()), Vec::new());
        for r in all {
            if r.try_get::<&str, _>("kind").map_err(|e| self.err(e))? == "k" {
                let r = Row::Pg(r);
                keys.push(KeyRecord {
                    id: r.get("id")?,
                    recipient: r.get("secret")?,
                    grant: r.get("sealed_key")?,
                });
            } else {
                rows.push(pg_sealed_row(r)?);
            }
        }
        Ok((rows, keys))
    }

    async fn lock_existing(&mut self, names: &[&str]) -> Result<HashMap<String, (Uuid, u64)>> {
        // Row locks in id order, like `vault rotate`'s batches: no deadlock.
        if let [name] = names {
            return self.lock_one(name).await;
        }
        // Whether each has version rows comes along: a stale "no" (another
        // writer gave it its first ones meanwhile) only costs the legacy
        // archive's check, which sees the rows; rows never all go away.
        let sql = self.sql(
            "SELECT s.id, s.name, EXISTS (SELECT 1 FROM {s}versions v WHERE v.secret_id = s.id) AS versioned \
             FROM {s}secrets s WHERE s.name = ANY($1) ORDER BY s.id FOR UPDATE OF s",
        );
        let rows = query(&sql)
            .bind(names)
            .fetch_all(&mut self.conn)
            .await
            .map_err(|e| self.err(e))?;
        let mut all_versioned = true;
        let locked: Vec<(String, Uuid)> = rows
            .iter()
            .map(|r| {
                all_versioned &= r.try_get::<bool, _>("versioned")?;
                Ok((r.try_get("name")?, r.try_get("id")?))
            })
            .collect::<std::result::Result<_, sqlx::Error>>()
            .map_err(|e| self.err(e))?;
        if locked.is_empty() {
            return Ok(HashMap::new());
        }
        // Archiving returns the current versions, in a statement of its own
        // after the locks are held: a statement that waited for a lock still
        // sees the data of its own start, which would miss the version a
        // writer ahead of it just committed (read committed takes a snapshot
        // per statement).
        let ids: Vec<Uuid> = locked.iter().map(|(_, id)| *id).collect();
        let versions = self.archive_returning(&ids, !all_versioned).await?;
        Ok(locked
            .into_iter()
            .map(|(name, id)| {
                let v = versions.get(&id).copied().unwrap_or(1).max(1) as u64;
                (name, (id, v))
            })
            .collect())
    }

    async fn archive(&mut self, ids: &[Uuid]) -> Result<()> {
        if !ids.is_empty() {
            self.archive_returning(ids, true).await?;
        }
        Ok(())
    }

    async fn write_rows(
        &mut self,
        key: Uuid,
        rows: &[WriteRow<'_>],
        retention: super::Retention,
    ) -> Result<bool> {
        if let [one] = rows {
            return self.write_one(key, one, retention).await;
        }
        // Every write of a put in one statement (one round trip): new rows,
        // replaced rows, their version rows, and both kinds of pruning.
        let (mut new_ids, mut new_names, mut new_desc, mut new_secret, mut new_nonce) =
            (vec![], vec![], vec![], vec![], vec![]);
        let (mut up_ids, mut up_desc, mut up_secret, mut up_nonce) = (vec![], vec![], vec![], vec![]);
        let (mut ids, mut versions, mut names, mut times, mut authors, mut statements, mut sigs) =
            (vec![], vec![], vec![], vec![], vec![], vec![], vec![]);
        let (mut prune_ids, mut prune_below) = (vec![], vec![]);
        for r in rows {
            if r.created {
                new_ids.push(r.id);
                new_names.push(r.name);
                new_desc.push(r.description.unwrap_or_default());
                new_secret.push(r.sealed.secret.as_str());
                new_nonce.push(r.sealed.nonce.as_slice());
            } else {
                up_ids.push(r.id);
                up_desc.push(r.description);
                up_secret.push(r.sealed.secret.as_str());
                up_nonce.push(r.sealed.nonce.as_slice());
            }
            ids.push(r.id);
            versions.push(r.meta.version as i64);
            names.push(r.name);
            times.push(r.meta.written_at);
            authors.push(r.meta.author.as_str());
            statements.push(r.meta.statement.as_deref());
            sigs.push(r.meta.sig.as_deref());
            let below = r.meta.version as i64 - retention.versions as i64;
            if below >= 1 {
                prune_ids.push(r.id);
                prune_below.push(below);
            }
        }
        let cutoff = chrono::Utc::now().timestamp() - retention.removed_secs;
        let sql = self.sql(
            "WITH ins AS (\
               INSERT INTO {s}secrets (id, name, description, secret, key_id, nonce) \
               SELECT u.id, u.name, u.description, u.secret, $5, u.nonce \
               FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::text[], $6::bytea[]) \
                 AS u(id, name, description, secret, nonce) RETURNING 1), \
             upd AS (\
               UPDATE {s}secrets AS s \
               SET secret = u.secret, nonce = u.nonce, key_id = $5, \
                   description = COALESCE(u.description, s.description) \
               FROM UNNEST($7::uuid[], $8::text[], $9::bytea[], $10::text[]) AS u(id, secret, nonce, description) \
               WHERE s.id = u.id RETURNING 1), \
             ver AS (\
               INSERT INTO {s}versions (secret_id, version, name, written_at, author, statement, sig) \
               SELECT * FROM UNNEST($11::uuid[], $12::bigint[], $13::text[], $14::bigint[], $15::text[], \
                 $16::bytea[], $17::bytea[]) RETURNING 1), \
             pruned AS (\
               DELETE FROM {s}versions v USING UNNEST($18::uuid[], $19::bigint[]) AS u(id, below) \
               WHERE v.secret_id = u.id AND v.version <= u.below RETURNING 1), \
             expired AS (\
               DELETE FROM {s}versions WHERE removed_at IS NOT NULL AND removed_at < $20 RETURNING 1) \
             SELECT (SELECT count(*) FROM ins) AS ins, (SELECT count(*) FROM upd) AS upd, \
               (SELECT count(*) FROM ver) AS ver, (SELECT count(*) FROM pruned) AS pruned, \
               (SELECT count(*) FROM expired) AS expired",
        );
        let written = query(&sql)
            .bind(&new_ids)
            .bind(&new_names)
            .bind(&new_desc)
            .bind(&new_secret)
            .bind(key)
            .bind(&new_nonce)
            .bind(&up_ids)
            .bind(&up_secret)
            .bind(&up_nonce)
            .bind(&up_desc)
            .bind(&ids)
            .bind(&versions)
            .bind(&names)
            .bind(&times)
            .bind(&authors)
            .bind(&statements)
            .bind(&sigs)
            .bind(&prune_ids)
            .bind(&prune_below)
            .bind(cutoff)
            .execute(&mut self.conn)
            .await;
        match written {
            Err(e) if is_unique_violation(&e) => Ok(false),
            r => r.map(|_| true).map_err(|e| self.err(e)),
        }
    }

    async fn write_resealed_versions(
        &mut self,
        from: Uuid,
        to: Uuid,
        rows: &[(Uuid, i64, &super::Sealed)],
    ) -> Result<u64> {
        if rows.is_empty() {
            return Ok(0);
        }
        let ids: Vec<Uuid> = rows.iter().map(|r| r.0).collect();
        let versions: Vec<i64> = rows.iter().map(|r| r.1).collect();
        let secrets: Vec<&str> = rows.iter().map(|r| r.2.secret.as_str()).collect();
        let nonces: Vec<&[u8]> = rows.iter().map(|r| r.2.nonce.as_slice()).collect();
        let sql = self.sql(
            "UPDATE {s}versions AS v SET secret = u.secret, nonce = u.nonce, key_id = $1 \
             FROM UNNEST($2::uuid[], $3::bigint[], $4::text[], $5::bytea[]) AS u(id, version, secret, nonce) \
             WHERE v.secret_id = u.id AND v.version = u.version AND v.key_id = $6",
        );
        Ok(query(&sql)
            .bind(to)
            .bind(&ids)
            .bind(&versions)
            .bind(&secrets)
            .bind(&nonces)
            .bind(from)
            .execute(&mut self.conn)
            .await
            .map_err(|e| self.err(e))?
            .rows_affected())
    }

    async fn renew_lease(&mut self) -> Result<()> {
        let Some(holder) = self.lease else {
            return Ok(());
        };
        let renew = self.sql(&format!(
            "UPDATE {{s}}rotation_lease SET expires_at = now() + interval '{LEASE_SECS} seconds' \
             WHERE holder = $1"
        ));
        let held = query(&renew)
            .bind(holder)
            .execute(&mut self.conn)
            .await
            .map_err(|e| self.err(e))?
            .rows_affected();
        if held == 0 {
            return Err(lease_lost());
        }
        Ok(())
    }

    async fn lock_rotation(&mut self) -> Result<bool> {
        // A lease row, not a session lock: through a transaction pooler a
        // session lock would stay on a server connection other clients use.
        let (holder, host, pid) = (Uuid::new_v4(), host_name(), std::process::id() as i32);
        let take = self.sql(&format!(
            "INSERT INTO {{s}}rotation_lease AS l (id, holder, host, pid, expires_at) \
             VALUES (true, $1, $2, $3, now() + interval '{LEASE_SECS} seconds') \
             ON CONFLICT (id) DO UPDATE SET holder = EXCLUDED.holder, host = EXCLUDED.host, \
               pid = EXCLUDED.pid, expires_at = EXCLUDED.expires_at \
             WHERE l.expires_at < now() RETURNING holder"
        ));
        let began = self.enter().await?;
        let taken = query(&take)
            .bind(holder)
            .bind(&host)
            .bind(pid)
            .fetch_optional(&mut self.conn)
            .await
            .map_err(|e| self.err(e));
        let taken = self.leave(began, taken).await?.is_some();
        if taken || self.take_over_dead(holder, &host, pid).await? {
            self.lease = Some(holder);
            return Ok(true);
        }
        Ok(false)
    }

    async fn unlock_rotation(&mut self) -> Result<()> {
        let Some(holder) = self.lease.take() else {
            return Ok(());
        };
        let sql = self.sql("DELETE FROM {s}rotation_lease WHERE holder = $1");
        let began = self.enter().await?;
        let out = query(&sql)
            .bind(holder)
            .execute(&mut self.conn)
            .await
            .map(drop)
            .map_err(|e| self.err(e));
        self.leave(began, out).await
    }

    async fn read_supabase_vault(&mut self) -> Result<Vec<super::ForeignSecret>> {
        // Supabase Vault's own schema is always `vault`; the view decrypts
        // on the server. Read-only: the source is never changed.
        let url = self.url.clone();
        sqlx::raw_sql("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .execute(&mut self.conn)
            .await
            .map_err(|e| self.err(e))?;
        let rows = query(
            "SELECT id, name, description, convert_to(decrypted_secret, 'UTF8') AS value \
             FROM vault.decrypted_secrets ORDER BY name COLLATE \"C\", id",
        )
        .fetch_all(&mut self.conn)
        .await;
        let _ = sqlx::raw_sql("COMMIT").execute(&mut self.conn).await;
        let rows = match rows {
            Ok(rows) => rows,
            Err(sqlx::Error::Database(db)) if matches!(db.code().as_deref(), Some("42P01" | "3F000")) => {
                return Err(Error::usage(format!(
                    "{url} has no Supabase Vault (no view vault.decrypted_secrets)"
                ))
                .hint("connect to the Supabase project's database (the supabase_vault extension)"));
            }
            Err(sqlx::Error::Database(db)) if db.code().as_deref() == Some("42501") => {
                return Err(Error::database(format!(
                    "{url}: permission denied reading vault.decrypted_secrets: {}",
                    db.message()
                ))
                .hint("connect as a role that may read Supabase Vault (e.g. postgres)"));
            }
            Err(e) => return Err(self.err(e)),
        };
        rows.into_iter()
            .map(|r| {
                Ok(super::ForeignSecret {
                    id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    description: r.try_get::<Option<String>, _>("description")?.unwrap_or_default(),
                    value: r
                        .try_get::<Option<Vec<u8>>, _>("value")?
                        .map(zeroize::Zeroizing::new),
                })
            })
            .collect::<std::result::Result<_, sqlx::Error>>()
            .map_err(|e| super::query_error(&url, e))
    }

    async fn reseal_batch(
        &mut self,
        from: Uuid,
        to: Uuid,
        after: Option<ResealCursor>,
        limit: usize,
        resealer: &SharedResealer,
    ) -> Result<BatchOutcome> {
        let url = self.url.clone();
        let err = |e| super::query_error(&url, e);
        let renew = self.sql(&format!(
            "UPDATE {{s}}rotation_lease SET expires_at = now() + interval '{LEASE_SECS} seconds' \
             WHERE holder = $1"
        ));
        // The table's length in pages now, and the planner's estimate of
        // rows per page (for the first batch's stretch of pages).
        let size = "SELECT pg_relation_size(c.oid) / current_setting('block_size')::bigint AS pages, \
                    c.relpages::bigint AS relpages, c.reltuples::float8 AS tuples \
                    FROM pg_class c WHERE c.oid = $1::regclass";
        // Physical order, one stretch of pages at a time (a TID range
        // scan): every heap page is visited by one batch, and written once
        // per rotation. In id order (uuids are random) each batch touched
        // as many scattered pages as rows; once the table outgrew
        // shared_buffers every page was read, dirtied, evicted and written
        // back once per row on it, with a full-page image in the WAL after
        // each checkpoint. `IS NOT DISTINCT FROM` (the same as `=` for a
        // key id) keeps the planner off secrets_key_id_idx, whose
        // statistics are stale right after a rotation, so the plan is
        // always the range scan.
        let select = self.sql(
            "SELECT (ctid::text::point)[0]::bigint AS page, (ctid::text::point)[1]::bigint AS line, \
             id, name, secret, key_id, nonce FROM {s}secrets \
             WHERE ctid > $2::text::tid AND ctid < $3::text::tid AND key_id IS NOT DISTINCT FROM $1 \
             ORDER BY ctid LIMIT $4 FOR UPDATE",
        );
        let update = self.sql(
            "UPDATE {s}secrets AS s SET secret = u.secret, nonce = u.nonce, key_id = $1 \
             FROM UNNEST($2::uuid[], $3::text[], $4::bytea[]) AS u(id, secret, nonce) \
             WHERE s.id = u.id AND s.key_id = $5",
        );
        let table = self.sql("{s}secrets");
        let (page, line, span) = match after {
            Some(ResealCursor::Tid { page, line, span }) => (page, line, span),
            Some(ResealCursor::Id(_)) | None => (0, 0, 0),
        };
        let lease = self.lease;
        let mut tx = self.conn.begin().await.map_err(err)?;
        // The batch commits only while this rotation holds the lease (and
        // renews it): one that lost it (expired while stalled) stops here.
        if let Some(holder) = lease {
            let held = query(&renew)
                .bind(holder)
                .execute(&mut *tx)
                .await
                .map_err(err)?
                .rows_affected();
            if held == 0 {
                return Err(lease_lost());
            }
        }
        let sized = query(size).bind(&table).fetch_one(&mut *tx).await.map_err(err)?;
        let pages: i64 = sized.try_get("pages").map_err(err)?;
        if i64::from(page) >= pages {
            // Past the end: every row sealed to `from` was looked at. (The
            // rows the batches wrote are under `to`, wherever they landed;
            // a row under `from` that something else moved behind the scan,
            // a VACUUM FULL, is found by the next pass before retirement.)
            tx.commit().await.map_err(err)?;
            return Ok(BatchOutcome {
                seen: 0,
                next: None,
                moved: 0,
                failed: vec![],
            });
        }
        let span = if span > 0 {
            span
        } else {
            let relpages: i64 = sized.try_get("relpages").map_err(err)?;
            let tuples: f64 = sized.try_get("tuples").map_err(err)?;
            first_span(limit, relpages, tuples)
        };
        let end = u64::from(page) + u64::from(span);
        // FOR UPDATE: a put to one of these rows waits for this batch (and
        // a row a put already moved to the new key no longer matches).
        let mut at = Vec::new();
        let rows: Vec<SealedRow> = query(&select)
            .bind(from)
            .bind(format!("({page},{line})"))
            .bind(format!("({end},0)"))
            .bind(limit as i64)
            .fetch_all(&mut *tx)
            .await
            .map_err(err)?
            .into_iter()
            .map(|r| {
                let page: i64 = r.try_get("page").map_err(err)?;
                let line: i64 = r.try_get("line").map_err(err)?;
                at.push((page, line));
                pg_sealed_row(r)
            })
            .collect::<Result<_>>()?;
        let sealed = resealer.reseal(&rows);
        let (mut ids, mut secrets, mut nonces, mut failed) = (vec![], vec![], vec![], vec![]);
        for (row, s) in rows.iter().zip(sealed) {
            match s {
                Ok(s) => {
                    ids.push(row.id);
                    secrets.push(s.secret);
                    nonces.push(s.nonce);
                }
                Err(_) => failed.push((row.id, row.name.clone())),
            }
        }
        let moved = if ids.is_empty() {
            0
        } else {
            query(&update)
                .bind(to)
                .bind(&ids)
                .bind(&secrets)
                .bind(&nonces)
                .bind(from)
                .execute(&mut *tx)
                .await
                .map_err(err)?
                .rows_affected()
        };
        tx.commit().await.map_err(err)?;
        Ok(BatchOutcome {
            seen: rows.len(),
            next: Some(next_cursor(page, span, end, limit, &at)),
            moved,
            failed,
        })
    }
}

/// How many heap pages the first re-seal batch reads: enough for `limit`
/// rows at the planner's estimate of rows per page (64 without one).
fn first_span(limit: usize, relpages: i64, tuples: f64) -> u32 {
    if relpages <= 0 || tuples < 1.0 {
        return 64;
    }
    let per_page = tuples / relpages as f64;
    (limit as f64 / per_page).ceil().clamp(1.0, MAX_SPAN as f64) as u32
}

/// The most pages one re-seal batch reads (1 GiB of 8 KiB pages).
const MAX_SPAN: u32 = 1 << 17;

/// Where the batch after one that read pages `page..end` (`span` of them)
/// and found rows at `at` (page, line; `limit` at most) starts, and how many
/// pages it reads: from the last row when the limit cut the stretch short
/// (fewer pages next time), else from `end` (more pages if it found fewer
/// rows than `limit`, at most 4 times as many).
fn next_cursor(page: u32, span: u32, end: u64, limit: usize, at: &[(i64, i64)]) -> ResealCursor {
    match at.last() {
        Some(&(last_page, last_line)) if at.len() >= limit => ResealCursor::Tid {
            page: last_page.clamp(0, i64::from(u32::MAX)) as u32,
            line: last_line.clamp(0, i64::from(u16::MAX)) as u16,
            span: (last_page - i64::from(page) + 1).clamp(1, i64::from(MAX_SPAN)) as u32,
        },
        _ => {
            let want = (span as u64 * limit as u64) / (at.len() as u64).max(1);
            ResealCursor::Tid {
                page: end.min(u64::from(u32::MAX)) as u32,
                line: 0,
                span: want.clamp(1, u64::from(span) * 4).min(u64::from(MAX_SPAN)) as u32,
            }
        }
    }
}

/// This rotation's lease was taken by another `vault rotate` (it expired).
fn lease_lost() -> Error {
    Error::conflict(format!(
        "this `vault rotate` lost the rotation lease (no renewal for {LEASE_SECS} s) and stopped; nothing is lost"
    ))
    .hint("another `vault rotate` took over; run `vault rotate` again once it is done")
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn begin_statements_take_the_keys_lock() {
        assert_eq!(
            BEGIN_SHARED,
            format!("BEGIN; SELECT pg_advisory_xact_lock_shared({LOCK_CLASS}, {KEYS_LOCK})")
        );
        assert_eq!(
            BEGIN_EXCLUSIVE,
            format!("BEGIN; SELECT pg_advisory_xact_lock({LOCK_CLASS}, {KEYS_LOCK})")
        );
    }

    #[test]
    fn text_params_are_inlined_as_escape_strings() {
        let sql =
            r#"SELECT name FROM "a$1"."s" WHERE name COLLATE "C" >= $1 AND x$2 = '$2' AND n < $2 || $10"#;
        let params: Vec<String> = (1..=10).map(|i| format!("p{i}")).collect();
        let params: Vec<&str> = params.iter().map(String::as_str).collect();
        assert_eq!(
            inline_text_params(sql, &params).unwrap(),
            r#"SELECT name FROM "a$1"."s" WHERE name COLLATE "C" >= E'p1'::text AND x$2 = '$2' AND n < E'p2'::text || E'p10'::text"#
        );
        // Quotes and backslashes are doubled; everything else is kept as is.
        assert_eq!(
            inline_text_params("SELECT $1", &[r"it's a \' back\slash 'é'"]).unwrap(),
            r"SELECT E'it''s a \\'' back\\slash ''é'''::text"
        );
        assert_eq!(
            inline_text_params("SELECT $1", &["\u{1}"]).unwrap(),
            "SELECT E'\u{1}'::text"
        );
        // A NUL cannot be written into a query, nor a parameter not given.
        assert_eq!(inline_text_params("SELECT $1", &["a\0b"]), None);
        assert_eq!(inline_text_params("SELECT $2", &["a"]), None);
        assert_eq!(inline_text_params("SELECT $0", &["a"]), None);
    }

    #[test]
    fn first_span_covers_a_batch_at_the_estimated_density() {
        // 100,000 rows on 21,816 pages: 219 pages hold about 1,000.
        assert_eq!(first_span(1000, 21_816, 100_000.0), 219);
        // Never analysed (reltuples -1) or empty: a fixed guess.
        assert_eq!(first_span(1000, 0, -1.0), 64);
        assert_eq!(first_span(1000, 10, 0.0), 64);
        // Dense pages: at least one page.
        assert_eq!(first_span(1, 1, 200.0), 1);
    }

    #[test]
    fn a_full_batch_resumes_after_its_last_row_with_fewer_pages() {
        let at: Vec<(i64, i64)> = (0..10).map(|i| (100 + i / 5, 1 + i % 5)).collect();
        assert_eq!(
            next_cursor(100, 50, 150, 10, &at),
            ResealCursor::Tid {
                page: 101,
                line: 5,
                span: 2
            }
        );
    }

    #[test]
    fn a_short_batch_moves_past_its_pages_and_reads_more_next_time() {
        // Half the rows wanted: twice the pages.
        let at = vec![(3, 1); 5];
        assert_eq!(
            next_cursor(0, 8, 8, 10, &at),
            ResealCursor::Tid {
                page: 8,
                line: 0,
                span: 16
            }
        );
        // None at all (pages of rows already moved): four times, no more.
        assert_eq!(
            next_cursor(8, 8, 16, 10, &[]),
            ResealCursor::Tid {
                page: 16,
                line: 0,
                span: 32
            }
        );
        // More pages than rows wanted: never a larger span than the cap.
        assert_eq!(
            next_cursor(0, MAX_SPAN, u64::from(MAX_SPAN), 1000, &[]),
            ResealCursor::Tid {
                page: MAX_SPAN,
                line: 0,
                span: MAX_SPAN
            }
        );
    }

    #[test]
    fn migrations_list_every_file() {
        super::super::check_migrations("postgres", MIGRATIONS);
    }
}
