//! Verifying the log: the rules, and the state they produce.
//!
//! [`TrustState`] is what a verified log says: the vault's id, its members,
//! its current key, the keys still retiring and those retired for good, and
//! the head (last seq and hash). It is built from the genesis entry and
//! advanced one entry at a time by [`TrustState::apply`], which checks, in
//! this order: the entry is the next one (seq + 1, prev = head hash), its
//! author is a member *before* the entry, the signature is the author's, and
//! the body obeys its rule:
//! - member-added: a recipient vault can seal to, with the verifying key of
//!   its kind; its recipient, verifying key and name are not a current
//!   member's;
//! - member-removed: a current member, and never the last one;
//! - key-current: epoch = current epoch + 1, a key id and public half never
//!   seen before in this log; the previous current key becomes retiring;
//! - key-retired: only a retiring key; a retired key never comes back.
//!
//! A failed check leaves the state unchanged. A client that cached a
//! verified state applies only the entries after its head.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::TrustError;
use super::keys::{Deferred, VerifyingKey, check_member_keys};
use super::log::{Body, Entry, EntryHash, KeySpec, MemberSpec, SignedEntry};
use crate::name;

/// A member according to the verified log.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Member {
    pub recipient: String,
    pub verifying_key: VerifyingKey,
    pub name: String,
    /// The recipient of the member who signed the addition (the founder: itself).
    pub added_by: String,
    /// The seq of the entry that added them.
    pub added_at: u64,
}

/// A member the log removed, with the seq of the entry that removed them:
/// their signatures on versions written while they were a member still
/// verify, and are shown as theirs.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Departed {
    pub member: Member,
    pub removed_at: u64,
}

/// A vault key according to the verified log.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct LogKey {
    pub id: Uuid,
    pub recipient: String,
    pub epoch: u64,
}

/// The newest verified entry.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Head {
    pub seq: u64,
    pub hash: EntryHash,
}

/// What a verified log says.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct TrustState {
    pub vault_id: Uuid,
    /// The genesis entry's hash, from which the fingerprint is derived.
    pub genesis: EntryHash,
    /// Current members by recipient.
    pub members: BTreeMap<String, Member>,
    pub current: LogKey,
    pub retiring: Vec<LogKey>,
    pub retired: BTreeSet<Uuid>,
    /// Every member the log removed, in the order removed (pins of format 1
    /// lack it; they are verified again from genesis once).
    #[serde(default)]
    pub departed: Vec<Departed>,
    /// Every key id and public half this log ever named (so none comes back).
    seen_key_ids: BTreeSet<Uuid>,
    seen_key_recipients: BTreeSet<String>,
    pub head: Head,
}

/// Verifies a whole log from its genesis entry; with a pin, also checks that
/// the log is the pinned vault's and extends the pinned head.
///
/// Ed25519 signatures are checked in one batch after the rules; if anything
/// fails, the log is verified again entry by entry, which names the first
/// entry at fault (and is the authority should the two ever disagree).
pub fn verify_chain(entries: &[SignedEntry], pin: Option<&super::Pin>) -> Result<TrustState, TrustError> {
    let state = match verify_batched(entries) {
        Some(state) => state,
        None => verify_one_by_one(entries)?,
    };
    if let Some(pin) = pin {
        pin.check_full(&state, entries)?;
    }
    Ok(state)
}

fn verify_one_by_one(entries: &[SignedEntry]) -> Result<TrustState, TrustError> {
    let (first, rest) = entries.split_first().ok_or(TrustError::Empty)?;
    let mut state = TrustState::genesis(first)?;
    for e in rest {
        state.apply(e)?;
    }
    Ok(state)
}

pub(super) fn verify_batched(entries: &[SignedEntry]) -> Option<TrustState> {
    let (first, rest) = entries.split_first()?;
    let mut state = TrustState::genesis(first).ok()?;
    let mut deferred = Deferred::default();
    for e in rest {
        state.apply_with(e, Some(&mut deferred)).ok()?;
    }
    deferred.verify().then_some(state)
}

impl TrustState {
    /// The state after a genesis entry (which must be seq 0, prev zero, and
    /// signed by the founder it names).
    pub fn genesis(e: &SignedEntry) -> Result<TrustState, TrustError> {
        let entry = &e.entry;
        let seq = entry.seq;
        let Body::Genesis {
            vault_id,
            founder,
            key,
        } = &entry.body
        else {
            return Err(TrustError::NoGenesis { seq });
        };
        if seq != 0 || entry.prev != EntryHash::ZERO {
            return Err(TrustError::NoGenesis { seq });
        }
        check_member(seq, founder)?;
        if entry.author != founder.recipient {
            return Err(TrustError::Unauthorised {
                seq,
                author: entry.author.clone(),
            });
        }
        if !founder.verifying_key.verify_log(e.canonical(), &e.signature) {
            return Err(TrustError::BadSignature { seq });
        }
        check_key(seq, key)?;
        let member = Member {
            recipient: founder.recipient.clone(),
            verifying_key: founder.verifying_key.clone(),
            name: founder.name.clone(),
            added_by: founder.recipient.clone(),
            added_at: 0,
        };
        Ok(TrustState {
            vault_id: *vault_id,
            genesis: e.hash(),
            members: BTreeMap::from([(member.recipient.clone(), member)]),
            current: LogKey {
                id: key.id,
                recipient: key.recipient.clone(),
                epoch: 1,
            },
            retiring: Vec::new(),
            retired: BTreeSet::new(),
            departed: Vec::new(),
            seen_key_ids: BTreeSet::from([key.id]),
            seen_key_recipients: BTreeSet::from([key.recipient.clone()]),
            head: Head {
                seq: 0,
                hash: e.hash(),
            },
        })
    }

    /// Checks the next entry against the rules and applies it; on error the
    /// state is unchanged.
    pub fn apply(&mut self, e: &SignedEntry) -> Result<(), TrustError> {
        self.apply_with(e, None)
    }

    /// [`Self::apply`], with the author's signature queued in `deferred`
    /// instead of checked now when it is an Ed25519 one.
    fn apply_with(&mut self, e: &SignedEntry, deferred: Option<&mut Deferred>) -> Result<(), TrustError> {
        let entry = &e.entry;
        let seq = entry.seq;
        if seq != self.head.seq + 1 {
            return Err(TrustError::OutOfOrder {
                expected: self.head.seq + 1,
                found: seq,
            });
        }
        if entry.prev != self.head.hash {
            return Err(TrustError::BrokenChain { seq });
        }
        let author = self
            .members
            .get(&entry.author)
            .ok_or_else(|| TrustError::Unauthorised {
                seq,
                author: entry.author.clone(),
            })?;
        let queued = deferred.is_some_and(|d| d.push(&author.verifying_key, e.canonical(), &e.signature));
        if !queued && !author.verifying_key.verify_log(e.canonical(), &e.signature) {
            return Err(TrustError::BadSignature { seq });
        }
        self.check_body(entry)?;
        self.commit(entry);
        self.head = Head { seq, hash: e.hash() };
        Ok(())
    }

    fn check_body(&self, entry: &Entry) -> Result<(), TrustError> {
        let seq = entry.seq;
        let rule = |why: String| Err(TrustError::Rule { seq, why });
        match &entry.body {
            Body::Genesis { .. } => rule("a second genesis entry".into()),
            Body::MemberAdded(m) => {
                check_member(seq, m)?;
                if self.members.contains_key(&m.recipient) {
                    return rule(format!("adds {} who is already a member", short(&m.recipient)));
                }
                if let Some(other) = self.members.values().find(|o| o.name == m.name) {
                    return rule(format!(
                        "adds a second member named {} (the first is {})",
                        name::escape(&m.name),
                        short(&other.recipient)
                    ));
                }
                if self.members.values().any(|o| o.verifying_key == m.verifying_key) {
                    return rule(format!(
                        "adds {} with another member's signing key",
                        short(&m.recipient)
                    ));
                }
                Ok(())
            }
            Body::MemberRemoved { recipient } => {
                if !self.members.contains_key(recipient) {
                    return rule(format!("removes {} who is not a member", short(recipient)));
                }
                if self.members.len() == 1 {
                    return rule("removes the last member".into());
                }
                Ok(())
            }
            Body::KeyCurrent { key, epoch } => {
                check_key(seq, key)?;
                if *epoch != self.current.epoch + 1 {
                    return rule(format!(
                        "makes a key current at epoch {epoch}, not {}",
                        self.current.epoch + 1
                    ));
                }
                if self.seen_key_ids.contains(&key.id) || self.seen_key_recipients.contains(&key.recipient) {
                    return rule(format!(
                        "brings back key {}, which this vault already used",
                        key.id
                    ));
                }
                Ok(())
            }
            Body::KeyRetired { key_id } => {
                if !self.retiring.iter().any(|k| k.id == *key_id) {
                    let why = if self.retired.contains(key_id) {
                        "was already retired"
                    } else if self.current.id == *key_id {
                        "is the current key"
                    } else {
                        "is not a retiring key"
                    };
                    return rule(format!("retires key {key_id}, which {why}"));
                }
                Ok(())
            }
        }
    }

    /// Applies a body that [`Self::check_body`] accepted.
    fn commit(&mut self, entry: &Entry) {
        match &entry.body {
            Body::Genesis { .. } => unreachable!("refused by check_body"),
            Body::MemberAdded(m) => {
                self.members.insert(
                    m.recipient.clone(),
                    Member {
                        recipient: m.recipient.clone(),
                        verifying_key: m.verifying_key.clone(),
                        name: m.name.clone(),
                        added_by: entry.author.clone(),
                        added_at: entry.seq,
                    },
                );
            }
            Body::MemberRemoved { recipient } => {
                if let Some(member) = self.members.remove(recipient) {
                    self.departed.push(Departed {
                        member,
                        removed_at: entry.seq,
                    });
                }
            }
            Body::KeyCurrent { key, epoch } => {
                let next = LogKey {
                    id: key.id,
                    recipient: key.recipient.clone(),
                    epoch: *epoch,
                };
                self.seen_key_ids.insert(key.id);
                self.seen_key_recipients.insert(key.recipient.clone());
                let previous = std::mem::replace(&mut self.current, next);
                self.retiring.push(previous);
            }
            Body::KeyRetired { key_id } => {
                self.retiring.retain(|k| k.id != *key_id);
                self.retired.insert(*key_id);
            }
        }
    }

    /// The member with this name, if any (for `member rm NAME`).
    pub fn member_named(&self, name: &str) -> Option<&Member> {
        self.members.values().find(|m| m.name == name)
    }

    /// The member `recipient` was at `seq` of the log (added at or before
    /// it, and not removed by then), if they were one.
    pub fn member_at(&self, recipient: &str, seq: u64) -> Option<&Member> {
        if seq > self.head.seq {
            return None;
        }
        let current = self.members.get(recipient).filter(|m| m.added_at <= seq);
        current.or_else(|| {
            self.departed
                .iter()
                .find(|d| d.member.recipient == recipient && d.member.added_at <= seq && seq < d.removed_at)
                .map(|d| &d.member)
        })
    }

    /// Every signing key the log ever gave `recipient` (a member now, or
    /// one removed; re-added members may have had another).
    pub fn known_member(&self, recipient: &str) -> impl Iterator<Item = &Member> {
        self.members.get(recipient).into_iter().chain(
            self.departed
                .iter()
                .map(|d| &d.member)
                .filter(move |m| m.recipient == recipient),
        )
    }

    /// The vault's fingerprint, to compare out of band.
    pub fn fingerprint(&self) -> super::Fingerprint {
        super::Fingerprint::of_genesis(self.genesis)
    }

    /// A log key (current or retiring) by id; `None` for retired or unknown keys.
    pub fn usable_key(&self, id: Uuid) -> Option<&LogKey> {
        std::iter::once(&self.current)
            .chain(&self.retiring)
            .find(|k| k.id == id)
    }

    /// The next entry after the head, ready to sign by `author`.
    pub fn next_entry(&self, author: &str, time: i64, body: Body) -> Entry {
        Entry {
            seq: self.head.seq + 1,
            prev: self.head.hash,
            author: author.to_owned(),
            time,
            body,
        }
    }
}

/// A member as named in an entry: keys consistent, name well-formed.
fn check_member(seq: u64, m: &MemberSpec) -> Result<(), TrustError> {
    check_member_keys(&m.recipient, &m.verifying_key).map_err(|why| TrustError::Rule {
        seq,
        why: format!("names member {}: {why}", short(&m.recipient)),
    })?;
    match name::member(&m.name) {
        Ok(n) if n == m.name => Ok(()),
        _ => Err(TrustError::Rule {
            seq,
            why: format!("names a member with the invalid name {}", name::escape(&m.name)),
        }),
    }
}

/// A vault key as named in an entry: a canonical age X25519 recipient.
fn check_key(seq: u64, key: &KeySpec) -> Result<(), TrustError> {
    use std::str::FromStr;
    match age::x25519::Recipient::from_str(&key.recipient) {
        Ok(r) if r.to_string() == key.recipient => Ok(()),
        _ => Err(TrustError::Rule {
            seq,
            why: format!("names key {} with an invalid public half", key.id),
        }),
    }
}

/// A recipient shortened and escaped for a message (it is untrusted text).
pub(crate) fn short(recipient: &str) -> String {
    let head: String = recipient.chars().take(24).collect();
    let more = if recipient.chars().count() > 24 { "…" } else { "" };
    name::escape(&format!("{head}{more}"))
}
