//! Tools for the hardening suite, shared by every attack and fault test
//! (rotation, members and env/run tests may use them too).
//!
//! - secrets to look for: [`marker`], [`identity_secret`], [`assert_clean`];
//! - where to look: [`PgLog`] (the test cluster's server log from a point
//!   on), [`ProcScan`] (`/proc/*/cmdline` while commands run), [`tree`]
//!   (files and modes under a directory);
//! - how to attack a sealed value: [`dearmor`]/[`armor`] and [`age_regions`]
//!   (offsets of the regions of a binary age file);
//! - how to get in the way: [`HeldTx`] (a transaction held open on another
//!   connection; `env.db().hold_row(…)`, `.hold_insert(…)`,
//!   `.hold_write_lock()` and `.hold_read()` in db.rs make the usual ones),
//!   [`wait_for`], [`shell`] (vault through `sh -c`, for umask, pipes and
//!   closed descriptors).

#![allow(dead_code)] // shared by several test files; not every helper is used by each

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use base64::Engine as _;
use sqlx::{AssertSqlSafe, Connection};

use crate::harness::{Env, Out};

/// The prefix of every age X25519 secret key: must never appear in output or logs.
pub const SECRET_KEY_PREFIX: &str = "AGE-SECRET-KEY-";

/// A unique, greppable plaintext to put in values.
pub fn marker() -> String {
    format!("MARKER-{}", uuid::Uuid::new_v4().simple())
}

/// The secret line of `env`'s identity file (`AGE-SECRET-KEY-1…`).
pub fn identity_secret(env: &Env) -> String {
    let text = std::fs::read_to_string(env.identity_path()).expect("read identity");
    text.lines()
        .find(|l| l.starts_with(SECRET_KEY_PREFIX))
        .expect("identity holds a secret key line")
        .to_owned()
}

/// Asserts that none of `needles`, nor anything that looks like an age
/// secret key (`AGE-SECRET-KEY-1` and 20+ more key characters; the bare
/// words in a hint are fine), occurs in `haystack`.
#[track_caller]
pub fn assert_clean(what: &str, haystack: &[u8], needles: &[&str]) {
    let text = String::from_utf8_lossy(haystack);
    let show = |at: usize, len: usize| {
        let from = text[..at].char_indices().rev().nth(200).map_or(0, |(i, _)| i);
        text[from..(at + len).min(text.len())].to_owned()
    };
    for needle in needles {
        assert!(!needle.is_empty(), "empty needle");
        if let Some(at) = text.find(needle) {
            panic!("{what} contains {needle:?}:\n…{}…", show(at, needle.len()));
        }
    }
    for (at, _) in text.match_indices(SECRET_KEY_PREFIX) {
        let key_chars = text[at + SECRET_KEY_PREFIX.len()..]
            .chars()
            .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            .count();
        assert!(
            key_chars < 20,
            "{what} contains an age secret key:\n…{}…",
            show(at, 40)
        );
    }
}

/// Asserts a whole command's output is clean (see [`assert_clean`]).
#[track_caller]
pub fn assert_out_clean(what: &str, out: &Out, needles: &[&str]) {
    assert_clean(&format!("{what}: stdout"), &out.stdout, needles);
    assert_clean(&format!("{what}: stderr"), out.stderr.as_bytes(), needles);
}

// ---- sealed values ---------------------------------------------------------

const BEGIN: &str = "-----BEGIN AGE ENCRYPTED FILE-----";
const END: &str = "-----END AGE ENCRYPTED FILE-----";

/// The binary age file inside an ASCII-armored one.
pub fn dearmor(armored: &str) -> Vec<u8> {
    let body: String = armored.lines().filter(|l| *l != BEGIN && *l != END).collect();
    base64::engine::general_purpose::STANDARD
        .decode(body.trim())
        .expect("armored value is base64")
}

/// Canonical age armor (64-column lines), as the age crate writes it.
pub fn armor(binary: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(binary);
    let mut out = format!("{BEGIN}\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap());
        out.push('\n');
    }
    out.push_str(END);
    out.push('\n');
    out
}

/// One byte offset inside each region of a binary age file (X25519, one
/// recipient plus grease): the version line, the X25519 stanza's share, the
/// header MAC, the payload nonce, the first chunk, and the last chunk's tag.
pub fn age_regions(bin: &[u8]) -> Vec<(&'static str, usize)> {
    let find = |needle: &[u8]| {
        bin.windows(needle.len())
            .position(|w| w == needle)
            .unwrap_or_else(|| panic!("no {:?} in the age header", String::from_utf8_lossy(needle)))
    };
    let stanza = find(b"\n-> X25519 ") + 1;
    let mac_line = find(b"\n--- ") + 1;
    let header_end = mac_line + bin[mac_line..].iter().position(|&b| b == b'\n').unwrap() + 1;
    assert!(
        bin.len() > header_end + 16 + 64 * 1024,
        "value too small for two chunks"
    );
    vec![
        ("version line", 5),
        ("X25519 stanza share", stanza + "-> X25519 ".len() + 3),
        ("header MAC", mac_line + "--- ".len() + 5),
        ("payload nonce", header_end + 7),
        ("first chunk", header_end + 16 + 1000),
        ("last chunk's tag", bin.len() - 3),
    ]
}

/// The stored (armored) ciphertext of `name` (shorthand for `env.db().row(name).secret`).
pub fn secret_of(env: &Env, name: &str) -> String {
    env.db().row(name).secret
}

/// Overwrites the stored ciphertext of `name` with `secret`.
#[track_caller]
pub fn set_secret(env: &Env, name: &str, secret: &str) {
    env.db().set_secret(name, secret)
}

// ---- where secrets could leak ----------------------------------------------

/// The test cluster's server log from the moment [`PgLog::mark`] was called.
pub struct PgLog {
    path: PathBuf,
    start: u64,
}

impl PgLog {
    /// `None` when the tests use an external server (no log to read).
    pub fn mark() -> Option<PgLog> {
        let path = crate::pg::cluster().log_path()?.to_owned();
        let start = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        Some(PgLog { path, start })
    }

    /// Everything logged since the mark.
    pub fn since(&self) -> Vec<u8> {
        let all = std::fs::read(&self.path).expect("read server log");
        all[(self.start as usize).min(all.len())..].to_vec()
    }
}

/// Scans `/proc/*/cmdline` in a loop until stopped, recording every command
/// line that contains one of the needles, and how many vault processes it saw.
pub struct ProcScan {
    stop: Arc<AtomicBool>,
    handle: JoinHandle<ScanReport>,
}

#[derive(Debug, Default)]
pub struct ScanReport {
    pub passes: usize,
    /// Distinct pids whose command line runs the vault binary.
    pub vault_pids: std::collections::BTreeSet<u32>,
    pub hits: Vec<(u32, String)>,
}

impl ProcScan {
    pub fn start(needles: Vec<String>) -> ProcScan {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let bin = env!("CARGO_BIN_EXE_vault").as_bytes().to_vec();
        let handle = std::thread::spawn(move || {
            let mut report = ScanReport::default();
            while !flag.load(Ordering::Relaxed) {
                report.passes += 1;
                let Ok(dir) = std::fs::read_dir("/proc") else {
                    break;
                };
                for entry in dir.flatten() {
                    let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
                        continue;
                    };
                    let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
                        continue;
                    };
                    if cmdline.windows(bin.len()).any(|w| w == bin) {
                        report.vault_pids.insert(pid);
                    }
                    for n in &needles {
                        if cmdline.windows(n.len()).any(|w| w == n.as_bytes()) {
                            report
                                .hits
                                .push((pid, String::from_utf8_lossy(&cmdline).into_owned()));
                        }
                    }
                }
            }
            report
        });
        ProcScan { stop, handle }
    }

    pub fn finish(self) -> ScanReport {
        self.stop.store(true, Ordering::Relaxed);
        self.handle.join().expect("proc scanner")
    }
}

/// Every path under `root` (relative) with its permission bits.
pub fn tree(root: &Path) -> BTreeMap<PathBuf, u32> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, u32>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            let Ok(meta) = std::fs::symlink_metadata(&p) else {
                continue;
            };
            out.insert(p.strip_prefix(root).unwrap().to_owned(), meta.mode() & 0o7777);
            if meta.is_dir() {
                walk(root, &p, out);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

// ---- getting in the way ------------------------------------------------------

/// A transaction held open on its own connection (in its own thread) until
/// [`HeldTx::commit`] or [`HeldTx::rollback`]; dropping it rolls back.
/// `sql` runs once the connection is open, e.g. `BEGIN; SELECT … FOR UPDATE`
/// or `BEGIN EXCLUSIVE`.
pub struct HeldTx {
    release: Option<mpsc::Sender<bool>>,
    handle: Option<JoinHandle<Result<(), String>>>,
}

impl HeldTx {
    pub fn begin(url: &str, sql: &str) -> HeldTx {
        let (ready_tx, ready_rx) = mpsc::channel::<Result<(), String>>();
        let (release_tx, release_rx) = mpsc::channel::<bool>();
        let (url, sql) = (url.to_owned(), sql.to_owned());
        let handle = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            rt.block_on(async move {
                macro_rules! hold {
                    ($conn:expr) => {{
                        let mut conn = match $conn {
                            Ok(c) => c,
                            Err(e) => {
                                let _ = ready_tx.send(Err(e.to_string()));
                                return Err("connect".to_owned());
                            }
                        };
                        if let Err(e) = sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut conn).await {
                            let _ = ready_tx.send(Err(e.to_string()));
                            return Err("begin".to_owned());
                        }
                        let _ = ready_tx.send(Ok(()));
                        let commit = release_rx.recv().unwrap_or(false);
                        let end = if commit { "COMMIT" } else { "ROLLBACK" };
                        sqlx::raw_sql(end)
                            .execute(&mut conn)
                            .await
                            .map_err(|e| e.to_string())?;
                        conn.close().await.map_err(|e| e.to_string())
                    }};
                }
                if url.starts_with("sqlite:") {
                    hold!(sqlx::SqliteConnection::connect(&url).await)
                } else {
                    hold!(sqlx::PgConnection::connect(&url).await)
                }
            })
        });
        match ready_rx.recv() {
            Ok(Ok(())) => HeldTx {
                release: Some(release_tx),
                handle: Some(handle),
            },
            Ok(Err(e)) => panic!("cannot hold a transaction: {e}"),
            Err(_) => panic!("holder thread died: {:?}", handle.join()),
        }
    }

    pub fn commit(mut self) {
        self.end(true);
    }

    pub fn rollback(mut self) {
        self.end(false);
    }

    fn end(&mut self, commit: bool) {
        if let Some(tx) = self.release.take() {
            let _ = tx.send(commit);
        }
        if let Some(h) = self.handle.take() {
            let r = h.join().expect("holder thread");
            if !std::thread::panicking() {
                r.expect("ending the held transaction");
            }
        }
    }
}

impl Drop for HeldTx {
    fn drop(&mut self) {
        self.end(false);
    }
}

/// Polls `cond` every 20 ms until it returns `Some`, or panics after `timeout`.
#[track_caller]
pub fn wait_for<T>(what: &str, timeout: Duration, mut cond: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = cond() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The pid of a `vault` backend on `env`'s PostgreSQL database that waits
/// on a lock (for landing between a put's BEGIN and COMMIT).
pub fn blocked_vault_backend(env: &Env) -> i32 {
    wait_for(
        "vault's backend to wait on a lock",
        Duration::from_secs(20),
        || env.db().pg_vault_backends_waiting_on_a_lock().first().copied(),
    )
}

/// A `sh -c script` with `env`'s vault environment and `$VAULT` set to the
/// binary (for umask, pipelines and closed descriptors).
pub fn shell(env: &Env, script: &str) -> Command {
    let base = env.vault(&[]).cmd;
    let mut cmd = Command::new("sh");
    cmd.env_clear();
    for (k, v) in base.get_envs() {
        if let Some(v) = v {
            cmd.env(k, v);
        }
    }
    cmd.env("VAULT", env!("CARGO_BIN_EXE_vault")).args(["-c", script]);
    cmd
}

/// True when running as root (some tests need to chown or mount).
pub fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

/// A login role with a password on the test cluster, allowed to use `env`'s
/// vault (made by the `postgres` user), and a URL that carries the password.
/// The cluster trusts every local connection, so the password is never
/// checked — which is the point: it only has to be *somewhere* vault could leak it.
pub struct PwRole {
    pub name: String,
    pub password: String,
    pub url: String,
    db: crate::db::Db,
}

impl PwRole {
    /// `env` must be a PostgreSQL Env whose vault is initialised.
    pub fn new(env: &Env) -> PwRole {
        let name = format!("vt_pw_{}", uuid::Uuid::new_v4().simple());
        let password = format!("PW{}", uuid::Uuid::new_v4().simple());
        env.db().pg_create_role(&name, &password);
        let url = env
            .url()
            .replacen("://postgres@", &format!("://{name}:{password}@"), 1);
        assert_ne!(url, env.url(), "unexpected test URL shape");
        PwRole {
            name,
            password,
            url,
            db: env.db(),
        }
    }
}

impl Drop for PwRole {
    fn drop(&mut self) {
        let _ = self.db.pg_drop_role(&self.name);
    }
}

/// True when `VAULT_SOAK=1`: slower, more thorough variants (README, "Hardening").
pub fn soak() -> bool {
    std::env::var("VAULT_SOAK").is_ok_and(|v| v == "1")
}
