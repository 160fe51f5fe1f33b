//! `vault init`: create the personal identity, the database schema and the
//! first vault key. Safe to run again: nothing existing is overwritten.

use crate::cli::InitArgs;
use crate::error::{Error, Result};
use crate::seal::{IdentityKind, Personal};
use crate::vault::Joined;
use crate::{Context, Source, name, passphrase, secure_fs};

/// A plugin identity cannot sign, so `init` gives it a companion: a new
/// ed25519 key in OpenSSH's format at `signing-key` beside the identity
/// (0600), which `ssh-keygen -y -f` reads and `ssh-add` can hold.
fn make_companion(ctx: &Context, me: Personal) -> Result<(Personal, String)> {
    let path = ctx.paths.default_signing_key();
    let mut seed = zeroize::Zeroizing::new([0u8; 32]);
    getrandom::fill(&mut seed[..]).map_err(|e| Error::internal(format!("no randomness: {e}")))?;
    let pair = ssh_key::private::Ed25519Keypair::from_seed(&seed);
    let mut key = ssh_key::PrivateKey::from(pair);
    key.set_comment("vault signing key");
    let pem = key
        .to_openssh(ssh_key::LineEnding::LF)
        .map_err(|e| Error::internal(format!("encoding the signing key failed: {e}")))?;
    if let Some(dir) = path.parent() {
        secure_fs::ensure_private_dir(dir)?;
    }
    if !secure_fs::create_private_file(&path, pem.as_bytes())? {
        return Err(
            Error::conflict(format!("{} appeared while init was running", path.display()))
                .hint("run `vault init` again"),
        );
    }
    let shown = path.display().to_string();
    let me = me.with_companion(
        crate::seal::Companion::File {
            pem: zeroize::Zeroizing::new(pem.to_string()),
            passphrase: None,
        },
        &shown,
    )?;
    let public = key.public_key().to_openssh().unwrap_or_default();
    Ok((
        me,
        format!("created signing key {shown} ({public}) for your plugin identity"),
    ))
}

pub async fn run(args: InitArgs, ctx: &Context) -> Result<()> {
    let report = ctx.report;
    let (url, source) = ctx.database_url()?;

    // 1. The schema first: a wrong URL should leave nothing behind.
    let setup = ctx.setup().await?;

    // 2. The personal identity: reuse it when present, never overwrite it.
    // Messages wait until everything succeeded, so a failure is one line.
    let mut said = Vec::new();
    let id_path = ctx.identity_path();
    let me = if std::fs::symlink_metadata(&id_path).is_ok() {
        let me = ctx.load_identity()?;
        if args.passphrase && me.kind() != IdentityKind::Passphrase {
            report.warn(format!(
                "{} already exists and is not passphrase-protected; --passphrase only applies when creating an identity",
                id_path.display()
            ));
        }
        said.push(format!(
            "using identity {} ({})",
            id_path.display(),
            me.recipient()
        ));
        if me.needs_companion() {
            let (me, line) = make_companion(ctx, me)?;
            said.push(line);
            me
        } else {
            me
        }
    } else {
        let (me, file) = if args.passphrase {
            Personal::generate_protected(passphrase::choose(&id_path.display().to_string())?)?
        } else {
            Personal::generate()
        };
        if let Some(dir) = id_path.parent() {
            secure_fs::ensure_private_dir(dir)?;
        }
        if !secure_fs::create_private_file(&id_path, file.as_bytes())? {
            // Another `vault init` won the race; use what it wrote.
            return Err(
                Error::conflict(format!("{} appeared while init was running", id_path.display()))
                    .hint("run `vault init` again"),
            );
        }
        let protected = if args.passphrase {
            "passphrase-protected "
        } else {
            ""
        };
        said.push(format!(
            "created {protected}identity {} ({})",
            id_path.display(),
            me.recipient()
        ));
        me
    };

    // 3. The first vault key, unless the vault already has one.
    let name = member_name(args.name)?;
    let joining = setup.join(&me, name.clone()).await?;
    let fingerprint = joining.fingerprint;
    match joining.joined {
        Joined::Founded(key) => said.push(format!("created vault key {key}; migrated {url}")),
        Joined::Member(key) => said.push(format!("vault at {url} is ready (key {key}); you are a member")),
        Joined::Outsider => {
            said.push(format!(
                "vault at {url} already exists and you are not a member yet."
            ));
            said.push(format!(
                "Ask a member to run:  vault member add {} --name {name}",
                crate::commands::shell_quote(&me.member_line()?.to_string()),
            ));
            said.push("and compare the vault's fingerprint below with theirs (`vault whoami`)".into());
        }
        Joined::Recorded {
            key,
            members,
            dropped,
        } => {
            said.push(format!(
                "recorded the signed history of the vault at {url} (key {key}), with these members:"
            ));
            for (n, r) in &members {
                said.push(format!(
                    "  {}  {}",
                    name::display(n),
                    crate::store::short_recipient(r)
                ));
            }
            if !dropped.is_empty() {
                said.push(
                    "these members were removed: their signing keys cannot be known without them \
                     (each runs `vault whoami` and sends you its first line; add them back with \
                     `vault member add LINE`, then run `vault rotate`):"
                        .to_owned(),
                );
                for (n, r) in &dropped {
                    said.push(format!(
                        "  {}  {}",
                        name::display(n),
                        crate::store::short_recipient(r)
                    ));
                }
            }
        }
    }
    said.push(format!(
        "vault fingerprint: {fingerprint} (members compare it out of band; CI pins it with VAULT_FINGERPRINT)"
    ));

    // 4. Remember where the vault is, so later commands need no flags.
    let mut config = crate::config::ConfigFile::load(&ctx.paths.config_file())?;
    let mut changed = false;
    if source != Source::Config && config.database_url.as_deref() != Some(url.expose()) {
        config.database_url = Some(url.expose().to_owned());
        changed = true;
    }
    if let Some(p) = &ctx.identity_given
        && config.identity.as_ref() != Some(p)
        && *p != ctx.paths.default_identity()
    {
        config.identity = Some(std::path::absolute(p).unwrap_or_else(|_| p.clone()));
        changed = true;
    }
    // A schema given with --schema/VAULT_SCHEMA is recorded too (PostgreSQL).
    if let Some(schema) = &ctx.schema_given
        && url.backend() == crate::config::Backend::Postgres
        && config.schema.as_ref() != Some(schema)
    {
        config.schema = Some(schema.clone());
        changed = true;
    }
    if changed {
        config.save(&ctx.paths.config_file())?;
        report.verbose(format!("wrote {}", ctx.paths.config_file().display()));
    }
    for line in said {
        report.info(line);
    }
    Ok(())
}

fn member_name(given: Option<String>) -> Result<String> {
    let name = given
        .or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("LOGNAME").ok())
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "owner".into());
    name::member(&name)
}
