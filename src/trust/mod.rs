//! Trust: a signed, hash-chained log of membership and key changes.
//!
//! The database is not trusted: anyone who can write it could add a key of
//! their own, plant a member or bring back a retired key. What decides who
//! holds the vault key is therefore a log whose every entry is signed by a
//! member authorised at that point and names the hash of the entry before it,
//! starting from a genesis entry whose hash is the vault's fingerprint. Each
//! client pins the fingerprint and the newest head it verified, and refuses a
//! log that is not the pinned vault's or does not extend the pinned head.
//!
//! - [`keys`]: each member's signing key (derived from an age identity, or
//!   the SSH key itself) and the member line `whoami` prints.
//! - [`log`]: entries and their canonical, versioned encoding (documented
//!   there, with known-answer vectors under `tests/data/trust/`).
//! - [`state`]: the verification rules and the [`TrustState`] they produce.
//! - [`pin`]: the fingerprint and the per-database pin files.
//!
//! Nothing here touches the database or the terminal: the store reads and
//! appends the log's rows; commands print fingerprints and messages.

pub mod keys;
pub mod log;
pub mod pin;
pub(crate) mod ssh_agent;
pub mod state;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod vectors;

use std::path::PathBuf;

// The API the store and commands use; unused until the integration lands.
#[allow(unused_imports)]
pub(crate) use keys::Deferred;
pub use keys::{MemberLine, Purpose, SigningKey, VerifyingKey};
#[allow(unused_imports)]
pub use log::{Body, Entry, EntryHash, KeySpec, MemberSpec, SignedEntry};
#[allow(unused_imports)]
pub use pin::{FINGERPRINT_ENV, Fingerprint, Pin, PinStore};
#[allow(unused_imports)]
pub use state::{Departed, Head, LogKey, Member, TrustState, verify_chain};

use crate::error::Error;

/// Why a log was refused. Every variant is an integrity failure (exit 6).
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    #[error("the vault's membership or key history is missing (no genesis entry)")]
    Empty,
    #[error("the vault's membership or key history was altered (entry {position} cannot be read: {why})")]
    Malformed { position: u64, why: String },
    #[error(
        "the vault's membership or key history was altered (entry {seq} is not a genesis entry where one must be)"
    )]
    NoGenesis { seq: u64 },
    #[error(
        "the vault's membership or key history was altered (entry {found} where entry {expected} should be)"
    )]
    OutOfOrder { expected: u64, found: u64 },
    #[error(
        "the vault's membership or key history was altered (entry {seq} does not follow the entry before it)"
    )]
    BrokenChain { seq: u64 },
    #[error(
        "the vault's membership or key history was altered (entry {seq} is signed by {}, who is not a member at that point)",
        state::short(.author)
    )]
    Unauthorised { seq: u64, author: String },
    #[error("the vault's membership or key history was altered (entry {seq} has an invalid signature)")]
    BadSignature { seq: u64 },
    #[error("the vault's membership or key history was altered (entry {seq} {why})")]
    Rule { seq: u64, why: String },
    #[error(
        "the vault's membership or key history was altered (it ends before entry {pinned}, which this client already verified: a rollback)"
    )]
    Rollback { pinned: u64, last: u64 },
    #[error(
        "the vault's membership or key history was altered (entry {seq} is not the one this client verified: a fork)"
    )]
    Fork { seq: u64 },
    #[error(
        "the database holds a different vault (fingerprint {found}) than the one this client pinned ({pinned})"
    )]
    OtherVault {
        pinned: Fingerprint,
        found: Fingerprint,
        pin_file: PathBuf,
    },
    #[error("the vault's fingerprint is {found}, not the {expected} given in VAULT_FINGERPRINT")]
    FingerprintMismatch {
        expected: Fingerprint,
        found: Fingerprint,
    },
}

impl From<TrustError> for Error {
    fn from(e: TrustError) -> Error {
        let hint = match &e {
            TrustError::OtherVault { pin_file, .. } => format!(
                "if the vault was re-created on purpose, compare its fingerprint with a member's out of band, \
                 then remove {}",
                pin_file.display()
            ),
            TrustError::FingerprintMismatch { .. } => {
                "check the expected fingerprint with a member out of band; \
                 a different one means another vault, or this one was replaced"
                    .to_owned()
            }
            _ => "stop using this database and tell the other members; a member compares the vault's \
                  fingerprint out of band and restores the database from a trusted backup"
                .to_owned(),
        };
        Error::integrity(e.to_string()).hint(hint)
    }
}

/// Decodes stored entries in order, naming the position of one that cannot be read.
pub fn decode_entries<'a>(
    rows: impl IntoIterator<Item = &'a [u8]>,
    first_position: u64,
) -> Result<Vec<SignedEntry>, TrustError> {
    rows.into_iter()
        .zip(first_position..)
        .map(|(bytes, position)| {
            SignedEntry::from_bytes(bytes).map_err(|why| TrustError::Malformed { position, why })
        })
        .collect()
}
