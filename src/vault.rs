//! The core: what each operation does, independent of the command line.
//!
//! A [`Vault`] is an open store plus the personal identity that opens its
//! keys. Commands call these methods and only format the results.

use std::collections::HashMap;

use rayon::prelude::*;
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::name;
use crate::pool::Pending;
use crate::seal::{Binding, Need, Personal, SealedRow, VaultKey};
use crate::store::{
    KeyRecord, MemberInfo, MemberRecord, Meta, PutItem, PutMode, PutOutcome, Sealer, Slot, Store,
};
use crate::trust::{Body, KeySpec, MemberSpec, TrustState};
use crate::trusted::{Anchor, Trust};

/// Below this many values, sealing or opening on one thread is faster than
/// handing work to the thread pool.
const PARALLEL_FROM: usize = 16;

/// What needs no identity: names and metadata, removal, the member list.
/// Names are not secret, so `ls`, `rm`, `member ls` and shell completion
/// work without unlocking anything, but still only through the core.
pub struct Index {
    store: Store,
    /// The verified log (`None` only for shell completion).
    trust: Option<Trust>,
}

impl Index {
    pub(crate) fn new(store: Store, trust: Option<Trust>) -> Index {
        Index { store, trust }
    }

    /// The store and the verified log (commands that show history).
    pub(crate) fn parts(&mut self) -> Result<(&mut Store, &mut Trust)> {
        let trust = self
            .trust
            .as_mut()
            .ok_or_else(|| Error::internal("this operation needs the verified log"))?;
        Ok((&mut self.store, trust))
    }

    /// Streams metadata sorted bytewise by name (all, or under `prefix`).
    pub async fn list(
        &mut self,
        prefix: Option<&str>,
        each: &mut dyn FnMut(Meta) -> Result<()>,
    ) -> Result<()> {
        self.store.list(prefix, each).await
    }

    /// Streams only the names, sorted like [`Index::list`].
    pub async fn list_names(
        &mut self,
        prefix: Option<&str>,
        each: &mut dyn for<'n> FnMut(&'n str) -> Result<()>,
    ) -> Result<()> {
        self.store.list_names(prefix, each).await
    }

    /// The first `limit` levels under `prefix` (`db/`, `app/`, `top`), in
    /// at most two reads however many names lie under it (shell completion).
    pub async fn levels(&mut self, prefix: &str, limit: usize) -> Result<Vec<String>> {
        self.store.levels(prefix, limit).await
    }

    /// Removes all the names, or none. Returns the names removed, sorted
    /// and each once.
    /// With `purge`, every version is destroyed now; without, the history
    /// is kept for `vault restore` until retention drops it.
    pub async fn remove(&mut self, names: &[String], purge: bool) -> Result<Vec<String>> {
        let mut unique: Vec<String> = names.to_vec();
        unique.sort();
        unique.dedup();
        self.store.remove(&unique, purge).await?;
        Ok(unique)
    }

    /// Every member the verified log names, sorted by name bytewise (with
    /// when the table says they were added, and whether they hold a grant
    /// of the current key), and every way the tables disagree with the log.
    pub async fn members(&mut self) -> Result<(Vec<MemberInfo>, Vec<String>)> {
        let trust = self
            .trust
            .as_mut()
            .ok_or_else(|| Error::internal("the member list needs the verified log"))?;
        let (log, tables) = self.store.tables_logged(trust.head_seq()).await?;
        trust.advance(log)?;
        let rows = self.store.members().await?;
        let state = trust.state();
        let current = state.current.id;
        let list = trust
            .members_sorted()
            .into_iter()
            .map(|m| {
                let row = rows.iter().find(|r| r.member.recipient == m.recipient);
                MemberInfo {
                    member: MemberRecord {
                        recipient: m.recipient.clone(),
                        name: m.name.clone(),
                        added_at: row.and_then(|r| r.member.added_at),
                        added_by: (m.added_at > 0).then(|| m.added_by.clone()),
                    },
                    has_current_key: tables
                        .grants
                        .iter()
                        .any(|(k, r)| *k == current && *r == m.recipient),
                }
            })
            .collect();
        let (_, found) = trust.plan_repair(&tables);
        Ok((list, found))
    }
}

/// `vault init`'s core, in two steps so that a wrong URL leaves nothing
/// behind: [`Setup::migrate`] creates or upgrades the schema before any
/// identity exists, then [`Setup::join`] founds the vault with the caller
/// (genesis entry, first key), records the history of a vault made before
/// the signed log, or verifies and pins an existing one.
pub struct Setup {
    store: Store,
    anchor: Anchor,
}

/// Where the caller stands after [`Setup::join`].
pub enum Joined {
    /// The vault was new: the caller founded it with this first key.
    Founded(Uuid),
    /// The vault exists and the caller holds its current key.
    Member(Uuid),
    /// The vault exists and the caller is not a member (yet).
    Outsider,
    /// The vault was made before the signed log: the caller recorded its
    /// history, with these members (name, recipient); those of `dropped`
    /// could not be recorded and were removed, to be added again.
    Recorded {
        key: Uuid,
        members: Vec<(String, String)>,
        dropped: Vec<(String, String)>,
    },
}

/// What `init` reports: where the caller stands, and the vault's fingerprint.
pub struct Joining {
    pub joined: Joined,
    pub fingerprint: crate::trust::Fingerprint,
    /// True when this client had not pinned the vault before.
    pub first_contact: bool,
}

impl Setup {
    pub(crate) async fn migrate(mut store: Store, anchor: Anchor) -> Result<Setup> {
        store.migrate().await?;
        Ok(Setup { store, anchor })
    }

    /// Founds the vault with `me` as member `name` when it has no key;
    /// records the history of a vault made before the signed log; otherwise
    /// verifies the log and says where `me` stands.
    pub async fn join(mut self, me: &Personal, name: String) -> Result<Joining> {
        let pin = self.anchor.pins.load(&self.anchor.location)?;
        let from = pin.as_ref().map(|p| p.resume_seq()).unwrap_or(0);
        let log = self.store.log_from(from).await?;
        if log.is_empty() && pin.is_none() {
            if let Some(j) = self.found(me, name).await? {
                return Ok(j);
            }
            return self.record(me).await;
        }
        let (trust, first) = Trust::from_rows(pin, log, self.anchor)?;
        let state = trust.state();
        let current = self.store.current_key(me.recipient()).await?;
        if state.members.contains_key(me.recipient()) {
            // A member must hear that the tables were altered, not be told
            // they are an outsider.
            trust.check_current(current.as_ref().map(|k| k.id))?;
        }
        let joined = match (state.members.contains_key(me.recipient()), current) {
            (true, Some(k)) if k.grant.is_some() && k.id == state.current.id => Joined::Member(k.id),
            _ => Joined::Outsider,
        };
        Ok(Joining {
            joined,
            fingerprint: trust.fingerprint(),
            first_contact: first.is_some(),
        })
    }

    /// A new vault: the genesis entry, the first key and its grant, in one
    /// transaction. `None` when the vault already has a key.
    async fn found(&mut self, me: &Personal, name: String) -> Result<Option<Joining>> {
        let vault_id = Uuid::new_v4();
        let new = VaultKey::generate_in(vault_id, 1);
        let grant = new
            .key
            .grant_to(crate::seal::parse_recipient(me.recipient())?.as_ref())?;
        let founder = MemberSpec {
            recipient: me.recipient().to_owned(),
            verifying_key: me.verifying_key()?,
            name: name.clone(),
        };
        let key = KeySpec {
            id: new.key.id(),
            recipient: new.recipient.clone(),
        };
        let genesis = genesis_entry(me, vault_id, founder, key)?;
        let record = MemberRecord {
            recipient: me.recipient().to_owned(),
            name,
            added_at: None,
            added_by: None,
        };
        if !self
            .store
            .bootstrap(&record, new.key.id(), &new.recipient, &grant, &genesis.to_bytes())
            .await?
        {
            return Ok(None);
        }
        let state = crate::trust::verify_chain(std::slice::from_ref(&genesis), None)?;
        let trust = Trust::founded(state, self.anchor.clone())?;
        Ok(Some(Joining {
            joined: Joined::Founded(new.key.id()),
            fingerprint: trust.fingerprint(),
            first_contact: true,
        }))
    }

    /// A vault made before the signed log: a member who holds the current
    /// key records its history, with themselves as founder.
    async fn record(mut self, me: &Personal) -> Result<Joining> {
        let outsider = || {
            Error::integrity("this vault has no signed membership and key history, and you hold no copy of its current key")
                .hint("a member who holds the current key runs `vault init` to record it (vaults made by an earlier release)")
        };
        let state = self.store.rotation_state(me.recipient()).await?;
        let (retiring, current): (Vec<_>, Vec<_>) = state.keys.into_iter().partition(|k| k.retiring);
        let current = current.into_iter().next().ok_or_else(crate::store::no_key)?;
        if current.key.grant.is_none() {
            return Err(outsider());
        }
        // Opening proves the caller holds it and that the grant is sound.
        let opened = VaultKey::open_own(&current.key, me, Need::Manage("record the vault's history"))?;
        // Keys made since the signed log name their vault: its history is
        // then missing (deleted, or not restored with the rest), and must
        // not be replaced by a new one.
        if let Some((vault, _)) = opened.bound_to() {
            return Err(Error::integrity(format!(
                "the vault's signed history (vault {vault}) is missing from the database, but its keys are there"
            ))
            .hint("it was deleted or not restored: restore the database, log table included, from a trusted backup"));
        }
        let rows = self.store.members().await?;
        let my_name = rows
            .iter()
            .find(|m| m.member.recipient == me.recipient())
            .map(|m| m.member.name.clone())
            .ok_or_else(outsider)?;
        let vault_id = Uuid::new_v4();
        // Retiring keys first (a rotation the earlier release left half
        // done), so the log's current key is the tables' current key.
        let mut keys = retiring.iter().chain(std::iter::once(&current)).map(|k| KeySpec {
            id: k.key.id,
            recipient: k.key.recipient.clone(),
        });
        let first = keys.next().ok_or_else(crate::store::no_key)?;
        let founder = MemberSpec {
            recipient: me.recipient().to_owned(),
            verifying_key: me.verifying_key()?,
            name: my_name.clone(),
        };
        let genesis = genesis_entry(me, vault_id, founder, first)?;
        let mut state = crate::trust::verify_chain(std::slice::from_ref(&genesis), None)?;
        let mut entries = vec![(0u64, genesis.to_bytes())];
        let mut append = |state: &mut TrustState, body: Body| -> Result<()> {
            let entry = state.next_entry(me.recipient(), chrono::Utc::now().timestamp(), body);
            let signed = entry.sign_with(|c| me.sign_for(crate::trust::Purpose::Log, c))?;
            state.apply(&signed)?;
            entries.push((signed.seq(), signed.to_bytes()));
            Ok(())
        };
        for (epoch, key) in (2u64..).zip(keys) {
            append(&mut state, Body::KeyCurrent { key, epoch })?;
        }
        let (mut members, mut dropped) = (vec![(my_name, me.recipient().to_owned())], Vec::new());
        for m in rows
            .iter()
            .map(|m| &m.member)
            .filter(|m| m.recipient != me.recipient())
        {
            // Only an SSH member's signing key is known without them: it is
            // their recipient. An age member's derives from their identity.
            match crate::trust::MemberLine::parse(&m.recipient) {
                Ok(line) if line.recipient == m.recipient && crate::name::member(&m.name).is_ok() => {
                    let spec = MemberSpec {
                        recipient: line.recipient.clone(),
                        verifying_key: line.verifying_key,
                        name: m.name.clone(),
                    };
                    if append(&mut state, Body::MemberAdded(spec)).is_ok() {
                        members.push((m.name.clone(), m.recipient.clone()));
                        continue;
                    }
                    dropped.push((m.name.clone(), m.recipient.clone()));
                }
                _ => dropped.push((m.name.clone(), m.recipient.clone())),
            }
        }
        let keep: Vec<String> = members.iter().map(|(_, r)| r.clone()).collect();
        if !self.store.record_history(&entries, &keep).await? {
            return Err(
                Error::conflict("another member recorded the vault's history just now")
                    .hint("run `vault init` again"),
            );
        }
        let trust = Trust::founded(state, self.anchor)?;
        Ok(Joining {
            joined: Joined::Recorded {
                key: current.key.id,
                members,
                dropped,
            },
            fingerprint: trust.fingerprint(),
            first_contact: true,
        })
    }
}

fn genesis_entry(
    me: &Personal,
    vault_id: Uuid,
    founder: MemberSpec,
    key: KeySpec,
) -> Result<crate::trust::SignedEntry> {
    let entry = crate::trust::Entry {
        seq: 0,
        prev: crate::trust::EntryHash::ZERO,
        author: me.recipient().to_owned(),
        time: chrono::Utc::now().timestamp(),
        body: Body::Genesis {
            vault_id,
            founder,
            key,
        },
    };
    entry.sign_with(|c| me.sign_for(crate::trust::Purpose::Log, c))
}

/// An open store plus the personal identity that opens its keys. The
/// fields are the core's own: commands use the methods.
pub struct Vault {
    pub(crate) store: Store,
    pub(crate) me: Personal,
    /// The verified log: the only authority on keys and members.
    pub(crate) trust: Trust,
}

pub use crate::model::Value;

impl Vault {
    /// Opens the key a row refers to, telling "no such key" (the row was
    /// altered) apart from "you hold no copy of it" (no access). The key must
    /// be one the verified log has in use, and its grant must open to the
    /// log's public half for it.
    pub fn open_key(
        &self,
        row_name: &str,
        key_id: Option<Uuid>,
        key: Option<&KeyRecord>,
    ) -> Result<VaultKey> {
        let shown = name::escape(row_name);
        let Some(key_id) = key_id else {
            return Err(
                Error::integrity(format!("secret {shown} was refused: it has no key id")).hint(
                    "it was altered in the database; put the value again or restore the row from a backup",
                ),
            );
        };
        let logged = self.trust.usable(row_name, key_id)?;
        let Some(key) = key.filter(|k| k.id == key_id) else {
            return Err(crate::trusted::altered(format!(
                "key {key_id}, which secret {shown} is sealed to and the history has in use, is missing from the key table"
            )));
        };
        Trust::check_public_half(logged, &key.recipient)?;
        VaultKey::open_own_in(key, self.trust.scope(logged), &self.me, Need::Read)
    }

    /// Opens this member's copy of the log's current key, given the key
    /// table's current key (which must be the same one).
    pub(crate) fn open_current(&self, key: &KeyRecord, need: Need<'_>) -> Result<VaultKey> {
        open_current(&self.trust, &self.me, key, need)
    }

    /// Opens this member's copy of a key the log has retiring.
    pub(crate) fn open_retiring(&self, key: &KeyRecord, need: Need<'_>) -> Result<VaultKey> {
        open_retiring(&self.trust, &self.me, key, need)
    }

    /// Reads and verifies what was appended to the log since the head;
    /// true when it moved.
    pub(crate) async fn refresh(&mut self) -> Result<bool> {
        self.trust.refresh(&mut self.store).await
    }

    /// The identity this vault was opened with.
    pub fn me(&self) -> &Personal {
        &self.me
    }

    /// Every secret of Supabase Vault in the same database (the plaintexts
    /// of its `decrypted_secrets` view), for `import --from-supabase-vault`
    /// to seal and store with [`Vault::put`].
    pub async fn read_supabase_vault(&mut self) -> Result<Vec<crate::store::ForeignSecret>> {
        self.store.read_supabase_vault().await
    }

    /// The value of one secret, verified in full before it is returned:
    /// the log entries since the pinned head come in the same snapshot.
    pub async fn get(&mut self, name: &str) -> Result<Value> {
        Ok(self.get_current(name).await?.value)
    }

    /// [`Vault::get`] with the version it is, and who wrote it.
    pub async fn get_current(&mut self, name: &str) -> Result<crate::versions::Got> {
        let (log, got) = self
            .store
            .get_logged(name, self.me.recipient(), self.trust.head_seq())
            .await?;
        self.trust.advance(log)?;
        let got = got.ok_or_else(|| crate::store::not_found(&[name]))?;
        let vault_key = self.open_key(name, got.row.key_id, got.key.as_ref())?;
        self.trust.check_current(got.current)?;
        let opened = vault_key.open_sealed(&got.row)?;
        crate::versions::check_current(self.trust.state(), &got, opened, name)
    }

    /// Writes values (create or replace) in one transaction, each as a new
    /// version signed by this member; `op` says what the write was.
    pub async fn put(
        &mut self,
        entries: Vec<(PutItem, Value)>,
        mode: PutMode,
        op: crate::history::Op,
    ) -> Result<Vec<PutOutcome>> {
        check_entries(&entries)?;
        let (items, values): (Vec<PutItem>, Vec<Value>) = entries.into_iter().unzip();
        let recipient = self.me.recipient().to_owned();
        self.refresh().await?;
        let first = {
            let sealer = ValueSealer::single(&self.me, &self.trust, &values, op);
            self.store.put(&items, mode, &recipient, &sealer).await
        };
        let disagreed = match first {
            Err(e) if e.kind == crate::error::Kind::Integrity => e,
            other => return other,
        };
        // A rotation may have made a new key current between the refresh and
        // the put; then the log moved too. Try once more with the key locked
        // against rotation, catching up with the log inside that lock: the
        // key cannot change again before the commit, so one catch-up always
        // suffices, however many rotations run back to back. When the log
        // had not moved, the disagreement is real and is reported.
        let key = self.store.begin_put(&recipient).await?;
        let written = async {
            if !self.refresh().await? {
                return Err(disagreed);
            }
            let sealer = ValueSealer::single(&self.me, &self.trust, &values, op);
            self.store.put_chunk(&key, &items, mode, &sealer).await
        }
        .await;
        self.end_put(written).await
    }

    /// Commits the put [`Store::begin_put`] began when `written` is Ok,
    /// else rolls it back and returns the error that stopped it.
    async fn end_put<T>(&mut self, written: Result<T>) -> Result<T> {
        match written {
            Ok(done) => {
                self.store.end_put(true).await?;
                Ok(done)
            }
            Err(e) => {
                let _ = self.store.end_put(false).await;
                Err(e)
            }
        }
    }

    /// Writes values that arrive in chunks (`next` gives the next chunk,
    /// `None` at the end) in ONE transaction, each as a new version signed
    /// by this member: all or nothing, like [`Vault::put`], but only one
    /// chunk is held (and sealed, and sent) at a time. An error from `next`
    /// rolls everything back. `mode` is `Upsert` or `CreateOnly`; names must
    /// be unique across chunks (the caller checks: the store would replace
    /// the earlier one). Returns how many were created and replaced.
    pub async fn put_stream(
        &mut self,
        mode: PutMode,
        op: crate::history::Op,
        next: &mut dyn FnMut() -> Result<Option<Vec<(PutItem, Value)>>>,
    ) -> Result<(usize, usize)> {
        let recipient = self.me.recipient().to_owned();
        self.refresh().await?;
        // The current key is opened once, before any chunk. A rotation that
        // made a new key current since the refresh moved the log too: catch
        // up inside the transaction, where the key is locked (as in `put`).
        let key = self.store.begin_put(&recipient).await?;
        let opened = match open_current(&self.trust, &self.me, &key, Need::Write) {
            Err(e) if e.kind == crate::error::Kind::Integrity => {
                async {
                    if !self.refresh().await? {
                        return Err(e);
                    }
                    open_current(&self.trust, &self.me, &key, Need::Write)
                }
                .await
            }
            other => other,
        };
        let vault_key = match opened {
            Ok(opened) => opened,
            Err(e) => return self.end_put(Err(e)).await,
        };
        let vault_key = std::sync::Arc::new(vault_key);
        let written = async {
            let (mut created, mut updated) = (0, 0);
            // While the store writes one chunk, the next two are sealed
            // ahead as new secrets (which is what an import mostly writes):
            // two, so that the pool still has one to seal while this thread
            // reads and signs the one after. After a chunk that mostly
            // replaced existing secrets, no more are: their values would be
            // sealed twice (see `Store::put_chunk`).
            let mut speculate = true;
            let mut ended = false;
            let mut pending = std::collections::VecDeque::with_capacity(SEALED_AHEAD + 1);
            pending.extend(next()?.map(Chunk::Plain));
            while let Some(this) = pending.pop_front() {
                // A problem found while reading ahead waits for its turn:
                // the first problem in input order is the one reported (a
                // name that exists, for --no-overwrite, before a bad line
                // further down).
                while !ended && pending.len() < SEALED_AHEAD {
                    let following = match next() {
                        Ok(Some(following)) => following,
                        Ok(None) => {
                            ended = true;
                            break;
                        }
                        Err(e) => {
                            pending.push_back(Chunk::Failed(e));
                            ended = true;
                            break;
                        }
                    };
                    if !speculate {
                        pending.push_back(Chunk::Plain(following));
                        break;
                    }
                    let state = self.trust.state();
                    match check_entries(&following)
                        .and_then(|()| seal_ahead(&self.me, state, op, &vault_key, following))
                    {
                        Ok(job) => pending.push_back(Chunk::Sealing(job)),
                        Err(e) => {
                            pending.push_back(Chunk::Failed(e));
                            ended = true;
                        }
                    }
                }
                let (chunk, sealed_ahead) = match this {
                    Chunk::Failed(e) => return Err(e),
                    Chunk::Plain(chunk) => {
                        check_entries(&chunk)?;
                        (chunk, None)
                    }
                    Chunk::Sealing(job) => {
                        let mut ahead = job.wait()?;
                        (std::mem::take(&mut ahead.entries), Some(ahead))
                    }
                };
                let (items, values): (Vec<PutItem>, Vec<Value>) = chunk.into_iter().unzip();
                let sealer = ValueSealer {
                    me: &self.me,
                    trust: &self.trust,
                    values: &values,
                    op,
                    opened: Some(&vault_key),
                    ahead: sealed_ahead.as_ref(),
                };
                let done = self.store.put_chunk(&key, &items, mode, &sealer).await?;
                let new = done.iter().filter(|o| o.created).count();
                created += new;
                updated += done.len() - new;
                speculate = new * 2 >= done.len();
            }
            Ok((created, updated))
        }
        .await;
        self.end_put(written).await
    }

    /// Every secret (or those under `prefix`), opened: one query, each vault
    /// key opened once, values opened in parallel. All or nothing: one bad
    /// row fails the whole call, naming it.
    pub async fn open_all(&mut self, prefix: Option<&str>) -> Result<Vec<(String, Value)>> {
        self.open_matching(prefix, None).await
    }

    /// Fetches the rows under `prefix` (and, with `sel`, keeps those it
    /// selects, every named one required), then opens them; tried again
    /// when a rotation by another member moved the log under the read.
    async fn open_matching(
        &mut self,
        prefix: Option<&str>,
        sel: Option<&Selection>,
    ) -> Result<Vec<(String, Value)>> {
        for attempt in 0..RETRIES {
            let start = self.trust.head_seq();
            let (mut rows, keys) = self.store.fetch_all(prefix, self.me.recipient()).await?;
            if let Some(sel) = sel {
                rows.retain(|r| r.name.as_deref().is_some_and(|n| sel.matches(n)));
                let missing: Vec<&str> = sel
                    .names
                    .iter()
                    .filter(|n| !rows.iter().any(|r| r.name.as_deref() == Some(n.as_str())))
                    .map(String::as_str)
                    .collect();
                if !missing.is_empty() {
                    return Err(crate::store::not_found(&missing));
                }
            }
            match self.open_rows(&rows, &keys).await {
                Err(e) if moved_under(&e, attempt, start, &self.trust) => {}
                other => return other,
            }
        }
        unreachable!("the last attempt returns")
    }

    /// Verifies the log since the head (read after the rows, so it is at
    /// least as new as they are) and that the key table's current key is
    /// the log's.
    async fn check_keys_after_fetch(&mut self) -> Result<()> {
        self.trust.refresh_and_check_current(&mut self.store).await
    }

    /// Opens fetched rows: each vault key once, values in parallel.
    ///
    /// `keys` holds only the keys this identity has a grant for. A row whose
    /// key is not among them is looked up once more by name, so that a key
    /// id naming no key is integrity (exit 6, as for `get`) and a real key
    /// without a grant is no access (exit 5).
    async fn open_rows(&mut self, rows: &[SealedRow], keys: &[KeyRecord]) -> Result<Vec<(String, Value)>> {
        self.check_keys_after_fetch().await?;
        let mut opened: HashMap<Uuid, VaultKey> = HashMap::new();
        for row in rows {
            let name = row.name.as_deref().unwrap_or_default();
            let Some(id) = row.key_id else {
                // open_key says why a row without a key id is refused.
                return Err(self.open_key(name, None, None).err().unwrap_or_else(|| {
                    Error::integrity(format!("secret {} has no key id", name::escape(name)))
                }));
            };
            if opened.contains_key(&id) {
                continue;
            }
            let key = match keys.iter().find(|k| k.id == id) {
                Some(rec) => self.open_key(name, Some(id), Some(rec))?,
                None => {
                    let looked_up = self.store.get(name, self.me.recipient()).await?;
                    let rec = looked_up.and_then(|g| g.key);
                    self.open_key(name, Some(id), rec.as_ref())?
                }
            };
            opened.insert(id, key);
        }
        let open_one = |row: &SealedRow| -> Result<(String, Value)> {
            let name = row.name.clone().unwrap_or_default();
            match row.key_id.and_then(|id| opened.get(&id)) {
                Some(key) => Ok((name, key.open(row)?)),
                None => Err(Error::integrity(format!(
                    "secret {} was refused: its key changed while it was read",
                    name::escape(&name)
                ))
                .hint("try again")),
            }
        };
        if rows.len() < PARALLEL_FROM {
            rows.iter().map(open_one).collect()
        } else {
            rows.par_iter().map(open_one).collect()
        }
    }

    // ---- shell integration ----

    /// The secrets a [`Selection`] names, opened like [`Vault::open_all`]:
    /// one query (narrowed to the selectors' common prefix), each key opened
    /// once, only the selected rows decrypted, in parallel. A named secret
    /// that does not exist fails the call (exit 3), naming it.
    pub async fn open_selected(&mut self, sel: &Selection) -> Result<Vec<(String, Value)>> {
        if sel.is_all() {
            return self.open_all(None).await;
        }
        let common = sel.common_prefix();
        let prefix = Some(common.as_str()).filter(|p| !p.is_empty());
        self.open_matching(prefix, Some(sel)).await
    }
}

/// Refuses values over the size limit, bad descriptions, and a name given
/// twice in one put.
fn check_entries(entries: &[(PutItem, Value)]) -> Result<()> {
    let mut seen = HashMap::new();
    for (item, value) in entries {
        name::check_value(value.len())?;
        if let Some(d) = &item.description {
            name::check_description(d)?;
        }
        if seen.insert(item.name.as_str(), ()).is_some() {
            return Err(
                Error::usage(format!("{} is given more than once", name::escape(&item.name)))
                    .hint("give each name once; nothing was stored"),
            );
        }
    }
    Ok(())
}

/// How many times a read is tried when a rotation by another member moves
/// the log under it (each try sees a newer head). A write needs no count:
/// its second try catches up inside the lock that keeps the key in place.
const RETRIES: usize = 5;

/// Whether a failed read is worth another try: it failed verification while
/// the log moved on (the rows were read under keys a rotation since
/// switched or retired), and tries remain. A real alteration leaves the log
/// where it was.
fn moved_under(e: &Error, attempt: usize, start: u64, trust: &Trust) -> bool {
    e.kind == crate::error::Kind::Integrity && attempt + 1 < RETRIES && trust.head_seq() != start
}

/// Which secrets a command works on: exact names and name prefixes (a
/// secret is selected if it matches any). Both empty selects everything.
#[derive(Default)]
pub struct Selection {
    pub names: Vec<String>,
    pub prefixes: Vec<String>,
}

impl Selection {
    /// Positional selectors (`vault env a db/`): one ending in '/' selects
    /// everything under it, anything else one exact name.
    pub fn from_selectors(raw: &[String]) -> Result<Selection> {
        let mut sel = Selection::default();
        for s in raw {
            if let Some(stem) = s.strip_suffix('/') {
                sel.prefixes.push(format!("{}/", name::canonical(stem)?));
            } else {
                sel.names.push(name::canonical(s)?);
            }
        }
        Ok(sel)
    }

    /// Exact names and prefixes given separately (`vault run --only N
    /// --prefix P`), each normalised like every other name.
    pub fn from_parts(names: &[String], prefixes: &[String]) -> Result<Selection> {
        Ok(Selection {
            names: names.iter().map(|n| name::canonical(n)).collect::<Result<_>>()?,
            prefixes: prefixes.iter().map(|p| prefix(p)).collect(),
        })
    }

    pub fn is_all(&self) -> bool {
        self.names.is_empty() && self.prefixes.is_empty()
    }

    pub fn matches(&self, name: &str) -> bool {
        self.is_all()
            || self.names.iter().any(|n| n == name)
            || self.prefixes.iter().any(|p| name.starts_with(p.as_str()))
    }

    /// The longest prefix shared by every selector, for narrowing the query.
    pub fn common_prefix(&self) -> String {
        let mut all = self.names.iter().chain(&self.prefixes);
        let Some(first) = all.next() else {
            return String::new();
        };
        let mut len = first.len();
        for s in all {
            len = first
                .char_indices()
                .zip(s.chars())
                .take_while(|((_, a), b)| a == b)
                .map(|((i, a), _)| i + a.len_utf8())
                .last()
                .unwrap_or(0)
                .min(len);
        }
        first[..len].to_owned()
    }
}

/// A name prefix as typed, normalised like names (Unicode NFC) so that it
/// matches the names it looks like. Not validated: `db/pa` is a fine prefix.
pub fn prefix(raw: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    raw.nfc().collect()
}

/// Seals the values of a put once the store has chosen the key, row ids
/// and versions: each value is a new version signed by its author.
struct ValueSealer<'a> {
    me: &'a Personal,
    trust: &'a Trust,
    values: &'a [Value],
    op: crate::history::Op,
    /// The current key, already opened (a chunked put opens it once);
    /// `None`: opened from the key the store passes.
    opened: Option<&'a VaultKey>,
    /// Values of this chunk sealed ahead as new secrets (a chunked put).
    ahead: Option<&'a Ahead>,
}

impl<'a> ValueSealer<'a> {
    /// For one put: the key is opened from the grant the store reads, and
    /// nothing is sealed ahead.
    fn single(me: &'a Personal, trust: &'a Trust, values: &'a [Value], op: crate::history::Op) -> Self {
        ValueSealer {
            me,
            trust,
            values,
            op,
            opened: None,
            ahead: None,
        }
    }
}

/// Opens `me`'s copy of a key the log has retiring.
pub(crate) fn open_retiring(
    trust: &Trust,
    me: &Personal,
    key: &KeyRecord,
    need: Need<'_>,
) -> Result<VaultKey> {
    let logged = trust
        .state()
        .retiring
        .iter()
        .find(|k| k.id == key.id)
        .ok_or_else(|| {
            crate::trusted::altered(format!(
                "the key table has key {} retiring, but the verified history does not",
                key.id
            ))
        })?;
    Trust::check_public_half(logged, &key.recipient)?;
    VaultKey::open_own_in(key, trust.scope(logged), me, need)
}

/// Opens `me`'s copy of the log's current key, given the key table's
/// current key (which must be the same one, with the same public half).
pub(crate) fn open_current(
    trust: &Trust,
    me: &Personal,
    key: &KeyRecord,
    need: Need<'_>,
) -> Result<VaultKey> {
    let current = &trust.state().current;
    trust.check_current(Some(key.id))?;
    Trust::check_public_half(current, &key.recipient)?;
    VaultKey::open_own_in(key, trust.scope(current), me, need)
}

impl Sealer for ValueSealer<'_> {
    fn seal(&self, key: &KeyRecord, slots: &[Slot<'_>]) -> Result<Vec<(Uuid, crate::store::SealedVersion)>> {
        // The table's current key must be the log's: a key planted as
        // current is refused before anything is sealed to it.
        let owned;
        let vault_key = match self.opened {
            Some(k) if k.id() == key.id => k,
            Some(_) => return Err(Error::internal("the key opened is not the store's current key")),
            None => {
                owned = open_current(self.trust, self.me, key, Need::Write)?;
                &owned
            }
        };
        let value_of = |slot: &Slot<'_>| {
            self.values
                .get(slot.item)
                .ok_or_else(|| Error::internal(format!("no value was given for {}", name::escape(slot.name))))
        };
        let values = slots.iter().map(value_of).collect::<Result<Vec<_>>>()?;
        let time = chrono::Utc::now().timestamp();
        let headers = sign_versions(self.me, self.trust.state(), self.op, time, slots, &values)?;
        seal_versions(vault_key, self.me.recipient(), time, slots, &headers, &values)
    }

    fn sealed_ahead(&self, key: &KeyRecord, name: &str) -> Option<(Uuid, crate::store::SealedVersion)> {
        let ahead = self.ahead.filter(|a| a.key_id == key.id)?;
        ahead.sealed.get(name).cloned()
    }
}

/// Each value's statement, signed in one go (one unlocking of the signing
/// key): the version headers for `slots`, in their order.
fn sign_versions(
    me: &Personal,
    state: &TrustState,
    op: crate::history::Op,
    time: i64,
    slots: &[Slot<'_>],
    values: &[&Value],
) -> Result<Vec<crate::seal::VersionHeader>> {
    use crate::history::{Statement, digest, new_salt, sign_all};
    let statements = slots
        .iter()
        .zip(values)
        .map(|(slot, value)| {
            let salt = new_salt()?;
            let statement = Statement {
                vault: state.vault_id,
                secret: slot.id,
                name: slot.name.to_owned(),
                version: slot.version,
                op,
                from: None,
                author: me.recipient().to_owned(),
                seq: state.head.seq,
                time,
                digest: digest(&salt, value),
            };
            Ok((statement, salt))
        })
        .collect::<Result<Vec<_>>>()?;
    sign_all(me, &statements)
}

/// Seals each slot's value under its signed header, on all cores. Each
/// sealed value carries the id of the row it is bound to, and the result
/// pairs it with that id: nothing is paired by position, so a reordering
/// anywhere cannot put A's value under B.
fn seal_versions(
    vault_key: &VaultKey,
    author: &str,
    time: i64,
    slots: &[Slot<'_>],
    headers: &[crate::seal::VersionHeader],
    values: &[&Value],
) -> Result<Vec<(Uuid, crate::store::SealedVersion)>> {
    let seal_one = |((slot, header), value): ((&Slot<'_>, &crate::seal::VersionHeader), &&Value)| {
        let sealed = vault_key.seal_version(
            Binding {
                id: slot.id,
                name: slot.name,
            },
            header,
            value,
        )?;
        Ok((
            slot.id,
            crate::store::SealedVersion {
                sealed,
                meta: crate::store::VersionMeta {
                    version: slot.version,
                    written_at: time,
                    author: author.to_owned(),
                    statement: Some(header.statement.clone()),
                    sig: Some(header.sig.clone()),
                },
            },
        ))
    };
    if slots.len() < PARALLEL_FROM {
        slots.iter().zip(headers).zip(values).map(seal_one).collect()
    } else {
        slots.par_iter().zip(headers).zip(values).map(seal_one).collect()
    }
}

/// How many chunks of a streamed put are sealed ahead of the one written.
const SEALED_AHEAD: usize = 2;

/// The next chunk of a streamed put: as read, or being sealed ahead.
enum Chunk {
    Plain(Vec<(PutItem, Value)>),
    /// What reading (or checking, or signing) it failed with.
    Failed(Error),
    /// Blocking on it blocks the runtime's only thread, which has nothing
    /// else to do then.
    Sealing(Pending<Ahead>),
}

/// A chunk of a streamed put with its values sealed ahead as new secrets.
struct Ahead {
    entries: Vec<(PutItem, Value)>,
    key_id: Uuid,
    sealed: HashMap<String, (Uuid, crate::store::SealedVersion)>,
}

/// Signs `entries` as new secrets (version 1 of fresh UUIDv7 rows) here,
/// then seals them on the thread pool (all cores), so that the store
/// can write the chunk before while they are being sealed: a streamed
/// import otherwise alternates between the cores sealing and one core
/// writing. The chunk's entries come back with the sealed values.
fn seal_ahead(
    me: &Personal,
    state: &TrustState,
    op: crate::history::Op,
    vault_key: &std::sync::Arc<VaultKey>,
    entries: Vec<(PutItem, Value)>,
) -> Result<Pending<Ahead>> {
    let time = chrono::Utc::now().timestamp();
    let ids: Vec<Uuid> = entries.iter().map(|_| Uuid::now_v7()).collect();
    let slots = new_slots(&entries, &ids);
    let values: Vec<&Value> = entries.iter().map(|(_, v)| v).collect();
    let headers = sign_versions(me, state, op, time, &slots, &values)?;
    drop((slots, values));
    let author = me.recipient().to_owned();
    let vault_key = std::sync::Arc::clone(vault_key);
    Ok(Pending::spawn("sealing ahead", move || {
        let slots = new_slots(&entries, &ids);
        let values: Vec<&Value> = entries.iter().map(|(_, v)| v).collect();
        let sealed = seal_versions(&vault_key, &author, time, &slots, &headers, &values)?
            .into_iter()
            .zip(&slots)
            .map(|((id, s), slot)| (slot.name.to_owned(), (id, s)))
            .collect();
        drop((slots, values));
        Ok(Ahead {
            entries,
            key_id: vault_key.id(),
            sealed,
        })
    }))
}

/// The slots of `entries` as new secrets with the row ids `ids`.
fn new_slots<'a>(entries: &'a [(PutItem, Value)], ids: &[Uuid]) -> Vec<Slot<'a>> {
    entries
        .iter()
        .zip(ids)
        .enumerate()
        .map(|(item, ((i, _), id))| Slot {
            id: *id,
            name: &i.name,
            created: true,
            item,
            version: 1,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The store hands the sealer its slots in whatever order suits it;
    /// each value must still be sealed for (and only open as) its own row.
    #[test]
    fn sealer_pairs_values_with_their_rows_not_positions() {
        let (me, _) = Personal::generate();
        let vault_id = Uuid::new_v4();
        let new = VaultKey::generate_in(vault_id, 1);
        let spec = KeySpec {
            id: new.key.id(),
            recipient: new.recipient.clone(),
        };
        let founder = MemberSpec {
            recipient: me.recipient().to_owned(),
            verifying_key: me.verifying_key().unwrap(),
            name: "me".into(),
        };
        let genesis = genesis_entry(&me, vault_id, founder, spec).unwrap();
        let state = crate::trust::verify_chain(std::slice::from_ref(&genesis), None).unwrap();
        let pins = tempfile::tempdir().unwrap();
        let anchor = Anchor {
            location: "test".into(),
            pins: crate::trust::PinStore::new(pins.path()),
            expected: None,
        };
        let trust = Trust::founded(state, anchor).unwrap();
        let grant = new
            .key
            .grant_to(crate::seal::parse_recipient(me.recipient()).unwrap().as_ref())
            .unwrap();
        let key = KeyRecord {
            id: new.key.id(),
            recipient: new.recipient.clone(),
            grant: Some(grant),
        };
        let values: Vec<Value> = ["alpha", "beta", "gamma"]
            .iter()
            .map(|v| Value::new(v.as_bytes().to_vec()))
            .collect();
        let names = ["a", "b", "c"];
        // Reversed against the items, as a reordering backend would pass them.
        let slots: Vec<Slot<'_>> = (0..3)
            .rev()
            .map(|item| Slot {
                id: Uuid::new_v4(),
                name: names[item],
                created: true,
                item,
                version: 1,
            })
            .collect();
        let sealer = ValueSealer::single(&me, &trust, &values, crate::history::Op::Put);
        let sealed = sealer.seal(&key, &slots).unwrap();
        assert_eq!(sealed.len(), 3);
        for (id, s) in sealed {
            let slot = slots.iter().find(|s| s.id == id).unwrap();
            let row = SealedRow {
                id,
                name: Some(slot.name.to_owned()),
                secret: s.sealed.secret,
                key_id: Some(key.id),
                nonce: Some(s.sealed.nonce),
            };
            assert_eq!(&new.key.open(&row).unwrap()[..], &values[slot.item][..]);
        }
    }

    fn sel(names: &[&str], prefixes: &[&str]) -> Selection {
        Selection {
            names: names.iter().map(|s| s.to_string()).collect(),
            prefixes: prefixes.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn common_prefix_narrows_the_query() {
        assert_eq!(sel(&[], &[]).common_prefix(), "");
        assert_eq!(sel(&["db/password"], &[]).common_prefix(), "db/password");
        assert_eq!(sel(&["db/password"], &["db/"]).common_prefix(), "db/");
        assert_eq!(sel(&["db/user", "db/pass"], &[]).common_prefix(), "db/");
        assert_eq!(sel(&["a"], &["b/"]).common_prefix(), "");
        assert_eq!(sel(&["café/x", "café/y"], &[]).common_prefix(), "café/");
        assert_eq!(sel(&["caf\u{e9}", "caf\u{e8}"], &[]).common_prefix(), "caf");
    }

    #[test]
    fn selection_matches_names_and_prefixes() {
        let s = sel(&["other"], &["db/"]);
        assert!(s.matches("db/password") && s.matches("other"));
        assert!(!s.matches("dbx") && !s.matches("other/x"));
        assert!(sel(&[], &[]).matches("anything"));
    }
}
