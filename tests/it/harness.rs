//! A tiny harness that runs the real `vault` binary.
//!
//! Each [`Env`] is one user on one vault: a private temporary HOME (with XDG
//! config and data dirs inside) and, for PostgreSQL, a fresh database on the
//! test cluster (dropped with the Env). On SQLite the vault is the embedded
//! default, reached with no URL at all, so every SQLite story also proves the
//! zero-configuration path. Stories are written once as `fn story(env: &Env)`
//! and run on both backends with [`both!`].

#![allow(dead_code)] // shared by every story file; not every helper is used by each build

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;

use crate::{db, pg, sql};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct Env {
    pub backend: Backend,
    pub home: tempfile::TempDir,
    db: Option<Arc<pg::TestDb>>,
}

/// Runs each named story as two tests, `story::sqlite` and `story::postgres`.
#[macro_export]
macro_rules! both {
    ($($story:ident),* $(,)?) => {$(
        mod $story {
            #[test]
            fn sqlite() {
                super::$story(&$crate::harness::Env::new($crate::harness::Backend::Sqlite))
            }
            #[test]
            fn postgres() {
                super::$story(&$crate::harness::Env::new($crate::harness::Backend::Postgres))
            }
        }
    )*};
}

impl Env {
    pub fn new(backend: Backend) -> Env {
        let db = match backend {
            Backend::Postgres => Some(Arc::new(pg::cluster().new_database())),
            Backend::Sqlite => None,
        };
        Env::with_db(backend, db)
    }

    fn with_db(backend: Backend, db: Option<Arc<pg::TestDb>>) -> Env {
        let home = tempfile::Builder::new().prefix("vault-test-").tempdir().unwrap();
        std::fs::set_permissions(home.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        Env { backend, home, db }
    }

    /// Another user (own HOME and identity) on the same vault.
    pub fn another_user(&self) -> Env {
        let other = Env::with_db(self.backend, self.db.clone());
        if self.backend == Backend::Sqlite {
            // Point the second user at the first user's embedded file.
            std::fs::create_dir_all(other.config_dir()).unwrap();
            std::fs::write(
                other.config_dir().join("config.toml"),
                format!("database_url = \"{}\"\n", self.url()),
            )
            .unwrap();
        }
        other
    }

    pub fn config_dir(&self) -> PathBuf {
        self.home.path().join("config/vault")
    }

    pub fn data_dir(&self) -> PathBuf {
        self.home.path().join("data/vault")
    }

    pub fn identity_path(&self) -> PathBuf {
        self.config_dir().join("identity.txt")
    }

    /// The vault's database URL (the embedded file's URL on SQLite).
    pub fn url(&self) -> String {
        match &self.db {
            Some(db) => db.url(),
            None => format!("sqlite://{}", self.data_dir().join("vault.db").display()),
        }
    }

    /// A typed view of this vault's database (the one place that knows
    /// both SQL dialects).
    pub fn db(&self) -> db::Db {
        db::Db::new(self.backend, &self.url())
    }

    /// A table name as SQL on this backend spells it (for raw SQL; prefer [`Env::db`]).
    pub fn table(&self, name: &str) -> String {
        db::table(self.backend, name)
    }

    /// Raw SQL on this vault's database (prefer [`Env::db`]).
    pub fn exec(&self, sql_text: &str) {
        sql::exec(&self.url(), sql_text)
    }

    pub fn query(&self, sql_text: &str) -> Vec<Vec<String>> {
        sql::query(&self.url(), sql_text)
    }

    pub fn scalar(&self, sql_text: &str) -> String {
        sql::scalar(&self.url(), sql_text)
    }

    /// A `vault` command in this environment, with a scrubbed process
    /// environment (only PATH, HOME, XDG dirs, and the URL on PostgreSQL).
    pub fn vault(&self, args: &[&str]) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_vault"));
        cmd.args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home.path())
            .env("XDG_CONFIG_HOME", self.home.path().join("config"))
            .env("XDG_DATA_HOME", self.home.path().join("data"))
            .env("USER", "tester")
            .env("LANG", "C.UTF-8");
        if let Some(db) = &self.db {
            cmd.env("VAULT_DATABASE_URL", db.url());
        }
        Run { cmd, stdin: None }
    }

    pub fn init(&self) -> &Env {
        self.vault(&["init"]).ok();
        self
    }

    pub fn put(&self, name: &str, value: &[u8]) {
        self.vault(&["put", name]).stdin(value).ok();
    }

    pub fn get(&self, name: &str) -> Vec<u8> {
        self.vault(&["get", name]).ok().stdout
    }
}

/// A test that cannot run here (not root, a tool missing, no server log)
/// says so on stderr and passes, except under CI (`CI` set, as CI systems
/// do), where a skip would hide a lost test: there it fails. Use it as
/// `return skip("why; what to install")`.
#[track_caller]
pub fn skip(why: &str) {
    skip_unless_ci(std::env::var_os("CI").is_some(), why)
}

#[track_caller]
fn skip_unless_ci(ci: bool, why: &str) {
    assert!(!ci, "not skipped under CI (CI is set): {why}");
    eprintln!("skipped: {why}");
}

#[test]
fn skips_fail_under_ci() {
    skip_unless_ci(false, "outside CI a skip passes");
    let under_ci = std::panic::catch_unwind(|| skip_unless_ci(true, "under CI it fails"));
    assert!(under_ci.is_err(), "a skip under CI must fail the test");
}

pub struct Run {
    pub cmd: Command,
    stdin: Option<Vec<u8>>,
}

#[derive(Debug)]
pub struct Out {
    pub code: i32,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl Run {
    pub fn stdin(mut self, bytes: &[u8]) -> Run {
        self.stdin = Some(bytes.to_vec());
        self
    }

    pub fn env(mut self, key: &str, value: impl AsRef<std::ffi::OsStr>) -> Run {
        self.cmd.env(key, value);
        self
    }

    pub fn env_remove(mut self, key: &str) -> Run {
        self.cmd.env_remove(key);
        self
    }

    pub fn run(mut self) -> Out {
        self.cmd
            .stdin(if self.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = self.cmd.spawn().expect("spawn vault");
        if let Some(bytes) = self.stdin.take() {
            let mut pipe = child.stdin.take().unwrap();
            // The child may exit before reading everything (e.g. on a usage error).
            let _ = pipe.write_all(&bytes);
        }
        let out = child.wait_with_output().expect("wait for vault");
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
            "vault panicked: {stderr}"
        );
        Out {
            code: out.status.code().unwrap_or(-1),
            stdout: out.stdout,
            stderr,
        }
    }

    /// Runs and asserts success.
    pub fn ok(self) -> Out {
        let desc = format!("{:?}", self.cmd.get_args().collect::<Vec<_>>());
        let out = self.run();
        assert_eq!(out.code, 0, "vault {desc} failed: {}", out.stderr);
        out
    }

    /// Runs and asserts exit code `code`, an empty stdout, and a one-line
    /// error on stderr that starts with "vault: " and contains `needle`.
    pub fn fails(self, code: i32, needle: &str) -> Out {
        let desc = format!("{:?}", self.cmd.get_args().collect::<Vec<_>>());
        let out = self.run();
        assert_eq!(
            out.code, code,
            "vault {desc}: expected exit {code}, got {}: {}",
            out.code, out.stderr
        );
        assert!(
            out.stdout.is_empty(),
            "vault {desc}: stdout not empty on failure: {:?}",
            out.stdout_str()
        );
        let lines: Vec<&str> = out.stderr.lines().collect();
        assert_eq!(
            lines.len(),
            1,
            "vault {desc}: expected a one-line error, got {:?}",
            out.stderr
        );
        assert!(lines[0].starts_with("vault: "), "{:?}", lines[0]);
        assert!(
            out.stderr.contains(needle),
            "vault {desc}: {:?} does not contain {needle:?}",
            out.stderr
        );
        out
    }
}

impl Out {
    pub fn stdout_str(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
}
