//! The store's transactions, driven in process on both backends, for the
//! branches that the binary reaches only by timing: a key switch whose log
//! entry lost the race to another member's (nothing written), a put that loses the race
//! to create a name (and one that keeps losing), and retirement refused for
//! a key still in use.

use std::sync::atomic::{AtomicUsize, Ordering};

use uuid::Uuid;
use vault::error::Kind;
use vault::seal::{Binding, Need, Personal, VaultKey};
use vault::store::{KeyRecord, Logged, PutItem, PutMode, SealedVersion, Sealer, Slot, Store, VersionMeta};

use crate::both;
use crate::harness::{Backend, Env};

both!(
    switch_key_writes_nothing_when_the_log_moved_on,
    retire_key_refuses_a_key_still_in_use,
);

#[test]
fn put_retries_a_lost_name_race_postgres() {
    put_retries_a_lost_name_race(&Env::new(Backend::Postgres));
}

#[test]
fn put_gives_up_after_losing_every_race_postgres() {
    put_gives_up_after_losing_every_race(&Env::new(Backend::Postgres));
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

async fn open(env: &Env) -> Store {
    let url = vault::DbUrl::parse(&env.url()).unwrap();
    let opts = vault::store::OpenOptions {
        create: false,
        read_only: false,
        timeout: std::time::Duration::from_secs(5),
        schema: "vault".into(),
    };
    let mut store = vault::store::open(&url, opts).await.unwrap();
    store.check_schema().await.unwrap();
    store
}

fn me(env: &Env) -> Personal {
    let bytes = std::fs::read(env.identity_path()).unwrap();
    Personal::parse(&bytes, "identity").unwrap()
}

fn switch_key_writes_nothing_when_the_log_moved_on(env: &Env) {
    env.init();
    env.put("a", b"before");
    let me = me(env);
    runtime().block_on(async {
        let mut store = open(env).await;
        let current = store.current_key(me.recipient()).await.unwrap().unwrap();
        let new = VaultKey::generate();
        let grants = [(me.recipient().to_owned(), "grant".to_owned())];
        // Seq 0 is taken (the genesis entry): another member appended
        // first, so the switch must write nothing at all and say so.
        let done = store
            .switch_key(current.id, new.key.id(), &new.recipient, &grants, (0, b"entry"))
            .await
            .unwrap();
        assert_eq!(done, Logged::Stale);
        let after = store.current_key(me.recipient()).await.unwrap().unwrap();
        assert_eq!(after.id, current.id, "the current key changed");
        let state = store.rotation_state(me.recipient()).await.unwrap();
        assert_eq!(state.keys.len(), 1, "a key was stored");
        assert_eq!(store.log_from(0).await.unwrap().len(), 1, "an entry was appended");
        // A switch from a key that is not current is a conflict.
        let err = store
            .switch_key(
                Uuid::new_v4(),
                new.key.id(),
                &new.recipient,
                &grants,
                (1, b"entry"),
            )
            .await
            .err()
            .unwrap();
        assert_eq!(err.kind, Kind::Conflict);
        assert_eq!(store.log_from(0).await.unwrap().len(), 1, "an entry was appended");
    });
    assert_eq!(env.get("a"), b"before");
}

fn retire_key_refuses_a_key_still_in_use(env: &Env) {
    env.init();
    env.put("a", b"kept");
    let me = me(env);
    runtime().block_on(async {
        let mut store = open(env).await;
        let current = store.current_key(me.recipient()).await.unwrap().unwrap();
        assert_eq!(
            store.retire_key(current.id, (1, b"entry")).await.unwrap(),
            Logged::Done(false),
            "a key sealing a secret was retired"
        );
        // Nothing changed: the grant is still there and opens the key, and
        // no entry was appended.
        let again = store.current_key(me.recipient()).await.unwrap().unwrap();
        assert_eq!(again.id, current.id);
        assert!(again.grant.is_some(), "the grant of a key in use was deleted");
        assert_eq!(store.log_from(0).await.unwrap().len(), 1, "an entry was appended");
    });
    assert_eq!(env.get("a"), b"kept");
}

/// Seals like the core does, but first lets another `vault put` create the
/// name of item `race_on(attempt)` and commit, inside our transaction's
/// window between looking names up and inserting them.
struct RacingSealer<'a> {
    env: &'a Env,
    me: &'a Personal,
    names: &'a [String],
    value: &'a [u8],
    attempts: AtomicUsize,
    race_on: fn(usize) -> Option<usize>,
}

impl Sealer for RacingSealer<'_> {
    fn seal(&self, key: &KeyRecord, slots: &[Slot<'_>]) -> vault::error::Result<Vec<(Uuid, SealedVersion)>> {
        let attempt = self.attempts.fetch_add(1, Ordering::SeqCst);
        if let Some(i) = (self.race_on)(attempt) {
            self.env.put(&self.names[i], b"the other writer");
        }
        let vk = VaultKey::open_own(key, self.me, Need::Write)?;
        slots
            .iter()
            .map(|s| {
                let sealed = vk.seal(
                    Binding {
                        id: s.id,
                        name: s.name,
                    },
                    self.value,
                )?;
                // Unsigned metadata: these stories test the store's races,
                // not authorship (the store writes what it is given).
                let meta = VersionMeta {
                    version: s.version,
                    written_at: 0,
                    author: String::new(),
                    statement: None,
                    sig: None,
                };
                Ok((s.id, SealedVersion { sealed, meta }))
            })
            .collect()
    }
}

fn items(names: &[String]) -> Vec<PutItem> {
    names
        .iter()
        .map(|n| PutItem {
            name: n.clone(),
            description: None,
        })
        .collect()
}

fn put_retries_a_lost_name_race(env: &Env) {
    env.init();
    let me = me(env);
    let names = vec!["raced".to_owned()];
    let sealer = RacingSealer {
        env,
        me: &me,
        names: &names,
        value: b"ours",
        attempts: AtomicUsize::new(0),
        race_on: |attempt| (attempt == 0).then_some(0),
    };
    let done = runtime().block_on(async {
        let mut store = open(env).await;
        store
            .put(&items(&names), PutMode::Upsert, me.recipient(), &sealer)
            .await
            .unwrap()
    });
    assert_eq!(
        sealer.attempts.load(Ordering::SeqCst),
        2,
        "the lost race was not retried once"
    );
    assert!(
        !done[0].created,
        "the retry should update the row the other writer made"
    );
    assert_eq!(env.get("raced"), b"ours");
}

fn put_gives_up_after_losing_every_race(env: &Env) {
    env.init();
    let me = me(env);
    let names: Vec<String> = (0..12).map(|i| format!("raced/{i:02}")).collect();
    let sealer = RacingSealer {
        env,
        me: &me,
        names: &names,
        value: b"ours",
        attempts: AtomicUsize::new(0),
        // Every attempt, another writer creates one more of our new names.
        race_on: Some,
    };
    let err = runtime().block_on(async {
        let mut store = open(env).await;
        store
            .put(&items(&names), PutMode::Upsert, me.recipient(), &sealer)
            .await
            .err()
            .unwrap()
    });
    assert_eq!(err.kind, Kind::Conflict);
    assert!(err.to_string().contains("kept writing the same names"), "{err}");
    assert_eq!(sealer.attempts.load(Ordering::SeqCst), 10);
    // All or nothing: ours wrote none; the other writer's ten stand.
    assert_eq!(env.get("raced/00"), b"the other writer");
    env.vault(&["get", "raced/11"])
        .fails(3, "no secret named \"raced/11\"");
}
