//! Age plugin identities end to end, with the test plugin
//! `age-plugin-vaulttest` (see `plugin_fixture.rs`): a PIN-protected founder,
//! a plugin member added by an ordinary member, recovery of a plugin grant
//! with the `age` CLI, a companion signing key held by a real ssh-agent, the
//! plugin's messages, a plugin missing from PATH, and `vault unlock`.
//!
//! `cargo test --test it` builds no examples: run
//! `cargo build --example age-plugin-vaulttest` first (`cargo test
//! --all-targets`, as CI runs it, builds it).

use std::ffi::OsString;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::both;
use crate::harness::{Env, Out, Run, skip};
use crate::plugin_fixture::{self, PLUGIN_BINARY, path_with_plugin};
use crate::ssh_agent_fixture::SshAgent;

both!(
    plugin_founder_with_pin,
    plugin_member_added_by_ordinary_member,
    plugin_grant_opens_with_age_cli,
    ssh_agent_companion,
    touch_message_is_shown,
    missing_plugin_is_named,
    unlock_has_nothing_to_unlock,
);

// ---- helpers -----------------------------------------------------------------

fn json(out: &[u8]) -> serde_json::Value {
    serde_json::from_slice(out).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(out)))
}

fn private_file(dir: &Path, name: &str, contents: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, contents).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
    p
}

/// A new plugin identity file (0600) in `env`'s HOME, and its recipient.
fn plugin_identity(env: &Env, pin: Option<&str>) -> (PathBuf, String) {
    let text = plugin_fixture::generate(pin);
    let recipient = plugin_fixture::recipient(&text).to_owned();
    assert!(recipient.starts_with("age1vaulttest1"), "{recipient}");
    (
        private_file(env.home.path(), "plugin-identity.txt", text.as_bytes()),
        recipient,
    )
}

/// `vault ARGS` in `env` with the plugin on PATH.
fn pv(env: &Env, args: &[&str]) -> Run {
    env.vault(args).env("PATH", path_with_plugin())
}

/// PATH without any directory that holds the plugin.
fn path_without_plugin() -> OsString {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let dirs: Vec<PathBuf> = std::env::split_paths(&path)
        .filter(|d| !d.join(PLUGIN_BINARY).exists())
        .collect();
    std::env::join_paths(dirs).unwrap()
}

/// The first line of `vault whoami`: the member line.
fn member_line(run: Run) -> String {
    run.ok().stdout_str().lines().next().unwrap().to_owned()
}

/// `vault history NAME --json`, which must succeed.
fn history(run: Run) -> Vec<serde_json::Value> {
    json(&run.ok().stdout).as_array().expect("an array").clone()
}

#[track_caller]
fn all_verified(h: &[serde_json::Value], authors: &[&str]) {
    let got: Vec<&str> = h
        .iter()
        .map(|e| e["author"].as_str().unwrap_or("<null>"))
        .collect();
    assert_eq!(got, authors, "{h:#?}");
    for e in h {
        assert_eq!(e["status"], "verified", "{e:#}");
        assert_eq!(e["verified"], true, "{e:#}");
    }
}

/// The lines of the plugin's event log.
fn events(log: &Path) -> Vec<String> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn count(events: &[String], event: &str) -> usize {
    events.iter().filter(|e| *e == event).count()
}

/// `run` with no controlling terminal (a new session, `setsid -w`), so a
/// prompt cannot reach whatever terminal runs the tests.
fn detached(run: Run) -> Run {
    let mut cmd = Command::new("setsid");
    cmd.arg("-w").arg(run.cmd.get_program()).args(run.cmd.get_args());
    cmd.env_clear();
    for (k, v) in run.cmd.get_envs() {
        if let Some(v) = v {
            cmd.env(k, v);
        }
    }
    let mut run = run;
    run.cmd = cmd;
    run
}

fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// `vault ARGS` on a pseudo-terminal (`script` from util-linux), typing
/// `line` once `prompt` is on the screen: (exit code, the screen).
fn on_terminal(base: Run, args: &str, prompt: &str, line: &str) -> (i32, String) {
    use std::io::Read;
    use std::sync::{Arc, Mutex};
    use std::time::Instant;
    let mut cmd = Command::new("script");
    cmd.env_clear();
    for (k, v) in base.cmd.get_envs() {
        if let Some(v) = v {
            cmd.env(k, v);
        }
    }
    let script = format!("'{}' {args}", env!("CARGO_BIN_EXE_vault"));
    let mut child = cmd
        .args(["-qec", &script, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("script(1) from util-linux");
    let mut stdin = child.stdin.take().unwrap();
    let screen = Arc::new(Mutex::new(Vec::new()));
    let reader = {
        let screen = screen.clone();
        let mut stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = stdout.read(&mut buf) {
                screen.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        })
    };
    // Type only once the prompt is shown (it turns echo off right after).
    let start = Instant::now();
    while !String::from_utf8_lossy(&screen.lock().unwrap()).contains(prompt) {
        if start.elapsed() > Duration::from_secs(30) || child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(200));
    let _ = stdin.write_all(format!("{line}\n").as_bytes());
    drop(stdin);
    let status = child.wait().unwrap();
    reader.join().unwrap();
    let screen = String::from_utf8_lossy(&screen.lock().unwrap()).into_owned();
    (status.code().unwrap_or(-1), screen)
}

/// The `ssh-ed25519 AAAA…` of an OpenSSH public key line (no comment).
fn key_of(pub_line: &str) -> String {
    pub_line.split_whitespace().take(2).collect::<Vec<_>>().join(" ")
}

/// The public key of an OpenSSH private key file, as `ssh-keygen -y` says.
fn public_of(private_key: &Path) -> String {
    let out = Command::new("ssh-keygen")
        .arg("-y")
        .arg("-f")
        .arg(private_key)
        .output()
        .expect("ssh-keygen");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    key_of(&String::from_utf8(out.stdout).unwrap())
}

/// An error that must be exit `code` with nothing on stdout, ending in a
/// `vault: …` line that holds every one of `needles`.
#[track_caller]
fn failed(out: &Out, code: i32, needles: &[&str]) {
    assert_eq!(out.code, code, "{}", out.stderr);
    assert!(out.stdout.is_empty(), "stdout on failure: {:?}", out.stdout_str());
    let last = out.stderr.lines().last().unwrap_or_default();
    assert!(last.starts_with("vault: "), "{:?}", out.stderr);
    for n in needles {
        assert!(out.stderr.contains(n), "{:?} does not contain {n:?}", out.stderr);
    }
}

// ---- 1. a PIN-protected plugin founder ------------------------------------------

fn plugin_founder_with_pin(env: &Env) {
    let (id, recipient) = plugin_identity(env, Some("1234"));
    let pin = private_file(env.home.path(), "pin", b"1234\n");
    let wrong = private_file(env.home.path(), "wrong-pin", b"9999\n");
    let log = env.home.path().join("plugin.log");
    let v = |args: &[&str]| {
        pv(env, args)
            .env("VAULT_PASSPHRASE_FILE", &pin)
            .env("VAULTTEST_LOG", &log)
    };
    let signing_key = env.config_dir().join("signing-key");

    let init = v(&["init", "--identity", id.to_str().unwrap()]).ok();
    assert!(
        init.stderr.contains(&format!(
            "created signing key {} (ssh-ed25519 AAAA",
            signing_key.display()
        )) && init
            .stderr
            .contains("vault signing key) for your plugin identity"),
        "{}",
        init.stderr
    );
    let meta = std::fs::metadata(&signing_key).expect("init made the signing key");
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    let pem = std::fs::read_to_string(&signing_key).unwrap();
    assert!(pem.starts_with("-----BEGIN OPENSSH PRIVATE KEY-----"), "{pem}");
    let companion = public_of(&signing_key);
    assert!(companion.starts_with("ssh-ed25519 AAAA"), "{companion}");
    assert!(init.stderr.contains(&companion), "{}", init.stderr);

    // whoami: the member line is the recipient and the companion's public key.
    let line = member_line(v(&["whoami"]));
    assert_eq!(line, format!("{recipient} {companion}"));
    let text = v(&["whoami"]).ok().stdout_str();
    assert!(
        text.contains(&format!(
            "identity: {} (age plugin, age-plugin-vaulttest)",
            id.display()
        )),
        "{text}"
    );
    let who = json(&v(&["whoami", "--json"]).ok().stdout);
    assert_eq!(who["identity_type"], "age-plugin");
    assert_eq!(who["plugin"], "vaulttest");
    assert_eq!(who["recipient"], recipient.as_str());
    assert_eq!(who["verifying_key"], companion.as_str());
    assert_eq!(who["member"], true);
    assert_eq!(who["has_current_key"], true);

    // put, get, rotate, get: the value round-trips through the plugin.
    v(&["put", "db/password"]).stdin(b"hunter2").ok();
    v(&["put", "db/password"]).stdin(b"hunter3").ok();
    assert_eq!(v(&["get", "db/password"]).ok().stdout, b"hunter3");
    let before = env.db().current_key();
    v(&["rotate"]).ok();
    let after = env.db().current_key();
    assert_ne!(before, after);
    assert_eq!(env.db().grants_of(&recipient).last(), Some(&after));
    assert_eq!(v(&["get", "db/password"]).ok().stdout, b"hunter3");
    assert_eq!(
        v(&["get", "db/password", "--version", "1"]).ok().stdout,
        b"hunter2"
    );
    let e = events(&log);
    assert!(count(&e, "pin-asked") >= 3, "{e:?}");
    assert_eq!(count(&e, "pin-asked"), count(&e, "pin-ok"), "{e:?}");
    assert!(count(&e, "unwrap 1") >= 3, "{e:?}");
    assert_eq!(count(&e, "pin-wrong"), 0, "{e:?}");
    assert!(e.iter().any(|l| l.starts_with("wrap ")), "{e:?}");

    // Both versions, signed with the companion key, verify after the rotation.
    let h = history(v(&["history", "db/password", "--json"]));
    all_verified(&h, &["tester", "tester"]);

    // A wrong PIN: exit 8, the plugin and the PIN named, nothing on stdout.
    let out = v(&["get", "db/password"])
        .env("VAULT_PASSPHRASE_FILE", &wrong)
        .fails(8, "wrong PIN for vaulttest key");
    assert!(out.stderr.contains("age-plugin-vaulttest"), "{}", out.stderr);
    assert!(!out.stderr.contains("hunter"), "{}", out.stderr);
    assert_eq!(count(&events(&log), "pin-wrong"), 1);

    // No PIN source and no terminal: exit 8, not a hang, and one line
    // saying why the PIN could not be asked for and what to set.
    let out = detached(v(&["get", "db/password"]).env_remove("VAULT_PASSPHRASE_FILE")).run();
    failed(&out, 8, &["cannot be asked for here", "VAULT_PASSPHRASE_FILE"]);
    assert_eq!(out.stderr.trim_end().lines().count(), 1, "{}", out.stderr);

    // The PIN typed on a terminal, without echo.
    if !have("script") {
        return skip("the terminal PIN needs script(1) from util-linux");
    }
    let base = v(&[]).env_remove("VAULT_PASSPHRASE_FILE");
    let (code, screen) = on_terminal(base, "get db/password", "Enter PIN for vaulttest key", "1234");
    assert_eq!(code, 0, "{screen}");
    assert!(
        screen.contains(&format!("Enter PIN for vaulttest key {recipient}")),
        "{screen}"
    );
    assert!(screen.contains("hunter3"), "{screen}");
    assert!(!screen.contains("1234"), "the PIN was echoed: {screen}");
}

// ---- 2. a plugin member added by an ordinary member -------------------------------

fn plugin_member_added_by_ordinary_member(alice: &Env) {
    alice.init();
    alice.put("db/password", b"hunter2");
    let bob = alice.another_user();
    let (id, bob_r) = plugin_identity(&bob, None);
    let init = pv(&bob, &["init", "--identity", id.to_str().unwrap()]).ok();
    assert!(
        init.stderr.contains("created signing key") && init.stderr.contains("not a member yet"),
        "{}",
        init.stderr
    );
    let companion = public_of(&bob.config_dir().join("signing-key"));
    let line = member_line(pv(&bob, &["whoami"]));
    assert_eq!(line, format!("{bob_r} {companion}"));
    pv(&bob, &["get", "db/password"]).fails(5, "holds no copy");

    // Alice seals the grant through the plugin's recipient phase.
    let log = alice.home.path().join("plugin.log");
    let added = pv(alice, &["member", "add", &line, "--name", "bob"])
        .env("VAULTTEST_LOG", &log)
        .ok();
    assert!(
        added.stderr.contains("added bob (age1vaulttest1"),
        "{}",
        added.stderr
    );
    assert_eq!(events(&log), ["wrap 1"]);
    assert_eq!(alice.db().grants_of(&bob_r), vec![alice.db().current_key()]);
    let ls = json(&alice.vault(&["member", "ls", "--json"]).ok().stdout);
    let bob_entry = ls
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "bob")
        .expect("bob is listed");
    assert_eq!(bob_entry["recipient"], bob_r.as_str());
    assert_eq!(bob_entry["has_current_key"], true);

    // Bob reads Alice's secret and writes one she reads, verified as his.
    assert_eq!(pv(&bob, &["get", "db/password"]).ok().stdout, b"hunter2");
    pv(&bob, &["put", "from/bob"]).stdin(b"b0b").ok();
    assert_eq!(alice.get("from/bob"), b"b0b");
    all_verified(
        &history(alice.vault(&["history", "from/bob", "--json"])),
        &["bob"],
    );
    let who = json(&pv(&bob, &["whoami", "--json"]).ok().stdout);
    assert_eq!(who["member"], true);
    assert_eq!(who["name"], "bob");

    // Removed (and rotated away from), Bob can no longer read or write.
    alice.vault(&["member", "rm", "bob"]).ok();
    assert!(alice.db().member(&bob_r).is_none());
    assert!(alice.db().grants_of(&bob_r).is_empty());
    pv(&bob, &["get", "db/password"]).fails(5, "holds no copy");
    pv(&bob, &["put", "x"]).stdin(b"1").fails(5, "cannot write");
    assert_eq!(alice.get("db/password"), b"hunter2");
    // His write, made while he was a member, still verifies.
    all_verified(
        &history(alice.vault(&["history", "from/bob", "--json"])),
        &["bob"],
    );
}

// ---- 3. a plugin grant opened by hand with the age CLI ----------------------------

/// Everything after the first empty line (the README's `sed '1,/^$/d'`).
fn after_header(plain: &[u8]) -> &[u8] {
    let at = plain
        .windows(2)
        .position(|w| w == b"\n\n")
        .expect("a header, then an empty line");
    &plain[at + 2..]
}

fn age_decrypt(identity: &Path, input: &[u8], path: &OsString) -> Vec<u8> {
    let mut child = Command::new("age")
        .arg("-d")
        .arg("-i")
        .arg(identity)
        .env("PATH", path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("age");
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "age -d -i {}: {}",
        identity.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn plugin_grant_opens_with_age_cli(env: &Env) {
    if !have("age") {
        return skip("needs the age CLI (.ci/run installs it)");
    }
    let (id, recipient) = plugin_identity(env, None);
    pv(env, &["init", "--identity", id.to_str().unwrap()]).ok();
    let value = b"line one\n\0\xff\n\nlast".to_vec();
    pv(env, &["put", "db/password"]).stdin(&value).ok();

    let db = env.db();
    let row = db.row("db/password");
    let grant = db
        .grants()
        .into_iter()
        .find(|g| g.recipient == recipient && Some(g.key_id) == row.key_id)
        .expect("the plugin member's grant of the secret's key");
    let key = age_decrypt(&id, grant.sealed_key.as_bytes(), &path_with_plugin());
    assert!(
        key.starts_with(b"# vault key"),
        "{}",
        String::from_utf8_lossy(&key)
    );
    let dir = tempfile::tempdir().unwrap();
    let key_file = private_file(dir.path(), "vault-key.txt", &key);
    let plain = age_decrypt(&key_file, row.secret.as_bytes(), &path_with_plugin());
    assert_eq!(after_header(&plain), value);
}

// ---- 4. a companion key held by ssh-agent -------------------------------------

fn ssh_agent_companion(env: &Env) {
    let Some(agent) = SshAgent::start() else {
        return skip("needs ssh-agent (openssh-client)");
    };
    // In HOME, not the agent's directory: k.pub outlives the agent below.
    let key = env.home.path().join("k");
    let st = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "vault@agent", "-f"])
        .arg(&key)
        .status()
        .expect("ssh-keygen");
    assert!(st.success());
    agent.add(&key);
    // Only the agent has the private key now.
    std::fs::remove_file(&key).unwrap();
    let public = key.with_extension("pub");
    let public_key = key_of(&std::fs::read_to_string(&public).unwrap());

    let (id, recipient) = plugin_identity(env, None);
    let v = |args: &[&str]| {
        pv(env, args)
            .env("VAULT_SIGNING_KEY", &public)
            .env("SSH_AUTH_SOCK", &agent.sock)
    };
    let init = v(&["init", "--identity", id.to_str().unwrap()]).ok();
    assert!(!init.stderr.contains("created signing key"), "{}", init.stderr);
    assert!(!env.config_dir().join("signing-key").exists());
    let line = member_line(v(&["whoami"]));
    assert_eq!(line, format!("{recipient} {public_key}"));

    v(&["put", "db/password"]).stdin(b"hunter2").ok();
    v(&["put", "db/password"]).stdin(b"hunter3").ok();
    assert_eq!(v(&["get", "db/password"]).ok().stdout, b"hunter3");
    all_verified(
        &history(v(&["history", "db/password", "--json"])),
        &["tester", "tester"],
    );

    // No SSH_AUTH_SOCK: nothing can sign, said clearly, nothing written;
    // commands that sign nothing do not need ssh-agent.
    pv(env, &["put", "db/password"])
        .env("VAULT_SIGNING_KEY", &public)
        .stdin(b"unsigned")
        .fails(8, "SSH_AUTH_SOCK is not set");
    let read = pv(env, &["get", "db/password"])
        .env("VAULT_SIGNING_KEY", &public)
        .ok();
    assert_eq!(read.stdout, b"hunter3");
    let who = pv(env, &["whoami"]).env("VAULT_SIGNING_KEY", &public).ok();
    assert!(who.stdout_str().starts_with(&line), "{}", who.stdout_str());
    // The agent without the key: refused, naming the key.
    let st = Command::new("ssh-add")
        .arg("-qD")
        .env("SSH_AUTH_SOCK", &agent.sock)
        .stdin(Stdio::null())
        .status()
        .expect("ssh-add");
    assert!(st.success());
    v(&["put", "db/password"])
        .stdin(b"unsigned")
        .fails(8, "does not hold the key SHA256:");
    // The agent gone (killed and reaped): refused too.
    let sock = agent.sock.clone();
    drop(agent);
    let dead = |args: &[&str]| {
        pv(env, args)
            .env("VAULT_SIGNING_KEY", &public)
            .env("SSH_AUTH_SOCK", &sock)
    };
    dead(&["put", "db/password"])
        .stdin(b"unsigned")
        .fails(8, "cannot reach ssh-agent");
    // Reading needs no signature: the agent is not contacted.
    assert_eq!(dead(&["get", "db/password"]).ok().stdout, b"hunter3");
    let h = history(dead(&["history", "db/password", "--json"]));
    assert_eq!(h.len(), 2, "no version was added: {h:#?}");
}

// ---- 5. the plugin's messages ----------------------------------------------------

fn touch_message_is_shown(env: &Env) {
    let (id, _) = plugin_identity(env, None);
    pv(env, &["init", "--identity", id.to_str().unwrap()]).ok();
    pv(env, &["put", "a"]).stdin(b"value").ok();
    let quiet = pv(env, &["get", "a"]).ok();
    assert!(!quiet.stderr.contains("touch your key"), "{}", quiet.stderr);
    let out = pv(env, &["get", "a"]).env("VAULTTEST_TOUCH", "1").ok();
    assert_eq!(out.stdout, b"value");
    assert!(
        out.stderr
            .lines()
            .any(|l| l == "vault: age-plugin-vaulttest: vaulttest: touch your key"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains('\u{1b}'), "{:?}", out.stderr);
}

// ---- 6. the plugin missing from PATH ---------------------------------------------

fn missing_plugin_is_named(alice: &Env) {
    let (id, _) = plugin_identity(alice, None);
    pv(alice, &["init", "--identity", id.to_str().unwrap()]).ok();
    pv(alice, &["put", "a"]).stdin(b"value").ok();
    let out = alice
        .vault(&["get", "a"])
        .env("PATH", path_without_plugin())
        .fails(8, "age-plugin-vaulttest");
    assert!(out.stderr.contains("PATH"), "{}", out.stderr);

    // An ordinary member adding a plugin line without the plugin: refused,
    // and nobody is added.
    let carol = Env::new(alice.backend);
    carol.init();
    let bob = carol.another_user();
    let (bob_id, bob_r) = plugin_identity(&bob, None);
    pv(&bob, &["init", "--identity", bob_id.to_str().unwrap()]).ok();
    let line = member_line(pv(&bob, &["whoami"]));
    let before = carol.vault(&["member", "ls", "--json"]).ok().stdout;
    let grants = carol.db().grants().len();
    carol
        .vault(&["member", "add", &line, "--name", "bob"])
        .env("PATH", path_without_plugin())
        .fails(8, "age-plugin-vaulttest is not on PATH");
    assert_eq!(carol.vault(&["member", "ls", "--json"]).ok().stdout, before);
    assert!(carol.db().member(&bob_r).is_none());
    assert_eq!(carol.db().grants().len(), grants);
    // With the plugin, the same line is added.
    pv(&carol, &["member", "add", &line, "--name", "bob"]).ok();
    assert!(carol.db().member(&bob_r).is_some());
}

// ---- 7. vault unlock ---------------------------------------------------------------

fn unlock_has_nothing_to_unlock(env: &Env) {
    let (id, _) = plugin_identity(env, Some("1234"));
    let pin = private_file(env.home.path(), "pin", b"1234\n");
    pv(env, &["init", "--identity", id.to_str().unwrap()])
        .env("VAULT_PASSPHRASE_FILE", &pin)
        .ok();
    pv(env, &["unlock"]).env("VAULT_PASSPHRASE_FILE", &pin).fails(
        2,
        "is an age plugin identity: its plugin holds the key, so there is nothing to unlock",
    );
    let who = json(&pv(env, &["whoami", "--json"]).ok().stdout);
    assert_eq!(who["agent"]["state"], "not-running", "{who:#}");
}
