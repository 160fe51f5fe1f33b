//! vault through PgBouncer (Debian's package), in transaction and in session
//! pooling, with a plain configuration: no `ignore_startup_parameters`, no
//! protocol-level prepared statements (1.18 has none), and a pool of two
//! server connections, so consecutive vault processes share server
//! connections (a named prepared statement left behind breaks the next one)
//! and concurrent ones take turns.
//!
//! Each mode's PgBouncer is started once per test process, in front of the
//! harness's own cluster, and stopped by a reaper when the process ends
//! (however it ends), like the cluster itself.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::harness::{Backend, Env, Run};
use crate::pg;

const PGBOUNCER: &str = "/usr/sbin/pgbouncer";

/// A running PgBouncer in front of the test cluster.
pub struct Bouncer {
    pub port: u16,
    pub dir: PathBuf,
    _reaper: Child,
}

/// The process-wide PgBouncer for `mode` ("transaction" or "session").
pub fn bouncer(mode: &'static str) -> &'static Bouncer {
    static TX: OnceLock<Result<Bouncer, String>> = OnceLock::new();
    static SESSION: OnceLock<Result<Bouncer, String>> = OnceLock::new();
    let cell = if mode == "transaction" { &TX } else { &SESSION };
    match cell.get_or_init(|| Bouncer::start(mode)) {
        Ok(b) => b,
        Err(e) => panic!("PgBouncer ({mode} pooling) unavailable: {e}"),
    }
}

impl Bouncer {
    fn start(mode: &str) -> Result<Bouncer, String> {
        if !std::path::Path::new(PGBOUNCER).is_file() {
            return Err(format!(
                "{PGBOUNCER} not found: install pgbouncer (`apt-get install pgbouncer`; .ci/run does this)"
            ));
        }
        let cluster = pg::cluster();
        let dir = tempfile::Builder::new()
            .prefix("vault-test-pgb-")
            .tempdir_in("/tmp")
            .map_err(|e| e.to_string())?
            .keep();
        let user = server_user();
        let port = free_port()?;
        let conf = format!(
            "[databases]\n\
             * = host={host} port={pgport}\n\
             [pgbouncer]\n\
             listen_addr = 127.0.0.1\n\
             listen_port = {port}\n\
             unix_socket_dir =\n\
             auth_type = trust\n\
             auth_file = {dir}/users.txt\n\
             pool_mode = {mode}\n\
             default_pool_size = 2\n\
             max_client_conn = 200\n\
             logfile = {dir}/pgbouncer.log\n\
             pidfile = {dir}/pgbouncer.pid\n",
            host = cluster.host(),
            pgport = cluster.port(),
            dir = dir.display(),
        );
        fs::write(dir.join("pgbouncer.ini"), conf).map_err(|e| e.to_string())?;
        fs::write(
            dir.join("users.txt"),
            "\"postgres\" \"\"\n\"vault_member\" \"\"\n\"supabase_admin\" \"\"\n",
        )
        .map_err(|e| e.to_string())?;
        if let Some(user) = &user {
            let ok = Command::new("chown")
                .arg("-R")
                .arg(format!("{user}:"))
                .arg(&dir)
                .status()
                .is_ok_and(|s| s.success());
            if !ok {
                return Err(format!("cannot chown {} to {user}", dir.display()));
            }
        }
        // The reaper runs PgBouncer and stops it (and removes the directory)
        // once our end of its stdin closes: at exit, panic or SIGKILL.
        const SCRIPT: &str = r#"d=$1; shift
trap '' HUP INT QUIT TERM PIPE
"$@" "$d/pgbouncer.ini" </dev/null >/dev/null 2>&1 &
p=$!
read -r _ || :
kill "$p" 2>/dev/null; wait "$p" 2>/dev/null
rm -rf "$d""#;
        let mut cmd = Command::new("sh");
        cmd.args(["-c", SCRIPT, "vault-test-pgb-reaper"]).arg(&dir);
        if let Some(user) = &user {
            cmd.args(["runuser", "-u", user, "--"]);
        }
        cmd.arg(PGBOUNCER)
            .current_dir("/")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0);
        let reaper = cmd.spawn().map_err(|e| format!("cannot start PgBouncer: {e}"))?;
        let b = Bouncer {
            port,
            dir,
            _reaper: reaper,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                return Err(format!("PgBouncer did not start:\n{}", b.log()));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(b)
    }

    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.join("pgbouncer.log")).unwrap_or_default()
    }

    /// `url` (a test database on the cluster) reached through this PgBouncer.
    pub fn url_for(&self, url: &str) -> String {
        let cluster = pg::cluster();
        url.replace(
            &format!("{}:{}", cluster.host(), cluster.port()),
            &format!("127.0.0.1:{}", self.port),
        )
    }
}

fn server_user() -> Option<String> {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    root.then(|| "postgres".to_owned())
}

fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(listener.local_addr().map_err(|e| e.to_string())?.port())
}

/// One user on a fresh vault, every command through PgBouncer in `mode`.
pub struct Pooled {
    pub env: Env,
    pub url: String,
}

impl Pooled {
    pub fn new(mode: &'static str) -> Pooled {
        let env = Env::new(Backend::Postgres);
        let url = bouncer(mode).url_for(&env.url());
        Pooled { env, url }
    }

    pub fn vault(&self, args: &[&str]) -> Run {
        self.env.vault(args).env("VAULT_DATABASE_URL", &self.url)
    }

    fn put(&self, name: &str, value: &[u8]) {
        self.vault(&["put", name]).stdin(value).ok();
    }

    fn get(&self, name: &str) -> Vec<u8> {
        self.vault(&["get", name]).ok().stdout
    }
}

/// Runs a story as two tests: through PgBouncer in transaction and in session pooling.
macro_rules! pooled {
    ($($story:ident),* $(,)?) => {$(
        mod $story {
            #[test]
            fn transaction() {
                super::$story(&super::Pooled::new("transaction"))
            }
            #[test]
            fn session() {
                super::$story(&super::Pooled::new("session"))
            }
        }
    )*};
}

pooled!(
    everyday_commands,
    import_of_200,
    rotate_twice,
    killed_rotation_resumes,
    member_add,
    eight_concurrent_puts
);

fn everyday_commands(p: &Pooled) {
    p.vault(&["init"]).ok();
    // Several processes in a row share the pool's two server connections.
    for i in 0..6 {
        p.put(&format!("app/k{i}"), format!("v{i}").as_bytes());
    }
    for i in 0..6 {
        assert_eq!(p.get(&format!("app/k{i}")), format!("v{i}").into_bytes());
    }
    let ls = p.vault(&["ls"]).ok().stdout_str();
    assert_eq!(ls.lines().count(), 6, "{ls}");
    // Completion reads the names in one simple query, through the pooler too.
    let offered = p
        .vault(&["--", "vault", "get", "app/k"])
        .env("COMPLETE", "fish")
        .ok()
        .stdout_str();
    assert_eq!(offered.lines().count(), 6, "{offered}");
    p.vault(&["rm", "app/k0"]).ok();
    p.vault(&["get", "app/k0"]).fails(3, "no secret named");
    let env_out = p.vault(&["env", "app/"]).ok().stdout_str();
    assert!(env_out.contains("v5"), "{env_out}");
    let export = p.vault(&["export", "--format", "json"]).ok().stdout_str();
    assert!(export.contains("\"app/k1\""), "{export}");
    // `vault init` again (schema check, no migration) works too.
    p.vault(&["init"]).ok();
}

fn import_of_200(p: &Pooled) {
    p.vault(&["init"]).ok();
    let dotenv: String = (0..200).map(|i| format!("K{i}=value-{i}\n")).collect();
    p.vault(&["import", "-", "--prefix", "imp/"])
        .stdin(dotenv.as_bytes())
        .ok();
    assert_eq!(p.vault(&["ls", "imp/"]).ok().stdout_str().lines().count(), 200);
    assert_eq!(p.get("imp/K199"), b"value-199");
    assert_eq!(p.get("imp/K0"), b"value-0");
}

/// The vault's keys: state per key id.
fn key_states(env: &Env) -> Vec<String> {
    env.query(&format!(
        "SELECT state FROM {} ORDER BY created_at",
        env.table("keys")
    ))
    .into_iter()
    .map(|r| r[0].clone())
    .collect()
}

fn rotate_twice(p: &Pooled) {
    p.vault(&["init"]).ok();
    for i in 0..30 {
        p.put(&format!("r/{i}"), format!("value-{i}").as_bytes());
    }
    p.vault(&["rotate"]).env("VAULT_ROTATE_BATCH", "7").ok();
    p.vault(&["rotate"]).env("VAULT_ROTATE_BATCH", "7").ok();
    assert_eq!(key_states(&p.env), ["retired", "retired", "current"]);
    for i in 0..30 {
        assert_eq!(p.get(&format!("r/{i}")), format!("value-{i}").into_bytes());
    }
    // The lease is released: nothing is left in the lease table.
    assert_eq!(
        p.env
            .scalar(&format!("SELECT count(*) FROM {}", p.env.table("rotation_lease"))),
        "0"
    );
}

fn killed_rotation_resumes(p: &Pooled) {
    p.vault(&["init"]).ok();
    let n = 600;
    let dotenv: String = (0..n).map(|i| format!("K{i}=value-{i}\n")).collect();
    p.vault(&["import", "-"]).stdin(dotenv.as_bytes()).ok();
    let keys = p.env.table("keys");
    let mut killed_mid = false;
    for _ in 0..5 {
        let mut run = p.vault(&["rotate"]).env("VAULT_ROTATE_BATCH", "10");
        run.cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut child = run.cmd.spawn().unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline && child.try_wait().unwrap().is_none() {
            let moving = p
                .env
                .scalar(&format!("SELECT count(*) FROM {keys} WHERE state = 'retiring'"));
            if moving != "0" {
                child.kill().unwrap(); // SIGKILL
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        let status = child.wait().unwrap();
        if !status.success() {
            killed_mid = p
                .env
                .scalar(&format!("SELECT count(*) FROM {keys} WHERE state = 'retiring'"))
                != "0";
            if killed_mid {
                break;
            }
        }
    }
    assert!(killed_mid, "no kill landed mid-rotation");
    // The killed rotation's lease is still there, held by a dead process on this host.
    assert_eq!(
        p.env
            .scalar(&format!("SELECT count(*) FROM {}", p.env.table("rotation_lease"))),
        "1"
    );
    // Every secret still opens.
    assert_eq!(p.get("K0"), b"value-0");
    let out = p.vault(&["rotate"]).ok();
    assert!(
        out.stderr.starts_with("resumed an interrupted rotation"),
        "{}",
        out.stderr
    );
    assert!(key_states(&p.env).iter().all(|s| s != "retiring"));
    let all = p.vault(&["export", "--format", "json"]).ok().stdout;
    let all: BTreeMap<String, String> = serde_json::from_slice(&all).unwrap();
    assert_eq!(all.len(), n);
    assert!(all.iter().all(|(k, v)| v == &format!("value-{}", &k[1..])));
}

fn member_add(p: &Pooled) {
    p.vault(&["init"]).ok();
    p.put("shared", b"together");
    let other = p.env.another_user();
    let other_url = p.url.clone();
    let ovault = |args: &[&str]| other.vault(args).env("VAULT_DATABASE_URL", &other_url);
    ovault(&["init", "--name", "bob"]).ok();
    let whoami = ovault(&["whoami"]).ok().stdout_str();
    let recipient = whoami.lines().next().unwrap().trim().to_owned();
    p.vault(&["member", "add", &recipient, "--name", "bob"]).ok();
    assert_eq!(ovault(&["get", "shared"]).ok().stdout, b"together");
    let members = p.vault(&["member", "ls"]).ok().stdout_str();
    assert!(members.contains("bob"), "{members}");
}

fn eight_concurrent_puts(p: &Pooled) {
    p.vault(&["init"]).ok();
    let runs: Vec<_> = (0..8)
        .map(|i| {
            let run = p
                .vault(&["put", &format!("c/{i}")])
                .stdin(format!("value-{i}").as_bytes());
            std::thread::spawn(move || run.run())
        })
        .collect();
    for (i, h) in runs.into_iter().enumerate() {
        let out = h.join().unwrap();
        assert_eq!(out.code, 0, "writer {i}: {}", out.stderr);
    }
    for i in 0..8 {
        assert_eq!(p.get(&format!("c/{i}")), format!("value-{i}").into_bytes());
    }
}

/// A plain PgBouncer refuses `extra_float_digits` at startup; vault does not send it.
#[test]
fn no_startup_parameter_a_pooler_refuses() {
    let p = Pooled::new("transaction");
    p.vault(&["init"]).ok();
    assert!(
        !bouncer("transaction")
            .log()
            .contains("unsupported startup parameter")
    );
}

/// The lease of a rotation that died elsewhere blocks `vault rotate` (exit 4)
/// until it expires; then the next rotation takes over and finishes.
#[test]
fn lease_of_a_rotation_elsewhere_expires() {
    let p = Pooled::new("transaction");
    p.vault(&["init"]).ok();
    p.put("a", b"1");
    let lease = p.env.table("rotation_lease");
    p.env.exec(&format!(
        "INSERT INTO {lease} (id, holder, host, pid, expires_at) \
         VALUES (true, gen_random_uuid(), 'another-host', 1, now() + interval '1 hour')"
    ));
    p.vault(&["rotate"]).fails(4, "another `vault rotate` is running");
    assert_eq!(key_states(&p.env), ["current"]);
    p.env.exec(&format!(
        "UPDATE {lease} SET expires_at = now() - interval '1 second'"
    ));
    p.vault(&["rotate"]).ok();
    assert_eq!(key_states(&p.env), ["retired", "current"]);
    assert_eq!(p.get("a"), b"1");
    assert_eq!(p.env.scalar(&format!("SELECT count(*) FROM {lease}")), "0");
}
