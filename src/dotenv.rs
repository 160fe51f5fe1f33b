//! dotenv files: a small reader, and a writer whose output both vault and
//! python-dotenv read back exactly.
//!
//! Why not a dotenv crate: `dotenvy` expands `$VAR` from the process
//! environment inside values (an imported value would silently change) and
//! reports errors without line numbers. This reader takes every value
//! literally and says which line is wrong.
//!
//! Guarantees:
//! - [`Reader`] reads UTF-8 with or without a byte-order mark; LF, CRLF
//!   and a bare CR all end a line (inside quotes too, as every peer parser
//!   does); how it compares with python-dotenv, motdotla/dotenv, dotenvy and
//!   bkeepers/dotenv is the table in `tests/it/dotenv.rs`.
//! - [`dotenv_value`] output is read back exactly by [`Reader`] and by
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

/// [`parse_some`] of a whole text at once, as read from a file (with or
/// without a byte-order mark, any line ends): what [`Reader`] returns in
/// batches.
#[cfg(test)]
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
    let mut out = Vec::new();
    parse_some(text, 1, true, &mut out)?;
    Ok(out)
}

/// How far [`parse_some`] got: the entries before `consumed` are complete.
#[derive(Debug, PartialEq, Eq)]
pub struct Progress {
    /// Bytes of the text read; the rest starts an entry (or a blank or
    /// comment line) that may continue past the end of the text.
    pub consumed: usize,
    /// The line number at `consumed`.
    pub line: usize,
}

/// Reads dotenv text:
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
///
/// For text that arrives in pieces:
/// parses `text` (normalised: no CR, no byte-order mark), whose first line
/// is line `first_line`, appending every complete entry to `out`. With
/// `end` false, more text may follow: an entry (or blank or comment line)
/// that reaches the end of `text` is left unread, and [`Progress`] says
/// where to resume. Entries are exactly those of parsing the whole text at
/// once, which is what [`Reader`] relies on.
pub fn parse_some(
    text: &str,
    first_line: usize,
    end: bool,
    out: &mut Vec<Entry>,
) -> Result<Progress, ParseError> {
    let b = text.as_bytes();
    let mut i = 0;
    let mut line = first_line;
    let err = |line: usize, message: &str| ParseError {
        line,
        message: message.to_owned(),
    };
    let is_blank = |c: u8| c == b' ' || c == b'\t' || c == b'\r';
    loop {
        // Where this line starts: the place to resume from when the text
        // ends inside it and more may follow.
        let (mark, mark_line) = (i, line);
        let more = Ok(Progress {
            consumed: mark,
            line: mark_line,
        });
        while i < b.len() && is_blank(b[i]) {
            i += 1;
        }
        if i >= b.len() {
            if !end {
                return more;
            }
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
            if i >= b.len() && !end {
                return more;
            }
            continue;
        }
        let start_line = line;
        // Too near the end to tell "export" from a key starting with it.
        if !end && b.len() - i <= 6 {
            return more;
        }
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
        if i >= b.len() && !end {
            return more;
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
            None if !end => return more,
            Some(b'\'') => {
                let Some(close) = text[i + 1..].find('\'') else {
                    if !end {
                        return more;
                    }
                    return Err(err(start_line, "the single quote is never closed"));
                };
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
                    if !end {
                        return more;
                    }
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
                if i >= b.len() && !end {
                    return more;
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
        if i >= b.len() && !end {
            return more;
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
    Ok(Progress {
        consumed: b.len(),
        line,
    })
}

/// Reads a dotenv file in pieces with bounded memory: [`parse_dotenv`]'s
/// entries, a batch at a time, from any reader. It strips a byte-order
/// mark, turns CRLF and a bare CR into LF (also across reads), checks UTF-8
/// (naming the line), and keeps only the unfinished tail of the text
/// between reads. Every buffer that held text is wiped when dropped, and
/// grows by copying into a new wiped buffer, never by reallocation.
pub struct Reader<R> {
    input: R,
    /// Normalised text not yet parsed: `buf[..len]`, valid UTF-8 up to `valid`.
    buf: Zeroizing<Vec<u8>>,
    len: usize,
    /// The line number at the start of `buf`.
    line: usize,
    /// The last byte read was a CR (its LF, if one follows, is dropped).
    after_cr: bool,
    started: bool,
    done: bool,
    /// The longest unfinished entry kept; a longer one is an error.
    max_pending: usize,
}

/// Bytes read from the input at a time.
const READ_SIZE: usize = 256 * 1024;

/// What [`Reader`] reports: the input failed, or the text is wrong.
#[derive(Debug)]
pub enum ReadError {
    Io(std::io::Error),
    Parse(ParseError),
}

impl<R: std::io::Read> Reader<R> {
    /// `max_pending`: the longest text one entry may take (with its
    /// comments and blanks), so a file without line ends cannot fill memory.
    pub fn new(input: R, max_pending: usize) -> Reader<R> {
        Reader {
            input,
            buf: Zeroizing::new(vec![0; READ_SIZE * 2]),
            len: 0,
            line: 1,
            after_cr: false,
            started: false,
            done: false,
            max_pending,
        }
    }

    /// Appends the next complete entries (at least one, unless the input
    /// has ended: then `Ok(false)`) to `out`.
    pub fn next_batch(&mut self, out: &mut Vec<Entry>) -> Result<bool, ReadError> {
        let before = out.len();
        while !self.done {
            let end = self.fill()?;
            if !self.started {
                continue; // not yet enough to tell a byte-order mark
            }
            let valid = self.valid_text(end)?;
            let text = std::str::from_utf8(&self.buf[..valid]).map_err(|_| {
                ReadError::Parse(ParseError {
                    line: self.line,
                    message: "not UTF-8 text".into(),
                })
            })?;
            let done = parse_some(text, self.line, end, out).map_err(ReadError::Parse)?;
            self.buf.copy_within(done.consumed..self.len, 0);
            self.len -= done.consumed;
            self.line = done.line;
            self.done = end;
            if self.len > self.max_pending {
                return Err(ReadError::Parse(ParseError {
                    line: self.line,
                    message: format!(
                        "this entry runs past {} MiB (values are at most 1 MiB)",
                        self.max_pending >> 20
                    ),
                }));
            }
            if out.len() > before {
                return Ok(true);
            }
        }
        Ok(out.len() > before)
    }

    /// Reads once more into the buffer (grown when full), normalising line
    /// ends; true at the end of the input.
    fn fill(&mut self) -> Result<bool, ReadError> {
        if self.buf.len() - self.len < READ_SIZE {
            let mut bigger = Zeroizing::new(vec![0u8; self.buf.len() * 2]);
            bigger[..self.len].copy_from_slice(&self.buf[..self.len]);
            self.buf = bigger;
        }
        let n = loop {
            match self.input.read(&mut self.buf[self.len..self.len + READ_SIZE]) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(ReadError::Io(e)),
            }
        };
        // CR LF -> LF, lone CR -> LF, in place (the text only shrinks).
        let (mut r, mut w) = (self.len, self.len);
        while r < self.len + n {
            let c = self.buf[r];
            r += 1;
            if c == b'\n' && self.after_cr {
                self.after_cr = false;
                continue;
            }
            self.after_cr = c == b'\r';
            self.buf[w] = if c == b'\r' { b'\n' } else { c };
            w += 1;
        }
        self.len = w;
        if !self.started && (self.len >= 3 || n == 0) {
            self.started = true;
            if self.buf[..self.len].starts_with(b"\xef\xbb\xbf") {
                self.buf.copy_within(3..self.len, 0);
                self.len -= 3;
            }
        }
        Ok(n == 0)
    }

    /// How much of the buffer is whole UTF-8: all of it, less a character
    /// cut by the read (unless the input ended). Invalid text names its line.
    fn valid_text(&self, end: bool) -> Result<usize, ReadError> {
        let bytes = &self.buf[..self.len];
        match std::str::from_utf8(bytes) {
            Ok(_) => Ok(self.len),
            Err(e) if e.error_len().is_none() && !end => Ok(e.valid_up_to()),
            Err(e) => {
                let line = self.line + bytes[..e.valid_up_to()].iter().filter(|&&b| b == b'\n').count();
                Err(ReadError::Parse(ParseError {
                    line,
                    message: "not UTF-8 text".into(),
                }))
            }
        }
    }
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

    /// Hands out `step` bytes per read, so every entry, quote, CR LF and
    /// UTF-8 character is cut somewhere.
    struct Trickle<'a> {
        data: &'a [u8],
        step: usize,
    }

    impl std::io::Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.step.min(buf.len()).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    fn read_in_pieces(text: &[u8], step: usize) -> Result<Vec<(String, usize, Vec<u8>)>, ParseError> {
        let mut reader = Reader::new(Trickle { data: text, step }, 1 << 20);
        let mut out = Vec::new();
        loop {
            match reader.next_batch(&mut out) {
                Ok(true) => {}
                Ok(false) => break,
                Err(ReadError::Parse(e)) => return Err(e),
                Err(ReadError::Io(e)) => panic!("{e}"),
            }
        }
        Ok(out
            .into_iter()
            .map(|e| (e.key, e.line, e.value.to_vec()))
            .collect())
    }

    /// The reader finds exactly the entries (and errors, on the same line)
    /// that parsing the whole text at once finds, however the text is cut.
    #[test]
    fn reading_in_pieces_matches_parsing_whole() {
        let texts: &[&[u8]] = &[
            b"# comment\n\nA=1\nexport B = two words  # note\nC='single $HOME # kept'\n\
              D=\"line\\nbreak \\\"q\\\" \\$x \\w\"\nE=\nF=a#b\nG='multi\nline'\nH=\"x\" # c\r\n",
            b"\xef\xbb\xbfA=1\r\nB='x\r\ny'\rC=\"\xc3\xa9\xe2\x9c\x93\"\r\nexportX=2\nexport\n",
            b"A=1\nnot a pair\n",
            b"A=1\n\nB='open\nC=3\n",
            b"A=\"open\n",
            b"A='two\nlines' y\n",
            b"JUSTAKEY",
            b"A=1\nB=\xff\n",
            b"A=last without newline",
            b"export",
            b"\n\n\xef\xbb\xbfA=1\n",
        ];
        for text in texts {
            let whole = std::str::from_utf8(text)
                .map_err(|_| ParseError {
                    line: 2,
                    message: "not UTF-8 text".into(),
                })
                .and_then(parse_dotenv)
                .map(|v| {
                    v.into_iter()
                        .map(|e| (e.key, e.line, e.value.to_vec()))
                        .collect::<Vec<_>>()
                });
            for step in [1, 2, 3, 5, 7, 64, 1 << 20] {
                assert_eq!(read_in_pieces(text, step), whole, "{text:?} in steps of {step}");
            }
        }
    }

    #[test]
    fn an_entry_without_end_is_refused_not_buffered() {
        let text = format!("A=1\nB={}", "x".repeat(3 << 20));
        let mut reader = Reader::new(
            Trickle {
                data: text.as_bytes(),
                step: 1 << 20,
            },
            1 << 20,
        );
        let mut out = Vec::new();
        let e = loop {
            match reader.next_batch(&mut out) {
                Ok(true) => {}
                Ok(false) => panic!("read it all"),
                Err(e) => break e,
            }
        };
        assert!(matches!(e, ReadError::Parse(ParseError { line: 2, .. })), "{e:?}");
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
