//! Key rotation: a new vault key, every secret re-sealed to it, the old key
//! retired. Crash-safe, resumable, and safe beside concurrent writers.
//!
//! The steps, each its own transaction, so a kill between any two leaves a
//! vault where every secret still opens (under the old key or the new one):
//! 1. Take the rotation mutex (a second `vault rotate` exits 4).
//! 2. Check that the caller can open every key involved (else exit 5,
//!    nothing changed).
//! 3. Switch: store the new key with a grant for every member holding the
//!    current one, mark the current key 'retiring' and the new one 'current',
//!    excluding every writer. After this commit every put seals to the new
//!    key, and every put that sealed to the old key has committed.
//! 4. Re-seal, in batches in id order: lock the batch, open each value with
//!    the old key (verified in full: a tampered row is never laundered into a
//!    fresh valid ciphertext), seal it for the same row with the new key on
//!    all cores, write the batch back, commit.
//! 5. Retire the old key (delete its grants) once no secret refers to it.
//!
//! A 'retiring' key found at the start is a rotation that did not finish
//! (killed, disconnected, or stopped by a bad row): it is resumed first.
//!
//! The verified log decides everything: before step 2 the key, member and
//! grant tables are repaired to agree with it (a planted member, key or
//! grant never receives the new key, and never stops the rotation); the
//! switch and each retirement append a signed entry in their transaction;
//! the new key is granted to the log's members only. Afterwards every row
//! that disagreed is named, with exit 6.

use std::collections::HashSet;
use std::time::Duration;

use rayon::prelude::*;
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::seal::{self, Binding, Need, Sealed, SealedRow, VaultKey};
use crate::store::{KeyStatus, Logged, Resealer, SharedResealer};
use crate::trust::{Body, KeySpec};
use crate::vault::Vault;

/// Below this many rows, one thread beats handing work to the pool.
const PARALLEL_FROM: usize = 16;

pub struct RotateOptions {
    /// Say what would change; change nothing.
    pub dry_run: bool,
    /// Make a new key even when the vault holds no secrets (after a member
    /// is removed, so their copy of the old key opens nothing written later).
    pub force_new_key: bool,
    /// Rows per re-seal batch (`VAULT_ROTATE_BATCH`).
    pub batch: usize,
}

/// What a rotation reports while it runs. The core knows no terminal: the
/// command decides how to show this (a progress bar, verbose lines, nothing).
pub trait Progress {
    /// The number of secrets to re-seal, once known.
    fn start(&self, _total: u64) {}
    /// One batch was committed: rows looked at, rows moved, time taken.
    fn batch(&self, _seen: usize, _moved: u64, _took: Duration) {}
    /// The rotation is over (done or failed).
    fn finish(&self) {}
    /// A step of a larger operation is done (`member rm`: the removal,
    /// before the rotation starts), in a line for the user.
    fn note(&self, _line: &str) {}
}

/// What a rotation did (or, with `dry_run`, would do).
#[derive(Debug, Default)]
pub struct RotateSummary {
    /// The key secrets moved away from (the first, if several were retiring).
    pub old_key: Option<Uuid>,
    /// The key secrets now sealed to: the current key afterwards.
    pub new_key: Option<Uuid>,
    /// Secrets re-sealed (with `dry_run`: that would be).
    pub moved: u64,
    /// Earlier versions re-sealed.
    pub versions_moved: u64,
    /// Names of secrets that failed verification and were left exactly as
    /// they were, under a key that stays 'retiring' ("(no name, id …)" for a
    /// row without a name).
    pub skipped_bad: Vec<String>,
    /// A rotation that had not finished was resumed.
    pub resumed: bool,
    /// Keys retired by this run.
    pub retired: Vec<Uuid>,
    /// Keys still 'retiring' afterwards (they seal the bad rows).
    pub still_retiring: Vec<Uuid>,
    /// The current key before the run.
    pub current_before: Option<Uuid>,
    /// Nothing to do: the vault is empty and no rotation was pending.
    pub nothing_to_do: bool,
    pub dry_run: bool,
    /// With `dry_run`: the members who would hold the new key.
    pub members: Vec<String>,
    /// How the tables disagreed with the verified log (repaired before the
    /// rotation; the command exits 6 naming them afterwards).
    pub altered: Vec<String>,
}

/// Rotates the vault key (see the module docs).
pub async fn rotate(
    vault: &mut Vault,
    opts: &RotateOptions,
    progress: &dyn Progress,
) -> Result<RotateSummary> {
    if opts.dry_run {
        vault.refresh().await?;
        return plan(vault).await;
    }
    if !vault.store.lock_rotation().await? {
        return Err(crate::store::rotation_running());
    }
    let outcome = run(vault, opts, progress).await;
    progress.finish();
    // A lost connection has already released the PostgreSQL lock; the
    // original error is the one worth reporting.
    let unlocked = vault.store.unlock_rotation().await;
    let summary = outcome?;
    unlocked?;
    Ok(summary)
}

/// The keys a rotation will touch, opened, or the no-access error.
struct Keys {
    current: KeyStatus,
    current_open: VaultKey,
    /// Retiring keys and, for those that still seal secrets, the opened key.
    retiring: Vec<(KeyStatus, Option<VaultKey>)>,
    secrets: u64,
    versions: u64,
}

async fn load_keys(vault: &mut Vault) -> Result<Keys> {
    let state = vault.store.rotation_state(vault.me.recipient()).await?;
    // Only keys the log has in use: a key the tables alone know seals
    // nothing a member wrote, and is never opened or re-sealed from.
    let (retiring, current): (Vec<KeyStatus>, Vec<KeyStatus>) = state
        .keys
        .into_iter()
        .filter(|k| vault.trust.state().usable_key(k.key.id).is_some())
        .partition(|k| k.retiring);
    let current = current.into_iter().next().ok_or_else(crate::store::no_key)?;
    let current_open = vault.open_current(&current.key, Need::Rotate { retiring: false })?;
    let retiring = retiring
        .into_iter()
        .map(|k| {
            // A retiring key that seals nothing is only retired: no need to open it.
            let opened = if k.secrets + k.versions > 0 {
                Some(vault.open_retiring(&k.key, Need::Rotate { retiring: true })?)
            } else {
                None
            };
            Ok((k, opened))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Keys {
        current,
        current_open,
        retiring,
        secrets: state.secrets,
        versions: state.versions,
    })
}

async fn plan(vault: &mut Vault) -> Result<RotateSummary> {
    let keys = load_keys(vault).await?;
    let mut s = RotateSummary {
        dry_run: true,
        current_before: Some(keys.current.key.id),
        ..Default::default()
    };
    if !keys.retiring.is_empty() {
        s.resumed = true;
        s.old_key = Some(keys.retiring[0].0.key.id);
        s.new_key = Some(keys.current.key.id);
        s.moved = keys.retiring.iter().map(|(k, _)| k.secrets).sum();
        s.versions_moved = keys.retiring.iter().map(|(k, _)| k.versions).sum();
    } else if keys.secrets + keys.versions == 0 {
        s.nothing_to_do = true;
    } else {
        s.old_key = Some(keys.current.key.id);
        s.moved = keys.current.secrets;
        s.versions_moved = keys.current.versions;
        s.members = vault
            .trust
            .members_sorted()
            .iter()
            .map(|m| m.name.clone())
            .collect();
    }
    Ok(s)
}

/// Makes the tables agree with the verified log; returns what disagreed.
async fn reconcile(vault: &mut Vault) -> Result<Vec<String>> {
    for _ in 0..5 {
        vault.refresh().await?;
        let trust = &vault.trust;
        match vault
            .store
            .reconcile(trust.head_seq(), &|t| trust.plan_repair(t))
            .await?
        {
            Logged::Done(found) => return Ok(found),
            Logged::Stale => continue,
        }
    }
    Err(busy())
}

fn busy() -> Error {
    crate::trusted::log_busy("run `vault rotate` again; what was done so far is kept")
}

async fn run(vault: &mut Vault, opts: &RotateOptions, progress: &dyn Progress) -> Result<RotateSummary> {
    let altered = reconcile(vault).await?;
    let mut s = match run_keys(vault, opts, progress).await {
        Ok(s) => s,
        // What the tables lacked (a key of the history deleted) can stop
        // the rotation: say what was altered first, then why it stopped.
        Err(e) if !altered.is_empty() => {
            let base = crate::trusted::altered_rows(&altered);
            return Err(Error::integrity(format!(
                "{}; the rotation could not go on: {}",
                base.message(),
                e.message()
            ))
            .hint("restore the key tables from a trusted backup; a member compares the vault's fingerprint out of band"));
        }
        Err(e) => return Err(e),
    };
    // Rows sealed to a key the log never had in use: forged or restored.
    // Never opened, never re-sealed; named with the rest.
    let state = vault.trust.state();
    let usable: Vec<uuid::Uuid> = std::iter::once(state.current.id)
        .chain(state.retiring.iter().map(|k| k.id))
        .collect();
    let stray = vault.store.secrets_not_under(&usable, 20).await?;
    let dropped = std::mem::take(&mut s.altered);
    s.altered = altered;
    s.altered.extend(dropped);
    for (id, name) in stray {
        let shown = name
            .as_deref()
            .map(crate::name::escape)
            .unwrap_or_else(|| format!("(no name, id {id})"));
        s.altered.push(format!(
            "secret {shown} is sealed to a key the history does not have in use (left as it is)"
        ));
    }
    Ok(s)
}

async fn run_keys(vault: &mut Vault, opts: &RotateOptions, progress: &dyn Progress) -> Result<RotateSummary> {
    let keys = load_keys(vault).await?;
    let mut s = RotateSummary {
        current_before: Some(keys.current.key.id),
        ..Default::default()
    };
    let pending = !keys.retiring.is_empty();
    let fresh = opts.force_new_key || (!pending && keys.secrets + keys.versions > 0);
    if !pending && !fresh {
        s.nothing_to_do = true;
        return Ok(s);
    }
    progress.start(
        keys.retiring
            .iter()
            .map(|(k, _)| k.secrets + k.versions)
            .sum::<u64>()
            + if fresh {
                keys.current.secrets + keys.current.versions
            } else {
                0
            },
    );

    // Finish what an earlier rotation left.
    let current_id = keys.current.key.id;
    for (old, opened) in &keys.retiring {
        s.resumed = true;
        s.old_key.get_or_insert(old.key.id);
        move_and_retire(
            vault,
            old.key.id,
            opened.as_ref(),
            &keys.current_open,
            opts.batch,
            progress,
            &mut s,
        )
        .await?;
    }
    s.new_key = Some(current_id);

    if fresh {
        let new = switch(vault, &keys.current).await?;
        s.old_key.get_or_insert(current_id);
        s.new_key = Some(new.id());
        move_and_retire(
            vault,
            current_id,
            Some(&keys.current_open),
            &new,
            opts.batch,
            progress,
            &mut s,
        )
        .await?;
    }
    Ok(s)
}

/// Makes a new key, grants it to every member of the verified log, and
/// switches, appending the signed key-current entry in the same transaction.
async fn switch(vault: &mut Vault, current: &KeyStatus) -> Result<VaultKey> {
    for _ in 0..5 {
        let state = vault.trust.state();
        let epoch = state.current.epoch + 1;
        let new = VaultKey::generate_in(state.vault_id, epoch);
        let mut grants: Vec<(String, String)> = Vec::new();
        for m in state.members.values() {
            let grant = new.key.grant_to(seal::parse_recipient(&m.recipient)?.as_ref())?;
            grants.push((m.recipient.clone(), grant));
        }
        let entry = vault.trust.sign_next(
            &vault.me,
            Body::KeyCurrent {
                key: KeySpec {
                    id: new.key.id(),
                    recipient: new.recipient.clone(),
                },
                epoch,
            },
        )?;
        // A member added meanwhile appended first: re-read, grant them too.
        match vault
            .store
            .switch_key(
                current.key.id,
                new.key.id(),
                &new.recipient,
                &grants,
                (entry.0, &entry.1),
            )
            .await?
        {
            Logged::Done(()) => {
                vault.refresh().await?;
                return Ok(new.key);
            }
            Logged::Stale => {
                vault.refresh().await?;
            }
        }
    }
    Err(busy())
}

/// Retires `old` when no secret refers to it, appending the signed
/// key-retired entry in the same transaction.
async fn retire(vault: &mut Vault, old: uuid::Uuid) -> Result<bool> {
    for _ in 0..5 {
        let entry = vault
            .trust
            .sign_next(&vault.me, Body::KeyRetired { key_id: old })?;
        match vault.store.retire_key(old, (entry.0, &entry.1)).await? {
            Logged::Done(retired) => {
                vault.refresh().await?;
                return Ok(retired);
            }
            Logged::Stale => {
                vault.refresh().await?;
            }
        }
    }
    Err(busy())
}

/// Re-seals every secret under `old` to `new`, then retires `old` if no
/// secret refers to it any more.
async fn move_and_retire(
    vault: &mut Vault,
    old: Uuid,
    old_open: Option<&VaultKey>,
    new: &VaultKey,
    batch: usize,
    progress: &dyn Progress,
    s: &mut RotateSummary,
) -> Result<()> {
    let mut bad = HashSet::new();
    if let Some(old_open) = old_open {
        // Owned copies: SQLite re-seals on another thread while it writes.
        let resealer: SharedResealer = std::sync::Arc::new(Reseal {
            old: old_open.clone(),
            new: new.clone(),
        });
        // Normally one pass. Another only if rows were left under `old`
        // without failing (none are: no writer seals to it after the switch).
        for _ in 0..3 {
            let mut after = None;
            loop {
                let started = std::time::Instant::now();
                let done = vault
                    .store
                    .reseal_batch(old, new.id(), after, batch, &resealer)
                    .await?;
                // (A PostgreSQL batch may read a stretch of pages holding
                // none of the old key's rows: nothing worth reporting.)
                if done.seen > 0 {
                    progress.batch(done.seen, done.moved, started.elapsed());
                }
                s.moved += done.moved;
                for (id, name) in done.failed {
                    if bad.insert(id) {
                        s.skipped_bad.push(match name {
                            Some(n) => n,
                            None => format!("(no name, id {id})"),
                        });
                    }
                }
                match done.next {
                    Some(next) => after = Some(next),
                    None => break,
                }
            }
            // Then the earlier versions: no ciphertext of any version may
            // stay under a key that is retired.
            let mut after = None;
            loop {
                let started = std::time::Instant::now();
                let (done, last) = vault
                    .store
                    .reseal_versions_batch(old, new.id(), after, batch, &*resealer)
                    .await?;
                progress.batch(done.seen, done.moved, started.elapsed());
                if done.seen == 0 {
                    break;
                }
                after = last;
                s.versions_moved += done.moved;
                for (_, what) in done.failed {
                    s.altered.push(format!(
                        "{} failed verification under key {old}; its value was dropped (no member wrote it)",
                        what.unwrap_or_default()
                    ));
                }
            }
            if !bad.is_empty() {
                break;
            }
            if retire(vault, old).await? {
                s.retired.push(old);
                return Ok(());
            }
        }
    } else if retire(vault, old).await? {
        s.retired.push(old);
        return Ok(());
    }
    s.still_retiring.push(old);
    Ok(())
}

/// Opens with the old key (verifying binding and MAC) and seals the same
/// value for the same row with the new key.
struct Reseal {
    old: VaultKey,
    new: VaultKey,
}

impl Resealer for Reseal {
    fn reseal(&self, rows: &[SealedRow]) -> Vec<Result<Sealed>> {
        let one = |row: &SealedRow| -> Result<Sealed> {
            // The version header (author's statement, salt) travels as it is.
            let opened = self.old.open_sealed(row)?;
            let name = row.name.as_deref().unwrap_or_default();
            self.new.reseal(Binding { id: row.id, name }, &opened)
        };
        if rows.len() < PARALLEL_FROM {
            rows.iter().map(one).collect()
        } else {
            rows.par_iter().map(one).collect()
        }
    }
}
