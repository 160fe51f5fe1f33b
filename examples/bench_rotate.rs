//! Benchmark helper for `vault rotate` (not part of the tool).
//!
//! ```sh
//! cargo build --release --example bench_rotate
//! target/release/examples/bench_rotate populate URL IDENTITY N   # N secrets, in transactions of 1000
//! target/release/examples/bench_rotate floor N                   # open+seal of N values on all cores
//! ```
//! `floor` times what a rotation cannot avoid: opening N sealed values with
//! one vault key and sealing them again with another, in parallel (rayon),
//! with vault's own sealed format (age, armored, plus the row binding and MAC).

use std::time::Instant;

use rayon::prelude::*;
use uuid::Uuid;
use vault::seal::{Binding, SealedRow, VaultKey};
use vault::store::{PutItem, PutMode};
use zeroize::Zeroizing;

fn value(i: usize) -> Vec<u8> {
    format!("bench value {i:08} {}", "x".repeat(24)).into_bytes()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("populate") if args.len() == 5 => populate(&args[2], &args[3], args[4].parse().unwrap()),
        Some("floor") if args.len() == 3 => floor(args[2].parse().unwrap()),
        _ => {
            eprintln!("usage: bench_rotate populate URL IDENTITY N | bench_rotate floor N");
            std::process::exit(2);
        }
    }
}

fn populate(url: &str, identity: &str, n: usize) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut v = vault::open_vault(url, "vault", std::path::Path::new(identity))
            .await
            .unwrap();
        let started = Instant::now();
        for start in (0..n).step_by(1000) {
            let entries = (start..n.min(start + 1000))
                .map(|i| {
                    (
                        PutItem {
                            name: format!("bench/{i:08}"),
                            description: None,
                        },
                        Zeroizing::new(value(i)),
                    )
                })
                .collect();
            if let Err(e) = v.put(entries, PutMode::Upsert, vault::history::Op::Import).await {
                eprintln!("put failed: {e}");
                std::process::exit(1);
            }
        }
        eprintln!("stored {n} secrets in {:?}", started.elapsed());
    });
}

fn floor(n: usize) {
    let old = VaultKey::generate().key;
    let new = VaultKey::generate().key;
    let rows: Vec<SealedRow> = (0..n)
        .into_par_iter()
        .map(|i| {
            let id = Uuid::new_v4();
            let name = format!("bench/{i:08}");
            let s = old.seal(Binding { id, name: &name }, &value(i)).unwrap();
            SealedRow {
                id,
                name: Some(name),
                secret: s.secret,
                key_id: Some(old.id()),
                nonce: Some(s.nonce),
            }
        })
        .collect();
    let started = Instant::now();
    let resealed: usize = rows
        .par_iter()
        .map(|r| {
            let v = old.open(r).unwrap();
            let s = new
                .seal(
                    Binding {
                        id: r.id,
                        name: r.name.as_deref().unwrap(),
                    },
                    &v,
                )
                .unwrap();
            s.secret.len()
        })
        .sum();
    let took = started.elapsed();
    println!(
        "open+seal of {n} values on {} threads: {took:?} ({:.0} µs/value/thread; {} bytes of ciphertext)",
        rayon::current_num_threads(),
        took.as_secs_f64() * 1e6 * rayon::current_num_threads() as f64 / n as f64,
        resealed
    );
}
