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
    let removed = ctx.open_index().await?.remove(&names).await?;
    for n in &removed {
        ctx.report.info(format!("removed {}", name::display(n)));
    }
    Ok(())
}
