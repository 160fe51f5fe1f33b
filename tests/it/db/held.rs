//! The rest of the database view: transactions and locks held open as
//! another process would hold them, and helpers for one backend only
//! (PostgreSQL sessions and roles, SQLite pragmas).

use sqlx::postgres::PgConnection;
use sqlx::{AssertSqlSafe, Connection};
use uuid::Uuid;

use super::{Db, PG_SCHEMA, table};
use crate::attack_util::HeldTx;
use crate::harness::Backend;

impl Db {
    // ---- transactions held open by "another process" -------------------------

    /// A SQL string literal (for the raw SQL a [`HeldTx`] runs).
    fn literal(text: &str) -> String {
        assert!(!text.contains('\0'));
        format!("'{}'", text.replace('\'', "''"))
    }

    /// Holds the row `name` for update (PostgreSQL: `FOR UPDATE`; SQLite has
    /// no row locks: the write lock, `BEGIN IMMEDIATE`).
    pub fn hold_row(&self, name: &str) -> HeldTx {
        let sql = match self.backend {
            Backend::Postgres => format!(
                "BEGIN; SELECT id FROM {} WHERE name = {} FOR UPDATE",
                table(self.backend, "secrets"),
                Db::literal(name)
            ),
            Backend::Sqlite => "BEGIN IMMEDIATE".to_owned(),
        };
        HeldTx::begin(&self.url, &sql)
    }

    /// Inserts a row `name` holding `secret` (not a sealed value) and holds
    /// the transaction open, uncommitted.
    pub fn hold_insert(&self, name: &str, secret: &str) -> HeldTx {
        let id = Uuid::new_v4();
        let id = match self.backend {
            Backend::Postgres => format!("'{id}'"),
            Backend::Sqlite => format!("X'{}'", id.simple()),
        };
        let sql = format!(
            "BEGIN; INSERT INTO {} (id, name, secret) VALUES ({id}, {}, {})",
            table(self.backend, "secrets"),
            Db::literal(name),
            Db::literal(secret)
        );
        HeldTx::begin(&self.url, &sql)
    }

    /// Holds the write lock: readers go on, writers wait (SQLite:
    /// `BEGIN EXCLUSIVE`, which under WAL still lets readers in; PostgreSQL:
    /// `LOCK TABLE … IN EXCLUSIVE MODE` on `secrets`).
    pub fn hold_write_lock(&self) -> HeldTx {
        let sql = match self.backend {
            Backend::Postgres => format!(
                "BEGIN; LOCK TABLE {} IN EXCLUSIVE MODE",
                table(self.backend, "secrets")
            ),
            Backend::Sqlite => "BEGIN EXCLUSIVE".to_owned(),
        };
        HeldTx::begin(&self.url, &sql)
    }

    /// A reader in the middle of a read transaction (on SQLite this keeps
    /// the WAL from being checkpointed away).
    pub fn hold_read(&self) -> HeldTx {
        let sql = format!("BEGIN; SELECT count(*) FROM {}", table(self.backend, "secrets"));
        HeldTx::begin(&self.url, &sql)
    }

    /// Holds the rotation mutex the way another `vault rotate` would, until
    /// dropped (PostgreSQL: a live lease row of a rotation on another host;
    /// SQLite: `flock` on the database file).
    pub fn hold_rotation_mutex(&self) -> RotationMutex {
        match self.backend {
            Backend::Postgres => {
                let sql = AssertSqlSafe(format!(
                    "INSERT INTO {PG_SCHEMA}.rotation_lease (id, holder, host, pid, expires_at) \
                     VALUES (true, gen_random_uuid(), 'another-host', 1, now() + interval '1 hour')"
                ));
                with_conn!(self, |c| sqlx::query(sql).execute(&mut c).await?.rows_affected());
                RotationMutex::Pg(self.url.clone())
            }
            Backend::Sqlite => {
                let path = self.url.strip_prefix("sqlite://").expect("a sqlite:// URL");
                let f = std::fs::File::open(path).unwrap();
                rustix::fs::flock(&f, rustix::fs::FlockOperation::NonBlockingLockExclusive).unwrap();
                RotationMutex::Sqlite(f)
            }
        }
    }

    // ---- PostgreSQL only -------------------------------------------------------

    /// The pids of vault's backends on this database that wait on a lock.
    pub fn pg_vault_backends_waiting_on_a_lock(&self) -> Vec<i32> {
        self.only(Backend::Postgres);
        let sql = "SELECT pid FROM pg_stat_activity WHERE application_name = 'vault' \
                   AND datname = current_database() AND wait_event_type = 'Lock'";
        with_conn!(self, |c| sqlx::query_scalar(sql).fetch_all(&mut c).await?)
    }

    /// Terminates one server backend (as a DBA or a failover would).
    pub fn pg_terminate(&self, pid: i32) {
        self.only(Backend::Postgres);
        let _: bool = with_conn!(self, |c| sqlx::query_scalar("SELECT pg_terminate_backend($1)")
            .bind(pid)
            .fetch_one(&mut c)
            .await?);
    }

    /// Terminates every `vault` session on this database.
    pub fn pg_terminate_vault_sessions(&self) {
        self.only(Backend::Postgres);
        let sql = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                   WHERE application_name = 'vault' AND datname = current_database() \
                   AND pid <> pg_backend_pid()";
        let _: Vec<bool> = with_conn!(self, |c| sqlx::query_scalar(sql).fetch_all(&mut c).await?);
    }

    /// A login role with a password and the table privileges vault needs.
    pub fn pg_create_role(&self, name: &str, password: &str) {
        self.only(Backend::Postgres);
        assert!(name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'));
        let sql = AssertSqlSafe(format!(
            "CREATE ROLE {name} LOGIN PASSWORD {}; \
             GRANT USAGE ON SCHEMA {PG_SCHEMA} TO {name}; \
             GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {PG_SCHEMA} TO {name}",
            Db::literal(password)
        ));
        with_conn!(self, |c| sqlx::raw_sql(sql)
            .execute(&mut c)
            .await?
            .rows_affected());
    }

    /// Drops a role made by [`Db::pg_create_role`] (for destructors: never panics).
    pub fn pg_drop_role(&self, name: &str) -> Result<(), String> {
        let sql = AssertSqlSafe(format!("DROP OWNED BY {name}; DROP ROLE {name}"));
        try_with_conn!(self, |c| sqlx::raw_sql(sql)
            .execute(&mut c)
            .await?
            .rows_affected())
        .map(drop)
    }

    // ---- SQLite only -------------------------------------------------------------

    /// The value of a one-value `PRAGMA` (`journal_mode`, `integrity_check`).
    pub fn sqlite_pragma(&self, pragma: &str) -> String {
        self.only(Backend::Sqlite);
        assert!(pragma.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
        let sql = AssertSqlSafe(format!("PRAGMA {pragma}"));
        with_conn!(self, |c| sqlx::query_scalar(sql).fetch_one(&mut c).await?)
    }
}

/// The rotation mutex, held until dropped (see [`Db::hold_rotation_mutex`]).
#[allow(dead_code)] // held, never read
pub enum RotationMutex {
    /// The lease row, deleted on drop (the URL to reach it).
    Pg(String),
    Sqlite(std::fs::File),
}

impl Drop for RotationMutex {
    fn drop(&mut self) {
        if let RotationMutex::Pg(url) = self {
            let sql = format!("DELETE FROM {PG_SCHEMA}.rotation_lease");
            crate::sql::exec(url, &sql);
        }
    }
}
