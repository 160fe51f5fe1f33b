//! The naming rule for secrets, and the limits on values.
//!
//! A name is what users type, what shells complete and what scripts turn into
//! environment variables, so it must be unambiguous: two names that look the
//! same on screen must be the same name. Names are therefore normalised to
//! Unicode NFC and restricted to visible characters.

use std::borrow::Cow;

use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

use crate::error::{Error, Result};

/// Longest accepted name, in bytes of UTF-8 (after NFC normalisation).
pub const MAX_NAME_BYTES: usize = 256;
/// Largest accepted value, in bytes.
pub const MAX_VALUE_BYTES: usize = 1024 * 1024;
/// Longest accepted description, in bytes.
pub const MAX_DESCRIPTION_BYTES: usize = 4096;

const RULE: &str = "names are 1-256 bytes of visible characters (no spaces or control characters), \
                    may use '/' between non-empty parts, and may not start with '-'";

/// Characters a new name may not hold: quotes, the backslash, and what
/// separates, substitutes or redirects commands in a POSIX shell. A name is
/// typed into shells, completed by them and pasted into scripts; with these
/// gone, a name can never end a quoted word or start a command.
pub const SHELL_SPECIAL: &[char] = &['\'', '"', '\\', '`', '$', ';', '|', '&', '<', '>', '(', ')'];

const NEW_RULE: &str = "new names may not hold quotes, a backslash, or any of ` $ ; | & < > ( )";

/// Checks a name for a new secret (`put`, `import`): the rule of
/// [`canonical`], plus no shell metacharacters ([`SHELL_SPECIAL`]). Names
/// already stored with such characters (written by other means) can still be
/// read and removed through [`canonical`].
pub fn new_name(raw: &str) -> Result<String> {
    let name = canonical(raw)?;
    if let Some(c) = name.chars().find(|c| SHELL_SPECIAL.contains(c)) {
        return Err(Error::usage(format!(
            "invalid secret name {}: it holds {c:?}, which shells treat specially",
            escape(&name)
        ))
        .hint(NEW_RULE));
    }
    Ok(name)
}

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

/// Invisible formatting characters (zero-width, bidi controls, the BOM)
/// make two names look alike.
fn is_invisible(c: char) -> bool {
    c.general_category() == GeneralCategory::Format
}

/// The one escaping rule for text that came from the database, a server or
/// a file and is about to reach a terminal: the Unicode categories Cc
/// (controls: C0, DEL, C1), Cf (formatting: bidi embeddings and isolates,
/// U+061C, zero-width characters, the BOM, tags), Zl and Zp (U+2028,
/// U+2029). None of them can be shown, and each can move the cursor,
/// reorder the line or hide text.
pub fn is_unsafe(c: char) -> bool {
    // ASCII first: `ls` runs this on every character of every name, and the
    // category table is a binary search.
    if c.is_ascii() {
        return c.is_ascii_control();
    }
    matches!(
        c.general_category(),
        GeneralCategory::Control
            | GeneralCategory::Format
            | GeneralCategory::LineSeparator
            | GeneralCategory::ParagraphSeparator
    )
}

/// Free text (a description, a recipient, a server's message, a whole
/// error line) with every [`is_unsafe`] character written as a Rust-style
/// escape (`\u{1b}`). Borrowed when nothing needed escaping.
pub fn terminal(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// JSON text with every [`is_unsafe`] character inside a string written as
/// a `\uXXXX` escape (a surrogate pair above U+FFFF), where it means the
/// same character. serde_json escapes only C0 controls; the layout between
/// values (a pretty printer's newlines) is left alone.
pub fn json(text: Vec<u8>) -> Vec<u8> {
    let Ok(s) = std::str::from_utf8(&text) else {
        return text;
    };
    if !s.chars().any(is_unsafe) {
        return text;
    }
    let mut out = String::with_capacity(s.len() + 16);
    let (mut in_string, mut escaped) = (false, false);
    for c in s.chars() {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
        } else if c == '"' {
            in_string = true;
        }
        if in_string && is_unsafe(c) {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{u:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    out.into_bytes()
}

/// A name made printable for messages and listings: quoted, with `"` and
/// `\` escaped and every [`is_unsafe`] character shown as a Rust-style
/// escape, so a name written into the database by other means cannot drive
/// the terminal.
pub fn escape(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 2);
    out.push('"');
    for c in name.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if is_unsafe(c) => {
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
    shown(name).into_owned()
}

/// [`display`], borrowed when nothing needed escaping (`ls` of a million
/// names allocates nothing per plain name).
pub fn shown(name: &str) -> Cow<'_, str> {
    // Printable ASCII (the common case) is decided a byte at a time, without
    // decoding characters or looking up their category; the rest by character.
    let plain = |b: &u8| (b' '..=b'~').contains(b) && *b != b'"' && *b != b'\\';
    if name.bytes().all(|b| plain(&b)) {
        return Cow::Borrowed(name);
    }
    if name.chars().any(|c| is_unsafe(c) || c == '"' || c == '\\') {
        Cow::Owned(escape(name))
    } else {
        Cow::Borrowed(name)
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
        // Bidi isolates, U+061C, line and paragraph separators, C1, tags.
        for c in [
            '\u{2066}',
            '\u{2067}',
            '\u{2068}',
            '\u{2069}',
            '\u{61c}',
            '\u{2028}',
            '\u{2029}',
            '\u{85}',
            '\u{9b}',
            '\u{7f}',
            '\u{e0041}',
            '\u{ad}',
            '\u{feff}',
        ] {
            assert!(is_unsafe(c), "{c:?}");
            assert!(!terminal(&format!("a{c}b")).contains(c), "{c:?}");
            assert!(!display(&format!("a{c}b")).contains(c), "{c:?}");
        }
        for c in ['a', 'é', '日', '✓', ' ', '\u{a0}'] {
            assert!(!is_unsafe(c), "{c:?}");
        }
        assert_eq!(
            terminal("invoice\u{2067}fdp.exe\u{2069}"),
            "invoice\\u{2067}fdp.exe\\u{2069}"
        );
    }

    #[test]
    fn shown_decides_ascii_like_the_character_rules() {
        for b in 0u8..128 {
            let name = format!("a{}b", b as char);
            let by_char = name.chars().any(|c| is_unsafe(c) || c == '"' || c == '\\');
            assert_eq!(matches!(shown(&name), Cow::Owned(_)), by_char, "{b:#x}");
        }
        assert!(matches!(shown("caf\u{e9}/x"), Cow::Borrowed(_)));
        assert_eq!(shown("a\u{2066}b"), "\"a\\u{2066}b\"");
    }

    #[test]
    fn json_escapes_what_serde_leaves_raw() {
        let raw = serde_json::to_vec(&"a\u{1b}\u{85}\u{2066}\u{e0041}b").unwrap();
        let safe = json(raw);
        let text = String::from_utf8(safe.clone()).unwrap();
        assert_eq!(text, "\"a\\u001b\\u0085\\u2066\\udb40\\udc41b\"");
        let back: String = serde_json::from_slice(&safe).unwrap();
        assert_eq!(back, "a\u{1b}\u{85}\u{2066}\u{e0041}b");
        // A pretty printer's newlines between values stay newlines.
        let pretty =
            serde_json::to_vec_pretty(&serde_json::json!({"k\"\\": "\u{2028}\"", "n": null})).unwrap();
        let text = String::from_utf8(json(pretty)).unwrap();
        assert_eq!(text, "{\n  \"k\\\"\\\\\": \"\\u2028\\\"\",\n  \"n\": null\n}");
    }

    #[test]
    fn new_names_refuse_shell_metacharacters() {
        for n in [
            "a;b", "a|b", "$(x)", "`x`", "a&b", "a<b", "a>b", "o'brien", "a\"b", "a\\b",
        ] {
            assert!(canonical(n).is_ok(), "{n:?} can still be looked up");
            let e = new_name(n).unwrap_err();
            assert_eq!(e.kind, crate::error::Kind::Usage, "{n:?}");
        }
        for n in ["a:b=c", "star*", "q?mark", "{x}", "100%", "a#b", "~x", "a!b"] {
            assert_eq!(new_name(n).unwrap(), n);
        }
    }

    #[test]
    fn value_limit_is_inclusive() {
        assert!(check_value(MAX_VALUE_BYTES).is_ok());
        assert!(check_value(MAX_VALUE_BYTES + 1).is_err());
    }
}
