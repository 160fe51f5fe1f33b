//! Exact output: user-facing text is compared whole, with golden files under
//! `tests/golden/`, so a change to it is reviewed as text rather than caught
//! (or missed) by a substring. Covered: `vault --help` and every
//! subcommand's `--help`, three usage errors, and one failure for each exit
//! code 2-8 (stdout, stderr and the code).
//!
//! Paths under the test's HOME, age recipients, uuids and TCP ports are
//! redacted (`[HOME]`, `[RECIPIENT]`, `[UUID]`, `[PORT]`) so the files do not
//! change from run to run. After changing any of that text on purpose:
//! `VAULT_BLESS=1 cargo test fresh` rewrites them (with every other generated file)
//! (and removes files no case produces any more); review the diff.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use crate::harness::{Backend, Env, Out, Run};

const REFRESH: &str = "VAULT_BLESS=1 cargo test fresh";

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// What one case produced, as its golden file holds it.
fn transcript(env: &Env, args: &[&str], out: &Out) -> String {
    let shown: Vec<String> = args
        .iter()
        .map(|a| {
            if a.is_empty() || a.contains(|c: char| c.is_whitespace() || "'\"$`\\".contains(c)) {
                format!("'{}'", a.replace('\'', "'\\''"))
            } else {
                (*a).to_owned()
            }
        })
        .collect();
    let mut text = format!("$ vault {}\nexit: {}\n", shown.join(" "), out.code);
    for (name, body) in [("stdout", out.stdout_str()), ("stderr", out.stderr.clone())] {
        text.push_str(&format!("--- {name}\n"));
        text.push_str(&body);
        if !body.is_empty() && !body.ends_with('\n') {
            text.push_str("\n[no newline at the end]\n");
        }
    }
    redact(env, &text)
}

/// Replaces what differs between runs (see the module doc).
fn redact(env: &Env, text: &str) -> String {
    let home = env.home.path().to_string_lossy().into_owned();
    let text = text.replace(&home, "[HOME]");
    let text = replace_runs(
        &text,
        "age1",
        58,
        |c| c.is_ascii_digit() || c.is_ascii_lowercase(),
        "[RECIPIENT]",
    );
    let text = replace_uuids(&text);
    let mut out = text.clone();
    for host in ["127.0.0.1:", "localhost:"] {
        out = replace_runs(&out, host, 0, |c| c.is_ascii_digit(), &format!("{host}[PORT]"));
    }
    out
}

/// Replaces `prefix` followed by a run of characters matching `allowed`
/// (exactly `len` of them, or any number >= 1 when `len` is 0).
fn replace_runs(text: &str, prefix: &str, len: usize, allowed: impl Fn(char) -> bool, with: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(prefix) {
        let after = &rest[at + prefix.len()..];
        let run = after.chars().take_while(|&c| allowed(c)).count();
        let matches = if len == 0 { run > 0 } else { run == len };
        out.push_str(&rest[..at]);
        if matches {
            out.push_str(with);
            rest = &after[run..];
        } else {
            out.push_str(prefix);
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

fn replace_uuids(text: &str) -> String {
    let is_uuid = |s: &[u8]| {
        s.len() == 36
            && s.iter().enumerate().all(|(i, &b)| match i {
                8 | 13 | 18 | 23 => b == b'-',
                _ => b.is_ascii_hexdigit() && !b.is_ascii_uppercase(),
            })
    };
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if i + 36 <= bytes.len() && is_uuid(&bytes[i..i + 36]) {
            out.extend_from_slice(b"[UUID]");
            i += 36;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// The subcommands listed in a help text's "Commands:" section (without `help`).
fn commands_in(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter(|l| !l.starts_with("   ")) // a wrapped description
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_owned)
        .collect()
}

/// Every case, by golden file name (relative to `tests/golden/`).
fn cases() -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    let mut case = |file: String, env: &Env, args: &[&str], run: Run| {
        let out = run.run();
        files.insert(file, transcript(env, args, &out));
        out
    };

    // --help of vault and of every subcommand, found by following the
    // "Commands:" lists, so a new subcommand gets its golden file.
    let env = Env::new(Backend::Sqlite);
    let mut todo = vec![Vec::<String>::new()];
    while let Some(words) = todo.pop() {
        let mut args: Vec<&str> = words.iter().map(String::as_str).collect();
        args.push("--help");
        let file = format!(
            "help/{}.txt",
            ["vault"]
                .iter()
                .copied()
                .chain(words.iter().map(String::as_str))
                .collect::<Vec<_>>()
                .join("-")
        );
        let out = case(file, &env, &args, env.vault(&args));
        assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
        for sub in commands_in(&out.stdout_str()) {
            let mut next = words.clone();
            next.push(sub);
            todo.push(next);
        }
    }

    // Usage errors: clap's, folded into vault's one line.
    for (name, args) in [
        ("missing-argument", &["get"][..]),
        ("unknown-option", &["put", "db/password", "--nope"]),
        ("unknown-command", &["frobnicate"]),
    ] {
        case(format!("usage/{name}.txt"), &env, args, env.vault(args));
    }

    // One failure per exit code, each on its own fresh embedded vault.
    let fresh = || {
        let env = Env::new(Backend::Sqlite);
        env.init();
        env.put("db/password", b"hunter2");
        env
    };
    let env = fresh();
    let args = ["get", "db password"];
    case("exit/2-usage.txt".into(), &env, &args, env.vault(&args));

    let env = fresh();
    let args = ["get", "db/user"];
    case("exit/3-not-found.txt".into(), &env, &args, env.vault(&args));

    let env = fresh();
    let args = ["put", "db/password", "--no-overwrite"];
    case(
        "exit/4-conflict.txt".into(),
        &env,
        &args,
        env.vault(&args).stdin(b"x"),
    );

    let env = fresh();
    let stranger = env.another_user();
    stranger.vault(&["init"]).run(); // own identity; not a member of this vault
    let args = ["get", "db/password"];
    case(
        "exit/5-no-access.txt".into(),
        &stranger,
        &args,
        stranger.vault(&args),
    );

    let env = fresh();
    env.put("db/user", b"app");
    let secrets = env.table("secrets");
    env.exec(&format!(
        "UPDATE {secrets} SET secret = (SELECT secret FROM {secrets} WHERE name = 'db/user') \
         WHERE name = 'db/password'"
    ));
    let args = ["get", "db/password"];
    case("exit/6-integrity.txt".into(), &env, &args, env.vault(&args));

    let env = fresh();
    let args = ["ls", "--database-url", "postgres://tester@127.0.0.1:1/vault"];
    case("exit/7-database.txt".into(), &env, &args, env.vault(&args));

    let env = fresh();
    std::fs::set_permissions(env.identity_path(), std::fs::Permissions::from_mode(0o644)).unwrap();
    let args = ["get", "db/password"];
    case("exit/8-identity.txt".into(), &env, &args, env.vault(&args));

    files
}

/// Every golden file matches what the binary prints now; no file is left
/// that no case produces. `VAULT_BLESS=1` rewrites them instead.
#[test]
fn golden_files_are_fresh() {
    let cases = cases();
    let codes: Vec<&str> = cases
        .iter()
        .filter(|(name, _)| name.starts_with("exit/"))
        .map(|(_, text)| text.lines().nth(1).unwrap())
        .collect();
    assert_eq!(
        codes,
        (2..=8).map(|c| format!("exit: {c}")).collect::<Vec<_>>(),
        "each exit case must fail with its own code"
    );
    let bless = std::env::var_os("VAULT_BLESS").is_some_and(|v| v == "1");
    let dir = golden_dir();
    let mut stale = Vec::new();
    for (name, text) in &cases {
        let file = dir.join(name);
        let old = std::fs::read_to_string(&file).unwrap_or_default();
        if old != *text {
            if bless {
                std::fs::create_dir_all(file.parent().unwrap()).unwrap();
                std::fs::write(&file, text).unwrap();
            } else {
                stale.push(format!("{name}\n{}", first_difference(&old, text)));
            }
        }
    }
    for group in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        for entry in std::fs::read_dir(group.path()).into_iter().flatten().flatten() {
            let name = format!(
                "{}/{}",
                group.file_name().to_string_lossy(),
                entry.file_name().to_string_lossy()
            );
            if !cases.contains_key(&name) {
                if bless {
                    std::fs::remove_file(entry.path()).unwrap();
                } else {
                    stale.push(format!("{name}: no case produces it any more"));
                }
            }
        }
    }
    assert!(
        stale.is_empty(),
        "{} golden file(s) differ from the output; if the change is intended, refresh \
         them with `{REFRESH}` and review the diff.\n\n{}",
        stale.len(),
        stale.join("\n\n")
    );
}

/// Where two texts first differ, for the failure message.
fn first_difference(expected: &str, actual: &str) -> String {
    if expected.is_empty() {
        return "  (no golden file yet)".to_owned();
    }
    let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    let line = e.iter().zip(&a).take_while(|(x, y)| x == y).count();
    format!(
        "  first difference at line {}:\n  - {}\n  + {}",
        line + 1,
        e.get(line).unwrap_or(&"(end of file)"),
        a.get(line).unwrap_or(&"(end of output)")
    )
}

#[test]
fn redaction_hides_what_changes_between_runs() {
    let env = Env::new(Backend::Sqlite);
    let home = env.home.path().display().to_string();
    let recipient = format!("age1{}", "q".repeat(58));
    let text = format!(
        "{home}/config/vault/identity.txt ({recipient}) key 6f0c2e7a-1b2c-4d5e-8f90-0123456789ab \
         at 127.0.0.1:54321 and localhost:5 but not age1short or 127.0.0.1 alone"
    );
    assert_eq!(
        redact(&env, &text),
        "[HOME]/config/vault/identity.txt ([RECIPIENT]) key [UUID] at 127.0.0.1:[PORT] \
         and localhost:[PORT] but not age1short or 127.0.0.1 alone"
    );
}
