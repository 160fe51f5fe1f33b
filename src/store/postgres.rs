//! The PostgreSQL backend: the team's shared vault.
//!
//! One connection per command. Puts take a shared transaction-level advisory
//! lock before reading the current key; key switches, retirement and
//! membership changes take it exclusively (see [`Tx`]). So a value is always
//! written under a key that is still current when its transaction commits.
//! What is PostgreSQL-only here: connecting, migrations, the advisory locks,
//! and the fast paths that use arrays (`UNNEST`, `= ANY`) to write a whole
//! batch in one statement.

use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use futures_util::TryStreamExt;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgRow};
use sqlx::{AssertSqlSafe, Connection, Row as _};
use uuid::Uuid;

use super::sql::{self, Arg, Row, Tx, bind_all};
use super::{Backend, BatchOutcome, KeyRecord, Resealer, SealedRow, WriteRow};
use crate::config::DbUrl;
use crate::error::{Error, Result};

/// Advisory lock namespace ("VAUT") and the locks within it.
const LOCK_CLASS: i32 = 0x5641_5554;
/// Shared by writers while they seal; exclusive while the current key changes.
/// Spelled out as literals in `BEGIN_SHARED`/`BEGIN_EXCLUSIVE` (a unit test
/// keeps them in step).
#[cfg_attr(not(test), allow(dead_code))]
const KEYS_LOCK: i32 = 1;
/// Held (session-level) by the one `vault rotate` running on this database.
const ROTATION_LOCK: i32 = 2;

// One simple query, one round trip: BEGIN plus the lock (a prepared lock
// statement would take two more). Literal constants only, checked by a unit
// test, so nothing needs binding.
const BEGIN_SHARED: &str = "BEGIN; SELECT pg_advisory_xact_lock_shared(1447122260, 1)";
const BEGIN_EXCLUSIVE: &str = "BEGIN; SELECT pg_advisory_xact_lock(1447122260, 1)";

pub(crate) struct PgStore {
    conn: PgConnection,
    url: DbUrl,
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
];

fn migrator() -> Migrator {
    let mut m = Migrator::with_migrations(
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
    );
    // Keep sqlx's bookkeeping table inside our schema, not in `public`.
    m.create_schema("vault");
    m.dangerous_set_table_name("vault._sqlx_migrations");
    m
}

impl PgStore {
    /// Connects, giving up after `timeout`.
    pub(crate) async fn connect(url: &DbUrl, timeout: Duration) -> Result<PgStore> {
        let opts = PgConnectOptions::from_str(url.expose())
            .map_err(|e| {
                Error::usage(format!(
                    "{url} is not a valid PostgreSQL URL: {}",
                    first_line(&e.to_string())
                ))
                .hint("use postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?sslmode=require]")
            })?
            .application_name("vault");
        let target = format!("{}:{}", opts.get_host(), opts.get_port());
        let conn = match tokio::time::timeout(timeout, PgConnection::connect_with(&opts)).await {
            Err(_) => {
                return Err(Error::database(format!(
                    "cannot reach the database at {target}: no answer within {:.0} s",
                    timeout.as_secs_f64()
                ))
                .hint("check the host and port in --database-url, and that the server is running"));
            }
            Ok(Err(e)) => return Err(connect_error(&target, url, e)),
            Ok(Ok(c)) => c,
        };
        Ok(PgStore {
            conn,
            url: url.clone(),
        })
    }

    fn err(&self, e: sqlx::Error) -> Error {
        super::query_error(&self.url, e)
    }

    async fn schema_version(&mut self) -> Result<Option<i64>> {
        let exists: Option<String> = sqlx::query_scalar("SELECT to_regclass('vault._sqlx_migrations')::text")
            .fetch_one(&mut self.conn)
            .await
            .map_err(|e| self.err(e))?;
        if exists.is_none() {
            return Ok(None);
        }
        let v: Option<i64> =
            sqlx::query_scalar("SELECT max(version) FROM vault._sqlx_migrations WHERE success")
                .fetch_one(&mut self.conn)
                .await
                .map_err(|e| self.err(e))?;
        Ok(Some(v.unwrap_or(0)))
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
    fn dialect(&self) -> &'static sql::Dialect {
        &sql::POSTGRES
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
            .map(drop)
            .map_err(|e| self.err(e))
    }

    async fn commit(&mut self) -> Result<()> {
        sqlx::raw_sql("COMMIT")
            .execute(&mut self.conn)
            .await
            .map(drop)
            .map_err(|e| self.err(e))
    }

    async fn rollback(&mut self) -> Result<()> {
        sqlx::raw_sql("ROLLBACK")
            .execute(&mut self.conn)
            .await
            .map(drop)
            .map_err(|e| self.err(e))
    }

    async fn execute(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<u64> {
        bind_all!(sqlx::query(AssertSqlSafe(sql)), args)
            .execute(&mut self.conn)
            .await
            .map(|r| r.rows_affected())
            .map_err(|e| self.err(e))
    }

    async fn insert(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<Option<u64>> {
        match bind_all!(sqlx::query(AssertSqlSafe(sql)), args)
            .execute(&mut self.conn)
            .await
        {
            Ok(r) => Ok(Some(r.rows_affected())),
            Err(e) if is_unique_violation(&e) => Ok(None),
            Err(e) => Err(self.err(e)),
        }
    }

    async fn fetch_all(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<Vec<Row>> {
        bind_all!(sqlx::query(AssertSqlSafe(sql)), args)
            .fetch_all(&mut self.conn)
            .await
            .map(|rows| rows.into_iter().map(Row::Pg).collect())
            .map_err(|e| self.err(e))
    }

    async fn fetch_optional(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<Option<Row>> {
        bind_all!(sqlx::query(AssertSqlSafe(sql)), args)
            .fetch_optional(&mut self.conn)
            .await
            .map(|r| r.map(Row::Pg))
            .map_err(|e| self.err(e))
    }

    async fn for_each(
        &mut self,
        sql: &str,
        args: &[Arg<'_>],
        each: &mut dyn for<'r> FnMut(&'r Row) -> Result<()>,
    ) -> Result<()> {
        let url = self.url.clone();
        let mut rows = bind_all!(sqlx::query(AssertSqlSafe(sql)), args).fetch(&mut self.conn);
        while let Some(r) = rows.try_next().await.map_err(|e| super::query_error(&url, e))? {
            each(&Row::Pg(r))?;
        }
        Ok(())
    }

    async fn migrate(&mut self) -> Result<()> {
        let version = self.schema_version().await?;
        match version {
            Some(v) if v > super::SCHEMA_VERSION => return Err(super::newer_schema(&self.url, v)),
            // Up to date: nothing to do. Running the migrator anyway would
            // issue CREATE SCHEMA IF NOT EXISTS, which needs CREATE on the
            // database, so members with only table privileges could not
            // `vault init` to join.
            Some(v) if v == super::SCHEMA_VERSION => return Ok(()),
            Some(_) => {}
            None => {
                // A `vault` schema we did not make (Supabase Vault, say) is left alone.
                let foreign: i64 = sqlx::query_scalar(
                    "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                     WHERE n.nspname = 'vault'",
                )
                .fetch_one(&mut self.conn)
                .await
                .map_err(|e| self.err(e))?;
                if foreign > 0 {
                    return Err(Error::database(format!(
                        "{} already has a `vault` schema that vault did not create (for example Supabase Vault); it was not changed",
                        self.url
                    ))
                    .hint("use another database for vault"));
                }
            }
        }
        migrator()
            .run_direct(None, &mut self.conn, false)
            .await
            .map_err(|e| {
                Error::database(format!(
                    "cannot migrate {}: {}",
                    self.url,
                    first_line(&e.to_string())
                ))
                .hint("check that the user may create schemas and tables in this database")
            })
    }

    async fn check_schema(&mut self) -> Result<()> {
        // The simple query protocol: one round trip, where a prepared
        // statement takes two (parse/describe, then bind/execute).
        let v: std::result::Result<Option<i64>, sqlx::Error> =
            sqlx::raw_sql("SELECT max(version) FROM vault._sqlx_migrations WHERE success")
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
        let all = sqlx::query(
            "SELECT * FROM ( \
               SELECT 'k' AS kind, k.id, NULL::text AS name, k.recipient AS secret, NULL::uuid AS key_id, \
                      NULL::bytea AS nonce, g.sealed_key \
               FROM vault.keys k JOIN vault.key_grants g ON g.key_id = k.id AND g.recipient = $1 \
               WHERE k.state <> 'retired' \
               UNION ALL \
               SELECT 's', id, name, secret, key_id, nonce, NULL FROM vault.secrets \
               WHERE name IS NOT NULL AND ($2::text IS NULL OR starts_with(name, $2)) \
             ) AS u ORDER BY kind, name COLLATE \"C\"",
        )
        .bind(member)
        .bind(prefix)
        .fetch_all(&mut self.conn)
        .await
        .map_err(|e| self.err(e))?;
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

    async fn lock_existing(&mut self, names: &[&str]) -> Result<HashMap<String, Uuid>> {
        // Row locks in id order, like `vault rotate`'s batches: no deadlock.
        let rows =
            sqlx::query("SELECT id, name FROM vault.secrets WHERE name = ANY($1) ORDER BY id FOR UPDATE")
                .bind(names)
                .fetch_all(&mut self.conn)
                .await
                .map_err(|e| self.err(e))?;
        rows.iter()
            .map(|r| Ok((r.try_get("name")?, r.try_get("id")?)))
            .collect::<std::result::Result<_, sqlx::Error>>()
            .map_err(|e| self.err(e))
    }

    async fn write_rows(&mut self, key: Uuid, rows: &[WriteRow<'_>]) -> Result<bool> {
        let (mut new_ids, mut new_names, mut new_desc, mut new_secret, mut new_nonce) =
            (vec![], vec![], vec![], vec![], vec![]);
        let (mut up_ids, mut up_desc, mut up_secret, mut up_nonce) = (vec![], vec![], vec![], vec![]);
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
        }
        if !new_ids.is_empty() {
            let inserted = sqlx::query(
                "INSERT INTO vault.secrets (id, name, description, secret, key_id, nonce) \
                 SELECT u.id, u.name, u.description, u.secret, $5, u.nonce \
                 FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::text[], $6::bytea[]) \
                   AS u(id, name, description, secret, nonce)",
            )
            .bind(&new_ids)
            .bind(&new_names)
            .bind(&new_desc)
            .bind(&new_secret)
            .bind(key)
            .bind(&new_nonce)
            .execute(&mut self.conn)
            .await;
            match inserted {
                Err(e) if is_unique_violation(&e) => return Ok(false),
                r => r.map_err(|e| self.err(e))?,
            };
        }
        if !up_ids.is_empty() {
            sqlx::query(
                "UPDATE vault.secrets AS s \
                 SET secret = u.secret, nonce = u.nonce, key_id = $1, \
                     description = COALESCE(u.description, s.description) \
                 FROM UNNEST($2::uuid[], $3::text[], $4::bytea[], $5::text[]) AS u(id, secret, nonce, description) \
                 WHERE s.id = u.id",
            )
            .bind(key)
            .bind(&up_ids)
            .bind(&up_secret)
            .bind(&up_nonce)
            .bind(&up_desc)
            .execute(&mut self.conn)
            .await
            .map_err(|e| self.err(e))?;
        }
        Ok(true)
    }

    async fn remove(&mut self, names: &[String]) -> Result<()> {
        let url = self.url.clone();
        let err = |e| super::query_error(&url, e);
        let mut tx = self.conn.begin().await.map_err(err)?;
        let removed: Vec<String> =
            sqlx::query_scalar("DELETE FROM vault.secrets WHERE name = ANY($1) RETURNING name")
                .bind(names)
                .fetch_all(&mut *tx)
                .await
                .map_err(err)?;
        if removed.len() < names.len() {
            let missing: Vec<&str> = names
                .iter()
                .map(String::as_str)
                .filter(|n| !removed.iter().any(|r| r == n))
                .collect();
            return Err(super::not_found(&missing));
        }
        tx.commit().await.map_err(err)
    }

    async fn lock_rotation(&mut self) -> Result<bool> {
        sqlx::query_scalar("SELECT pg_try_advisory_lock($1, $2)")
            .bind(LOCK_CLASS)
            .bind(ROTATION_LOCK)
            .fetch_one(&mut self.conn)
            .await
            .map_err(|e| self.err(e))
    }

    async fn unlock_rotation(&mut self) -> Result<()> {
        sqlx::query("SELECT pg_advisory_unlock($1, $2)")
            .bind(LOCK_CLASS)
            .bind(ROTATION_LOCK)
            .execute(&mut self.conn)
            .await
            .map(drop)
            .map_err(|e| self.err(e))
    }

    async fn reseal_batch(
        &mut self,
        from: Uuid,
        to: Uuid,
        after: Option<Uuid>,
        limit: usize,
        resealer: &dyn Resealer,
    ) -> Result<BatchOutcome> {
        let url = self.url.clone();
        let err = |e| super::query_error(&url, e);
        let mut tx = self.conn.begin().await.map_err(err)?;
        // FOR UPDATE: a put to one of these rows waits for this batch (and
        // a row a put already moved to the new key no longer matches).
        let rows: Vec<SealedRow> = sqlx::query(
            "SELECT id, name, secret, key_id, nonce FROM vault.secrets \
             WHERE key_id = $1 AND ($2::uuid IS NULL OR id > $2) ORDER BY id LIMIT $3 FOR UPDATE",
        )
        .bind(from)
        .bind(after)
        .bind(limit as i64)
        .fetch_all(&mut *tx)
        .await
        .map_err(err)?
        .into_iter()
        .map(pg_sealed_row)
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
            sqlx::query(
                "UPDATE vault.secrets AS s SET secret = u.secret, nonce = u.nonce, key_id = $1 \
                 FROM UNNEST($2::uuid[], $3::text[], $4::bytea[]) AS u(id, secret, nonce) \
                 WHERE s.id = u.id AND s.key_id = $5",
            )
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
            last: rows.last().map(|r| r.id),
            moved,
            failed,
        })
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s)
}

/// Connection failures name host:port and never the URL's password.
fn connect_error(target: &str, url: &DbUrl, e: sqlx::Error) -> Error {
    match &e {
        sqlx::Error::Database(db) => {
            let code = db.code().unwrap_or_default();
            let hint = match code.as_ref() {
                "3D000" => "create the database first, or fix its name in --database-url",
                "28P01" | "28000" => "check the user and password in --database-url",
                _ => "check --database-url",
            };
            Error::database(format!(
                "the database at {target} refused the connection: {}",
                db.message()
            ))
            .hint(hint)
        }
        sqlx::Error::Tls(t) => Error::database(format!("TLS with the database at {target} failed: {t}"))
            .hint("check sslmode and sslrootcert in --database-url"),
        sqlx::Error::Io(io) => Error::database(format!("cannot reach the database at {target}: {io}"))
            .hint("check the host and port in --database-url, and that the server is running"),
        _ => Error::database(format!(
            "cannot connect to the database at {target} ({url}): {}",
            first_line(&e.to_string())
        ))
        .hint("check --database-url"),
    }
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
    fn migrations_list_every_file() {
        super::super::check_migrations("postgres", MIGRATIONS);
    }
}
