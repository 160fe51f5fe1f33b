//! A streaming hot standby of the harness's own cluster (`pg_basebackup -R`),
//! and what vault does on it: reads work, writes fail with exit 7 naming the
//! server read-only; multi-host URLs pick a server by `target_session_attrs`.

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::harness::{Backend, Env, Run};
use crate::pg;

/// A running standby, stopped (and its directory removed) by a reaper when
/// this value is dropped or the test process ends.
struct Standby {
    port: u16,
    dir: PathBuf,
    reaper: Child,
}

impl Drop for Standby {
    fn drop(&mut self) {
        // Closing the reaper's stdin makes it stop the server; wait for it.
        drop(self.reaper.stdin.take());
        let _ = self.reaper.wait();
    }
}

fn as_server_user(program: &std::path::Path, user: &Option<String>) -> Command {
    let mut c = match user {
        Some(u) => {
            let mut c = Command::new("runuser");
            c.args(["-u", u, "--"]).arg(program);
            c
        }
        None => Command::new(program),
    };
    c.current_dir("/");
    for var in "PGDATA PGPORT PGHOST PGOPTIONS PGUSER PGDATABASE".split(' ') {
        c.env_remove(var);
    }
    c
}

fn run(cmd: &mut Command) {
    let out = cmd.stdin(Stdio::null()).output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Standby {
    fn start() -> Standby {
        let cluster = pg::cluster();
        assert!(
            cluster.is_own(),
            "the standby test needs the harness's own cluster"
        );
        let user = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
            .then(|| "postgres".to_owned());
        let dir = tempfile::Builder::new()
            .prefix("vault-test-standby-")
            .tempdir_in("/tmp")
            .unwrap()
            .keep();
        if let Some(u) = &user {
            run(Command::new("chown").arg(format!("{u}:")).arg(&dir));
        }
        let data = dir.join("data");
        let tool = |name: &str| pg::tool(name).unwrap_or_else(|| panic!("{name} not found"));
        run(as_server_user(&tool("pg_basebackup"), &user)
            .arg("-D")
            .arg(&data)
            .args([
                "-R",
                "-X",
                "stream",
                "--no-sync",
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-p",
            ])
            .arg(cluster.port().to_string()));
        // The reaper stops the standby once our end of its stdin closes.
        const SCRIPT: &str = r#"d=$1; shift
trap '' HUP INT QUIT TERM PIPE
read -r _ || :
"$@" -D "$d/data" stop -m immediate >/dev/null 2>&1
rm -rf "$d""#;
        let mut reaper = Command::new("sh");
        reaper.args(["-c", SCRIPT, "vault-test-standby-reaper"]).arg(&dir);
        if let Some(u) = &user {
            reaper.args(["runuser", "-u", u, "--"]);
        }
        let reaper = reaper
            .arg(tool("pg_ctl"))
            .current_dir("/")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let standby = Standby { port, dir, reaper };
        run(as_server_user(&tool("pg_ctl"), &user)
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(standby.dir.join("standby.log"))
            .args(["-w", "-t", "60", "-o"])
            .arg(format!("-p {port}"))
            .arg("start"));
        standby
    }
}

/// `env`'s database on the server at `port` (same database name).
fn url_at(env: &Env, hosts: &str, query: &str) -> String {
    let name = env.scalar("SELECT current_database()");
    format!("postgres://postgres@{hosts}/{name}{query}")
}

fn at(env: &Env, url: &str, args: &[&str]) -> Run {
    env.vault(args).env("VAULT_DATABASE_URL", url)
}

#[test]
fn standby_reads_and_refuses_writes_and_multi_host_urls_pick_a_server() {
    let _serial = pg::cluster().exclusive();
    let env = Env::new(Backend::Postgres);
    env.init();
    env.put("app/db", b"primary-value");
    env.put("app/key", b"k");
    let standby = Standby::start();
    let primary = pg::cluster().port();
    let on_standby = url_at(&env, &format!("127.0.0.1:{}", standby.port), "");
    // The standby has caught up with the base backup.
    let deadline = Instant::now() + Duration::from_secs(30);
    while at(&env, &on_standby, &["get", "app/db"]).run().code != 0 {
        assert!(Instant::now() < deadline, "the standby never served the vault");
        std::thread::sleep(Duration::from_millis(200));
    }
    // Reads work on the standby.
    assert_eq!(
        at(&env, &on_standby, &["get", "app/db"]).ok().stdout,
        b"primary-value"
    );
    assert_eq!(
        at(&env, &on_standby, &["ls"]).ok().stdout_str(),
        "app/db\napp/key\n"
    );
    let exported = at(&env, &on_standby, &["export", "app/"]).ok().stdout_str();
    assert!(exported.contains("primary-value"), "{exported}");
    at(&env, &on_standby, &["env", "app/"]).ok();
    let ran = at(
        &env,
        &on_standby,
        &["run", "--", "sh", "-c", "printf %s \"$APP_DB\""],
    )
    .ok()
    .stdout_str();
    assert_eq!(ran, "primary-value");
    // Shell completion reads the standby too (it only ever reads).
    let offered = at(&env, &on_standby, &["--", "vault", "get", "app/"])
        .env("COMPLETE", "fish")
        .ok()
        .stdout_str();
    assert_eq!(
        offered
            .lines()
            .map(|l| l.split('\t').next().unwrap())
            .collect::<Vec<_>>(),
        ["app/db", "app/key"],
        "{offered}"
    );
    // Writes fail with exit 7, naming the server read-only and the way out.
    let out = at(&env, &on_standby, &["put", "app/new"])
        .stdin(b"x")
        .fails(7, "read-only");
    assert!(out.stderr.contains("primary"), "{}", out.stderr);
    at(&env, &on_standby, &["rm", "app/key"]).fails(7, "read-only");
    at(&env, &on_standby, &["rotate"]).fails(7, "read-only");

    // Multi-host URLs: tried in order, the first that matches wins.
    let both = format!("127.0.0.1:{},127.0.0.1:{primary}", standby.port);
    let rw = url_at(&env, &both, "?target_session_attrs=read-write");
    at(&env, &rw, &["put", "app/new"]).stdin(b"via-primary").ok();
    assert_eq!(env.get("app/new"), b"via-primary");
    let primary_url = url_at(&env, &both, "?target_session_attrs=primary");
    at(&env, &primary_url, &["put", "app/new2"]).stdin(b"p").ok();
    // `any` takes the first host: the standby, where writes fail.
    let any = url_at(&env, &both, "?target_session_attrs=any");
    at(&env, &any, &["put", "app/no"])
        .stdin(b"x")
        .fails(7, "read-only");
    // A read may go to a standby when asked: prefer-standby with the primary first.
    let prefer = url_at(
        &env,
        &format!("127.0.0.1:{primary},127.0.0.1:{}", standby.port),
        "?target_session_attrs=prefer-standby",
    );
    assert_eq!(
        at(&env, &prefer, &["get", "app/db"]).ok().stdout,
        b"primary-value"
    );
    at(&env, &prefer, &["put", "app/no"])
        .stdin(b"x")
        .fails(7, "read-only");
    // prefer-standby falls back to the primary when no standby answers.
    let only_primary = url_at(
        &env,
        &format!("127.0.0.1:{primary}"),
        "?target_session_attrs=prefer-standby",
    );
    at(&env, &only_primary, &["put", "app/fallback"]).stdin(b"f").ok();
    // No host matching: one error naming each host and what it is.
    let no_standby = url_at(
        &env,
        &format!("127.0.0.1:{primary},127.0.0.1:1"),
        "?target_session_attrs=standby",
    );
    let out = at(&env, &no_standby, &["ls"]).fails(7, "accepted a standby session");
    assert!(out.stderr.contains("is a primary"), "{}", out.stderr);
    // A bad value is a usage error.
    let bad = url_at(&env, &both, "?target_session_attrs=master");
    at(&env, &bad, &["ls"]).fails(2, "target_session_attrs");
    drop(standby);
}
