//! The driver floor for the benchmark (`benches/compare.sh`): the smallest
//! sqlx program that does what `vault get` does on the wire, one connection
//! on a current-thread runtime, one query, the ciphertext to stdout. No
//! identity, no age, no schema check.
//!
//! ```text
//! sqlx_floor URL NAME
//! ```

use std::io::Write;
use std::process::ExitCode;

use sqlx::Connection;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(url), Some(name)) = (args.first(), args.get(1)) else {
        eprintln!("usage: sqlx_floor URL NAME");
        return ExitCode::from(2);
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime");
    let secret: Result<String, sqlx::Error> = runtime.block_on(async {
        let mut conn = sqlx::PgConnection::connect(url).await?;
        sqlx::query_scalar("select secret from vault.secrets where name = $1")
            .bind(name)
            .fetch_one(&mut conn)
            .await
    });
    match secret {
        Ok(s) => {
            let _ = std::io::stdout().write_all(s.as_bytes());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("sqlx_floor: {e}");
            ExitCode::FAILURE
        }
    }
}
