//! `vault get NAME`: the exact stored bytes on stdout, nothing else; with
//! `--json`, `{"name", "value", "encoding", "version", "author", …}`
//! (base64 for non-UTF-8 values). `--version N` reads an earlier version.

use base64::Engine;
use zeroize::Zeroizing;

use crate::Context;
use crate::cli::GetArgs;
use crate::envvars::json_string;
use crate::error::Result;
use crate::{name, output};

pub async fn run(args: GetArgs, ctx: &Context) -> Result<()> {
    let name = name::canonical(&args.name)?;
    // Reads only: SQLite is opened read-only (its -wal/-shm files stay for
    // the next command instead of being rebuilt by every `get`).
    let mut vault = ctx.open_vault_to_read().await?;
    let got = match args.version {
        Some(v) => vault.get_version(&name, v).await?,
        None => vault.get_current(&name).await?,
    };
    let value = got.value;
    if !args.json {
        return output::print_value(&value);
    }
    let (text, encoding) = match std::str::from_utf8(&value) {
        Ok(s) => (json_string(s), "utf-8"),
        Err(_) => {
            let b64 = Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(&*value));
            (json_string(&b64), "base64")
        }
    };
    let name_json = serde_json::to_string(&name).unwrap_or_default();
    let author = serde_json::to_string(&got.author.name()).unwrap_or_default();
    let recipient = serde_json::to_string(&got.author.recipient()).unwrap_or_default();
    let tail = format!(
        ",\"encoding\":\"{encoding}\",\"version\":{},\"author\":{},\"recipient\":{},\"verified\":{}}}\n",
        got.version,
        String::from_utf8_lossy(&name::json(author.into_bytes())),
        String::from_utf8_lossy(&name::json(recipient.into_bytes())),
        got.author.verified()
    );
    // Sized up front: growing would free an unwiped copy of the value.
    let mut out = Zeroizing::new(Vec::with_capacity(text.len() + name_json.len() + tail.len() + 32));
    out.extend_from_slice(b"{\"name\":");
    out.extend_from_slice(name_json.as_bytes());
    out.extend_from_slice(b",\"value\":");
    out.extend_from_slice(&text);
    out.extend_from_slice(tail.as_bytes());
    output::print_value(&out)
}
