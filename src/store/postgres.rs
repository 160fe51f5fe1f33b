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

use super::{
    BatchOutcome, Granter, KeyRecord, KeyStatus, MemberInfo, MemberRecord, Meta, PutItem, PutMode,
    PutOutcome, Resealer, RotationState, Sealer, Slot, Store,
};
use crate::config::DbUrl;
use crate::error::{Error, Result};
use crate::seal::SealedRow;

/// Advisory lock namespace ("VAUT") and the locks within it.
const LOCK_CLASS: i32 = 0x5641_5554;
/// Shared by writers while they seal; exclusive while the current key changes.
/// Spelled out as literals in `BEGIN_SHARED`/`BEGIN_EXCLUSIVE` (a unit test
/// keeps them in step).
#[cfg_attr(not(test), allow(dead_code))]
const KEYS_LOCK: i32 = 1;
/// Held (session-level) by the one `vault rotate` running on this database.
pub(crate) const ROTATION_LOCK: i32 = 2;

pub struct PgStore {
    pub(crate) conn: PgConnection,
    pub(crate) url: DbUrl,
}

fn migrator() -> Migrator {
    let mut m = Migrator::with_migrations(vec![
        Migration::new(
            1,
            "init".into(),
            MigrationType::Simple,
            sqlx::SqlSafeStr::into_sql_str(include_str!("../../migrations/postgres/0001_init.sql")),
            false,
        ),
        Migration::new(
            2,
            "secrets key_id index".into(),
            MigrationType::Simple,
            sqlx::SqlSafeStr::into_sql_str(include_str!(
                "../../migrations/postgres/0002_secrets_key_id_idx.sql"
            )),
            false,
        ),
    ]);
    // Keep sqlx's bookkeeping table inside our schema, not in `public`.
    m.create_schema("vault");
    m.dangerous_set_table_name("vault._sqlx_migrations");
    m
}

impl PgStore {
    pub async fn connect(url: &DbUrl) -> Result<PgStore> {
        Self::connect_within(url, super::connect_timeout()).await
    }

    /// Connects, giving up after `timeout` (shell completion uses a short one).
    pub async fn connect_within(url: &DbUrl, timeout: std::time::Duration) -> Result<PgStore> {
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
        let mut tx = begin_locked(&mut self.conn, Lock::Shared).await.map_err(err)?;
        let key = current_key(&mut tx, member)
            .await
            .map_err(err)?
            .ok_or_else(no_key)?;
        let names: Vec<&str> = items.iter().map(|i| i.name.as_str()).collect();
        // Row locks in id order, like `vault rotate`'s batches: no deadlock.
        let existing: HashMap<String, Uuid> =
            sqlx::query("SELECT id, name FROM vault.secrets WHERE name = ANY($1) ORDER BY id FOR UPDATE")
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

/// How a transaction holds the keys lock.
#[derive(Clone, Copy)]
pub(crate) enum Lock {
    /// Writers sealing under the current key: many at once.
    Shared,
    /// Changing which key is current, or who holds it: alone.
    Exclusive,
}

/// Begins a transaction that holds the keys advisory lock until it ends.
/// Writers take it shared before reading the current key; key switches,
/// retirement and membership changes take it exclusively, so no value can be
/// sealed to a key that stops being current before the value is committed.
pub(crate) async fn begin_locked(
    conn: &mut PgConnection,
    lock: Lock,
) -> sqlx::Result<sqlx::Transaction<'_, sqlx::Postgres>> {
    // One simple query, one round trip: BEGIN plus the lock (a prepared lock
    // statement would take two more). Literal constants only, checked by a
    // unit test, so nothing needs binding.
    conn.begin_with(match lock {
        Lock::Shared => BEGIN_SHARED,
        Lock::Exclusive => BEGIN_EXCLUSIVE,
    })
    .await
}

const BEGIN_SHARED: &str = "BEGIN; SELECT pg_advisory_xact_lock_shared(1447122260, 1)";
const BEGIN_EXCLUSIVE: &str = "BEGIN; SELECT pg_advisory_xact_lock(1447122260, 1)";

/// Stores a key as the current one with its grants, `(recipient, sealed
/// private half)`, in the caller's transaction (`init` and key switches).
async fn insert_current_key(
    conn: &mut PgConnection,
    id: Uuid,
    recipient: &str,
    grants: &[(String, String)],
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO vault.keys (id, recipient, state) VALUES ($1, $2, 'current')")
        .bind(id)
        .bind(recipient)
        .execute(&mut *conn)
        .await?;
    let (recipients, sealed): (Vec<&str>, Vec<&str>) =
        grants.iter().map(|(r, k)| (r.as_str(), k.as_str())).unzip();
    sqlx::query(
        "INSERT INTO vault.key_grants (key_id, recipient, sealed_key) \
         SELECT $1, u.recipient, u.sealed_key FROM UNNEST($2::text[], $3::text[]) AS u(recipient, sealed_key)",
    )
    .bind(id)
    .bind(&recipients)
    .bind(&sealed)
    .execute(conn)
    .await?;
    Ok(())
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

    async fn bootstrap(
        &mut self,
        founder: &MemberRecord,
        key_id: Uuid,
        key_recipient: &str,
        grant: &str,
    ) -> Result<bool> {
        let url = self.url.clone();
        let err = |e| super::query_error(&url, e);
        let mut tx = begin_locked(&mut self.conn, Lock::Exclusive).await.map_err(err)?;
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
        let url = self.url.clone();
        let err = |e| super::query_error(&url, e);
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
        .map_err(err)?;
        let (mut rows, mut keys) = (Vec::with_capacity(all.len()), Vec::new());
        for r in &all {
            if r.get::<&str, _>("kind") == "k" {
                keys.push(KeyRecord {
                    id: r.get("id"),
                    recipient: r.get("secret"),
                    grant: r.get("sealed_key"),
                });
            } else {
                rows.push(sealed_row(r));
            }
        }
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

    // ---- rotation ----

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

    async fn rotation_state(&mut self, member: &str) -> Result<RotationState> {
        let url = self.url.clone();
        let err = |e| super::query_error(&url, e);
        // One snapshot, so the counts agree with the key states.
        let mut tx = self
            .conn
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .await
            .map_err(err)?;
        let counts: HashMap<Option<Uuid>, i64> =
            sqlx::query("SELECT key_id, count(*) AS n FROM vault.secrets GROUP BY key_id")
                .fetch_all(&mut *tx)
                .await
                .map_err(err)?
                .iter()
                .map(|r| (r.get("key_id"), r.get("n")))
                .collect();
        let keys = sqlx::query(
            "SELECT k.id, k.recipient, k.state, g.sealed_key FROM vault.keys k \
             LEFT JOIN vault.key_grants g ON g.key_id = k.id AND g.recipient = $1 \
             WHERE k.state <> 'retired' ORDER BY k.created_at, k.id",
        )
        .bind(member)
        .fetch_all(&mut *tx)
        .await
        .map_err(err)?
        .iter()
        .filter_map(|r| {
            let retiring = r.get::<String, _>("state") == "retiring";
            key_record(r, "id", "recipient", "sealed_key").map(|key| KeyStatus {
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
            "SELECT m.recipient, m.name, m.added_at, m.added_by FROM vault.key_grants g \
             JOIN vault.members m ON m.recipient = g.recipient WHERE g.key_id = $1 ORDER BY m.name",
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
        let url = self.url.clone();
        let err = |e| super::query_error(&url, e);
        // Exclusive: waits for every put that sealed to `old` to commit, and
        // makes every later put read the new key.
        let mut tx = begin_locked(&mut self.conn, Lock::Exclusive).await.map_err(err)?;
        let state: Option<String> = sqlx::query_scalar("SELECT state FROM vault.keys WHERE id = $1")
            .bind(old)
            .fetch_optional(&mut *tx)
            .await
            .map_err(err)?;
        if state.as_deref() != Some("current") {
            return Err(super::key_changed(old));
        }
        let holders: Vec<String> =
            sqlx::query_scalar("SELECT recipient FROM vault.key_grants WHERE key_id = $1")
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
        sqlx::query("UPDATE vault.keys SET state = 'retiring' WHERE id = $1")
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
        .iter()
        .map(sealed_row)
        .collect();
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

    async fn retire_key(&mut self, key: Uuid) -> Result<bool> {
        let url = self.url.clone();
        let err = |e| super::query_error(&url, e);
        let mut tx = begin_locked(&mut self.conn, Lock::Exclusive).await.map_err(err)?;
        let used: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM vault.secrets WHERE key_id = $1)")
            .bind(key)
            .fetch_one(&mut *tx)
            .await
            .map_err(err)?;
        if used {
            return Ok(false);
        }
        sqlx::query("DELETE FROM vault.key_grants WHERE key_id = $1")
            .bind(key)
            .execute(&mut *tx)
            .await
            .map_err(err)?;
        sqlx::query("UPDATE vault.keys SET state = 'retired', retired_at = now() WHERE id = $1 AND state = 'retiring'")
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
             FROM vault.members m \
             LEFT JOIN vault.keys k ON k.state = 'current' \
             LEFT JOIN vault.key_grants g ON g.key_id = k.id AND g.recipient = m.recipient \
             ORDER BY m.name COLLATE \"C\"",
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
        let url = self.url.clone();
        let err = |e: sqlx::Error| {
            if is_unique_violation(&e) {
                Error::conflict("that member was added by someone else just now; nothing was changed")
                    .hint("see `vault member ls`")
            } else {
                super::query_error(&url, e)
            }
        };
        // Exclusive: no key switch may happen between reading the keys and
        // committing the grants, or the new member could miss the new key.
        let mut tx = begin_locked(&mut self.conn, Lock::Exclusive).await.map_err(err)?;
        let existing = sqlx::query(
            "SELECT recipient, name, added_at, added_by FROM vault.members \
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
            "SELECT k.id, k.recipient, k.state, g.sealed_key FROM vault.keys k \
             LEFT JOIN vault.key_grants g ON g.key_id = k.id AND g.recipient = $1 \
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
            if let Some(k) = key_record(row, "id", "recipient", "sealed_key") {
                if state == "current" {
                    current = Some(k);
                } else {
                    retiring.push(k);
                }
            }
        }
        let current = current.ok_or_else(no_key)?;
        let grants = granter.grant(&current, &retiring)?;
        sqlx::query("INSERT INTO vault.members (recipient, name, added_by) VALUES ($1, $2, $3)")
            .bind(&member.recipient)
            .bind(&member.name)
            .bind(adder)
            .execute(&mut *tx)
            .await
            .map_err(err)?;
        for (key_id, grant) in &grants {
            sqlx::query("INSERT INTO vault.key_grants (key_id, recipient, sealed_key) VALUES ($1, $2, $3)")
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
        let url = self.url.clone();
        let err = |e| super::query_error(&url, e);
        let mut tx = begin_locked(&mut self.conn, Lock::Exclusive).await.map_err(err)?;
        let others: i64 = sqlx::query_scalar("SELECT count(*) FROM vault.members WHERE recipient <> $1")
            .bind(recipient)
            .fetch_one(&mut *tx)
            .await
            .map_err(err)?;
        let name: Option<String> = sqlx::query_scalar("SELECT name FROM vault.members WHERE recipient = $1")
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
        sqlx::query("DELETE FROM vault.members WHERE recipient = $1")
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

fn member_record(r: &sqlx::postgres::PgRow) -> MemberRecord {
    MemberRecord {
        recipient: r.get("recipient"),
        name: r.get("name"),
        added_at: r.get("added_at"),
        added_by: r.get("added_by"),
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
}
