//! `vault import FILE|-`: every entry of a dotenv file (or a JSON object of
//! strings) stored in one transaction, sealed in parallel. All or nothing: a
//! malformed line, an invalid name or a duplicate key stores nothing.
//!
//! A key becomes the secret name as written (`FOO_BAR=x` is the secret
//! `FOO_BAR`), with `--prefix` put in front (`--prefix app/` → `app/FOO_BAR`).

use std::path::Path;

use serde::de::{Deserializer, MapAccess, Visitor};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::Context;
use crate::cli::{FileFormat, ImportArgs};
use crate::dotenv::{self, Entry};
use crate::error::{Error, Result};
use crate::model::{PutItem, PutMode};
use crate::name;
use crate::secure_fs;
use crate::vault::Value;

/// Largest JSON input accepted (JSON is parsed whole): 64 values of the
/// maximum size. dotenv input streams and has no limit.
const MAX_JSON_BYTES: usize = 64 * 1024 * 1024;
/// First buffer size for input from a pipe.
const PIPE_GUESS: usize = 64 * 1024;
/// Entries sealed and written at a time: enough that per-statement costs
/// vanish, few enough that a chunk's buffers stay a few MiB.
const CHUNK_ENTRIES: usize = 512;
/// A chunk also ends once its values reach this many bytes (values may be
/// up to 1 MiB each).
const CHUNK_BYTES: usize = 4 * 1024 * 1024;
/// The longest text one dotenv entry may take: a 1 MiB value written with
/// escapes, plus room for its key and comment.
const MAX_ENTRY_TEXT: usize = 4 * 1024 * 1024;

pub async fn run(args: ImportArgs, ctx: &Context) -> Result<()> {
    let Some(file) = args.file.clone() else {
        return super::import_supabase::run(args, ctx).await;
    };
    let what = if file == Path::new("-") {
        "stdin".to_owned()
    } else {
        file.display().to_string()
    };
    let input: Box<dyn Source> = match args.format {
        FileFormat::Dotenv => {
            let reader: Box<dyn std::io::Read> = if file == Path::new("-") {
                Box::new(std::io::stdin().lock())
            } else {
                Box::new(std::fs::File::open(&file).map_err(|e| Error::io("read", &file, &e))?)
            };
            Box::new(DotenvSource {
                reader: dotenv::Reader::new(reader, MAX_ENTRY_TEXT),
                what: what.clone(),
            })
        }
        FileFormat::Json => Box::new(parse_json(&read_whole(&file, &what)?, &what)?.into_iter()),
    };
    let mut chunks = Chunks {
        input,
        what,
        prefix: args.prefix.clone().unwrap_or_default(),
        seen: Seen::new()?,
        pending: Vec::new(),
    };
    // The first chunk is read before the vault is opened: a small file
    // with a mistake is refused without touching the database.
    let first = chunks.next_chunk()?;
    if first.is_empty() {
        ctx.report
            .info(format!("{} holds no entries; nothing to import", chunks.what));
        return Ok(());
    }
    let mode = if args.no_overwrite {
        PutMode::CreateOnly
    } else {
        PutMode::Upsert
    };
    let mut vault = ctx.open_vault().await?;
    let mut first = Some(first);
    let mut next = || match first.take() {
        Some(chunk) => Ok(Some(chunk)),
        None => chunks.next_chunk().map(|c| Some(c).filter(|c| !c.is_empty())),
    };
    let (created, updated) = vault
        .put_stream(mode, crate::history::Op::Import, &mut next)
        .await?;
    ctx.report.info(format!(
        "imported {} secret(s): {created} created, {updated} updated",
        created + updated
    ));
    Ok(())
}

/// Where entries come from, a few at a time (appended to `out`; false at
/// the end).
trait Source {
    fn more(&mut self, out: &mut Vec<Entry>) -> Result<bool>;
}

struct DotenvSource {
    reader: dotenv::Reader<Box<dyn std::io::Read>>,
    what: String,
}

impl Source for DotenvSource {
    fn more(&mut self, out: &mut Vec<Entry>) -> Result<bool> {
        self.reader.next_batch(out).map_err(|e| match e {
            dotenv::ReadError::Io(e) => Error::usage(format!("cannot read {}: {e}", self.what))
                .hint("check the file; nothing was stored"),
            dotenv::ReadError::Parse(e) => {
                Error::usage(format!("{} line {}: {}", self.what, e.line, e.message))
                    .hint("fix the file; nothing was stored")
            }
        })
    }
}

impl Source for std::vec::IntoIter<Entry> {
    fn more(&mut self, out: &mut Vec<Entry>) -> Result<bool> {
        let before = out.len();
        out.extend(self.by_ref().take(CHUNK_ENTRIES));
        Ok(out.len() > before)
    }
}

/// The input cut into checked chunks: each key made a valid name (with the
/// prefix), no name given twice in the whole input, no value too large.
struct Chunks {
    input: Box<dyn Source>,
    what: String,
    prefix: String,
    seen: Seen,
    /// Entries read but not yet handed out.
    pending: Vec<Entry>,
}

impl Chunks {
    /// The next chunk; empty at the end of the input.
    fn next_chunk(&mut self) -> Result<Vec<(PutItem, Value)>> {
        let mut chunk = Vec::new();
        let mut bytes = 0;
        loop {
            if self.pending.is_empty() && !self.input.more(&mut self.pending)? {
                return Ok(chunk);
            }
            let mut pending = std::mem::take(&mut self.pending);
            let mut taken = 0;
            for entry in &mut pending {
                if chunk.len() >= CHUNK_ENTRIES || bytes >= CHUNK_BYTES {
                    break;
                }
                let (line, value) = (entry.line, std::mem::take(&mut entry.value));
                bytes += value.len();
                chunk.push((self.check(&entry.key, line, value.len())?, value));
                taken += 1;
            }
            pending.drain(..taken);
            self.pending = pending;
            if chunk.len() >= CHUNK_ENTRIES || bytes >= CHUNK_BYTES {
                return Ok(chunk);
            }
        }
    }

    /// The entry's secret name, once it is checked.
    fn check(&mut self, key: &str, line: usize, value_len: usize) -> Result<PutItem> {
        let what = &self.what;
        let full = format!("{}{key}", self.prefix);
        let name = name::new_name(&full).map_err(|e| {
            Error::usage(format!("{what}{}: {}", at(line), e.message()))
                .hint("fix the key (or --prefix); nothing was stored")
        })?;
        if let Some(first) = self.seen.insert(&name, line) {
            return Err(Error::usage(format!(
                "{what}{}: {} is given more than once (first{})",
                at(line),
                name::escape(&name),
                at(first)
            ))
            .hint("keep one of them; nothing was stored"));
        }
        name::check_value(value_len).map_err(|e| {
            Error::usage(format!("{what}{}: {}", at(line), e.message())).hint("nothing was stored")
        })?;
        Ok(PutItem {
            name,
            description: None,
        })
    }
}

/// Every name seen so far, with the line it was first seen on, in 24 bytes
/// or so per name whatever its length: a 128-bit hash of the name, keyed
/// with a random key of this run (so no input can be made to collide), in
/// one of 65,536 small unsorted buckets chosen by its first 16 bits. Two
/// different names would be taken for one with a chance of about n²/2¹²⁹
/// (10⁻²⁷ for a million names). Buckets grow four entries at a time, so
/// there is no doubling to overshoot with.
struct Seen {
    keyed: Sha256,
    buckets: Vec<Vec<([u8; 16], u32)>>,
}

impl Seen {
    fn new() -> Result<Seen> {
        let mut key = Zeroizing::new([0u8; 64]);
        getrandom::fill(&mut key[..])
            .map_err(|e| Error::internal(format!("the system random generator failed: {e}")))?;
        Ok(Seen {
            keyed: Sha256::new_with_prefix(&key[..]),
            buckets: Vec::new(),
        })
    }

    /// Records `name` (seen on `line`); the line it was first seen on if
    /// it was seen before.
    fn insert(&mut self, name: &str, line: usize) -> Option<usize> {
        if self.buckets.is_empty() {
            self.buckets.resize_with(1 << 16, Vec::new);
        }
        let digest = self.keyed.clone().chain_update(name.as_bytes()).finalize();
        let mut hash = [0u8; 16];
        hash.copy_from_slice(&digest[..16]);
        let bucket = &mut self.buckets[usize::from(u16::from_le_bytes([hash[0], hash[1]]))];
        if let Some((_, first)) = bucket.iter().find(|(h, _)| *h == hash) {
            return Some(*first as usize);
        }
        if bucket.len() == bucket.capacity() {
            bucket.reserve_exact(4);
        }
        // Past four billion lines the first line is shown as the last one
        // that fits; the refusal itself stays exact.
        bucket.push((hash, u32::try_from(line).unwrap_or(u32::MAX)));
        None
    }
}

/// " line N", or nothing for formats without lines (JSON).
fn at(line: usize) -> String {
    if line == 0 {
        String::new()
    } else {
        format!(" line {line}")
    }
}

/// Reads the whole input (JSON) into one buffer sized from the file's
/// length (for a pipe, grown by copying and wiping: see
/// [`secure_fs::read_secret`]).
fn read_whole(path: &Path, what: &str) -> Result<Zeroizing<Vec<u8>>> {
    let limit = MAX_JSON_BYTES + 1;
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
    if buf.len() > MAX_JSON_BYTES {
        return Err(Error::usage(format!("{what} is larger than 64 MiB"))
            .hint("split it, or use dotenv (which has no size limit); nothing was stored"));
    }
    Ok(buf)
}

type Parsed = Vec<Entry>;

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
                out.push(Entry {
                    key,
                    line: 0,
                    value: Zeroizing::new(value.as_bytes().to_vec()),
                });
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
