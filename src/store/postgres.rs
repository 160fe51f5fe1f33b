//! The PostgreSQL store: the team's shared vault.
//!
//! One connection per command. Puts take a shared transaction-level advisory
//! lock before reading the current key; key switches and retirement take it
//! exclusively. So a value is always written under a key that is still
//! current when its transaction commits.

use std::collections::HashMap;
use std::str::FromStr;

use async_trait::async_trait;
use futures_util::TryStreamExt;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{Connection, Row};
use uuid::Uuid;

use super::{KeyRecord, MemberRecord, Meta, PutItem, PutMode, PutOutcome, Sealer, Slot, Store};
use crate::config::DbUrl;
use crate::error::{Error, Result};
use crate::seal::SealedRow;

/// Advisory lock namespace ("VAUT") and the locks within it.
const LOCK_CLASS: i32 = 0x5641_5554;
/// Shared by writers while they seal; exclusive while the current key changes.
pub(crate) const KEYS_LOCK: i32 = 1;
/// Starts a put: a transaction holding [`KEYS_LOCK`] shared. Literal
/// constants only (checked by a unit test), so no bind parameters are needed.
const BEGIN_PUT: &str = "BEGIN; SELECT pg_advisory_xact_lock_shared(1447122260, 1)";

pub struct PgStore {
    pub(crate) conn: PgConnection,
    pub(crate) url: DbUrl,
}

fn migrator() -> Migrator {
    let mut m = Migrator::with_migrations(vec![Migration::new(
        1,
        "init".into(),
        MigrationType::Simple,
        sqlx::SqlSafeStr::into_sql_str(include_str!("../../migrations/postgres/0001_init.sql")),
        false,
    )]);
    // Keep sqlx's bookkeeping table inside our schema, not in `public`.
    m.create_schema("vault");
    m.dangerous_set_table_name("vault._sqlx_migrations");
    m
}

impl PgStore {
    pub async fn connect(url: &DbUrl) -> Result<PgStore> {
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
        let timeout = super::connect_timeout();
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

fn key_record(row: &sqlx::postgres::PgRow, id: &str, recipient: &str, grant: &str) -> Option<KeyRecord> {
    let id: Option<Uuid> = row.get(id);
    id.map(|id| KeyRecord {
        id,
        recipient: row.get(recipient),
        grant: row.get(grant),
    })
}

fn sealed_row(row: &sqlx::postgres::PgRow) -> SealedRow {
    SealedRow {
        id: row.get("id"),
        name: row.get("name"),
        secret: row.get("secret"),
        key_id: row.get("key_id"),
        nonce: row.get("nonce"),
    }
}

/// A put attempt that lost a race to create the same name.
enum PutFailure {
    NameRace,
    Other(Error),
}

impl From<Error> for PutFailure {
    fn from(e: Error) -> Self {
        PutFailure::Other(e)
    }
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.code().as_deref() == Some("23505"))
}

impl PgStore {
    async fn try_put(
        &mut self,
        items: &[PutItem],
        mode: PutMode,
        member: &str,
        sealer: &dyn Sealer,
    ) -> std::result::Result<Vec<PutOutcome>, PutFailure> {
        let url = self.url.clone();
        let err = |e| super::query_error(&url, e);
        // One simple query, one round trip: BEGIN plus the shared lock
        // (a prepared lock statement would take two more).
        let mut tx = self.conn.begin_with(BEGIN_PUT).await.map_err(err)?;
        let key = current_key(&mut tx, member)
            .await
            .map_err(err)?
            .ok_or_else(no_key)?;
        let names: Vec<&str> = items.iter().map(|i| i.name.as_str()).collect();
        let existing: HashMap<String, Uuid> =
            sqlx::query("SELECT id, name FROM vault.secrets WHERE name = ANY($1) FOR UPDATE")
                .bind(&names)
                .fetch_all(&mut *tx)
                .await
                .map_err(err)?
                .iter()
                .map(|r| (r.get::<String, _>("name"), r.get::<Uuid, _>("id")))
                .collect();
        if mode == PutMode::CreateOnly && !existing.is_empty() {
            return Err(PutFailure::Other(crate::vault::exists_error(existing.keys())));
        }
        let slots: Vec<Slot<'_>> = items
            .iter()
            .map(|i| match existing.get(&i.name) {
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

        let (mut new_ids, mut new_names, mut new_desc, mut new_secret, mut new_nonce) =
            (vec![], vec![], vec![], vec![], vec![]);
        let (mut up_ids, mut up_desc, mut up_secret, mut up_nonce) = (vec![], vec![], vec![], vec![]);
        for ((slot, item), s) in slots.iter().zip(items).zip(sealed) {
            if slot.created {
                new_ids.push(slot.id);
                new_names.push(slot.name);
                new_desc.push(item.description.clone().unwrap_or_default());
                new_secret.push(s.secret);
                new_nonce.push(s.nonce);
            } else {
                up_ids.push(slot.id);
                up_desc.push(item.description.clone());
                up_secret.push(s.secret);
                up_nonce.push(s.nonce);
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
            .bind(key.id)
            .bind(&new_nonce)
            .execute(&mut *tx)
            .await;
            match inserted {
                Err(e) if is_unique_violation(&e) => return Err(PutFailure::NameRace),
                r => r.map_err(err)?,
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
            .bind(key.id)
            .bind(&up_ids)
            .bind(&up_secret)
            .bind(&up_nonce)
            .bind(&up_desc)
            .execute(&mut *tx)
            .await
            .map_err(err)?;
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
}

pub(crate) fn no_key() -> Error {
    Error::database("this vault has no current key").hint("run `vault init` to create one")
}

pub(crate) async fn current_key(conn: &mut PgConnection, member: &str) -> sqlx::Result<Option<KeyRecord>> {
    let row = sqlx::query(
        "SELECT k.id, k.recipient, g.sealed_key FROM vault.keys k \
         LEFT JOIN vault.key_grants g ON g.key_id = k.id AND g.recipient = $1 \
         WHERE k.state = 'current'",
    )
    .bind(member)
    .fetch_optional(conn)
    .await?;
    Ok(row.and_then(|r| key_record(&r, "id", "recipient", "sealed_key")))
}

#[async_trait(?Send)]
impl Store for PgStore {
    async fn migrate(&mut self) -> Result<()> {
        let version = self.schema_version().await?;
        match version {
            Some(v) if v > super::SCHEMA_VERSION => return Err(super::newer_schema(&self.url, v)),
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

    async fn bootstrap(
        &mut self,
        founder: &MemberRecord,
        key_id: Uuid,
        key_recipient: &str,
        grant: &str,
    ) -> Result<bool> {
        let url = self.url.clone();
        let err = |e| super::query_error(&url, e);
        let mut tx = self.conn.begin().await.map_err(err)?;
        sqlx::query("SELECT pg_advisory_xact_lock($1, $2)")
            .bind(LOCK_CLASS)
            .bind(KEYS_LOCK)
            .execute(&mut *tx)
            .await
            .map_err(err)?;
        let keys: i64 = sqlx::query_scalar("SELECT count(*) FROM vault.keys")
            .fetch_one(&mut *tx)
            .await
            .map_err(err)?;
        if keys > 0 {
            return Ok(false);
        }
        sqlx::query("INSERT INTO vault.members (recipient, name, added_by) VALUES ($1, $2, NULL)")
            .bind(&founder.recipient)
            .bind(&founder.name)
            .execute(&mut *tx)
            .await
            .map_err(err)?;
        sqlx::query("INSERT INTO vault.keys (id, recipient, state) VALUES ($1, $2, 'current')")
            .bind(key_id)
            .bind(key_recipient)
            .execute(&mut *tx)
            .await
            .map_err(err)?;
        sqlx::query("INSERT INTO vault.key_grants (key_id, recipient, sealed_key) VALUES ($1, $2, $3)")
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
        let row =
            sqlx::query("SELECT recipient, name, added_at, added_by FROM vault.members WHERE recipient = $1")
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
             FROM vault.secrets s \
             LEFT JOIN vault.keys k ON k.id = s.key_id AND k.state <> 'retired' \
             LEFT JOIN vault.key_grants g ON g.key_id = k.id AND g.recipient = $2 \
             WHERE s.name = $1",
        )
        .bind(name)
        .bind(member)
        .fetch_optional(&mut self.conn)
        .await
        .map_err(|e| self.err(e))?;
        Ok(row.map(|r| (sealed_row(&r), key_record(&r, "kid", "recipient", "sealed_key"))))
    }

    async fn list(&mut self, prefix: Option<&str>, each: &mut dyn FnMut(Meta) -> Result<()>) -> Result<()> {
        let url = self.url.clone();
        let mut rows = sqlx::query(
            "SELECT id, name, description, key_id, created_at, updated_at FROM vault.secrets \
             WHERE $1::text IS NULL OR starts_with(name, $1) ORDER BY name COLLATE \"C\"",
        )
        .bind(prefix)
        .fetch(&mut self.conn);
        while let Some(r) = rows.try_next().await.map_err(|e| super::query_error(&url, e))? {
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
            "SELECT k.id, k.recipient, g.sealed_key FROM vault.keys k \
             JOIN vault.key_grants g ON g.key_id = k.id AND g.recipient = $1 WHERE k.state <> 'retired'",
        )
        .bind(member)
        .fetch_all(&mut self.conn)
        .await
        .map_err(|e| self.err(e))?
        .iter()
        .filter_map(|r| key_record(r, "id", "recipient", "sealed_key"))
        .collect();
        let rows = sqlx::query(
            "SELECT id, name, secret, key_id, nonce FROM vault.secrets \
             WHERE name IS NOT NULL AND ($1::text IS NULL OR starts_with(name, $1)) ORDER BY name COLLATE \"C\"",
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
        let mut attempts = 0;
        loop {
            match self.try_put(items, mode, member, sealer).await {
                Ok(done) => return Ok(done),
                Err(PutFailure::Other(e)) => return Err(e),
                // Another writer created one of these names after we looked.
                Err(PutFailure::NameRace) if mode == PutMode::CreateOnly => {
                    return Err(crate::vault::exists_error(items.iter().map(|i| &i.name)));
                }
                Err(PutFailure::NameRace) => {
                    attempts += 1;
                    if attempts >= 10 {
                        return Err(
                            Error::conflict("other writers kept creating the same names").hint("try again")
                        );
                    }
                }
            }
        }
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

    // ---- fast paths (benches/compare.sh) ----

    async fn list_names(
        &mut self,
        prefix: Option<&str>,
        each: &mut dyn for<'n> FnMut(&'n str) -> Result<()>,
    ) -> Result<()> {
        let url = self.url.clone();
        let err = |e| super::query_error(&url, e);
        // `name IS NOT NULL` lets the planner use the partial unique index.
        let mut rows = sqlx::query(
            "SELECT name FROM vault.secrets \
             WHERE name IS NOT NULL AND ($1::text IS NULL OR starts_with(name, $1)) ORDER BY name COLLATE \"C\"",
        )
        .bind(prefix)
        .fetch(&mut self.conn);
        while let Some(r) = rows.try_next().await.map_err(err)? {
            each(r.try_get::<&str, _>(0).map_err(err)?)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn begin_put_takes_the_keys_lock_shared() {
        assert_eq!(
            BEGIN_PUT,
            format!("BEGIN; SELECT pg_advisory_xact_lock_shared({LOCK_CLASS}, {KEYS_LOCK})")
        );
    }
}
