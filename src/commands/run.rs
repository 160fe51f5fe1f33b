//! `vault run [--only NAME...] [--prefix P] [--pristine] [--override] -- CMD`:
//! replaces the vault process with CMD (exec), its environment holding the
//! selected secrets. Being replaced, vault passes CMD's exit code and signals
//! through untouched.
//!
//! A secret never silently replaces a variable the caller set: that is an
//! error naming the variable unless `--override` is given (with
//! `--pristine` the environment starts empty, so nothing is replaced).

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::CommandExt;
use std::process::Command;

use crate::Context;
use crate::cli::RunArgs;
use crate::envvars;
use crate::error::{Error, Result};
use crate::name;
use crate::vault::Selection;

pub async fn run(args: RunArgs, ctx: &Context) -> Result<()> {
    let sel = Selection::from_parts(&args.only, &args.prefix)?;
    let mut vault = ctx.open_vault_to_read().await?;
    let secrets = vault.open_selected(&sel).await?;
    drop(vault); // close the connection before exec
    let vars = envvars::variables(secrets)?;
    envvars::check_dangerous(&vars, &sel.names, "vault run --only")?;
    for (var, secret, value) in &vars {
        envvars::check_no_nul(secret, value)?;
        if !args.pristine && !args.replace && std::env::var_os(var).is_some() {
            return Err(Error::conflict(format!(
                "{var} is already set in the environment; the secret {} would replace it",
                name::escape(secret)
            ))
            .hint(
                "pass --override to replace it, or unset it, or leave the secret out with --only/--prefix",
            ));
        }
    }
    let (program, rest) = args
        .command
        .split_first()
        .ok_or_else(|| Error::usage("no command given").hint("vault run -- CMD [ARGS...]"))?;
    let mut cmd = if args.pristine {
        // Look CMD up in the caller's PATH: the pristine environment has none.
        let mut c = Command::new(find_in_path(program).unwrap_or_else(|| program.into()));
        c.env_clear();
        c
    } else {
        Command::new(program)
    };
    cmd.args(rest);
    for (var, _, value) in &vars {
        cmd.env(var, OsStr::from_bytes(value));
    }
    ctx.report.verbose(format!(
        "running {} with {} secret(s) in its environment",
        program.to_string_lossy(),
        vars.len()
    ));
    // Only returns on failure.
    let e = cmd.exec();
    use std::io::ErrorKind as K;
    let hint = match e.kind() {
        K::NotFound => "check the command name and PATH",
        K::PermissionDenied => "check that the file is executable",
        _ => "check the command",
    };
    Err(Error::usage(format!("cannot run {}: {e}", program.to_string_lossy())).hint(hint))
}

/// The first executable file named `program` in the caller's PATH (a
/// program given with a '/' is used as it is).
fn find_in_path(program: &OsStr) -> Option<std::path::PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    if program.as_bytes().contains(&b'/') {
        return None;
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .filter(|dir| !dir.as_os_str().is_empty())
        .map(|dir| dir.join(program))
        .find(|p| std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0))
}
