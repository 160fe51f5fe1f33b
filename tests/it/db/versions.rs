//! The `versions` table (issue 15): one row per version of a secret, the
//! current one included (without a ciphertext: its value is the secrets
//! row). Read typed, and tampered with the way a database administrator
//! could: rows moved to another secret, renumbered, re-attributed, or
//! dated back so retention drops them. Updates of one row assert that
//! exactly one row changed.

use sqlx::Connection;
use sqlx::postgres::PgConnection;
use uuid::Uuid;

use super::Db;
use crate::harness::Backend;

/// One row of `versions`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionRow {
    pub secret_id: Uuid,
    pub version: i64,
    pub name: String,
    /// Unix seconds.
    pub written_at: i64,
    /// The author's recipient ('' for an unsigned version).
    pub author: String,
    pub statement: Option<Vec<u8>>,
    pub sig: Option<Vec<u8>>,
    /// The armored ciphertext of an earlier (or removed) version; `None`
    /// for the current version of a live secret.
    pub secret: Option<String>,
    pub key_id: Option<Uuid>,
    pub nonce: Option<Vec<u8>>,
    /// Unix seconds; set while a removed secret is kept for restore.
    pub removed_at: Option<i64>,
}

type VersionTuple = (
    Uuid,
    i64,
    String,
    i64,
    String,
    Option<Vec<u8>>,
    Option<Vec<u8>>,
    Option<String>,
    Option<Uuid>,
    Option<Vec<u8>>,
    Option<i64>,
);

const VERSION_COLUMNS: &str =
    "secret_id, version, name, written_at, author, statement, sig, secret, key_id, nonce, removed_at";

impl From<VersionTuple> for VersionRow {
    fn from(t: VersionTuple) -> VersionRow {
        let (secret_id, version, name, written_at, author, statement, sig, secret, key_id, nonce, removed_at) =
            t;
        VersionRow {
            secret_id,
            version,
            name,
            written_at,
            author,
            statement,
            sig,
            secret,
            key_id,
            nonce,
            removed_at,
        }
    }
}

impl Db {
    /// Every row of `versions`, by secret id and then version.
    pub fn versions(&self) -> Vec<VersionRow> {
        let sql = self.sql(&format!("SELECT {VERSION_COLUMNS} FROM {{p}}versions"));
        let rows: Vec<VersionTuple> = with_conn!(self, |c| sqlx::query_as(sql).fetch_all(&mut c).await?);
        let mut rows: Vec<VersionRow> = rows.into_iter().map(VersionRow::from).collect();
        rows.sort_by_key(|r| (r.secret_id, r.version));
        rows
    }

    /// The rows of one secret, oldest version first.
    pub fn versions_of(&self, secret_id: Uuid) -> Vec<VersionRow> {
        self.versions()
            .into_iter()
            .filter(|r| r.secret_id == secret_id)
            .collect()
    }

    /// Version `version` of secret `secret_id` (which must exist).
    #[track_caller]
    pub fn version_row(&self, secret_id: Uuid, version: i64) -> VersionRow {
        self.versions_of(secret_id)
            .into_iter()
            .find(|r| r.version == version)
            .unwrap_or_else(|| panic!("no version {version} of secret {secret_id}"))
    }

    /// Every ciphertext the database holds: the `secret` column of every
    /// `secrets` row and of every `versions` row that has one.
    pub fn all_ciphertexts(&self) -> Vec<String> {
        let mut all: Vec<String> = self.rows().into_iter().map(|r| r.secret).collect();
        all.extend(self.versions().into_iter().filter_map(|r| r.secret));
        all
    }

    /// Runs an `UPDATE {p}versions SET … WHERE secret_id = $1 AND version = $2`
    /// with `set` binding its own values from `$3` on; asserts one row changed.
    #[track_caller]
    fn update_version(&self, secret_id: Uuid, version: i64, set: &str, bind: VersionUpdate) {
        let sql = self.sql(&format!(
            "UPDATE {{p}}versions SET {set} WHERE secret_id = $1 AND version = $2"
        ));
        let changed = with_conn!(self, |c| {
            let q = sqlx::query(sql).bind(secret_id).bind(version);
            let q = match bind {
                VersionUpdate::SecretId(id) => q.bind(id),
                VersionUpdate::Version(v) => q.bind(v),
                VersionUpdate::Signed {
                    author,
                    statement,
                    sig,
                } => q.bind(author).bind(statement).bind(sig),
            };
            q.execute(&mut c).await?.rows_affected()
        });
        assert_eq!(
            changed, 1,
            "no version {version} of secret {secret_id} was changed"
        );
    }

    /// Moves a version row to another secret (the tamper a database
    /// administrator could do), keeping its version number.
    #[track_caller]
    pub fn move_version(&self, secret_id: Uuid, version: i64, to: Uuid) {
        self.update_version(secret_id, version, "secret_id = $3", VersionUpdate::SecretId(to));
    }

    /// Renumbers a version row.
    #[track_caller]
    pub fn renumber_version(&self, secret_id: Uuid, version: i64, new_version: i64) {
        self.update_version(
            secret_id,
            version,
            "version = $3",
            VersionUpdate::Version(new_version),
        );
    }

    /// Overwrites a version row's author, statement and signature.
    #[track_caller]
    pub fn set_version_signed(
        &self,
        secret_id: Uuid,
        version: i64,
        author: &str,
        statement: Option<&[u8]>,
        sig: Option<&[u8]>,
    ) {
        self.update_version(
            secret_id,
            version,
            "author = $3, statement = $4, sig = $5",
            VersionUpdate::Signed {
                author: author.to_owned(),
                statement: statement.map(<[u8]>::to_vec),
                sig: sig.map(<[u8]>::to_vec),
            },
        );
    }

    /// Sets `removed_at` (Unix seconds) of every row of a removed secret;
    /// returns how many rows changed.
    pub fn set_removed_at(&self, secret_id: Uuid, at: i64) -> u64 {
        let sql = self.sql("UPDATE {p}versions SET removed_at = $2 WHERE secret_id = $1");
        with_conn!(self, |c| sqlx::query(sql)
            .bind(secret_id)
            .bind(at)
            .execute(&mut c)
            .await?
            .rows_affected())
    }
}

/// The values an [`Db::update_version`] binds after the row's key.
enum VersionUpdate {
    SecretId(Uuid),
    Version(i64),
    Signed {
        author: String,
        statement: Option<Vec<u8>>,
        sig: Option<Vec<u8>>,
    },
}
