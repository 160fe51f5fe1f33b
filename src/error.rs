//! Typed errors and the exit codes they map to.
//!
//! Every failure a user can meet is one `Error`: a kind (which decides the exit
//! code, a documented part of the interface), a one-line message saying what
//! went wrong, and a hint saying what to do. Messages never contain a secret
//! value, an identity or a database password: callers build them from names,
//! paths and redacted URLs only.

use std::fmt;

/// The class of a failure; each class has its own exit code, described once
/// in [`Kind::status`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Anything unexpected: a bug, or an I/O failure with no better class.
    Internal,
    /// Bad arguments or input: invalid name, value too large, malformed URL or file.
    Usage,
    /// The named secret (or member) does not exist.
    NotFound,
    /// The name, member or variable already exists, or another command (a
    /// rotation) holds the vault.
    Conflict,
    /// This identity holds no copy of the key a secret is sealed to.
    NoAccess,
    /// A sealed value failed verification: tampered, moved, renamed or forged.
    Integrity,
    /// The database cannot be reached, or is not a vault this binary can use.
    Database,
    /// The personal identity or config file is missing, unreadable or too open.
    Identity,
}

/// One exit code as users are told about it. This is the only description of
/// the exit codes: `vault --help` ([`exit_status_help`]), the man page's EXIT
/// STATUS section and the README's table ([`exit_status_markdown`], checked by
/// a test) are all rendered from [`exit_statuses`]. Text in backticks is a
/// command or option (code in Markdown, bold in the man page, plain in --help).
#[derive(Debug, PartialEq, Eq)]
pub struct ExitStatus {
    pub code: u8,
    /// A few words: "conflict".
    pub meaning: &'static str,
    /// Every situation that exits with this code, each a short phrase.
    pub situations: &'static [&'static str],
}

const SUCCESS: ExitStatus = ExitStatus {
    code: 0,
    meaning: "success",
    situations: &[],
};

const INTERNAL: ExitStatus = ExitStatus {
    code: 1,
    meaning: "internal error",
    situations: &[
        "a bug",
        "an unexpected I/O failure, such as a full disk or a read-only file system",
    ],
};

const USAGE: ExitStatus = ExitStatus {
    code: 2,
    meaning: "usage",
    situations: &[
        "bad arguments or options",
        "an invalid name, prefix or description",
        "a value over 1 MiB",
        "malformed input: a recipient, a database URL, a dotenv or JSON file",
        "an input file that does not exist or cannot be read",
        "a value that cannot become an environment variable (a NUL byte; for `env` and `export`, not UTF-8)",
        "`member rm` of yourself",
        "a `vault run` command that cannot be started",
    ],
};

const NOT_FOUND: ExitStatus = ExitStatus {
    code: 3,
    meaning: "not found",
    situations: &[
        "no secret by that name (`get`, `env`, `run --only`, `history`, `restore`, `mv`, `cp`; `rm` then removes none)",
        "no such version kept (`get --version`, `restore --version`)",
        "no member by that name or recipient (`member rm`)",
    ],
};

const CONFLICT: ExitStatus = ExitStatus {
    code: 4,
    meaning: "conflict",
    situations: &[
        "the name exists (`put --no-overwrite`, `import --no-overwrite`, `mv`, `cp`, `restore` of a removed secret)",
        "the secret is not at the version given (`put --if-version N`; the message names the current one)",
        "the recipient or name is already a member (`member add`)",
        "removing the last member (`member rm`)",
        "a secret's variable is already set in the environment (`run` without `--override` or `--pristine`)",
        "two selected secrets become the same variable (`env`, `run`)",
        "a secret would set a variable that decides what programs run, such as `BASH_ENV`, `LD_PRELOAD` or `PATH`, without being named explicitly (`env`, `run`)",
        "another `vault rotate` is running",
        "a concurrent command changed the same thing first (`init`, `put`, `member add`, a key switch): run it again",
    ],
};

const NO_ACCESS: ExitStatus = ExitStatus {
    code: 5,
    meaning: "no access",
    situations: &[
        "your identity holds no copy of the key the secret is sealed to",
        "to write, add or remove members, or rotate: no copy of the current key",
    ],
};

const INTEGRITY: ExitStatus = ExitStatus {
    code: 6,
    meaning: "integrity",
    situations: &[
        "a sealed value was tampered with, moved, renamed or forged, or names a key that does not exist (`get`, `env`, `run`, `export` alike)",
        "a version was moved to another secret, renumbered, re-attributed, rolled back or forged (`get`, `get --version`, `history`, `log`, which list the others first)",
        "a stored copy of a vault key is damaged or is not the key it claims to be",
        "`rotate` (or `member rm`) moved every other row but left rows that failed verification",
        "the vault's membership or key history was altered: a log entry is damaged, unsigned or out of order, the log was rolled back or forked since this client verified it, or the tables disagree with it (`rotate` and `member rm` finish first, then name every such row)",
        "the database holds a different vault from the one this client pinned, or one whose fingerprint is not the one in `VAULT_FINGERPRINT`",
    ],
};

const DATABASE: ExitStatus = ExitStatus {
    code: 7,
    meaning: "database",
    situations: &[
        "unreachable, refused the connection, TLS failed, or the connection was lost",
        "the SQLite file is locked by another process, read-only, damaged or not a database",
        "no vault there, or an older schema (run `vault init`)",
        "a schema written by a newer vault, or a `vault` schema that vault did not create",
    ],
};

const IDENTITY: ExitStatus = ExitStatus {
    code: 8,
    meaning: "identity or config",
    situations: &[
        "the identity or config file is missing, unreadable, not a regular file, or too open",
        "an identity vault cannot use",
        "a wrong passphrase, or no way to ask for one (no terminal, no `VAULT_PASSPHRASE_FILE` or `VAULT_PASSPHRASE_FD`)",
        "no home directory to find them in",
    ],
};

impl Kind {
    /// Every kind, in exit-code order.
    pub const ALL: [Kind; 8] = [
        Kind::Internal,
        Kind::Usage,
        Kind::NotFound,
        Kind::Conflict,
        Kind::NoAccess,
        Kind::Integrity,
        Kind::Database,
        Kind::Identity,
    ];

    /// This class's exit code and its description for users.
    pub fn status(self) -> &'static ExitStatus {
        match self {
            Kind::Internal => &INTERNAL,
            Kind::Usage => &USAGE,
            Kind::NotFound => &NOT_FOUND,
            Kind::Conflict => &CONFLICT,
            Kind::NoAccess => &NO_ACCESS,
            Kind::Integrity => &INTEGRITY,
            Kind::Database => &DATABASE,
            Kind::Identity => &IDENTITY,
        }
    }

    /// The process exit code for this class.
    pub fn exit_code(self) -> u8 {
        self.status().code
    }
}

/// Every exit code vault documents, 0 first.
pub fn exit_statuses() -> impl Iterator<Item = &'static ExitStatus> {
    std::iter::once(&SUCCESS).chain(Kind::ALL.iter().map(|k| k.status()))
}

impl ExitStatus {
    /// "meaning: situation; situation", with the backtick markup kept.
    pub fn sentence(&self) -> String {
        if self.situations.is_empty() {
            return self.meaning.to_owned();
        }
        format!("{}: {}", self.meaning, self.situations.join("; "))
    }
}

/// The exit-code list at the end of `vault --help`: plain text, wrapped to 80
/// columns with a hanging indent, so clap does not re-wrap it on a terminal
/// of normal width.
pub fn exit_status_help() -> String {
    const WIDTH: usize = 80;
    let mut lines = vec!["Exit codes:".to_owned()];
    for status in exit_statuses() {
        let mut line = format!("  {}  ", status.code);
        let mut fresh = true; // nothing after the indent yet
        for word in status.sentence().replace('`', "").split(' ') {
            if !fresh && line.chars().count() + 1 + word.chars().count() > WIDTH {
                lines.push(std::mem::replace(&mut line, "     ".to_owned()));
                fresh = true;
            }
            if !fresh {
                line.push(' ');
            }
            line.push_str(word);
            fresh = false;
        }
        lines.push(line);
    }
    lines.join("\n")
}

/// The README's exit-code table (Markdown), checked against the README by a test.
pub fn exit_status_markdown() -> String {
    let mut out = String::from("| code | meaning |\n|---|---|\n");
    for status in exit_statuses() {
        out.push_str(&format!("| {} | {} |\n", status.code, status.sentence()));
    }
    out
}

/// A user-facing failure: what went wrong and what to do about it.
pub struct Error {
    pub kind: Kind,
    message: String,
    hint: Option<String>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: Kind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            hint: None,
        }
    }

    /// Adds (or replaces) the "what to do" half of the message.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    /// The "what to do" half, if any.
    pub fn hint_text(&self) -> Option<&str> {
        self.hint.as_deref()
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(Kind::Usage, message)
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(Kind::Internal, message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(Kind::NotFound, message)
    }
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(Kind::Conflict, message)
    }
    pub fn no_access(message: impl Into<String>) -> Self {
        Self::new(Kind::NoAccess, message)
    }
    pub fn integrity(message: impl Into<String>) -> Self {
        Self::new(Kind::Integrity, message)
    }
    pub fn database(message: impl Into<String>) -> Self {
        Self::new(Kind::Database, message)
    }
    pub fn identity(message: impl Into<String>) -> Self {
        Self::new(Kind::Identity, message)
    }

    /// An I/O failure on a local path, classified by what the OS said.
    pub fn io(what: &str, path: &std::path::Path, err: &std::io::Error) -> Self {
        use std::io::ErrorKind as K;
        let kind = match err.kind() {
            K::NotFound | K::PermissionDenied | K::InvalidInput | K::IsADirectory => Kind::Usage,
            _ => Kind::Internal,
        };
        let hint = match err.kind() {
            K::NotFound => "check the path",
            K::PermissionDenied => "check the permissions of the path and its directory",
            K::StorageFull | K::QuotaExceeded => "free some disk space and try again",
            K::ReadOnlyFilesystem => "use a writable location",
            _ => "check the path and try again",
        };
        Error::new(kind, format!("cannot {what} {}: {err}", path.display())).hint(hint)
    }
}

/// One line: `message; hint`. This is what users see on stderr.
impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "; {hint}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.kind, self)
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_are_distinct() {
        let kinds = [
            Kind::Internal,
            Kind::Usage,
            Kind::NotFound,
            Kind::Conflict,
            Kind::NoAccess,
            Kind::Integrity,
            Kind::Database,
            Kind::Identity,
        ];
        let mut codes: Vec<u8> = kinds.iter().map(|k| k.exit_code()).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), kinds.len());
    }

    /// The codes are an interface: they never move.
    #[test]
    fn exit_codes_are_pinned_and_all_described() {
        assert_eq!(Kind::ALL.map(Kind::exit_code), [1, 2, 3, 4, 5, 6, 7, 8]);
        let listed: Vec<u8> = exit_statuses().map(|s| s.code).collect();
        assert_eq!(listed, [0, 1, 2, 3, 4, 5, 6, 7, 8]);
        for status in exit_statuses() {
            assert_eq!(status.sentence().matches('`').count() % 2, 0, "{status:?}");
            assert!(!status.sentence().contains(['|', '\\', '\n']), "{status:?}");
        }
    }

    /// The README's exit-code table is this module's description, rendered
    /// (`exit_status_markdown`). `VAULT_BLESS=1` rewrites it instead of failing.
    #[test]
    fn readme_exit_codes_are_fresh() {
        const BEGIN: &str = "<!-- exit-codes:begin: generated from src/error.rs -->\n";
        const END: &str = "<!-- exit-codes:end -->";
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
        let readme = std::fs::read_to_string(&path).unwrap();
        let (head, rest) = readme
            .split_once(BEGIN)
            .expect("README.md lost its exit-codes:begin marker");
        let (table, tail) = rest
            .split_once(END)
            .expect("README.md lost its exit-codes:end marker");
        let fresh = exit_status_markdown();
        if table == fresh {
            return;
        }
        if std::env::var_os("VAULT_BLESS").is_some_and(|v| v == "1") {
            std::fs::write(&path, format!("{head}{BEGIN}{fresh}{END}{tail}")).unwrap();
            return;
        }
        panic!(
            "README.md's exit-code table differs from src/error.rs; refresh it with \
             `VAULT_BLESS=1 cargo test fresh`.\nREADME:\n{table}\nsrc/error.rs:\n{fresh}"
        );
    }

    #[test]
    fn help_list_is_wrapped_with_a_hanging_indent() {
        let help = exit_status_help();
        assert!(
            help.starts_with("Exit codes:\n  0  success\n  1  internal error: "),
            "{help}"
        );
        assert!(!help.contains('`'));
        for line in help.lines().skip(1) {
            assert!(line.len() <= 80, "{line:?}");
            let digit = line.as_bytes()[2];
            assert!(
                line.starts_with("     ") || (line.starts_with("  ") && digit.is_ascii_digit()),
                "{line:?}"
            );
        }
        assert!(help.contains("\n  4  conflict: "));
    }

    #[test]
    fn display_is_one_line_with_hint() {
        let e = Error::not_found("no secret named \"a\"").hint("list names with `vault ls`");
        assert_eq!(e.to_string(), "no secret named \"a\"; list names with `vault ls`");
        assert!(!e.to_string().contains('\n'));
    }
}
