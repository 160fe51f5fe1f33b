//! One small module per subcommand. Clap stops here: commands read their
//! arguments, call the core ([`crate::vault`], [`crate::store`]), and format
//! the results. No SQL and no age calls in this module tree.

use crate::Context;
use crate::cli::Command;
use crate::error::Result;

mod get;
mod history;
mod init;
mod ls;
mod put;
mod rm;
mod rotate;
// ---- shell integration ----
pub mod completions;
mod env;
mod export;
mod import;
mod import_supabase;
mod man;
mod run;
// ---- members ----
mod member;
mod whoami;
// ---- the agent ----
mod unlock;

pub async fn run(command: Command, ctx: &Context) -> Result<()> {
    match command {
        Command::Init(args) => init::run(args, ctx).await,
        Command::Put(args) => put::run(args, ctx).await,
        Command::Get(args) => get::run(args, ctx).await,
        Command::Ls(args) => ls::run(args, ctx).await,
        Command::Rm(args) => rm::run(args, ctx).await,
        Command::History(args) => history::run(args, ctx).await,
        Command::Restore(args) => history::restore(args, ctx).await,
        Command::Mv(args) => history::mv(args.from, args.to, false, ctx).await,
        Command::Cp(args) => history::mv(args.from, args.to, true, ctx).await,
        Command::Log(args) => history::log(args, ctx).await,
        Command::Rotate(args) => rotate::run(args, ctx).await,
        // ---- shell integration ----
        Command::Completions(args) => completions::run(args),
        Command::Env(args) => env::run(args, ctx).await,
        Command::Run(args) => run::run(args, ctx).await,
        Command::Import(args) => import::run(args, ctx).await,
        Command::Export(args) => export::run(args, ctx).await,
        Command::Man(args) => man::run(args),
        // ---- members ----
        Command::Member(command) => member::run(command, ctx).await,
        Command::Whoami(args) => whoami::run(args, ctx).await,
        // ---- the agent ----
        Command::Unlock(args) => unlock::unlock(args, ctx),
        Command::Lock => unlock::lock(ctx),
        Command::Agent(args) => crate::agent::server::run(&args.dir),
    }
}

/// Quotes an argument for a shell command line shown to the user (SSH
/// recipients contain a space).
pub(crate) fn shell_quote(arg: &str) -> String {
    if arg
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./:@+=".contains(c))
    {
        arg.to_owned()
    } else {
        format!("'{}'", arg.replace('\'', "'\\''"))
    }
}
