//! Shell completion, two ways.
//!
//! - `vault completions SHELL` prints a static script (clap_complete's
//!   generators): subcommands and options, no process started on TAB. The
//!   same scripts are checked in under `completions/` for packagers.
//! - Dynamic registration, `source <(COMPLETE=bash vault)`: the shell calls
//!   `vault` on every TAB (see [`crate::complete_env`]), which completes
//!   subcommands and options from the same CLI definition *and* secret names
//!   from the configured vault through [`secret_names`].
//!
//! [`secret_names`] runs in the shell's foreground on every TAB, so it never
//! prompts, never prints (not even an error), never creates a file (SQLite is
//! opened read-only), needs no identity (names are not secret), and gives up
//! quickly: an unreachable vault offers nothing.

use std::ffi::OsStr;
use std::time::Duration;

use clap::CommandFactory;
use clap_complete::CompletionCandidate;

use crate::Context;
use crate::cli::{Cli, CompletionsArgs, Global};
use crate::error::Result;
use crate::output::Stdout;

/// The longest a completion may wait for the database, in total.
const COMPLETE_TIMEOUT: Duration = Duration::from_millis(1500);

pub fn run(args: CompletionsArgs) -> Result<()> {
    let mut out = Stdout::new();
    out.write(&script(args.shell))?;
    out.flush()
}

/// The static completion script for `shell`.
pub fn script(shell: clap_complete::Shell) -> Vec<u8> {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "vault", &mut buf);
    buf
}

/// Completes a secret name (or prefix) from the vault configured by the
/// environment: `VAULT_DATABASE_URL`, then `config.toml`, then the default
/// (the `--database-url` flag is not visible to a completer).
pub fn secret_names(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(prefix) = current.to_str() else {
        return Vec::new();
    };
    // A panic must not print into the user's shell.
    std::panic::set_hook(Box::new(|_| {}));
    let names = std::panic::catch_unwind(|| list_names(prefix))
        .ok()
        .flatten()
        .unwrap_or_default();
    names.into_iter().map(CompletionCandidate::new).collect()
}

fn list_names(prefix: &str) -> Option<Vec<String>> {
    let global = Global {
        database_url: std::env::var("VAULT_DATABASE_URL").ok(),
        schema: std::env::var("VAULT_SCHEMA").ok(),
        identity: None,
        quiet: true,
        verbose: false,
    };
    let ctx = Context::new(&global).ok()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .ok()?;
    runtime.block_on(async {
        let work = async {
            let mut index = ctx.open_index_read_only(COMPLETE_TIMEOUT).await?;
            let mut names = Vec::new();
            let p = Some(prefix).filter(|p| !p.is_empty());
            index
                .list(p, &mut |m| {
                    if let Some(n) = m.name {
                        names.push(n);
                    }
                    Ok(())
                })
                .await?;
            Result::<_>::Ok(names)
        };
        tokio::time::timeout(COMPLETE_TIMEOUT, work).await.ok()?.ok()
    })
}
