//! vault: a command-line secrets manager.
//!
//! Values are sealed on the client with age (see [`seal`]) and stored through
//! the [`store::Store`] trait in PostgreSQL or SQLite; the database never sees
//! a plaintext or a private key. `main.rs` is a thin shell around [`main`].

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

pub mod cli;
pub mod commands;
pub mod config;
pub mod envvars;
pub mod error;
pub mod generate;
pub mod members;
pub mod name;
pub mod output;
pub mod passphrase;
pub mod rotate;
pub mod seal;
pub mod secure_fs;
pub mod store;
#[allow(dead_code)] // wired in by the trust integration (issue 12)
mod trust;
pub mod vault;

use config::{ConfigFile, DbUrl, Paths};
use error::{Error, Result};
use output::Reporter;
use seal::Personal;

/// Where the database URL came from (init records flag/env URLs in the config).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Source {
    Given,
    Config,
    Default,
}

/// Everything a command needs to know about its environment.
pub struct Context {
    pub paths: Paths,
    pub config: ConfigFile,
    pub url_given: Option<String>,
    pub identity_given: Option<PathBuf>,
    pub report: Reporter,
}

impl Context {
    pub fn new(global: &cli::Global) -> Result<Context> {
        let paths = Paths::from_env()?;
        let config = ConfigFile::load(&paths.config_file())?;
        Ok(Context {
            paths,
            config,
            url_given: global.database_url.clone().filter(|s| !s.is_empty()),
            identity_given: global.identity.clone().filter(|p| !p.as_os_str().is_empty()),
            report: Reporter {
                quiet: global.quiet,
                verbose: global.verbose,
            },
        })
    }

    /// The database URL: flag, env, config file, then the embedded default.
    pub fn database_url(&self) -> Result<(DbUrl, Source)> {
        if let Some(raw) = &self.url_given {
            return Ok((DbUrl::parse(raw)?, Source::Given));
        }
        if let Some(raw) = &self.config.database_url {
            return Ok((DbUrl::parse(raw)?, Source::Config));
        }
        Ok((DbUrl::sqlite(&self.paths.default_database()), Source::Default))
    }

    /// The identity file path: flag, env, config file, then the default.
    pub fn identity_path(&self) -> PathBuf {
        self.identity_given
            .clone()
            .or_else(|| self.config.identity.clone())
            .unwrap_or_else(|| self.paths.default_identity())
    }

    /// Loads the personal identity, asking for its passphrase when it is
    /// protected (see [`passphrase`]).
    pub fn load_identity(&self) -> Result<Personal> {
        let path = self.identity_path();
        let bytes = secure_fs::read_private_file(&path, "identity file")?;
        let shown = path.display().to_string();
        let me = Personal::parse_with(&bytes, &shown, &mut passphrase::unlock)?;
        self.report
            .verbose(format!("identity {} ({})", path.display(), me.recipient()));
        Ok(me)
    }

    /// Opens the configured vault for a command: identity, connection, schema check.
    pub async fn open_vault(&self) -> Result<vault::Vault> {
        let me = self.load_identity()?;
        self.open_vault_as(me).await
    }

    /// Opens the configured vault with an identity already loaded.
    pub async fn open_vault_as(&self, me: Personal) -> Result<vault::Vault> {
        let store = self.open_store().await?;
        Ok(vault::Vault { store, me })
    }

    /// Connects and checks the schema, without needing an identity.
    pub async fn open_store(&self) -> Result<Box<dyn store::Store>> {
        let (url, source) = self.database_url()?;
        self.report
            .verbose(format!("database {url} (from {source:?})").to_lowercase());
        let mut store = store::open(&url, false).await?;
        store.check_schema().await?;
        Ok(store)
    }
}

/// Makes the process unable to dump core or be attached to by other
/// unprivileged processes, before any key is read. Best effort: a failure
/// here (an unusual kernel) is not a reason to refuse work.
pub fn harden_process() {
    let _ = rustix::process::set_dumpable_behavior(rustix::process::DumpableBehavior::NotDumpable);
    let _ = rustix::process::setrlimit(
        rustix::process::Resource::Core,
        rustix::process::Rlimit {
            current: Some(0),
            maximum: Some(0),
        },
    );
}

/// Parses arguments, runs the command on a current-thread runtime, and maps
/// the outcome to an exit code.
pub fn main() -> ExitCode {
    complete_env();
    install_panic_hook();
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help and --version: clap's own output, exit 0.
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => return report(&usage_error(&e)),
    };
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return report(&Error::internal(format!("cannot start the async runtime: {e}"))),
    };
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        runtime.block_on(async {
            let ctx = Context::new(&cli.global)?;
            commands::run(cli.command, &ctx).await
        })
    }));
    match outcome {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(e)) => report(&e),
        Err(_) => ExitCode::from(error::Kind::Internal.exit_code()),
    }
}

/// Answers a dynamic completion request (`COMPLETE=bash vault …`) and
/// exits; otherwise returns at once. Runs before any runtime exists: the
/// name completer builds its own (a runtime inside a runtime panics).
pub fn complete_env() {
    use clap::CommandFactory;
    clap_complete::CompleteEnv::with_factory(cli::Cli::command)
        .bin("vault")
        .complete();
}

/// Folds clap's multi-line usage error into vault's one-line format: the
/// message and any tip on one line, then where to read more.
fn usage_error(e: &clap::Error) -> Error {
    let rendered = e.render().to_string();
    let text = rendered
        .lines()
        .take_while(|l| !l.starts_with("Usage:"))
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let text = text.strip_prefix("error: ").unwrap_or(&text).to_owned();
    Error::usage(text).hint("see `vault --help` or `vault help COMMAND`")
}

fn report(e: &Error) -> ExitCode {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "vault: {e}");
    ExitCode::from(e.kind.exit_code())
}

/// A panic is a bug: say so in one line, without a backtrace (which could
/// show values from the stack in a future Rust) and without the payload's
/// location details users cannot act on.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        use std::io::Write;
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown".into());
        let what = what
            .lines()
            .next()
            .unwrap_or_default()
            .chars()
            .take(200)
            .collect::<String>();
        let _ = writeln!(
            std::io::stderr().lock(),
            "vault: internal error ({what}); this is a bug, please report it"
        );
    }));
}
