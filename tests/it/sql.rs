//! Raw SQL against a test database (PostgreSQL or SQLite): the cluster's own
//! setup (pg.rs) and raw statements that belong to no vault table. Fixtures
//! and assertions on what `vault` stored go through the typed view in
//! db.rs, which alone knows both dialects.
//!
//! Every call opens its own connection on a throwaway current-thread runtime in
//! a scoped thread, so it works from plain `#[test]`s and from inside async
//! tests alike (a runtime cannot be started on a thread that already runs one).
//!
//! Values come back in text form. On PostgreSQL the query runs over the simple
//! query protocol, so every column arrives exactly as the server prints it
//! (`psql` style: bool is `t`/`f`, timestamps in the session time zone), except
//! that bytea loses its `\x` prefix so both backends give bare lowercase hex.

#![allow(dead_code)] // not every test binary uses every helper

use std::str::FromStr;

use sqlx::postgres::{PgConnection, PgRow};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteRow};
use sqlx::{AssertSqlSafe, Column, ConnectOptions, Connection, Row, TypeInfo, ValueRef};

/// Execute statements (several may be separated by `;`) on the database at
/// `url` (`postgres://…` or `sqlite://PATH`). Panics with the SQL error.
pub fn exec(url: &str, sql: &str) {
    try_exec(url, sql).unwrap_or_else(|e| panic!("{e}"));
}

/// Run one query and return every row as strings (NULL -> `NULL`,
/// bytea/blob -> lowercase hex, everything else in its text form).
pub fn query(url: &str, sql: &str) -> Vec<Vec<String>> {
    try_query(url, sql).unwrap_or_else(|e| panic!("{e}"))
}

/// The single value of a one-row, one-column query.
pub fn scalar(url: &str, sql: &str) -> String {
    let rows = query(url, sql);
    match rows.as_slice() {
        [row] if row.len() == 1 => row[0].clone(),
        _ => panic!("expected exactly one value from {sql:?}, got {rows:?}"),
    }
}

/// Like [`exec`], but returns the error instead of panicking.
pub fn try_exec(url: &str, sql: &str) -> Result<(), String> {
    try_query(url, sql).map(drop)
}

/// Like [`query`], but returns the error instead of panicking.
pub fn try_query(url: &str, sql: &str) -> Result<Vec<Vec<String>>, String> {
    let result = std::thread::scope(|s| {
        s.spawn(|| {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            rt.block_on(async {
                if is_sqlite(url) {
                    sqlite_rows(url, sql).await
                } else {
                    pg_rows(url, sql).await
                }
            })
            .map_err(|e| e.to_string())
        })
        .join()
        .unwrap_or_else(|_| Err("SQL helper thread panicked".into()))
    });
    result.map_err(|e| format!("SQL failed on {url}: {e}\n--- SQL ---\n{sql}"))
}

fn is_sqlite(url: &str) -> bool {
    url.starts_with("sqlite:")
}

fn sql_text(sql: &str) -> AssertSqlSafe<String> {
    // Test-only helper: the SQL is written by the tests themselves.
    AssertSqlSafe(sql.to_owned())
}

async fn pg_rows(url: &str, sql: &str) -> Result<Vec<Vec<String>>, sqlx::Error> {
    let mut conn = PgConnection::connect(url).await?;
    // raw_sql = simple query protocol: multi-statement strings work and every
    // value arrives in text format, whatever its type.
    let rows: Vec<PgRow> = sqlx::raw_sql(sql_text(sql)).fetch_all(&mut conn).await?;
    conn.close().await?;
    rows.iter()
        .map(|row| {
            (0..row.len())
                .map(|i| {
                    if row.try_get_raw(i)?.is_null() {
                        return Ok("NULL".to_owned());
                    }
                    let is_bytea = row.columns()[i].type_info().name() == "BYTEA";
                    let text: String = row.try_get_unchecked(i)?;
                    Ok(match text.strip_prefix("\\x") {
                        Some(hex) if is_bytea => hex.to_owned(),
                        _ => text,
                    })
                })
                .collect()
        })
        .collect()
}

async fn sqlite_rows(url: &str, sql: &str) -> Result<Vec<Vec<String>>, sqlx::Error> {
    // Never create the file: asserting on a database that does not exist is a bug.
    let mut conn: SqliteConnection = SqliteConnectOptions::from_str(url)?
        .create_if_missing(false)
        .connect()
        .await?;
    let rows: Vec<SqliteRow> = sqlx::raw_sql(sql_text(sql)).fetch_all(&mut conn).await?;
    conn.close().await?;
    rows.iter()
        .map(|row| {
            (0..row.len())
                .map(|i| {
                    // SQLite is dynamically typed: go by the stored value's type,
                    // not the column's declared type.
                    let value = row.try_get_raw(i)?;
                    if value.is_null() {
                        return Ok("NULL".to_owned());
                    }
                    Ok(match value.type_info().name() {
                        "INTEGER" => row.try_get_unchecked::<i64, _>(i)?.to_string(),
                        "REAL" => row.try_get_unchecked::<f64, _>(i)?.to_string(),
                        "BLOB" => hex(&row.try_get_unchecked::<Vec<u8>, _>(i)?),
                        _ => row.try_get_unchecked::<String, _>(i)?,
                    })
                })
                .collect()
        })
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn sqlite_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let url = format!("sqlite://{}", path.display());
    std::fs::File::create(&path).unwrap();
    exec(
        &url,
        "create table t (a text, b integer, c blob, d real); \
         insert into t values ('x', 42, x'00ff10', 1.5), (null, null, null, null)",
    );
    assert_eq!(
        query(&url, "select a, b, c, d from t order by rowid"),
        [["x", "42", "00ff10", "1.5"], ["NULL", "NULL", "NULL", "NULL"]]
    );
    assert_eq!(scalar(&url, "select count(*) from t"), "2");
    assert!(try_exec(&url, "select * from missing").is_err());
    // A missing file is an error, not a fresh empty database.
    let missing = format!("sqlite://{}", dir.path().join("nope.db").display());
    assert!(try_exec(&missing, "select 1").is_err());
    assert!(!dir.path().join("nope.db").exists());
}
