//! The naming rule for secrets, and the limits on values.
//!
//! A name is what users type, what shells complete and what scripts turn into
//! environment variables, so it must be unambiguous: two names that look the
//! same on screen must be the same name. Names are therefore normalised to
//! Unicode NFC and restricted to visible characters.

use unicode_normalization::UnicodeNormalization;

use crate::error::{Error, Result};

/// Longest accepted name, in bytes of UTF-8 (after NFC normalisation).
pub const MAX_NAME_BYTES: usize = 256;
/// Largest accepted value, in bytes.
pub const MAX_VALUE_BYTES: usize = 1024 * 1024;
/// Longest accepted description, in bytes.
pub const MAX_DESCRIPTION_BYTES: usize = 4096;

const RULE: &str = "names are 1-256 bytes of visible characters (no spaces or control characters), \
                    may use '/' between non-empty parts, and may not start with '-'";

/// Checks a name against the rule and returns its canonical (NFC) form.
pub fn canonical(raw: &str) -> Result<String> {
    let name: String = raw.nfc().collect();
    let problem = if name.is_empty() {
        Some("is empty")
    } else if name.len() > MAX_NAME_BYTES {
        Some("is longer than 256 bytes")
    } else if name.chars().any(char::is_control) {
        Some("contains a control character")
    } else if name.chars().any(char::is_whitespace) {
        Some("contains white space")
    } else if name.chars().any(is_invisible) {
        Some("contains an invisible formatting character")
    } else if name.starts_with('-') {
        Some("starts with '-'")
    } else if name.starts_with('/') || name.ends_with('/') || name.contains("//") {
        Some("has an empty part between '/'")
    } else {
        None
    };
    match problem {
        None => Ok(name),
        Some(problem) => {
            Err(Error::usage(format!("invalid secret name {}: it {problem}", escape(&name))).hint(RULE))
        }
    }
}

/// Zero-width and bidi formatting characters make two names look alike.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}')
}

/// A name made printable for messages and listings: control characters and
/// other invisible characters are shown as Rust-style escapes, so a name
/// written into the database by other means cannot drive the terminal.
pub fn escape(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 2);
    out.push('"');
    for c in name.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() || is_invisible(c) => {
                out.extend(c.escape_unicode());
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Like [`escape`] but without quotes when nothing needed escaping: for
/// listings, where plain names should stay plain.
pub fn display(name: &str) -> String {
    if name
        .chars()
        .any(|c| c.is_control() || is_invisible(c) || c == '"' || c == '\\')
    {
        escape(name)
    } else {
        name.to_owned()
    }
}

/// Checks a value's size against the documented limit.
pub fn check_value(len: usize) -> Result<()> {
    if len > MAX_VALUE_BYTES {
        return Err(Error::usage(format!(
            "the value is {len} bytes, over the limit of {MAX_VALUE_BYTES} bytes (1 MiB)"
        ))
        .hint("store large files elsewhere and keep their key in vault"));
    }
    Ok(())
}

/// Checks a description's size and characters.
pub fn check_description(text: &str) -> Result<()> {
    if text.len() > MAX_DESCRIPTION_BYTES {
        return Err(Error::usage("the description is longer than 4096 bytes").hint("shorten it"));
    }
    if text.chars().any(char::is_control) {
        return Err(Error::usage("the description contains a control character")
            .hint("use a single line of visible text"));
    }
    Ok(())
}

/// Longest accepted member name, in bytes.
pub const MAX_MEMBER_NAME_BYTES: usize = 64;

/// Checks a member name (a label such as `alice` or `ci-deploy`): 1-64 bytes
/// of visible characters without spaces, not starting with '-'.
pub fn member(raw: &str) -> Result<String> {
    let name: String = raw.nfc().collect();
    let bad = name.is_empty()
        || name.len() > MAX_MEMBER_NAME_BYTES
        || name.starts_with('-')
        || name
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || is_invisible(c));
    if bad {
        return Err(Error::usage(format!("invalid member name {}", escape(&name)))
            .hint("member names are 1-64 visible characters without spaces, not starting with '-'"));
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_names() {
        for n in [
            "db/password",
            "API_KEY",
            "a",
            "team/ci/token.v2",
            "café",
            "x@y:z=1",
        ] {
            assert_eq!(canonical(n).unwrap(), n);
        }
    }

    #[test]
    fn rejects_bad_names() {
        for n in [
            "",
            " ",
            "a b",
            "a\nb",
            "a\0b",
            "-x",
            "/a",
            "a/",
            "a//b",
            "a\u{200B}b",
            "\u{1b}[31m",
        ] {
            let e = canonical(n).unwrap_err();
            assert_eq!(e.kind, crate::error::Kind::Usage, "{n:?}");
        }
        assert!(canonical(&"a".repeat(257)).is_err());
        assert!(canonical(&"a".repeat(256)).is_ok());
    }

    #[test]
    fn normalises_to_nfc() {
        let nfd = "cafe\u{301}";
        assert_eq!(canonical(nfd).unwrap(), "caf\u{e9}");
    }

    #[test]
    fn escapes_control_characters() {
        assert_eq!(display("a\nb"), "\"a\\u{a}b\"");
        assert_eq!(display("plain/name"), "plain/name");
    }

    #[test]
    fn value_limit_is_inclusive() {
        assert!(check_value(MAX_VALUE_BYTES).is_ok());
        assert!(check_value(MAX_VALUE_BYTES + 1).is_err());
    }
}
