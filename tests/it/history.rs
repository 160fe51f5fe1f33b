//! Issue 15: every write is a version, signed by the member who made it.
//! `vault history`, `get --version`, `put --if-version` (check-and-set, raced
//! by 16 processes, directly and through PgBouncer), `rm` / `restore`,
//! `rm --purge` (no ciphertext left, in the tables nor in SQLite's file),
//! retention, versions moved / renumbered / re-attributed in the database
//! (refused, exit 6), rotation and `member rm` re-sealing history (also after
//! a kill -9 mid-rotation), authorship shown as not verified when the signer
//! was not a member, and `vault log`.

use std::collections::{BTreeMap, HashSet};
use std::process::Stdio;
use std::sync::Barrier;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value as Json, json};
use uuid::Uuid;

use crate::both;
use crate::harness::{Backend, Env, Out, Run};
use crate::pgbouncer::Pooled;

both!(
    history_of_every_kind_of_write,
    check_and_set,
    cas_race_has_one_winner_per_version,
    concurrent_puts_each_make_a_version,
    rm_keeps_history_and_restore_brings_it_back,
    purge_leaves_no_ciphertext,
    retention_prunes_versions_and_removed_secrets,
    version_moved_to_another_secret_is_refused,
    renumbered_version_is_refused,
    re_attributed_version_is_refused,
    current_statement_swapped_is_refused,
    rotation_reseals_history,
    rotation_reseals_many_versions,
    killed_rotation_reseals_history,
    member_rm_reseals_history,
    write_by_a_removed_member_is_not_verified,
    log_merges_membership_and_writes,
    log_orders_same_second_events_as_they_happened,
);

// ---- helpers -----------------------------------------------------------------

fn json(out: &[u8]) -> Json {
    serde_json::from_slice(out).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(out)))
}

/// `vault history NAME --json`, which must succeed.
fn history(env: &Env, name: &str) -> Vec<Json> {
    let out = env.vault(&["history", name, "--json"]).ok();
    json(&out.stdout).as_array().expect("an array").clone()
}

/// `vault history NAME --json` that lists the versions but exits 6 for the
/// altered ones (named on stderr): the listing.
#[track_caller]
fn history_refused(env: &Env, name: &str, version: u64) -> Vec<Json> {
    let out = env.vault(&["history", name, "--json"]).run();
    assert_eq!(out.code, 6, "history of {name}: {}", out.stderr);
    assert!(
        out.stderr.starts_with("vault: ")
            && out.stderr.contains("refused")
            && out.stderr.contains(&format!("version {version} of")),
        "{}",
        out.stderr
    );
    json(&out.stdout).as_array().expect("an array").clone()
}

fn numbers(h: &[Json]) -> Vec<u64> {
    h.iter().map(|e| e["version"].as_u64().unwrap()).collect()
}

fn field<'a>(h: &'a [Json], key: &str) -> Vec<&'a str> {
    h.iter().map(|e| e[key].as_str().unwrap_or("<null>")).collect()
}

/// The entry for version `v`.
#[track_caller]
fn entry(h: &[Json], v: u64) -> &Json {
    h.iter()
        .find(|e| e["version"] == v)
        .unwrap_or_else(|| panic!("no version {v} in {h:#?}"))
}

fn get_version(env: &Env, name: &str, v: u64) -> Vec<u8> {
    env.vault(&["get", name, "--version", &v.to_string()]).ok().stdout
}

/// The first line of `vault whoami`: the member line.
fn member_line(env: &Env) -> String {
    let out = env.vault(&["whoami"]).ok().stdout_str();
    out.lines().next().unwrap().to_owned()
}

/// The bare age recipient (the member line's first field).
fn recipient(env: &Env) -> String {
    member_line(env).split(' ').next().unwrap().to_owned()
}

/// A second user made a member by `alice`, under `name`.
fn add_member(alice: &Env, name: &str) -> Env {
    let other = alice.another_user();
    other.vault(&["init", "--name", name]).ok();
    alice
        .vault(&["member", "add", &member_line(&other), "--name", name])
        .ok();
    other
}

fn id_of(env: &Env, name: &str) -> Uuid {
    env.db().row(name).id
}

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

/// Sleeps into the next wall-clock second (history times are whole seconds).
fn next_second() {
    let sub = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_millis() as u64;
    std::thread::sleep(Duration::from_millis(1000 - sub + 30));
}

/// Every entry verified: signed by a member at that point of the log, unaltered.
#[track_caller]
fn all_verified(h: &[Json]) {
    for e in h {
        assert_eq!(e["status"], "verified", "{e:#}");
        assert_eq!(e["verified"], true, "{e:#}");
        assert_eq!(e["problem"], Json::Null, "{e:#}");
    }
}

// ---- 1. history after every kind of write --------------------------------------

fn history_of_every_kind_of_write(env: &Env) {
    env.init();
    let me = recipient(env);
    let name = "APP_TOKEN";
    let v1 = b"first value".to_vec();
    let v2 = b"\x00\xff binary\r\n\x00 \xc3\x28".to_vec();
    let v3 = b"from the dotenv file".to_vec();
    let created = env.vault(&["put", name, "--json"]).stdin(&v1).ok();
    assert_eq!(json(&created.stdout)["version"], 1);
    assert_eq!(json(&created.stdout)["action"], "created");
    let updated = env.vault(&["put", name, "--json"]).stdin(&v2).ok();
    assert_eq!(json(&updated.stdout)["version"], 2);
    assert_eq!(json(&updated.stdout)["action"], "updated");
    let file = env.home.path().join("import.env");
    std::fs::write(&file, "APP_TOKEN=\"from the dotenv file\"\n").unwrap();
    env.vault(&["import", file.to_str().unwrap()]).ok();
    let generated = env
        .vault(&["put", name, "--generate", "--length", "40", "--print"])
        .ok()
        .stdout;
    let v4 = generated
        .strip_suffix(b"\n")
        .expect("a newline after --print")
        .to_vec();
    assert_eq!(v4.len(), 40);
    let restored = env.vault(&["restore", name, "--version", "2", "--json"]).ok();
    assert_eq!(
        json(&restored.stdout),
        json!({"name": name, "version": 5, "restored_from": 2, "revived": false})
    );

    let id = id_of(env, name);
    let key = env.db().current_key().to_string();
    let h = history(env, name);
    assert_eq!(numbers(&h), [5, 4, 3, 2, 1]);
    assert_eq!(field(&h, "op"), ["restore", "generate", "import", "put", "put"]);
    assert_eq!(field(&h, "author"), ["tester"; 5]);
    assert_eq!(field(&h, "recipient"), [me.as_str(); 5]);
    assert_eq!(field(&h, "key_id"), [key.as_str(); 5]);
    all_verified(&h);
    let current: Vec<bool> = h.iter().map(|e| e["current"].as_bool().unwrap()).collect();
    assert_eq!(current, [true, false, false, false, false]);
    assert_eq!(h[0]["from"], json!({"secret_id": id.to_string(), "version": 2}));
    for e in &h[1..] {
        assert_eq!(e["from"], Json::Null, "{e:#}");
        assert_eq!(e["written_as"], Json::Null, "{e:#}");
    }
    for e in &h {
        let t = e["time"].as_str().unwrap();
        assert!(
            t.len() == 20 && t.ends_with('Z') && t.as_bytes()[10] == b'T',
            "{t}"
        );
    }
    // Every version's exact value (the binary one too), and the current one.
    let values = [&v1, &v2, &v3, &v4, &v2];
    for (i, want) in values.iter().enumerate() {
        assert_eq!(&&get_version(env, name, i as u64 + 1), want, "version {}", i + 1);
    }
    assert_eq!(env.get(name), v2);
    env.vault(&["get", name, "--version", "6"])
        .fails(3, "has no version 6");

    // Piped: one tab-separated line per version.
    let piped = env.vault(&["history", name]).ok().stdout_str();
    let lines: Vec<Vec<&str>> = piped.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(lines.len(), 5, "{piped}");
    for (l, e) in lines.iter().zip(&h) {
        assert_eq!(
            *l,
            [
                e["version"].to_string().as_str(),
                e["time"].as_str().unwrap(),
                e["op"].as_str().unwrap(),
                "tester",
                me.as_str(),
                "verified",
                key.as_str()
            ]
        );
    }

    // mv: the same secret under a new name, every version re-sealed.
    let db = env.db();
    let sealed_before: Vec<Option<String>> = db.versions_of(id).into_iter().map(|r| r.secret).collect();
    env.vault(&["mv", name, "db/token"]).ok();
    env.vault(&["get", name]).fails(3, "no secret named");
    env.vault(&["history", name]).fails(3, "no secret named");
    assert_eq!(id_of(env, "db/token"), id, "mv keeps the secret id");
    let moved = history(env, "db/token");
    assert_eq!(numbers(&moved), [6, 5, 4, 3, 2, 1]);
    assert_eq!(
        field(&moved, "op"),
        ["mv", "restore", "generate", "import", "put", "put"]
    );
    all_verified(&moved);
    assert_eq!(
        moved[0]["from"],
        json!({"secret_id": id.to_string(), "version": 5})
    );
    assert_eq!(moved[0]["written_as"], Json::Null);
    assert_eq!(field(&moved[1..], "written_as"), [name; 5]);
    let rows = db.versions_of(id);
    assert_eq!(rows.len(), 6);
    assert!(rows.iter().all(|r| r.name == "db/token"), "{rows:#?}");
    for (before, after) in sealed_before.iter().zip(&rows) {
        if let (Some(b), Some(a)) = (before, &after.secret) {
            assert_ne!(b, a, "version {} was not re-sealed", after.version);
        }
    }
    assert_eq!(
        rows.iter().filter(|r| r.secret.is_none()).count(),
        1,
        "only the current has none"
    );
    let values = [&v1, &v2, &v3, &v4, &v2, &v2];
    for (i, want) in values.iter().enumerate() {
        assert_eq!(
            &&get_version(env, "db/token", i as u64 + 1),
            want,
            "version {}",
            i + 1
        );
    }

    // cp: a new secret whose history is a copy.
    env.vault(&["cp", "db/token", "db/copy"]).ok();
    let copy = id_of(env, "db/copy");
    assert_ne!(copy, id);
    let copied = history(env, "db/copy");
    assert_eq!(numbers(&copied), [7, 6, 5, 4, 3, 2, 1]);
    assert_eq!(
        field(&copied, "op"),
        ["cp", "mv", "restore", "generate", "import", "put", "put"]
    );
    all_verified(&copied);
    assert_eq!(
        copied[0]["from"],
        json!({"secret_id": id.to_string(), "version": 6})
    );
    assert_eq!(
        field(&copied[1..], "written_as"),
        ["db/token", name, name, name, name, name]
    );
    let copy_rows = db.versions_of(copy);
    assert_eq!(copy_rows.len(), 7);
    assert!(copy_rows.iter().all(|r| r.name == "db/copy"));
    let values = [&v1, &v2, &v3, &v4, &v2, &v2, &v2];
    for (i, want) in values.iter().enumerate() {
        assert_eq!(
            &&get_version(env, "db/copy", i as u64 + 1),
            want,
            "version {}",
            i + 1
        );
    }
    // The source is untouched.
    assert_eq!(history(env, "db/token"), moved);
    assert_eq!(db.versions_of(id).len(), 6);

    // Onto an existing name: exit 4, nothing changes.
    env.vault(&["cp", "db/token", "db/copy"])
        .fails(4, "already exists");
    env.vault(&["mv", "db/token", "db/copy"])
        .fails(4, "already exists");
    env.vault(&["mv", "nope", "other"]).fails(3, "no secret named");
    assert_eq!(history(env, "db/copy"), copied);
    assert_eq!(history(env, "db/token"), moved);
}

// ---- 2. check-and-set ------------------------------------------------------------

fn check_and_set(env: &Env) {
    env.init();
    let out = env
        .vault(&["put", "cas", "--if-version", "0", "--json"])
        .stdin(b"one")
        .ok();
    assert_eq!(json(&out.stdout)["version"], 1);
    assert_eq!(json(&out.stdout)["action"], "created");
    env.vault(&["put", "cas", "--if-version", "0"])
        .stdin(b"x")
        .fails(4, "already exists");
    env.vault(&["put", "cas", "--if-version", "2"])
        .stdin(b"x")
        .fails(4, "is at version 1, not 2");
    env.vault(&["put", "cas", "--if-version", "7", "--json"])
        .stdin(b"x")
        .fails(4, "is at version 1, not 7");
    // Nothing was written.
    assert_eq!(env.get("cas"), b"one");
    assert_eq!(numbers(&history(env, "cas")), [1]);
    assert_eq!(env.db().versions_of(id_of(env, "cas")).len(), 1);

    let out = env
        .vault(&["put", "cas", "--if-version", "1", "--json"])
        .stdin(b"two")
        .ok();
    assert_eq!(json(&out.stdout)["version"], 2);
    assert_eq!(json(&out.stdout)["action"], "updated");
    assert_eq!(env.get("cas"), b"two");
    env.vault(&["put", "cas", "--if-version", "1"])
        .stdin(b"x")
        .fails(4, "is at version 2, not 1");
    assert_eq!(env.get("cas"), b"two");
    // A name that does not exist is at no version.
    env.vault(&["put", "none", "--if-version", "1"])
        .stdin(b"x")
        .fails(4, "does not exist");
    env.vault(&["get", "none"]).fails(3, "no secret named");
    // get --json and a plain put --json report the version.
    let got = json(&env.vault(&["get", "cas", "--json"]).ok().stdout);
    assert_eq!(got["version"], 2);
    assert_eq!(got["verified"], true);
    let out = env.vault(&["put", "cas", "--json"]).stdin(b"three").ok();
    assert_eq!(json(&out.stdout)["version"], 3);
    env.vault(&["put", "cas", "--no-overwrite"])
        .stdin(b"x")
        .fails(4, "already exists");
    assert_eq!(numbers(&history(env, "cas")), [3, 2, 1]);
    assert_eq!(get_version(env, "cas", 1), b"one");
    assert_eq!(get_version(env, "cas", 2), b"two");
    assert_eq!(env.get("cas"), b"three");
}

// ---- 3. 16 writers racing --if-version ------------------------------------------------

const WRITERS: usize = 16;
const ROUNDS: u64 = 5;

fn race_value(round: u64, writer: usize) -> Vec<u8> {
    let mut v = format!("round {round} writer {writer} ").into_bytes();
    v.extend(std::iter::repeat_n(writer as u8, writer * 3));
    v
}

/// Rounds of 16 processes each running `put NAME --if-version N` at once:
/// exactly one wins each round, the others exit 4; history then holds each
/// winning write once, versions contiguous, each the winner's value.
fn race(vault: &(dyn Fn(&[&str]) -> Run + Sync), name: &str) {
    let mut winners = Vec::new();
    for round in 0..ROUNDS {
        let start = Barrier::new(WRITERS);
        let outs: Vec<Out> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..WRITERS)
                .map(|w| {
                    let start = &start;
                    s.spawn(move || {
                        let run = vault(&["put", name, "--if-version", &round.to_string()])
                            .stdin(&race_value(round, w));
                        start.wait();
                        run.run()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let won: Vec<usize> = (0..WRITERS).filter(|w| outs[*w].code == 0).collect();
        assert_eq!(won.len(), 1, "round {round}: winners {won:?}: {outs:#?}");
        let lost = if round == 0 {
            "already exists".to_owned()
        } else {
            format!("is at version {}, not {round}", round + 1)
        };
        for (w, out) in outs.iter().enumerate() {
            if w == won[0] {
                continue;
            }
            assert_eq!(out.code, 4, "round {round} writer {w}: {}", out.stderr);
            assert!(
                out.stderr.contains(&lost),
                "round {round} writer {w}: {}",
                out.stderr
            );
        }
        winners.push(won[0]);
    }
    let h = json(&vault(&["history", name, "--json"]).ok().stdout);
    let h = h.as_array().unwrap();
    let want: Vec<u64> = (1..=ROUNDS).rev().collect();
    assert_eq!(numbers(h), want, "every winning write once, contiguous");
    assert_eq!(field(h, "op"), ["put"; ROUNDS as usize]);
    all_verified(h);
    for (round, w) in winners.iter().enumerate() {
        let got = vault(&["get", name, "--version", &(round + 1).to_string()])
            .ok()
            .stdout;
        assert_eq!(got, race_value(round as u64, *w), "version {}", round + 1);
    }
    let current = vault(&["get", name]).ok().stdout;
    assert_eq!(current, race_value(ROUNDS - 1, *winners.last().unwrap()));
}

fn cas_race_has_one_winner_per_version(env: &Env) {
    env.init();
    race(&|args| env.vault(args), "race");
    let rows = env.db().versions_of(id_of(env, "race"));
    let versions: Vec<i64> = rows.iter().map(|r| r.version).collect();
    assert_eq!(versions, (1..=ROUNDS as i64).collect::<Vec<_>>());
}

/// 16 plain `put`s of one name at once (no --if-version): every one lands,
/// each as its own version.
fn concurrent_puts_each_make_a_version(env: &Env) {
    env.init();
    env.put("busy", b"start");
    let start = Barrier::new(WRITERS);
    let outs: Vec<Out> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..WRITERS)
            .map(|w| {
                let start = &start;
                s.spawn(move || {
                    let run = env
                        .vault(&["put", "busy"])
                        .env("VAULT_KEEP_VERSIONS", "100")
                        .stdin(&race_value(0, w));
                    start.wait();
                    run.run()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (w, out) in outs.iter().enumerate() {
        assert_eq!(out.code, 0, "writer {w}: {}", out.stderr);
    }
    let h = history(env, "busy");
    let want: Vec<u64> = (1..=WRITERS as u64 + 1).rev().collect();
    assert_eq!(numbers(&h), want);
    all_verified(&h);
    let mut written: Vec<Vec<u8>> = (2..=WRITERS as u64 + 1)
        .map(|v| get_version(env, "busy", v))
        .collect();
    written.sort();
    let mut sent: Vec<Vec<u8>> = (0..WRITERS).map(|w| race_value(0, w)).collect();
    sent.sort();
    assert_eq!(written, sent, "each write is one version");
}

#[test]
fn cas_race_through_pgbouncer_transaction_pooling() {
    let p = Pooled::new("transaction");
    p.vault(&["init"]).ok();
    race(&|args| p.vault(args), "pooled/race");
    let rows = p.env.db().versions_of(id_of(&p.env, "pooled/race"));
    assert_eq!(rows.len(), ROUNDS as usize);
}

// ---- 4. rm and restore ------------------------------------------------------------------

fn rm_keeps_history_and_restore_brings_it_back(env: &Env) {
    env.init();
    let values: [&[u8]; 3] = [b"r-one", b"r-two", b"\xff\x00r-three"];
    for v in values {
        env.put("r", v);
    }
    env.put("other", b"stays");
    let id = id_of(env, "r");
    // A live secret needs --version.
    env.vault(&["restore", "r"]).fails(2, "--version");
    // One name missing: nothing is removed.
    env.vault(&["rm", "r", "missing"]).fails(3, "missing");
    assert_eq!(env.get("r"), values[2]);

    env.vault(&["rm", "r"]).ok();
    env.vault(&["get", "r"]).fails(3, "no secret named");
    let ls = env.vault(&["ls"]).ok().stdout_str();
    assert_eq!(ls, "other\n");
    // The history is kept: listed, and every version readable.
    let h = history(env, "r");
    assert_eq!(numbers(&h), [3, 2, 1]);
    all_verified(&h);
    for (i, v) in values.iter().enumerate() {
        assert_eq!(get_version(env, "r", i as u64 + 1), *v);
    }
    let rows = env.db().versions_of(id);
    assert_eq!(rows.len(), 3);
    assert!(
        rows.iter().all(|r| r.secret.is_some() && r.removed_at.is_some()),
        "{rows:#?}"
    );

    // restore brings the last version back, as a new version of the same secret.
    let out = env.vault(&["restore", "r", "--json"]).ok();
    assert_eq!(
        json(&out.stdout),
        json!({"name": "r", "version": 4, "restored_from": 3, "revived": true})
    );
    assert_eq!(env.get("r"), values[2]);
    assert_eq!(id_of(env, "r"), id);
    let h = history(env, "r");
    assert_eq!(numbers(&h), [4, 3, 2, 1]);
    assert_eq!(field(&h, "op"), ["restore", "put", "put", "put"]);
    assert_eq!(h[0]["from"], json!({"secret_id": id.to_string(), "version": 3}));
    all_verified(&h);
    assert!(env.db().versions_of(id).iter().all(|r| r.removed_at.is_none()));

    // A live secret: --version N writes that value as the newest version.
    let out = env.vault(&["restore", "r", "--version", "1", "--json"]).ok();
    assert_eq!(
        json(&out.stdout),
        json!({"name": "r", "version": 5, "restored_from": 1, "revived": false})
    );
    assert_eq!(env.get("r"), values[0]);
    env.vault(&["restore", "r", "--version", "9"])
        .fails(3, "has no version 9");
    env.vault(&["restore", "nope"]).fails(3, "no secret named");

    // Removed again: a chosen version comes back.
    env.vault(&["rm", "r"]).ok();
    assert_eq!(get_version(env, "r", 2), values[1]);
    let out = env.vault(&["restore", "r", "--version", "2", "--json"]).ok();
    assert_eq!(
        json(&out.stdout),
        json!({"name": "r", "version": 6, "restored_from": 2, "revived": true})
    );
    assert_eq!(env.get("r"), values[1]);
    assert_eq!(numbers(&history(env, "r")), [6, 5, 4, 3, 2, 1]);
    assert_eq!(env.get("other"), b"stays");
}

// ---- 5. rm --purge --------------------------------------------------------------------

const WINDOW: usize = 60;

fn windows(text: &[u8]) -> HashSet<&[u8]> {
    text.windows(WINDOW).collect()
}

/// A long value unlike any other (so its ciphertext is long too).
fn long_value(tag: &str) -> Vec<u8> {
    let mut v = Vec::new();
    for i in 0..200u32 {
        v.extend_from_slice(format!("{tag}-{i}-{}|", Uuid::new_v4()).as_bytes());
    }
    v
}

/// The raw bytes of the SQLite file and its WAL (if present).
fn sqlite_files(env: &Env) -> Vec<(String, Vec<u8>)> {
    let db = env.data_dir().join("vault.db");
    let mut out = vec![("vault.db".to_owned(), std::fs::read(&db).unwrap())];
    for name in ["vault.db-wal", "vault.db-shm"] {
        if let Ok(bytes) = std::fs::read(env.data_dir().join(name)) {
            out.push((name.to_owned(), bytes));
        }
    }
    out
}

/// How many of `needles` occur in `haystack`.
fn found_in(haystack: &[u8], needles: &HashSet<Vec<u8>>) -> usize {
    let hay = windows(haystack);
    needles.iter().filter(|n| hay.contains(n.as_slice())).count()
}

fn purge_leaves_no_ciphertext(env: &Env) {
    env.init();
    env.put("keep", &long_value("keep"));
    env.put("keep", &long_value("keep2"));
    for i in 0..3 {
        env.put("p", &long_value(&format!("p{i}")));
    }
    for i in 0..2 {
        env.put("q", &long_value(&format!("q{i}")));
    }
    let db = env.db();
    let (p, q) = (id_of(env, "p"), id_of(env, "q"));
    env.vault(&["rm", "q"]).ok(); // kept for restore, until purged below
    let mut old: Vec<String> = vec![db.row("p").secret];
    old.extend(db.versions_of(p).into_iter().filter_map(|r| r.secret));
    old.extend(db.versions_of(q).into_iter().filter_map(|r| r.secret));
    assert_eq!(old.len(), 5, "3 of p, 2 of q");
    // What every age file shares (armor, header) is no trace of p or q: the
    // windows that also occur in an age file the vault keeps (keep's
    // ciphertexts, the key grants) are set aside. The grants count: the
    // first 60-byte window after the armor line is the same in every age
    // file up to two bits (whether the first stanza's share begins with a
    // digit), so with keep's files alone one of p's could match a grant's.
    let keep = id_of(env, "keep");
    let mut common: HashSet<Vec<u8>> = HashSet::new();
    let keep_texts: Vec<String> = std::iter::once(db.row("keep").secret)
        .chain(db.versions_of(keep).into_iter().filter_map(|r| r.secret))
        .chain(db.grants().into_iter().map(|g| g.sealed_key))
        .collect();
    assert!(keep_texts.len() >= 3, "keep's two values and a grant");
    for t in &keep_texts {
        common.extend(windows(t.as_bytes()).into_iter().map(<[u8]>::to_vec));
    }
    let mut traces: HashSet<Vec<u8>> = HashSet::new();
    let mut total = 0;
    for t in &old {
        for w in windows(t.as_bytes()) {
            total += 1;
            if !common.contains(w) {
                traces.insert(w.to_vec());
            }
        }
    }
    assert!(
        traces.len() * 10 > total * 9,
        "{} of {total} windows are distinctive",
        traces.len()
    );
    // The check can fail: before the purge the tables (and SQLite's file) hold them.
    let before: usize = db
        .all_ciphertexts()
        .iter()
        .map(|t| found_in(t.as_bytes(), &traces))
        .sum();
    assert!(before > 0);
    if env.backend == Backend::Sqlite {
        let raw: usize = sqlite_files(env).iter().map(|(_, b)| found_in(b, &traces)).sum();
        assert!(raw > 0, "the file holds the ciphertexts before the purge");
    }

    // A reader first: on SQLite `get` leaves the -wal/-shm files in place,
    // so the purge runs with them there.
    get_version(env, "p", 1);
    env.vault(&["rm", "--purge", "p"]).ok();
    env.vault(&["rm", "--purge", "q"]).ok(); // a removed secret's history
    env.get("keep"); // and a reader after it
    assert!(db.find("p").is_none());
    assert!(db.versions_of(p).is_empty(), "{:#?}", db.versions_of(p));
    assert!(db.versions_of(q).is_empty(), "{:#?}", db.versions_of(q));
    for t in db.all_ciphertexts() {
        assert_eq!(
            found_in(t.as_bytes(), &traces),
            0,
            "a purged ciphertext is still in a table"
        );
        assert!(!old.contains(&t));
    }
    if env.backend == Backend::Sqlite {
        for (file, bytes) in sqlite_files(env) {
            assert_eq!(
                found_in(&bytes, &traces),
                0,
                "{file} still holds a purged ciphertext"
            );
        }
    }
    for name in ["p", "q"] {
        env.vault(&["history", name]).fails(3, "no secret named");
        env.vault(&["restore", name]).fails(3, "no secret named");
        env.vault(&["get", name, "--version", "1"])
            .fails(3, "no secret named");
    }
    env.vault(&["rm", "--purge", "p"]).fails(3, "no secret named");
    // The other secret and its history are intact.
    assert_eq!(numbers(&history(env, "keep")), [2, 1]);
    assert_eq!(db.versions_of(keep).len(), 2);
    env.get("keep");
    get_version(env, "keep", 1);
}

// ---- 6. retention ---------------------------------------------------------------------

fn retention_prunes_versions_and_removed_secrets(env: &Env) {
    env.init();
    for i in 1..=6 {
        env.vault(&["put", "r"])
            .env("VAULT_KEEP_VERSIONS", "3")
            .stdin(format!("value {i}").as_bytes())
            .ok();
    }
    let id = id_of(env, "r");
    assert_eq!(numbers(&history(env, "r")), [6, 5, 4]);
    let rows: Vec<i64> = env.db().versions_of(id).iter().map(|r| r.version).collect();
    assert_eq!(rows, [4, 5, 6]);
    env.vault(&["get", "r", "--version", "1"])
        .fails(3, "has no version 1; versions 4 to 6 are kept");
    env.vault(&["get", "r", "--version", "3"])
        .fails(3, "has no version 3");
    assert_eq!(get_version(env, "r", 4), b"value 4");
    env.vault(&["restore", "r", "--version", "2"])
        .fails(3, "has no version 2");

    // The default keeps 10.
    for i in 1..=12 {
        env.put("d", format!("d{i}").as_bytes());
    }
    assert_eq!(numbers(&history(env, "d")), (3..=12).rev().collect::<Vec<u64>>());
    assert_eq!(env.db().versions_of(id_of(env, "d")).len(), 10);

    // Removed secrets: kept 30 days by default, then dropped by the next write.
    for name in ["old", "recent", "mid"] {
        env.put(name, name.as_bytes());
        env.put(name, format!("{name} 2").as_bytes());
    }
    let ids: BTreeMap<&str, Uuid> = ["old", "recent", "mid"]
        .into_iter()
        .map(|n| (n, id_of(env, n)))
        .collect();
    env.vault(&["rm", "old", "recent", "mid"]).ok();
    let day = 24 * 3600;
    let db = env.db();
    assert_eq!(db.set_removed_at(ids["old"], now() - 40 * day), 2);
    assert_eq!(db.set_removed_at(ids["recent"], now() - 20 * day), 2);
    assert_eq!(db.set_removed_at(ids["mid"], now() - 20 * day), 2);
    // Nothing is dropped until a write.
    assert_eq!(db.versions_of(ids["old"]).len(), 2);
    env.put("other", b"x");
    assert!(db.versions_of(ids["old"]).is_empty(), "kept past 30 days");
    assert_eq!(db.versions_of(ids["recent"]).len(), 2);
    env.vault(&["restore", "old"]).fails(3, "no secret named");
    env.vault(&["history", "old"]).fails(3, "no secret named");
    env.vault(&["restore", "recent"]).ok();
    assert_eq!(env.get("recent"), b"recent 2");
    // VAULT_KEEP_REMOVED_DAYS shortens it.
    env.vault(&["put", "other"])
        .env("VAULT_KEEP_REMOVED_DAYS", "10")
        .stdin(b"y")
        .ok();
    assert!(db.versions_of(ids["mid"]).is_empty());
    env.vault(&["restore", "mid"]).fails(3, "no secret named");

    // Invalid settings are errors, not defaults; nothing is written.
    for (var, value) in [
        ("VAULT_KEEP_VERSIONS", "abc"),
        ("VAULT_KEEP_VERSIONS", "0"),
        ("VAULT_KEEP_VERSIONS", "-3"),
        ("VAULT_KEEP_REMOVED_DAYS", "abc"),
        ("VAULT_KEEP_REMOVED_DAYS", "-1"),
    ] {
        env.vault(&["put", "r"])
            .env(var, value)
            .stdin(b"never")
            .fails(2, var);
    }
    assert_eq!(env.get("r"), b"value 6");
    assert_eq!(numbers(&history(env, "r")), [6, 5, 4]);
}

// ---- 7. tampering with version rows ----------------------------------------------------

/// Five puts of `name` keeping 3 versions: versions 3 to 5 are kept, 1 and 2 free.
fn five_keep_three(env: &Env, name: &str) -> Uuid {
    for i in 1..=5 {
        env.vault(&["put", name])
            .env("VAULT_KEEP_VERSIONS", "3")
            .stdin(format!("{name} value {i}").as_bytes())
            .ok();
    }
    id_of(env, name)
}

fn version_moved_to_another_secret_is_refused(env: &Env) {
    env.init();
    for i in 1..=3 {
        env.put("a", format!("a value {i}").as_bytes());
    }
    let a = id_of(env, "a");
    let b = five_keep_three(env, "b");
    assert_eq!(numbers(&history(env, "b")), [5, 4, 3]);
    // a's version 2 becomes b's version 2 (free there).
    env.db().move_version(a, 2, b);
    let h = history_refused(env, "b", 2);
    assert_eq!(numbers(&h), [5, 4, 3, 2]);
    assert_eq!(
        field(&h, "status"),
        ["verified", "verified", "verified", "refused"]
    );
    let moved = entry(&h, 2);
    assert_eq!(moved["verified"], false);
    assert!(
        moved["problem"].as_str().unwrap().contains("another secret"),
        "{moved:#}"
    );
    env.vault(&["get", "b", "--version", "2"])
        .fails(6, "sealed for another row");
    // The others still open.
    assert_eq!(get_version(env, "b", 3), b"b value 3");
    assert_eq!(env.get("b"), b"b value 5");
    // Put back, it is a's again.
    env.db().move_version(b, 2, a);
    assert_eq!(get_version(env, "a", 2), b"a value 2");
    all_verified(&history(env, "b"));
}

fn renumbered_version_is_refused(env: &Env) {
    env.init();
    let c = five_keep_three(env, "c");
    env.db().renumber_version(c, 4, 1);
    let h = history_refused(env, "c", 1);
    assert_eq!(numbers(&h), [5, 3, 1]);
    assert_eq!(field(&h, "status"), ["verified", "verified", "refused"]);
    assert!(
        entry(&h, 1)["problem"].as_str().unwrap().contains("renumbered"),
        "{h:#?}"
    );
    env.vault(&["get", "c", "--version", "1"])
        .fails(6, "version 1 of");
    assert_eq!(get_version(env, "c", 3), b"c value 3");
    assert_eq!(env.get("c"), b"c value 5");
    env.db().renumber_version(c, 1, 4);
    assert_eq!(get_version(env, "c", 4), b"c value 4");
    all_verified(&history(env, "c"));
}

/// `statement` with its author field (the 9th) replaced: the frozen
/// encoding is fields of a big-endian u32 length and bytes (src/history.rs).
fn with_author(statement: &[u8], author: &str) -> Vec<u8> {
    let mut fields = Vec::new();
    let mut rest = statement;
    while !rest.is_empty() {
        let len = u32::from_be_bytes(rest[..4].try_into().unwrap()) as usize;
        fields.push(rest[4..4 + len].to_vec());
        rest = &rest[4 + len..];
    }
    assert_eq!(fields.len(), 12, "a statement has 12 fields");
    assert!(fields[8].starts_with(b"age1"), "field 8 is the author");
    fields[8] = author.as_bytes().to_vec();
    let mut out = Vec::new();
    for f in fields {
        out.extend_from_slice(&(f.len() as u32).to_be_bytes());
        out.extend_from_slice(&f);
    }
    out
}

fn re_attributed_version_is_refused(alice: &Env) {
    alice.init();
    let bob = add_member(alice, "bob");
    let bob_r = recipient(&bob);
    alice.put("d", b"alice wrote 1");
    bob.put("d", b"bob wrote 2");
    alice.put("d", b"alice wrote 3");
    let d = id_of(alice, "d");
    let db = alice.db();
    let (mine, his) = (db.version_row(d, 1), db.version_row(d, 2));
    assert_ne!(mine.author, his.author);
    let h = history(alice, "d");
    assert_eq!(field(&h, "author"), ["tester", "bob", "tester"]);
    all_verified(&h);

    // (1) bob's statement, signature and author copied onto alice's version 1.
    db.set_version_signed(d, 1, &his.author, his.statement.as_deref(), his.sig.as_deref());
    let h = history_refused(alice, "d", 1);
    assert_eq!(numbers(&h), [3, 2, 1]);
    assert_eq!(field(&h, "status"), ["verified", "verified", "refused"]);
    assert_eq!(entry(&h, 1)["verified"], false);
    alice
        .vault(&["get", "d", "--version", "1"])
        .fails(6, "version 1 of");

    // (2) only the author column names bob.
    db.set_version_signed(d, 1, &his.author, mine.statement.as_deref(), mine.sig.as_deref());
    let h = history_refused(alice, "d", 1);
    assert!(
        entry(&h, 1)["problem"]
            .as_str()
            .unwrap()
            .contains("re-attributed"),
        "{h:#?}"
    );

    // (3) the statement itself names bob, under alice's signature.
    let forged = with_author(mine.statement.as_deref().unwrap(), &bob_r);
    db.set_version_signed(d, 1, &bob_r, Some(&forged), mine.sig.as_deref());
    let h = history_refused(alice, "d", 1);
    assert!(
        entry(&h, 1)["problem"]
            .as_str()
            .unwrap()
            .contains("does not verify"),
        "{h:#?}"
    );
    assert_eq!(entry(&h, 1)["status"], "refused");
    alice
        .vault(&["get", "d", "--version", "1"])
        .fails(6, "version 1 of");
    bob.vault(&["get", "d", "--version", "1"])
        .fails(6, "version 1 of");

    // The row as it was: accepted again (the refusals were the tampering's).
    db.set_version_signed(d, 1, &mine.author, mine.statement.as_deref(), mine.sig.as_deref());
    all_verified(&history(alice, "d"));
    assert_eq!(get_version(alice, "d", 1), b"alice wrote 1");
    assert_eq!(get_version(alice, "d", 2), b"bob wrote 2");
}

fn current_statement_swapped_is_refused(env: &Env) {
    env.init();
    for i in 1..=3 {
        env.put("e", format!("e value {i}").as_bytes());
    }
    let e = id_of(env, "e");
    let db = env.db();
    let (current, earlier) = (db.version_row(e, 3), db.version_row(e, 2));
    assert!(
        current.secret.is_none(),
        "the current version's value is the secrets row"
    );
    db.set_version_signed(
        e,
        3,
        &earlier.author,
        earlier.statement.as_deref(),
        earlier.sig.as_deref(),
    );
    env.vault(&["get", "e"]).fails(6, "refused");
    env.vault(&["get", "e", "--json"]).fails(6, "refused");
    env.vault(&["get", "e", "--version", "3"]).fails(6, "refused");
    let h = history_refused(env, "e", 3);
    assert_eq!(field(&h, "status"), ["refused", "verified", "verified"]);
    assert_eq!(get_version(env, "e", 2), b"e value 2");
    db.set_version_signed(
        e,
        3,
        &current.author,
        current.statement.as_deref(),
        current.sig.as_deref(),
    );
    assert_eq!(env.get("e"), b"e value 3");
}

// ---- 8. rotation re-seals history --------------------------------------------------------

fn value_of(secret: usize, version: u64) -> Vec<u8> {
    format!("secret {secret} version {version}").into_bytes()
}

/// No version row's ciphertext is sealed to anything but the current key.
#[track_caller]
/// More versions than one statement re-seals on SQLite (a stretch of 64):
/// every one moves, each to its own row, and opens as what it was.
fn rotation_reseals_many_versions(env: &Env) {
    const N: usize = 150;
    env.init();
    let file = env.home.path().join("many.env");
    for round in 1..=3 {
        let text: String = (0..N).map(|i| format!("K_{i}=r{round}-{i}\n")).collect();
        std::fs::write(&file, text).unwrap();
        env.vault(&["import", file.to_str().unwrap()]).ok();
    }
    let out = json(&env.vault(&["rotate", "--json"]).ok().stdout);
    assert_eq!(out["moved"], N);
    assert_eq!(out["versions_moved"], 2 * N);
    all_under(env, env.db().current_key());
    for i in [0, 63, 64, 65, 127, 128, N - 1] {
        let name = format!("K_{i}");
        for v in 1..=3u64 {
            assert_eq!(
                get_version(env, &name, v),
                format!("r{v}-{i}").into_bytes(),
                "{name} v{v}"
            );
        }
    }
}

fn all_under(env: &Env, key: Uuid) {
    let db = env.db();
    for r in db.versions() {
        match &r.secret {
            Some(_) => assert_eq!(r.key_id, Some(key), "version {} of {}", r.version, r.name),
            None => assert_eq!(r.key_id, None, "a current version row carries no key"),
        }
    }
    for r in db.rows() {
        assert_eq!(r.key_id, Some(key), "{}", r.name);
    }
}

fn rotation_reseals_history(env: &Env) {
    env.init();
    for s in 0..4 {
        for v in 1..=4 {
            env.put(&format!("s{s}"), &value_of(s, v));
        }
    }
    let old = env.db().current_key();
    let sealed_before: BTreeMap<(Uuid, i64), Option<String>> = env
        .db()
        .versions()
        .into_iter()
        .map(|r| ((r.secret_id, r.version), r.secret))
        .collect();
    assert_eq!(sealed_before.values().filter(|s| s.is_some()).count(), 12);
    let out = json(&env.vault(&["rotate", "--json"]).ok().stdout);
    assert_eq!(out["moved"], 4);
    assert_eq!(out["versions_moved"], 12);
    let new = env.db().current_key();
    assert_ne!(new, old);
    assert_eq!(env.db().key(old).state, "retired");
    all_under(env, new);
    for r in env.db().versions() {
        if r.secret.is_some() {
            assert_ne!(
                r.secret,
                sealed_before[&(r.secret_id, r.version)],
                "not re-sealed"
            );
        }
    }
    for s in 0..4 {
        let name = format!("s{s}");
        for v in 1..=4 {
            assert_eq!(get_version(env, &name, v), value_of(s, v), "{name} v{v}");
        }
        let h = history(env, &name);
        all_verified(&h);
        assert_eq!(field(&h, "key_id"), [new.to_string().as_str(); 4]);
    }
}

fn killed_rotation_reseals_history(env: &Env) {
    env.init();
    let (secrets, rounds) = (60, 6u64);
    for round in 1..=rounds {
        let dotenv: String = (0..secrets)
            .map(|s| format!("K{s}=\"{}\"\n", String::from_utf8(value_of(s, round)).unwrap()))
            .collect();
        env.vault(&["import", "-"]).stdin(dotenv.as_bytes()).ok();
    }
    let (keys, versions) = (env.table("keys"), env.table("versions"));
    // Versions sealed to the current key and to the retiring one, in one
    // statement (one snapshot).
    let split = || -> (usize, usize) {
        let under = |state: &str| {
            format!(
                "(SELECT count(*) FROM {versions} v JOIN {keys} k ON k.id = v.key_id WHERE k.state = '{state}')"
            )
        };
        let row = env.query(&format!("SELECT {}, {}", under("current"), under("retiring")));
        (row[0][0].parse().unwrap(), row[0][1].parse().unwrap())
    };
    let mut killed = None;
    for _ in 0..10 {
        let mut run = env.vault(&["rotate"]).env("VAULT_ROTATE_BATCH", "1");
        run.cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut child = run.cmd.spawn().unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline && child.try_wait().unwrap().is_none() {
            // Mid-way through the history: some versions moved, some not.
            let (moved, left) = split();
            if moved > 0 && left > 0 {
                child.kill().unwrap(); // SIGKILL
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        child.wait().unwrap();
        let (moved, left) = split();
        if moved > 0 && left > 0 {
            killed = Some((moved, left));
            break;
        }
    }
    let (moved, left) = killed.expect("no kill landed while the history was being re-sealed");
    eprintln!("killed with {moved} versions moved and {left} left");
    assert_eq!(
        env.scalar(&format!("SELECT count(*) FROM {keys} WHERE state = 'retiring'")),
        "1"
    );
    // Every version still opens, under the old key or the new one.
    for v in 1..=rounds {
        assert_eq!(get_version(env, "K7", v), value_of(7, v));
    }
    let out = env.vault(&["rotate"]).ok();
    assert!(
        out.stderr.starts_with("resumed an interrupted rotation"),
        "{}",
        out.stderr
    );
    assert_eq!(
        env.scalar(&format!("SELECT count(*) FROM {keys} WHERE state = 'retiring'")),
        "0"
    );
    all_under(env, env.db().current_key());
    let rows = env.db().versions();
    assert_eq!(
        rows.len(),
        secrets * rounds as usize,
        "no version lost or doubled"
    );
    // Every value intact: the current ones, and every version of a sample.
    let all: BTreeMap<String, String> =
        serde_json::from_slice(&env.vault(&["export", "--format", "json"]).ok().stdout).unwrap();
    assert_eq!(all.len(), secrets);
    for (name, value) in &all {
        let s: usize = name[1..].parse().unwrap();
        assert_eq!(value.as_bytes(), value_of(s, rounds), "{name}");
    }
    for s in (0..secrets).step_by(7) {
        let name = format!("K{s}");
        for v in 1..=rounds {
            assert_eq!(get_version(env, &name, v), value_of(s, v), "{name} v{v}");
        }
        all_verified(&history(env, &name));
    }
}

// ---- 9. member rm re-seals history ------------------------------------------------------

fn member_rm_reseals_history(alice: &Env) {
    alice.init();
    let bob = add_member(alice, "bob");
    let values: [&[u8]; 4] = [b"alice 1", b"bob 2", b"bob 3", b"alice 4"];
    alice.put("s", values[0]);
    bob.put("s", values[1]);
    bob.put("s", values[2]);
    alice.put("s", values[3]);
    bob.put("t", b"bob's own");
    bob.put("t", b"bob's own 2");
    let old = alice.db().current_key();
    alice.vault(&["member", "rm", "bob"]).ok();
    let new = alice.db().current_key();
    assert_ne!(new, old);
    assert_eq!(alice.db().key(old).state, "retired");
    all_under(alice, new);
    let h = history(alice, "s");
    assert_eq!(numbers(&h), [4, 3, 2, 1]);
    assert_eq!(field(&h, "author"), ["tester", "bob", "bob", "tester"]);
    all_verified(&h); // bob was a member when he wrote
    let t = history(alice, "t");
    assert_eq!(field(&t, "author"), ["bob", "bob"]);
    all_verified(&t);
    for (i, v) in values.iter().enumerate() {
        assert_eq!(get_version(alice, "s", i as u64 + 1), *v);
    }
    assert_eq!(get_version(alice, "t", 1), b"bob's own");
    bob.vault(&["get", "s", "--version", "2"]).fails(5, "");
}

// ---- 10. a write by someone no longer a member ----------------------------------------

fn write_by_a_removed_member_is_not_verified(alice: &Env) {
    alice.init();
    let bob = add_member(alice, "bob");
    let bob_r = recipient(&bob);
    bob.put("x", b"bob, a member");
    let db = alice.db();
    let grants: Vec<_> = db.grants().into_iter().filter(|g| g.recipient == bob_r).collect();
    assert_eq!(grants.len(), 1);
    let member = db.member(&bob_r).expect("bob's member row");
    alice.vault(&["member", "rm", "bob", "--no-rotate"]).ok();
    assert!(db.grants_of(&bob_r).is_empty());
    assert!(db.member(&bob_r).is_none());
    // The attacker puts bob's grant back (and the member row it refers to;
    // the signed log still says bob was removed); bob's client still writes.
    db.insert_member(&member.recipient, &member.name, member.added_by.as_deref());
    for g in &grants {
        db.insert_grant(g.key_id, &g.recipient, &g.sealed_key);
    }
    bob.put("x", b"bob, removed");
    let h = history(alice, "x");
    assert_eq!(numbers(&h), [2, 1]);
    assert_eq!(field(&h, "author"), ["bob", "bob"]);
    assert_eq!(field(&h, "recipient"), [bob_r.as_str(); 2]);
    assert_eq!(field(&h, "status"), ["not-a-member", "verified"]);
    assert_eq!(h[0]["verified"], false);
    assert_eq!(h[1]["verified"], true);
    let got = json(&alice.vault(&["get", "x", "--json"]).ok().stdout);
    assert_eq!(got["author"], "bob");
    assert_eq!(got["verified"], false);
    let got = json(&alice.vault(&["get", "x", "--version", "1", "--json"]).ok().stdout);
    assert_eq!(got["verified"], true);
    let piped = alice.vault(&["history", "x"]).ok().stdout_str();
    let status: Vec<&str> = piped.lines().map(|l| l.split('\t').nth(5).unwrap()).collect();
    assert_eq!(status, ["not-a-member", "verified"]);
}

// ---- 11. vault log ------------------------------------------------------------------------

fn log(env: &Env, args: &[&str]) -> Vec<Json> {
    let mut all = vec!["log", "--json"];
    all.extend_from_slice(args);
    json(&env.vault(&all).ok().stdout).as_array().unwrap().clone()
}

/// One line per event: "kind secret/what version author".
fn summary(events: &[Json]) -> Vec<String> {
    events
        .iter()
        .map(|e| match e["kind"].as_str().unwrap() {
            "membership" => format!("membership {}", e["what"].as_str().unwrap()),
            "write" => format!(
                "write {} v{} by {} {}",
                e["secret"].as_str().unwrap(),
                e["version"],
                e["author"].as_str().unwrap(),
                e["op"].as_str().unwrap()
            ),
            "removed" => format!("removed {}", e["secret"].as_str().unwrap()),
            other => panic!("unknown kind {other}: {e:#}"),
        })
        .collect()
}

fn log_merges_membership_and_writes(alice: &Env) {
    alice.init();
    next_second();
    alice.put("a", b"1");
    next_second();
    let bob = add_member(alice, "bob");
    next_second();
    alice.put("b", b"1");
    next_second();
    bob.put("a", b"2");
    next_second();
    alice.vault(&["rm", "b"]).ok();

    let events = log(alice, &[]);
    let s = summary(&events);
    assert_eq!(s.len(), 6, "{s:#?}");
    assert_eq!(s[0], "removed b");
    assert_eq!(s[1], "write a v2 by bob put");
    assert_eq!(s[2], "write b v1 by tester put");
    assert!(s[3].starts_with("membership added member \"bob\""), "{s:#?}");
    assert_eq!(s[4], "write a v1 by tester put");
    assert!(s[5].starts_with("membership founded the vault"), "{s:#?}");
    let times: Vec<&str> = events.iter().map(|e| e["time"].as_str().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] > w[1]), "newest first: {times:?}");
    for e in events.iter().filter(|e| e["kind"] == "write") {
        assert_eq!(e["status"], "verified", "{e:#}");
    }
    // Only one secret's writes.
    let only_a = summary(&log(alice, &["a"]));
    assert_eq!(only_a, ["write a v2 by bob put", "write a v1 by tester put"]);
    // -n keeps the newest.
    assert_eq!(summary(&log(alice, &["-n", "2"])), s[..2]);
    // Piped: one line per event.
    let piped = alice.vault(&["log"]).ok().stdout_str();
    assert_eq!(piped.lines().count(), 6, "{piped}");
}

/// Events of the same second are ordered as they happened: a write made
/// after a member was added is newer than the addition.
fn log_orders_same_second_events_as_they_happened(env: &Env) {
    for attempt in 0..5 {
        let fresh;
        let alice = if attempt == 0 {
            env
        } else {
            fresh = Env::new(env.backend);
            &fresh
        };
        alice.init();
        let bob = add_member(alice, "bob");
        bob.put("x", b"1");
        let events = log(alice, &[]);
        let times: Vec<&str> = events.iter().map(|e| e["time"].as_str().unwrap()).collect();
        if times[0] != times[1] {
            eprintln!("attempt {attempt}: the member add and the write fell in different seconds");
            continue;
        }
        let s = summary(&events);
        assert_eq!(s[0], "write x v1 by bob put", "newest first: {s:#?}");
        assert!(s[1].starts_with("membership added member \"bob\""), "{s:#?}");
        return;
    }
    panic!("the member add and the write never fell in the same second");
}
