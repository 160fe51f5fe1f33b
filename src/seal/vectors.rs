//! Known-answer vectors for the envelope (`tests/data/envelope/`).
//!
//! age ciphertexts are randomised, so the vectors are checked two ways: the
//! fixed ciphertexts must OPEN (a grant to the fixed member, rows sealed to
//! the fixed vault key) to exactly the stored plaintext, and every
//! deterministic part is recomputed and compared with stored bytes: the
//! HKDF output, the MAC over fixed inputs, the header block and the grant
//! text. Tampered rows must each fail with an integrity error (exit 6) for
//! the stated reason. A change to the header layout, the MAC's fields or
//! their order, the HKDF salt or info, or the grant text fails here.
//!
//! The files were written by [`generate`]; re-derive them (only when the
//! format is meant to change, which it must not) with
//! `cargo test --lib seal::vectors::generate -- --ignored`.
//!
//! File formats (like the CCTV vectors): `keys.txt` is `field: value`
//! lines; a `*.row` file is `field: value` lines (the database row: `id`,
//! `name`, `key-id`, `nonce` in hex; for a good row the expected `mac` and
//! `value` in hex; for a tampered one `expect: integrity` and the `reason`
//! the refusal must give), an empty line, then the row's armored `secret`.
//! `NAME.plain` is the exact plaintext inside `NAME.row`'s ciphertext;
//! `grant.txt` the exact plaintext of `grant.age`.

use std::collections::BTreeMap;
use std::path::Path;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use uuid::Uuid;

use super::envelope::header;
use super::{Binding, Need, Personal, SealedRow, VaultKey, decrypt_armored};
use crate::error::Kind;
use crate::model::KeyRecord;

/// Every file of `tests/data/envelope/`, compiled in.
macro_rules! files {
    ($($name:literal,)*) => {
        const FILES: &[(&str, &[u8])] = &[
            $(($name, include_bytes!(concat!("../../tests/data/envelope/", $name))),)*
        ];
    };
}

files! {
    "README.md",
    "keys.txt",
    "grant.txt",
    "grant.age",
    "grant-other-key-id.age",
    "grant-other-identity.age",
    "text.row",
    "text.plain",
    "binary.row",
    "binary.plain",
    "long-name.row",
    "long-name.plain",
    "tamper-id.row",
    "tamper-name.row",
    "tamper-key-id.row",
    "tamper-header-key.row",
    "tamper-nonce.row",
    "tamper-mac.row",
    "tamper-value.row",
    "tamper-field-order.row",
    "tamper-magic.row",
    "tamper-ciphertext.row",
    "tamper-sealed-to-member.row",
}

/// The good rows, and the tampered ones.
const GOOD: [&str; 3] = ["text", "binary", "long-name"];

fn file(name: &str) -> &'static [u8] {
    FILES
        .iter()
        .find(|(n, _)| *n == name)
        .unwrap_or_else(|| panic!("{name} is not listed in files!"))
        .1
}

/// `field: value` lines up to the first empty line, and what follows it.
fn fields(name: &str) -> (BTreeMap<String, String>, &'static [u8]) {
    let raw = file(name);
    let split = raw
        .windows(2)
        .position(|w| w == b"\n\n")
        .map_or(raw.len(), |i| i + 2);
    let head = std::str::from_utf8(&raw[..split]).unwrap();
    let map = head
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (k, v) = l
                .split_once(": ")
                .unwrap_or_else(|| panic!("{name}: bad line {l:?}"));
            (k.to_owned(), v.to_owned())
        })
        .collect();
    (map, &raw[split..])
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Vec<u8> {
    assert!(text.len().is_multiple_of(2), "odd hex {text:?}");
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

fn keys() -> BTreeMap<String, String> {
    fields("keys.txt").0
}

fn vault_key() -> VaultKey {
    let k = keys();
    let identity: age::x25519::Identity = k["vault-key"].parse().unwrap();
    VaultKey::from_identity(k["vault-key-id"].parse().unwrap(), identity)
}

fn member(which: &str) -> Personal {
    Personal::parse(keys()[which].as_bytes(), which).unwrap()
}

fn row(name: &str) -> (BTreeMap<String, String>, SealedRow) {
    let (f, body) = fields(name);
    let row = SealedRow {
        id: f["id"].parse().unwrap(),
        name: Some(f["name"].clone()),
        secret: String::from_utf8(body.to_vec()).unwrap(),
        key_id: Some(f["key-id"].parse().unwrap()),
        nonce: Some(unhex(&f["nonce"])),
    };
    (f, row)
}

/// The record the store would hand over for key `id`, with `grant`.
fn record(id: Uuid, recipient: &str, grant: Option<&str>) -> KeyRecord {
    KeyRecord {
        id,
        recipient: recipient.to_owned(),
        grant: grant.map(str::to_owned),
    }
}

/// The MAC as the module doc specifies it, written out independently of
/// the code that seals: HMAC-SHA256 over six length-prefixed fields.
fn mac_by_the_spec(
    mac_key: &[u8],
    id: Uuid,
    name: &str,
    key_id: Uuid,
    nonce: &[u8],
    value: &[u8],
) -> Vec<u8> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(mac_key).unwrap();
    for field in [
        &b"vault-secret v1"[..],
        id.as_bytes(),
        name.as_bytes(),
        key_id.as_bytes(),
        nonce,
        value,
    ] {
        mac.update(&(field.len() as u64).to_be_bytes());
        mac.update(field);
    }
    mac.finalize().into_bytes().to_vec()
}

#[test]
fn every_file_is_listed() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/envelope");
    let mut on_disk: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let mut listed: Vec<&str> = FILES.iter().map(|(n, _)| *n).collect();
    listed.sort();
    assert_eq!(on_disk, listed);
}

#[test]
fn hkdf_derives_the_pinned_mac_key() {
    let k = keys();
    let key = vault_key();
    assert_eq!(key.recipient_string(), k["vault-recipient"]);
    assert_eq!(
        hex(&key.mac_key()[..]),
        k["mac-key"],
        "HKDF salt, input or info changed"
    );
    // The same derivation written out: salt, the identity string, the id's bytes.
    let id: Uuid = k["vault-key-id"].parse().unwrap();
    let hk = hkdf::Hkdf::<Sha256>::new(Some(b"vault.secret-mac.v1"), k["vault-key"].as_bytes());
    let mut out = [0u8; 32];
    hk.expand(id.as_bytes(), &mut out).unwrap();
    assert_eq!(hex(&out), k["mac-key"]);
}

#[test]
fn grant_text_and_fixed_grant_open() {
    let k = keys();
    let key = vault_key();
    let expected = file("grant.txt");
    let text = key.grant_text();
    assert_eq!(text.as_bytes(), expected, "the grant text changed");
    assert_eq!(text.capacity(), text.len(), "built in one allocation");
    assert_eq!(
        std::str::from_utf8(expected).unwrap(),
        format!("# vault key {}\n{}\n", k["vault-key-id"], k["vault-key"])
    );
    let me = member("member-identity");
    assert_eq!(me.recipient(), k["member-recipient"]);
    let grant = std::str::from_utf8(file("grant.age")).unwrap();
    assert_eq!(
        &decrypt_armored(me.identity.as_ref(), grant.as_bytes()).unwrap()[..],
        expected
    );
    let opened = VaultKey::open_own(
        &record(key.id(), &k["vault-recipient"], Some(grant)),
        &me,
        Need::Read,
    )
    .unwrap();
    assert_eq!(opened.id(), key.id());
    assert_eq!(opened.mac_key()[..], key.mac_key()[..]);
}

#[test]
fn grants_refused_with_their_class() {
    let k = keys();
    let id: Uuid = k["vault-key-id"].parse().unwrap();
    let recipient = &k["vault-recipient"];
    let me = member("member-identity");
    let grant = std::str::from_utf8(file("grant.age")).unwrap();
    let expect = |r: crate::error::Result<VaultKey>, kind: Kind, reason: &str| {
        let e = r.err().expect("refused");
        assert_eq!((e.kind, e.kind.exit_code()), (kind, kind.exit_code()), "{e}");
        assert!(e.to_string().contains(reason), "{e}");
    };
    // Another member's identity cannot open it: no access (exit 5).
    let other = member("other-identity");
    expect(
        VaultKey::open_own(&record(id, recipient, Some(grant)), &other, Need::Read),
        Kind::NoAccess,
        "cannot open vault key",
    );
    // No grant at all: the one "holds no copy" message.
    expect(
        VaultKey::open_own(&record(id, recipient, None), &me, Need::Write),
        Kind::NoAccess,
        &format!("holds no copy of the current vault key {id}, so it cannot write"),
    );
    // Stored under the wrong key id, or holding another identity: integrity.
    for (name, claimed) in [
        ("grant.age", Uuid::nil()),
        ("grant-other-key-id.age", id),
        ("grant-other-identity.age", id),
    ] {
        let g = std::str::from_utf8(file(name)).unwrap();
        let r = VaultKey::open_own(&record(claimed, recipient, Some(g)), &me, Need::Read);
        expect(r, Kind::Integrity, "does not match the key it claims to be");
        assert_eq!(Kind::Integrity.exit_code(), 6);
    }
}

#[test]
fn good_rows_open_and_their_parts_are_pinned() {
    let key = vault_key();
    for name in GOOD {
        let (f, row) = row(&format!("{name}.row"));
        let value = unhex(&f["value"]);
        let plain = file(&format!("{name}.plain"));
        // The fixed ciphertext opens to exactly the stored plaintext...
        assert_eq!(
            &decrypt_armored(key.identity(), row.secret.as_bytes()).unwrap()[..],
            plain,
            "{name}"
        );
        // ...which the code opens to the value...
        assert_eq!(&key.open(&row).unwrap()[..], &value[..], "{name}");
        // ...and whose deterministic parts are recomputed byte for byte.
        let at = Binding {
            id: row.id,
            name: row.name.as_deref().unwrap(),
        };
        let nonce = row.nonce.as_deref().unwrap();
        let mac = key.mac(at, nonce, &value);
        assert_eq!(hex(&mac), f["mac"], "{name}: the MAC's fields or order changed");
        assert_eq!(
            hex(&mac_by_the_spec(
                &key.mac_key()[..],
                row.id,
                at.name,
                key.id(),
                nonce,
                &value
            )),
            f["mac"],
            "{name}: the MAC differs from the documented construction"
        );
        let mut rebuilt = header(at, key.id(), nonce, &mac).into_bytes();
        rebuilt.extend_from_slice(&value);
        assert_eq!(rebuilt, plain, "{name}: the header layout changed");
    }
    // The binary value and the longest name are what they claim to be.
    let (f, _) = row("binary.row");
    let v = unhex(&f["value"]);
    assert!(v.contains(&0) && std::str::from_utf8(&v).is_err() && v.ends_with(b"\n"));
    let (f, _) = row("long-name.row");
    assert_eq!(f["name"].len(), crate::name::MAX_NAME_BYTES);
    assert!(crate::name::canonical(&f["name"]).is_ok());
}

#[test]
fn tampered_rows_are_refused_as_integrity_failures() {
    let key = vault_key();
    let tampered: Vec<&str> = FILES
        .iter()
        .map(|(n, _)| *n)
        .filter(|n| n.starts_with("tamper-"))
        .collect();
    assert_eq!(tampered.len(), 11);
    for name in tampered {
        let (f, row) = row(name);
        assert_eq!(f["expect"], "integrity", "{name}");
        let e = key
            .open(&row)
            .err()
            .unwrap_or_else(|| panic!("{name} was opened"));
        assert_eq!(e.kind, Kind::Integrity, "{name}: {e}");
        assert_eq!(e.kind.exit_code(), 6);
        assert!(e.to_string().contains(&f["reason"]), "{name}: {e}");
    }
}

/// Writes `tests/data/envelope/` from the fixed inputs below. The keys are
/// SHA-256 of a label, bech32-encoded as age identities (test keys only).
#[test]
#[ignore = "writes the known-answer files; run only to re-derive them"]
fn generate() {
    use std::fmt::Write as _;
    use std::str::FromStr;

    const VAULT_KEY_ID: &str = "6b1f9c6e-3f0a-4c59-9b8e-2d7a1c0e5f42";
    // SHA-256 of "vault known-answer vault key", "… member", "… other member".
    const VAULT_KEY: &str = "AGE-SECRET-KEY-1ZCRWL0WDX0AQSMDQG2MW04UPXFLDEYLMFR4ZTU4E93EHWZAFM4EQ3JCGZ9";
    const MEMBER: &str = "AGE-SECRET-KEY-1FKL8ECWYYULUGN3JVVUX8W7CLCWQNT4M0CV03N58PESEE2E6NPGS9ES7YN";
    const OTHER: &str = "AGE-SECRET-KEY-13TUKCA3RJAQ73YGNEQAVQ75GNMX8N46MJY0ZH7NEH60EDTC9LYKS2Z4MFV";
    const OTHER_ID: &str = "00000000-0000-4000-8000-000000000bad";

    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/envelope");
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, bytes: &[u8]| std::fs::write(dir.join(name), bytes).unwrap();

    let id: Uuid = VAULT_KEY_ID.parse().unwrap();
    let key = VaultKey::from_identity(id, age::x25519::Identity::from_str(VAULT_KEY).unwrap());
    let member_id = age::x25519::Identity::from_str(MEMBER).unwrap();
    let other_id = age::x25519::Identity::from_str(OTHER).unwrap();
    let to_member = member_id.to_public();
    write(
        "keys.txt",
        format!(
            "# Fixed inputs of the envelope known-answer vectors (test keys only).\n\
             # mac-key = HKDF-SHA256(salt \"vault.secret-mac.v1\", ikm vault-key, info the 16 bytes of vault-key-id)\n\
             vault-key-id: {id}\nvault-key: {VAULT_KEY}\nvault-recipient: {}\nmac-key: {}\n\
             member-identity: {MEMBER}\nmember-recipient: {}\nother-identity: {OTHER}\nother-recipient: {}\n",
            key.recipient_string(),
            hex(&key.mac_key()[..]),
            to_member,
            other_id.to_public(),
        )
        .as_bytes(),
    );
    let grant_text = key.grant_text();
    write("grant.txt", grant_text.as_bytes());
    write("grant.age", key.grant_to(&to_member).unwrap().as_bytes());
    let other_key_id = grant_text.replace(VAULT_KEY_ID, OTHER_ID);
    let seal = |to: &dyn age::Recipient, plain: &[u8]| super::encrypt_armored(to, plain).unwrap();
    write(
        "grant-other-key-id.age",
        seal(&to_member, other_key_id.as_bytes()).as_bytes(),
    );
    let other_identity = format!("# vault key {id}\n{OTHER}\n");
    write(
        "grant-other-identity.age",
        seal(&to_member, other_identity.as_bytes()).as_bytes(),
    );

    struct Row<'a> {
        id: &'a str,
        name: &'a str,
        nonce: [u8; 16],
        value: &'a [u8],
    }
    let long_name = format!("long/\u{fc}\u{fc}{}", "x".repeat(247));
    let rows = [
        (
            "text",
            Row {
                id: "0f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a",
                name: "db/password",
                nonce: *b"\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f",
                value: b"correct horse battery staple",
            },
        ),
        (
            "binary",
            Row {
                id: "1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d",
                name: "certs/key.bin",
                nonce: [0xa5; 16],
                value: b"\x00bin\xff\xfe\xc3\x28 not UTF-8\r\n\x00\n",
            },
        ),
        (
            "long-name",
            Row {
                id: "2b3c4d5e-6f70-4182-93a4-b5c6d7e8f901",
                name: &long_name,
                nonce: *b"0123456789abcdef",
                value: b"v",
            },
        ),
    ];
    let row_file = |r: &Row<'_>, extra: &str, secret: &str| {
        let mut s = String::new();
        write!(
            s,
            "{extra}id: {}\nname: {}\nkey-id: {id}\nnonce: {}\n",
            r.id,
            r.name,
            hex(&r.nonce)
        )
        .unwrap();
        s.push('\n');
        s.push_str(secret);
        s
    };
    let plain_of = |r: &Row<'_>, key_id: Uuid, mac: &[u8], value: &[u8]| {
        let at = Binding {
            id: r.id.parse().unwrap(),
            name: r.name,
        };
        let mut p = header(at, key_id, &r.nonce, mac).into_bytes();
        p.extend_from_slice(value);
        p
    };
    let to_key = age::x25519::Identity::from_str(VAULT_KEY).unwrap().to_public();
    for (file, r) in &rows {
        let at = Binding {
            id: r.id.parse().unwrap(),
            name: r.name,
        };
        let mac = key.mac(at, &r.nonce, r.value);
        let plain = plain_of(r, id, &mac, r.value);
        let extra = format!("expect: ok\nmac: {}\nvalue: {}\n", hex(&mac), hex(r.value));
        write(
            &format!("{file}.row"),
            row_file(r, &extra, &seal(&to_key, &plain)).as_bytes(),
        );
        write(&format!("{file}.plain"), &plain);
    }

    // Tampered variants of the text row, each with the reason it must meet.
    let r = &rows[0].1;
    let at = Binding {
        id: r.id.parse().unwrap(),
        name: r.name,
    };
    let mac = key.mac(at, &r.nonce, r.value);
    let good = seal(&to_key, &plain_of(r, id, &mac, r.value));
    let tamper = |name: &str, reason: &str, r: &Row<'_>, key_id: Uuid, secret: &str| {
        let extra = format!("expect: integrity\nreason: {reason}\n");
        let text =
            row_file(r, &extra, secret).replace(&format!("key-id: {id}\n"), &format!("key-id: {key_id}\n"));
        write(&format!("tamper-{name}.row"), text.as_bytes());
    };
    let moved = "it was sealed for another row";
    tamper(
        "id",
        moved,
        &Row {
            id: "0f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1b",
            ..*r
        },
        id,
        &good,
    );
    tamper(
        "name",
        moved,
        &Row {
            name: "db/passwore",
            ..*r
        },
        id,
        &good,
    );
    tamper(
        "key-id",
        "its key id does not match",
        r,
        OTHER_ID.parse().unwrap(),
        &good,
    );
    let other_key: Uuid = OTHER_ID.parse().unwrap();
    tamper(
        "header-key",
        "it was sealed under another key",
        r,
        id,
        &seal(&to_key, &plain_of(r, other_key, &mac, r.value)),
    );
    let mut nonce = r.nonce;
    nonce[15] ^= 1;
    tamper(
        "nonce",
        "its nonce does not match the row",
        &Row { nonce, ..*r },
        id,
        &good,
    );
    let mut bad_mac = mac;
    bad_mac[0] ^= 0x80;
    let forged = "its authentication code is wrong";
    tamper(
        "mac",
        forged,
        r,
        id,
        &seal(&to_key, &plain_of(r, id, &bad_mac, r.value)),
    );
    tamper(
        "value",
        forged,
        r,
        id,
        &seal(&to_key, &plain_of(r, id, &mac, b"correct horse battery stapler")),
    );
    let plain = String::from_utf8(plain_of(r, id, &mac, r.value)).unwrap();
    let swapped = plain.replacen(
        &format!("id {}\nname {}\n", r.id, r.name),
        &format!("name {}\nid {}\n", r.name, r.id),
        1,
    );
    assert_ne!(swapped, plain);
    let malformed = "its sealed header is malformed";
    tamper(
        "field-order",
        malformed,
        r,
        id,
        &seal(&to_key, swapped.as_bytes()),
    );
    let magic = plain.replacen("vault-secret v1\n", "vault-secret v2\n", 1);
    tamper("magic", malformed, r, id, &seal(&to_key, magic.as_bytes()));
    // One base64 character of the armored body changed.
    let mut damaged = good.clone().into_bytes();
    let at_char = good.find('\n').unwrap() + 40;
    damaged[at_char] = if damaged[at_char] == b'A' { b'B' } else { b'A' };
    let damaged_ct = "the ciphertext is damaged or was not sealed to its key";
    tamper(
        "ciphertext",
        damaged_ct,
        r,
        id,
        &String::from_utf8(damaged).unwrap(),
    );
    tamper(
        "sealed-to-member",
        damaged_ct,
        r,
        id,
        &seal(&to_member, &plain_of(r, id, &mac, r.value)),
    );
}
