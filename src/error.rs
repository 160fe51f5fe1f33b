//! Typed errors and the exit codes they map to.
//!
//! Every failure a user can meet is one `Error`: a kind (which decides the exit
//! code, a documented part of the interface), a one-line message saying what
//! went wrong, and a hint saying what to do. Messages never contain a secret
//! value, an identity or a database password: callers build them from names,
//! paths and redacted URLs only.

use std::fmt;

/// The class of a failure; each class has its own exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Anything unexpected: a bug, or an I/O failure with no better class.
    Internal,
    /// Bad arguments or input: invalid name, value too large, malformed URL or file.
    Usage,
    /// The named secret (or member) does not exist.
    NotFound,
    /// The name already exists (`put --no-overwrite`, `member add`), or another
    /// rotation holds the vault.
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

impl Kind {
    /// The process exit code for this class (see the README's table).
    pub fn exit_code(self) -> u8 {
        match self {
            Kind::Internal => 1,
            Kind::Usage => 2,
            Kind::NotFound => 3,
            Kind::Conflict => 4,
            Kind::NoAccess => 5,
            Kind::Integrity => 6,
            Kind::Database => 7,
            Kind::Identity => 8,
        }
    }
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

    #[test]
    fn display_is_one_line_with_hint() {
        let e = Error::not_found("no secret named \"a\"").hint("list names with `vault ls`");
        assert_eq!(e.to_string(), "no secret named \"a\"; list names with `vault ls`");
        assert!(!e.to_string().contains('\n'));
    }
}
