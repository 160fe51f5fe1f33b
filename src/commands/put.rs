//! `vault put NAME`: store a value read from a file, a pipe, or a silent prompt.
//!
//! The value never comes from the command line, where `ps` and shell history
//! would see it.

use std::io::{IsTerminal, Read};
use std::path::Path;

use zeroize::Zeroizing;

use crate::Context;
use crate::cli::PutArgs;
use crate::envvars::json_string;
use crate::error::{Error, Result};
use crate::generate;
use crate::history::Op;
use crate::model::{PutItem, PutMode};
use crate::name::{self, MAX_VALUE_BYTES};
use crate::output::Stdout;
use crate::secure_fs;
use crate::vault::Value;

pub async fn run(args: PutArgs, ctx: &Context) -> Result<()> {
    let name = name::new_name(&args.name)?;
    if let Some(d) = &args.description {
        name::check_description(d)?;
    }
    // The identity is checked before anyone types a value; the value is read
    // before connecting, so a prompt does not hold a connection open.
    let me = ctx.load_identity()?;
    let value = if args.generate {
        generate::generate(args.length as usize, charset(args.charset))?
    } else {
        read_value(&name, args.file.as_deref())?
    };
    name::check_value(value.len())?;
    let mut vault = ctx.open_vault_as(me).await?;
    let mode = match (args.no_overwrite, args.if_version) {
        (_, Some(v)) => PutMode::IfVersion(v),
        (true, None) => PutMode::CreateOnly,
        (false, None) => PutMode::Upsert,
    };
    let op = if args.generate { Op::Generate } else { Op::Put };
    let item = PutItem {
        name: name.clone(),
        description: args.description,
    };
    // Kept for --print; the stored copy is consumed by the put.
    let printed = args.print.then(|| value.clone());
    let done = vault.put(vec![(item, value)], mode, op).await?;
    let mut out = Stdout::new();
    for o in &done {
        let verb = if o.created { "created" } else { "updated" };
        if args.json {
            // Sized up front: growing would free an unwiped copy of the value.
            let value_json = printed.as_ref().map(|v| json_string(&String::from_utf8_lossy(v)));
            let room = 256 + o.name.len() * 6 + value_json.as_ref().map_or(0, |j| j.len());
            let mut obj = Zeroizing::new(Vec::with_capacity(room));
            obj.extend_from_slice(b"{\"name\":");
            obj.extend_from_slice(serde_json::to_string(&o.name).unwrap_or_default().as_bytes());
            obj.extend_from_slice(
                format!(
                    ",\"id\":\"{}\",\"action\":\"{verb}\",\"key_id\":\"{}\",\"version\":{}",
                    o.id, o.key_id, o.version
                )
                .as_bytes(),
            );
            if let Some(v) = &value_json {
                // Generated values are ASCII.
                obj.extend_from_slice(b",\"value\":");
                obj.extend_from_slice(v);
            }
            obj.extend_from_slice(b"}\n");
            out.write_value(&obj)?;
        } else {
            ctx.report.info(format!(
                "{verb} {} (version {})",
                name::display(&o.name),
                o.version
            ));
            if let Some(v) = &printed {
                out.write_value(v)?;
                out.write(b"\n")?;
            }
        }
    }
    out.flush()
}

/// The value from `--file`, else stdin when it is not a terminal, else a
/// prompt (asked twice, no echo).
pub fn read_value(name: &str, file: Option<&Path>) -> Result<Value> {
    match file {
        Some(p) if p == Path::new("-") => read_stdin(),
        Some(p) => {
            let f = std::fs::File::open(p).map_err(|e| Error::io("read", p, &e))?;
            let expected = secure_fs::size_hint(&f, PIPE_GUESS);
            read_limited(f, expected, &p.display().to_string())
        }
        None if !std::io::stdin().is_terminal() => read_stdin(),
        None => prompt_twice(name),
    }
}

/// First buffer size for a value from a pipe; a longer one is grown by
/// copying and wiping (see [`secure_fs::read_secret`]).
const PIPE_GUESS: usize = 16 * 1024;

fn read_stdin() -> Result<Value> {
    let stdin = std::io::stdin();
    let expected = secure_fs::size_hint(&stdin, PIPE_GUESS);
    read_limited(stdin.lock(), expected, "stdin")
}

/// Reads to EOF, byte-exact, into a buffer sized for `expected` bytes,
/// refusing more than the value limit without reading the rest.
fn read_limited(r: impl Read, expected: usize, what: &str) -> Result<Value> {
    let limit = MAX_VALUE_BYTES + 1;
    let buf = secure_fs::read_secret(r, expected.min(limit), limit).map_err(|e| {
        Error::usage(format!("cannot read the value from {what}: {e}")).hint("check the input")
    })?;
    name::check_value(buf.len())?;
    Ok(buf)
}

fn prompt_twice(name: &str) -> Result<Value> {
    let shown = name::display(name);
    let ask = |prompt: String| {
        rpassword::prompt_password(prompt)
            .map(Zeroizing::new)
            .map_err(|e| {
                Error::usage(format!("cannot read the value from the terminal: {e}"))
                    .hint("pipe the value on stdin or use --file")
            })
    };
    let first = ask(format!("Value for {shown}: "))?;
    let second = ask("Again, to confirm: ".to_owned())?;
    if *first != *second {
        return Err(Error::usage("the two values differ; nothing was stored").hint("run the command again"));
    }
    if first.is_empty() {
        return Err(Error::usage("the value is empty; nothing was stored")
            .hint("type a value, or pipe an empty one on stdin if you mean it"));
    }
    Ok(Zeroizing::new(first.as_bytes().to_vec()))
}

/// The command line's charset names, as the generator's own type.
fn charset(c: crate::cli::Charset) -> generate::Charset {
    use crate::cli::Charset as Arg;
    match c {
        Arg::Alnum => generate::Charset::Alnum,
        Arg::Ascii => generate::Charset::Ascii,
        Arg::Hex => generate::Charset::Hex,
        Arg::Base64 => generate::Charset::Base64,
    }
}
