//! The core: what each operation does, independent of the command line.
//!
//! A [`Vault`] is an open store plus the personal identity that opens its
//! keys. Commands call these methods and only format the results.

use std::collections::HashMap;

use rayon::prelude::*;
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::name;
use crate::seal::{Binding, Need, Personal, Sealed, SealedRow, VaultKey};
use crate::store::{KeyRecord, Meta, PutItem, PutMode, PutOutcome, Sealer, Slot, Store};

/// Below this many values, sealing or opening on one thread is faster than
/// handing work to the thread pool.
const PARALLEL_FROM: usize = 16;

/// What needs no identity: names and metadata, removal, the member list.
/// Names are not secret, so `ls`, `rm`, `member ls` and shell completion
/// work without unlocking anything, but still only through the core.
pub struct Index {
    store: Store,
}

impl Index {
    pub fn new(store: Store) -> Index {
        Index { store }
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

    /// Removes all the names, or none. Returns the names removed, sorted
    /// and each once.
    pub async fn remove(&mut self, names: &[String]) -> Result<Vec<String>> {
        let mut unique: Vec<String> = names.to_vec();
        unique.sort();
        unique.dedup();
        self.store.remove(&unique).await?;
        Ok(unique)
    }

    /// Every member, sorted by name.
    pub async fn members(&mut self) -> Result<Vec<crate::store::MemberInfo>> {
        self.store.members().await
    }
}

/// `vault init`'s core, in two steps so that a wrong URL leaves nothing
/// behind: [`Setup::migrate`] creates or upgrades the schema before any
/// identity exists, then [`Setup::join`] makes the first key with the
/// caller as founder, unless the vault already has one.
pub struct Setup {
    store: Store,
}

/// Where the caller stands after [`Setup::join`].
pub enum Joined {
    /// The vault was new: the caller founded it with this first key.
    Founded(Uuid),
    /// The vault exists and the caller holds its current key.
    Member(Uuid),
    /// The vault exists and the caller is not a member (yet).
    Outsider,
}

impl Setup {
    pub async fn migrate(mut store: Store) -> Result<Setup> {
        store.migrate().await?;
        Ok(Setup { store })
    }

    /// Creates the first vault key, granted to `me` as the founding member
    /// `name`, when the vault has no key; otherwise says where `me` stands.
    pub async fn join(mut self, me: &Personal, name: String) -> Result<Joined> {
        let new = VaultKey::generate();
        let grant = new
            .key
            .grant_to(crate::seal::parse_recipient(me.recipient())?.as_ref())?;
        let founder = crate::store::MemberRecord {
            recipient: me.recipient().to_owned(),
            name,
            added_at: None,
            added_by: None,
        };
        if self
            .store
            .bootstrap(&founder, new.key.id(), &new.recipient, &grant)
            .await?
        {
            return Ok(Joined::Founded(new.key.id()));
        }
        Ok(match self.store.current_key(me.recipient()).await? {
            Some(k) if k.grant.is_some() => Joined::Member(k.id),
            _ => Joined::Outsider,
        })
    }
}

/// An open store plus the personal identity that opens its keys. The
/// fields are the core's own: commands use the methods.
pub struct Vault {
    pub(crate) store: Store,
    pub(crate) me: Personal,
}

pub use crate::model::Value;

impl Vault {
    /// Opens the key a row refers to, telling "no such key" (the row was
    /// altered) apart from "you hold no copy of it" (no access).
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
        let Some(key) = key.filter(|k| k.id == key_id) else {
            return Err(Error::integrity(format!(
                "secret {shown} was refused: it names key {key_id}, which this vault does not hold"
            ))
            .hint("it was altered in the database, or its key was retired; restore the row from a backup"));
        };
        self.open_record(key)
    }

    fn open_record(&self, key: &KeyRecord) -> Result<VaultKey> {
        VaultKey::open_own(key, &self.me, Need::Read)
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

    /// The value of one secret, verified in full before it is returned.
    pub async fn get(&mut self, name: &str) -> Result<Value> {
        let (row, key) = self
            .store
            .get(name, self.me.recipient())
            .await?
            .ok_or_else(|| crate::store::not_found(&[name]))?;
        let vault_key = self.open_key(name, row.key_id, key.as_ref())?;
        vault_key.open(&row)
    }

    /// Writes values (create or replace) in one transaction.
    pub async fn put(&mut self, entries: Vec<(PutItem, Value)>, mode: PutMode) -> Result<Vec<PutOutcome>> {
        let mut seen = HashMap::new();
        for (item, value) in &entries {
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
        let (items, values): (Vec<PutItem>, Vec<Value>) = entries.into_iter().unzip();
        let recipient = self.me.recipient().to_owned();
        let sealer = ValueSealer {
            me: &self.me,
            values: &values,
        };
        self.store.put(&items, mode, &recipient, &sealer).await
    }

    /// Every secret (or those under `prefix`), opened: one query, each vault
    /// key opened once, values opened in parallel. All or nothing: one bad
    /// row fails the whole call, naming it.
    pub async fn open_all(&mut self, prefix: Option<&str>) -> Result<Vec<(String, Value)>> {
        let (rows, keys) = self.store.fetch_all(prefix, self.me.recipient()).await?;
        self.open_rows(&rows, &keys).await
    }

    /// Opens fetched rows: each vault key once, values in parallel.
    ///
    /// `keys` holds only the keys this identity has a grant for. A row whose
    /// key is not among them is looked up once more by name, so that a key
    /// id naming no key is integrity (exit 6, as for `get`) and a real key
    /// without a grant is no access (exit 5).
    async fn open_rows(&mut self, rows: &[SealedRow], keys: &[KeyRecord]) -> Result<Vec<(String, Value)>> {
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
                Some(rec) => self.open_record(rec)?,
                None => {
                    let looked_up = self.store.get(name, self.me.recipient()).await?;
                    let rec = looked_up.and_then(|(_, k)| k);
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
        let (rows, keys) = self.store.fetch_all(prefix, self.me.recipient()).await?;
        let rows: Vec<SealedRow> = rows
            .into_iter()
            .filter(|r| r.name.as_deref().is_some_and(|n| sel.matches(n)))
            .collect();
        let missing: Vec<&str> = sel
            .names
            .iter()
            .filter(|n| !rows.iter().any(|r| r.name.as_deref() == Some(n.as_str())))
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            return Err(crate::store::not_found(&missing));
        }
        self.open_rows(&rows, &keys).await
    }
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

/// Seals the values of a put once the store has chosen the key and row ids.
struct ValueSealer<'a> {
    me: &'a Personal,
    values: &'a [Value],
}

impl Sealer for ValueSealer<'_> {
    fn seal(&self, key: &KeyRecord, slots: &[Slot<'_>]) -> Result<Vec<(Uuid, Sealed)>> {
        let vault_key = VaultKey::open_own(key, self.me, Need::Write)?;
        // Each slot names the item whose value it receives, and each sealed
        // value carries the id of the row it is bound to: nothing is paired
        // by position, so a reordering anywhere cannot put A's value under B.
        let seal_one = |slot: &Slot<'_>| -> Result<(Uuid, Sealed)> {
            let value = self.values.get(slot.item).ok_or_else(|| {
                Error::internal(format!("no value was given for {}", name::escape(slot.name)))
            })?;
            let sealed = vault_key.seal(
                Binding {
                    id: slot.id,
                    name: slot.name,
                },
                value,
            )?;
            Ok((slot.id, sealed))
        };
        if slots.len() < PARALLEL_FROM {
            slots.iter().map(seal_one).collect()
        } else {
            slots.par_iter().map(seal_one).collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The store hands the sealer its slots in whatever order suits it;
    /// each value must still be sealed for (and only open as) its own row.
    #[test]
    fn sealer_pairs_values_with_their_rows_not_positions() {
        let (me, _) = Personal::generate();
        let new = VaultKey::generate();
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
            })
            .collect();
        let sealer = ValueSealer {
            me: &me,
            values: &values,
        };
        let sealed = sealer.seal(&key, &slots).unwrap();
        assert_eq!(sealed.len(), 3);
        for (id, s) in sealed {
            let slot = slots.iter().find(|s| s.id == id).unwrap();
            let row = SealedRow {
                id,
                name: Some(slot.name.to_owned()),
                secret: s.secret,
                key_id: Some(key.id),
                nonce: Some(s.nonce),
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
