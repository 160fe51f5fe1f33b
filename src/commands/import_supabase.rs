//! `vault import --from-supabase-vault`: every secret of Supabase Vault
//! (`vault.decrypted_secrets`, decrypted by the server) read over the same
//! connection, sealed on the client and stored in one transaction: all or
//! nothing. The source is only read, never changed.
//!
//! Supabase Vault keeps its tables in the schema `vault`, so vault's own
//! tables must be in another one (`--schema secrets`).

use crate::Context;
use crate::cli::ImportArgs;
use crate::config::DEFAULT_SCHEMA;
use crate::error::{Error, Result};
use crate::model::{PutItem, PutMode};
use crate::name;

pub async fn run(args: ImportArgs, ctx: &Context) -> Result<()> {
    if ctx.schema()? == DEFAULT_SCHEMA {
        return Err(Error::usage(
            "vault's own schema is `vault`, which is Supabase Vault's; keep vault's tables in another schema",
        )
        .hint("run `vault --schema secrets init` first (or set VAULT_SCHEMA), then import"));
    }
    let mut vault = ctx.open_vault().await?;
    let source = vault.read_supabase_vault().await?;
    let prefix = args.prefix.as_deref().unwrap_or("");
    let mut items = Vec::with_capacity(source.len());
    let mut unnamed = Vec::new();
    for s in source {
        let given = match &s.name {
            Some(n) => n.clone(),
            None => {
                let derived = format!("supabase-{}", s.id);
                unnamed.push((s.id, format!("{prefix}{derived}")));
                derived
            }
        };
        let full = format!("{prefix}{given}");
        let name = name::canonical(&full).map_err(|e| {
            Error::usage(format!(
                "Supabase Vault secret {} ({}): {}",
                name::escape(&given),
                s.id,
                e.message()
            ))
            .hint("rename it in Supabase Vault (or change --prefix); nothing was stored")
        })?;
        let Some(value) = s.value else {
            return Err(Error::database(format!(
                "Supabase Vault secret {} ({}) did not decrypt (decrypted_secret is NULL)",
                name::escape(&given),
                s.id
            ))
            .hint("check the project's Vault key; nothing was stored"));
        };
        name::check_value(value.len()).map_err(|e| {
            Error::usage(format!(
                "Supabase Vault secret {}: {}",
                name::escape(&given),
                e.message()
            ))
            .hint("nothing was stored")
        })?;
        items.push((
            PutItem {
                name,
                description: Some(s.description),
            },
            value,
        ));
    }
    if items.is_empty() {
        ctx.report
            .info("Supabase Vault holds no secrets; nothing to import");
        return Ok(());
    }
    let mode = if args.no_overwrite {
        PutMode::CreateOnly
    } else {
        PutMode::Upsert
    };
    let done = vault.put(items, mode, crate::history::Op::Import).await?;
    let created = done.iter().filter(|o| o.created).count();
    for (id, stored) in &unnamed {
        ctx.report.info(format!(
            "Supabase Vault secret {id} has no name: stored as {}",
            name::escape(stored)
        ));
    }
    ctx.report.info(format!(
        "imported {} secret(s) from Supabase Vault: {created} created, {} updated; \
         vault.secrets was not changed (see the README to remove the originals)",
        done.len(),
        done.len() - created
    ));
    Ok(())
}
