//! The C2SP CCTV age vectors (`tests/data/age-testkit`), one test per
//! vector, through vault's own open path, [`decrypt_armored`]: a success
//! vector yields exactly its payload; every failure class (armor, header,
//! HMAC, no match, payload) ends in an error, so no plaintext — not even the
//! chunks that verified before the failure — is returned. Passphrase
//! (scrypt) files are refused outright: vault opens values only with X25519.
//!
//! A failing test names its vector (`seal::cctv::x25519_low_order`);
//! [`every_vector_is_listed`] keeps the list equal to the directory.

use std::io::Read;
use std::path::Path;
use std::str::FromStr;

use sha2::Digest;

use super::decrypt_armored;

/// Where the age crate knowingly differs from the vectors (see its
/// tests/testkit.rs): legacy stanzas without a final short line are
/// accepted, and whitespace before an armored file is not. Pinned so a
/// change is noticed.
const ACCEPTED_ANYWAY: [&str; 2] = ["stanza_missing_body", "stanza_missing_final_line"];
const REFUSED_ANYWAY: [&str; 1] = ["armor_whitespace_outside"];

fn dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/age-testkit")
}

/// Runs one vector file and checks vault's open path agrees with it.
fn check(name: &str) {
    let raw = std::fs::read(dir().join(name)).unwrap();
    let split = raw.windows(2).position(|w| w == b"\n\n").unwrap();
    let header = std::str::from_utf8(&raw[..split]).unwrap();
    let mut body = raw[split + 2..].to_vec();
    let field = |k: &'static str| {
        header
            .lines()
            .filter_map(move |l| l.strip_prefix(k).map(|v| v.trim().to_owned()))
    };
    let expect = field("expect:").next().unwrap();
    if field("compressed:").next().as_deref() == Some("zlib") {
        let mut out = Vec::new();
        flate2::read::ZlibDecoder::new(&body[..])
            .read_to_end(&mut out)
            .unwrap();
        body = out;
    }
    let mut identities: Vec<age::x25519::Identity> = field("identity:")
        .map(|i| age::x25519::Identity::from_str(&i).unwrap())
        .collect();
    let scrypt = field("passphrase:").next().is_some();
    if identities.is_empty() {
        identities.push(age::x25519::Identity::generate());
    }
    let results: Vec<_> = identities.iter().map(|id| decrypt_armored(id, &body)).collect();
    let opened: Vec<&[u8]> = results
        .iter()
        .filter_map(|r| r.as_deref().ok())
        .map(|v| &v[..])
        .collect();
    let succeeds = (expect == "success" && !scrypt && !REFUSED_ANYWAY.contains(&name))
        || ACCEPTED_ANYWAY.contains(&name);
    if succeeds {
        assert!(
            !opened.is_empty(),
            "{name}: expected success, got {:?}",
            results[0].as_ref().err()
        );
        if let Some(hash) = field("payload:").next() {
            for p in &opened {
                let got: String = sha2::Sha256::digest(p)
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                assert_eq!(got, hash, "{name}: payload");
            }
        }
    } else {
        assert!(
            opened.is_empty(),
            "{name}: expected {expect}, but plaintext was returned"
        );
        let errs: Vec<&age::DecryptError> = results.iter().filter_map(|r| r.as_ref().err()).collect();
        match expect.as_str() {
            "no match" => assert!(
                errs.iter()
                    .all(|e| matches!(e, age::DecryptError::NoMatchingKeys)),
                "{name}: {errs:?}"
            ),
            "HMAC failure" => assert!(
                errs.iter().all(|e| matches!(e, age::DecryptError::InvalidMac)),
                "{name}: {errs:?}"
            ),
            _ => {}
        }
    }
}

/// One `#[test]` per vector file, named after it, and the list of names.
macro_rules! vectors {
    ($($name:ident,)*) => {
        const LISTED: &[&str] = &[$(stringify!($name)),*];
        $(
            #[test]
            fn $name() {
                check(stringify!($name));
            }
        )*
    };
}

vectors! {
    armor,
    armor_crlf,
    armor_empty,
    armor_empty_last_line,
    armor_empty_line_begin,
    armor_empty_line_end,
    armor_eol_between_padding,
    armor_full_last_line,
    armor_garbage_encoded,
    armor_garbage_leading,
    armor_garbage_trailing,
    armor_header_crlf,
    armor_headers,
    armor_invalid_character_header,
    armor_invalid_character_payload,
    armor_long_line,
    armor_lowercase,
    armor_no_end_line,
    armor_no_eol,
    armor_no_match,
    armor_no_padding,
    armor_not_canonical,
    armor_pgp_checksum,
    armor_short_line,
    armor_whitespace_begin,
    armor_whitespace_end,
    armor_whitespace_eol,
    armor_whitespace_last_line,
    armor_whitespace_line_start,
    armor_whitespace_outside,
    armor_wrong_type,
    empty,
    header_crlf,
    hmac_bad,
    hmac_extra_space,
    hmac_garbage,
    hmac_missing,
    hmac_no_space,
    hmac_not_canonical,
    hmac_trailing_space,
    hmac_truncated,
    scrypt,
    scrypt_and_x25519,
    scrypt_bad_tag,
    scrypt_double,
    scrypt_extra_argument,
    scrypt_long_file_key,
    scrypt_no_match,
    scrypt_not_canonical_body,
    scrypt_not_canonical_salt,
    scrypt_salt_long,
    scrypt_salt_missing,
    scrypt_salt_short,
    scrypt_uppercase,
    scrypt_work_factor_23,
    scrypt_work_factor_hex,
    scrypt_work_factor_leading_garbage,
    scrypt_work_factor_leading_plus,
    scrypt_work_factor_leading_zero_decimal,
    scrypt_work_factor_leading_zero_octal,
    scrypt_work_factor_missing,
    scrypt_work_factor_negative,
    scrypt_work_factor_overflow,
    scrypt_work_factor_trailing_garbage,
    scrypt_work_factor_wrong,
    scrypt_work_factor_zero,
    stanza_bad_start,
    stanza_base64_padding,
    stanza_empty_argument,
    stanza_empty_body,
    stanza_empty_last_line,
    stanza_invalid_character,
    stanza_long_line,
    stanza_missing_body,
    stanza_missing_final_line,
    stanza_multiple_short_lines,
    stanza_no_arguments,
    stanza_not_canonical,
    stanza_spurious_cr,
    stanza_valid_characters,
    stream_257_chunks,
    stream_257_chunks_full,
    stream_258_chunks,
    stream_bad_tag,
    stream_bad_tag_second_chunk,
    stream_bad_tag_second_chunk_full,
    stream_empty_payload,
    stream_last_chunk_empty,
    stream_last_chunk_full,
    stream_last_chunk_full_second,
    stream_missing_tag,
    stream_no_chunks,
    stream_no_final,
    stream_no_final_full,
    stream_no_final_two_chunks,
    stream_no_final_two_chunks_full,
    stream_no_nonce,
    stream_short_chunk,
    stream_short_nonce,
    stream_short_second_chunk,
    stream_three_chunks,
    stream_trailing_garbage_long,
    stream_trailing_garbage_short,
    stream_two_chunks,
    stream_two_final_chunks,
    stream_two_final_chunks_full,
    stream_two_final_chunks_second,
    stream_two_final_chunks_short,
    version_unsupported,
    x25519,
    x25519_bad_tag,
    x25519_extra_argument,
    x25519_grease,
    x25519_identity,
    x25519_long_file_key,
    x25519_long_share,
    x25519_low_order,
    x25519_lowercase,
    x25519_multiple_recipients,
    x25519_no_match,
    x25519_not_canonical_body,
    x25519_not_canonical_share,
    x25519_short_share,
}

/// The list above is the directory: a vector added or removed there must be
/// added or removed here, so none is silently skipped.
#[test]
fn every_vector_is_listed() {
    let mut on_disk: Vec<String> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "README.md")
        .collect();
    on_disk.sort();
    let mut listed: Vec<&str> = LISTED.to_vec();
    listed.sort();
    assert_eq!(on_disk, listed);
    assert_eq!(listed.len(), 123, "the vendored CCTV set has 123 vectors");
}

/// The expected outcome counts, as before the split into one test per
/// vector: 20 open (with their payload), 103 are refused.
#[test]
fn outcome_counts() {
    let success = LISTED
        .iter()
        .filter(|n| {
            let raw = std::fs::read(dir().join(n)).unwrap();
            let split = raw.windows(2).position(|w| w == b"\n\n").unwrap();
            let head = std::str::from_utf8(&raw[..split]).unwrap();
            let expect_ok = head.lines().any(|l| l.trim() == "expect: success");
            let scrypt = head.lines().any(|l| l.starts_with("passphrase:"));
            (expect_ok && !scrypt && !REFUSED_ANYWAY.contains(n)) || ACCEPTED_ANYWAY.contains(n)
        })
        .count();
    assert_eq!((success, LISTED.len() - success), (20, 103));
}
