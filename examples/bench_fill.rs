//! Benchmark tooling (`benches/compare.sh`): fills a vault with many secrets
//! in one put, through vault's own library API (sealed in parallel, one
//! transaction), far faster than one `vault put` per name.
//!
//! ```text
//! bench_fill PREFIX COUNT    # writes PREFIX00000 … with random 32-character values
//! ```
//!
//! The database and identity come from the same flags-free resolution as the
//! binary: `VAULT_DATABASE_URL`, `VAULT_IDENTITY`, config.toml, defaults.

use std::process::ExitCode;

use vault::model::Value;
use vault::store::{PutItem, PutMode};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(prefix), Some(count)) = (args.first(), args.get(1).and_then(|s| s.parse::<usize>().ok()))
    else {
        eprintln!("usage: bench_fill PREFIX COUNT");
        return ExitCode::from(2);
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime");
    let done = runtime.block_on(async {
        let mut vault = vault::open_vault_from_env().await?;
        let mut entries = Vec::with_capacity(count);
        for i in 0..count {
            let mut raw = [0u8; 16];
            getrandom::fill(&mut raw).expect("system random");
            let hex: String = raw.iter().map(|b| format!("{b:02x}")).collect();
            let item = PutItem {
                name: format!("{prefix}{i:05}"),
                description: None,
            };
            entries.push((item, Value::new(hex.into_bytes())));
        }
        vault
            .put(entries, PutMode::Upsert, vault::history::Op::Import)
            .await
    });
    match done {
        Ok(done) => {
            eprintln!("bench_fill: wrote {} secrets", done.len());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("bench_fill: {e}");
            ExitCode::from(e.kind.exit_code())
        }
    }
}
