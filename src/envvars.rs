//! Secrets as environment variables and dotenv files: the name mapping, shell
//! quoting, and a small dotenv reader and writer.
//!
//! Why not a dotenv crate: `dotenvy` expands `$VAR` from the process
//! environment inside values (an imported value would silently change) and
//! reports errors without line numbers. This reader takes every value
//! literally and says which line is wrong.
//!
//! Guarantees:
//! - [`shell_quote`] output is one single-quoted word that any POSIX shell
//!   reads back as exactly the input bytes (quotes, `$`, backticks, newlines).
//! - [`dotenv_value`] output is read back exactly by [`parse_dotenv`], and by
//!   python-dotenv (single quotes unless the value holds `'`, `\` or a line
//!   break; then double quotes with `\\ \" \n \r` escapes, where
//!   python-dotenv would expand `${X}`).

use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::name;
use crate::vault::Value;

/// The variable a secret name becomes: ASCII upper case, every character
/// outside `[A-Z0-9_]` replaced by `_`, and a `_` in front if it would start
/// with a digit (shells refuse such names). `db/password` → `DB_PASSWORD`.
pub fn var_name(secret: &str) -> String {
    let mut out = String::with_capacity(secret.len() + 1);
    for c in secret.chars() {
        let u = c.to_ascii_uppercase();
        out.push(if u.is_ascii_uppercase() || u.is_ascii_digit() || u == '_' {
            u
        } else {
            '_'
        });
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

/// Pairs each secret with its variable name, refusing two secrets that
/// would become the same variable (the error names both).
pub fn variables(secrets: Vec<(String, Value)>) -> Result<Vec<(String, String, Value)>> {
    let mut out: Vec<(String, String, Value)> =
        secrets.into_iter().map(|(n, v)| (var_name(&n), n, v)).collect();
    out.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    for pair in out.windows(2) {
        if pair[0].0 == pair[1].0 {
            return Err(Error::conflict(format!(
                "secrets {} and {} both become the variable {}",
                name::escape(&pair[0].1),
                name::escape(&pair[1].1),
                pair[0].0
            ))
            .hint("select one of them (by name or prefix), or rename one"));
        }
    }
    Ok(out)
}

/// A value as environment text: no NUL (the kernel cannot pass one) and,
/// for text formats, valid UTF-8.
pub fn text_value<'a>(secret: &str, value: &'a [u8]) -> Result<&'a str> {
    check_no_nul(secret, value)?;
    std::str::from_utf8(value).map_err(|_| {
        Error::usage(format!(
            "secret {} is not UTF-8 text, so it cannot be printed in this format",
            name::escape(secret)
        ))
        .hint(
            "read it with `vault get` (or `vault get --json` for base64), or leave it out by name or prefix",
        )
    })
}

/// Refuses a value holding a NUL byte, which no environment variable can carry.
pub fn check_no_nul(secret: &str, value: &[u8]) -> Result<()> {
    if value.contains(&0) {
        return Err(Error::usage(format!(
            "secret {} holds a NUL byte, which an environment variable cannot carry",
            name::escape(secret)
        ))
        .hint("read it with `vault get`, or leave it out by name or prefix"));
    }
    Ok(())
}

/// `'…'` with each `'` written as `'\''`: nothing inside single quotes is
/// special to a POSIX shell, including newlines.
pub fn shell_quote(value: &str) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(value.len() + value.len() / 8 + 2));
    out.push('\'');
    for c in value.chars() {
        if c == '\'' {
            out.push_str("'\\''");
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    out
}

/// A dotenv value, quoted so that common parsers read it back unchanged.
pub fn dotenv_value(value: &str) -> Zeroizing<String> {
    let plain = !value.contains(['\'', '\\', '\n', '\r']);
    let mut out = Zeroizing::new(String::with_capacity(value.len() + value.len() / 8 + 2));
    if plain {
        out.push('\'');
        out.push_str(value);
        out.push('\'');
        return out;
    }
    out.push('"');
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A JSON string literal for a secret value, built in a zeroizing buffer
/// sized for the worst case (`\u00XX` per byte), so it never reallocates.
pub fn json_string(value: &str) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(value.len() * 6 + 2));
    // Writing a &str to a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, value);
    out
}

/// Whether a secret name can be written as a dotenv key that reads back.
pub fn is_dotenv_key(key: &str) -> bool {
    !key.is_empty() && !key.contains(['=', '\'', '"']) && !key.starts_with('#')
}

/// One `KEY=VALUE` entry of a dotenv file.
pub struct Entry {
    pub key: String,
    /// The 1-based line the entry starts on.
    pub line: usize,
    pub value: Value,
}

/// What is wrong with a dotenv file, and where.
#[derive(Debug, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub message: String,
}

/// Reads a dotenv file:
/// - blank lines and lines starting with `#` are skipped; `export ` before a
///   key is allowed; spaces around `=` are allowed;
/// - `'…'` is literal (no escapes) and may span lines;
/// - `"…"` may span lines and understands `\\ \" \n \r \t \$` and `` \` ``
///   (any other backslash is kept as written);
/// - an unquoted value ends at the end of the line or at ` #`, and is trimmed;
/// - nothing is expanded: `$HOME` stays `$HOME`.
///
/// Any other shape (no `=`, an empty key, an unterminated quote, text after a
/// closing quote) is an error naming its line.
pub fn parse_dotenv(text: &str) -> Result<Vec<Entry>, ParseError> {
    let b = text.as_bytes();
    let mut i = 0;
    let mut line = 1;
    let mut out = Vec::new();
    let err = |line: usize, message: &str| ParseError {
        line,
        message: message.to_owned(),
    };
    let is_blank = |c: u8| c == b' ' || c == b'\t' || c == b'\r';
    while i < b.len() {
        while i < b.len() && is_blank(b[i]) {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        if b[i] == b'\n' {
            i += 1;
            line += 1;
            continue;
        }
        if b[i] == b'#' {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        let start_line = line;
        if b[i..].starts_with(b"export") && b.get(i + 6).is_some_and(|&c| c == b' ' || c == b'\t') {
            i += 6;
            while i < b.len() && is_blank(b[i]) {
                i += 1;
            }
        }
        let key_start = i;
        while i < b.len() && b[i] != b'=' && b[i] != b'\n' && !is_blank(b[i]) {
            i += 1;
        }
        let key = &text[key_start..i];
        while i < b.len() && is_blank(b[i]) {
            i += 1;
        }
        if i >= b.len() || b[i] != b'=' {
            return Err(err(start_line, "expected KEY=VALUE"));
        }
        if key.is_empty() {
            return Err(err(start_line, "the key before '=' is empty"));
        }
        i += 1; // '='
        while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
            i += 1;
        }
        let value = match b.get(i) {
            Some(b'\'') => {
                let close = text[i + 1..]
                    .find('\'')
                    .ok_or_else(|| err(start_line, "the single quote is never closed"))?;
                let inner = &text[i + 1..i + 1 + close];
                line += inner.matches('\n').count();
                i += close + 2;
                Zeroizing::new(inner.as_bytes().to_vec())
            }
            Some(b'"') => {
                // Find the closing quote first, so the buffer is sized once
                // (no reallocation leaves copies of the value behind).
                let mut j = i + 1;
                while j < b.len() && b[j] != b'"' {
                    j += if b[j] == b'\\' { 2 } else { 1 };
                }
                if j >= b.len() {
                    return Err(err(start_line, "the double quote is never closed"));
                }
                let inner = &b[i + 1..j];
                let mut v = Zeroizing::new(Vec::with_capacity(inner.len()));
                let mut k = 0;
                while k < inner.len() {
                    if inner[k] == b'\\' && k + 1 < inner.len() {
                        match inner[k + 1] {
                            b'n' => v.push(b'\n'),
                            b'r' => v.push(b'\r'),
                            b't' => v.push(b'\t'),
                            c @ (b'\\' | b'"' | b'$' | b'`') => v.push(c),
                            c => v.extend_from_slice(&[b'\\', c]),
                        }
                        k += 2;
                    } else {
                        v.push(inner[k]);
                        k += 1;
                    }
                }
                line += inner.iter().filter(|&&c| c == b'\n').count();
                i = j + 1;
                v
            }
            _ => {
                let start = i;
                while i < b.len() && b[i] != b'\n' {
                    if b[i] == b'#' && i > start && (b[i - 1] == b' ' || b[i - 1] == b'\t') {
                        break;
                    }
                    i += 1;
                }
                let raw = text[start..i].trim_end_matches([' ', '\t', '\r']);
                while i < b.len() && b[i] != b'\n' {
                    i += 1; // the comment
                }
                Zeroizing::new(raw.as_bytes().to_vec())
            }
        };
        // After a quoted value: only blanks and a comment may follow.
        while i < b.len() && is_blank(b[i]) {
            i += 1;
        }
        if i < b.len() && b[i] == b'#' {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        }
        if i < b.len() && b[i] != b'\n' {
            return Err(err(line, "unexpected text after the closing quote"));
        }
        out.push(Entry {
            key: key.to_owned(),
            line: start_line,
            value,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Vec<(String, String)> {
        parse_dotenv(text)
            .unwrap()
            .into_iter()
            .map(|e| (e.key, String::from_utf8(e.value.to_vec()).unwrap()))
            .collect()
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    #[test]
    fn maps_names_to_variables() {
        assert_eq!(var_name("db/password"), "DB_PASSWORD");
        assert_eq!(var_name("api-key.v2"), "API_KEY_V2");
        assert_eq!(var_name("café"), "CAF_");
        assert_eq!(var_name("1password"), "_1PASSWORD");
        assert_eq!(var_name("Already_OK"), "ALREADY_OK");
    }

    #[test]
    fn collisions_name_both() {
        let v = |s: &str| (s.to_owned(), Zeroizing::new(b"x".to_vec()));
        let e = variables(vec![v("db/password"), v("a"), v("db-password")]).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("\"db-password\"") && msg.contains("\"db/password\""),
            "{msg}"
        );
        assert!(msg.contains("DB_PASSWORD"));
        assert!(variables(vec![v("a"), v("b")]).is_ok());
    }

    #[test]
    fn shell_quote_is_single_quoted() {
        assert_eq!(*shell_quote("it's $x"), "'it'\\''s $x'");
        assert_eq!(*shell_quote(""), "''");
    }

    #[test]
    fn parses_common_shapes() {
        let text = "# comment\n\nA=1\nexport B = two words  # note\nC='single $HOME # kept'\n\
                    D=\"line\\nbreak \\\"q\\\" \\$x \\w\"\nE=\nF=a#b\nG='multi\nline'\nH=\"x\" # c\r\n";
        assert_eq!(
            parse(text),
            pairs(&[
                ("A", "1"),
                ("B", "two words"),
                ("C", "single $HOME # kept"),
                ("D", "line\nbreak \"q\" $x \\w"),
                ("E", ""),
                ("F", "a#b"),
                ("G", "multi\nline"),
                ("H", "x"),
            ])
        );
    }

    #[test]
    fn reports_line_numbers() {
        let cases = [
            ("A=1\nnot a pair\n", 2, "expected KEY=VALUE"),
            ("A=1\n=x\n", 2, "key before '=' is empty"),
            ("A=1\n\nB='open\nC=3\n", 3, "single quote is never closed"),
            ("A=\"open\n", 1, "double quote is never closed"),
            ("A='x' y\n", 1, "after the closing quote"),
            ("A='two\nlines' y\n", 2, "after the closing quote"),
            ("JUSTAKEY\n", 1, "expected KEY=VALUE"),
        ];
        for (text, line, what) in cases {
            let e = parse_dotenv(text)
                .err()
                .unwrap_or_else(|| panic!("{text:?} parsed"));
            assert_eq!(e.line, line, "{text:?}");
            assert!(e.message.contains(what), "{text:?}: {}", e.message);
        }
    }

    #[test]
    fn dotenv_values_round_trip() {
        for v in [
            "",
            "plain",
            "it's",
            "back\\slash",
            "a\nb\r\nc",
            "$HOME `id` ${X}",
            "\"dq\"",
            " spaces ",
            "# hash",
            "ünï ✓",
            "tab\there",
        ] {
            let line = format!("K={}\n", *dotenv_value(v));
            assert_eq!(parse(&line), pairs(&[("K", v)]), "{line:?}");
        }
    }
}
