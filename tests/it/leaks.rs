//! Leaks: the PostgreSQL server log after provoked errors, `/proc/*/cmdline`
//! while commands run, the database password in every message, a running
//! vault's environment and core-dump settings, error paths under
//! `RUST_LOG=trace RUST_BACKTRACE=full`, and temporary files.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::attack_util::*;
use crate::both;
use crate::harness::{Backend, Env, skip};

both!(error_paths_print_no_secret_or_backtrace, no_temporary_files);

fn pg() -> Env {
    Env::new(Backend::Postgres)
}

/// Errors provoked on purpose — a unique violation inside a put (our
/// uncommitted insert of the same name), a `--no-overwrite` conflict, an
/// integrity failure — and the server log (every statement, bind parameters
/// and errors) still holds no plaintext and no secret key.
#[test]
fn server_log_holds_no_secret_after_errors() {
    let env = pg();
    let Some(log) = PgLog::mark() else {
        return skip("an external test server (VAULT_TEST_DATABASE_URL) has no log to read");
    };
    env.init();
    let me = identity_secret(&env);
    let (a, b, c, d) = (marker(), marker(), marker(), marker());
    env.put("k", a.as_bytes());
    env.vault(&["put", "k", "--no-overwrite"])
        .stdin(b.as_bytes())
        .fails(4, "already exists");
    for (flag, value, code) in [(Some("--no-overwrite"), &c, 4), (None, &d, 0)] {
        // Our row, not yet committed: vault's INSERT waits on the unique index,
        // then fails with 23505 when we commit.
        let held = env.db().hold_insert("race", "placeholder");
        let mut args = vec!["put", "race"];
        args.extend(flag);
        let run = env.vault(&args).stdin(value.as_bytes());
        let put = std::thread::spawn(move || run.run());
        blocked_vault_backend(&env);
        held.commit();
        let out = put.join().unwrap();
        assert_eq!(out.code, code, "{out:?}");
        assert_out_clean("race", &out, &[&a, &b, &c, &d, &me]);
        env.db().delete("race");
    }
    set_secret(&env, "k", &armor(&dearmor(&secret_of(&env, "k"))[..200]));
    env.vault(&["get", "k"]).fails(6, "refused");
    let text = log.since();
    let text_str = String::from_utf8_lossy(&text);
    assert!(
        text_str.contains("duplicate key value violates unique constraint \"secrets_name_idx\""),
        "the unique violation was provoked and logged"
    );
    assert!(
        text_str.contains("BEGIN AGE ENCRYPTED FILE"),
        "bind parameters are logged"
    );
    // The log is shared by every test; other tests' markers are theirs.
    assert_clean("server log", &text, &[&a, &b, &c, &d, &me]);
}

/// A loop over `/proc/*/cmdline` during puts and gets (URL with a password
/// in the environment) never sees a value, the identity or the password; the
/// password appears as `***` in verbose output and in errors that show the URL.
#[test]
fn cmdline_and_messages_never_show_secrets() {
    let env = pg();
    env.init();
    let role = PwRole::new(&env);
    let me = identity_secret(&env);
    let m = marker();
    let needles = vec![m.clone(), me.clone(), role.password.clone()];
    let scan = ProcScan::start(needles.clone());
    for i in 0..10 {
        let name = format!("n/{i}");
        let put = env
            .vault(&["put", &name, "-v"])
            .env("VAULT_DATABASE_URL", &role.url)
            .stdin(m.as_bytes())
            .ok();
        assert!(put.stderr.contains("***"), "{}", put.stderr);
        let get = env
            .vault(&["get", &name, "--verbose"])
            .env("VAULT_DATABASE_URL", &role.url)
            .ok();
        assert_eq!(get.stdout, m.as_bytes());
        assert_clean("get -v stderr", get.stderr.as_bytes(), &[&m, &me, &role.password]);
        assert_clean("put -v stderr", put.stderr.as_bytes(), &[&m, &me, &role.password]);
    }
    let report = scan.finish();
    assert!(report.hits.is_empty(), "{:?}", report.hits);
    assert!(
        !report.vault_pids.is_empty(),
        "the scan saw no vault process in {} passes",
        report.passes
    );
    // Errors that show the URL.
    let empty = crate::pg::cluster().new_database();
    let url = role.url.replace(
        &format!("/{}", env.url().rsplit('/').next().unwrap()),
        &format!("/{}", empty.name()),
    );
    let out = env
        .vault(&["get", "k"])
        .env("VAULT_DATABASE_URL", &url)
        .fails(7, "holds no vault");
    assert!(out.stderr.contains(":***@"), "{}", out.stderr);
    assert_out_clean("no vault", &out, &[&role.password]);
    let out = env
        .vault(&["ls", "-v", "--database-url", &format!("{url}&x")])
        .run();
    assert_out_clean("bad url", &out, &[&role.password]);
    // A second user whose role has only table privileges can `vault init`
    // against the existing vault (regression: init used to need CREATE on
    // the database), and nothing it prints shows the password.
    let other = Env::new(Backend::Sqlite);
    let out = other
        .vault(&["init", "-v"])
        .env("VAULT_DATABASE_URL", &role.url)
        .ok();
    assert_out_clean("init", &out, &[&role.password]);
}

/// `PR_SET_DUMPABLE=0` and `RLIMIT_CORE=0` on a live vault: run it as
/// `nobody`, blocked reading its value from a pipe, and try to read its
/// environment as `nobody` too. A control process (`sleep`) shows the same
/// read works on an ordinary process of that user.
#[test]
fn running_vault_hides_its_environment_and_dumps_no_core() {
    if !is_root() {
        return skip("switching to the nobody user needs root (CI runs as root)");
    }
    let home = tempfile::tempdir().unwrap();
    // `put` checks the identity before it reads the value, so give nobody one.
    let config = home.path().join(".config/vault");
    std::fs::create_dir_all(&config).unwrap();
    let identity = {
        use age::secrecy::ExposeSecret;
        age::x25519::Identity::generate()
            .to_string()
            .expose_secret()
            .to_owned()
    };
    std::fs::write(config.join("identity.txt"), format!("{identity}\n")).unwrap();
    for (p, mode) in [
        (home.path().join(".config"), 0o700),
        (config.clone(), 0o700),
        (config.join("identity.txt"), 0o600),
    ] {
        std::fs::set_permissions(&p, std::os::unix::fs::PermissionsExt::from_mode(mode)).unwrap();
    }
    let chown = Command::new("chown")
        .args(["-R", "nobody:"])
        .arg(home.path())
        .status()
        .unwrap();
    assert!(chown.success());
    let secret_env = format!("postgres://u:{}@127.0.0.1:1/db", marker());
    let as_nobody = |program: &str| {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(program)
            .env_clear()
            .env("HOME", home.path())
            .env("VAULT_DATABASE_URL", &secret_env)
            .current_dir(home.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        c
    };
    let mut vault = as_nobody(env!("CARGO_BIN_EXE_vault"))
        .args(["put", "k"])
        .spawn()
        .unwrap();
    let mut control = as_nobody("sleep").arg("30").spawn().unwrap();
    let read_environ = |pid: u32| {
        Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--", "cat"])
            .arg(format!("/proc/{pid}/environ"))
            .output()
            .unwrap()
    };
    // Wait until setpriv has exec'd vault, then give it a moment to reach
    // its read of stdin (it hardens itself first thing in main).
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_vault"));
    wait_for("vault to start", Duration::from_secs(10), || {
        (std::fs::read_link(format!("/proc/{}/exe", vault.id())).ok()? == bin).then_some(())
    });
    std::thread::sleep(Duration::from_millis(300));
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", vault.id())).unwrap();
    let core = limits
        .lines()
        .find(|l| l.starts_with("Max core file size"))
        .unwrap();
    assert_eq!(core.split_whitespace().nth(4), Some("0"), "soft limit: {core}");
    assert_eq!(core.split_whitespace().nth(5), Some("0"), "hard limit: {core}");
    let theirs = read_environ(vault.id());
    assert!(!theirs.status.success(), "nobody read vault's environment");
    assert_clean("vault environ", &theirs.stdout, &[&secret_env]);
    let owner = std::fs::metadata(format!("/proc/{}/environ", vault.id()))
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m))
        .unwrap();
    assert_eq!(owner, 0, "non-dumpable: /proc/PID files belong to root");
    let ctl = read_environ(control.id());
    assert!(
        ctl.status.success(),
        "control: {}",
        String::from_utf8_lossy(&ctl.stderr)
    );
    assert!(String::from_utf8_lossy(&ctl.stdout).contains(&secret_env));
    drop(vault.stdin.take());
    let _ = vault.wait();
    let _ = control.kill();
    let _ = control.wait();
}

/// Every error path under `RUST_LOG=trace` and `RUST_BACKTRACE=full`: one
/// line, the documented exit code, no value, no key, no backtrace.
fn error_paths_print_no_secret_or_backtrace(env: &Env) {
    env.init();
    let me = identity_secret(env);
    let m = marker();
    env.put("k", m.as_bytes());
    env.put("t", m.as_bytes());
    let noisy = |args: &[&str]| {
        env.vault(args)
            .env("RUST_LOG", "trace")
            .env("RUST_BACKTRACE", "full")
            .env("RUST_LIB_BACKTRACE", "1")
    };
    let bin = env.home.path().join("other-identity.txt");
    std::fs::write(&bin, format!("{me}\n{me}\n")).unwrap();
    std::fs::set_permissions(&bin, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    set_secret(env, "t", &armor(&dearmor(&secret_of(env, "t"))[..300]));
    type Case<'a> = (Vec<&'a str>, Option<&'a [u8]>, i32, &'a str);
    let cases: Vec<Case> = vec![
        (vec!["get", "missing"], None, 3, "no secret named"),
        (vec!["get", "t"], None, 6, "refused"),
        (
            vec!["put", "k", "--no-overwrite"],
            Some(m.as_bytes()),
            4,
            "already exists",
        ),
        (
            vec!["put", "bad name"],
            Some(m.as_bytes()),
            2,
            "invalid secret name",
        ),
        (
            vec!["put", "huge"],
            Some(&[b'x'; 1024 * 1024 + 1]),
            2,
            "over the limit",
        ),
        (vec!["rm", "missing"], None, 3, "no secret named"),
        (
            vec!["get", "k", "--identity", bin.to_str().unwrap()],
            None,
            8,
            "more than one identity",
        ),
        (
            vec!["get", "k", "--database-url", "postgres://u:pw@127.0.0.1:1/x"],
            None,
            7,
            "cannot reach",
        ),
    ];
    for (args, stdin, code, needle) in cases {
        let mut run = noisy(&args);
        if let Some(s) = stdin {
            run = run.stdin(s);
        }
        let out = run.fails(code, needle);
        assert!(!out.stderr.contains("backtrace"), "{}", out.stderr);
        assert_out_clean(&format!("{args:?}"), &out, &[&m, &me]);
    }
    // The identity gone: a wrong key opens nothing and says so without a key.
    let (stranger, _) = (Env::new(Backend::Sqlite), ());
    stranger.init();
    let out = noisy(&[
        "get",
        "k",
        "--identity",
        stranger.identity_path().to_str().unwrap(),
    ])
    .fails(5, "vault key");
    assert_out_clean("stranger", &out, &[&m, &me, &identity_secret(&stranger)]);
}

/// No temporary files: a private TMPDIR stays empty, and HOME holds exactly
/// the files init made (besides SQLite's -wal/-shm files, which a reader leaves).
fn no_temporary_files(env: &Env) {
    let tmp = tempfile::tempdir().unwrap();
    let with_tmp = |args: &[&str]| env.vault(args).env("TMPDIR", tmp.path());
    with_tmp(&["init"]).ok();
    // SQLite's own -wal/-shm files come and go with connections (0600, like
    // the database: see attacks::files_are_private_under_any_umask).
    let home_tree = || -> BTreeMap<PathBuf, u32> {
        tree(env.home.path())
            .into_iter()
            .filter(|(p, _)| !p.to_string_lossy().ends_with("-wal") && !p.to_string_lossy().ends_with("-shm"))
            // Pins (named by a hash of the location) are checked apart.
            .filter(|(p, _)| {
                !(p.starts_with("data/vault/pins/") && p.extension().is_some_and(|e| e == "json"))
            })
            .collect()
    };
    let after_init = home_tree();
    // The pin of the vault init made, and nothing else there.
    let pins = || std::fs::read_dir(env.data_dir().join("pins")).unwrap().count();
    assert_eq!(pins(), 1);
    let mut expected = vec![
        "config",
        "config/vault",
        "config/vault/identity.txt",
        "config/vault/config.toml",
    ];
    expected.extend(["data", "data/vault", "data/vault/pins"]);
    if env.backend == Backend::Sqlite {
        expected.push("data/vault/vault.db");
    }
    let mut want: Vec<PathBuf> = expected.iter().map(PathBuf::from).collect();
    want.sort();
    assert_eq!(after_init.keys().cloned().collect::<Vec<_>>(), want);
    let m = marker();
    with_tmp(&["put", "a", "-d", "x"]).stdin(m.as_bytes()).ok();
    let f = tmp
        .path()
        .join("..")
        .join(format!("value-{}", uuid::Uuid::new_v4()));
    std::fs::write(&f, m.as_bytes()).unwrap();
    with_tmp(&["put", "b", "--file", f.to_str().unwrap()]).ok();
    std::fs::remove_file(&f).unwrap();
    with_tmp(&["get", "a"]).ok();
    with_tmp(&["ls"]).ok();
    with_tmp(&["ls", "--json"]).ok();
    with_tmp(&["rm", "b"]).ok();
    with_tmp(&["init"]).ok();
    assert_eq!(
        std::fs::read_dir(tmp.path()).unwrap().count(),
        0,
        "TMPDIR untouched"
    );
    assert_eq!(home_tree(), after_init, "HOME unchanged");
    assert_eq!(pins(), 1, "one pin for one vault");
}
