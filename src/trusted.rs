//! The verified log of an open vault, and what the core checks against it.
//!
//! [`Trust`] holds what the signed log says ([`TrustState`]), verified from
//! the pinned head (or from genesis on first contact), and keeps the pin
//! file current. The core asks it which keys are in use, with which public
//! half and epoch, and who the members are; the key, member and grant
//! tables are only ever compared with it, never believed.

use std::path::PathBuf;

use uuid::Uuid;

use crate::error::{Error, Result};
use crate::model::{LogRow, Repair, Tables};
use crate::name;
use crate::seal::{KeyScope, Personal};
use crate::store::Store;
use crate::trust::{
    Body, Fingerprint, LogKey, Pin, PinStore, SignedEntry, TrustError, TrustState, decode_entries,
    verify_chain,
};

/// Where a vault is, for pinning: the database location and the pin store.
#[derive(Clone)]
pub struct Anchor {
    /// The database URL without its password (and the schema, on PostgreSQL).
    pub location: String,
    pub pins: PinStore,
    /// `VAULT_FINGERPRINT`, when set.
    pub expected: Option<Fingerprint>,
}

impl Anchor {
    /// This client's pin of the vault, if it has one.
    pub fn load_pin(&self) -> Result<Option<Pin>> {
        self.pins.load(&self.location)
    }
}

/// This client's first contact with a vault: printed once, like ssh's.
pub struct FirstContact {
    pub location: String,
    pub fingerprint: Fingerprint,
}

/// The verified log of the vault a command works on.
pub struct Trust {
    pin: Pin,
    anchor: Anchor,
    /// The head seq the pin file holds (to save only when it moved).
    saved: Option<u64>,
}

impl Trust {
    /// The vault's trust: with a pin, the pinned state, and every operation
    /// reads the entries after its head with its own query ([`Trust::advance`])
    /// before relying on it, so `get` costs no extra round trip; without
    /// one (first contact), the whole log, verified now. Saves the pin.
    pub async fn load(store: &mut Store, anchor: Anchor) -> Result<(Trust, Option<FirstContact>)> {
        let pin = anchor.load_pin()?;
        Trust::load_with(store, anchor, pin).await
    }

    /// [`Trust::load`] with the pin already read ([`Anchor::load_pin`]).
    pub async fn load_with(
        store: &mut Store,
        anchor: Anchor,
        pin: Option<Pin>,
    ) -> Result<(Trust, Option<FirstContact>)> {
        if let Some(pin) = pin {
            if pin.is_outdated() {
                let rows = store.log_from(0).await?;
                return Trust::from_rows(Some(pin), rows, anchor);
            }
            if let Some(expected) = &anchor.expected {
                expected.expect(&pin.state)?;
            }
            let saved = Some(pin.head().seq);
            return Ok((Trust { pin, anchor, saved }, None));
        }
        let rows = store.log_from(0).await?;
        Trust::from_rows(None, rows, anchor)
    }

    /// [`Trust::load`] with the log's rows already read (from the pinned head's seq on).
    pub fn from_rows(
        pin: Option<Pin>,
        rows: Vec<LogRow>,
        anchor: Anchor,
    ) -> Result<(Trust, Option<FirstContact>)> {
        let saved = pin.as_ref().filter(|p| !p.is_outdated()).map(|p| p.head().seq);
        let (pin, first) = match pin {
            Some(pin) if pin.is_outdated() => {
                // Verified again from genesis, and the pinned head must be in it.
                let all = entries(&rows, 0)?;
                let state = verify_chain(&all, Some(&pin))?;
                let mut fresh = Pin::new(&anchor.location, state);
                fresh.path = pin.path.clone();
                (fresh, None)
            }
            Some(mut pin) => {
                pin.state = extend(&pin, rows)?;
                (pin, None)
            }
            None => {
                if rows.is_empty() {
                    return Err(no_history());
                }
                let state = verify_chain(&entries(&rows, 0)?, None)?;
                let first = FirstContact {
                    location: anchor.location.clone(),
                    fingerprint: state.fingerprint(),
                };
                (Pin::new(&anchor.location, state), Some(first))
            }
        };
        if let Some(expected) = &anchor.expected {
            expected.expect(&pin.state)?;
        }
        let mut trust = Trust { pin, anchor, saved };
        trust.save()?;
        // Pinned explicitly: nothing to announce.
        let first = first.filter(|_| trust.anchor.expected.is_none());
        Ok((trust, first))
    }

    /// A vault just founded or migrated by this client: its state is known.
    pub fn founded(state: TrustState, anchor: Anchor) -> Result<Trust> {
        if let Some(expected) = &anchor.expected {
            expected.expect(&state)?;
        }
        let pin = Pin::new(&anchor.location, state);
        let mut trust = Trust {
            pin,
            anchor,
            saved: None,
        };
        trust.save()?;
        Ok(trust)
    }

    fn save(&mut self) -> Result<()> {
        let head = self.pin.head().seq;
        if self.saved != Some(head) {
            self.anchor.pins.save(&self.pin)?;
            self.saved = Some(head);
        }
        Ok(())
    }

    /// What the verified log says.
    pub fn state(&self) -> &TrustState {
        &self.pin.state
    }

    /// The seq to read the log from: the head itself, so that a log cut
    /// short shows as a missing head rather than as "nothing new".
    pub fn head_seq(&self) -> u64 {
        self.pin.head().seq
    }

    /// Verifies log rows read from [`Trust::head_seq`] on and moves the head.
    pub fn advance(&mut self, rows: Vec<LogRow>) -> Result<bool> {
        let before = self.pin.head();
        let state = extend(&self.pin, rows)?;
        let moved = state.head != before;
        self.pin.state = state;
        self.save()?;
        Ok(moved)
    }

    /// Reads and verifies whatever was appended since the head.
    pub async fn refresh(&mut self, store: &mut Store) -> Result<bool> {
        let rows = store.log_from(self.head_seq()).await?;
        self.advance(rows)
    }

    /// [`Trust::refresh`], and checks in the same statement that the key
    /// table's current key is the log's.
    pub async fn refresh_and_check_current(&mut self, store: &mut Store) -> Result<()> {
        let (rows, current) = store.log_and_current(self.head_seq()).await?;
        self.advance(rows)?;
        self.check_current(current)
    }

    /// The whole log, verified from genesis and checked against the pin
    /// (same vault, the pinned head in it); moves the head (`vault log`).
    pub async fn full_log(&mut self, store: &mut Store) -> Result<Vec<SignedEntry>> {
        let rows = store.log_from(0).await?;
        let all = entries(&rows, 0)?;
        let state = verify_chain(&all, Some(&self.pin))?;
        self.pin.state = state;
        self.save()?;
        Ok(all)
    }

    /// Signs the next entry as `me`: (seq, bytes) to append.
    pub fn sign_next(&self, me: &Personal, body: Body) -> Result<(u64, Vec<u8>)> {
        let entry = self
            .state()
            .next_entry(me.recipient(), chrono::Utc::now().timestamp(), body);
        let seq = entry.seq;
        let signed = entry.sign_with(|c| me.sign_for(crate::trust::Purpose::Log, c))?;
        Ok((seq, signed.to_bytes()))
    }

    /// The log's record of a key that is in use (current or retiring), or
    /// why a row naming it is refused.
    pub fn usable(&self, row_name: &str, key_id: Uuid) -> Result<&LogKey> {
        self.state().usable_key(key_id).ok_or_else(|| {
            let why = if self.state().retired.contains(&key_id) {
                "which the vault retired for good (a row or key restored from an old backup?)"
            } else {
                "which the vault's verified history never made (planted in the database)"
            };
            Error::integrity(format!(
                "secret {} was refused: it is sealed to key {key_id}, {why}",
                name::escape(row_name)
            ))
            .hint("it was altered in the database: put the value again, or restore the row from a trusted backup")
        })
    }

    /// The scope a key of the log is opened in.
    pub fn scope<'a>(&self, key: &'a LogKey) -> KeyScope<'a> {
        KeyScope {
            vault: self.state().vault_id,
            epoch: key.epoch,
            recipient: &key.recipient,
        }
    }

    /// The key table's public half for a key of the log must be the log's.
    pub fn check_public_half(logged: &LogKey, recipient: &str) -> Result<()> {
        if logged.recipient == recipient {
            Ok(())
        } else {
            Err(other_public_half(logged.id))
        }
    }

    /// The key table must call the log's current key current.
    pub fn check_current(&self, db_current: Option<Uuid>) -> Result<()> {
        let want = self.state().current.id;
        match db_current {
            Some(id) if id == want => Ok(()),
            Some(id) => Err(altered(format!(
                "the key table makes key {id} current, but the verified history says key {want}"
            ))),
            None => Err(altered(format!(
                "the key table has no current key; the verified history says key {want}"
            ))),
        }
    }

    /// Compares the tables with the log: what to change so they agree, and
    /// each disagreement in words (for the exit-6 message).
    pub fn plan_repair(&self, t: &Tables) -> (Repair, Vec<String>) {
        let state = self.state();
        let mut r = Repair::default();
        let mut found = Vec::new();
        let short = crate::trust::state::short;
        for (id, recipient, table_state) in &t.keys {
            match state.usable_key(*id) {
                None if table_state != "retired" => {
                    found.push(format!(
                        "key {id} is '{table_state}' but the history does not have it in use"
                    ));
                    r.retire_keys.push(*id);
                }
                None => {}
                Some(k) if k.recipient != *recipient => {
                    found.push(format!("key {id} has another public half than the history's"));
                }
                Some(k) => {
                    let want = if k.id == state.current.id {
                        "current"
                    } else {
                        "retiring"
                    };
                    if table_state != want {
                        found.push(format!(
                            "key {id} is '{table_state}' but the history has it {want}"
                        ));
                        if want == "current" {
                            r.promote_key = Some(k.id);
                        } else {
                            r.demote_keys.push(k.id);
                        }
                    }
                }
            }
        }
        // A 'current' row that is not the log's current must be demoted first
        // (retired above when the log does not know it).
        if r.promote_key.is_some() {
            for (id, _, s) in &t.keys {
                if s == "current" && Some(*id) != r.promote_key && state.usable_key(*id).is_some() {
                    r.demote_keys.push(*id);
                }
            }
        }
        for k in std::iter::once(&state.current).chain(&state.retiring) {
            if !t.keys.iter().any(|(id, _, _)| *id == k.id) {
                found.push(format!(
                    "key {} of the history is missing from the key table",
                    k.id
                ));
            }
        }
        for (recipient, table_name) in &t.members {
            match state.members.get(recipient) {
                None => {
                    found.push(format!(
                        "member row {} ({}) is not a member in the history",
                        name::escape(table_name),
                        short(recipient)
                    ));
                    r.delete_members.push(recipient.clone());
                }
                Some(m) if m.name != *table_name => {
                    found.push(format!(
                        "member row {} is named {} in the history",
                        name::escape(table_name),
                        name::escape(&m.name)
                    ));
                    r.rename_members.push((recipient.clone(), m.name.clone()));
                }
                Some(_) => {}
            }
        }
        for m in state.members.values() {
            if !t.members.iter().any(|(r, _)| *r == m.recipient) {
                found.push(format!(
                    "member {} is missing from the member table",
                    name::escape(&m.name)
                ));
                r.insert_members
                    .push((m.recipient.clone(), m.name.clone(), m.added_by.clone()));
            }
        }
        for (key, recipient) in &t.grants {
            let member = state.members.contains_key(recipient);
            let key_ok = state.usable_key(*key).is_some();
            if member && !key_ok {
                found.push(format!(
                    "a grant of key {key} to {} is for a key not in use",
                    short(recipient)
                ));
                r.delete_grants.push((*key, recipient.clone()));
            }
            // Grants of non-members go with their member rows (or are
            // orphans the foreign key cannot have).
            if !member && !r.delete_members.contains(recipient) {
                found.push(format!(
                    "a grant of key {key} to {} is for a non-member",
                    short(recipient)
                ));
                r.delete_grants.push((*key, recipient.clone()));
            }
        }
        (r, found)
    }

    /// The members the log names, sorted by name bytewise.
    pub fn members_sorted(&self) -> Vec<&crate::trust::Member> {
        let mut m: Vec<_> = self.state().members.values().collect();
        m.sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
        m
    }

    pub fn fingerprint(&self) -> Fingerprint {
        self.state().fingerprint()
    }

    pub fn pin_path(&self) -> PathBuf {
        self.anchor.pins.path_for(&self.anchor.location)
    }
}

/// Verifies rows read with [`Store::log_from`] from the pin's head on
/// (genesis first): the genesis entry must be the pinned vault's, then the
/// rest must extend the pinned head.
fn extend(pin: &Pin, mut rows: Vec<LogRow>) -> Result<TrustState> {
    let head = pin.head().seq;
    let genesis = match rows.first() {
        Some(r) if r.seq == 0 => Some(if head == 0 {
            rows[0].entry.clone()
        } else {
            rows.remove(0).entry
        }),
        _ => None,
    };
    if let Some(bytes) = genesis {
        let found =
            SignedEntry::from_bytes(&bytes).map_err(|why| TrustError::Malformed { position: 0, why })?;
        let found = Fingerprint::of_genesis(found.hash());
        if found != pin.fingerprint {
            return Err(TrustError::OtherVault {
                pinned: pin.fingerprint,
                found,
                pin_file: pin.path.clone(),
            }
            .into());
        }
    }
    Ok(pin.extend(&entries(&rows, head)?)?)
}

/// Decodes rows read from `from` on, refusing a row whose seq column is not
/// its entry's (rows relabelled to hide or reorder entries).
fn entries(rows: &[LogRow], from: u64) -> Result<Vec<SignedEntry>> {
    let list = decode_entries(rows.iter().map(|r| r.entry.as_slice()), from)?;
    for (row, e) in rows.iter().zip(&list) {
        if row.seq != e.seq() as i64 {
            return Err(TrustError::OutOfOrder {
                expected: e.seq(),
                found: row.seq.max(0) as u64,
            }
            .into());
        }
    }
    Ok(list)
}

/// The tables disagree with the verified log: exit 6.
pub fn altered(detail: String) -> Error {
    Error::integrity(format!(
        "the vault's membership or key history was altered: {detail}"
    ))
    .hint(
        "do not trust this database's key tables; a member runs `vault rotate`, which re-keys for the \
         verified members and repairs the tables, and tells the others",
    )
}

/// Other members kept appending to the log while a command tried to
/// (every retry found it moved on); `hint` says what the caller's state is.
pub fn log_busy(hint: &str) -> Error {
    Error::conflict("other members kept changing the vault's membership or keys meanwhile").hint(hint)
}

/// The key table's public half for `key_id` is not the log's.
fn other_public_half(key_id: Uuid) -> Error {
    altered(format!(
        "the key table gives key {key_id} another public half than the verified history"
    ))
}

/// Several disagreements, named in one line.
pub fn altered_rows(found: &[String]) -> Error {
    let mut shown: Vec<&str> = found.iter().take(5).map(String::as_str).collect();
    let more = found.len().saturating_sub(5);
    let tail = if more > 0 {
        format!("; and {more} more")
    } else {
        String::new()
    };
    shown.sort();
    Error::integrity(format!(
        "the vault's membership or key history was altered in the database: {}{tail}",
        shown.join("; ")
    ))
    .hint("the tables were repaired to match the verified history; tell the other members and find who could write the database")
}

fn no_history() -> Error {
    Error::integrity("this vault has no signed membership and key history")
        .hint(
            "if it was made by a vault release before the signed history, a member who holds the current key \
             runs `vault init` to record it; otherwise the history was deleted: restore the database from a trusted backup",
        )
}
