//! `vault rotate`: the new key, the re-seal, retirement; crash safety (SIGKILL
//! at many points, a cut connection), concurrent writers, the rotation
//! mutex, refused identities and tampered rows.
//!
//! Large vaults are made through the library (`Vault::put` of many values in
//! one transaction) instead of thousands of `vault put` processes, and all
//! values are checked with `Vault::open_all` (the same verified open path the
//! binary uses); rotation itself is always the real binary.

use std::collections::BTreeMap;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use uuid::Uuid;
use vault::store::{PutItem, PutMode};
use zeroize::Zeroizing;

use crate::both;
use crate::db::{GrantRow, KeyRow, SecretRow};
use crate::harness::{Backend, Env};

both!(
    rotation_moves_everything_and_retires_the_old_key,
    empty_vault_is_a_noop,
    dry_run_changes_nothing,
    second_rotation_is_refused,
    identity_without_access_is_refused,
    tampered_row_is_reported_and_left_alone,
    killed_rotations_lose_nothing,
    concurrent_writers_are_never_stranded,
    back_to_back_rotations_see_every_row_once,
);

type Values = BTreeMap<String, Vec<u8>>;

fn value_for(i: usize, round: usize) -> Vec<u8> {
    let mut v = format!("value {i} round {round} ").into_bytes();
    v.extend(std::iter::repeat_n((i % 251) as u8, i % 40));
    v
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

async fn open_vault(env: &Env) -> vault::vault::Vault {
    vault::open_vault(&env.url(), "vault", &env.identity_path())
        .await
        .unwrap()
}

/// Stores `values` through the library, in transactions of 500.
fn populate(env: &Env, values: &Values) {
    runtime().block_on(async {
        let mut v = open_vault(env).await;
        let all: Vec<(&String, &Vec<u8>)> = values.iter().collect();
        for chunk in all.chunks(500) {
            let entries = chunk
                .iter()
                .map(|(n, val)| {
                    (
                        PutItem {
                            name: (*n).clone(),
                            description: None,
                        },
                        Zeroizing::new((*val).clone()),
                    )
                })
                .collect();
            v.put(entries, PutMode::Upsert, vault::history::Op::Import)
                .await
                .unwrap();
        }
    });
}

fn make_values(n: usize, round: usize) -> Values {
    (0..n)
        .map(|i| (format!("app/{i:05}"), value_for(i, round)))
        .collect()
}

/// Opens every secret (verified in full) and compares with `expected`.
fn assert_all_open(env: &Env, expected: &Values) {
    let got: Values = runtime().block_on(async {
        let mut v = open_vault(env).await;
        match v.open_all(None).await {
            Ok(all) => all.into_iter().map(|(n, val)| (n, val.to_vec())).collect(),
            Err(e) => panic!("a secret did not open: {e}"),
        }
    });
    assert_eq!(got.len(), expected.len(), "number of secrets");
    for (name, want) in expected {
        assert_eq!(got.get(name), Some(want), "value of {name}");
    }
}

/// (id, state, grants) of every key, oldest first.
fn keys(env: &Env) -> Vec<(Uuid, String, usize)> {
    let db = env.db();
    let grants = db.grants();
    db.keys()
        .into_iter()
        .map(|k| {
            let held = grants.iter().filter(|g| g.key_id == k.id).count();
            (k.id, k.state, held)
        })
        .collect()
}

fn current_key(env: &Env) -> Uuid {
    env.db().current_key()
}

/// How many secrets are sealed to each key id.
fn rows_per_key(env: &Env) -> BTreeMap<Uuid, usize> {
    let mut per_key = BTreeMap::new();
    for row in env.db().rows() {
        *per_key
            .entry(row.key_id.expect("a sealed row has a key id"))
            .or_default() += 1;
    }
    per_key
}

/// Everything vault stores about secrets and keys, for "nothing changed".
fn snapshot(env: &Env) -> (Vec<SecretRow>, Vec<KeyRow>, Vec<GrantRow>) {
    let db = env.db();
    (db.rows(), db.keys(), db.grants())
}

fn rotate_json(env: &Env) -> serde_json::Value {
    let out = env.vault(&["rotate", "--json"]).ok();
    serde_json::from_slice(&out.stdout).unwrap()
}

fn rotation_moves_everything_and_retires_the_old_key(env: &Env) {
    env.init();
    let mut values = make_values(40, 0);
    populate(env, &values);
    env.vault(&["put", "db/password", "-d", "primary"])
        .stdin(b"hunter2")
        .ok();
    values.insert("db/password".into(), b"hunter2".to_vec());
    let old = current_key(env);

    let out = env.vault(&["rotate"]).ok();
    let new = current_key(env);
    assert_ne!(old, new);
    assert_eq!(
        out.stderr,
        format!("rotated 41 secrets from key {old} to key {new}\nretired key {old}\n")
    );
    assert!(out.stdout.is_empty());
    assert_eq!(
        keys(env),
        [(old, "retired".into(), 0), (new, "current".into(), 1)]
    );
    let db = env.db();
    assert_eq!(
        db.keys()
            .iter()
            .filter(|k| k.state == "retired" && k.retired_at.is_some())
            .count(),
        1
    );
    assert_eq!(rows_per_key(env), BTreeMap::from([(new, 41)]));
    assert_eq!(env.get("db/password"), b"hunter2");
    assert_all_open(env, &values);
    // The description is untouched.
    assert_eq!(db.row("db/password").description, "primary");

    // Again, as JSON; writes keep working under the new key.
    let json = rotate_json(env);
    let newer = current_key(env);
    assert_eq!(
        json,
        serde_json::json!({
            "old_key": new.to_string(), "new_key": newer.to_string(), "moved": 41,
            "versions_moved": 0,
            "failed": [], "resumed": false, "retired": [new.to_string()], "dry_run": false
        })
    );
    assert_eq!(keys(env).len(), 3);
    env.put("db/password", b"again");
    assert_eq!(env.get("db/password"), b"again");
    assert_eq!(rows_per_key(env), BTreeMap::from([(newer, 41)]));
    // -q: silent.
    let quiet = env.vault(&["rotate", "-q"]).ok();
    assert!(quiet.stderr.is_empty() && quiet.stdout.is_empty());
}

/// Rotations one after another, in small batches, over a table whose pages
/// hold the dead rows of the last rotation and gaps left by removals: each
/// batch stays within the batch size, and every secret is looked at exactly
/// once per rotation (PostgreSQL walks the table by page, SQLite by id).
fn back_to_back_rotations_see_every_row_once(env: &Env) {
    env.init();
    let mut values = make_values(300, 0);
    populate(env, &values);
    for round in 0..3 {
        // Gaps: a few removed between rotations.
        let gone: Vec<String> = values.keys().step_by(37).cloned().collect();
        for name in &gone {
            env.vault(&["rm", name]).ok();
            values.remove(name);
        }
        let out = env
            .vault(&["-v", "rotate", "--json"])
            .env("VAULT_ROTATE_BATCH", "7")
            .ok();
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        // The values of removed secrets are kept as history, and moved too.
        let versions = json["versions_moved"].as_u64().unwrap() as usize;
        assert_eq!(
            json["moved"].as_u64().unwrap() as usize,
            values.len(),
            "round {round}"
        );
        let batches: Vec<usize> = out
            .stderr
            .lines()
            .filter_map(|l| l.strip_prefix("vault: re-sealed a batch of "))
            .map(|l| l.split(' ').next().unwrap().parse().unwrap())
            .collect();
        // (The pass over earlier versions ends with an empty batch.)
        assert!(batches.iter().all(|&n| n <= 7), "round {round}: {batches:?}");
        assert_eq!(
            batches.iter().sum::<usize>(),
            values.len() + versions,
            "round {round}"
        );
        let current = current_key(env);
        assert_eq!(rows_per_key(env), BTreeMap::from([(current, values.len())]));
        assert!(
            keys(env)
                .iter()
                .all(|(id, state, _)| *id == current || state == "retired")
        );
    }
    assert_all_open(env, &values);
}

fn empty_vault_is_a_noop(env: &Env) {
    env.init();
    let before = snapshot(env);
    let key = current_key(env);
    let out = env.vault(&["rotate"]).ok();
    assert_eq!(
        out.stderr,
        format!("nothing to rotate: the vault holds no secrets (key {key} stays current)\n")
    );
    let dry = env.vault(&["rotate", "--dry-run"]).ok();
    assert!(
        dry.stdout_str().starts_with("nothing to rotate"),
        "{}",
        dry.stdout_str()
    );
    let json = rotate_json(env);
    assert_eq!(json["moved"], 0);
    assert_eq!(json["new_key"], serde_json::Value::Null);
    assert_eq!(snapshot(env), before);
}

fn dry_run_changes_nothing(env: &Env) {
    env.init();
    populate(env, &make_values(20, 0));
    let key = current_key(env);
    let before = snapshot(env);
    let out = env.vault(&["rotate", "--dry-run"]).ok();
    assert_eq!(
        out.stdout_str(),
        format!(
            "current key: {key}\nwould re-seal 20 secrets to a new key and retire key {key}\n\
             the new key would be granted to: tester\n"
        )
    );
    let json: serde_json::Value =
        serde_json::from_slice(&env.vault(&["rotate", "--dry-run", "--json"]).ok().stdout).unwrap();
    assert_eq!(json["dry_run"], true);
    assert_eq!(json["moved"], 20);
    assert_eq!(json["old_key"], key.to_string());
    assert_eq!(snapshot(env), before);
}

fn second_rotation_is_refused(env: &Env) {
    env.init();
    populate(env, &make_values(5, 0));
    let before = snapshot(env);
    let held = env.db().hold_rotation_mutex();
    env.vault(&["rotate"])
        .fails(4, "another `vault rotate` is running on this vault");
    assert_eq!(snapshot(env), before);
    // A dry run only reads: it is not blocked.
    env.vault(&["rotate", "--dry-run"]).ok();
    // Writers are not blocked by the mutex either.
    env.put("other", b"x");
    drop(held);
    env.vault(&["rotate"]).ok();
    assert_eq!(keys(env).len(), 2);
}

fn identity_without_access_is_refused(env: &Env) {
    env.init();
    populate(env, &make_values(5, 0));
    // A stranger: own identity, not a member.
    let stranger = env.another_user();
    stranger.vault(&["init"]).ok();
    let before = snapshot(env);
    stranger
        .vault(&["rotate"])
        .fails(5, "holds no copy of the current vault key");
    stranger
        .vault(&["rotate", "--dry-run"])
        .fails(5, "nothing was changed");
    assert_eq!(snapshot(env), before);

    // A member whose grant is gone.
    env.db().delete_grants(None);
    let before = snapshot(env);
    env.vault(&["rotate"]).fails(5, "holds no copy");
    assert_eq!(snapshot(env), before);
}

fn tampered_row_is_reported_and_left_alone(env: &Env) {
    env.init();
    // More rows than SQLite re-seals in one stretch (64) while it writes
    // the stretch before: the bad row comes last, in the third.
    let mut values = make_values(150, 0);
    populate(env, &values);
    env.put("bad", b"original");
    let db = env.db();
    // Give "bad" another row's nonce: its MAC no longer verifies.
    db.set_nonce("bad", db.row("app/00000").nonce.as_deref());
    env.vault(&["get", "bad"]).fails(6, "refused");
    let bad = || {
        let r = db.row("bad");
        (r.secret, r.key_id, r.id)
    };
    let bad_row = bad();
    let old = current_key(env);

    let out = env.vault(&["rotate"]).run();
    assert_eq!(out.code, 6, "{}", out.stderr);
    let new = current_key(env);
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(
        lines[0],
        format!("rotated 150 secrets from key {old} to key {new}")
    );
    assert_eq!(lines.len(), 2, "{:?}", out.stderr);
    assert!(
        lines[1].starts_with("vault: 1 secret failed verification"),
        "{}",
        lines[1]
    );
    assert!(lines[1].contains("\"bad\""), "{}", lines[1]);
    assert!(
        lines[1].contains(&format!("{old}, which stays 'retiring'")),
        "{}",
        lines[1]
    );
    // Not laundered: the row is byte-identical, still under the old key.
    assert_eq!(bad(), bad_row);
    env.vault(&["get", "bad"]).fails(6, "refused");
    assert_eq!(rows_per_key(env), BTreeMap::from([(old, 1), (new, 150)]));
    assert_eq!(
        keys(env),
        [(old, "retiring".into(), 1), (new, "current".into(), 1)]
    );
    for (name, v) in values.iter().take(3) {
        assert_eq!(&env.get(name), v);
    }

    // The dry run says a rotation is pending; running again still refuses the row.
    let dry = env.vault(&["rotate", "--dry-run"]).ok();
    assert!(
        dry.stdout_str()
            .starts_with("an interrupted rotation would be resumed: 1 secret under key"),
        "{}",
        dry.stdout_str()
    );
    let again = env.vault(&["rotate", "--json"]).run();
    assert_eq!(again.code, 6, "{}", again.stderr);
    let json: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(json["failed"], serde_json::json!(["bad"]));
    assert_eq!(json["moved"], 0);
    assert_eq!(json["resumed"], true);
    assert_eq!(json["retired"], serde_json::json!([]));
    assert_eq!(bad(), bad_row);

    // Once the bad row is removed, rotate finishes and retires the old key.
    // `rm` kept the removed value as history; it does not open, so rotation
    // drops that value (no member wrote it) and names it, with exit 6.
    env.vault(&["rm", "bad"]).ok();
    let done = env.vault(&["rotate"]).run();
    assert_eq!(done.code, 6, "{}", done.stderr);
    assert!(
        done.stderr.starts_with(&format!(
            "resumed an interrupted rotation: rotated 0 secrets from key {old} to key {new}\nretired key {old}\n"
        )),
        "{}",
        done.stderr
    );
    assert!(
        done.stderr.contains("version 1 of \"bad\" failed verification") && done.stderr.contains("dropped"),
        "{}",
        done.stderr
    );
    env.vault(&["get", "bad", "--version", "1"]).fails(6, "refused");
    assert_eq!(
        keys(env),
        [(old, "retired".into(), 0), (new, "current".into(), 1)]
    );
    values.remove("bad");
    assert_all_open(env, &values);
}

fn spawn_rotate(env: &Env, batch: &str) -> Child {
    let mut run = env.vault(&["rotate"]).env("VAULT_ROTATE_BATCH", batch);
    run.cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn killed_rotations_lose_nothing(env: &Env) {
    let soak = std::env::var_os("VAULT_SOAK").is_some_and(|v| v == "1");
    let (n, kills) = if soak { (5000, 60) } else { (2000, 14) };
    env.init();
    let values = make_values(n, 0);
    populate(env, &values);

    // One undisturbed rotation tells how long one takes here.
    let started = Instant::now();
    let out = spawn_rotate(env, "100").wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let full = started.elapsed();

    let mut mid_rotation = 0;
    for i in 0..kills {
        // Spread the kill points over the whole run (and a little past it).
        let delay = full.mul_f64((i as f64 + 0.5) / kills as f64 * 1.1);
        let mut child = spawn_rotate(env, "100");
        std::thread::sleep(delay);
        child.kill().unwrap(); // SIGKILL
        let status = child.wait().unwrap();
        // Every secret still opens, under the old key or the new one.
        assert_all_open(env, &values);
        let states = keys(env);
        if states.iter().any(|k| k.1 == "retiring") {
            mid_rotation += 1;
        }
        assert_eq!(states.iter().filter(|k| k.1 == "current").count(), 1);
        // Retired keys keep no grants and seal no rows.
        let per_key = rows_per_key(env);
        for (id, state, grants) in &states {
            if state == "retired" {
                assert_eq!(*grants, 0);
                assert!(!per_key.contains_key(id), "a row refers to retired key {id}");
            }
        }
        eprintln!("kill {i}: after {delay:?}, {status}, {per_key:?}");
    }
    assert!(
        mid_rotation > 0,
        "no kill landed in the middle of a rotation (one takes {full:?})"
    );

    // Running again finishes the job.
    env.vault(&["rotate"]).ok();
    let states = keys(env);
    assert!(states.iter().all(|k| k.1 != "retiring"), "{states:?}");
    assert_eq!(rows_per_key(env), BTreeMap::from([(current_key(env), n)]));
    assert_all_open(env, &values);
    // And the binary reads them too.
    for name in values.keys().step_by(n / 10) {
        assert_eq!(&env.get(name), &values[name]);
    }
}

fn concurrent_writers_are_never_stranded(env: &Env) {
    env.init();
    let base = make_values(300, 0);
    populate(env, &base);
    let stop = std::sync::atomic::AtomicBool::new(false);
    let puts = std::sync::atomic::AtomicUsize::new(0);
    let mut rotations = 0;
    let writes: Vec<Values> = std::thread::scope(|s| {
        let writers: Vec<_> = (0..3)
            .map(|w| {
                let stop = &stop;
                let puts = &puts;
                s.spawn(move || {
                    let mut written = Values::new();
                    let mut round = 1;
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        // An existing name of this writer's share, and a fresh one.
                        let existing = format!("app/{:05}", (w * 100) + (round % 100));
                        let fresh = format!("w{w}/{round}");
                        for name in [existing, fresh] {
                            let v = format!("{name} written in round {round}").into_bytes();
                            env.vault(&["put", &name]).stdin(&v).ok();
                            written.insert(name, v);
                            puts.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        }
                        round += 1;
                    }
                    written
                })
            })
            .collect();
        // A reader: every get and every open-all succeeds at any moment.
        let reader = {
            let stop = &stop;
            s.spawn(move || {
                let mut reads = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    env.vault(&["get", "app/00050"]).ok();
                    let all = runtime().block_on(async {
                        let mut v = open_vault(env).await;
                        v.open_all(None).await.map(|a| a.len())
                    });
                    match all {
                        Ok(n) => assert!(n >= 300),
                        Err(e) => panic!("open_all during a rotation: {e}"),
                    }
                    reads += 1;
                }
                reads
            })
        };
        // At least 4 rotations, and more (up to 40) until the writers, who
        // may start slowly on a loaded machine, have written during them.
        let started = puts.load(std::sync::atomic::Ordering::Relaxed);
        while rotations < 4
            || (puts.load(std::sync::atomic::Ordering::Relaxed) < started + 8 && rotations < 40)
        {
            env.vault(&["rotate", "-q"]).env("VAULT_ROTATE_BATCH", "50").ok();
            rotations += 1;
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        assert!(reader.join().unwrap() > 0);
        writers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    let mut expected = base;
    let mut count = 0;
    for w in writes {
        count += w.len();
        expected.extend(w);
    }
    assert!(count > 6, "the writers wrote while rotations ran");
    assert_all_open(env, &expected);
    let states = keys(env);
    assert_eq!(states.len(), rotations + 1);
    assert!(
        states.iter().all(|k| k.1 != "retiring"),
        "every rotation finished: {states:?}"
    );
    // No row refers to a retired key: all are under the current one.
    assert_eq!(
        rows_per_key(env),
        BTreeMap::from([(current_key(env), expected.len())])
    );
}

/// PostgreSQL: the rotating session is terminated mid-way (as a failover or
/// a DBA would). Exit 7, nothing lost, and the next rotate finishes.
#[test]
fn connection_cut_mid_rotation() {
    let env = Env::new(Backend::Postgres);
    env.init();
    let values = make_values(2000, 0);
    populate(&env, &values);
    let db = env.db();
    let mut cut = false;
    for _attempt in 0..3 {
        let child = spawn_rotate(&env, "20");
        let deadline = Instant::now() + Duration::from_secs(30);
        // Wait until the new key is current (re-sealing has begun), then cut.
        while Instant::now() < deadline {
            if db.keys().iter().any(|k| k.state == "retiring") {
                db.pg_terminate_vault_sessions();
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        if out.status.success() {
            continue; // finished before the cut landed; try again
        }
        assert_eq!(out.status.code(), Some(7), "{stderr}");
        let last = stderr.lines().last().unwrap_or_default();
        assert!(last.starts_with("vault: "), "{stderr}");
        cut = true;
        break;
    }
    assert!(cut, "the connection was never cut mid-rotation");
    assert_all_open(&env, &values);
    assert!(keys(&env).iter().any(|k| k.1 == "retiring"));
    let out = env.vault(&["rotate"]).ok();
    assert!(
        out.stderr.starts_with("resumed an interrupted rotation"),
        "{}",
        out.stderr
    );
    assert!(keys(&env).iter().all(|k| k.1 != "retiring"));
    assert_eq!(rows_per_key(&env), BTreeMap::from([(current_key(&env), 2000)]));
    assert_all_open(&env, &values);
}
