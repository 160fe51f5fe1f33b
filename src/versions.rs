//! The core of versions: a secret's history, earlier values, check-and-set
//! reads, `restore`, `mv`, `cp` and the vault's log of who did what.
//!
//! What is verified, and against what, is described in [`crate::history`].
//! Here: every version a command shows or opens is checked, and anything
//! the database altered is refused (exit 6), never shown as genuine.

use std::collections::HashMap;

use rayon::prelude::*;
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::history::{
    Author, Op, Recorded, Statement, check_author, check_opened, digest, new_salt, refused,
};
use crate::model::{GotRow, Rewrite, RewriteKind, SealedVersion, Value, VersionMeta, VersionRow, Versions};
use crate::name;
use crate::seal::{Binding, Need, Opened, VaultKey};
use crate::trust::{Body, TrustState};
use crate::vault::{Index, Vault};

/// How many times a whole-secret write is tried when another writer
/// changed the secret (or a rotation the key) between reading and writing.
const RETRIES: usize = 5;

/// A value as read, with the version it is and who wrote it.
pub struct Got {
    pub value: Value,
    pub version: u64,
    pub author: Author,
    pub key_id: Option<Uuid>,
}

/// One version as `vault history` shows it (never its value).
#[derive(Clone, Debug)]
pub struct HistoryEntry {
    pub version: u64,
    /// Unix seconds: the signed time, or the row's for unsigned versions.
    pub time: i64,
    pub author: Author,
    /// What the write was (`None`: written before signed versions).
    pub op: Option<Op>,
    /// restore: the version brought back; cp: the source; mv: the old version.
    pub from: Option<(Uuid, u64)>,
    /// The log position it was written at (signed versions).
    pub seq: Option<u64>,
    pub key_id: Option<Uuid>,
    pub current: bool,
    /// The name the author wrote, when it is not the secret's name now.
    pub written_as: Option<String>,
    /// Why the version was refused (altered in the database), if it was.
    pub problem: Option<String>,
}

/// A secret's history, newest first.
pub struct History {
    pub name: String,
    pub secret_id: Uuid,
    /// False: the secret was removed and is kept for `vault restore`.
    pub live: bool,
    pub removed_at: Option<i64>,
    pub entries: Vec<HistoryEntry>,
}

impl History {
    /// Every refused version, in words.
    pub fn problems(&self) -> Vec<String> {
        self.entries
            .iter()
            .filter_map(|e| {
                e.problem
                    .as_ref()
                    .map(|p| format!("version {} of {}: {p}", e.version, name::escape(&self.name)))
            })
            .collect()
    }
}

/// One line of `vault log`.
#[derive(Clone, Debug)]
pub enum LogEvent {
    /// An entry of the signed membership and key log.
    Entry {
        seq: u64,
        time: i64,
        /// The author's name as the log knows them, and recipient.
        author: (String, String),
        what: String,
    },
    /// A version written.
    Write { secret: String, entry: HistoryEntry },
    /// A secret removed (kept for restore; not signed: `rm` needs no identity).
    Removed { secret: String, time: i64 },
}

impl LogEvent {
    pub fn time(&self) -> i64 {
        match self {
            LogEvent::Entry { time, .. } | LogEvent::Removed { time, .. } => *time,
            LogEvent::Write { entry, .. } => entry.time,
        }
    }

    /// Orders events of the same second: by log position (a write made at
    /// position k came after entry k), then writes after entries, then by
    /// version; removals last.
    fn order(&self) -> (i64, u64, u8, u64) {
        match self {
            LogEvent::Entry { seq, time, .. } => (*time, *seq, 0, 0),
            LogEvent::Write { entry, .. } => (entry.time, entry.seq.unwrap_or(0), 1, entry.version),
            LogEvent::Removed { time, .. } => (*time, u64::MAX, 2, 0),
        }
    }
}

/// What `restore`, `mv` and `cp` did.
pub struct Rewritten {
    pub name: String,
    pub version: u64,
    /// restore: the version brought back; mv/cp: the source's newest.
    pub from_version: u64,
    /// restore of a removed secret.
    pub revived: bool,
}

/// Checks the current value of a secret (opened) against its version
/// record: the same statement, the same version, the value the author
/// signed, and a signature by the author the statement names.
pub(crate) fn check_current(state: &TrustState, got: &GotRow, opened: Opened, shown: &str) -> Result<Got> {
    let what = format!("secret {}", name::escape(shown));
    let key_id = got.row.key_id;
    let record = match got.versions.as_slice() {
        [] => None,
        [one] => Some(one),
        _ => return Err(refused(&what, "it has more than one current version record")),
    };
    match (&opened.version, record) {
        (None, None) => Ok(Got {
            value: opened.value,
            version: 1,
            author: Author::Unsigned,
            key_id,
        }),
        (None, Some(r)) if r.statement.is_none() && r.sig.is_none() => Ok(Got {
            value: opened.value,
            version: r.version,
            author: Author::Unsigned,
            key_id,
        }),
        (None, Some(_)) => Err(refused(
            &what,
            "its value carries no statement, but its version record is signed (rolled back?)",
        )),
        (Some(_), None) => Err(refused(&what, "its version record is missing")),
        (Some(h), Some(r)) => {
            let recorded = Recorded {
                statement: r.statement.as_deref(),
                sig: r.sig.as_deref(),
                secret: got.row.id,
                version: r.version,
                copied: false,
            };
            let s = check_opened(h, &opened.value, &recorded, &what)?;
            let author = check_author(state, &s, &h.statement, &h.sig, &what)?;
            Ok(Got {
                value: opened.value,
                version: r.version,
                author,
                key_id,
            })
        }
    }
}

/// Whether version `v` of a secret may carry a statement about another
/// secret: a later `cp` version of this secret vouches for the copy.
fn copied(rows: &[VersionRow], secret: Uuid, v: u64) -> bool {
    rows.iter().any(|r| {
        r.meta.version > v
            && r.meta
                .statement
                .as_deref()
                .and_then(Statement::decode)
                .is_some_and(|s| s.op == Op::Cp && s.secret == secret)
    })
}

/// Verifies one version row (no value): its statement's coordinates and
/// its author's signature.
fn verify_row(state: &TrustState, rows: &[VersionRow], row: &VersionRow, shown: &str) -> HistoryEntry {
    let mut e = HistoryEntry {
        version: row.meta.version,
        time: row.meta.written_at,
        author: Author::Unsigned,
        op: None,
        from: None,
        seq: None,
        key_id: row.key_id,
        current: row.current,
        written_as: None,
        problem: None,
    };
    let (Some(bytes), Some(sig)) = (row.meta.statement.as_deref(), row.meta.sig.as_deref()) else {
        if row.meta.statement.is_some() || row.meta.sig.is_some() {
            e.problem = Some("its statement or signature is missing".into());
        }
        return e;
    };
    let Some(s) = Statement::decode(bytes) else {
        e.problem = Some("its signed statement cannot be read".into());
        return e;
    };
    e.time = s.time;
    e.op = Some(s.op);
    e.from = s.from;
    e.seq = Some(s.seq);
    if s.name != shown {
        e.written_as = Some(s.name.clone());
    }
    let what = format!("version {} of {}", row.meta.version, name::escape(shown));
    let problem = if s.version != row.meta.version {
        Some(format!("it was signed as version {} (renumbered)", s.version))
    } else if s.author != row.meta.author {
        Some("its author column is not the signed author (re-attributed)".into())
    } else if s.secret != row.secret_id && !copied(rows, row.secret_id, row.meta.version) {
        Some("it was signed for another secret (moved)".into())
    } else {
        match check_author(state, &s, bytes, sig, &what) {
            Ok(a) => {
                e.author = a;
                None
            }
            Err(err) => Some(
                err.message()
                    .trim_start_matches(&format!("{what} was refused: "))
                    .to_owned(),
            ),
        }
    };
    if problem.is_some() {
        e.author = Author::Unknown {
            recipient: s.author.clone(),
        };
    }
    e.problem = problem;
    e
}

fn verify_rows(state: &TrustState, rows: &[VersionRow], shown: &str) -> Vec<HistoryEntry> {
    if rows.len() < 16 {
        rows.iter().map(|r| verify_row(state, rows, r, shown)).collect()
    } else {
        rows.par_iter()
            .map(|r| verify_row(state, rows, r, shown))
            .collect()
    }
}

fn no_version(name: &str, v: u64, rows: &[VersionRow]) -> Error {
    let kept = match (rows.last(), rows.first()) {
        (Some(lo), Some(hi)) if lo.meta.version != hi.meta.version => {
            format!("versions {} to {} are kept", lo.meta.version, hi.meta.version)
        }
        (Some(only), _) => format!("only version {} is kept", only.meta.version),
        _ => "no version is kept".into(),
    };
    Error::not_found(format!("{} has no version {v}; {kept}", name::escape(name)))
        .hint(format!("see `vault history {}`", name::escape(name)))
}

impl Index {
    /// A secret's history (live, or removed and kept), newest first, each
    /// version's authorship verified against the log. Versions the database
    /// altered are listed with why ([`History::problems`]).
    pub async fn history(&mut self, name: &str) -> Result<History> {
        // `open_index` verified the log up to its head just now.
        let (store, trust) = self.parts()?;
        let vs = store
            .versions(name)
            .await?
            .ok_or_else(|| crate::store::not_found(&[name]))?;
        let entries = verify_rows(trust.state(), &vs.rows, name);
        Ok(History {
            name: name.to_owned(),
            secret_id: vs.secret_id,
            live: vs.live,
            removed_at: vs.rows.first().and_then(|r| r.removed_at),
            entries,
        })
    }

    /// The vault's log, newest first: the verified membership and key
    /// changes merged with every write (or only the writes of `name`), at
    /// most `limit` lines. Returns the refused writes beside.
    pub async fn log(
        &mut self,
        only: Option<&str>,
        limit: Option<usize>,
    ) -> Result<(Vec<LogEvent>, Vec<String>)> {
        let (store, trust) = self.parts()?;
        let entries = trust.full_log(store).await?;
        let state = trust.state();
        let who = |recipient: &str| -> (String, String) {
            let name = state
                .known_member(recipient)
                .next()
                .map(|m| m.name.clone())
                .unwrap_or_else(|| "(unknown)".into());
            (name, recipient.to_owned())
        };
        let mut events = Vec::new();
        if only.is_none() {
            for e in &entries {
                let entry = &e.entry;
                let what = match &entry.body {
                    Body::Genesis { founder, key, .. } => format!(
                        "founded the vault with member {} and key {}",
                        name::escape(&founder.name),
                        key.id
                    ),
                    Body::MemberAdded(m) => format!(
                        "added member {} ({})",
                        name::escape(&m.name),
                        crate::store::short_recipient(&m.recipient)
                    ),
                    Body::MemberRemoved { recipient } => {
                        let (n, _) = who(recipient);
                        format!(
                            "removed member {} ({})",
                            name::escape(&n),
                            crate::store::short_recipient(recipient)
                        )
                    }
                    Body::KeyCurrent { key, epoch } => format!("made key {} current (epoch {epoch})", key.id),
                    Body::KeyRetired { key_id } => format!("retired key {key_id}"),
                };
                events.push(LogEvent::Entry {
                    seq: entry.seq,
                    time: entry.time,
                    author: who(&entry.author),
                    what,
                });
            }
        }
        // Versions are grouped by secret to check copies against their cp.
        let mut rows: Vec<VersionRow> = Vec::new();
        store
            .all_versions(only, &mut |r| {
                rows.push(r);
                Ok(())
            })
            .await?;
        let mut by_secret: HashMap<Uuid, Vec<VersionRow>> = HashMap::new();
        for r in rows {
            by_secret.entry(r.secret_id).or_default().push(r);
        }
        let mut problems = Vec::new();
        for (_, mut list) in by_secret {
            list.sort_by_key(|r| std::cmp::Reverse(r.meta.version));
            let shown = list[0].name.clone();
            if let Some(at) = list[0].removed_at {
                events.push(LogEvent::Removed {
                    secret: shown.clone(),
                    time: at,
                });
            }
            for entry in verify_rows(trust.state(), &list, &shown) {
                if let Some(p) = &entry.problem {
                    problems.push(format!(
                        "version {} of {}: {p}",
                        entry.version,
                        name::escape(&shown)
                    ));
                }
                events.push(LogEvent::Write {
                    secret: shown.clone(),
                    entry,
                });
            }
        }
        events.sort_by_key(|e| std::cmp::Reverse(e.order()));
        if let Some(n) = limit {
            events.truncate(n);
        }
        problems.sort();
        Ok((events, problems))
    }
}

impl Vault {
    /// The versions of `name` (live, or removed and kept), read after the
    /// log is brought up to its head.
    async fn versions_now(&mut self, name: &str) -> Result<Versions> {
        self.refresh().await?;
        self.store
            .versions(name)
            .await?
            .ok_or_else(|| crate::store::not_found(&[name]))
    }

    /// An earlier (or the current) value of a secret, verified exactly like
    /// the current one: bound to the secret, the version its author signed,
    /// the value whose digest they signed.
    pub async fn get_version(&mut self, name: &str, version: u64) -> Result<Got> {
        let vs = self.versions_now(name).await?;
        let row = vs
            .rows
            .iter()
            .find(|r| r.meta.version == version)
            .ok_or_else(|| no_version(name, version, &vs.rows))?;
        if row.current && row.meta.statement.is_none() {
            return self.get_current(name).await;
        }
        let mut opened = self.open_versions(&vs, name, Some(version)).await?;
        let (_, opened, author) = opened.pop().ok_or_else(|| no_version(name, version, &vs.rows))?;
        Ok(Got {
            value: opened.value,
            version,
            author,
            key_id: row.key_id,
        })
    }

    /// Opens versions of a secret (one, or all), oldest first, each checked
    /// against its row. A secret written before versions yields its row.
    async fn open_versions(
        &mut self,
        vs: &Versions,
        name: &str,
        only: Option<u64>,
    ) -> Result<Vec<(VersionRow, Opened, Author)>> {
        let me = self.me.recipient().to_owned();
        let mut sealed = self.store.versions_sealed(vs.secret_id, only, &me).await?;
        if sealed.is_empty() && only.is_none_or(|v| v == 1) && vs.live {
            // Written before versions: version 1 is the secrets row.
            if let Some(g) = self.store.get(name, &me).await?
                && g.versions.is_empty()
            {
                sealed.push((1, g.row, g.key));
            }
        }
        let mut keys: HashMap<Uuid, VaultKey> = HashMap::new();
        let mut out = Vec::with_capacity(sealed.len());
        for (version, row, key) in sealed {
            let meta_row = vs
                .rows
                .iter()
                .find(|r| r.meta.version == version)
                .ok_or_else(|| no_version(name, version, &vs.rows))?;
            let what = format!("version {version} of {}", name::escape(name));
            let key_id = row.key_id.ok_or_else(|| refused(&what, "it has no key id"))?;
            if let std::collections::hash_map::Entry::Vacant(slot) = keys.entry(key_id) {
                slot.insert(self.open_key(name, Some(key_id), key.as_ref())?);
            }
            let opened = keys[&key_id].open_sealed(&row)?;
            let author = match &opened.version {
                None if meta_row.meta.statement.is_none() => Author::Unsigned,
                None => {
                    return Err(refused(
                        &what,
                        "its value carries no statement, but one is recorded",
                    ));
                }
                Some(h) => {
                    let recorded = Recorded {
                        statement: meta_row.meta.statement.as_deref(),
                        sig: meta_row.meta.sig.as_deref(),
                        secret: vs.secret_id,
                        version,
                        copied: copied(&vs.rows, vs.secret_id, version),
                    };
                    let s = check_opened(h, &opened.value, &recorded, &what)?;
                    check_author(self.trust.state(), &s, &h.statement, &h.sig, &what)?
                }
            };
            out.push((meta_row.clone(), opened, author));
        }
        Ok(out)
    }

    /// Writes an earlier value of `name` as its new version (history is
    /// never rewritten). A removed secret comes back (its newest value, or
    /// `version`); a live one needs `version`.
    pub async fn restore(&mut self, name: &str, version: Option<u64>) -> Result<Rewritten> {
        for _ in 0..RETRIES {
            let vs = self.versions_now(name).await?;
            if vs.live && version.is_none() {
                return Err(Error::usage(format!(
                    "{} exists; say which earlier value to bring back with --version N",
                    name::escape(name)
                ))
                .hint(format!("see `vault history {}`", name::escape(name))));
            }
            let newest = vs.rows[0].meta.version;
            let k = version.unwrap_or(newest);
            if !vs.rows.iter().any(|r| r.meta.version == k) {
                return Err(no_version(name, k, &vs.rows));
            }
            let (_, opened, _) = self
                .open_versions(&vs, name, Some(k))
                .await?
                .pop()
                .ok_or_else(|| no_version(name, k, &vs.rows))?;
            let target = if vs.live {
                name.to_owned()
            } else {
                vs.rows[0].name.clone()
            };
            let salt = match &opened.version {
                Some(h) => h.salt,
                None => new_salt()?,
            };
            let key = self.current_key_open().await?;
            let current = self.seal_new_with(
                &key,
                vs.secret_id,
                &target,
                newest + 1,
                Op::Restore,
                Some((vs.secret_id, k)),
                salt,
                &opened.value,
            )?;
            let rewrite = Rewrite {
                key: key.id(),
                source: vs.secret_id,
                source_version: source_version(&vs),
                target: vs.secret_id,
                name: target.clone(),
                description: vs.description.clone(),
                kind: if vs.live {
                    RewriteKind::Restore
                } else {
                    RewriteKind::Revive
                },
                current,
                history: Vec::new(),
            };
            if self.store.rewrite(&rewrite).await? {
                return Ok(Rewritten {
                    name: target,
                    version: newest + 1,
                    from_version: k,
                    revived: !vs.live,
                });
            }
        }
        Err(changing(name))
    }

    /// Renames a secret (`copy`: false) or copies it under a new name with
    /// its history (`copy`: true). Every version is re-sealed for the new
    /// name (names are bound into sealed values); the authors' statements
    /// travel unchanged, and the mover signs the new version.
    pub async fn move_or_copy(&mut self, from: &str, to: &str, copy: bool) -> Result<Rewritten> {
        if from == to {
            return Err(Error::usage(format!(
                "{} is both the source and the destination",
                name::escape(from)
            ))
            .hint("give two different names"));
        }
        for _ in 0..RETRIES {
            self.refresh().await?;
            let vs = match self.store.versions(from).await? {
                Some(vs) if vs.live => vs,
                _ => return Err(crate::store::not_found(&[from])),
            };
            let all = self.open_versions(&vs, from, None).await?;
            let (_, newest_open, _) = all.last().ok_or_else(|| crate::store::not_found(&[from]))?;
            let newest = vs.rows[0].meta.version;
            let target = if copy { Uuid::new_v4() } else { vs.secret_id };
            let salt = match &newest_open.version {
                Some(h) => h.salt,
                None => new_salt()?,
            };
            let (op, made_from) = if copy {
                (Op::Cp, Some((vs.secret_id, newest)))
            } else {
                (Op::Mv, Some((vs.secret_id, newest)))
            };
            let key_open = self.current_key_open().await?;
            let current = self.seal_new_with(
                &key_open,
                target,
                to,
                newest + 1,
                op,
                made_from,
                salt,
                &newest_open.value,
            )?;
            let history = all
                .iter()
                .map(|(row, opened, _)| {
                    Ok(SealedVersion {
                        sealed: key_open.reseal(Binding { id: target, name: to }, opened)?,
                        meta: row.meta.clone(),
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            let rewrite = Rewrite {
                key: key_open.id(),
                source: vs.secret_id,
                source_version: source_version(&vs),
                target,
                name: to.to_owned(),
                description: vs.description.clone(),
                kind: if copy {
                    RewriteKind::Copy
                } else {
                    RewriteKind::Move
                },
                current,
                history,
            };
            if self.store.rewrite(&rewrite).await? {
                return Ok(Rewritten {
                    name: to.to_owned(),
                    version: newest + 1,
                    from_version: newest,
                    revived: false,
                });
            }
        }
        Err(changing(from))
    }

    /// This member's copy of the current key, opened for writing.
    async fn current_key_open(&mut self) -> Result<VaultKey> {
        let me = self.me.recipient().to_owned();
        let key = self
            .store
            .current_key(&me)
            .await?
            .ok_or_else(crate::store::no_key)?;
        self.open_current(&key, Need::Write)
    }

    /// Signs and seals a new version of secret `id` under `name` with the
    /// current key: (key id, the sealed version).
    #[allow(clippy::too_many_arguments)]
    fn seal_new_with(
        &self,
        key: &VaultKey,
        id: Uuid,
        name: &str,
        version: u64,
        op: Op,
        from: Option<(Uuid, u64)>,
        salt: [u8; crate::seal::SALT_LEN],
        value: &[u8],
    ) -> Result<SealedVersion> {
        let state = self.trust.state();
        let time = chrono::Utc::now().timestamp();
        let statement = Statement {
            vault: state.vault_id,
            secret: id,
            name: name.to_owned(),
            version,
            op,
            from,
            author: self.me.recipient().to_owned(),
            seq: state.head.seq,
            time,
            digest: digest(&salt, value),
        };
        let header = statement.sign(&self.me, salt)?;
        let sealed = key.seal_version(Binding { id, name }, &header, value)?;
        Ok(SealedVersion {
            sealed,
            meta: VersionMeta {
                version,
                written_at: time,
                author: self.me.recipient().to_owned(),
                statement: Some(header.statement),
                sig: Some(header.sig),
            },
        })
    }
}

/// The source's newest version row as the store counts it: 0 for a secret
/// written before versions (no row yet).
fn source_version(vs: &Versions) -> u64 {
    if vs.rows.len() == 1 && vs.rows[0].meta.statement.is_none() && vs.rows[0].current {
        // Made up from the secrets row when there is no version row.
        0
    } else {
        vs.rows[0].meta.version
    }
}

fn changing(name: &str) -> Error {
    Error::conflict(format!(
        "{} kept changing while it was written; nothing was changed",
        name::escape(name)
    ))
    .hint("try again")
}
