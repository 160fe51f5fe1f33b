//! `vault whoami`: your recipient, your identity, and whether you are a member.

use serde::Serialize;

use crate::Context;
use crate::cli::WhoamiArgs;
use crate::error::{Error, Result};
use crate::members::timestamp;
use crate::name;
use crate::output::Stdout;

#[derive(Serialize)]
struct Json<'a> {
    member_line: &'a str,
    recipient: &'a str,
    verifying_key: String,
    fingerprint: String,
    identity: String,
    identity_type: &'static str,
    database: String,
    member: bool,
    name: Option<&'a str>,
    added_at: Option<String>,
    added_by: Option<&'a str>,
    added_by_name: Option<&'a str>,
    current_key: Option<String>,
    has_current_key: bool,
    plugin: Option<&'a str>,
    agent: Agent,
}

/// What the vault agent holds, as `whoami --json` says it.
#[derive(Serialize)]
struct Agent {
    /// `holds` (this identity), `other` (another identity file), `empty`,
    /// `not-running`, `off` (VAULT_AGENT=off), or `refused` (its socket or
    /// directory failed the ownership and mode checks).
    state: &'static str,
    expires_at: Option<String>,
    pid: Option<u32>,
}

fn agent_state(ctx: &Context, me: &crate::seal::Personal) -> (Agent, String) {
    use crate::agent::{Location, Probe, probe};
    let until = |t: i64| {
        chrono::DateTime::from_timestamp(t, 0)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_default()
    };
    if let Some((expires, pid)) = me.via_agent() {
        let at = until(expires);
        return (
            Agent {
                state: "holds",
                expires_at: Some(at.clone()),
                pid: Some(pid),
            },
            format!("holds this identity until {at} (pid {pid})"),
        );
    }
    let (state, expires_at, pid, text) = match probe(&Location::new(&ctx.paths)) {
        Ok(Probe::Off) => ("off", None, None, "off (VAULT_AGENT=off)".to_owned()),
        Ok(Probe::NotRunning) => (
            "not-running",
            None,
            None,
            "not running (`vault unlock` starts it)".to_owned(),
        ),
        Ok(Probe::Empty(pid)) => ("empty", None, Some(pid), format!("holds nothing (pid {pid})")),
        Ok(Probe::Holds(h, pid)) => (
            "other",
            Some(until(h.expires_at)),
            Some(pid),
            format!("holds another identity, {} (pid {pid})", h.path),
        ),
        Err(e) => ("refused", None, None, format!("refused: {}", e.message())),
    };
    (
        Agent {
            state,
            expires_at,
            pid,
        },
        text,
    )
}

pub async fn run(args: WhoamiArgs, ctx: &Context) -> Result<()> {
    let mut vault = ctx.open_vault().await?;
    let who = vault.whoami().await?;
    let (url, _) = ctx.database_url()?;
    let me = vault.me();
    // Paths and the URL come from files; shown like everything untrusted.
    let identity = name::terminal(&ctx.identity_path().display().to_string()).into_owned();
    let (agent, agent_text) = agent_state(ctx, me);
    let identity_kind = match me.plugin() {
        Some(p) => format!("{}, age-plugin-{p}", me.kind().describe()),
        None => me.kind().describe().to_owned(),
    };
    let mut out = Stdout::new();
    if args.json {
        let m = who.member.as_ref();
        let json = Json {
            member_line: &who.member_line,
            recipient: me.recipient(),
            verifying_key: me.verifying_key()?.to_string(),
            fingerprint: who.fingerprint.to_string(),
            identity,
            identity_type: me.kind().id(),
            database: url.to_string(),
            member: m.is_some(),
            name: m.map(|m| m.name.as_str()),
            added_at: m.and_then(|m| m.added_at.as_ref()).map(timestamp),
            added_by: m.and_then(|m| m.added_by.as_deref()),
            added_by_name: who.added_by_name.as_deref(),
            current_key: who.current_key.map(|k| k.to_string()),
            has_current_key: who.holds_current_key,
            plugin: me.plugin(),
            agent,
        };
        let text = serde_json::to_vec_pretty(&json).map_err(|e| Error::internal(e.to_string()))?;
        out.write(&name::json(text))?;
        out.write(b"\n")?;
        out.flush()?;
        return altered(&who);
    }
    // The first line is the member line: `vault whoami | head -1` is what
    // `vault member add` takes.
    let mut text = format!(
        "{}\nidentity: {identity} ({})\nvault:    {}\nfingerprint: {}\n",
        who.member_line,
        identity_kind,
        name::terminal(&url.to_string()),
        who.fingerprint
    );
    match &who.member {
        Some(m) => {
            let when = m.added_at.as_ref().map(timestamp).unwrap_or_default();
            let by = match (&m.added_by, &who.added_by_name) {
                (None, _) => " (founder)".to_owned(),
                (Some(_), Some(n)) => format!(" by {}", name::display(n)),
                (Some(r), None) => format!(
                    " by {} (removed)",
                    name::terminal(&crate::store::short_recipient(r))
                ),
            };
            text.push_str(&format!(
                "member:   {}, added {when}{by}\n",
                name::display(&m.name)
            ));
        }
        None => text.push_str(&format!(
            "member:   no; ask a member to run: vault member add {}\n",
            super::shell_quote(&who.member_line)
        )),
    }
    match (who.current_key, who.holds_current_key) {
        (Some(k), true) => text.push_str(&format!("access:   you hold the current vault key {k}\n")),
        (Some(k), false) => text.push_str(&format!(
            "access:   none; you hold no copy of the current vault key {k}\n"
        )),
        (None, _) => text.push_str("access:   none; this vault has no key yet\n"),
    }
    text.push_str(&format!("agent:    {}\n", name::terminal(&agent_text)));
    out.write(text.as_bytes())?;
    out.flush()?;
    altered(&who)
}

/// Exit 6, after printing, when the tables disagree with the verified log.
fn altered(who: &crate::members::WhoAmI) -> Result<()> {
    if who.altered.is_empty() {
        Ok(())
    } else {
        Err(crate::trusted::altered(who.altered.join("; ")))
    }
}
