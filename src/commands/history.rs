//! `vault history NAME`, `vault restore NAME`, `vault mv`, `vault cp` and
//! `vault log`: versions and who wrote them. Never values.
//!
//! Output follows `ls`: a table on a terminal, tab-separated lines when
//! piped, `--json` for scripts. Versions the database altered are listed
//! as refused and the command then exits 6 naming them.

use comfy_table::{ContentArrangement, Table, presets};
use serde_json::{Value as Json, json};

use crate::Context;
use crate::cli::{HistoryArgs, LogArgs, RestoreArgs};
use crate::error::{Error, Result};
use crate::history::Author;
use crate::name;
use crate::output::Stdout;
use crate::versions::{HistoryEntry, LogEvent};

fn when(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_else(|| "-".into())
}

/// verified | not-a-member | unknown-author | unsigned | refused
fn status(e: &HistoryEntry) -> &'static str {
    if e.problem.is_some() {
        return "refused";
    }
    match &e.author {
        Author::Verified { .. } => "verified",
        Author::NotMember { .. } => "not-a-member",
        Author::Unknown { .. } => "unknown-author",
        Author::Unsigned => "unsigned",
    }
}

/// A recipient cut for a table: an age recipient to its start and end,
/// an SSH key to its type and end.
fn brief(recipient: &str) -> String {
    let chars: Vec<char> = recipient.chars().collect();
    if !recipient.contains(' ') && chars.len() > 20 {
        let head: String = chars[..9].iter().collect();
        let tail: String = chars[chars.len() - 6..].iter().collect();
        format!("{head}…{tail}")
    } else {
        crate::store::short_recipient(recipient)
    }
}

/// The author as a table shows it: name and short recipient.
fn by(a: &Author) -> String {
    match a {
        Author::Verified { name, recipient } | Author::NotMember { name, recipient } => {
            format!("{} ({})", name::terminal(name), name::terminal(&brief(recipient)))
        }
        Author::Unknown { recipient } => {
            format!("({})", name::terminal(&brief(recipient)))
        }
        Author::Unsigned => "-".into(),
    }
}

/// What the write was, in words: `restore of v3`, `cp from …`.
fn what(e: &HistoryEntry) -> String {
    let op = e.op.map(|o| o.as_str()).unwrap_or("-");
    let mut s = match (e.op, e.from) {
        (Some(crate::history::Op::Restore), Some((_, v))) => format!("{op} of v{v}"),
        (Some(crate::history::Op::Cp), Some((id, v))) => format!("{op} of {} v{v}", &id.to_string()[..8]),
        (Some(crate::history::Op::Mv), Some((_, v))) => format!("{op} of v{v}"),
        _ => op.to_owned(),
    };
    if let Some(w) = &e.written_as {
        s.push_str(&format!(" (as {})", name::terminal(w)));
    }
    s
}

fn entry_json(e: &HistoryEntry) -> Json {
    json!({
        "version": e.version,
        "time": when(e.time),
        "op": e.op.map(|o| o.as_str()),
        "author": e.author.name(),
        "recipient": e.author.recipient(),
        "verified": e.author.verified() && e.problem.is_none(),
        "status": status(e),
        "key_id": e.key_id.map(|k| k.to_string()),
        "current": e.current,
        "from": e.from.map(|(id, v)| json!({"secret_id": id.to_string(), "version": v})),
        "written_as": e.written_as,
        "problem": e.problem,
    })
}

fn key8(k: Option<uuid::Uuid>) -> String {
    k.map(|k| k.to_string()[..8].to_owned())
        .unwrap_or_else(|| "-".into())
}

fn new_table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table
        .load_style(presets::UTF8_FULL_CONDENSED)
        .set_header(header.to_vec());
    let wrap = matches!(table.width(), Some(w) if w >= 40);
    table.set_content_arrangement(if wrap {
        ContentArrangement::Dynamic
    } else {
        ContentArrangement::Disabled
    });
    table
}

/// The exit-6 error naming every refused version, after the listing.
fn refused(problems: &[String]) -> Result<()> {
    if problems.is_empty() {
        return Ok(());
    }
    Err(Error::integrity(format!(
        "{} version(s) were refused: {}",
        problems.len(),
        problems.join("; ")
    ))
    .hint("they were altered in the database; restore the versions table from a trusted backup"))
}

pub async fn run(args: HistoryArgs, ctx: &Context) -> Result<()> {
    let shown = name::canonical(&args.name)?;
    let mut index = ctx.open_index_to_read().await?;
    let h = index.history(&shown).await?;
    let mut out = Stdout::new();
    if args.json {
        let list: Vec<Json> = h.entries.iter().map(entry_json).collect();
        let text = serde_json::to_vec_pretty(&list).map_err(|e| Error::internal(e.to_string()))?;
        out.write(&name::json(text))?;
        out.write(b"\n")?;
    } else if Stdout::is_terminal() {
        if !h.live {
            let at = h.removed_at.map(when).unwrap_or_default();
            ctx.report.info(format!(
                "{} was removed {at}; `vault restore {}` brings it back",
                name::display(&shown),
                name::display(&shown)
            ));
        }
        let mut table = new_table(&["VERSION", "WHEN", "BY", "SIGNATURE", "KEY", "WHAT"]);
        for e in &h.entries {
            let v = if e.current {
                format!("{} (current)", e.version)
            } else {
                e.version.to_string()
            };
            table.add_row([
                v,
                when(e.time),
                by(&e.author),
                status(e).to_owned(),
                key8(e.key_id),
                what(e),
            ]);
        }
        out.write(format!("{table}\n").as_bytes())?;
    } else {
        for e in &h.entries {
            let line = format!(
                "{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
                e.version,
                when(e.time),
                e.op.map(|o| o.as_str()).unwrap_or("-"),
                e.author
                    .name()
                    .map(|n| name::terminal(n).into_owned())
                    .unwrap_or_else(|| "-".into()),
                e.author
                    .recipient()
                    .map(|r| name::terminal(r).into_owned())
                    .unwrap_or_else(|| "-".into()),
                status(e),
                e.key_id.map(|k| k.to_string()).unwrap_or_else(|| "-".into()),
            );
            out.write(line.as_bytes())?;
        }
    }
    out.flush()?;
    refused(&h.problems())
}

pub async fn restore(args: RestoreArgs, ctx: &Context) -> Result<()> {
    let shown = name::canonical(&args.name)?;
    let mut vault = ctx.open_vault().await?;
    let done = vault.restore(&shown, args.version).await?;
    if args.json {
        let obj = json!({
            "name": done.name,
            "version": done.version,
            "restored_from": done.from_version,
            "revived": done.revived,
        });
        let mut out = Stdout::new();
        out.write(&name::json(obj.to_string().into_bytes()))?;
        out.write(b"\n")?;
        return out.flush();
    }
    let verb = if done.revived { "brought back" } else { "restored" };
    ctx.report.info(format!(
        "{verb} {}: version {} is the value of version {}",
        name::display(&done.name),
        done.version,
        done.from_version
    ));
    Ok(())
}

pub async fn mv(from: String, to: String, copy: bool, ctx: &Context) -> Result<()> {
    let from = name::canonical(&from)?;
    let to = name::new_name(&to)?;
    let mut vault = ctx.open_vault().await?;
    let done = vault.move_or_copy(&from, &to, copy).await?;
    let verb = if copy { "copied" } else { "moved" };
    ctx.report.info(format!(
        "{verb} {} to {} (version {})",
        name::display(&from),
        name::display(&done.name),
        done.version
    ));
    Ok(())
}

fn event_json(e: &LogEvent) -> Json {
    match e {
        LogEvent::Entry {
            seq,
            time,
            author,
            what,
        } => json!({
            "time": when(*time),
            "kind": "membership",
            "seq": seq,
            "author": author.0,
            "recipient": author.1,
            "what": what,
        }),
        LogEvent::Write { secret, entry } => {
            let mut obj = entry_json(entry);
            obj["kind"] = json!("write");
            obj["secret"] = json!(secret);
            obj
        }
        LogEvent::Removed { secret, time } => json!({
            "time": when(*time),
            "kind": "removed",
            "secret": secret,
        }),
    }
}

pub async fn log(args: LogArgs, ctx: &Context) -> Result<()> {
    let only = args.name.as_deref().map(name::canonical).transpose()?;
    let mut index = ctx.open_index_to_read().await?;
    let (events, problems) = index.log(only.as_deref(), args.limit).await?;
    let mut out = Stdout::new();
    if args.json {
        let list: Vec<Json> = events.iter().map(event_json).collect();
        let text = serde_json::to_vec_pretty(&list).map_err(|e| Error::internal(e.to_string()))?;
        out.write(&name::json(text))?;
        out.write(b"\n")?;
    } else {
        let rows: Vec<[String; 4]> = events
            .iter()
            .map(|e| match e {
                LogEvent::Entry {
                    seq,
                    time,
                    author,
                    what,
                } => [
                    when(*time),
                    format!(
                        "{} ({})",
                        name::terminal(&author.0),
                        name::terminal(&brief(&author.1))
                    ),
                    format!("signed (log #{seq})"),
                    what.clone(),
                ],
                LogEvent::Write { secret, entry } => [
                    when(entry.time),
                    by(&entry.author),
                    status(entry).to_owned(),
                    format!("{} v{}: {}", name::terminal(secret), entry.version, what(entry)),
                ],
                LogEvent::Removed { secret, time } => [
                    when(*time),
                    "-".into(),
                    "unsigned".into(),
                    format!("rm {}", name::terminal(secret)),
                ],
            })
            .collect();
        if Stdout::is_terminal() {
            let mut table = new_table(&["WHEN", "WHO", "SIGNATURE", "WHAT"]);
            for r in rows {
                table.add_row(r);
            }
            out.write(format!("{table}\n").as_bytes())?;
        } else {
            for r in rows {
                out.write(format!("{}\n", r.join("\t")).as_bytes())?;
            }
        }
    }
    out.flush()?;
    refused(&problems)
}
