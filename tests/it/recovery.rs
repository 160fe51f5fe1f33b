//! The README's "Recovering a secret by hand": the exact steps, with psql
//! (or sqlite3) and the standard age CLI, give the value back byte for byte.
//! The script is taken from the README itself, so the two cannot drift.

use crate::attack_util::*;
use crate::harness::{Backend, Env, skip};

/// The first ```sh block after the "Recovering a secret by hand" heading.
fn readme_recipe() -> String {
    let readme = include_str!("../../README.md");
    let section = &readme[readme
        .find("## Recovering a secret by hand")
        .expect("README has the recovery section")..];
    let start = section.find("```sh\n").unwrap() + "```sh\n".len();
    section[start..start + section[start..].find("```").unwrap()].to_owned()
}

fn have(tool: &str) -> bool {
    std::process::Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn recover(env: &Env, client: &str, adapt: impl Fn(String) -> String) {
    env.init();
    let value: Vec<u8> = [b"line one\n".as_slice(), marker().as_bytes(), b"\0\xff\n\n"].concat();
    env.put("db/password", &value);
    env.put("other", b"not this one");
    let script = adapt(
        readme_recipe()
            .replace("DB=postgres://me@db.internal/app", &format!("DB='{}'", env.url()))
            .replace(
                "~/.config/vault/identity.txt",
                &env.identity_path().display().to_string(),
            ),
    );
    assert!(script.contains(client), "{script}");
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = shell(env, &script);
    let path = format!(
        "{}:{}",
        crate::pg::tool("psql")
            .and_then(|p| p.parent().map(|d| d.display().to_string()))
            .unwrap_or_default(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = cmd.current_dir(dir.path()).env("PATH", path).output().unwrap();
    assert!(
        out.status.success(),
        "recipe failed:\n{script}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        out.stdout,
        value,
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !dir.path().join("vault-key.txt").exists(),
        "the recipe shreds the key"
    );
}

#[test]
fn readme_recovery_recipe_postgres() {
    if !have("age") || crate::pg::tool("psql").is_none() {
        return skip("needs the age CLI and psql (.ci/run installs both)");
    }
    recover(&Env::new(Backend::Postgres), "psql", |s| s);
}

#[test]
fn readme_recovery_recipe_sqlite() {
    if !have("age") || !have("sqlite3") {
        return skip("needs the age CLI and sqlite3 (.ci/run installs both)");
    }
    let env = Env::new(Backend::Sqlite);
    let db = env.data_dir().join("vault.db");
    // The README: "use `sqlite3 DB` with the same queries on the tables
    // key_grants and secrets (without `vault.`)".
    recover(&env, "sqlite3", |s| {
        s.replace("psql \"$DB\" -Atc", &format!("sqlite3 '{}'", db.display()))
            .replace("vault.key_grants", "key_grants")
            .replace("vault.secrets", "secrets")
    });
}

#[test]
fn readme_recovery_recipe_in_another_schema() {
    if !have("age") || crate::pg::tool("psql").is_none() {
        eprintln!("skipped: needs the age CLI and psql (.ci/run installs both)");
        return;
    }
    let env = Env::new(Backend::Postgres);
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(env.config_dir())
            .unwrap();
    }
    std::fs::write(env.config_dir().join("config.toml"), "schema = \"secrets\"\n").unwrap();
    // The README: "with vault in another schema, write `secrets.` for `vault.`".
    recover(&env, "psql", |s| s.replace("vault.", "secrets."));
    assert_eq!(env.scalar("SELECT count(*) FROM secrets.secrets"), "2");
}
