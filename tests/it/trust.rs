//! Issue 12: the attacks on the key, member and grant tables, each refused
//! now that a signed, hash-chained log decides who holds the vault key.
//!
//! The attacker holds no member identity (or, as a removed member, an old
//! one): they make their own key with `age-keygen`, grants with `age -a -r`,
//! values with a MAC they compute themselves, and write the tables through
//! [`Env::db`]. Every story runs on both backends and checks the exit code
//! (6, integrity), the message, an empty stdout for a refused read, and that
//! the attacker's identity opens nothing written afterwards.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use uuid::Uuid;

use crate::attack_util::*;
use crate::both;
use crate::harness::{Env, Out, skip};

both!(
    key_substitution_is_refused_and_rotate_repairs_it,
    init_by_a_member_notices_key_substitution,
    forged_value_under_a_planted_key_is_refused,
    planted_member_gets_no_grant_of_the_new_key,
    removed_member_cannot_plant_himself_back,
    swapped_member_names_do_not_redirect_member_rm,
    malformed_planted_member_does_not_stop_rotation,
    restored_retired_key_stays_retired,
    value_transplanted_from_another_vault_is_refused,
    log_rollback_is_refused,
    log_of_another_vault_is_refused,
    fingerprint_pins_explicitly,
    first_contact_is_announced_once,
);

/// The refusal every table/log disagreement shares.
const ALTERED: &str = "membership or key history was altered";

// ---- the attacker's tools: the age CLI ---------------------------------------

fn have_age() -> bool {
    ["age", "age-keygen"].iter().all(|tool| {
        Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

/// Skips (fails under CI) when the age CLI is missing; true when it is there.
fn age_cli() -> bool {
    if have_age() {
        return true;
    }
    skip("needs the age CLI (age, age-keygen; scripts/test installs it)");
    false
}

/// An age key pair made with `age-keygen`, outside vault.
struct AgeKey {
    _dir: tempfile::TempDir,
    path: PathBuf,
    recipient: String,
    secret: String,
}

impl AgeKey {
    fn generate() -> AgeKey {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("attacker.txt");
        let out = Command::new("age-keygen").arg("-o").arg(&path).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let text = std::fs::read_to_string(&path).unwrap();
        let recipient = text
            .lines()
            .find_map(|l| l.strip_prefix("# public key: "))
            .expect("age-keygen writes the public key")
            .to_owned();
        let secret = text
            .lines()
            .find(|l| l.starts_with(SECRET_KEY_PREFIX))
            .expect("age-keygen writes the secret key")
            .to_owned();
        AgeKey {
            _dir: dir,
            path,
            recipient,
            secret,
        }
    }

    /// What a grant of this key (as vault key `id`) decrypts to.
    fn grant_text(&self, id: Uuid) -> String {
        format!("# vault key {id}\n{}\n", self.secret)
    }

    fn opens(&self, armored: &str) -> bool {
        age_decrypt(&self.path, armored).is_some()
    }
}

/// `age -a -r RECIPIENT`, as anyone can.
fn age_encrypt(recipient: &str, plain: &[u8]) -> String {
    let out = pipe(Command::new("age").args(["-a", "-r", recipient]), plain);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// `age -d -i IDENTITY`: the plaintext, or `None` when it does not open.
fn age_decrypt(identity: &Path, armored: &str) -> Option<Vec<u8>> {
    let out = pipe(
        Command::new("age").arg("-d").arg("-i").arg(identity),
        armored.as_bytes(),
    );
    out.status.success().then_some(out.stdout)
}

fn pipe(cmd: &mut Command, input: &[u8]) -> std::process::Output {
    use std::io::Write;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

/// A perfect v1 sealed value (src/seal/mod.rs) for row `id` named `name`,
/// under the attacker's own key `key_id`: the MAC is right, so only the log
/// can refuse it. Returns (armored ciphertext, nonce).
fn forge_v1(key: &AgeKey, key_id: Uuid, id: Uuid, name: &str, value: &[u8]) -> (String, Vec<u8>) {
    let nonce: Vec<u8> = Uuid::new_v4().as_bytes().to_vec();
    let hk = hkdf::Hkdf::<Sha256>::new(Some(b"vault.secret-mac.v1"), key.secret.as_bytes());
    let mut mac_key = [0u8; 32];
    hk.expand(key_id.as_bytes(), &mut mac_key).unwrap();
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&mac_key).unwrap();
    for field in [
        b"vault-secret v1".as_slice(),
        id.as_bytes(),
        name.as_bytes(),
        key_id.as_bytes(),
        &nonce,
        value,
    ] {
        mac.update(&(field.len() as u64).to_be_bytes());
        mac.update(field);
    }
    let tag = mac.finalize().into_bytes();
    let mut plain = format!(
        "vault-secret v1\nid {id}\nname {name}\nkey {key_id}\nnonce {}\nmac {}\n\n",
        B64.encode(&nonce),
        B64.encode(tag)
    )
    .into_bytes();
    plain.extend_from_slice(value);
    (age_encrypt(&key.recipient, &plain), nonce)
}

/// Plants `key` as vault key `state` with a grant of it to every member row.
fn plant_key(env: &Env, key: &AgeKey, state: &str) -> Uuid {
    let db = env.db();
    let id = Uuid::new_v4();
    db.insert_key(id, &key.recipient, state);
    for m in db.members() {
        db.insert_grant(
            id,
            &m.recipient,
            &age_encrypt(&m.recipient, key.grant_text(id).as_bytes()),
        );
    }
    id
}

// ---- members ---------------------------------------------------------------

/// The first line of `whoami`: the member line (recipient and verifying key).
fn member_line(env: &Env) -> String {
    env.vault(&["whoami"])
        .ok()
        .stdout_str()
        .lines()
        .next()
        .unwrap()
        .to_owned()
}

fn recipient_of(line: &str) -> String {
    line.split_whitespace().next().unwrap().to_owned()
}

/// The vault's fingerprint as `whoami` prints it.
fn fingerprint(env: &Env) -> String {
    env.vault(&["whoami"])
        .ok()
        .stdout_str()
        .lines()
        .find_map(|l| l.strip_prefix("fingerprint:"))
        .expect("whoami prints the fingerprint")
        .trim()
        .to_owned()
}

/// A new user on `alice`'s vault, added by her as `name`: (env, recipient).
fn join(alice: &Env, name: &str) -> (Env, String) {
    let user = alice.another_user();
    user.vault(&["init", "--name", name]).ok();
    let line = member_line(&user);
    alice.vault(&["member", "add", &line, "--name", name]).ok();
    (user, recipient_of(&line))
}

/// Asserts an integrity refusal that still had work to do first (rotate,
/// member rm): exit 6, the needles on stderr, and no secret anywhere.
#[track_caller]
fn completes_then_6(out: &Out, needles: &[&str]) {
    assert_eq!(out.code, 6, "expected exit 6: {}", out.stderr);
    let last = out.stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("vault: ") && last.contains(ALTERED),
        "the last line names the disagreement: {:?}",
        out.stderr
    );
    for n in needles {
        assert!(last.contains(n), "{last:?} does not contain {n:?}");
    }
    assert_out_clean("completed with exit 6", out, &[]);
}

/// Asserts a command that reports what the verified log says (whoami,
/// member ls) and then exits 6 with a one-line error naming the needles.
#[track_caller]
fn reported_then_6(out: &Out, needles: &[&str]) {
    assert_eq!(out.code, 6, "expected exit 6: {}", out.stderr);
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "a one-line error: {:?}", out.stderr);
    assert!(lines[0].starts_with("vault: "), "{:?}", lines[0]);
    for n in needles {
        assert!(out.stderr.contains(n), "{:?} does not contain {n:?}", out.stderr);
    }
}

/// No grant of the current key opens with `key`, and neither does the
/// row `name` (written after the attack).
#[track_caller]
fn attacker_opens_nothing_new(env: &Env, key: &AgeKey, name: &str) {
    let db = env.db();
    let current = db.current_key();
    for g in db.grants().into_iter().filter(|g| g.key_id == current) {
        assert!(
            !key.opens(&g.sealed_key),
            "the attacker opens the grant to {}",
            g.recipient
        );
    }
    let row = db.row(name);
    assert_eq!(row.key_id, Some(current));
    assert!(!key.opens(&row.secret), "the attacker opens {name}");
}

// ---- 1. key substitution -------------------------------------------------

fn key_substitution_is_refused_and_rotate_repairs_it(alice: &Env) {
    if !age_cli() {
        return;
    }
    alice.init();
    let (bob, _) = join(alice, "bob");
    let old = marker();
    alice.put("a", old.as_bytes());
    let db = alice.db();
    let real = db.current_key();

    // Carol, who is about to be added.
    let carol = alice.another_user();
    carol.vault(&["init", "--name", "carol"]).ok();
    let carol_line = member_line(&carol);

    let attacker = AgeKey::generate();
    db.set_key_state(real, "retiring");
    let planted = plant_key(alice, &attacker, "current");

    let m = marker();
    for user in [alice, &bob] {
        user.vault(&["put", "new"]).stdin(m.as_bytes()).fails(6, ALTERED);
        assert!(db.find("new").is_none(), "nothing was stored");
        let out = user.vault(&["get", "a"]).fails(6, ALTERED);
        assert_out_clean("get", &out, &[&old]);
        // whoami and member ls say what the log says, then exit 6.
        for args in [&["whoami"][..], &["member", "ls"], &["member", "ls", "--json"]] {
            let out = user.vault(args).run();
            reported_then_6(&out, &[ALTERED, &planted.to_string()]);
            assert!(
                !out.stdout_str().contains(&planted.to_string()),
                "{args:?} shows the planted key as the vault's: {}",
                out.stdout_str()
            );
        }
    }
    alice
        .vault(&["member", "add", &carol_line, "--name", "carol"])
        .fails(6, ALTERED);
    // A client meeting the vault for the first time sees it too.
    let dave = alice.another_user();
    dave.vault(&["init", "--name", "dave"]).ok();
    let out = dave.vault(&["whoami"]).run();
    reported_then_6(&out, &[ALTERED, &planted.to_string()]);
    assert!(db.member(&recipient_of(&carol_line)).is_none());
    assert!(db.grants_of(&recipient_of(&carol_line)).is_empty());

    // rotate repairs the tables, completes, and names the planted key.
    let out = alice.vault(&["rotate"]).run();
    completes_then_6(&out, &[&planted.to_string()]);
    let now = db.current_key();
    assert!(now != planted && now != real, "a fresh key: {now}");
    assert!(
        db.keys().iter().all(|k| k.id != planted || k.state == "retired"),
        "the planted key is out of use: {:?}",
        db.keys()
    );
    // Every existing secret now sits under the new key, not the attacker's.
    assert_eq!(db.row("a").key_id, Some(now));
    assert!(!attacker.opens(&db.row("a").secret));
    assert_eq!(alice.get("a"), old.as_bytes());
    assert_eq!(bob.get("a"), old.as_bytes());
    alice.put("after", m.as_bytes());
    assert_eq!(bob.get("after"), m.as_bytes());
    attacker_opens_nothing_new(alice, &attacker, "after");
    // And members can be added again.
    alice
        .vault(&["member", "add", &carol_line, "--name", "carol"])
        .ok();
    assert_eq!(carol.get("after"), m.as_bytes());
}

/// `vault init` run again by a member (as the README suggests when in
/// doubt) on a vault whose key table was substituted: it must not tell the
/// founder "you are not a member yet, ask a member to add you" with exit 0.
fn init_by_a_member_notices_key_substitution(alice: &Env) {
    if !age_cli() {
        return;
    }
    alice.init();
    alice.put("a", b"1");
    let db = alice.db();
    db.set_key_state(db.current_key(), "retiring");
    let planted = plant_key(alice, &AgeKey::generate(), "current");
    let out = alice.vault(&["init"]).run();
    assert!(
        !out.stderr.contains("not a member"),
        "init tells a member she is not one: {}",
        out.stderr
    );
    assert_eq!(out.code, 6, "{}", out.stderr);
    assert!(
        out.stderr.contains(ALTERED) && out.stderr.contains(&planted.to_string()),
        "{}",
        out.stderr
    );
}

// ---- 2. forgery ------------------------------------------------------------

fn forged_value_under_a_planted_key_is_refused(alice: &Env) {
    if !age_cli() {
        return;
    }
    alice.init();
    alice.put("bash_env", b"# the real one\n");
    alice.put("other", b"fine");
    let db = alice.db();
    let attacker = AgeKey::generate();
    let planted = plant_key(alice, &attacker, "retiring");
    let row = db.row("bash_env");
    let evil = marker();
    let payload = format!("echo {evil} > /tmp/pwned\n");
    let (secret, nonce) = forge_v1(&attacker, planted, row.id, "bash_env", payload.as_bytes());
    // The forgery is sound as such: the attacker opens it, header and all.
    let plain = age_decrypt(&attacker.path, &secret).unwrap();
    assert!(plain.starts_with(b"vault-secret v1\n") && plain.ends_with(payload.as_bytes()));
    db.set_secret("bash_env", &secret);
    db.set_nonce("bash_env", Some(&nonce));
    db.set_key_id("bash_env", Some(planted));

    let ran = alice.home.path().join("ran");
    let touch = format!("touch '{}'", ran.display());
    let refusals = [
        vec!["get", "bash_env"],
        vec!["env"],
        vec!["env", "bash_env"],
        vec!["export"],
        vec!["run", "--", "true"],
        vec!["run", "--", "sh", "-c", &touch],
    ];
    for args in &refusals {
        let out = alice.vault(args).fails(6, "bash_env");
        assert!(
            out.stderr.contains(&planted.to_string()) && out.stderr.contains("never made"),
            "{args:?}: refused by the log (not by a MAC): {}",
            out.stderr
        );
        assert_out_clean("forgery", &out, &[&evil]);
    }

    assert!(!ran.exists(), "run started the command");

    let out = alice.vault(&["rotate"]).run();
    completes_then_6(&out, &["bash_env"]);
    assert!(!String::from_utf8_lossy(&out.stdout).contains(&evil));
    let after = db.row("bash_env");
    assert_eq!(after.key_id, Some(planted), "never re-sealed under a real key");
    assert_eq!(after.secret, secret, "left exactly as it was");
    alice.vault(&["get", "bash_env"]).fails(6, "bash_env");
    assert_eq!(alice.get("other"), b"fine");
    assert_eq!(db.row("other").key_id, Some(db.current_key()));
}

// ---- 3. grant injection ------------------------------------------------------

fn planted_member_gets_no_grant_of_the_new_key(alice: &Env) {
    if !age_cli() {
        return;
    }
    alice.init();
    let (bob, bob_r) = join(alice, "bob");
    let (carol, _) = join(alice, "carol");
    alice.put("a", b"1");
    let db = alice.db();
    let attacker = AgeKey::generate();
    let plant = || {
        db.insert_member(
            &attacker.recipient,
            "mallory",
            Some(&recipient_of(&member_line(alice))),
        );
        db.insert_grant(
            db.current_key(),
            &attacker.recipient,
            &age_encrypt(&attacker.recipient, b"junk"),
        );
    };

    plant();
    let before = db.current_key();
    let out = alice.vault(&["rotate"]).run();
    completes_then_6(&out, &["mallory"]);
    let now = db.current_key();
    assert_ne!(now, before, "rotated");
    assert!(db.grants_of(&attacker.recipient).is_empty(), "{:?}", db.grants());
    assert!(
        db.member(&attacker.recipient).is_none(),
        "the planted row is gone"
    );
    alice.put("after-rotate", b"2");
    attacker_opens_nothing_new(alice, &attacker, "after-rotate");
    assert_eq!(bob.get("after-rotate"), b"2");

    // The same through `member rm`.
    plant();
    let out = alice.vault(&["member", "rm", "bob"]).run();
    completes_then_6(&out, &["mallory"]);
    let all = format!("{}{}", out.stdout_str(), out.stderr);
    assert!(all.contains(&bob_r), "names the recipient removed: {all}");
    assert_ne!(db.current_key(), now, "rotated away from bob");
    assert!(db.grants_of(&attacker.recipient).is_empty(), "{:?}", db.grants());
    assert!(db.grants_of(&bob_r).is_empty());
    alice.put("after-rm", b"3");
    attacker_opens_nothing_new(alice, &attacker, "after-rm");
    assert_eq!(carol.get("after-rm"), b"3");
    assert_ne!(bob.vault(&["get", "after-rm"]).run().code, 0);
}

// ---- 4. a removed member -------------------------------------------------------

fn removed_member_cannot_plant_himself_back(alice: &Env) {
    if !age_cli() {
        return;
    }
    alice.init();
    let (bob, bob_r) = join(alice, "bob");
    alice.put("a", b"before");
    assert_eq!(bob.get("a"), b"before");
    let db = alice.db();
    let bob_row = db.member(&bob_r).unwrap();
    let bob_grants: Vec<_> = db.grants().into_iter().filter(|g| g.recipient == bob_r).collect();
    assert!(!bob_grants.is_empty());
    // Bob keeps his old vault keys (he could open his grants all along).
    let old_keys = tempfile::tempdir().unwrap();
    let mut kept = Vec::new();
    for g in &bob_grants {
        let plain = age_decrypt(&bob.identity_path(), &g.sealed_key).expect("bob opens his grant");
        let p = old_keys.path().join(format!("{}.txt", g.key_id));
        std::fs::write(&p, plain).unwrap();
        kept.push(p);
    }

    let out = alice.vault(&["member", "rm", "bob"]).ok();
    assert!(format!("{}{}", out.stdout_str(), out.stderr).contains(&bob_r));
    // Bob, with write access, puts his member row and grants back, and a
    // grant of the new current key (junk: he cannot know it).
    db.insert_member(&bob_row.recipient, &bob_row.name, bob_row.added_by.as_deref());
    let known: Vec<Uuid> = db.keys().iter().map(|k| k.id).collect();
    for g in bob_grants.iter().filter(|g| known.contains(&g.key_id)) {
        db.insert_grant(g.key_id, &g.recipient, &g.sealed_key);
    }
    let current = db.current_key();
    if !db.grants_of(&bob_r).contains(&current) {
        db.insert_grant(current, &bob_r, &age_encrypt(&bob_r, b"junk"));
    }

    let out = alice.vault(&["rotate"]).run();
    completes_then_6(&out, &["bob"]);
    let now = db.current_key();
    assert_ne!(now, current);
    assert!(!db.grants_of(&bob_r).contains(&now), "{:?}", db.grants());
    assert!(db.member(&bob_r).is_none());

    let m = marker();
    alice.put("after", m.as_bytes());
    let out = bob.vault(&["get", "after"]).run();
    assert_ne!(out.code, 0, "bob reads {}", out.stdout_str());
    assert!(out.stdout.is_empty());
    assert_out_clean("bob", &out, &[&m]);
    let row = db.row("after");
    for k in &kept {
        assert!(
            age_decrypt(k, &row.secret).is_none(),
            "an old key of bob's opens the new value"
        );
    }
    assert!(age_decrypt(&bob.identity_path(), &row.secret).is_none());
}

// ---- 5. swapped names ----------------------------------------------------------

fn swapped_member_names_do_not_redirect_member_rm(alice: &Env) {
    alice.init();
    let (bob, bob_r) = join(alice, "bob");
    let (carol, carol_r) = join(alice, "carol");
    alice.put("a", b"1");
    let db = alice.db();
    db.set_member_name(&bob_r, "tmp-swap");
    db.set_member_name(&carol_r, "bob");
    db.set_member_name(&bob_r, "carol");

    let out = alice.vault(&["member", "rm", "bob"]).run();
    let all = format!("{}{}", out.stdout_str(), out.stderr);
    assert!(all.contains(&bob_r), "removed the log's bob: {all}");
    assert!(!all.contains(&carol_r), "carol untouched: {all}");
    completes_then_6(&out, &[]);
    assert!(db.member(&bob_r).is_none());
    assert_eq!(db.member(&carol_r).map(|m| m.name).as_deref(), Some("carol"));
    alice.put("after", b"2");
    assert_eq!(carol.get("after"), b"2");
    assert_ne!(bob.vault(&["get", "after"]).run().code, 0);
}

// ---- 6. a malformed planted member ---------------------------------------------

fn malformed_planted_member_does_not_stop_rotation(alice: &Env) {
    alice.init();
    alice.put("a", b"1");
    let db = alice.db();
    let before = db.current_key();
    db.insert_member("age1xyz-not-a-recipient", "mallory", None);
    let out = alice.vault(&["rotate"]).run();
    completes_then_6(&out, &["mallory"]);
    assert_ne!(db.current_key(), before, "rotated");
    assert!(db.member("age1xyz-not-a-recipient").is_none());
    assert_eq!(alice.get("a"), b"1");
    // member rm too: plant it again next to a real member.
    let (_bob, _) = join(alice, "bob");
    db.insert_member("age1xyz-not-a-recipient", "mallory", None);
    let out = alice.vault(&["member", "rm", "bob"]).run();
    completes_then_6(&out, &["mallory"]);
}

// ---- 7. a retired key restored --------------------------------------------------

fn restored_retired_key_stays_retired(alice: &Env) {
    alice.init();
    let old = marker();
    alice.put("a", old.as_bytes());
    let db = alice.db();
    let key = db.key(db.current_key());
    let grants: Vec<_> = db.grants().into_iter().filter(|g| g.key_id == key.id).collect();
    let row = db.row("a");
    alice.vault(&["rotate"]).ok();
    alice.put("a", b"new");

    // Restore the key (row and state), its grants, and the old row.
    if db.keys().iter().any(|k| k.id == key.id) {
        db.set_key_state(key.id, "retiring");
    } else {
        db.insert_key(key.id, &key.recipient, "retiring");
    }
    for g in &grants {
        if !db.grants_of(&g.recipient).contains(&g.key_id) {
            db.insert_grant(g.key_id, &g.recipient, &g.sealed_key);
        }
    }
    db.delete("a");
    db.insert_secret(&row);
    let out = alice.vault(&["get", "a"]).fails(6, "retired");
    assert_out_clean("restored", &out, &[&old]);
    // rotate neither re-seals it nor brings the key back.
    let out = alice.vault(&["rotate"]).run();
    completes_then_6(&out, &["a"]);
    assert_eq!(db.row("a").key_id, Some(key.id));
    assert_eq!(db.row("a").secret, row.secret);
    alice.vault(&["get", "a"]).fails(6, "retired");
}

// ---- 8. a value transplanted from another vault -----------------------------------

fn value_transplanted_from_another_vault_is_refused(env: &Env) {
    env.init();
    env.put("k", b"ours");
    // Vault B, with the same member (same identity).
    let other = Env::new(env.backend);
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::create_dir_all(other.config_dir()).unwrap();
        std::fs::set_permissions(other.config_dir(), std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    std::fs::copy(env.identity_path(), other.identity_path()).unwrap();
    other.init();
    let theirs = marker();
    other.put("k", theirs.as_bytes());
    let b = other.db();
    let row = b.row("k");
    let key = b.key(row.key_id.unwrap());
    let grant = b.grants().into_iter().find(|g| g.key_id == key.id).unwrap();

    let db = env.db();
    db.insert_key(key.id, &key.recipient, "retiring");
    db.insert_grant(key.id, &grant.recipient, &grant.sealed_key);
    db.delete("k");
    db.insert_secret(&row);
    let out = env.vault(&["get", "k"]).fails(6, "\"k\"");
    assert_out_clean("transplant", &out, &[&theirs]);
    let out = env.vault(&["export"]).fails(6, "k");
    assert_out_clean("transplant", &out, &[&theirs]);
}

// ---- 9. the log itself -----------------------------------------------------------

fn log_rollback_is_refused(alice: &Env) {
    alice.init();
    alice.put("a", b"1");
    let (bob, _) = join(alice, "bob");
    assert_eq!(bob.get("a"), b"1");
    let db = alice.db();
    let log = db.log();
    assert_eq!(log.len(), 2, "genesis and bob's entry");

    // The newest entry deleted after both clients pinned it.
    let (last_seq, last) = log.last().unwrap().clone();
    assert_eq!(db.delete_log_from(last_seq), 1);
    for user in [alice, &bob] {
        for args in [
            &["get", "a"][..],
            &["ls"],
            &["put", "b"],
            &["member", "ls"],
            &["rotate"],
        ] {
            let out = user.vault(args).stdin(b"x").fails(6, "rollback");
            assert!(out.stderr.contains(ALTERED), "{}", out.stderr);
        }
    }
    assert!(db.find("b").is_none());
    // Restored, it is the same vault again.
    db.insert_log(last_seq, &last);
    assert_eq!(alice.get("a"), b"1");
    assert_eq!(bob.get("a"), b"1");
}

/// Another vault's log (and key tables) at the URL a client pinned, shorter
/// or longer than the pinned one: named as another vault.
fn log_of_another_vault_is_refused(alice: &Env) {
    alice.init();
    alice.put("a", b"1");
    let (bob, _) = join(alice, "bob");
    assert_eq!(bob.get("a"), b"1");
    let db = alice.db();
    let ours = db.log();
    let mut stderrs = Vec::new();
    // One entry (shorter than the pinned head) and three (longer).
    for extra in [0, 2] {
        let other = Env::new(alice.backend);
        other.init();
        for i in 0..extra {
            join(&other, &format!("m{i}"));
        }
        let fp = fingerprint(&other);
        let theirs = other.db();
        assert_eq!(theirs.log().len(), 1 + extra);
        db.delete_log_from(0);
        for (seq, entry) in theirs.log() {
            db.insert_log(seq, &entry);
        }
        for m in theirs.members() {
            db.insert_member(
                &m.recipient,
                &format!("x{extra}{}", m.name),
                m.added_by.as_deref(),
            );
        }
        for k in theirs.keys() {
            db.insert_key(k.id, &k.recipient, "retiring");
        }
        for g in theirs.grants() {
            db.insert_grant(g.key_id, &g.recipient, &g.sealed_key);
        }
        for user in [alice, &bob] {
            for args in [&["get", "a"][..], &["ls"]] {
                let out = user.vault(args).run();
                assert_eq!(out.code, 6, "{args:?} with {extra}: {}", out.stderr);
                assert!(out.stdout.is_empty(), "{args:?}: {}", out.stdout_str());
                stderrs.push((extra, fp.clone(), out.stderr));
            }
        }
        db.delete_log_from(0);
        for (seq, entry) in &ours {
            db.insert_log(*seq, entry);
        }
    }
    let unnamed: Vec<String> = stderrs
        .iter()
        .filter(|(_, fp, stderr)| !(stderr.contains("different vault") && stderr.contains(fp.as_str())))
        .map(|(extra, _, stderr)| format!("{} entries: {stderr}", 1 + extra))
        .collect();
    assert!(
        unnamed.is_empty(),
        "another vault's log is not named as another vault:\n{}",
        unnamed.join("\n")
    );
}

fn fingerprint_pins_explicitly(alice: &Env) {
    alice.init();
    alice.put("a", b"1");
    let right = fingerprint(alice);
    let wrong = fingerprint(Env::new(alice.backend).init());
    assert_ne!(right, wrong);

    let fresh = alice.another_user();
    fresh
        .vault(&["ls"])
        .env("VAULT_FINGERPRINT", &wrong)
        .fails(6, "VAULT_FINGERPRINT");
    // A refused pin is not kept: the right one still works, silently.
    let out = fresh.vault(&["ls"]).env("VAULT_FINGERPRINT", &right).ok();
    assert_eq!(out.stdout_str(), "a\n");
    assert!(!out.stderr.contains("first contact"), "{}", out.stderr);
    // Pinned now: a wrong fingerprint later is still refused.
    fresh
        .vault(&["ls"])
        .env("VAULT_FINGERPRINT", &wrong)
        .fails(6, "VAULT_FINGERPRINT");
    assert!(!fresh.vault(&["ls"]).ok().stderr.contains("first contact"));
}

// ---- 10. first contact -----------------------------------------------------------

fn first_contact_is_announced_once(alice: &Env) {
    alice.init();
    alice.put("a", b"1");
    let fp = fingerprint(alice);
    assert!(fp.starts_with("SHA256:"), "{fp}");
    assert!(!alice.vault(&["ls"]).ok().stderr.contains("first contact"));

    let bob = alice.another_user();
    let out = bob.vault(&["ls"]).ok();
    assert_eq!(out.stdout_str(), "a\n");
    let lines: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.contains("first contact"))
        .collect();
    assert_eq!(lines.len(), 1, "{}", out.stderr);
    assert!(lines[0].contains(&fp), "{}", out.stderr);
    assert!(
        lines[0].starts_with("vault: first contact with the vault at "),
        "{}",
        lines[0]
    );
    let again = bob.vault(&["ls"]).ok();
    assert!(!again.stderr.contains("first contact"), "{}", again.stderr);
    // init of the same user, and whoami, do not announce it again either.
    let init = bob.vault(&["init", "--name", "bob"]).ok();
    assert!(!init.stderr.contains("first contact"), "{}", init.stderr);
    assert!(!bob.vault(&["whoami"]).ok().stderr.contains("first contact"));
}
