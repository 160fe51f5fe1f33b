//! One small module per subcommand. Clap stops here: commands read their
//! arguments, call the core ([`crate::vault`], [`crate::store`]), and format
//! the results. No SQL and no age calls in this module tree.

use crate::Context;
use crate::cli::Command;
use crate::error::Result;

mod get;
mod init;
mod ls;
mod put;
mod rm;
mod rotate;

pub async fn run(command: Command, ctx: &Context) -> Result<()> {
    match command {
        Command::Init(args) => init::run(args, ctx).await,
        Command::Put(args) => put::run(args, ctx).await,
        Command::Get(args) => get::run(args, ctx).await,
        Command::Ls(args) => ls::run(args, ctx).await,
        Command::Rm(args) => rm::run(args, ctx).await,
        Command::Rotate(args) => rotate::run(args, ctx).await,
    }
}
