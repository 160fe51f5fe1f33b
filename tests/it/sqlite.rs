//! The embedded backend's own contract: zero configuration, private files,
//! WAL, and clear refusals for files that are not vault databases.

use std::os::unix::fs::PermissionsExt;

use crate::db::Db;
use crate::harness::{Backend, Env};

fn env() -> Env {
    Env::new(Backend::Sqlite)
}

#[test]
fn zero_configuration_quick_start() {
    let env = env();
    let init = env.vault(&["init"]).ok();
    let db = env.data_dir().join("vault.db");
    assert!(
        init.stderr
            .contains(&format!("migrated sqlite://{}", db.display())),
        "{}",
        init.stderr
    );
    env.put("api/key", b"s3cret");
    assert_eq!(env.get("api/key"), b"s3cret");
    // Recorded in the config, so later commands need no flags.
    let config = std::fs::read_to_string(env.config_dir().join("config.toml")).unwrap();
    assert!(
        config.contains(&format!("database_url = \"sqlite://{}\"", db.display())),
        "{config}"
    );
    // WAL with full sync: what was reported written survives a crash.
    assert_eq!(env.db().sqlite_pragma("journal_mode"), "wal");
    let mode = std::fs::metadata(&db).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

#[test]
fn explicit_sqlite_url_selects_that_file() {
    let env = env();
    let dir = env.home.path().join("elsewhere/deeper");
    let url = format!("sqlite://{}/team.db", dir.display());
    env.vault(&["init", "--database-url", &url]).ok();
    assert!(dir.join("team.db").is_file());
    assert_eq!(
        std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
        0o700
    );
    env.vault(&["put", "k", "--database-url", &url]).stdin(b"v").ok();
    // The config now points there too.
    assert_eq!(env.get("k"), b"v");
    assert!(
        !env.data_dir().join("vault.db").exists(),
        "the default file was never made"
    );
}

#[test]
fn missing_file_is_not_created_by_other_commands() {
    let env = env();
    env.init(); // an identity, so the database is what gets refused
    let path = env.home.path().join("nope/vault.db");
    let url = format!("sqlite://{}", path.display());
    env.vault(&["get", "k", "--database-url", &url])
        .fails(7, "there is no vault at");
    env.vault(&["ls", "--database-url", &url])
        .fails(7, "run `vault init`");
    assert!(!path.exists() && !path.parent().unwrap().exists());
}

#[test]
fn a_file_that_is_not_a_database_is_refused_untouched() {
    let env = env();
    env.init(); // an identity, so the database is what gets refused
    let path = env.home.path().join("notes.txt");
    let text = "these are my notes, not a database\n".repeat(200);
    std::fs::write(&path, &text).unwrap();
    let url = format!("sqlite://{}", path.display());
    env.vault(&["init", "--database-url", &url])
        .fails(7, "is not a SQLite database");
    env.vault(&["get", "k", "--database-url", &url])
        .fails(7, "is not a SQLite database");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text, "nothing changed");
}

#[test]
fn a_database_made_by_something_else_is_refused_untouched() {
    let env = env();
    env.init(); // an identity, so the database is what gets refused
    let path = env.home.path().join("other.db");
    let url = format!("sqlite://{}", path.display());
    std::fs::File::create(&path).unwrap();
    let db = Db::sqlite(&url);
    db.plant_foreign_secrets_table();
    env.vault(&["init", "--database-url", &url])
        .fails(7, "vault did not create");
    env.vault(&["get", "k", "--database-url", &url])
        .fails(7, "holds no vault");
    assert_eq!(db.foreign_secrets(), ["theirs"]);
    assert_eq!(db.tables(), ["secrets"]);
}

/// `ls` reads names from SQLite's C API by pointer and length: a name
/// holding a NUL (written behind vault's back; vault refuses control
/// characters) must still list exactly, escaped, in bytewise order, with
/// its neighbours, not cut at the NUL.
#[test]
fn ls_lists_a_name_holding_a_nul_exactly() {
    let env = env();
    env.init();
    for n in ["a", "odd", "a/x", "b"] {
        env.put(n, b"v");
    }
    env.db().rename("odd", "a\0nul");
    let out = env.vault(&["ls"]).ok();
    assert_eq!(out.stdout_str(), "a\n\"a\\u{0}nul\"\na/x\nb\n");
    let out = env.vault(&["ls", "a"]).ok();
    assert_eq!(out.stdout_str(), "a\n\"a\\u{0}nul\"\na/x\n");
}

/// A name that is not UTF-8 (SQLite stores any bytes as text when written
/// behind vault's back) stops `ls` with a one-line database error, whole or
/// by prefix, instead of a panic or a mangled name; the other commands keep
/// working on the rest.
#[test]
fn ls_refuses_a_name_that_is_not_utf8() {
    let env = env();
    env.init();
    for n in ["odd", "b"] {
        env.put(n, b"v");
    }
    // First in bytewise order, so nothing is listed before it.
    env.db().rename_to_bytes("odd", b"a\xff\xfe");
    for args in [&["ls"][..], &["ls", "a"]] {
        env.vault(args).fails(7, "a name that is not valid UTF-8");
    }
    assert_eq!(env.vault(&["ls", "b"]).ok().stdout_str(), "b\n");
    assert_eq!(env.get("b"), b"v");
}

/// A command that only reads opens SQLite itself, not through sqlx, and so
/// decodes each column itself: it must read what sqlx reads (a timestamp in
/// SQLite's own `YYYY-MM-DD HH:MM:SS` format, in UTC) and refuse what sqlx
/// refuses (a key id that is text, not a uuid's 16 bytes) with a one-line
/// database error naming the column, never a panic or a wrong value.
#[test]
fn read_only_commands_decode_columns_like_sqlx() {
    let env = env();
    env.init();
    env.put("k", b"v");
    env.put("other", b"w");
    env.db().set_text("k", "updated_at", "2026-01-02 03:04:05");
    let json: serde_json::Value =
        serde_json::from_slice(&env.vault(&["ls", "--json", "k"]).ok().stdout).unwrap();
    assert_eq!(json[0]["updated_at"], "2026-01-02T03:04:05.000000Z", "{json}");
    assert_eq!(env.get("k"), b"v");
    env.db().set_text("k", "key_id", "not a uuid");
    for args in [&["get", "k"][..], &["export"], &["env"]] {
        env.vault(args).fails(7, "unexpected `key_id` column");
    }
    assert_eq!(env.get("other"), b"w");
}

/// `get` opens the file read-only: SQLite's -wal and -shm files stay for the
/// next command (private like the database) instead of being made again by
/// every read, and a read-only reader is still a full WAL reader: it sees a
/// commit that is only in the WAL, is not blocked by a writer, and many of
/// them run beside a writer.
#[test]
fn readers_keep_the_wal_files_and_see_every_commit() {
    let env = env();
    env.init();
    env.put("k", b"v1");
    assert_eq!(env.get("k"), b"v1");
    for name in ["vault.db-wal", "vault.db-shm"] {
        let file = env.data_dir().join(name);
        let meta = std::fs::metadata(&file).unwrap_or_else(|e| panic!("{name} after a get: {e}"));
        assert_eq!(meta.permissions().mode() & 0o777, 0o600, "{name}");
    }
    // A reader of an older snapshot keeps the WAL from being checkpointed
    // away: the next value is in the WAL only, read through the kept index.
    let db = env.db();
    let reader = db.hold_read();
    env.put("k", b"v2");
    assert_eq!(env.get("k"), b"v2");
    let writer = db.hold_write_lock();
    assert_eq!(env.get("k"), b"v2", "a writer mid-transaction blocks no reader");
    writer.rollback();
    reader.rollback();
    // Readers and a writer at once: every read is a whole committed value.
    let readers: Vec<_> = (0..4)
        .map(|_| {
            let runs: Vec<_> = (0..4).map(|_| env.vault(&["get", "k"])).collect();
            std::thread::spawn(move || runs.into_iter().map(|r| r.run()).collect::<Vec<_>>())
        })
        .collect();
    let values: Vec<String> = (2..=6).map(|i| format!("v{i}")).collect();
    for v in &values[1..] {
        env.put("k", v.as_bytes());
    }
    for out in readers.into_iter().flat_map(|h| h.join().unwrap()) {
        assert_eq!(out.code, 0, "{out:?}");
        let got = String::from_utf8(out.stdout).unwrap();
        assert!(values.contains(&got), "{got:?}");
    }
    assert_eq!(env.get("k"), b"v6");
    assert_eq!(db.sqlite_pragma("integrity_check"), "ok");
}

/// Each command is the file's only connection when it opens it, so SQLite
/// first indexes every frame of the WAL: a write empties the WAL after its
/// commit, or it would grow with every write and every command read it all.
/// It never waits to: beside a reader of an older snapshot the write goes
/// through at once and the WAL stays, until a later write empties it.
#[test]
fn writes_leave_the_wal_empty() {
    let env = env();
    env.init();
    let wal = env.data_dir().join("vault.db-wal");
    let size = || std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    for i in 0..5 {
        env.put("k", format!("v{i}").as_bytes());
        assert_eq!(size(), 0, "the WAL after put {i}");
    }
    env.vault(&["rm", "k"]).ok();
    assert_eq!(size(), 0, "the WAL after rm");
    let db = env.db();
    let reader = db.hold_read();
    let started = std::time::Instant::now();
    env.put("k2", b"v");
    // SQLite's busy timeout here is 5 s: a put that waited for the reader
    // would take that long.
    assert!(
        started.elapsed() < std::time::Duration::from_secs(4),
        "the put waited {:?} for a reader",
        started.elapsed()
    );
    assert!(size() > 0, "a reader of an older snapshot keeps the WAL");
    reader.rollback();
    env.put("k2", b"w");
    assert_eq!(size(), 0, "the next write empties it");
    assert_eq!(env.get("k2"), b"w");
    assert_eq!(db.sqlite_pragma("integrity_check"), "ok");
}

/// Every command that only reads opens the file read-only, like `get`: it
/// leaves the -wal/-shm files for the next command (a read-write connection
/// closing last may checkpoint and delete them), is not blocked by a writer
/// holding the write lock, and sees a commit that is only in the WAL.
#[test]
fn every_read_only_command_keeps_the_wal_files() {
    let env = env();
    env.init();
    env.put("app/k", b"v1");
    let db = env.db();
    // An older snapshot held open keeps the next commit in the WAL.
    let reader = db.hold_read();
    env.put("app/k", b"v2");
    assert_eq!(env.get("app/k"), b"v2");
    let writer = db.hold_write_lock();
    let commands: [&[&str]; 9] = [
        &["ls"],
        &["ls", "--json", "app/"],
        &["history", "app/k"],
        &["log"],
        &["member", "ls"],
        &["env", "app/"],
        &["export", "app/"],
        &[
            "run",
            "--prefix",
            "app/",
            "--",
            "sh",
            "-c",
            "test \"$APP_K\" = v2",
        ],
        &["get", "app/k"],
    ];
    for args in commands {
        let out = env.vault(args).ok();
        if args[0] == "env" || args[0] == "export" {
            assert!(
                out.stdout_str().contains("v2"),
                "{args:?} read the WAL-only commit: {out:?}"
            );
        }
    }
    writer.rollback();
    reader.rollback();
    // Alone now: a read-write connection would be the last one out.
    for args in commands {
        env.vault(args).ok();
        for name in ["vault.db-wal", "vault.db-shm"] {
            assert!(
                env.data_dir().join(name).exists(),
                "{name} is gone after {args:?}"
            );
        }
    }
    assert_eq!(db.sqlite_pragma("integrity_check"), "ok");
}
