//! `vault get NAME`: the exact stored bytes on stdout, nothing else; with
//! `--json`, `{"name", "value", "encoding"}` (base64 for non-UTF-8 values).

use base64::Engine;
use zeroize::Zeroizing;

use crate::Context;
use crate::cli::GetArgs;
use crate::envvars::json_string;
use crate::error::Result;
use crate::{name, output};

pub async fn run(args: GetArgs, ctx: &Context) -> Result<()> {
    let name = name::canonical(&args.name)?;
    let mut vault = ctx.open_vault().await?;
    let value = vault.get(&name).await?;
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
    let mut out = Zeroizing::new(Vec::with_capacity(text.len() + name_json.len() + 64));
    out.extend_from_slice(b"{\"name\":");
    out.extend_from_slice(name_json.as_bytes());
    out.extend_from_slice(b",\"value\":");
    out.extend_from_slice(&text);
    out.extend_from_slice(format!(",\"encoding\":\"{encoding}\"}}\n").as_bytes());
    output::print_value(&out)
}
