//! dotenv files: a small reader, and a writer whose output both vault and
//! python-dotenv read back exactly.
//!
//! Why not a dotenv crate: `dotenvy` expands `$VAR` from the process
//! environment inside values (an imported value would silently change) and
//! reports errors without line numbers. This reader takes every value
//! literally and says which line is wrong.
//!
//! Guarantees:
//! - [`parse_dotenv`] reads UTF-8 with or without a byte-order mark; LF, CRLF
//!   and a bare CR all end a line (inside quotes too, as every peer parser
//!   does); how it compares with python-dotenv, motdotla/dotenv, dotenvy and
//!   bkeepers/dotenv is the table in `tests/it/dotenv.rs`.
//! - [`dotenv_value`] output is read back exactly by [`parse_dotenv`] and by
//!   python-dotenv 1.2 (default settings) for every value
//!   [`dotenv_problem`] accepts; the others (`${…}`, which python-dotenv
//!   expands, and some values ending in a backslash) are refused by name.

use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::name;
use crate::vault::Value;

/// What Python's `str.isspace` calls white space (python-dotenv strips and
/// splits on it): Unicode White_Space plus U+001C..U+001F.
fn py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Whether python-dotenv (default settings) would expand part of `value`:
/// it replaces `${NAME}` and `${NAME:-default}` in every value, quoted or
/// not, and has no escape for `$`.
fn python_expands(value: &str) -> bool {
    let b = value.as_bytes();
    let mut i = 0;
    while let Some(pos) = value[i..].find("${") {
        let mut j = i + pos + 2;
        while j < b.len() && b[j] != b'}' && b[j] != b':' {
            j += 1;
        }
        if j < b.len() && b[j] == b'}' {
            return true;
        }
        if b.get(j) == Some(&b':') && b.get(j + 1) == Some(&b'-') && value[j..].contains('}') {
            return true;
        }
        i += pos + 2;
    }
    false
}

/// Why a value cannot be written so that both vault and python-dotenv read
/// it back exactly, if it cannot. [`dotenv_value`] writes every other value.
pub fn dotenv_problem(value: &str) -> Option<&'static str> {
    if python_expands(value) {
        return Some("holds ${…}, which python-dotenv would expand");
    }
    if value.ends_with('\\') && !single_quotable(value) && !unquotable(value) {
        return Some(
            "ends in a backslash and needs double quotes, where python-dotenv misreads a final backslash",
        );
    }
    None
}

/// Nothing in it is special inside single quotes, to vault or python-dotenv
/// (which reads `\\` and `\'` there) or a line-ending translation.
fn single_quotable(value: &str) -> bool {
    !value.contains(['\'', '\\', '\n', '\r'])
}

/// Readable unquoted by both: one line, no white space at either end, no
/// quote or `#` first, and no white space before a `#` (a comment).
fn unquotable(value: &str) -> bool {
    let (Some(first), Some(last)) = (value.chars().next(), value.chars().last()) else {
        return false;
    };
    !value.contains(['\n', '\r'])
        && !py_space(first)
        && !py_space(last)
        && !matches!(first, '\'' | '"' | '#')
        && !value
            .chars()
            .zip(value.chars().skip(1))
            .any(|(a, b)| py_space(a) && b == '#')
}

/// A dotenv value that vault's import and python-dotenv both read back
/// unchanged, for any value [`dotenv_problem`] accepts: single-quoted when
/// nothing inside is special; else double-quoted with `\\ \" \n \r`
/// escapes; a value ending in a backslash (which python-dotenv's
/// double-quote rule misreads) unquoted.
pub fn dotenv_value(value: &str) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(value.len() + value.len() / 8 + 2));
    if single_quotable(value) {
        out.push('\'');
        out.push_str(value);
        out.push('\'');
        return out;
    }
    if value.ends_with('\\') && unquotable(value) {
        out.push_str(value);
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

/// Refuses (exit 2, naming the secret) a value [`dotenv_problem`] finds.
pub fn check_dotenv_value(secret: &str, value: &str) -> Result<()> {
    match dotenv_problem(value) {
        None => Ok(()),
        Some(why) => Err(Error::usage(format!(
            "the value of secret {} {why}, so no dotenv quoting reads it back exactly; nothing was printed",
            name::escape(secret)
        ))
        .hint("use --format json, or leave it out by name or prefix")),
    }
}

/// Whether a secret name can be written as a dotenv key that vault and
/// python-dotenv read back: no `=`, quote, `#` or white space.
pub fn is_dotenv_key(key: &str) -> bool {
    !key.is_empty() && !key.contains(['=', '\'', '"', '#']) && !key.chars().any(py_space)
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
    // A UTF-8 byte-order mark (Windows editors) is not part of the first key.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // Every line ending is a line ending: CRLF and a bare CR become LF, also
    // inside quoted values (as every peer parser does). The copy may hold
    // values, so it is wiped when dropped.
    let normalised: Zeroizing<String>;
    let text = if text.contains('\r') {
        normalised = Zeroizing::new(text.replace("\r\n", "\n").replace('\r', "\n"));
        normalised.as_str()
    } else {
        text
    };
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
        let after_equals = i;
        while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
            i += 1;
        }
        // `KEY=   # note`: the comment rule makes that an empty value.
        let spaced = i > after_equals;
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
                    if b[i] == b'#'
                        && ((i == start && spaced) || (i > start && (b[i - 1] == b' ' || b[i - 1] == b'\t')))
                    {
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
