//! The neutral SQL layer the shared transactions are written over.
//!
//! Both backends run the same statements: `$1…$N` placeholders work in
//! PostgreSQL and SQLite alike, and the Rust types vault stores (uuids,
//! text, bytes, integers, UTC timestamps) decode from either backend's rows.
//! What differs is spelled out once, in a [`Dialect`]: where the tables live,
//! how to write "now", how names sort bytewise, and how a transaction that
//! must exclude key switches begins ([`Tx`]).

use sqlx::postgres::{PgRow, Postgres};
use sqlx::sqlite::{Sqlite, SqliteRow};
use sqlx::{Decode, Row as _, Type};
use uuid::Uuid;

use crate::error::{Error, Result};

/// One bound parameter. Owned scalars and borrowed text: everything the
/// shared statements bind.
#[derive(Clone, Copy)]
pub(crate) enum Arg<'a> {
    Uuid(Uuid),
    Text(&'a str),
    OptText(Option<&'a str>),
    Int(i64),
    Bytes(&'a [u8]),
}

/// Binds `args` in order to a query of either backend.
macro_rules! bind_all {
    ($query:expr, $args:expr) => {{
        let mut q = $query;
        for a in $args {
            q = match *a {
                $crate::store::sql::Arg::Uuid(v) => q.bind(v),
                $crate::store::sql::Arg::Text(v) => q.bind(v),
                $crate::store::sql::Arg::OptText(v) => q.bind(v),
                $crate::store::sql::Arg::Int(v) => q.bind(v),
                $crate::store::sql::Arg::Bytes(v) => q.bind(v),
            };
        }
        q
    }};
}
pub(crate) use bind_all;

/// A row from either backend.
pub(crate) enum Row {
    Pg(PgRow),
    Lite(SqliteRow),
}

/// A type the shared layer reads from rows: decodable from both backends.
pub(crate) trait Column:
    for<'r> Decode<'r, Postgres> + Type<Postgres> + for<'r> Decode<'r, Sqlite> + Type<Sqlite>
{
}
impl<T> Column for T where
    T: for<'r> Decode<'r, Postgres> + Type<Postgres> + for<'r> Decode<'r, Sqlite> + Type<Sqlite>
{
}

impl Row {
    /// The column `col`, decoded; a column of an unexpected type (a schema
    /// altered by hand) is a database error, never a panic.
    pub(crate) fn get<T: Column>(&self, col: &str) -> Result<T> {
        let got = match self {
            Row::Pg(r) => r.try_get(col),
            Row::Lite(r) => r.try_get(col),
        };
        got.map_err(|e| {
            Error::database(format!("the database returned an unexpected `{col}` column: {e}"))
                .hint("check that the vault schema was not altered; run `vault init` to check it")
        })
    }

    /// The first column as borrowed text (streaming names without copies).
    pub(crate) fn str0(&self) -> Result<&str> {
        let got = match self {
            Row::Pg(r) => r.try_get::<&str, _>(0),
            Row::Lite(r) => r.try_get::<&str, _>(0),
        };
        got.map_err(|e| Error::database(format!("the database returned an unexpected name: {e}")))
    }
}

/// How a transaction begins.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Tx {
    /// Reads that must agree with each other: one snapshot.
    Snapshot,
    /// Writes that do not depend on which key is current (`rm`).
    Write,
    /// Writers sealing under the current key: many at once, never during a
    /// key switch.
    KeysShared,
    /// Changing which key is current or who holds it: alone.
    KeysExclusive,
}

/// What differs in the SQL text between the backends. Built when the store
/// connects: PostgreSQL's schema is the user's choice (`--schema`).
pub(crate) struct Dialect {
    /// Prepended to table names: the quoted schema and a dot on PostgreSQL
    /// (`"vault".`), nothing on SQLite.
    pub schema: String,
    /// The current time as the column types store it.
    pub now: &'static str,
    /// Appended to `ORDER BY name` so names sort bytewise whatever the
    /// database's collation (PostgreSQL's default collation follows the locale).
    pub bytewise: &'static str,
    /// A predicate on `name`, "starts with" the parameter `{}` names.
    pub starts_with: fn(&str) -> String,
}

impl Dialect {
    /// Fills the template's `{s}` (schema prefix), `{now}` and `{C}`
    /// (bytewise order) markers.
    pub(crate) fn sql(&self, template: &str) -> String {
        template
            .replace("{s}", &self.schema)
            .replace("{now}", self.now)
            .replace("{C}", self.bytewise)
    }
}

impl Dialect {
    /// PostgreSQL with vault's tables in `schema` (a name [`check_schema_name`]
    /// accepted; quoted here as an identifier all the same).
    pub(crate) fn postgres(schema: &str) -> Dialect {
        Dialect {
            schema: format!("{}.", quote_ident(schema)),
            now: "now()",
            bytewise: " COLLATE \"C\"",
            starts_with: |p| format!("starts_with(name, {p})"),
        }
    }

    pub(crate) fn sqlite() -> Dialect {
        Dialect {
            schema: String::new(),
            now: "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
            bytewise: "",
            starts_with: |p| format!("substr(name, 1, length({p})) = {p}"),
        }
    }
}

/// An SQL identifier, double-quoted (inner quotes doubled).
pub(crate) fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dialects_fill_their_markers() {
        let t = "SELECT name FROM {s}secrets WHERE updated_at < {now} ORDER BY name{C}";
        let postgres = Dialect::postgres("vault");
        assert_eq!(
            postgres.sql(t),
            "SELECT name FROM \"vault\".secrets WHERE updated_at < now() ORDER BY name COLLATE \"C\""
        );
        let sqlite = Dialect::sqlite();
        assert_eq!(
            sqlite.sql(t),
            "SELECT name FROM secrets WHERE updated_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now') ORDER BY name"
        );
        assert_eq!((postgres.starts_with)("$1"), "starts_with(name, $1)");
        assert_eq!((sqlite.starts_with)("$2"), "substr(name, 1, length($2)) = $2");
        assert_eq!(Dialect::postgres("my \"s\"").schema, "\"my \"\"s\"\"\".");
    }
}
