//! `vault export [PREFIX] [--format dotenv|json]`: names and values, the
//! inverse of `vault import` (keys are secret names, as stored). Prints
//! plaintext, so it warns on stderr when stdout is a terminal.

use crate::Context;
use crate::cli::{ExportArgs, FileFormat};
use crate::dotenv::{self, dotenv_value};
use crate::envvars::{self, json_string};
use crate::error::{Error, Result};
use crate::name;
use crate::output::Stdout;

pub async fn run(args: ExportArgs, ctx: &Context) -> Result<()> {
    let prefix = args.prefix.as_deref().map(crate::vault::prefix);
    let prefix = prefix.as_deref().filter(|p| !p.is_empty());
    let mut vault = ctx.open_vault_to_read().await?;
    let secrets = vault.open_all(prefix).await?;
    drop(vault);
    // Check everything before printing anything.
    for (secret, value) in &secrets {
        envvars::text_value(secret, value)?;
        if args.format == FileFormat::Dotenv {
            if !dotenv::is_dotenv_key(secret) {
                return Err(Error::usage(format!(
                    "secret {} cannot be a dotenv key (it holds '=', '#', a quote or white space); nothing was printed",
                    name::escape(secret)
                ))
                .hint("use --format json, or leave it out with a PREFIX"));
            }
            dotenv::check_dotenv_value(secret, envvars::text_value(secret, value)?)?;
        }
    }
    if Stdout::is_terminal() {
        ctx.report
            .warn("printing secret values in plaintext to the terminal; redirect to a file instead");
    }
    let mut out = Stdout::new();
    match args.format {
        FileFormat::Dotenv => {
            for (secret, value) in &secrets {
                let text = envvars::text_value(secret, value)?;
                out.write(secret.as_bytes())?;
                out.write(b"=")?;
                out.write(dotenv_value(text).as_bytes())?;
                out.write(b"\n")?;
            }
        }
        FileFormat::Json => {
            out.write(b"{")?;
            for (i, (secret, value)) in secrets.iter().enumerate() {
                let text = envvars::text_value(secret, value)?;
                out.write(if i == 0 { b"\n  " } else { b",\n  " })?;
                out.write(&json_string(secret))?; // names escape like values
                out.write(b": ")?;
                out.write(&json_string(text))?;
            }
            out.write(if secrets.is_empty() { b"}\n" } else { b"\n}\n" })?;
        }
    }
    out.flush()
}
