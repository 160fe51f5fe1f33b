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
    let mut store = ctx.open_store().await?;
    let mut unique = names.clone();
    unique.sort();
    unique.dedup();
    store.remove(&unique).await?;
    for n in &unique {
        ctx.report.info(format!("removed {}", name::display(n)));
    }
    Ok(())
}
