//! `vault unlock` and `vault lock`: hand the identity to the vault agent,
//! and take it back.

use crate::Context;
use crate::agent::{self, Client, Location};
use crate::cli::UnlockArgs;
use crate::error::{Error, Result};
use crate::{name, passphrase, secure_fs};

pub fn unlock(args: UnlockArgs, ctx: &Context) -> Result<()> {
    if !agent::enabled()? {
        return Err(Error::usage(format!(
            "{}=off: the vault agent is disabled, so there is nothing to unlock",
            agent::MODE_VAR
        ))
        .hint(format!("unset {} to use the agent", agent::MODE_VAR)));
    }
    let path = ctx.identity_path();
    let shown = path.display().to_string();
    let file = secure_fs::read_private_file(&path, "identity file")?;
    if crate::seal::is_plugin_identity(&file) {
        return Err(Error::usage(format!(
            "{} is an age plugin identity: its plugin holds the key, so there is nothing to unlock",
            name::terminal(&shown)
        ))
        .hint("plugin identities ask for their PIN or touch through the plugin"));
    }
    // Asked here, on this terminal; the agent has none.
    let secret = if crate::seal::needs_passphrase(&file) {
        Some(passphrase::unlock(&shown)?)
    } else {
        None
    };
    let keep = args.duration.unwrap_or(agent::DEFAULT_FOR);
    let at = Location::new(&ctx.paths);
    let client = agent::connect_or_start(&at)?;
    let status = client.load(&shown, &file, secret.as_ref(), keep)?;
    let until = status
        .held
        .as_ref()
        .and_then(|h| chrono::DateTime::from_timestamp(h.expires_at, 0))
        .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_default();
    ctx.report.info(format!(
        "vault: {shown} unlocked until {until} (agent pid {}); `vault lock` forgets it sooner",
        status.pid
    ));
    Ok(())
}

pub fn lock(ctx: &Context) -> Result<()> {
    let at = Location::new(&ctx.paths);
    let Some(client) = Client::connect(&at)? else {
        ctx.report
            .info("vault: no agent is running; nothing was unlocked");
        return Ok(());
    };
    let held = client.status()?.held;
    client.lock()?;
    match held {
        Some(h) => ctx
            .report
            .info(format!("vault: the agent forgot {} and stopped", h.path)),
        None => ctx.report.info("vault: the agent held nothing; it stopped"),
    }
    Ok(())
}
