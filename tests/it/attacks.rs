//! Attacks on stored values and on the local files: bit flips in every region
//! of a sealed value, truncation and extension at the age level, a row pointed
//! at another *real* key, rolling a row back, and identity/config hygiene.
//! (Basic tampering — copy, swap, one changed character, key_id NULL or
//! random, nonce, forged MAC — is in basics.rs.)

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::attack_util::*;
use crate::both;
use crate::harness::{Backend, Env, skip};

both!(
    bit_flip_in_every_region_is_refused,
    truncated_or_extended_age_file_is_refused,
    key_id_set_to_another_real_key,
    rollback_to_an_older_ciphertext_is_refused,
    files_are_private_under_any_umask,
);

/// A 200 KiB value (four STREAM chunks) with a marker all through it.
fn big_value(marker: &str) -> Vec<u8> {
    let mut v = Vec::with_capacity(200 * 1024);
    while v.len() < 200 * 1024 {
        v.extend_from_slice(marker.as_bytes());
        v.push(b'\n');
    }
    v.truncate(200 * 1024);
    v
}

fn bit_flip_in_every_region_is_refused(env: &Env) {
    env.init();
    let m = marker();
    let value = big_value(&m);
    env.put("big", &value);
    let original = secret_of(env, "big");
    let bin = dearmor(&original);
    // The test's own armor round trip must be exact, or a refusal below could
    // be the armor's fault rather than the flipped bit's.
    assert_eq!(armor(&bin), original, "armor(dearmor(x)) == x");
    set_secret(env, "big", &armor(&bin));
    assert_eq!(env.get("big"), value);

    let mut targets = age_regions(&bin);
    if soak() {
        // Every 997th byte of the whole file, header to last tag.
        targets.extend((0..bin.len()).step_by(997).map(|o| ("soak offset", o)));
    }
    for (region, offset) in targets {
        let mut flipped = bin.clone();
        flipped[offset] ^= 0x01;
        set_secret(env, "big", &armor(&flipped));
        let out = env
            .vault(&["get", "big"])
            .fails(6, "the ciphertext is damaged or was not sealed to its key");
        assert_out_clean(region, &out, &[&m]);
    }
    set_secret(env, "big", &original);
    assert_eq!(env.get("big"), value, "the untouched value still opens");
}

fn truncated_or_extended_age_file_is_refused(env: &Env) {
    env.init();
    let m = marker();
    let value = big_value(&m);
    env.put("big", &value);
    let original = secret_of(env, "big");
    let bin = dearmor(&original);
    let payload_start = {
        let mac_line = bin.windows(5).position(|w| w == b"\n--- ").unwrap() + 1;
        mac_line + bin[mac_line..].iter().position(|&b| b == b'\n').unwrap() + 1 + 16
    };
    const CHUNK: usize = 64 * 1024 + 16;
    let payload_len = bin.len() - payload_start;
    let last_chunk = match payload_len % CHUNK {
        0 => CHUNK,
        n => n,
    };
    let variants: Vec<(&str, Vec<u8>)> = vec![
        // Dropping whole chunks leaves a well-formed prefix: STREAM's last-chunk flag must catch it.
        ("last chunk dropped", bin[..bin.len() - last_chunk].to_vec()),
        ("only the first chunk", bin[..payload_start + CHUNK].to_vec()),
        ("one byte short", bin[..bin.len() - 1].to_vec()),
        ("header only", bin[..payload_start].to_vec()),
        ("one byte appended", [&bin[..], &[0u8]].concat()),
        (
            "the last chunk repeated",
            [&bin[..], &bin[bin.len() - last_chunk..]].concat(),
        ),
    ];
    for (what, bytes) in variants {
        set_secret(env, "big", &armor(&bytes));
        let out = env.vault(&["get", "big"]).fails(6, "refused");
        assert_out_clean(what, &out, &[&m]);
    }
    // Text after the armor, and armor with a line removed.
    set_secret(env, "big", &format!("{original}trailing"));
    env.vault(&["get", "big"]).fails(6, "refused");
    let mut lines: Vec<&str> = original.lines().collect();
    lines.remove(3);
    set_secret(env, "big", &(lines.join("\n") + "\n"));
    env.vault(&["get", "big"]).fails(6, "refused");
    set_secret(env, "big", &original);
    assert_eq!(env.get("big"), value);
}

/// A second vault made with the same identity supplies a real key that this
/// identity can open; pointing a row at it (with that key and a grant for us
/// copied into this vault) is refused as an integrity failure, and pointing
/// it at a real key we hold no grant for is refused as no access.
fn key_id_set_to_another_real_key(env: &Env) {
    env.init();
    let m = marker();
    env.put("k", m.as_bytes());
    let other = Env::new(env.backend);
    std::fs::create_dir_all(other.config_dir()).unwrap();
    std::fs::set_permissions(other.config_dir(), std::fs::Permissions::from_mode(0o700)).unwrap();
    std::fs::copy(env.identity_path(), other.identity_path()).unwrap();
    other.init();
    other.put("k", b"the other vault's value");

    // The other vault's key, and the grant of it to our identity.
    let theirs = other.db();
    let key = theirs.keys().remove(0);
    let grant = theirs.grants().remove(0);
    assert_eq!(grant.key_id, key.id);
    let db = env.db();
    db.insert_key(key.id, &key.recipient, "retiring");
    db.insert_grant(key.id, &grant.recipient, &grant.sealed_key);
    db.set_key_id("k", Some(key.id));
    let out = env
        .vault(&["get", "k"])
        .fails(6, "which the vault's verified history never made");
    assert_out_clean("real key, grant held", &out, &[&m]);

    // Without the grant: still integrity, never "no access" (the key is
    // not this vault's, whoever holds it).
    db.delete_grants(Some(key.id));
    let out = env
        .vault(&["get", "k"])
        .fails(6, "which the vault's verified history never made");
    assert_out_clean("real key, no grant", &out, &[&m]);

    // Pointing it back makes it readable: nothing else was damaged.
    db.set_key_id("k", Some(db.current_key()));
    assert_eq!(env.get("k"), m.as_bytes());
}

/// Pins the README's security model: a whole row rolled back to an older
/// ciphertext of the same row is accepted and yields the older value.
fn rollback_to_an_older_ciphertext_is_refused(env: &Env) {
    env.init();
    let (old, new) = (marker(), marker());
    env.put("k", old.as_bytes());
    let db = env.db();
    let dump = db.row("k");
    env.put("k", new.as_bytes());
    assert_eq!(env.get("k"), new.as_bytes());
    // The old value's header names version 1; the version record says 2.
    db.set_secret("k", &dump.secret);
    db.set_nonce("k", dump.nonce.as_deref());
    env.vault(&["get", "k"]).fails(6, "not the one recorded");
    // The ciphertext without its nonce is refused earlier still.
    env.put("k", new.as_bytes());
    db.set_secret("k", &dump.secret);
    env.vault(&["get", "k"]).fails(6, "nonce");
}

/// Everything vault creates is 0600/0700, even under umask 000 and 022.
fn files_are_private_under_any_umask(env: &Env) {
    for umask in ["000", "022"] {
        let fresh = if umask == "000" {
            None
        } else {
            Some(Env::new(env.backend))
        };
        let env = fresh.as_ref().unwrap_or(env);
        let script = format!(
            "umask {umask}; \"$VAULT\" init && printf v | \"$VAULT\" put a && printf w | \"$VAULT\" put b/c && \"$VAULT\" get a >/dev/null"
        );
        let out = shell(env, &script).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let t = tree(env.home.path());
        assert!(t.contains_key(Path::new("config/vault/identity.txt")), "{t:?}");
        if env.backend == Backend::Sqlite {
            assert!(t.contains_key(Path::new("data/vault/vault.db")), "{t:?}");
        }
        for (path, mode) in &t {
            let is_dir = env.home.path().join(path).is_dir();
            let want = if is_dir { 0o700 } else { 0o600 };
            assert_eq!(*mode, want, "umask {umask}: {} is {mode:04o}", path.display());
        }
    }
}

// ---- identity hygiene (the identity is read before the database is touched,
// so these run on the embedded backend only) -----------------------------------

fn sqlite() -> Env {
    let env = Env::new(Backend::Sqlite);
    env.init();
    env.put("k", b"value");
    env
}

fn private_dir(parent: &Path, name: &str, mode: u32) -> std::path::PathBuf {
    let d = parent.join(name);
    std::fs::create_dir_all(&d).unwrap();
    std::fs::set_permissions(&d, std::fs::Permissions::from_mode(mode)).unwrap();
    d
}

#[test]
fn identity_modes_and_kinds_are_checked() {
    let env = sqlite();
    let secret = identity_secret(&env);
    for mode in [0o620, 0o602, 0o660, 0o610, 0o606] {
        std::fs::set_permissions(env.identity_path(), std::fs::Permissions::from_mode(mode)).unwrap();
        let out = env.vault(&["get", "k"]).fails(8, "too open");
        assert!(
            out.stderr.contains(&format!("{:04o}", mode & 0o777)),
            "{}",
            out.stderr
        );
        assert_out_clean("too open", &out, &[&secret]);
    }
    // Read-only for the owner is fine.
    std::fs::set_permissions(env.identity_path(), std::fs::Permissions::from_mode(0o400)).unwrap();
    assert_eq!(env.get("k"), b"value");
    std::fs::set_permissions(env.identity_path(), std::fs::Permissions::from_mode(0o600)).unwrap();

    let dir = private_dir(env.home.path(), "ids", 0o700);
    let id = dir.join("id.txt");
    std::fs::copy(env.identity_path(), &id).unwrap();
    // A symbolic link, even to our own private file.
    let link = dir.join("link.txt");
    std::os::unix::fs::symlink(&id, &link).unwrap();
    env.vault(&["get", "k", "--identity", link.to_str().unwrap()])
        .fails(8, "is a symbolic link");
    // A directory, and a FIFO (which must not hang).
    env.vault(&["get", "k", "--identity", dir.to_str().unwrap()])
        .fails(8, "not a regular file");
    let fifo = dir.join("fifo");
    let status = std::process::Command::new("mkfifo")
        .arg("-m")
        .arg("600")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    env.vault(&["get", "k", "--identity", fifo.to_str().unwrap()])
        .fails(8, "not a regular file");
    // In a world-writable directory (sticky or not), even at 0600.
    for mode in [0o777, 0o1777, 0o703] {
        let open = private_dir(env.home.path(), &format!("open{mode:o}"), mode);
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(mode)).unwrap();
        let p = open.join("id.txt");
        std::fs::copy(&id, &p).unwrap();
        env.vault(&["get", "k", "--identity", p.to_str().unwrap()])
            .fails(8, "writable by everyone");
    }
    assert_eq!(
        env.vault(&["get", "k", "--identity", id.to_str().unwrap()])
            .ok()
            .stdout,
        b"value"
    );
}

#[test]
fn identity_owned_by_someone_else_is_refused() {
    if !is_root() {
        return skip("chown to nobody needs root (CI runs as root)");
    }
    let env = sqlite();
    let chown = |path: &Path, owner: &str| {
        let s = std::process::Command::new("chown")
            .arg(owner)
            .arg(path)
            .status()
            .unwrap();
        assert!(s.success());
    };
    chown(&env.identity_path(), "nobody");
    env.vault(&["get", "k"]).fails(8, "owned by uid 65534");
    env.vault(&["put", "k"]).stdin(b"x").fails(8, "too open");
    chown(&env.identity_path(), "root");
    assert_eq!(env.get("k"), b"value");

    // A symbolic link to someone else's (private) identity file.
    let theirs = tempfile::tempdir().unwrap();
    let their_id = theirs.path().join("identity.txt");
    std::fs::copy(env.identity_path(), &their_id).unwrap();
    chown(theirs.path(), "nobody");
    chown(&their_id, "nobody");
    let link = env.home.path().join("borrowed.txt");
    std::os::unix::fs::symlink(&their_id, &link).unwrap();
    env.vault(&["get", "k", "--identity", link.to_str().unwrap()])
        .fails(8, "is a symbolic link");
    env.vault(&["get", "k", "--identity", their_id.to_str().unwrap()])
        .fails(8, "owned by uid 65534");
}
