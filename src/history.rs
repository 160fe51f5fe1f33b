//! Versions and their authorship: the statement an author signs for every
//! version of a secret they write, and how a reader checks it.
//!
//! Every write (put, import, generate, restore, mv, cp) makes a new version
//! of a secret. Its author signs a [`Statement`]: the vault, the secret's id
//! and name, the version number, what the write was, where it came from
//! (restore and cp name a version), the author, the log position it was
//! written at, the time, and a *salted* digest of the value. The statement
//! and signature travel in two places:
//! - inside the sealed value's header (format v3, under the vault key's
//!   MAC), with the secret salt, so opening a version checks the value
//!   against the digest the author signed;
//! - in the clear in the `versions` table, so `vault history` and `vault
//!   log` verify authorship without opening anything (the digest is salted
//!   with 32 secret random bytes, so it says nothing about the value).
//!
//! Re-sealing (rotation, `member rm`, `mv`) keeps statement, salt and
//! signature, so authorship survives. The database cannot forge a
//! statement, move one to another secret or version, or re-attribute it:
//! each is refused (exit 6). A statement whose signer was not a member at
//! the log position it names verifies as a signature, but is shown as *not
//! verified*.
//!
//! # The statement's bytes (frozen)
//! The magic `vault-version v1`, then these fields, each as a big-endian
//! u32 length and the bytes: vault id (16 raw bytes), secret id (16), name
//! (UTF-8), version (u64 big-endian), operation (`put`, `import`,
//! `generate`, `restore`, `mv`, `cp`), source secret id (16 bytes, or empty),
//! source version (u64, 0 when none), author (the member's recipient),
//! log seq (u64), time (i64, Unix seconds), digest (32 bytes). The digest is
//! SHA-256 of `vault value digest v1\0`, the 32-byte salt and the value.
//! Age members sign it with their derived Ed25519 key under the context
//! `vault version signature v1\0`; SSH members with SSHSIG under the
//! namespace `vault-version-v1`.

use sha2::{Digest as _, Sha256};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::seal::{Personal, SALT_LEN, VersionHeader};
use crate::trust::{Purpose, TrustState};

const MAGIC: &[u8] = b"vault-version v1";
const DIGEST_DOMAIN: &[u8] = b"vault value digest v1\0";

/// What a write was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Put,
    Import,
    Generate,
    Restore,
    Mv,
    Cp,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Put => "put",
            Op::Import => "import",
            Op::Generate => "generate",
            Op::Restore => "restore",
            Op::Mv => "mv",
            Op::Cp => "cp",
        }
    }

    fn parse(text: &str) -> Option<Op> {
        Some(match text {
            "put" => Op::Put,
            "import" => Op::Import,
            "generate" => Op::Generate,
            "restore" => Op::Restore,
            "mv" => Op::Mv,
            "cp" => Op::Cp,
            _ => return None,
        })
    }
}

/// What an author signs about one version of a secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    pub vault: Uuid,
    /// The secret the author wrote (for a version copied by `cp`, the
    /// source secret: the copy keeps the original statement).
    pub secret: Uuid,
    /// The name the author wrote it under.
    pub name: String,
    pub version: u64,
    pub op: Op,
    /// restore: the version brought back; cp: the source secret and version;
    /// mv: the version renamed.
    pub from: Option<(Uuid, u64)>,
    /// The author's recipient.
    pub author: String,
    /// The log's head when it was written: the author must be a member there.
    pub seq: u64,
    pub time: i64,
    pub digest: [u8; 32],
}

/// The salted digest of a value a statement carries.
pub fn digest(salt: &[u8; SALT_LEN], value: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(DIGEST_DOMAIN);
    h.update(salt);
    h.update(value);
    h.finalize().into()
}

/// A fresh secret salt for a new value's digest.
pub fn new_salt() -> Result<[u8; SALT_LEN]> {
    let mut salt = [0u8; SALT_LEN];
    getrandom::fill(&mut salt)
        .map_err(|e| Error::internal(format!("the system random generator failed: {e}")))?;
    Ok(salt)
}

impl Statement {
    /// The canonical bytes (see the module doc).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(256 + self.name.len() + self.author.len());
        let mut field = |bytes: &[u8]| {
            out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
            out.extend_from_slice(bytes);
        };
        field(MAGIC);
        field(self.vault.as_bytes());
        field(self.secret.as_bytes());
        field(self.name.as_bytes());
        field(&self.version.to_be_bytes());
        field(self.op.as_str().as_bytes());
        match self.from {
            Some((id, v)) => {
                field(id.as_bytes());
                field(&v.to_be_bytes());
            }
            None => {
                field(&[]);
                field(&0u64.to_be_bytes());
            }
        }
        field(self.author.as_bytes());
        field(&self.seq.to_be_bytes());
        field(&self.time.to_be_bytes());
        field(&self.digest);
        out
    }

    /// Parses canonical bytes; `None` for anything else (trailing bytes
    /// included), so one statement has exactly one encoding.
    pub fn decode(bytes: &[u8]) -> Option<Statement> {
        let mut rest = bytes;
        let mut field = || -> Option<&[u8]> {
            let len = u32::from_be_bytes(rest.get(..4)?.try_into().ok()?) as usize;
            let value = rest.get(4..4 + len)?;
            rest = &rest[4 + len..];
            Some(value)
        };
        let uuid = |b: &[u8]| Uuid::from_slice(b).ok();
        let u64_of = |b: &[u8]| Some(u64::from_be_bytes(b.try_into().ok()?));
        if field()? != MAGIC {
            return None;
        }
        let vault = uuid(field()?)?;
        let secret = uuid(field()?)?;
        let name = String::from_utf8(field()?.to_vec()).ok()?;
        let version = u64_of(field()?)?;
        let op = Op::parse(std::str::from_utf8(field()?).ok()?)?;
        let from_id = field()?;
        let from_version = u64_of(field()?)?;
        let from = match from_id.len() {
            0 if from_version == 0 => None,
            16 => Some((uuid(from_id)?, from_version)),
            _ => return None,
        };
        let author = String::from_utf8(field()?.to_vec()).ok()?;
        let seq = u64_of(field()?)?;
        let time = i64::from_be_bytes(field()?.try_into().ok()?);
        let digest: [u8; 32] = field()?.try_into().ok()?;
        if !rest.is_empty() {
            return None;
        }
        let s = Statement {
            vault,
            secret,
            name,
            version,
            op,
            from,
            author,
            seq,
            time,
            digest,
        };
        (s.encode() == bytes).then_some(s)
    }

    /// Signs the statement as `me` and makes the header of the sealed value.
    pub fn sign(&self, me: &Personal, salt: [u8; SALT_LEN]) -> Result<VersionHeader> {
        let statement = self.encode();
        let sig = me.sign_for(Purpose::Version, &statement)?;
        Ok(VersionHeader {
            version: self.version,
            salt,
            statement,
            sig,
        })
    }
}

/// Signs many statements with one unlocking of the signing key (an
/// encrypted SSH key is decrypted once, not once per value; an agent gets
/// one request per batch).
pub fn sign_all(me: &Personal, items: &[(Statement, [u8; SALT_LEN])]) -> Result<Vec<VersionHeader>> {
    let statements: Vec<Vec<u8>> = items.iter().map(|(s, _)| s.encode()).collect();
    let msgs: Vec<&[u8]> = statements.iter().map(Vec::as_slice).collect();
    let sigs = me.sign_many(Purpose::Version, &msgs)?;
    Ok(items
        .iter()
        .zip(statements)
        .zip(sigs)
        .map(|(((s, salt), statement), sig)| VersionHeader {
            version: s.version,
            salt: *salt,
            statement,
            sig,
        })
        .collect())
}

/// Who wrote a version, as far as the verified log can tell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Author {
    /// Signed by this member (by name, as the log names them), who was a
    /// member at the log position the statement names.
    Verified { recipient: String, name: String },
    /// A valid signature by someone the log knows, who was not a member at
    /// the position named (before they were added, or after removal).
    NotMember { recipient: String, name: String },
    /// Signed in the name of a recipient the log never had as a member.
    Unknown { recipient: String },
    /// Written before signed versions: no statement.
    Unsigned,
}

impl Author {
    pub fn verified(&self) -> bool {
        matches!(self, Author::Verified { .. })
    }

    pub fn recipient(&self) -> Option<&str> {
        match self {
            Author::Verified { recipient, .. }
            | Author::NotMember { recipient, .. }
            | Author::Unknown { recipient } => Some(recipient),
            Author::Unsigned => None,
        }
    }

    pub fn name(&self) -> Option<&str> {
        match self {
            Author::Verified { name, .. } | Author::NotMember { name, .. } => Some(name),
            _ => None,
        }
    }
}

/// Why a version's statement was refused: the database altered it.
pub fn refused(what: &str, why: &str) -> Error {
    Error::integrity(format!("{what} was refused: {why}"))
        .hint("it was altered in the database; restore the versions table from a trusted backup")
}

/// Checks a statement's signature against the log: `Err` when the
/// signature is not the named author's (forged or re-attributed), else who
/// the author is. `what` names the version in messages.
pub fn check_author(
    state: &TrustState,
    s: &Statement,
    bytes: &[u8],
    sig: &[u8],
    what: &str,
) -> Result<Author> {
    if s.vault != state.vault_id {
        return Err(refused(what, "it was written for another vault"));
    }
    let mut known = state.known_member(&s.author).peekable();
    if known.peek().is_none() {
        return Ok(Author::Unknown {
            recipient: s.author.clone(),
        });
    }
    let Some(signer) = known.find(|m| m.verifying_key.verify_for(Purpose::Version, bytes, sig)) else {
        return Err(refused(
            what,
            "its author's signature does not verify (forged or re-attributed)",
        ));
    };
    let name = signer.name.clone();
    let recipient = s.author.clone();
    Ok(match state.member_at(&s.author, s.seq) {
        Some(m) if m.verifying_key == signer.verifying_key => Author::Verified { recipient, name },
        _ => Author::NotMember { recipient, name },
    })
}

/// What the versions table records for a version, to check an opened
/// value's header against.
pub struct Recorded<'a> {
    pub statement: Option<&'a [u8]>,
    pub sig: Option<&'a [u8]>,
    /// The secret the row belongs to, and its version number.
    pub secret: Uuid,
    pub version: u64,
    /// A later `cp` version of this secret vouches for a statement about
    /// another secret (a copied version).
    pub copied: bool,
}

/// Checks a version's header (opened from its sealed value) against the
/// row it came from: the statement must be the row's, name this secret
/// (another only for a copy) and this version, and the value must be the
/// one whose digest the author signed.
pub fn check_opened(
    header: &VersionHeader,
    value: &[u8],
    row: &Recorded<'_>,
    what: &str,
) -> Result<Statement> {
    if row.statement != Some(header.statement.as_slice()) || row.sig != Some(header.sig.as_slice()) {
        return Err(refused(
            what,
            "its sealed statement is not the one recorded for it",
        ));
    }
    let s = Statement::decode(&header.statement)
        .ok_or_else(|| refused(what, "its signed statement cannot be read"))?;
    if header.version != row.version || s.version != row.version {
        return Err(refused(what, "it was sealed as another version (renumbered)"));
    }
    if s.secret != row.secret && !row.copied {
        return Err(refused(what, "it was written for another secret (moved)"));
    }
    if digest(&header.salt, value) != s.digest {
        return Err(refused(what, "its value is not the one its author signed"));
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Statement {
        Statement {
            vault: Uuid::from_u128(1),
            secret: Uuid::from_u128(2),
            name: "db/password".into(),
            version: 7,
            op: Op::Restore,
            from: Some((Uuid::from_u128(2), 3)),
            author: "age1xyz".into(),
            seq: 4,
            time: 1_700_000_000,
            digest: [9; 32],
        }
    }

    #[test]
    fn statements_round_trip_and_have_one_encoding() {
        let s = sample();
        let bytes = s.encode();
        assert_eq!(Statement::decode(&bytes), Some(s.clone()));
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(Statement::decode(&longer), None);
        assert_eq!(Statement::decode(&bytes[..bytes.len() - 1]), None);
        let plain = Statement { from: None, ..s };
        assert_eq!(Statement::decode(&plain.encode()), Some(plain));
    }

    #[test]
    fn digests_are_salted() {
        let a = digest(&[1; 32], b"hunter2");
        assert_ne!(a, digest(&[2; 32], b"hunter2"));
        assert_ne!(a, digest(&[1; 32], b"hunter3"));
        assert_eq!(a, digest(&[1; 32], b"hunter2"));
    }
}
