//! The neutral SQL layer the shared transactions are written over.
//!
//! Both backends run the same statements: `$1…$N` placeholders work in
//! PostgreSQL and SQLite alike, and the Rust types vault stores (uuids,
//! text, bytes, integers, UTC timestamps) decode from either backend's rows.
//! What differs is spelled out once, in a [`Dialect`]: where the tables live,
//! how to write "now", how names sort bytewise, and how a transaction that
//! must exclude key switches begins ([`Tx`]).

use chrono::{DateTime, NaiveDateTime, Utc};
use sqlx::postgres::{PgRow, Postgres};
use sqlx::sqlite::{Sqlite, SqliteRow};
use sqlx::{Decode, Row as _, Type};
use uuid::Uuid;

pub(crate) use super::sqlite::DirectRow;

use crate::error::{Error, Result};

/// One bound parameter. Owned scalars and borrowed text: everything the
/// shared statements bind.
#[derive(Clone, Copy)]
pub(crate) enum Arg<'a> {
    Uuid(Uuid),
    Text(&'a str),
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
    /// Read by vault's own SQLite connection (a store opened read-only).
    Direct(DirectRow),
}

/// A SQLite value as read by vault's own connection (`store::sqlite::raw`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Int(i64),
    Real(f64),
    /// Text as stored; checked to be UTF-8 when decoded, as sqlx does.
    Text(Vec<u8>),
    Blob(Vec<u8>),
}

/// A type the shared layer reads from rows: decodable from both backends,
/// and from a [`Value`] of vault's own SQLite connection the way sqlx
/// decodes it from SQLite (the same column reads the same through either).
pub(crate) trait Column:
    for<'r> Decode<'r, Postgres> + Type<Postgres> + for<'r> Decode<'r, Sqlite> + Type<Sqlite>
{
    fn from_value(v: &Value) -> std::result::Result<Self, String>;
}

fn mismatch(want: &str, v: &Value) -> String {
    let got = match v {
        Value::Null => "NULL",
        Value::Int(_) => "INTEGER",
        Value::Real(_) => "REAL",
        Value::Text(_) => "TEXT",
        Value::Blob(_) => "BLOB",
    };
    format!("expected {want}, found {got}")
}

impl<T: Column> Column for Option<T>
where
    Option<T>: for<'r> Decode<'r, Postgres> + Type<Postgres> + for<'r> Decode<'r, Sqlite> + Type<Sqlite>,
{
    fn from_value(v: &Value) -> std::result::Result<Self, String> {
        match v {
            Value::Null => Ok(None),
            v => T::from_value(v).map(Some),
        }
    }
}

impl Column for i64 {
    fn from_value(v: &Value) -> std::result::Result<Self, String> {
        match v {
            Value::Int(i) => Ok(*i),
            v => Err(mismatch("INTEGER", v)),
        }
    }
}

impl Column for i32 {
    fn from_value(v: &Value) -> std::result::Result<Self, String> {
        let wide = i64::from_value(v)?;
        i32::try_from(wide).map_err(|_| format!("{wide} is out of range for a 32-bit integer"))
    }
}

impl Column for bool {
    fn from_value(v: &Value) -> std::result::Result<Self, String> {
        i64::from_value(v).map(|i| i != 0)
    }
}

impl Column for String {
    fn from_value(v: &Value) -> std::result::Result<Self, String> {
        match v {
            Value::Text(t) => String::from_utf8(t.clone()).map_err(|e| e.to_string()),
            v => Err(mismatch("TEXT", v)),
        }
    }
}

impl Column for Vec<u8> {
    fn from_value(v: &Value) -> std::result::Result<Self, String> {
        match v {
            Value::Blob(b) | Value::Text(b) => Ok(b.clone()),
            v => Err(mismatch("BLOB", v)),
        }
    }
}

impl Column for Uuid {
    fn from_value(v: &Value) -> std::result::Result<Self, String> {
        match v {
            // sqlx stores a uuid in SQLite as its 16 bytes.
            Value::Blob(b) => Uuid::from_slice(b).map_err(|e| e.to_string()),
            v => Err(mismatch("BLOB", v)),
        }
    }
}

impl Column for DateTime<Utc> {
    fn from_value(v: &Value) -> std::result::Result<Self, String> {
        match v {
            Value::Text(t) => {
                let t = std::str::from_utf8(t).map_err(|e| e.to_string())?;
                parse_sqlite_time(t).ok_or_else(|| format!("{t:?} is not a timestamp"))
            }
            Value::Int(secs) => {
                DateTime::from_timestamp(*secs, 0).ok_or_else(|| format!("{secs} is out of range"))
            }
            v => Err(mismatch("TEXT", v)),
        }
    }
}

/// A timestamp as SQLite holds one: RFC 3339 (what vault writes, `now` and
/// sqlx alike), or SQLite's own `YYYY-MM-DD HH:MM:SS[.fff]` in UTC, with an
/// optional `T` and `Z`, as sqlx reads them.
fn parse_sqlite_time(t: &str) -> Option<DateTime<Utc>> {
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Some(dt.with_timezone(&Utc));
    }
    let bare = t.strip_suffix('Z').unwrap_or(t);
    [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(bare, f).ok())
    .map(|n| n.and_utc())
}

impl Row {
    /// The column `col`, decoded; a column of an unexpected type (a schema
    /// altered by hand) is a database error, never a panic.
    pub(crate) fn get<T: Column>(&self, col: &str) -> Result<T> {
        let got = match self {
            Row::Pg(r) => r.try_get(col).map_err(|e| e.to_string()),
            Row::Lite(r) => r.try_get(col).map_err(|e| e.to_string()),
            Row::Direct(r) => match r.get(col) {
                Some(v) => T::from_value(v)
                    .map_err(|e| format!("error occurred while decoding column \"{col}\": {e}")),
                None => Err(format!("no column found for name: {col}")),
            },
        };
        got.map_err(|e| {
            Error::database(format!("the database returned an unexpected `{col}` column: {e}"))
                .hint("check that the vault schema was not altered; run `vault init` to check it")
        })
    }

    /// The first column as borrowed text (streaming names without copies).
    pub(crate) fn str0(&self) -> Result<&str> {
        let got = match self {
            Row::Pg(r) => r.try_get::<&str, _>(0).map_err(|e| e.to_string()),
            Row::Lite(r) => r.try_get::<&str, _>(0).map_err(|e| e.to_string()),
            Row::Direct(r) => match r.at(0) {
                Some(Value::Text(t)) => std::str::from_utf8(t).map_err(|e| e.to_string()),
                Some(v) => Err(mismatch("TEXT", v)),
                None => Err("the row has no columns".to_owned()),
            },
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
    /// `name` as compared bytewise, in a form the name index serves: on
    /// PostgreSQL `name COLLATE "C"` (an index of its own, migration 5: the
    /// unique index follows the database's collation), on SQLite `name`
    /// (BINARY, bytewise already).
    pub name_bytewise: &'static str,
    /// A row lock on the rows a SELECT reads (` FOR UPDATE` on PostgreSQL;
    /// nothing on SQLite, whose writing transactions hold the database).
    pub lock: &'static str,
    /// `s.updated_at` as Unix seconds.
    pub updated_epoch: &'static str,
    /// The function giving the 1-based character position of a needle in a
    /// text, 0 when absent (`strpos(text, needle)`; SQLite spells it `instr`).
    pub strpos: &'static str,
}

impl Dialect {
    /// Fills the template's `{s}` (schema prefix), `{now}` and `{C}`
    /// (bytewise order) markers.
    pub(crate) fn sql(&self, template: &str) -> String {
        template
            .replace("{s}", &self.schema)
            .replace("{now}", self.now)
            .replace("{C}", self.bytewise)
            .replace("{lock}", self.lock)
            .replace("{updated_epoch}", self.updated_epoch)
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
            name_bytewise: "name COLLATE \"C\"",
            lock: " FOR UPDATE",
            updated_epoch: "CAST(extract(epoch FROM s.updated_at) AS bigint)",
            strpos: "strpos",
        }
    }

    pub(crate) fn sqlite() -> Dialect {
        Dialect {
            schema: String::new(),
            now: "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
            bytewise: "",
            name_bytewise: "name",
            lock: "",
            updated_epoch: "CAST(strftime('%s', s.updated_at) AS INTEGER)",
            strpos: "instr",
        }
    }
}

/// The smallest string greater than every string that starts with `prefix`
/// in code-point order (which is UTF-8's bytewise order, and PostgreSQL's
/// "C" collation): the exclusive upper end of the range of names under a
/// prefix. `None` when there is none (the prefix is empty, or all U+10FFFF).
pub(crate) fn successor(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(c) = chars.pop() {
        // The next scalar value, skipping the surrogates.
        let next = match c as u32 + 1 {
            0xD800 => 0xE000,
            n => n,
        };
        if let Some(next) = char::from_u32(next) {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// "`name` starts with `prefix`" as a bytewise range the name index serves:
/// the SQL (to append after a `WHERE …`, starting with ` AND`) and its
/// parameters, numbered from `$first`. Nothing for no prefix.
pub(crate) fn name_range(d: &Dialect, prefix: Option<&str>, first: usize) -> (String, Vec<String>) {
    let Some(prefix) = prefix.filter(|p| !p.is_empty()) else {
        return (String::new(), Vec::new());
    };
    let n = d.name_bytewise;
    match successor(prefix) {
        Some(hi) => (
            format!(" AND {n} >= ${first} AND {n} < ${}", first + 1),
            vec![prefix.to_owned(), hi],
        ),
        None => (format!(" AND {n} >= ${first}"), vec![prefix.to_owned()]),
    }
}

/// An SQL identifier, double-quoted (inner quotes doubled).
pub(crate) fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// vault's own SQLite connection decodes what sqlx decodes, and refuses
    /// a value of another type instead of guessing.
    #[test]
    fn sqlite_values_decode_as_sqlx_reads_them() {
        let text = |t: &str| Value::Text(t.as_bytes().to_vec());
        let at = |y, mo, d, h, mi, s, ms| {
            chrono::NaiveDate::from_ymd_opt(y, mo, d)
                .and_then(|d| d.and_hms_milli_opt(h, mi, s, ms))
                .map(|n| n.and_utc())
        };
        for (stored, want) in [
            ("2026-12-01T19:51:53.796Z", at(2026, 12, 1, 19, 51, 53, 796)),
            ("2026-12-01T20:51:53.796+01:00", at(2026, 12, 1, 19, 51, 53, 796)),
            ("2026-12-01 19:51:53", at(2026, 12, 1, 19, 51, 53, 0)),
            ("2026-12-01 19:51:53.5", at(2026, 12, 1, 19, 51, 53, 500)),
            ("2026-12-01T19:51Z", at(2026, 12, 1, 19, 51, 0, 0)),
            ("yesterday", None),
        ] {
            assert_eq!(DateTime::<Utc>::from_value(&text(stored)).ok(), want, "{stored}");
        }
        assert_eq!(
            DateTime::<Utc>::from_value(&Value::Int(86_400)).ok(),
            at(1970, 1, 2, 0, 0, 0, 0)
        );

        let id = Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef);
        assert_eq!(Uuid::from_value(&Value::Blob(id.as_bytes().to_vec())), Ok(id));
        assert!(Uuid::from_value(&text(&id.to_string())).is_err());
        assert!(Uuid::from_value(&Value::Blob(vec![1, 2, 3])).is_err());

        assert_eq!(Option::<Uuid>::from_value(&Value::Null), Ok(None));
        assert!(Uuid::from_value(&Value::Null).is_err());
        assert_eq!(i64::from_value(&Value::Int(-5)), Ok(-5));
        assert!(i64::from_value(&text("5")).is_err());
        assert!(i32::from_value(&Value::Int(1 << 40)).is_err());
        assert_eq!(bool::from_value(&Value::Int(2)), Ok(true));
        assert_eq!(String::from_value(&text("a/b")), Ok("a/b".to_owned()));
        assert!(String::from_value(&Value::Text(vec![0xff])).is_err());
        assert!(String::from_value(&Value::Blob(b"a".to_vec())).is_err());
        assert_eq!(Vec::<u8>::from_value(&text("ab")), Ok(b"ab".to_vec()));
        assert!(Vec::<u8>::from_value(&Value::Real(1.0)).is_err());
    }

    #[test]
    fn successor_bounds_exactly_the_names_under_a_prefix() {
        assert_eq!(successor(""), None);
        assert_eq!(successor("db/"), Some("db0".into()));
        assert_eq!(successor("a\u{10FFFF}"), Some("b".into()));
        assert_eq!(successor("\u{10FFFF}"), None);
        assert_eq!(successor("x\u{D7FF}"), Some("x\u{E000}".into()));
        // Every name under the prefix sorts (bytewise) below the bound, and
        // no name at or past the bound starts with the prefix.
        let prefix = "caf\u{e9}/";
        let hi = successor(prefix).unwrap();
        for name in [
            "caf\u{e9}/",
            "caf\u{e9}/a",
            "caf\u{e9}/\u{10FFFF}\u{10FFFF}",
            "caf\u{e9}/\u{FFFF}",
        ] {
            assert!(
                name.as_bytes() >= prefix.as_bytes() && name.as_bytes() < hi.as_bytes(),
                "{name:?}"
            );
        }
        for name in ["caf\u{e9}0", "caf\u{e9}", "cafe/", "caf\u{ea}"] {
            assert!(
                !(name.as_bytes() >= prefix.as_bytes() && name.as_bytes() < hi.as_bytes()),
                "{name:?}"
            );
        }
    }

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
        assert_eq!(postgres.name_bytewise, "name COLLATE \"C\"");
        assert_eq!(sqlite.name_bytewise, "name");
        assert_eq!(Dialect::postgres("my \"s\"").schema, "\"my \"\"s\"\"\".");
    }
}
