//! Known-answer vectors: fixed keys, fixed entries, their exact bytes.
//!
//! `tests/data/trust/vectors.txt` holds, one `name: value` a line, the keys'
//! text forms, every entry's canonical bytes, hash and signature (all three
//! signature kinds are deterministic), and the fingerprint. These tests
//! rebuild everything from the fixed inputs and compare byte for byte, so a
//! change to the encoding, the key derivation or the signing shows up here.
//! After a deliberate format change (a new version), regenerate with
//! `cargo test --lib trust::vectors::regenerate -- --ignored` and review the diff.

use std::collections::BTreeMap;
use std::str::FromStr;

use age::secrecy::ExposeSecret;
use uuid::Uuid;

use super::*;

const VECTORS: &str = include_str!("../../tests/data/trust/vectors.txt");
const VECTORS_PATH: &str = "tests/data/trust/vectors.txt";
const SSH_ED25519: &str = include_str!("../../tests/data/trust/ssh-ed25519");
const SSH_RSA: &str = include_str!("../../tests/data/trust/ssh-rsa");

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

/// An age identity from a fixed seed (the generator's input).
fn seeded_identity(label: &str) -> String {
    use sha2::Digest;
    let seed = sha2::Sha256::digest(format!("vault trust test vector: {label}").as_bytes());
    let hrp = bech32::Hrp::parse("age-secret-key-").unwrap();
    bech32::encode_upper::<bech32::Bech32>(hrp, &seed).unwrap()
}

fn parse_vectors(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (k, v) = l.split_once(": ").expect("name: value");
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

struct Fixture {
    alice: age::x25519::Identity,
    alice_key: SigningKey,
    bob: SigningKey,
    carol: SigningKey,
    key1: KeySpec,
    key2: KeySpec,
    vault_id: Uuid,
}

fn fixture(identities: &BTreeMap<String, String>) -> Fixture {
    let alice = age::x25519::Identity::from_str(&identities["age-identity"]).unwrap();
    let key = |name: &str, id: u8| KeySpec {
        id: Uuid::from_bytes([id; 16]),
        recipient: age::x25519::Identity::from_str(&identities[name])
            .unwrap()
            .to_public()
            .to_string(),
    };
    Fixture {
        alice_key: SigningKey::from_age_identity(&alice),
        alice,
        bob: SigningKey::from_openssh(SSH_ED25519, None).unwrap(),
        carol: SigningKey::from_openssh(SSH_RSA, None).unwrap(),
        key1: key("vault-key-1-identity", 0x11),
        key2: key("vault-key-2-identity", 0x22),
        vault_id: Uuid::from_bytes(*b"vault-test-vecto"),
    }
}

/// The fixed history: genesis (alice, age), bob (ssh-ed25519) added by
/// alice, carol (ssh-rsa) added by bob, a new key by carol, the old key
/// retired by alice, bob removed by alice.
fn history(f: &Fixture) -> Vec<SignedEntry> {
    let alice_r = f.alice.to_public().to_string();
    let bob_r = f.bob.verifying_key().to_string();
    let carol_r = f.carol.verifying_key().to_string();
    let member = |recipient: &str, key: &SigningKey, name: &str| MemberSpec {
        recipient: recipient.to_owned(),
        verifying_key: key.verifying_key(),
        name: name.into(),
    };
    let steps: Vec<(&SigningKey, &str, Body)> = vec![
        (
            &f.alice_key,
            &alice_r,
            Body::Genesis {
                vault_id: f.vault_id,
                founder: member(&alice_r, &f.alice_key, "alice"),
                key: f.key1.clone(),
            },
        ),
        (
            &f.alice_key,
            &alice_r,
            Body::MemberAdded(member(&bob_r, &f.bob, "bob")),
        ),
        (
            &f.bob,
            &bob_r,
            Body::MemberAdded(member(&carol_r, &f.carol, "carol")),
        ),
        (
            &f.carol,
            &carol_r,
            Body::KeyCurrent {
                key: f.key2.clone(),
                epoch: 2,
            },
        ),
        (&f.alice_key, &alice_r, Body::KeyRetired { key_id: f.key1.id }),
        (
            &f.alice_key,
            &alice_r,
            Body::MemberRemoved {
                recipient: bob_r.clone(),
            },
        ),
    ];
    let mut out: Vec<SignedEntry> = Vec::new();
    for (i, (key, author, body)) in steps.into_iter().enumerate() {
        let entry = Entry {
            seq: i as u64,
            prev: out.last().map(SignedEntry::hash).unwrap_or(EntryHash::ZERO),
            author: author.to_owned(),
            time: 1_764_460_800 + 60 * i as i64, // 2025-11-30T00:00:00Z + i minutes
            body,
        };
        out.push(entry.sign(key).unwrap());
    }
    out
}

fn render(identities: &BTreeMap<String, String>) -> String {
    let f = fixture(identities);
    let mut out =
        String::from("# Known-answer vectors for src/trust (see src/trust/vectors.rs). Test keys only.\n");
    for name in ["age-identity", "vault-key-1-identity", "vault-key-2-identity"] {
        out.push_str(&format!("{name}: {}\n", identities[name]));
    }
    let alice_r = f.alice.to_public().to_string();
    let line = MemberLine::new(&alice_r, f.alice_key.verifying_key()).unwrap();
    out.push_str(&format!("age-recipient: {alice_r}\n"));
    out.push_str(&format!("age-verifying-key: {}\n", f.alice_key.verifying_key()));
    out.push_str(&format!("age-member-line: {line}\n"));
    out.push_str(&format!("ssh-ed25519-verifying-key: {}\n", f.bob.verifying_key()));
    out.push_str(&format!("ssh-rsa-verifying-key: {}\n", f.carol.verifying_key()));
    let entries = history(&f);
    for e in &entries {
        let n = e.seq();
        out.push_str(&format!("entry-{n}-kind: {}\n", e.entry.body.describe()));
        out.push_str(&format!("entry-{n}-canonical: {}\n", hex(e.canonical())));
        out.push_str(&format!("entry-{n}-hash: {}\n", e.hash().to_hex()));
        out.push_str(&format!("entry-{n}-signature: {}\n", hex(&e.signature)));
    }
    let state = verify_chain(&entries, None).unwrap();
    out.push_str(&format!("fingerprint: {}\n", state.fingerprint()));
    out
}

fn stored() -> BTreeMap<String, String> {
    parse_vectors(VECTORS)
}

#[test]
fn key_derivation_and_text_forms_match_the_vectors() {
    let v = stored();
    let f = fixture(&v);
    assert_eq!(f.alice.to_public().to_string(), v["age-recipient"]);
    assert_eq!(f.alice_key.verifying_key().to_string(), v["age-verifying-key"]);
    let line = MemberLine::parse(&v["age-member-line"]).unwrap();
    assert_eq!(line.recipient, v["age-recipient"]);
    assert_eq!(line.verifying_key, f.alice_key.verifying_key());
    assert_eq!(line.to_string(), v["age-member-line"]);
    assert_eq!(f.bob.verifying_key().to_string(), v["ssh-ed25519-verifying-key"]);
    assert_eq!(f.carol.verifying_key().to_string(), v["ssh-rsa-verifying-key"]);
    // The identity string is what age itself prints for the seed.
    assert_eq!(f.alice.to_string().expose_secret(), seeded_identity("alice"));
}

#[test]
fn entries_encode_hash_and_sign_to_the_vectors() {
    let v = stored();
    let entries = history(&fixture(&v));
    assert_eq!(entries.len(), 6);
    for e in &entries {
        let n = e.seq();
        assert_eq!(
            e.entry.body.describe(),
            v[&format!("entry-{n}-kind")],
            "entry {n} kind"
        );
        assert_eq!(
            hex(e.canonical()),
            v[&format!("entry-{n}-canonical")],
            "entry {n} canonical bytes"
        );
        assert_eq!(e.hash().to_hex(), v[&format!("entry-{n}-hash")], "entry {n} hash");
        assert_eq!(
            hex(&e.signature),
            v[&format!("entry-{n}-signature")],
            "entry {n} signature"
        );
    }
}

#[test]
fn stored_vectors_decode_and_verify() {
    let v = stored();
    let mut rows = Vec::new();
    for n in 0..6 {
        let canonical = unhex(&v[&format!("entry-{n}-canonical")]);
        let signature = unhex(&v[&format!("entry-{n}-signature")]);
        let mut row = canonical;
        row.extend_from_slice(&(signature.len() as u32).to_be_bytes());
        row.extend_from_slice(&signature);
        rows.push(row);
    }
    let entries = decode_entries(rows.iter().map(Vec::as_slice), 0).unwrap();
    for e in &entries {
        assert_eq!(e.hash().to_hex(), v[&format!("entry-{}-hash", e.seq())]);
    }
    let state = verify_chain(&entries, None).unwrap();
    assert_eq!(state.fingerprint().to_string(), v["fingerprint"]);
    assert_eq!(
        Fingerprint::parse(&v["fingerprint"]).unwrap(),
        state.fingerprint()
    );
    assert_eq!(state.vault_id, Uuid::from_bytes(*b"vault-test-vecto"));
    let names: Vec<&str> = state.members.values().map(|m| m.name.as_str()).collect();
    assert_eq!(names.len(), 2);
    assert!(state.member_named("alice").is_some() && state.member_named("carol").is_some());
    assert_eq!(state.current.id, Uuid::from_bytes([0x22; 16]));
    assert_eq!(state.current.epoch, 2);
    assert!(state.retired.contains(&Uuid::from_bytes([0x11; 16])));
    assert_eq!(state.head.seq, 5);
}

#[test]
fn the_vector_file_is_what_the_generator_writes() {
    assert_eq!(
        render(&stored()),
        VECTORS,
        "run the generator (see the module doc) and review the diff"
    );
}

/// The SSHSIG vectors are exactly what OpenSSH makes for the same keys and
/// bytes (Ed25519 and RSA PKCS#1 v1.5 are deterministic), so a signature
/// can be checked by hand with `ssh-keygen -Y check-novalidate -n vault-log-v1`.
#[test]
fn sshsig_vectors_are_what_ssh_keygen_signs() {
    use base64::Engine as _;
    use std::io::Write as _;
    use std::os::unix::fs::PermissionsExt as _;
    let v = stored();
    let dir = tempfile::tempdir().unwrap();
    for (n, pem) in [(2, SSH_ED25519), (3, SSH_RSA)] {
        let key = dir.path().join(format!("key-{n}"));
        std::fs::write(&key, pem).unwrap();
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
        let mut child = std::process::Command::new("ssh-keygen")
            .args(["-q", "-Y", "sign", "-n", keys::SSHSIG_NAMESPACE, "-f"])
            .arg(&key)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("ssh-keygen (openssh-client) is needed by the test suite");
        let msg = unhex(&v[&format!("entry-{n}-canonical")]);
        child.stdin.take().unwrap().write_all(&msg).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "ssh-keygen -Y sign failed for entry {n}");
        let body: String = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect();
        let theirs = base64::engine::general_purpose::STANDARD.decode(body).unwrap();
        assert_eq!(hex(&theirs), v[&format!("entry-{n}-signature")], "entry {n}");
    }
}

/// Re-derives the vectors from the fixed inputs and writes them.
#[test]
#[ignore = "writes tests/data/trust/vectors.txt; run after a deliberate format change"]
fn regenerate() {
    let identities: BTreeMap<String, String> = [
        ("age-identity", "alice"),
        ("vault-key-1-identity", "vault key 1"),
        ("vault-key-2-identity", "vault key 2"),
    ]
    .into_iter()
    .map(|(k, label)| (k.to_owned(), seeded_identity(label)))
    .collect();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(VECTORS_PATH);
    std::fs::write(&path, render(&identities)).unwrap();
}
