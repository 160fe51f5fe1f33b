//! `vault rm NAME...`: all or nothing.

use crate::Context;
use crate::cli::RmArgs;
use crate::error::Result;
use crate::name;

pub async fn run(args: RmArgs, ctx: &Context) -> Result<()> {
    let names = args
        .names
        .iter()
        .map(|n| name::canonical(n))
        .collect::<Result<Vec<_>>>()?;
    let removed = ctx.open_index().await?.remove(&names, args.purge).await?;
    let verb = if args.purge { "purged" } else { "removed" };
    for n in &removed {
        ctx.report.info(format!("{verb} {}", name::display(n)));
    }
    Ok(())
}
