//! Members: several people (own HOMEs, own identities) on one vault.
//! Access is refused before `member add` and granted after; `member ls` and
//! `whoami` say who is who; SSH and passphrase-protected identities work end
//! to end; `member rm` rotates the key away from the removed member.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use uuid::Uuid;

use crate::both;
use crate::harness::Env;

both!(
    add_grants_access_and_ls_records_who,
    member_errors_change_nothing,
    ssh_identities_end_to_end,
    passphrase_identity_non_interactive,
    remove_rotates_away_from_the_member,
    remove_without_rotation_warns,
    add_during_half_done_rotation_grants_retiring_key,
);

/// The first line of `whoami`: the member line `vault member add` takes.
fn line(env: &Env, extra: &[(&str, &Path)]) -> String {
    let mut run = env.vault(&["whoami"]);
    for (k, v) in extra {
        run = run.env(k, v);
    }
    let out = run.ok().stdout_str();
    out.lines().next().unwrap().to_owned()
}

/// The bare recipient: the member line's first field for an age identity
/// (the second is the signing key), the whole line for an SSH key.
fn recipient(env: &Env, extra: &[(&str, &Path)]) -> String {
    let line = line(env, extra);
    match line.strip_prefix("age1") {
        Some(_) => line.split(' ').next().unwrap().to_owned(),
        None => line,
    }
}

fn json(out: &[u8]) -> serde_json::Value {
    serde_json::from_slice(out).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(out)))
}

fn current_key(env: &Env) -> Uuid {
    env.db().current_key()
}

/// Key ids `recipient` holds a grant for, in order.
fn grants_of(env: &Env, recipient: &str) -> Vec<Uuid> {
    env.db().grants_of(recipient)
}

/// Every secret's name, ciphertext and key id, by name.
fn sealed(env: &Env) -> Vec<(String, String, Option<Uuid>)> {
    env.db()
        .rows()
        .into_iter()
        .map(|r| (r.name, r.secret, r.key_id))
        .collect()
}

/// Every secret's ciphertext, by name.
fn ciphertexts(env: &Env) -> Vec<String> {
    env.db().rows().into_iter().map(|r| r.secret).collect()
}

fn add_grants_access_and_ls_records_who(alice: &Env) {
    alice.init();
    alice.put("db/password", b"hunter2");
    let alice_r = recipient(alice, &[]);
    let secrets_before = sealed(alice);

    let bob = alice.another_user();
    let init = bob.vault(&["init", "--name", "bob"]).ok();
    assert!(
        init.stderr.contains("you are not a member yet") && init.stderr.contains("vault member add 'age1"),
        "{}",
        init.stderr
    );
    let bob_r = recipient(&bob, &[]);
    let bob_l = line(&bob, &[]);
    assert!(bob_r.starts_with("age1"), "{bob_r}");
    assert!(bob_l.starts_with(&format!("{bob_r} vault-ed25519:")), "{bob_l}");
    assert_ne!(bob_r, alice_r);
    bob.vault(&["get", "db/password"])
        .fails(5, "holds no copy of vault key");
    bob.vault(&["put", "x"]).stdin(b"1").fails(5, "cannot write");
    let who = json(&bob.vault(&["whoami", "--json"]).ok().stdout);
    assert_eq!(who["recipient"], bob_r.as_str());
    assert_eq!(who["member"], false);
    assert_eq!(who["has_current_key"], false);
    assert_eq!(who["identity_type"], "age-x25519");
    let text = bob.vault(&["whoami"]).ok().stdout_str();
    assert!(
        text.contains(&format!(
            "member:   no; ask a member to run: vault member add '{bob_l}'"
        )),
        "{text}"
    );
    // A non-member cannot add anyone (they cannot open the key to grant it).
    let carol_l = {
        let carol = alice.another_user();
        carol.vault(&["init"]).ok();
        line(&carol, &[])
    };
    bob.vault(&["member", "add", &carol_l, "--name", "carol"])
        .fails(5, "is not a member of this vault");
    assert_eq!(alice.db().members().len(), 1);

    let added = alice.vault(&["member", "add", &bob_l, "--name", "bob"]).ok();
    assert!(added.stderr.contains("added bob (age1"), "{}", added.stderr);
    assert_eq!(bob.get("db/password"), b"hunter2");
    // Adding re-seals nothing: every secret row is byte for byte the same.
    let secrets_after = sealed(alice);
    assert_eq!(secrets_before, secrets_after);
    assert_eq!(grants_of(alice, &bob_r), vec![current_key(alice)]);
    // Bob can write too, and Alice reads what he wrote.
    bob.put("from/bob", b"b0b");
    assert_eq!(alice.get("from/bob"), b"b0b");

    // ls: JSON, and one tab-separated line per member when piped.
    let ls = json(&alice.vault(&["member", "ls", "--json"]).ok().stdout);
    let list = ls.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["name"], "bob");
    assert_eq!(list[0]["recipient"], bob_r.as_str());
    assert_eq!(list[0]["added_by"], alice_r.as_str());
    assert_eq!(list[0]["added_by_name"], "tester");
    assert_eq!(list[0]["has_current_key"], true);
    assert!(list[0]["added_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(list[1]["name"], "tester");
    assert_eq!(list[1]["recipient"], alice_r.as_str());
    assert_eq!(list[1]["added_by"], serde_json::Value::Null);
    let piped = bob.vault(&["member", "ls"]).ok().stdout_str();
    let lines: Vec<Vec<&str>> = piped.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(lines.len(), 2, "{piped}");
    assert_eq!(lines[0][0], "bob");
    assert_eq!(lines[0][1], bob_r);
    assert_eq!(lines[0][3], "tester");
    assert_eq!(lines[1][0], "tester");
    assert_eq!(lines[1][3], "-");
    // The database records who added whom.
    let members = alice.db().members();
    let bob_row = members.iter().find(|m| m.name == "bob").unwrap();
    assert_eq!(bob_row.added_by.as_deref(), Some(alice_r.as_str()));

    let who = json(&bob.vault(&["whoami", "--json"]).ok().stdout);
    assert_eq!(who["member"], true);
    assert_eq!(who["name"], "bob");
    assert_eq!(who["added_by_name"], "tester");
    assert_eq!(who["has_current_key"], true);
    assert_eq!(
        Uuid::parse_str(who["current_key"].as_str().unwrap()).unwrap(),
        current_key(alice)
    );
}

fn member_errors_change_nothing(alice: &Env) {
    alice.init();
    let alice_r = recipient(alice, &[]);
    // The last member cannot be removed (by name or by recipient).
    alice
        .vault(&["member", "rm", "tester"])
        .fails(4, "is the last member");
    alice
        .vault(&["member", "rm", &alice_r])
        .fails(4, "is the last member");
    alice
        .vault(&["member", "rm", "nobody"])
        .fails(3, "no member \"nobody\"");

    let bob = alice.another_user();
    bob.vault(&["init"]).ok();
    let bob_l = line(&bob, &[]);
    alice.vault(&["member", "add", &bob_l, "--name", "bob"]).ok();
    let before = alice.db().members();
    let grants_before = alice.db().grants().len();

    // Same recipient (even spelled with surrounding space), or same name: conflict.
    alice
        .vault(&["member", "add", &format!(" {bob_l} "), "--name", "robert"])
        .fails(4, "is already a member, as \"bob\"");
    let carol = alice.another_user();
    carol.vault(&["init"]).ok();
    let carol_r = recipient(&carol, &[]);
    let carol_l = line(&carol, &[]);
    alice
        .vault(&["member", "add", &carol_l, "--name", "bob"])
        .fails(4, "a member named \"bob\" already exists");
    // Malformed recipients and names: usage.
    for (bad, why) in [
        ("age1xyz", "is not a valid"),
        ("bob", "is not a member line"),
        ("", "is not a member line"),
        ("ssh-ed25519 AAAAnotbase64!!", "cannot be used"),
        ("ssh-ed25519", "has no key after"),
        (
            "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTY=",
            "is not a member line",
        ),
        (carol_r.as_str(), "is only a recipient"),
    ] {
        alice.vault(&["member", "add", bad, "--name", "x"]).fails(2, why);
    }
    alice
        .vault(&["member", "add", &carol_l, "--name", "has space"])
        .fails(2, "invalid member name");
    alice
        .vault(&["member", "add", &carol_l, "--name=-dash"])
        .fails(2, "invalid member name");
    // Removing someone who is not there: not found, by name or recipient.
    alice
        .vault(&["member", "rm", "carol"])
        .fails(3, "no member \"carol\"");
    alice
        .vault(&["member", "rm", &carol_r])
        .fails(3, "no member age1");
    // Removing yourself is refused: someone who keeps the key must rotate it.
    alice
        .vault(&["member", "rm", "tester"])
        .fails(2, "cannot remove yourself");
    // A member without the key cannot remove anyone.
    carol.vault(&["member", "rm", "bob"]).fails(5, "holds no copy");
    assert_eq!(alice.db().log().len(), 2, "a refused change was recorded");

    assert_eq!(alice.db().members(), before);
    assert_eq!(alice.db().grants().len(), grants_before);
    // Without --name: the start of the recipient.
    alice.vault(&["member", "add", &carol_l]).ok();
    let name = alice.db().member(&carol_r).unwrap().name;
    assert!(carol_r.starts_with(&name), "{name} / {carol_r}");
}

fn ssh_keygen(kind: &str, bits: Option<&str>, passphrase: &str, path: &Path, comment: &str) {
    let mut cmd = Command::new("ssh-keygen");
    cmd.args(["-q", "-t", kind, "-N", passphrase, "-C", comment, "-f"])
        .arg(path);
    if let Some(b) = bits {
        cmd.args(["-b", b]);
    }
    let st = cmd.status().expect("ssh-keygen");
    assert!(st.success());
}

fn private_file(dir: &Path, name: &str, contents: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, contents).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
    p
}

fn ssh_identities_end_to_end(alice: &Env) {
    alice.init();
    alice.put("db/password", b"hunter2");

    // Bob: an unencrypted ed25519 key, given to init with --identity.
    let bob = alice.another_user();
    let key = bob.home.path().join("id_ed25519");
    ssh_keygen("ed25519", None, "", &key, "bob@laptop");
    let pub_line = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    let key_s = key.to_str().unwrap();
    bob.vault(&["init", "--identity", key_s]).ok();
    // init remembered the identity: later commands need no flag.
    let bob_r = recipient(&bob, &[]);
    let expected: Vec<&str> = pub_line.split_whitespace().take(2).collect();
    assert_eq!(bob_r, expected.join(" "));
    let who = json(&bob.vault(&["whoami", "--json"]).ok().stdout);
    assert_eq!(who["identity_type"], "ssh-ed25519");
    assert_eq!(who["identity"], key_s);
    bob.vault(&["get", "db/password"]).fails(5, "holds no copy");
    // The whole public key line, comment included: the comment is the default name.
    alice.vault(&["member", "add", pub_line.trim()]).ok();
    assert_eq!(bob.get("db/password"), b"hunter2");
    bob.put("ssh/written", b"by bob");
    assert_eq!(alice.get("ssh/written"), b"by bob");
    let ls = json(&alice.vault(&["member", "ls", "--json"]).ok().stdout);
    assert_eq!(ls[0]["name"], "bob@laptop");
    assert_eq!(ls[0]["recipient"], bob_r.as_str());
    // The same key again (without comment) is the same member.
    alice
        .vault(&["member", "add", &bob_r, "--name", "other"])
        .fails(4, "already a member");

    // Dan: a passphrase-protected RSA key, unlocked from VAULT_PASSPHRASE_FILE.
    let dan = alice.another_user();
    let key = dan.home.path().join("id_rsa");
    ssh_keygen("rsa", Some("2048"), "open sesame", &key, "dan@ci");
    let pass = private_file(dan.home.path(), "pass", b"open sesame\n");
    let wrong = private_file(dan.home.path(), "wrong", b"open says me\n");
    let dan_id = [
        ("VAULT_IDENTITY", key.as_path()),
        ("VAULT_PASSPHRASE_FILE", pass.as_path()),
    ];
    let dan_r = recipient(&dan, &dan_id);
    assert!(dan_r.starts_with("ssh-rsa AAAA"), "{dan_r}");
    alice.vault(&["member", "add", &dan_r, "--name", "dan"]).ok();
    let get = |pf: &Path| {
        dan.vault(&["get", "db/password"])
            .env("VAULT_IDENTITY", &key)
            .env("VAULT_PASSPHRASE_FILE", pf)
    };
    assert_eq!(get(&pass).ok().stdout, b"hunter2");
    get(&wrong).fails(8, "wrong passphrase for");
    // No passphrase source and no terminal: a clear error, not a hang.
    dan.vault(&["get", "db/password"])
        .env("VAULT_IDENTITY", &key)
        .fails(8, "is protected by a passphrase");
    // SSH members sign the log with their own keys (SSHSIG): Bob's ed25519
    // key and Dan's passphrase-protected RSA key each rotate, and Alice
    // verifies both signatures before she reads.
    bob.vault(&["rotate"]).ok();
    dan.vault(&["rotate"])
        .env("VAULT_IDENTITY", &key)
        .env("VAULT_PASSPHRASE_FILE", &pass)
        .ok();
    assert_eq!(alice.get("db/password"), b"hunter2");
    assert_eq!(
        alice.db().log().len(),
        7,
        "genesis, 2 added, 2 x (key-current, key-retired)"
    );
    // An unsupported key type is refused as an identity.
    let ecdsa = dan.home.path().join("id_ecdsa");
    ssh_keygen("ecdsa", None, "", &ecdsa, "x");
    dan.vault(&["whoami"])
        .env("VAULT_IDENTITY", &ecdsa)
        .fails(8, "ecdsa-sha2-nistp256 keys are not supported");
}

fn passphrase_identity_non_interactive(alice: &Env) {
    alice.init();
    alice.put("db/password", b"hunter2");
    let carol = alice.another_user();
    let pass = private_file(carol.home.path(), "pass", b"correct horse battery\n");
    let wrong = private_file(carol.home.path(), "wrong", b"incorrect horse\n");
    let with = |args: &[&str], pf: &Path| carol.vault(args).env("VAULT_PASSPHRASE_FILE", pf);

    with(&["init", "--passphrase"], &pass).ok();
    // The identity file is an age-encrypted file: no key in clear.
    let file = std::fs::read_to_string(carol.identity_path()).unwrap();
    assert!(file.starts_with("-----BEGIN AGE ENCRYPTED FILE-----"), "{file}");
    assert!(!file.contains("AGE-SECRET-KEY"));
    let mode = std::fs::metadata(carol.identity_path())
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);

    let who = json(&with(&["whoami", "--json"], &pass).ok().stdout);
    let carol_l = who["member_line"].as_str().unwrap().to_owned();
    assert!(carol_l.starts_with(who["recipient"].as_str().unwrap()));
    assert_eq!(who["identity_type"], "age-x25519-passphrase");
    alice.vault(&["member", "add", &carol_l, "--name", "carol"]).ok();
    assert_eq!(with(&["get", "db/password"], &pass).ok().stdout, b"hunter2");
    // From a file descriptor (here stdin, fd 0).
    let out = carol
        .vault(&["get", "db/password"])
        .env("VAULT_PASSPHRASE_FD", "0")
        .stdin(b"correct horse battery\n")
        .ok();
    assert_eq!(out.stdout, b"hunter2");

    with(&["get", "db/password"], &wrong).fails(8, "wrong passphrase for");
    carol
        .vault(&["get", "db/password"])
        .fails(8, "set VAULT_PASSPHRASE_FILE");
    // A passphrase file others can read is refused like an identity file.
    std::fs::set_permissions(&pass, std::fs::Permissions::from_mode(0o644)).unwrap();
    with(&["get", "db/password"], &pass).fails(8, "too open");
    std::fs::set_permissions(&pass, std::fs::Permissions::from_mode(0o600)).unwrap();
    // An empty passphrase is refused when creating one.
    let dave = alice.another_user();
    let empty = private_file(dave.home.path(), "empty", b"\n");
    dave.vault(&["init", "--passphrase"])
        .env("VAULT_PASSPHRASE_FILE", &empty)
        .fails(2, "the passphrase is empty");
    assert!(!dave.identity_path().exists());
}

/// Alice (founder), Bob and Carol, all members, and three secrets.
fn team(alice: &Env) -> (Env, String, Env, String) {
    alice.init();
    for (n, v) in [
        ("db/password", "hunter2"),
        ("api/key", "k3y"),
        ("ci/token", "t0ken"),
    ] {
        alice.put(n, v.as_bytes());
    }
    let bob = alice.another_user();
    bob.vault(&["init"]).ok();
    let bob_r = recipient(&bob, &[]);
    alice
        .vault(&["member", "add", &line(&bob, &[]), "--name", "bob"])
        .ok();
    let carol = alice.another_user();
    carol.vault(&["init"]).ok();
    let carol_r = recipient(&carol, &[]);
    alice
        .vault(&["member", "add", &line(&carol, &[]), "--name", "carol"])
        .ok();
    assert_eq!(bob.get("db/password"), b"hunter2");
    (bob, bob_r, carol, carol_r)
}

/// Every secret's key id, by name.
fn secret_keys(env: &Env) -> Vec<Uuid> {
    env.db()
        .rows()
        .into_iter()
        .map(|r| r.key_id.expect("a sealed row has a key id"))
        .collect()
}

fn remove_rotates_away_from_the_member(alice: &Env) {
    let (bob, bob_r, carol, carol_r) = team(alice);
    let old = current_key(alice);
    let bob_keys = grants_of(alice, &bob_r);
    assert_eq!(bob_keys, vec![old]);
    let ciphertexts_before = ciphertexts(alice);

    let out = alice.vault(&["member", "rm", "bob"]).ok();
    assert!(
        out.stderr
            .contains(&format!("removed bob ({bob_r}); rotating the vault key")),
        "{}",
        out.stderr
    );
    let new = current_key(alice);
    assert_ne!(new, old, "a new key id");
    assert!(out.stderr.contains("3 secret(s) re-sealed"), "{}", out.stderr);

    // Every secret is sealed to the new key; none to any key Bob ever held.
    let keys = secret_keys(alice);
    assert_eq!(keys, vec![new; 3]);
    assert!(keys.iter().all(|k| !bob_keys.contains(k)));
    // Every ciphertext changed.
    let ciphertexts_after = ciphertexts(alice);
    for c in &ciphertexts_after {
        assert!(!ciphertexts_before.contains(c));
    }
    // Bob is gone, with every grant; the old key is retired, its grants gone.
    assert!(grants_of(alice, &bob_r).is_empty());
    let db = alice.db();
    assert_eq!(db.member(&bob_r), None);
    assert_eq!(db.key(old).state, "retired");
    assert!(db.grants().iter().all(|g| g.key_id != old));
    // Bob is refused; Alice and Carol read everything, under the new key.
    bob.vault(&["get", "db/password"]).fails(5, "holds no copy");
    let who = json(&bob.vault(&["whoami", "--json"]).ok().stdout);
    assert_eq!(who["member"], false);
    assert_eq!(carol.get("api/key"), b"k3y");
    assert_eq!(alice.get("ci/token"), b"t0ken");
    assert_eq!(grants_of(alice, &carol_r), vec![new]);
    // New values go to the new key too.
    carol.put("after", b"x");
    assert_eq!(secret_keys(alice), vec![new; 4]);
    let ls = json(&alice.vault(&["member", "ls", "--json"]).ok().stdout);
    let names: Vec<&str> = ls
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["carol", "tester"]);
    // Removing Bob again: not found.
    alice
        .vault(&["member", "rm", "bob"])
        .fails(3, "no member \"bob\"");
    alice.vault(&["member", "rm", &bob_r]).fails(3, "no member age1");
}

fn remove_without_rotation_warns(alice: &Env) {
    let (bob, bob_r, carol, _) = team(alice);
    let old = current_key(alice);
    let before = ciphertexts(alice);
    let out = alice.vault(&["member", "rm", &bob_r, "--no-rotate"]).ok();
    assert!(out.stderr.contains("removed bob"), "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!(
            "vault: warning: the vault key was not rotated: bob ({bob_r}) may still hold a copy"
        )),
        "{}",
        out.stderr
    );
    assert_eq!(current_key(alice), old);
    assert_eq!(ciphertexts(alice), before);
    assert!(grants_of(alice, &bob_r).is_empty());
    bob.vault(&["get", "db/password"]).fails(5, "holds no copy");
    assert_eq!(carol.get("db/password"), b"hunter2");
}

fn add_during_half_done_rotation_grants_retiring_key(alice: &Env) {
    alice.init();
    alice.put("good", b"g");
    alice.put("bad", b"b");
    let db = alice.db();
    // Break "bad"'s MAC, so a rotation leaves it (and its key) behind.
    db.set_nonce("bad", db.row("good").nonce.as_deref());
    let old = current_key(alice);
    assert_eq!(alice.vault(&["rotate"]).run().code, 6);
    let new = current_key(alice);
    assert_ne!(old, new);
    assert_eq!(db.key(old).state, "retiring");

    let bob = alice.another_user();
    bob.vault(&["init"]).ok();
    let bob_r = recipient(&bob, &[]);
    let out = alice
        .vault(&["member", "add", &line(&bob, &[]), "--name", "bob"])
        .ok();
    assert!(out.stderr.contains("and retiring key"), "{}", out.stderr);
    let mut expected = vec![old, new];
    expected.sort();
    assert_eq!(grants_of(alice, &bob_r), expected);
    assert_eq!(bob.get("good"), b"g");
    // The row left under the retiring key is Bob's to see too: it opens
    // (no exit 5) and fails verification exactly as it does for Alice.
    bob.vault(&["get", "bad"]).fails(6, "refused");
}
