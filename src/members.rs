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
use crate::seal::{self, Need, Personal, VaultKey};
use crate::store::{self, Granter, KeyRecord, MemberInfo, MemberRecord};
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
}

impl Vault {
    /// Grants the current key (and any retiring key) to a new member.
    pub async fn add_member(&mut self, recipient: &str, label: Option<&str>) -> Result<Added> {
        let parsed = seal::parse_member_recipient(recipient)?;
        let name = match label {
            Some(l) => name::member(l)?,
            None => default_name(&parsed.canonical, parsed.comment.as_deref())?,
        };
        let member = MemberRecord {
            recipient: parsed.canonical.clone(),
            name,
            added_at: None,
            added_by: Some(self.me.recipient().to_owned()),
        };
        let granter = MemberGranter {
            me: &self.me,
            to: parsed.recipient.as_ref(),
            granted: RefCell::new(Vec::new()),
            skipped: RefCell::new(Vec::new()),
        };
        let adder = self.me.recipient().to_owned();
        self.store.add_member(&member, &adder, &granter).await?;
        Ok(Added {
            member,
            granted: granter.granted.into_inner(),
            skipped: granter.skipped.into_inner(),
        })
    }

    /// Removes a member (by name or recipient) and their grants, then (with
    /// `rotation`: batch size and progress) rotates the vault key so that
    /// nothing written or re-sealed later opens with their copy. One
    /// operation, so no caller can forget the rotation; `None` only removes.
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
        progress.note(&format!("removed {shown}; rotating the vault key"));
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

    /// The removal itself: checks that the caller can open the current key
    /// (which rotating afterwards needs), then deletes the member and grants.
    async fn remove_member_only(&mut self, who: &str) -> Result<MemberRecord> {
        let members = self.store.members().await?;
        let count = members.len();
        let target = find_member(members, who)?;
        if count == 1 {
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
        VaultKey::open_own(&current, &self.me, Need::Manage("remove members"))?;
        self.store.remove_member(&target.recipient).await?;
        Ok(target)
    }

    /// This identity's membership and access.
    pub async fn whoami(&mut self) -> Result<WhoAmI> {
        let me = self.me.recipient().to_owned();
        let member = self.store.member(&me).await?;
        let added_by_name = match member.as_ref().and_then(|m| m.added_by.clone()) {
            Some(by) => self.store.member(&by).await?.map(|m| m.name),
            None => None,
        };
        let current = self.store.current_key(&me).await?;
        Ok(WhoAmI {
            member,
            added_by_name,
            current_key: current.as_ref().map(|k| k.id),
            holds_current_key: current.is_some_and(|k| k.grant.is_some()),
        })
    }
}

/// The member named `who` (a name, or a recipient in any accepted spelling).
pub fn find_member(members: Vec<MemberInfo>, who: &str) -> Result<MemberRecord> {
    let by_name = name::member(who).ok();
    let by_recipient = seal::parse_member_recipient(who).ok().map(|r| r.canonical);
    members
        .into_iter()
        .map(|m| m.member)
        .find(|m| {
            by_name.as_deref() == Some(m.name.as_str())
                || by_recipient.as_deref() == Some(m.recipient.as_str())
        })
        .ok_or_else(|| {
            let shown = match &by_recipient {
                Some(r) => store::short_recipient(r),
                None => name::escape(who),
            };
            Error::not_found(format!("no member {shown}")).hint("see `vault member ls`")
        })
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

/// Seals grants for a new member inside the store's transaction.
struct MemberGranter<'a> {
    me: &'a Personal,
    to: &'a (dyn age::Recipient + Send + Sync),
    granted: RefCell<Vec<Uuid>>,
    skipped: RefCell<Vec<Uuid>>,
}

impl Granter for MemberGranter<'_> {
    fn grant(&self, current: &KeyRecord, retiring: &[KeyRecord]) -> Result<Vec<(Uuid, String)>> {
        let key = VaultKey::open_own(current, self.me, Need::Manage("add members"))?;
        let mut out = vec![(key.id(), key.grant_to(self.to)?)];
        for k in retiring {
            if k.grant.is_none() {
                self.skipped.borrow_mut().push(k.id);
                continue;
            }
            let key = VaultKey::open_own(k, self.me, Need::Manage("grant it"))?;
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
