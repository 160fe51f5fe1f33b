//! `vault ls`: names and metadata, never values.
//!
//! Piped output is one name per line, streamed as rows arrive (so a vault of
//! 100,000 names lists in constant memory); a terminal gets a table; `--json`
//! streams an array of objects.

use comfy_table::{ContentArrangement, Table, presets};
use serde::Serialize;

use crate::Context;
use crate::cli::LsArgs;
use crate::error::{Error, Result};
use crate::model::Meta;
use crate::name;
use crate::output::Stdout;

#[derive(Serialize)]
struct JsonMeta<'a> {
    id: String,
    name: Option<&'a str>,
    description: &'a str,
    key_id: Option<String>,
    created_at: String,
    updated_at: String,
}

fn rfc3339(t: &chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

pub async fn run(args: LsArgs, ctx: &Context) -> Result<()> {
    let prefix = args.prefix.as_deref().map(crate::vault::prefix);
    let prefix = prefix.as_deref().filter(|p| !p.is_empty());
    let mut index = ctx.open_index_to_read().await?;
    let mut out = Stdout::new();
    if args.json {
        let mut first = true;
        out.write(b"[")?;
        index
            .list(prefix, &mut |m: Meta| {
                let obj = JsonMeta {
                    id: m.id.to_string(),
                    name: m.name.as_deref(),
                    description: &m.description,
                    key_id: m.key_id.map(|k| k.to_string()),
                    created_at: rfc3339(&m.created_at),
                    updated_at: rfc3339(&m.updated_at),
                };
                let json = serde_json::to_vec(&obj).map_err(|e| Error::internal(e.to_string()))?;
                let json = name::json(json);
                out.write(if first { b"\n  " } else { b",\n  " })?;
                first = false;
                out.write(&json)
            })
            .await?;
        out.write(if first { b"]\n" } else { b"\n]\n" })?;
    } else if Stdout::is_terminal() {
        let mut table = Table::new();
        table
            .load_style(presets::UTF8_FULL_CONDENSED)
            .set_header(["NAME", "DESCRIPTION", "KEY", "UPDATED"]);
        // Wrap to the terminal only when its width is known and sensible; a
        // pseudo-terminal without a size reports 0 and would squash every column.
        let wrap = matches!(table.width(), Some(w) if w >= 40);
        table.set_content_arrangement(if wrap {
            ContentArrangement::Dynamic
        } else {
            ContentArrangement::Disabled
        });
        let mut count = 0usize;
        index
            .list(prefix, &mut |m: Meta| {
                count += 1;
                let key = m
                    .key_id
                    .map(|k| k.to_string()[..8].to_owned())
                    .unwrap_or_else(|| "-".into());
                table.add_row([
                    m.name
                        .as_deref()
                        .map(name::display)
                        .unwrap_or_else(|| "(no name)".into()),
                    name::terminal(&m.description).into_owned(),
                    key,
                    m.updated_at.format("%Y-%m-%d %H:%M UTC").to_string(),
                ]);
                Ok(())
            })
            .await?;
        if count == 0 {
            ctx.report.info("no secrets yet; add one with `vault put NAME`");
        } else {
            out.write(format!("{table}\n").as_bytes())?;
        }
    } else {
        // Names only: one column streamed, nothing else decoded.
        index
            .list_names(prefix, &mut |n: &str| {
                out.write(name::shown(n).as_bytes())?;
                out.write(b"\n")
            })
            .await?;
    }
    out.flush()
}
