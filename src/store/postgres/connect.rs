//! Connecting to PostgreSQL the way libpq users expect, through poolers.

use std::str::FromStr;
use std::time::Duration;

use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection};

use super::first_line;
use crate::config::DbUrl;
use crate::error::{Error, Result};

/// Connects to the database `url` names, giving up after `timeout`. Returns
/// the connection and the `host:port` (or socket path) it reached.
pub(super) async fn connect(url: &DbUrl, timeout: Duration) -> Result<(PgConnection, String)> {
    let opts = options(url)?;
    let target = target_of(&opts);
    match tokio::time::timeout(timeout, PgConnection::connect_with(&opts)).await {
        Err(_) => Err(Error::database(format!(
            "cannot reach the database at {target}: no answer within {:.0} s",
            timeout.as_secs_f64()
        ))
        .hint("check the host and port in --database-url, and that the server is running")),
        Ok(Err(e)) => Err(connect_error(&target, url, e)),
        Ok(Ok(c)) => Ok((c, target)),
    }
}

/// The driver's options for `url`, adjusted for poolers.
fn options(url: &DbUrl) -> Result<PgConnectOptions> {
    let opts = PgConnectOptions::from_str(url.expose()).map_err(|e| {
        Error::usage(format!(
            "{url} is not a valid PostgreSQL URL: {}",
            first_line(&e.to_string())
        ))
        .hint("use postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?sslmode=require]")
    })?;
    // PgBouncer (without ignore_startup_parameters) refuses a connection
    // that sets extra_float_digits at startup; vault stores no floats.
    Ok(opts.application_name("vault").extra_float_digits(None))
}

/// Where `opts` connects: `host:port`, or the Unix socket's path.
fn target_of(opts: &PgConnectOptions) -> String {
    match opts.get_socket() {
        Some(dir) => dir
            .join(format!(".s.PGSQL.{}", opts.get_port()))
            .display()
            .to_string(),
        None if opts.get_host().starts_with('/') => {
            format!("{}/.s.PGSQL.{}", opts.get_host(), opts.get_port())
        }
        None => format!("{}:{}", opts.get_host(), opts.get_port()),
    }
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
