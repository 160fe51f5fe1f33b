//! Pinning: the vault fingerprint, and the newest head this client verified.
//!
//! The *fingerprint* is the genesis entry's hash shown like ssh's host key
//! fingerprints, `SHA256:<base64 without padding>`. Members compare it out of
//! band; `VAULT_FINGERPRINT` pins it explicitly for
//! clients with no state, such as CI runners.
//!
//! A *pin* is one small 0600 JSON file per database in `<data dir>/pins/`,
//! holding the fingerprint and the whole verified [`TrustState`] (public data
//! only: recipients, verifying keys, names, key ids, the head), so the next
//! command verifies only the entries after the head.
//!
//! Pins are keyed by *where the vault is* (the database URL without its
//! password, as the caller spells it), not by the vault id. Keyed by vault
//! id, an attacker who replaces the whole log with a new genesis (a new id,
//! himself as founder) would meet no pin at all and be trusted on first use
//! again; keyed by location, the client sees that the vault at this URL is
//! not the one it pinned and refuses. The cost is that two spellings of one
//! URL make two pins, each trusted on first use, with the fingerprint printed.
//! The file name is a hash of the location; the location is inside, in clear.

use std::fmt;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD as B64;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::TrustError;
use super::log::{EntryHash, SignedEntry};
use super::state::{Head, TrustState};
use crate::error::{Error, Result};
use crate::secure_fs;

/// The environment variable that pins a vault's fingerprint explicitly.
pub const FINGERPRINT_ENV: &str = "VAULT_FINGERPRINT";
/// Format 2 adds the removed members to the state. A format 1 pin still
/// loads (its head and fingerprint hold), marked to be verified again from
/// genesis once, which fills them in.
const PIN_FORMAT: u32 = 2;

/// A vault's fingerprint: the hash of its genesis entry.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint(pub [u8; 32]);

impl Fingerprint {
    pub fn of_genesis(genesis: EntryHash) -> Fingerprint {
        Fingerprint(genesis.0)
    }

    /// Parses `SHA256:<base64>` (surrounding spaces ignored).
    pub fn parse(text: &str) -> Result<Fingerprint> {
        let text = text.trim();
        let bad = || {
            let short: String = text.chars().take(60).collect();
            Error::usage(format!(
                "{} is not a vault fingerprint",
                crate::name::escape(&short)
            ))
            .hint("a fingerprint looks like SHA256:… (43 characters of base64), as `vault init` prints it")
        };
        let b64 = text.strip_prefix("SHA256:").ok_or_else(bad)?;
        let bytes = B64.decode(b64).map_err(|_| bad())?;
        Ok(Fingerprint(bytes.try_into().map_err(|_| bad())?))
    }

    /// Refuses a verified state whose fingerprint is not `self` (from
    /// `VAULT_FINGERPRINT`).
    pub fn expect(&self, state: &TrustState) -> Result<(), TrustError> {
        let found = state.fingerprint();
        if found != *self {
            return Err(TrustError::FingerprintMismatch {
                expected: *self,
                found,
            });
        }
        Ok(())
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SHA256:{}", B64.encode(self.0))
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

impl Serialize for Fingerprint {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Fingerprint {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Fingerprint::parse(&text).map_err(|_| serde::de::Error::custom("invalid fingerprint"))
    }
}

/// What this client last verified about the vault at one location.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pin {
    format: u32,
    /// Where the vault is (the database URL without password).
    pub location: String,
    pub fingerprint: Fingerprint,
    /// The verified state at the head; incremental verification resumes here.
    pub state: TrustState,
    /// The file this pin was read from or is written to (not stored).
    #[serde(skip)]
    pub path: PathBuf,
}

impl Pin {
    /// A pin of an earlier format: its head and fingerprint hold, but its
    /// state lacks what this release keeps, so the log is verified again
    /// from genesis (and checked against it) before it is used.
    pub fn is_outdated(&self) -> bool {
        self.format < PIN_FORMAT
    }

    /// The seq to read the log from when resuming from this pin.
    pub fn resume_seq(&self) -> u64 {
        if self.is_outdated() { 0 } else { self.head().seq }
    }
}

impl Pin {
    /// A pin for a state just verified (first contact, or an update).
    pub fn new(location: &str, state: TrustState) -> Pin {
        Pin {
            format: PIN_FORMAT,
            location: location.to_owned(),
            fingerprint: state.fingerprint(),
            state,
            path: PathBuf::new(),
        }
    }

    pub fn head(&self) -> Head {
        self.state.head
    }

    /// Checks a whole verified log (`entries` from genesis, `state` what they
    /// gave) against the pin: same vault, and the pinned head is in it.
    pub fn check_full(&self, state: &TrustState, entries: &[SignedEntry]) -> Result<(), TrustError> {
        if state.fingerprint() != self.fingerprint {
            return Err(TrustError::OtherVault {
                pinned: self.fingerprint,
                found: state.fingerprint(),
                pin_file: self.path.clone(),
            });
        }
        let pinned = self.head();
        match usize::try_from(pinned.seq).ok().and_then(|i| entries.get(i)) {
            None => Err(TrustError::Rollback {
                pinned: pinned.seq,
                last: state.head.seq,
            }),
            Some(e) if e.hash() != pinned.hash => Err(TrustError::Fork { seq: pinned.seq }),
            Some(_) => Ok(()),
        }
    }

    /// Incremental verification: `from_head` is the log from the pinned
    /// head's seq on (the store fetches `seq >= head.seq`, so a log cut
    /// short shows as a missing head, not as "nothing new"). The first entry
    /// must be the pinned head itself; the rest are verified from the pinned
    /// state. Returns the new state.
    pub fn extend(&self, from_head: &[SignedEntry]) -> Result<TrustState, TrustError> {
        let pinned = self.head();
        let (first, rest) = from_head.split_first().ok_or(TrustError::Rollback {
            pinned: pinned.seq,
            last: pinned.seq.saturating_sub(1),
        })?;
        if first.seq() != pinned.seq {
            return Err(TrustError::Rollback {
                pinned: pinned.seq,
                last: first.seq().saturating_sub(1),
            });
        }
        if first.hash() != pinned.hash {
            return Err(TrustError::Fork { seq: pinned.seq });
        }
        let mut state = self.state.clone();
        for e in rest {
            state.apply(e)?;
        }
        Ok(state)
    }
}

/// The directory of pin files: pure functions over the path given.
#[derive(Clone)]
pub struct PinStore {
    dir: PathBuf,
}

impl PinStore {
    /// Pins live in `<data_dir>/pins/`.
    pub fn new(data_dir: &Path) -> PinStore {
        PinStore {
            dir: data_dir.join("pins"),
        }
    }

    /// The pin file for a location: a hash of it, so any URL makes a safe name.
    pub fn path_for(&self, location: &str) -> PathBuf {
        let digest = Sha256::digest(location.as_bytes());
        let name: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        self.dir.join(format!("{name}.json"))
    }

    /// The pin for a location, if this client has one.
    pub fn load(&self, location: &str) -> Result<Option<Pin>> {
        let path = self.path_for(location);
        if std::fs::symlink_metadata(&path).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound) {
            return Ok(None);
        }
        let bytes = secure_fs::read_private_file(&path, "pin file")?;
        let damaged = |why: &str| {
            Error::identity(format!("pin file {} is damaged ({why})", path.display())).hint(
                "remove it; the next command pins the vault again and prints its fingerprint, \
                 to compare with a member's",
            )
        };
        let mut pin: Pin = serde_json::from_slice(&bytes).map_err(|_| damaged("not a pin file"))?;
        if !(1..=PIN_FORMAT).contains(&pin.format) {
            return Err(damaged("unknown format"));
        }
        if pin.location != location {
            return Err(damaged("it is for another database"));
        }
        if pin.fingerprint != pin.state.fingerprint() {
            return Err(damaged("its fingerprint does not match its state"));
        }
        pin.path = path;
        Ok(Some(pin))
    }

    /// Saves a pin (0600, atomically). A pin already on disk with a newer
    /// head for the same vault is kept: heads only move forward.
    pub fn save(&self, pin: &Pin) -> Result<PathBuf> {
        let path = self.path_for(&pin.location);
        if let Ok(Some(existing)) = self.load(&pin.location)
            && existing.fingerprint == pin.fingerprint
            && existing.head().seq > pin.head().seq
        {
            return Ok(path);
        }
        secure_fs::ensure_private_dir(&self.dir)?;
        let text = serde_json::to_vec_pretty(pin)
            .map_err(|e| Error::internal(format!("cannot encode the pin: {e}")))?;
        secure_fs::replace_private_file(&path, &text)?;
        Ok(path)
    }
}
