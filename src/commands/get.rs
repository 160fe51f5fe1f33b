//! `vault get NAME`: the exact stored bytes on stdout, nothing else.

use crate::Context;
use crate::cli::GetArgs;
use crate::error::Result;
use crate::{name, output};

pub async fn run(args: GetArgs, ctx: &Context) -> Result<()> {
    let name = name::canonical(&args.name)?;
    let mut vault = ctx.open_vault().await?;
    let value = vault.get(&name).await?;
    output::print_value(&value)
}
