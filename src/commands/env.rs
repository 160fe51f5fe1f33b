//! `vault env [NAME|PREFIX/...]`: secrets as environment variables, printed
//! for `eval`, for a dotenv file, or as JSON. Names map to variables by
//! [`envvars::var_name`]; two secrets mapping to one variable is an error.

use crate::Context;
use crate::cli::{EnvArgs, EnvFormat};
use crate::dotenv::{self, dotenv_value};
use crate::envvars::{self, fish_quote, json_string, shell_quote};
use crate::error::Result;
use crate::output::Stdout;
use crate::vault::Selection;

pub async fn run(args: EnvArgs, ctx: &Context) -> Result<()> {
    let sel = Selection::from_selectors(&args.select)?;
    let mut vault = ctx.open_vault_to_read().await?;
    let secrets = vault.open_selected(&sel).await?;
    drop(vault);
    let vars = envvars::variables(secrets)?;
    envvars::check_dangerous(&vars, &sel.names, "vault env")?;
    // Check every value before printing anything: all or nothing.
    for (_, secret, value) in &vars {
        let text = envvars::text_value(secret, value)?;
        if args.format == EnvFormat::Dotenv {
            dotenv::check_dotenv_value(secret, text)?;
        }
    }
    let mut out = Stdout::new();
    if args.format == EnvFormat::Json {
        out.write(b"{")?;
    }
    for (i, (var, secret, value)) in vars.iter().enumerate() {
        let text = envvars::text_value(secret, value)?;
        match args.format {
            EnvFormat::Shell => {
                out.write(format!("export {var}=").as_bytes())?;
                out.write(shell_quote(text).as_bytes())?;
                out.write(b"\n")?;
            }
            EnvFormat::Fish => {
                out.write(format!("set -gx {var} ").as_bytes())?;
                out.write(fish_quote(text).as_bytes())?;
                out.write(b"\n")?;
            }
            EnvFormat::Dotenv => {
                out.write(format!("{var}=").as_bytes())?;
                out.write(dotenv_value(text).as_bytes())?;
                out.write(b"\n")?;
            }
            EnvFormat::Json => {
                let sep = if i == 0 { "\n  " } else { ",\n  " };
                out.write(format!("{sep}\"{var}\": ").as_bytes())?;
                out.write(&json_string(text))?;
            }
        }
    }
    if args.format == EnvFormat::Json {
        out.write(if vars.is_empty() { b"}\n" } else { b"\n}\n" })?;
    }
    out.flush()
}
