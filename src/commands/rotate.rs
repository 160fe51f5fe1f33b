//! `vault rotate [--dry-run] [--json]`: a new vault key, every secret
//! re-sealed to it, the old key retired (see [`crate::rotate`]).

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;

use crate::Context;
use crate::cli::RotateArgs;
use crate::error::{Error, Result};
use crate::name;
use crate::output::{Reporter, Stdout};
use crate::rotate::{self, Progress, RotateOptions, RotateSummary};

#[derive(Serialize)]
struct JsonSummary<'a> {
    old_key: Option<String>,
    new_key: Option<String>,
    moved: u64,
    /// Earlier versions re-sealed too.
    versions_moved: u64,
    failed: &'a [String],
    resumed: bool,
    retired: Vec<String>,
    dry_run: bool,
}

/// How a rotation shows its progress: a bar on a terminal (not with `-q`,
/// not when stderr is piped), and one line per batch with `-v`.
pub(crate) struct Shown {
    bar: ProgressBar,
    report: Reporter,
}

impl Shown {
    pub(crate) fn new(report: Reporter) -> Shown {
        let bar = if !report.quiet && std::io::stderr().is_terminal() {
            let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
            if let Ok(style) =
                ProgressStyle::with_template("re-sealing {bar:30} {pos}/{len} secrets, {eta} left")
            {
                bar.set_style(style);
            }
            bar
        } else {
            ProgressBar::hidden()
        };
        Shown { bar, report }
    }
}

impl Progress for Shown {
    fn start(&self, total: u64) {
        self.bar.set_length(total);
    }

    fn batch(&self, seen: usize, moved: u64, took: Duration) {
        self.report.verbose(format!(
            "re-sealed a batch of {seen} secrets ({moved} moved) in {took:.0?}"
        ));
        self.bar.inc(seen as u64);
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }

    fn note(&self, line: &str) {
        self.report.info(line);
    }
}

pub async fn run(args: RotateArgs, ctx: &Context) -> Result<()> {
    let mut vault = ctx.open_vault().await?;
    let opts = RotateOptions {
        dry_run: args.dry_run,
        force_new_key: false,
        batch: ctx.knobs.rotate_batch,
    };
    let s = rotate::rotate(&mut vault, &opts, &Shown::new(ctx.report)).await?;
    if args.json {
        let json = JsonSummary {
            old_key: s.old_key.map(|k| k.to_string()),
            new_key: s.new_key.map(|k| k.to_string()),
            moved: s.moved,
            versions_moved: s.versions_moved,
            failed: &s.skipped_bad,
            resumed: s.resumed,
            retired: s.retired.iter().map(|k| k.to_string()).collect(),
            dry_run: s.dry_run,
        };
        // Names of failed rows come from the database: escaped like every
        // other JSON output (Cf, Zl, Zp as \u escapes too).
        let mut text = name::json(serde_json::to_vec(&json).map_err(|e| Error::internal(e.to_string()))?);
        text.push(b'\n');
        let mut out = Stdout::new();
        out.write(&text)?;
        out.flush()?;
    } else if s.dry_run {
        let mut out = Stdout::new();
        out.write(dry_run_text(&s).as_bytes())?;
        out.flush()?;
    } else {
        for line in summary_lines(&s) {
            ctx.report.info(line);
        }
    }
    outcome(&s)
}

fn key(k: Option<uuid::Uuid>) -> String {
    k.map(|k| k.to_string()).unwrap_or_else(|| "-".into())
}

fn secrets(n: u64) -> String {
    if n == 1 {
        "1 secret".into()
    } else {
        format!("{n} secrets")
    }
}

/// "N secrets", and the earlier versions beside them when there are any.
fn values(s: &RotateSummary) -> String {
    match s.versions_moved {
        0 => secrets(s.moved),
        1 => format!("{} (and 1 earlier version)", secrets(s.moved)),
        n => format!("{} (and {n} earlier versions)", secrets(s.moved)),
    }
}

fn dry_run_text(s: &RotateSummary) -> String {
    let current = key(s.current_before);
    if s.nothing_to_do {
        return format!("nothing to rotate: the vault holds no secrets (key {current} stays current)\n");
    }
    if s.resumed {
        return format!(
            "an interrupted rotation would be resumed: {} under key {} would be re-sealed to the current key {current}, then the old key retired\n",
            values(s),
            key(s.old_key)
        );
    }
    format!(
        "current key: {current}\nwould re-seal {} to a new key and retire key {current}\nthe new key would be granted to: {}\n",
        values(s),
        s.members.join(", ")
    )
}

fn summary_lines(s: &RotateSummary) -> Vec<String> {
    if s.nothing_to_do {
        return vec![format!(
            "nothing to rotate: the vault holds no secrets (key {} stays current)",
            key(s.current_before)
        )];
    }
    let mut lines = Vec::new();
    let resumed = if s.resumed {
        "resumed an interrupted rotation: "
    } else {
        ""
    };
    lines.push(format!(
        "{resumed}rotated {} from key {} to key {}",
        values(s),
        key(s.old_key),
        key(s.new_key)
    ));
    for k in &s.retired {
        lines.push(format!("retired key {k}"));
    }
    lines
}

/// Exit 6 when rows were left behind because they failed verification.
fn outcome(s: &RotateSummary) -> Result<()> {
    if !s.dry_run && s.still_retiring.is_empty() && !s.altered.is_empty() {
        return Err(crate::trusted::altered_rows(&s.altered));
    }
    if s.dry_run || s.still_retiring.is_empty() {
        return Ok(());
    }
    let kept: Vec<String> = s.still_retiring.iter().map(|k| k.to_string()).collect();
    if s.skipped_bad.is_empty() {
        return Err(Error::conflict(format!(
            "secrets were still being sealed to key {} after the switch; it stays 'retiring'",
            kept.join(", ")
        ))
        .hint("run `vault rotate` again"));
    }
    const SHOWN: usize = 10;
    let mut names: Vec<String> = s
        .skipped_bad
        .iter()
        .take(SHOWN)
        .map(|n| name::escape(n))
        .collect();
    if s.skipped_bad.len() > SHOWN {
        names.push(format!("and {} more", s.skipped_bad.len() - SHOWN));
    }
    Err(Error::integrity(format!(
        "{} failed verification and {} left exactly as {} under key {}, which stays 'retiring': {}",
        secrets(s.skipped_bad.len() as u64),
        if s.skipped_bad.len() == 1 { "was" } else { "were" },
        if s.skipped_bad.len() == 1 { "it was" } else { "they were" },
        kept.join(", "),
        names.join(", ")
    ))
    .hint("check each with `vault get NAME`, put its value again or `vault rm` it, then run `vault rotate` again"))
}
