//! `vault member add|ls|rm`: who may open the vault.

use std::collections::HashMap;

use comfy_table::{ContentArrangement, Table, presets};
use serde::Serialize;

use crate::Context;
use crate::cli::{MemberAddArgs, MemberCommand, MemberLsArgs, MemberRmArgs};
use crate::error::{Error, Result};
use crate::members::timestamp;
use crate::name;
use crate::output::Stdout;
use crate::store::short_recipient;

pub async fn run(command: MemberCommand, ctx: &Context) -> Result<()> {
    match command {
        MemberCommand::Add(args) => add(args, ctx).await,
        MemberCommand::Ls(args) => ls(args, ctx).await,
        MemberCommand::Rm(args) => rm(args, ctx).await,
    }
}

async fn add(args: MemberAddArgs, ctx: &Context) -> Result<()> {
    // Check the input before asking for a passphrase or connecting.
    crate::trust::MemberLine::parse(&args.recipient)?;
    if let Some(n) = &args.name {
        name::member(n)?;
    }
    let mut vault = ctx.open_vault().await?;
    let added = vault.add_member(&args.recipient, args.name.as_deref()).await?;
    let keys: Vec<String> = added.granted.iter().map(|k| k.to_string()).collect();
    ctx.report.info(format!(
        "added {} ({}); granted vault key {}",
        name::display(&added.member.name),
        name::terminal(&short_recipient(&added.member.recipient)),
        keys.join(" and retiring key ")
    ));
    for k in &added.skipped {
        ctx.report.warn(format!(
            "you hold no copy of retiring key {k}, so {} cannot read secrets not yet moved off it until the rotation finishes (`vault rotate`)",
            name::display(&added.member.name)
        ));
    }
    Ok(())
}

#[derive(Serialize)]
struct JsonMember<'a> {
    name: &'a str,
    recipient: &'a str,
    added_at: Option<String>,
    added_by: Option<&'a str>,
    added_by_name: Option<&'a str>,
    has_current_key: bool,
}

async fn ls(args: MemberLsArgs, ctx: &Context) -> Result<()> {
    let mut index = ctx.open_index_to_read().await?;
    let (members, altered) = index.members().await?;
    let names: HashMap<&str, &str> = members
        .iter()
        .map(|m| (m.member.recipient.as_str(), m.member.name.as_str()))
        .collect();
    let mut out = Stdout::new();
    if args.json {
        let list: Vec<JsonMember<'_>> = members
            .iter()
            .map(|m| JsonMember {
                name: &m.member.name,
                recipient: &m.member.recipient,
                added_at: m.member.added_at.as_ref().map(timestamp),
                added_by: m.member.added_by.as_deref(),
                added_by_name: m.member.added_by.as_deref().and_then(|r| names.get(r).copied()),
                has_current_key: m.has_current_key,
            })
            .collect();
        let json = serde_json::to_vec_pretty(&list).map_err(|e| Error::internal(e.to_string()))?;
        out.write(&name::json(json))?;
        out.write(b"\n")?;
        out.flush()?;
        if !altered.is_empty() {
            return Err(crate::trusted::altered(altered.join("; ")));
        }
        return Ok(());
    }
    let added_by = |by: Option<&str>| match by {
        None => "-".to_owned(),
        Some(r) => names
            .get(r)
            .map(|n| name::display(n))
            .unwrap_or_else(|| format!("{} (removed)", name::terminal(&short_recipient(r)))),
    };
    let added_at = |m: &crate::model::MemberRecord| m.added_at.as_ref().map(timestamp).unwrap_or_default();
    if Stdout::is_terminal() {
        let mut table = Table::new();
        table
            .load_style(presets::UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_header(["NAME", "RECIPIENT", "ADDED", "ADDED BY", "KEY"]);
        for m in &members {
            table.add_row([
                name::display(&m.member.name),
                name::terminal(&short_recipient(&m.member.recipient)).into_owned(),
                added_at(&m.member),
                added_by(m.member.added_by.as_deref()),
                if m.has_current_key { "current" } else { "none" }.to_owned(),
            ]);
        }
        out.write(format!("{table}\n").as_bytes())?;
    } else {
        // Piped: one member per line, tab-separated, full recipients.
        for m in &members {
            let line = format!(
                "{}\t{}\t{}\t{}\n",
                name::display(&m.member.name),
                name::terminal(&m.member.recipient),
                added_at(&m.member),
                added_by(m.member.added_by.as_deref())
            );
            out.write(line.as_bytes())?;
        }
    }
    out.flush()?;
    if !altered.is_empty() {
        return Err(crate::trusted::altered(altered.join("; ")));
    }
    Ok(())
}

async fn rm(args: MemberRmArgs, ctx: &Context) -> Result<()> {
    let mut vault = ctx.open_vault().await?;
    let shown_progress = super::rotate::Shown::new(ctx.report);
    let rotation = (!args.no_rotate).then_some((
        ctx.knobs.rotate_batch,
        &shown_progress as &dyn crate::rotate::Progress,
    ));
    let removed = vault.remove_member(&args.member, rotation).await?;
    let shown = format!(
        "{} ({})",
        name::display(&removed.member.name),
        name::terminal(&removed.member.recipient)
    );
    let Some(summary) = removed.rotation else {
        ctx.report.info(format!("removed {shown}"));
        ctx.report.warn(format!(
            "the vault key was not rotated: {shown} may still hold a copy of it and read every \
             existing and future value they can get the ciphertext of; run `vault rotate` soon"
        ));
        return Ok(());
    };
    ctx.report.info(format!("removed {shown}"));
    ctx.report.info(format!(
        "vault key is now {}; {} secret(s) re-sealed",
        summary.new_key.map(|k| k.to_string()).unwrap_or_default(),
        summary.moved
    ));
    Ok(())
}
