//! The cryptographic floor for the benchmark (`benches/compare.sh`): what the
//! age crate itself costs to seal and open 32-byte values, with nothing of
//! vault around it (no armor, no header, no MAC, no database).
//!
//! ```text
//! age_floor seal N     seal N values on every core (rayon), print elapsed
//! age_floor reseal N   open N sealed values and seal them again, every core
//! age_floor per-op     µs per seal and per open, one core and every core
//! ```
//!
//! The values are sealed beforehand for `reseal`, outside the timed part;
//! `seal` and `reseal` print on stdout the microseconds spent preparing
//! (making and pre-sealing values), which the script subtracts from the
//! wall time it measures: the floor is start-up plus the timed work only.

use std::time::Instant;

use rayon::prelude::*;

fn values(n: usize) -> Vec<[u8; 32]> {
    (0..n)
        .map(|i| {
            let mut v = [0u8; 32];
            v[..8].copy_from_slice(&(i as u64).to_le_bytes());
            v
        })
        .collect()
}

fn seal(to: &age::x25519::Recipient, v: &[u8]) -> Vec<u8> {
    age::encrypt(to, v).expect("age encrypts")
}

fn open(with: &age::x25519::Identity, c: &[u8]) -> Vec<u8> {
    age::decrypt(with, c).expect("age decrypts")
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let what = args.first().map(String::as_str).unwrap_or("per-op");
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(10_000);
    let old = age::x25519::Identity::generate();
    let new = age::x25519::Identity::generate();
    let (old_r, new_r) = (old.to_public(), new.to_public());
    let start = Instant::now();
    let plain = values(n);
    match what {
        "seal" => {
            println!("{}", start.elapsed().as_micros());
            let t = Instant::now();
            let sealed: Vec<Vec<u8>> = plain.par_iter().map(|v| seal(&new_r, v)).collect();
            eprintln!("sealed {} values in {:?}", sealed.len(), t.elapsed());
        }
        "reseal" => {
            let sealed: Vec<Vec<u8>> = plain.par_iter().map(|v| seal(&old_r, v)).collect();
            println!("{}", start.elapsed().as_micros());
            let t = Instant::now();
            let resealed: Vec<Vec<u8>> = sealed.par_iter().map(|c| seal(&new_r, &open(&old, c))).collect();
            eprintln!("resealed {} values in {:?}", resealed.len(), t.elapsed());
        }
        "per-op" => {
            let n = n.min(2_000);
            let plain = &plain[..n];
            let per = |t: Instant| t.elapsed().as_secs_f64() * 1e6 / n as f64;
            let t = Instant::now();
            let sealed: Vec<Vec<u8>> = plain.iter().map(|v| seal(&old_r, v)).collect();
            let seal_one = per(t);
            let t = Instant::now();
            let opened: Vec<Vec<u8>> = sealed.iter().map(|c| open(&old, c)).collect();
            let open_one = per(t);
            assert_eq!(opened.len(), n);
            let t = Instant::now();
            let sealed: Vec<Vec<u8>> = plain.par_iter().map(|v| seal(&old_r, v)).collect();
            let seal_all = per(t);
            let t = Instant::now();
            let opened: Vec<Vec<u8>> = sealed.par_iter().map(|c| open(&old, c)).collect();
            let open_all = per(t);
            assert_eq!(opened.len(), n);
            println!(
                "{seal_one:.1} {open_one:.1} {seal_all:.1} {open_all:.1} {}",
                rayon::current_num_threads()
            );
        }
        other => {
            eprintln!("age_floor: unknown mode {other}; use seal, reseal or per-op");
            std::process::exit(2);
        }
    }
}
