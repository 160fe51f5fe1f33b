//! `vault import FILE|-`: every entry of a dotenv file (or a JSON object of
//! strings) stored in one transaction, sealed in parallel. All or nothing: a
//! malformed line, an invalid name or a duplicate key stores nothing.
//!
//! A key becomes the secret name as written (`FOO_BAR=x` is the secret
//! `FOO_BAR`), with `--prefix` put in front (`--prefix app/` → `app/FOO_BAR`).

use std::path::Path;

use serde::de::{Deserializer, MapAccess, Visitor};
use zeroize::Zeroizing;

use crate::Context;
use crate::cli::{FileFormat, ImportArgs};
use crate::dotenv;
use crate::error::{Error, Result};
use crate::model::{PutItem, PutMode};
use crate::name;
use crate::secure_fs;
use crate::vault::Value;

/// Largest file accepted: 64 values of the maximum size.
const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;
/// First buffer size for input from a pipe.
const PIPE_GUESS: usize = 64 * 1024;

pub async fn run(args: ImportArgs, ctx: &Context) -> Result<()> {
    let Some(file) = args.file.clone() else {
        return super::import_supabase::run(args, ctx).await;
    };
    let what = if file == Path::new("-") {
        "stdin".to_owned()
    } else {
        file.display().to_string()
    };
    let bytes = read_input(&file, &what)?;
    let entries = match args.format {
        FileFormat::Dotenv => parse_dotenv(&bytes, &what)?,
        FileFormat::Json => parse_json(&bytes, &what)?,
    };
    let prefix = args.prefix.as_deref().unwrap_or("");
    let mut items = Vec::with_capacity(entries.len());
    let mut seen = std::collections::HashMap::new();
    for (key, line, value) in entries {
        let full = format!("{prefix}{key}");
        let name = name::new_name(&full).map_err(|e| {
            Error::usage(format!("{what}{}: {}", at(line), e.message()))
                .hint("fix the key (or --prefix); nothing was stored")
        })?;
        if let Some(first) = seen.insert(name.clone(), line) {
            return Err(Error::usage(format!(
                "{what}{}: {} is given more than once (first{})",
                at(line),
                name::escape(&name),
                at(first)
            ))
            .hint("keep one of them; nothing was stored"));
        }
        name::check_value(value.len()).map_err(|e| {
            Error::usage(format!("{what}{}: {}", at(line), e.message())).hint("nothing was stored")
        })?;
        items.push((
            PutItem {
                name,
                description: None,
            },
            value,
        ));
    }
    if items.is_empty() {
        ctx.report
            .info(format!("{what} holds no entries; nothing to import"));
        return Ok(());
    }
    let mode = if args.no_overwrite {
        PutMode::CreateOnly
    } else {
        PutMode::Upsert
    };
    let mut vault = ctx.open_vault().await?;
    let done = vault.put(items, mode, crate::history::Op::Import).await?;
    let created = done.iter().filter(|o| o.created).count();
    ctx.report.info(format!(
        "imported {} secret(s): {created} created, {} updated",
        done.len(),
        done.len() - created
    ));
    Ok(())
}

/// " line N", or nothing for formats without lines (JSON).
fn at(line: usize) -> String {
    if line == 0 {
        String::new()
    } else {
        format!(" line {line}")
    }
}

/// Reads the whole input into one buffer sized from the file's length (for a
/// pipe, grown by copying and wiping: see [`secure_fs::read_secret`]).
fn read_input(path: &Path, what: &str) -> Result<Zeroizing<Vec<u8>>> {
    let limit = MAX_FILE_BYTES + 1;
    let read = if path == Path::new("-") {
        let stdin = std::io::stdin();
        let expected = secure_fs::size_hint(&stdin, PIPE_GUESS);
        secure_fs::read_secret(stdin.lock(), expected.min(limit), limit)
    } else {
        let file = std::fs::File::open(path).map_err(|e| Error::io("read", path, &e))?;
        let expected = secure_fs::size_hint(&file, PIPE_GUESS);
        secure_fs::read_secret(file, expected.min(limit), limit)
    };
    let buf = read.map_err(|e| Error::usage(format!("cannot read {what}: {e}")).hint("check the file"))?;
    if buf.len() > MAX_FILE_BYTES {
        return Err(
            Error::usage(format!("{what} is larger than 64 MiB")).hint("split it; nothing was stored")
        );
    }
    Ok(buf)
}

type Parsed = Vec<(String, usize, Value)>;

fn parse_dotenv(bytes: &[u8], what: &str) -> Result<Parsed> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()].iter().filter(|&&b| b == b'\n').count() + 1;
        Error::usage(format!("{what} line {line}: not UTF-8 text")).hint("fix the file; nothing was stored")
    })?;
    let entries = dotenv::parse_dotenv(text).map_err(|e| {
        Error::usage(format!("{what} line {}: {}", e.line, e.message))
            .hint("fix the file; nothing was stored")
    })?;
    Ok(entries.into_iter().map(|e| (e.key, e.line, e.value)).collect())
}

/// A JSON object of strings, in file order, values kept in zeroizing buffers.
fn parse_json(bytes: &[u8], what: &str) -> Result<Parsed> {
    struct Entries;
    impl<'de> Visitor<'de> for Entries {
        type Value = Parsed;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an object of strings")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Parsed, A::Error> {
            let mut out = Vec::new();
            while let Some(key) = map.next_key::<String>()? {
                let value = Zeroizing::new(map.next_value::<String>()?);
                out.push((key, 0, Zeroizing::new(value.as_bytes().to_vec())));
            }
            Ok(out)
        }
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let parsed = de
        .deserialize_map(Entries)
        .and_then(|v| de.end().map(|()| v))
        .map_err(|e| {
            // serde_json's messages quote the offending token, never a whole value
            // of a well-formed string; still, keep only its position and class.
            let class = match e.classify() {
                serde_json::error::Category::Data => "expected an object whose values are strings",
                serde_json::error::Category::Eof => "unexpected end of input",
                _ => "invalid JSON",
            };
            Error::usage(format!("{what} line {}: {class}", e.line()))
                .hint("fix the file; nothing was stored")
        })?;
    Ok(parsed)
}
