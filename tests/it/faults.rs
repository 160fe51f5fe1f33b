//! Faults: a connection killed inside a put's transaction, an unreachable
//! server, a full disk, a locked SQLite file, 50 racing writers, closed pipes
//! and descriptors, and `init` into a read-only directory. After each, every
//! name holds its old value or its new one, never a partial row.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::attack_util::*;
use crate::both;
use crate::db::Db;
use crate::harness::{Backend, Env, skip};

both!(fifty_racing_creates_have_one_winner, pipes_and_closed_descriptors);

fn pg() -> Env {
    Env::new(Backend::Postgres)
}

/// `pg_terminate_backend` on vault's connection while its put waits inside
/// its transaction (behind our `FOR UPDATE` lock on the row, or behind our
/// uncommitted insert of the same new name).
#[test]
fn connection_killed_inside_a_put_keeps_old_or_nothing() {
    let env = pg();
    env.init();
    let role = PwRole::new(&env);
    let (old, new) = (marker(), marker());
    env.put("k", old.as_bytes());
    // Pin the vault at the role's URL first: a first contact says so on stderr.
    env.vault(&["ls"]).env("VAULT_DATABASE_URL", &role.url).ok();

    // Replacing an existing name.
    let db = env.db();
    let held = db.hold_row("k");
    let run = env
        .vault(&["put", "k"])
        .env("VAULT_DATABASE_URL", &role.url)
        .stdin(new.as_bytes());
    let put = std::thread::spawn(move || run.run());
    let pid = blocked_vault_backend(&env);
    db.pg_terminate(pid);
    held.rollback();
    let out = put.join().unwrap();
    assert_eq!(out.code, 7, "{out:?}");
    assert!(out.stdout.is_empty());
    let host_port = format!("127.0.0.1:{}", crate::pg::cluster().port());
    assert!(out.stderr.contains(&host_port), "{}", out.stderr);
    assert!(out.stderr.contains("***"), "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert_out_clean("killed put", &out, &[&old, &new, &role.password]);
    assert_eq!(env.get("k"), old.as_bytes(), "the old value survives");

    // Creating a new name: the test inserts it first and does not commit.
    let held = db.hold_insert("fresh", "not a value");
    let run = env.vault(&["put", "fresh"]).stdin(new.as_bytes());
    let put = std::thread::spawn(move || run.run());
    let pid = blocked_vault_backend(&env);
    db.pg_terminate(pid);
    held.rollback();
    let out = put.join().unwrap();
    assert_eq!(out.code, 7, "{out:?}");
    assert_eq!(db.find("fresh"), None, "no partial row");
    assert_eq!(db.count(), 1);
    env.vault(&["get", "fresh"]).fails(3, "no secret named");
    // And once nothing is in the way, both puts work.
    env.put("fresh", new.as_bytes());
    env.put("k", new.as_bytes());
    assert_eq!(env.get("k"), new.as_bytes());
}

/// A server that is down (nothing listens on its port) or that accepts but
/// never answers: a clear error naming host:port, never the password, exit 7,
/// quickly; the vault is intact once it is back.
#[test]
fn unreachable_or_silent_server_fails_cleanly() {
    let env = pg();
    env.init();
    let role = PwRole::new(&env);
    env.put("k", b"kept");
    // A port nothing listens on: what a stopped server looks like to a client.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let down = role.url.replace(
        &format!(":{}/", crate::pg::cluster().port()),
        &format!(":{port}/"),
    );
    for args in [&["get", "k"][..], &["put", "k"], &["ls"], &["rm", "k"]] {
        let out = env
            .vault(args)
            .env("VAULT_DATABASE_URL", &down)
            .stdin(b"new")
            .fails(7, &format!("cannot reach the database at 127.0.0.1:{port}"));
        assert_out_clean("server down", &out, &[&role.password]);
    }
    // A server that accepts connections but never speaks: the connect timeout.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let sport = silent.local_addr().unwrap().port();
    let quiet = role.url.replace(
        &format!(":{}/", crate::pg::cluster().port()),
        &format!(":{sport}/"),
    );
    let start = std::time::Instant::now();
    let out = env
        .vault(&["get", "k"])
        .env("VAULT_DATABASE_URL", &quiet)
        .env("VAULT_CONNECT_TIMEOUT", "1")
        .fails(7, "no answer within 1 s");
    assert!(start.elapsed() < Duration::from_secs(10));
    assert_out_clean("silent server", &out, &[&role.password]);
    drop(silent);
    assert_eq!(env.get("k"), b"kept");
}

/// Unmounts (lazily) when dropped.
struct Mount(PathBuf);

impl Mount {
    fn tmpfs(at: &Path, opts: &str) -> Option<Mount> {
        std::fs::create_dir_all(at).unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", opts, "tmpfs"])
            .arg(at)
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Mount(at.to_owned()))
    }

    fn remount(&self, opts: &str) {
        let s = Command::new("mount")
            .args(["-o", &format!("remount,{opts}")])
            .arg(&self.0)
            .status()
            .unwrap();
        assert!(s.success(), "remount {opts}");
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// Fills the file system holding `dir` with a file named `filler`.
fn fill(dir: &Path) -> PathBuf {
    let p = dir.join("filler");
    let _ = Command::new("dd")
        .args(["if=/dev/zero", "bs=4096"])
        .arg(format!("of={}", p.display()))
        .output()
        .unwrap();
    p
}

#[test]
fn sqlite_full_disk_during_put() {
    if !is_root() {
        return skip("mounting a small tmpfs needs root (CI runs as root)");
    }
    let env = Env::new(Backend::Sqlite);
    let mnt = env.home.path().join("small");
    let Some(mount) = Mount::tmpfs(&mnt, "size=2m,mode=0700") else {
        return skip("mount -t tmpfs is not permitted here");
    };
    let url = format!("sqlite://{}", mnt.join("vault.db").display());
    let vault = |args: &[&str]| env.vault(args).env("VAULT_DATABASE_URL", &url);
    vault(&["init"]).ok();
    let m = marker();
    vault(&["put", "early"]).stdin(m.as_bytes()).ok();
    vault(&["put", "replaced"]).stdin(b"old").ok();
    let big = vec![b'z'; 1024 * 1024];
    // 1. The disk fills while the WAL is open (a reader holds it): the put's
    //    own writes fail half way through its transaction (SQLITE_FULL).
    let db = Db::sqlite(&url);
    let reader = db.hold_read();
    let filler = fill(&mnt);
    let out = vault(&["put", "replaced"])
        .stdin(&big)
        .fails(1, "is full; nothing was written");
    assert_out_clean("full disk", &out, &[&m]);
    reader.rollback();
    // 2. Still full, nothing open: a new put fails the same way (whether
    //    SQLite reports SQLITE_FULL or, growing its -shm file, an I/O error).
    vault(&["put", "new"]).stdin(&big).fails(1, "is full");
    std::fs::remove_file(&filler).unwrap();
    assert_eq!(db.sqlite_pragma("integrity_check"), "ok", "the database survived");
    assert_eq!(vault(&["get", "early"]).ok().stdout, m.as_bytes());
    assert_eq!(vault(&["get", "replaced"]).ok().stdout, b"old");
    vault(&["get", "new"]).fails(3, "no secret named");
    vault(&["put", "new"]).stdin(b"fits now").ok();
    drop(mount);
}

/// Another process holds SQLite's write lock: readers still read (WAL), a
/// writer gives up after the busy timeout with a clear error, and works
/// once the lock is gone.
#[test]
fn sqlite_locked_by_another_process() {
    let env = Env::new(Backend::Sqlite);
    env.init();
    env.put("k", b"old");
    let held = env.db().hold_write_lock();
    assert_eq!(env.get("k"), b"old", "reads are not blocked");
    let start = std::time::Instant::now();
    env.vault(&["put", "k"])
        .stdin(b"new")
        .fails(7, "is locked by another process");
    assert!(
        start.elapsed() >= Duration::from_secs(4),
        "waited for the busy timeout"
    );
    held.rollback();
    env.vault(&["put", "k"]).stdin(b"new").ok();
    assert_eq!(env.get("k"), b"new");
}

fn fifty_racing_creates_have_one_winner(env: &Env) {
    env.init();
    let writers = if soak() { 200 } else { 50 };
    let runs: Vec<_> = (0..writers)
        .map(|i| {
            let run = env
                .vault(&["put", "race", "--no-overwrite"])
                .stdin(format!("writer-{i}").as_bytes());
            std::thread::spawn(move || run.run())
        })
        .collect();
    let outs: Vec<_> = runs.into_iter().map(|h| h.join().unwrap()).collect();
    let winners: Vec<usize> = (0..outs.len()).filter(|&i| outs[i].code == 0).collect();
    assert_eq!(winners.len(), 1, "{outs:?}");
    for (i, o) in outs.iter().enumerate() {
        if i != winners[0] {
            assert_eq!(o.code, 4, "{o:?}");
            assert!(o.stdout.is_empty());
            assert!(o.stderr.contains("\"race\" already exists"), "{}", o.stderr);
            assert_eq!(o.stderr.lines().count(), 1);
        }
    }
    assert_eq!(env.db().count(), 1);
    assert_eq!(env.get("race"), format!("writer-{}", winners[0]).into_bytes());
}

fn pipes_and_closed_descriptors(env: &Env) {
    env.init();
    let m = marker();
    let value: Vec<u8> = m.as_bytes().iter().cycle().take(300_000).copied().collect();
    env.put("big", &value);
    let run = |script: &str| {
        let out = shell(env, script).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(!stderr.contains("panicked"), "{script}: {stderr}");
        assert_clean(script, &out.stderr, &[&m]);
        (out.status.code(), out.stdout, stderr)
    };
    // `get | head -c1`: the reader goes away early; not an error.
    let (_, stdout, stderr) = run("{ \"$VAULT\" get big; echo \"rc=$?\" >&2; } | head -c1");
    assert_eq!(stdout, &m.as_bytes()[..1]);
    assert_eq!(stderr, "rc=0\n", "exit 0 and nothing else on stderr");
    // stdout closed (`>&-`): Rust reopens descriptors 0-2 on /dev/null before
    // main, so this is `> /dev/null` (how `get X > /dev/null && echo present`
    // works): exit 0, nothing printed, and — the point — the value does not
    // land in whatever file or socket vault opened next as descriptor 1.
    let (code, _, stderr) = run("\"$VAULT\" get big >&-");
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    let (code, _, stderr) = run("\"$VAULT\" ls >&- 2>&-");
    assert_eq!(code, Some(0), "{stderr}");
    // stderr closed on an error: the exit code still tells.
    let (code, _, _) = run("\"$VAULT\" get missing 2>&-");
    assert_eq!(code, Some(3));
    if env.backend == Backend::Sqlite {
        for entry in std::fs::read_dir(env.data_dir()).unwrap().flatten() {
            if entry.path().is_dir() {
                continue; // pins/: public data only
            }
            let bytes = std::fs::read(entry.path()).unwrap();
            assert_clean(&entry.path().display().to_string(), &bytes, &[&m]);
        }
    }
    assert_eq!(env.get("big"), value);
}

/// `init` with its config directory on a read-only file system: a clear
/// error, and no identity, half-written or temporary, left behind.
#[test]
fn init_into_a_read_only_directory() {
    if !is_root() {
        return skip("a read-only tmpfs needs root (CI runs as root)");
    }
    let env = Env::new(Backend::Sqlite);
    let cfg = env.home.path().join("ro");
    let Some(mount) = Mount::tmpfs(&cfg, "size=1m,mode=0700") else {
        return skip("mount -t tmpfs is not permitted here");
    };
    std::fs::create_dir(cfg.join("vault")).unwrap();
    std::fs::set_permissions(
        cfg.join("vault"),
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )
    .unwrap();
    mount.remount("ro");
    let out = env
        .vault(&["init"])
        .env("XDG_CONFIG_HOME", &cfg)
        .fails(1, "Read-only file system");
    assert!(out.stderr.contains("identity.txt"), "{}", out.stderr);
    assert!(out.stderr.contains("use a writable location"), "{}", out.stderr);
    assert_eq!(
        std::fs::read_dir(cfg.join("vault")).unwrap().count(),
        0,
        "nothing left"
    );
    // Writable again: init completes and reuses the database it created.
    mount.remount("rw");
    env.vault(&["init"]).env("XDG_CONFIG_HOME", &cfg).ok();
    let names: Vec<_> = std::fs::read_dir(cfg.join("vault"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    let mut names = names;
    names.sort();
    assert_eq!(names, ["config.toml", "identity.txt"], "no temporary files");
    env.vault(&["put", "k"])
        .env("XDG_CONFIG_HOME", &cfg)
        .stdin(b"v")
        .ok();
}
