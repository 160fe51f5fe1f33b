//! vault: a command-line secrets manager.
//!
//! Values are sealed on the client with age (see [`seal`]) and stored through
//! the [`store::Store`] trait in PostgreSQL or SQLite; the database never sees
//! a plaintext or a private key. `main.rs` is a thin shell around [`main`].

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

// The library's public surface is small on purpose: the core ([`vault`]),
// its data ([`model`]), storage ([`store`]), sealing ([`seal`]) and errors
// ([`error`]), for the benchmarks and the in-process tests; everything else
// is private to the binary, so the compiler reports what nothing uses.
pub mod agent;
mod cli;
mod commands;
mod complete;
mod config;
mod dotenv;
mod envvars;
pub mod error;
mod generate;
pub mod history;
mod members;
pub mod model;
mod name;
mod output;
mod passphrase;
mod pool;
mod rotate;
pub mod seal;
mod secure_fs;
pub mod store;
mod trust;
mod trusted;
pub mod vault;
mod versions;

use config::{ConfigFile, Paths};
use error::{Error, Result};
use output::Reporter;
use seal::Personal;

pub use config::{DbUrl, Source};

/// Everything a command needs to know about its environment.
pub struct Context {
    pub paths: Paths,
    pub config: ConfigFile,
    pub url_given: Option<String>,
    pub identity_given: Option<PathBuf>,
    /// `--schema` or `VAULT_SCHEMA`.
    pub schema_given: Option<String>,
    pub report: Reporter,
    pub knobs: Knobs,
}

/// Tuning read from the environment, resolved once with everything else.
#[derive(Clone, Copy, Debug)]
pub struct Knobs {
    /// `VAULT_CONNECT_TIMEOUT` (seconds): how long to wait for a database.
    pub connect_timeout: std::time::Duration,
    /// `VAULT_ROTATE_BATCH` (rows): how many secrets one re-seal batch moves.
    pub rotate_batch: usize,
}

impl Knobs {
    /// Rows per re-seal transaction unless `VAULT_ROTATE_BATCH` says
    /// otherwise: bounds memory (about 1 KiB of ciphertext per small secret,
    /// twice) and lock hold times.
    pub const ROTATE_BATCH: usize = 1000;

    /// Reads the knobs; an unset, unparsable or out-of-range value means
    /// the default.
    pub fn from_env() -> Knobs {
        let var = |name| std::env::var(name).ok();
        Knobs {
            connect_timeout: std::time::Duration::from_secs_f64(
                var("VAULT_CONNECT_TIMEOUT")
                    .and_then(|s| s.parse::<f64>().ok())
                    .filter(|s| *s > 0.0 && *s < 1e6)
                    .unwrap_or(5.0),
            ),
            rotate_batch: var("VAULT_ROTATE_BATCH")
                .and_then(|v| v.parse::<usize>().ok())
                .filter(|n| (1..=100_000).contains(n))
                .unwrap_or(Self::ROTATE_BATCH),
        }
    }
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
            schema_given: global.schema.clone().filter(|s| !s.is_empty()),
            report: Reporter {
                quiet: global.quiet,
                verbose: global.verbose,
            },
            knobs: Knobs::from_env(),
        })
    }

    /// The database URL: flag, env, config file, then the embedded default.
    pub fn database_url(&self) -> Result<(DbUrl, Source)> {
        config::resolve_database_url(self.url_given.as_deref(), &self.config, &self.paths)
    }

    /// The PostgreSQL schema: flag, env, config file, then `vault`.
    pub fn schema(&self) -> Result<String> {
        config::resolve_schema(self.schema_given.as_deref(), &self.config)
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
        if let Some(me) = self.identity_from_agent(&bytes)? {
            self.report.verbose(format!(
                "identity {} ({}), held by the vault agent",
                path.display(),
                me.recipient()
            ));
            return Ok(me);
        }
        let mut me = Personal::parse_with(&bytes, &shown, &mut passphrase::unlock)?;
        if me.needs_companion()
            && let Some((companion, at)) = self.load_companion()?
        {
            me = me.with_companion(companion, &at)?;
        }
        self.report
            .verbose(format!("identity {} ({})", path.display(), me.recipient()));
        Ok(me)
    }

    /// The identity from the vault agent, when it holds this very file.
    fn identity_from_agent(&self, file: &[u8]) -> Result<Option<Personal>> {
        if !agent::enabled()? || seal::is_plugin_identity(file) {
            return Ok(None);
        }
        let Some(client) = agent::Client::connect(&agent::Location::new(&self.paths))? else {
            return Ok(None);
        };
        let status = client.status()?;
        match status.held {
            Some(held) if held.digest == agent::digest(file) => {
                Personal::from_agent(std::sync::Arc::new(client), &held, status.pid).map(Some)
            }
            _ => Ok(None),
        }
    }

    /// Where a plugin identity's companion signing key is configured:
    /// `VAULT_SIGNING_KEY`, then config.toml's `signing_key`, then the one
    /// `vault init` makes (`signing-key` beside the identity), if it exists.
    pub fn signing_key_path(&self) -> Option<PathBuf> {
        std::env::var_os("VAULT_SIGNING_KEY")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| self.config.signing_key.clone())
            .or_else(|| Some(self.paths.default_signing_key()).filter(|p| p.exists()))
    }

    /// Reads the companion signing key, if one is configured.
    pub fn load_companion(&self) -> Result<Option<(seal::Companion, String)>> {
        let Some(path) = self.signing_key_path() else {
            return Ok(None);
        };
        let shown = path.display().to_string();
        let text = std::fs::read(&path).map_err(|e| {
            Error::identity(format!("cannot read the signing key {shown}: {e}"))
                .hint("fix VAULT_SIGNING_KEY or signing_key in config.toml, or run `vault init` to make one")
        })?;
        let head = String::from_utf8_lossy(&text);
        let head = head.trim_start();
        if head.starts_with("ssh-") || head.starts_with("sk-") {
            // A public key: ssh-agent holds the private half.
            let public = ssh_key::PublicKey::from_openssh(head.lines().next().unwrap_or_default().trim())
                .map_err(|_| {
                    Error::identity(format!("{shown} is not an SSH public key line"))
                        .hint("point VAULT_SIGNING_KEY at an SSH key file or its .pub file")
                })?;
            return Ok(Some((seal::Companion::SshAgent(public), shown)));
        }
        // A private key file: private like an identity.
        let bytes = secure_fs::read_private_file(&path, "signing key")?;
        let pem = zeroize::Zeroizing::new(String::from_utf8_lossy(&bytes).into_owned());
        let passphrase = if seal::needs_passphrase(&bytes) {
            Some(passphrase::unlock(&shown)?)
        } else {
            None
        };
        Ok(Some((seal::Companion::File { pem, passphrase }, shown)))
    }

    /// Opens the configured vault for a command: identity, connection, schema check.
    pub async fn open_vault(&self) -> Result<vault::Vault> {
        let me = self.load_identity()?;
        let (store, trust) = self.open_trusted(false).await?;
        Ok(vault::Vault { store, me, trust })
    }

    /// Opens the configured vault with an identity already loaded, and
    /// verifies its signed log.
    pub async fn open_vault_as(&self, me: Personal) -> Result<vault::Vault> {
        let (store, trust) = self.open_trusted(false).await?;
        Ok(vault::Vault { store, me, trust })
    }

    /// [`Context::open_vault`] for a command that only reads (`get`, `env`,
    /// `run`, `export`): the store is opened read-only (see
    /// [`store::OpenOptions::read_only`]): on SQLite the -wal/-shm files stay
    /// for the next command instead of being checkpointed and deleted.
    pub async fn open_vault_to_read(&self) -> Result<vault::Vault> {
        let me = self.load_identity()?;
        let (store, trust) = self.open_trusted(true).await?;
        Ok(vault::Vault { store, me, trust })
    }

    /// Opens what needs no identity (names, metadata, removal, members),
    /// after verifying the signed log like every other command.
    pub async fn open_index(&self) -> Result<vault::Index> {
        self.open_index_with(false).await
    }

    /// [`Context::open_index`] for a command that only reads (`ls`,
    /// `history`, `log`, `member ls`): the store is opened read-only.
    pub async fn open_index_to_read(&self) -> Result<vault::Index> {
        self.open_index_with(true).await
    }

    async fn open_index_with(&self, read_only: bool) -> Result<vault::Index> {
        let (mut store, mut trust) = self.open_trusted(read_only).await?;
        // Names need no key, but the log is verified up to its head, and a
        // key planted as current is an alteration every command reports.
        trust.refresh_and_check_current(&mut store).await?;
        Ok(vault::Index::new(store, Some(trust)))
    }

    /// Connects, checks the schema and verifies the log.
    async fn open_trusted(&self, read_only: bool) -> Result<(store::Store, trusted::Trust)> {
        let anchor = self.anchor()?;
        // The pin is read while the store opens; a database that cannot be
        // opened is still reported before a damaged pin.
        let (store, pin) = alongside(self.open_store(read_only), || anchor.load_pin()).await;
        let mut store = store?;
        let (trust, first) = trusted::Trust::load_with(&mut store, anchor, pin?).await?;
        self.announce(first.as_ref(), &trust);
        Ok((store, trust))
    }

    /// Where the configured vault is pinned.
    fn anchor(&self) -> Result<trusted::Anchor> {
        let (url, _) = self.database_url()?;
        anchor(&url, &self.schema()?, &self.paths.data_dir)
    }

    /// Says, once per database, which vault this client now trusts.
    fn announce(&self, first: Option<&trusted::FirstContact>, trust: &trusted::Trust) {
        if let Some(f) = first {
            self.report.info(format!(
                "vault: first contact with the vault at {}; its fingerprint is {} \
                 (compare it with a member's out of band; pinned in {})",
                f.location,
                f.fingerprint,
                trust.pin_path().display()
            ));
        }
    }

    /// Opens the configured database for `vault init`, creating an
    /// embedded file if needed, and creates or upgrades its schema.
    pub async fn setup(&self) -> Result<vault::Setup> {
        let (url, _) = self.database_url()?;
        let opts = store::OpenOptions {
            create: true,
            ..self.store_options()?
        };
        vault::Setup::migrate(store::open(&url, opts).await?, self.anchor()?).await
    }

    /// Opens the index for shell completion: never creates or writes
    /// anything (SQLite read-only), gives up after `timeout`, and skips the
    /// schema check (a database that is not a vault just offers no names).
    pub async fn open_index_read_only(&self, timeout: std::time::Duration) -> Result<vault::Index> {
        let (url, _) = self.database_url()?;
        let opts = store::OpenOptions {
            create: false,
            read_only: true,
            timeout,
            schema: self.schema()?,
        };
        // No log verification: completion must stay fast and silent, and
        // names are unauthenticated metadata anyway.
        Ok(vault::Index::new(store::open(&url, opts).await?, None))
    }

    /// Connects and checks the schema, without needing an identity.
    async fn open_store(&self, read_only: bool) -> Result<store::Store> {
        let (url, source) = self.database_url()?;
        let from = match source {
            Source::Given => "given",
            Source::Config => "config",
            Source::Default => "default",
        };
        // Never change a message's case: a redacted URL keeps its own.
        self.report.verbose(format!("database {url} (from {from})"));
        let opts = store::OpenOptions {
            read_only,
            ..self.store_options()?
        };
        let mut store = store::open(&url, opts).await?;
        store.check_schema().await?;
        store.set_retention(config::resolve_retention(&self.config)?);
        Ok(store)
    }

    /// How commands open the store (`vault init` adds `create`).
    fn store_options(&self) -> Result<store::OpenOptions> {
        Ok(store::OpenOptions {
            create: false,
            read_only: false,
            timeout: self.knobs.connect_timeout,
            schema: self.schema()?,
        })
    }
}

/// Starts `opening` (its first poll: SQLite's file is opened on sqlx's
/// worker thread, a PostgreSQL connection's TCP and TLS handshake begin),
/// runs `meanwhile` on this thread, then finishes `opening`. Reading the
/// pin while the store opens took `vault get` on SQLite from 4.77 to
/// 4.52 ms (paired, 400 runs, 2 cores).
///
/// `meanwhile` must not wait on the user: the identity is not loaded this
/// way, because its passphrase prompt would leave a connection half open
/// past its connect timeout (and PostgreSQL's authentication_timeout).
async fn alongside<F: std::future::Future, T>(opening: F, meanwhile: impl FnOnce() -> T) -> (F::Output, T) {
    let mut opening = std::pin::pin!(opening);
    let first = std::future::poll_fn(|cx| std::task::Poll::Ready(opening.as_mut().poll(cx))).await;
    let done = meanwhile();
    let opened = match first {
        std::task::Poll::Ready(out) => out,
        std::task::Poll::Pending => opening.await,
    };
    (opened, done)
}

/// Opens the vault at `url` (tables in `schema`) as the unprotected identity
/// in the file `identity`: for benchmarks and in-process tests.
pub async fn open_vault(url: &str, schema: &str, identity: &std::path::Path) -> Result<vault::Vault> {
    let url = DbUrl::parse(url)?;
    let opts = store::OpenOptions {
        create: false,
        read_only: false,
        timeout: Knobs::from_env().connect_timeout,
        schema: schema.to_owned(),
    };
    let mut store = store::open(&url, opts).await?;
    store.check_schema().await?;
    let bytes = secure_fs::read_private_file(identity, "identity file")?;
    let me = seal::Personal::parse(&bytes, &identity.display().to_string())?;
    let paths = Paths::from_env()?;
    let (trust, _) = trusted::Trust::load(&mut store, anchor(&url, schema, &paths.data_dir)?).await?;
    Ok(vault::Vault { store, me, trust })
}

/// How a vault is pinned: by where it is (the URL without password, plus
/// the schema on PostgreSQL, where two schemas are two vaults), with
/// `VAULT_FINGERPRINT` when set.
fn anchor(url: &DbUrl, schema: &str, data_dir: &std::path::Path) -> Result<trusted::Anchor> {
    let location = match url.backend() {
        config::Backend::Postgres => format!("{url} schema={schema}"),
        config::Backend::Sqlite => url.to_string(),
    };
    let expected = match std::env::var(trust::FINGERPRINT_ENV) {
        Ok(v) if !v.trim().is_empty() => Some(trust::Fingerprint::parse(&v)?),
        _ => None,
    };
    Ok(trusted::Anchor {
        location,
        pins: trust::PinStore::new(data_dir),
        expected,
    })
}

/// Opens the vault the environment selects, as the binary would with no
/// flags (`VAULT_DATABASE_URL`, `VAULT_SCHEMA`, `VAULT_IDENTITY`,
/// config.toml, defaults): for benchmark tools built on the library.
pub async fn open_vault_from_env() -> Result<vault::Vault> {
    let global = cli::Global {
        database_url: std::env::var("VAULT_DATABASE_URL").ok(),
        schema: std::env::var("VAULT_SCHEMA").ok(),
        identity: std::env::var_os("VAULT_IDENTITY").map(Into::into),
        quiet: true,
        verbose: false,
    };
    Context::new(&global)?.open_vault().await
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
    // The agent needs no configuration, database or runtime (and starts
    // with an empty environment).
    if let cli::Command::Agent(args) = &cli.command {
        return match agent::server::run(&args.dir) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => ExitCode::from(e.kind.exit_code()),
        };
    }
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

pub use complete::complete_env;

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

/// Prints the one error line. The last line of defence for the terminal:
/// whatever a message quotes (a server's error text, a name, a path) has its
/// control and formatting characters escaped ([`name::terminal`]).
fn report(e: &Error) -> ExitCode {
    use std::io::Write;
    let line = e.to_string();
    let _ = writeln!(std::io::stderr().lock(), "vault: {}", name::terminal(&line));
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
            "vault: internal error ({}); this is a bug, please report it",
            name::terminal(&what)
        );
    }));
}
