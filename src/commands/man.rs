//! `vault man`: the man page (roff), generated from the CLI definition. The
//! same page is checked in as `man/vault.1`, kept fresh by a test.

use clap::CommandFactory;

use crate::cli::Cli;
use crate::error::{Error, Result};
use crate::output::Stdout;

pub fn run() -> Result<()> {
    let mut out = Stdout::new();
    out.write(&page()?)?;
    out.flush()
}

pub fn page() -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut buf)
        .map_err(|e| Error::internal(format!("cannot render the man page: {e}")))?;
    Ok(buf)
}
