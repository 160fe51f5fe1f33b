//! Members: who may open the vault, and how access is granted and taken away.
//!
//! A member is a personal recipient (age X25519, or an SSH ed25519/RSA public
//! key) with a name. Adding a member seals the vault key's private half to
//! their recipient (a grant); no secret is re-sealed, so adding is instant
//! whatever the vault's size. Only a member who can open the current key can
//! grant it. Removing a member deletes them and their grants in one
//! transaction; the caller then rotates the key so that what they could
//! open before is moved to a key they never held.

use std::cell::RefCell;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::name;
use crate::rotate::{Progress, RotateOptions, RotateSummary};
use crate::seal::{self, Need};
use crate::store::{self, Granter, KeyRecord, Logged, MemberRecord};
use crate::trust::{Body, MemberLine, MemberSpec, TrustState};
use crate::vault::Vault;

/// What `member add` did.
pub struct Added {
    pub member: MemberRecord,
    /// Keys granted: the current one first, then any retiring ones.
    pub granted: Vec<Uuid>,
    /// Retiring keys the adder holds no copy of, so could not grant.
    pub skipped: Vec<Uuid>,
}

/// What `member rm` did.
pub struct Removed {
    pub member: MemberRecord,
    /// The rotation that followed, unless it was skipped.
    pub rotation: Option<RotateSummary>,
}

/// What `whoami` reports about the identity in use.
pub struct WhoAmI {
    pub member: Option<MemberRecord>,
    /// The name of whoever added this member, when they are still a member.
    pub added_by_name: Option<String>,
    pub current_key: Option<Uuid>,
    pub holds_current_key: bool,
    /// The vault's fingerprint, to compare out of band.
    pub fingerprint: crate::trust::Fingerprint,
    /// What to hand a member who adds you.
    pub member_line: String,
    /// How the tables disagree with the verified log (exit 6 after printing).
    pub altered: Vec<String>,
}

impl Vault {
    /// Adds the member a member line names (`vault whoami`'s first line):
    /// a signed member-added entry, and grants of the current key (and any
    /// retiring key) sealed to them, in one transaction.
    pub async fn add_member(&mut self, line: &str, label: Option<&str>) -> Result<Added> {
        let parsed = MemberLine::parse(line)?;
        let name = match label {
            Some(l) => name::member(l)?,
            None => default_name(&parsed.recipient, parsed.comment.as_deref())?,
        };
        let to = seal::parse_recipient(&parsed.recipient)?;
        let member = MemberRecord {
            recipient: parsed.recipient.clone(),
            name: name.clone(),
            added_at: None,
            added_by: Some(self.me.recipient().to_owned()),
        };
        let adder = self.me.recipient().to_owned();
        self.refresh().await?;
        for _ in 0..5 {
            let state = self.trust.state();
            if !state.members.contains_key(&adder) {
                return Err(Error::no_access(format!(
                    "your identity ({}) is not a member of this vault, so it cannot add members",
                    self.me.recipient()
                ))
                .hint("ask a member to run `vault member add` with your member line (see `vault whoami`)"));
            }
            if let Some(existing) = state.members.get(&parsed.recipient) {
                let existing = MemberRecord {
                    recipient: existing.recipient.clone(),
                    name: existing.name.clone(),
                    added_at: None,
                    added_by: None,
                };
                return Err(store::member_exists(&existing, &member));
            }
            if state.member_named(&name).is_some() {
                return Err(store::member_exists(
                    &MemberRecord {
                        recipient: String::new(),
                        ..member.clone()
                    },
                    &member,
                ));
            }
            if state
                .members
                .values()
                .any(|m| m.verifying_key == parsed.verifying_key)
            {
                return Err(Error::conflict(
                    "another member already signs with that key; nothing was changed",
                )
                .hint("each member needs an identity of their own"));
            }
            let entry = self.trust.sign_next(
                &self.me,
                Body::MemberAdded(MemberSpec {
                    recipient: parsed.recipient.clone(),
                    verifying_key: parsed.verifying_key.clone(),
                    name: name.clone(),
                }),
            )?;
            let granter = MemberGranter {
                me: &self.me,
                trust: &self.trust,
                to: to.as_ref(),
                granted: RefCell::new(Vec::new()),
                skipped: RefCell::new(Vec::new()),
            };
            let done = self
                .store
                .add_member(&member, &adder, &granter, (entry.0, &entry.1))
                .await?;
            let (granted, skipped) = (granter.granted.into_inner(), granter.skipped.into_inner());
            match done {
                Logged::Done(()) => {
                    self.refresh().await?;
                    return Ok(Added {
                        member,
                        granted,
                        skipped,
                    });
                }
                Logged::Stale => {
                    self.refresh().await?;
                }
            }
        }
        Err(log_busy())
    }

    /// Removes a member (by name or recipient, resolved against the verified
    /// log) and their grants, then (with `rotation`: batch size and
    /// progress) rotates the vault key so that nothing written or re-sealed
    /// later opens with their copy. One operation, so no caller can forget
    /// the rotation; `None` only removes.
    pub async fn remove_member(
        &mut self,
        who: &str,
        rotation: Option<(usize, &dyn Progress)>,
    ) -> Result<Removed> {
        let member = self.remove_member_only(who).await?;
        let Some((batch, progress)) = rotation else {
            return Ok(Removed {
                member,
                rotation: None,
            });
        };
        let opts = RotateOptions {
            dry_run: false,
            force_new_key: true,
            batch,
        };
        let shown = name::display(&member.name);
        progress.note(&format!(
            "removed {shown} ({}); rotating the vault key",
            store::short_recipient(&member.recipient)
        ));
        let summary = crate::rotate::rotate(self, &opts, progress).await.map_err(|e| {
            Error::new(
                e.kind,
                format!(
                    "{shown} was removed, but rotating the key failed: {}",
                    e.message()
                ),
            )
            .hint("run `vault rotate` to finish; until then they may still open values with their old copy")
        })?;
        if summary.still_retiring.is_empty() && !summary.altered.is_empty() {
            return Err(Error::new(
                crate::error::Kind::Integrity,
                format!(
                    "{shown} was removed and the key rotated to the verified members; {}",
                    crate::trusted::altered_rows(&summary.altered).message()
                ),
            )
            .hint("the tables were repaired to match the verified history; tell the other members"));
        }
        if !summary.still_retiring.is_empty() {
            let kept: Vec<String> = summary.still_retiring.iter().map(|k| k.to_string()).collect();
            return Err(Error::integrity(format!(
                "{shown} was removed and the key rotated, but {} secret(s) failed verification and stay under key {}, which they held",
                summary.skipped_bad.len(),
                kept.join(", ")
            ))
            .hint("check them with `vault get NAME`, put or rm them, then run `vault rotate`"));
        }
        Ok(Removed {
            member,
            rotation: Some(summary),
        })
    }

    /// The removal itself: resolves `who` in the verified log, checks that
    /// the caller can open the current key (which rotating afterwards
    /// needs), then appends the signed removal and deletes row and grants.
    async fn remove_member_only(&mut self, who: &str) -> Result<MemberRecord> {
        self.refresh().await?;
        for _ in 0..5 {
            let state = self.trust.state();
            let target = find_member(state, who)?;
            if state.members.len() == 1 {
                return Err(store::last_member(&target.name));
            }
            if target.recipient == self.me.recipient() {
                return Err(Error::usage(
                    "you cannot remove yourself: the key must be rotated by someone who keeps it",
                )
                .hint("ask another member to run `vault member rm`"));
            }
            let current = self
                .store
                .current_key(self.me.recipient())
                .await?
                .ok_or_else(store::no_key)?;
            self.open_current(&current, Need::Manage("remove members"))?;
            let entry = self.trust.sign_next(
                &self.me,
                Body::MemberRemoved {
                    recipient: target.recipient.clone(),
                },
            )?;
            match self
                .store
                .remove_member(&target.recipient, (entry.0, &entry.1))
                .await?
            {
                Logged::Done(()) => {
                    self.refresh().await?;
                    return Ok(target);
                }
                Logged::Stale => {
                    self.refresh().await?;
                }
            }
        }
        Err(log_busy())
    }

    /// This identity's membership and access, according to the verified
    /// log, and every way the tables disagree with it.
    pub async fn whoami(&mut self) -> Result<WhoAmI> {
        let me = self.me.recipient().to_owned();
        let (log, tables) = self.store.tables_logged(self.trust.head_seq()).await?;
        self.trust.advance(log)?;
        let state = self.trust.state();
        let member = state.members.get(&me).map(|m| MemberRecord {
            recipient: m.recipient.clone(),
            name: m.name.clone(),
            added_at: None,
            added_by: (m.added_at > 0).then(|| m.added_by.clone()),
        });
        let added_by_name = member
            .as_ref()
            .and_then(|m| m.added_by.as_ref())
            .and_then(|by| state.members.get(by))
            .map(|m| m.name.clone());
        let added_at = self.store.member(&me).await?.and_then(|m| m.added_at);
        let current = state.current.id;
        let (_, altered) = self.trust.plan_repair(&tables);
        Ok(WhoAmI {
            member: member.map(|m| MemberRecord { added_at, ..m }),
            added_by_name,
            current_key: Some(current),
            holds_current_key: tables.grants.iter().any(|(k, r)| *k == current && *r == me),
            fingerprint: self.trust.fingerprint(),
            member_line: self.me.member_line()?.to_string(),
            altered,
        })
    }
}

/// The member named `who` in the verified log (a name, or a recipient in
/// any accepted spelling, or a member line).
pub fn find_member(state: &TrustState, who: &str) -> Result<MemberRecord> {
    let by_name = name::member(who).ok();
    let by_recipient = seal::parse_member_recipient(who)
        .ok()
        .map(|r| r.canonical)
        .or_else(|| MemberLine::parse(who).ok().map(|l| l.recipient));
    state
        .members
        .values()
        .find(|m| {
            by_name.as_deref() == Some(m.name.as_str())
                || by_recipient.as_deref() == Some(m.recipient.as_str())
        })
        .map(|m| MemberRecord {
            recipient: m.recipient.clone(),
            name: m.name.clone(),
            added_at: None,
            added_by: Some(m.added_by.clone()),
        })
        .ok_or_else(|| {
            let shown = match &by_recipient {
                Some(r) => store::short_recipient(r),
                None => name::escape(who),
            };
            Error::not_found(format!("no member {shown}")).hint("see `vault member ls`")
        })
}

/// Other members kept changing the log while this command tried to append.
fn log_busy() -> Error {
    crate::trusted::log_busy("run the command again; nothing was changed")
}

/// When no `--name` is given: an SSH key's comment if it makes a valid
/// name, else the start of the recipient.
fn default_name(recipient: &str, comment: Option<&str>) -> Result<String> {
    if let Some(n) = comment.and_then(|c| name::member(c).ok()) {
        return Ok(n);
    }
    let short: String = match recipient.split_once(' ') {
        Some((kind, key)) => format!("{kind}-{}", &key[key.len().saturating_sub(8)..]),
        None => recipient.chars().take(16).collect(),
    };
    name::member(&short.replace(['+', '/', '='], ""))
}

/// Seals grants for a new member inside the store's transaction, of the
/// keys the verified log has in use (a key the table alone calls current
/// or retiring is refused, never granted).
struct MemberGranter<'a> {
    me: &'a crate::seal::Personal,
    trust: &'a crate::trusted::Trust,
    to: &'a (dyn age::Recipient + Send + Sync),
    granted: RefCell<Vec<Uuid>>,
    skipped: RefCell<Vec<Uuid>>,
}

impl Granter for MemberGranter<'_> {
    fn grant(&self, current: &KeyRecord, retiring: &[KeyRecord]) -> Result<Vec<(Uuid, String)>> {
        let key = crate::vault::open_current(self.trust, self.me, current, Need::Manage("add members"))?;
        let mut out = vec![(key.id(), key.grant_to(self.to)?)];
        for k in retiring {
            if k.grant.is_none() {
                self.skipped.borrow_mut().push(k.id);
                continue;
            }
            let key = crate::vault::open_retiring(self.trust, self.me, k, Need::Manage("grant it"))?;
            out.push((key.id(), key.grant_to(self.to)?));
        }
        *self.granted.borrow_mut() = out.iter().map(|(id, _)| *id).collect();
        Ok(out)
    }
}

/// RFC 3339 with seconds, for listings.
pub fn timestamp(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
