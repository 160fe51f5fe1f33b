//! Log entries and their canonical encoding.
//!
//! An entry is encoded once, in one way, and that encoding is what is hashed,
//! signed and stored: decoding refuses anything that would not re-encode to
//! the same bytes (trailing data, an unknown kind, a field too long, invalid
//! UTF-8), so two different byte strings never mean the same entry.
//!
//! ```text
//! entry     = string("vault-log-entry v1")   magic and format version
//!             uint64 seq                     0 for the genesis entry, then +1
//!             byte[32] prev                  SHA-256 of the previous entry's
//!                                            canonical bytes; zeros in genesis
//!             string author                  the signer's recipient
//!             int64 time                     seconds since 1970-01-01 UTC,
//!                                            as claimed by the author
//!             byte kind                      then the body of that kind:
//!   1 genesis         byte[16] vault-id  member founder  key first-key
//!   2 member-added    member
//!   3 member-removed  string recipient
//!   4 key-current     key  uint64 epoch
//!   5 key-retired     byte[16] key-id
//! member    = string recipient  string verifying-key  string name
//! key       = byte[16] key-id  string key-recipient (age1…, the public half)
//! string    = uint32 length, then that many bytes of UTF-8
//! uintN/intN = big-endian
//!
//! stored    = entry  string(signature)       what the database holds
//! hash      = SHA-256(entry)                 the chain link and the head
//! ```
//! The signature is over the entry's bytes: an Ed25519 signature (64 bytes)
//! of `"vault log entry signature v1\0" || entry` for a key derived from an
//! age identity, or an SSHSIG blob (binary, namespace `vault-log-v1`,
//! SHA-512) for an SSH key; see [`super::keys`]. The genesis key has epoch 1.

use std::fmt;

use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::keys::{SigningKey, VerifyingKey};
use crate::error::Result;

/// The magic string that opens every entry; a new format gets a new one.
pub const ENTRY_MAGIC: &str = "vault-log-entry v1";
/// The longest string field accepted (an RSA-16384 key line is ~2.8 KB).
const MAX_FIELD: usize = 16 * 1024;
/// The longest stored entry accepted.
pub const MAX_ENTRY: usize = 64 * 1024;

/// A SHA-256 hash of an entry's canonical bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntryHash(pub [u8; 32]);

impl EntryHash {
    /// What the genesis entry names as its predecessor.
    pub const ZERO: EntryHash = EntryHash([0; 32]);

    pub fn of(canonical: &[u8]) -> EntryHash {
        EntryHash(Sha256::digest(canonical).into())
    }

    pub fn to_hex(self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    pub fn from_hex(text: &str) -> Option<EntryHash> {
        if text.len() != 64 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let mut out = [0u8; 32];
        for (i, chunk) in text.as_bytes().chunks(2).enumerate() {
            out[i] = u8::from_str_radix(std::str::from_utf8(chunk).ok()?, 16).ok()?;
        }
        Some(EntryHash(out))
    }
}

impl fmt::Debug for EntryHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl serde::Serialize for EntryHash {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> serde::Deserialize<'de> for EntryHash {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        EntryHash::from_hex(&text).ok_or_else(|| serde::de::Error::custom("invalid entry hash"))
    }
}

/// A member as the log records them.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct MemberSpec {
    pub recipient: String,
    pub verifying_key: VerifyingKey,
    pub name: String,
}

/// A vault key as the log records it: its id and public half.
#[derive(Clone, PartialEq, Eq, Debug, serde::Serialize, serde::Deserialize)]
pub struct KeySpec {
    pub id: Uuid,
    pub recipient: String,
}

/// What an entry records.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Body {
    /// The vault's first entry: its id, its founder and its first key (epoch 1).
    Genesis {
        vault_id: Uuid,
        founder: MemberSpec,
        key: KeySpec,
    },
    MemberAdded(MemberSpec),
    MemberRemoved {
        recipient: String,
    },
    /// A new current key; the previous current key becomes retiring.
    KeyCurrent {
        key: KeySpec,
        epoch: u64,
    },
    /// A retiring key is gone for good.
    KeyRetired {
        key_id: Uuid,
    },
}

impl Body {
    fn kind(&self) -> u8 {
        match self {
            Body::Genesis { .. } => 1,
            Body::MemberAdded(_) => 2,
            Body::MemberRemoved { .. } => 3,
            Body::KeyCurrent { .. } => 4,
            Body::KeyRetired { .. } => 5,
        }
    }

    /// A short name for messages.
    pub fn describe(&self) -> &'static str {
        match self {
            Body::Genesis { .. } => "genesis",
            Body::MemberAdded(_) => "member-added",
            Body::MemberRemoved { .. } => "member-removed",
            Body::KeyCurrent { .. } => "key-current",
            Body::KeyRetired { .. } => "key-retired",
        }
    }
}

/// One entry of the log, before signing.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Entry {
    pub seq: u64,
    pub prev: EntryHash,
    /// The signer's recipient: must be a member's at that point of the chain.
    pub author: String,
    pub time: i64,
    pub body: Body,
}

impl Entry {
    /// The canonical bytes (see the module doc).
    pub fn canonical(&self) -> Vec<u8> {
        let mut w = Writer(Vec::with_capacity(256));
        w.string(ENTRY_MAGIC);
        w.u64(self.seq);
        w.raw(&self.prev.0);
        w.string(&self.author);
        w.u64(self.time as u64);
        w.0.push(self.body.kind());
        match &self.body {
            Body::Genesis {
                vault_id,
                founder,
                key,
            } => {
                w.raw(vault_id.as_bytes());
                w.member(founder);
                w.key(key);
            }
            Body::MemberAdded(m) => w.member(m),
            Body::MemberRemoved { recipient } => w.string(recipient),
            Body::KeyCurrent { key, epoch } => {
                w.key(key);
                w.u64(*epoch);
            }
            Body::KeyRetired { key_id } => w.raw(key_id.as_bytes()),
        }
        w.0
    }

    /// Signs the entry. The caller makes `author` the signer's recipient.
    pub fn sign(self, key: &SigningKey) -> Result<SignedEntry> {
        self.sign_with(|canonical| key.sign_log(canonical))
    }

    /// Signs with whatever holds the key (a file, the vault agent, ssh-agent).
    pub fn sign_with(self, sign: impl FnOnce(&[u8]) -> Result<Vec<u8>>) -> Result<SignedEntry> {
        let canonical = self.canonical();
        let signature = sign(&canonical)?;
        let hash = EntryHash::of(&canonical);
        Ok(SignedEntry {
            entry: self,
            canonical,
            signature,
            hash,
        })
    }
}

/// An entry with its signature, as stored; its hash is computed once.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SignedEntry {
    pub entry: Entry,
    canonical: Vec<u8>,
    pub signature: Vec<u8>,
    hash: EntryHash,
}

impl SignedEntry {
    /// The bytes to store (entry, then the signature as a string).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer(Vec::with_capacity(
            self.canonical.len() + self.signature.len() + 4,
        ));
        w.raw(&self.canonical);
        w.bytes(&self.signature);
        w.0
    }

    /// Decodes stored bytes; refuses anything not in canonical form.
    pub fn from_bytes(bytes: &[u8]) -> std::result::Result<SignedEntry, String> {
        if bytes.len() > MAX_ENTRY {
            return Err(format!(
                "it is {} bytes, over the limit of {MAX_ENTRY}",
                bytes.len()
            ));
        }
        let mut r = Reader(bytes);
        if r.string()? != ENTRY_MAGIC {
            return Err("it is not a vault log entry of a known version".into());
        }
        let seq = r.u64()?;
        let prev = EntryHash(r.array()?);
        let author = r.string()?.to_owned();
        let time = r.u64()? as i64;
        let kind = r.byte()?;
        let body = match kind {
            1 => Body::Genesis {
                vault_id: Uuid::from_bytes(r.array()?),
                founder: r.member()?,
                key: r.key()?,
            },
            2 => Body::MemberAdded(r.member()?),
            3 => Body::MemberRemoved {
                recipient: r.string()?.to_owned(),
            },
            4 => Body::KeyCurrent {
                key: r.key()?,
                epoch: r.u64()?,
            },
            5 => Body::KeyRetired {
                key_id: Uuid::from_bytes(r.array()?),
            },
            k => return Err(format!("its kind {k} is unknown")),
        };
        let canonical_len = bytes.len() - r.0.len();
        let signature = r.bytes()?.to_vec();
        if !r.0.is_empty() {
            return Err("it has trailing bytes".into());
        }
        let entry = Entry {
            seq,
            prev,
            author,
            time,
            body,
        };
        let canonical = bytes[..canonical_len].to_vec();
        // Every field has exactly one encoding, so this holds for anything
        // that decoded; kept as a guard against a future field that does not.
        debug_assert_eq!(entry.canonical(), canonical);
        let hash = EntryHash::of(&canonical);
        Ok(SignedEntry {
            entry,
            canonical,
            signature,
            hash,
        })
    }

    pub fn canonical(&self) -> &[u8] {
        &self.canonical
    }

    /// SHA-256 of the canonical bytes: what the next entry names as `prev`.
    pub fn hash(&self) -> EntryHash {
        self.hash
    }

    pub fn seq(&self) -> u64 {
        self.entry.seq
    }
}

struct Writer(Vec<u8>);

impl Writer {
    fn raw(&mut self, b: &[u8]) {
        self.0.extend_from_slice(b);
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_be_bytes());
    }
    fn bytes(&mut self, b: &[u8]) {
        let len = u32::try_from(b.len()).expect("log fields are far below 4 GiB");
        self.0.extend_from_slice(&len.to_be_bytes());
        self.0.extend_from_slice(b);
    }
    fn string(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }
    fn member(&mut self, m: &MemberSpec) {
        self.string(&m.recipient);
        self.string(&m.verifying_key.to_string());
        self.string(&m.name);
    }
    fn key(&mut self, k: &KeySpec) {
        self.raw(k.id.as_bytes());
        self.string(&k.recipient);
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> std::result::Result<&'a [u8], String> {
        if self.0.len() < n {
            return Err("it is truncated".into());
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    fn byte(&mut self) -> std::result::Result<u8, String> {
        Ok(self.take(1)?[0])
    }
    fn array<const N: usize>(&mut self) -> std::result::Result<[u8; N], String> {
        Ok(self.take(N)?.try_into().expect("took exactly N bytes"))
    }
    fn u64(&mut self) -> std::result::Result<u64, String> {
        Ok(u64::from_be_bytes(self.array()?))
    }
    fn bytes(&mut self) -> std::result::Result<&'a [u8], String> {
        let len = u32::from_be_bytes(self.array()?) as usize;
        if len > MAX_FIELD {
            return Err(format!("a field of {len} bytes is over the limit of {MAX_FIELD}"));
        }
        self.take(len)
    }
    fn string(&mut self) -> std::result::Result<&'a str, String> {
        std::str::from_utf8(self.bytes()?).map_err(|_| "a text field is not UTF-8".to_owned())
    }
    fn member(&mut self) -> std::result::Result<MemberSpec, String> {
        let recipient = self.string()?.to_owned();
        let verifying_key = VerifyingKey::parse(self.string()?)
            .map_err(|why| format!("a member's verifying key is invalid: {why}"))?;
        let name = self.string()?.to_owned();
        Ok(MemberSpec {
            recipient,
            verifying_key,
            name,
        })
    }
    fn key(&mut self) -> std::result::Result<KeySpec, String> {
        Ok(KeySpec {
            id: Uuid::from_bytes(self.array()?),
            recipient: self.string()?.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> SignedEntry {
        let id = age::x25519::Identity::generate();
        let key = SigningKey::from_age_identity(&id);
        Entry {
            seq: 3,
            prev: EntryHash([7; 32]),
            author: id.to_public().to_string(),
            time: 1_700_000_000,
            body: Body::KeyCurrent {
                key: KeySpec {
                    id: Uuid::from_bytes([9; 16]),
                    recipient: age::x25519::Identity::generate().to_public().to_string(),
                },
                epoch: 4,
            },
        }
        .sign(&key)
        .unwrap()
    }

    #[test]
    fn stored_bytes_round_trip() {
        let e = sample();
        let back = SignedEntry::from_bytes(&e.to_bytes()).unwrap();
        assert_eq!(back, e);
        assert_eq!(back.hash(), EntryHash::of(e.canonical()));
    }

    #[test]
    fn decoding_refuses_non_canonical_bytes() {
        let bytes = sample().to_bytes();
        let mut trailing = bytes.clone();
        trailing.push(0);
        assert!(
            SignedEntry::from_bytes(&trailing)
                .unwrap_err()
                .contains("trailing")
        );
        for cut in [0, 5, 30, bytes.len() - 1] {
            assert!(SignedEntry::from_bytes(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut kind = bytes.clone();
        // magic (4 + 18) + seq 8 + prev 32 + author (4 + len) + time 8 = kind offset
        let author_len = u32::from_be_bytes(bytes[62..66].try_into().unwrap()) as usize;
        let at = 66 + author_len + 8;
        assert_eq!(kind[at], 4);
        kind[at] = 9;
        assert!(SignedEntry::from_bytes(&kind).unwrap_err().contains("kind 9"));
        let mut magic = bytes;
        magic[21] = b'2';
        assert!(
            SignedEntry::from_bytes(&magic)
                .unwrap_err()
                .contains("known version")
        );
    }

    #[test]
    fn hash_hex_round_trips() {
        let h = EntryHash::of(b"x");
        assert_eq!(EntryHash::from_hex(&h.to_hex()), Some(h));
        assert_eq!(EntryHash::from_hex("zz"), None);
    }
}
