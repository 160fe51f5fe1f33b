//! A throwaway PostgreSQL cluster shared by every test of the process.
//!
//! With `VAULT_TEST_DATABASE_URL` set (a superuser or CREATEDB URL) the tests
//! use that server and nothing is started. Otherwise the first call to
//! [`cluster`] runs initdb in a fresh directory under /tmp and starts a server
//! on a free port, with TLS, trust auth, and every statement logged (the leak
//! tests read the log). Each test gets its own database from
//! [`Cluster::new_database`], dropped again when the `TestDb` is dropped.
//!
//! Statics are never dropped, so the cluster cannot be stopped from a
//! destructor. Instead a small reaper shell waits on a pipe whose write end only
//! this process holds: however the process ends (normal exit, panic, SIGKILL)
//! the kernel closes the pipe, `read` returns, and the reaper stops the server
//! and removes the directory.

#![allow(dead_code)] // not every test binary uses every helper

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::str::FromStr;
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

const ENV_URL: &str = "VAULT_TEST_DATABASE_URL";

pub struct Cluster {
    /// URL of the `postgres` maintenance database, used to create/drop test databases.
    admin_url: String,
    host: String,
    port: u16,
    own: Option<Own>,
    exclusive: Mutex<()>,
}

/// State of a cluster this process started.
struct Own {
    dir: PathBuf,
    log: PathBuf,
    ca: PathBuf,
    bindir: PathBuf,
    /// `Some("postgres")` when we are root: initdb and postgres refuse to run as root.
    user: Option<String>,
    /// Holds the write end of the reaper's stdin; never used, only kept open.
    _reaper: Child,
}

/// The process-wide cluster (see the module docs).
pub fn cluster() -> &'static Cluster {
    // A Result, so a failed start is reported once instead of retried by every test.
    static CLUSTER: OnceLock<Result<Cluster, String>> = OnceLock::new();
    match CLUSTER.get_or_init(Cluster::setup) {
        Ok(cluster) => cluster,
        Err(e) => panic!("test PostgreSQL cluster unavailable: {e}"),
    }
}

impl Cluster {
    fn setup() -> Result<Cluster, String> {
        match std::env::var(ENV_URL) {
            Ok(url) if !url.is_empty() => Cluster::external(url),
            _ => Cluster::start_own(),
        }
    }

    fn external(url: String) -> Result<Cluster, String> {
        let opts =
            sqlx::postgres::PgConnectOptions::from_str(&url).map_err(|e| format!("bad {ENV_URL}: {e}"))?;
        crate::sql::try_exec(&url, "select 1")?;
        Ok(Cluster {
            host: opts.get_host().to_owned(),
            port: opts.get_port(),
            admin_url: url,
            own: None,
            exclusive: Mutex::new(()),
        })
    }

    fn start_own() -> Result<Cluster, String> {
        let bindir = find_bindir().ok_or(
            "PostgreSQL server binaries (initdb, pg_ctl) not found on PATH or in \
             /usr/lib/postgresql/*/bin: install postgresql (e.g. `apt-get install postgresql`; \
             .ci/run does this), or set VAULT_TEST_DATABASE_URL",
        )?;
        let user = if run(Command::new("id").arg("-u"))?.trim() == "0" {
            Some(server_user()?)
        } else {
            None
        };
        let dir = tempfile::Builder::new()
            .prefix("vault-test-pg-")
            .tempdir_in("/tmp") // short path: unix socket paths are limited to 107 bytes
            .map_err(|e| format!("cannot create temp dir: {e}"))?
            .keep();
        // The reaper comes first so that even a half-initialised cluster is cleaned up.
        let reaper = spawn_reaper(&dir, &bindir, user.as_deref())?;
        let own = Own {
            log: dir.join("server.log"),
            ca: dir.join("ca.pem"),
            dir,
            bindir,
            user,
            _reaper: reaper,
        };
        own.init()?;
        let mut last_err = String::new();
        // The free port may be taken between our probe and the server's bind: retry.
        for _ in 0..5 {
            let port = free_port()?;
            match own.pg_start(port) {
                Ok(()) => {
                    return Ok(Cluster {
                        admin_url: format!("postgres://postgres@127.0.0.1:{port}/postgres"),
                        host: "127.0.0.1".into(),
                        port,
                        own: Some(own),
                        exclusive: Mutex::new(()),
                    });
                }
                Err(e) if own.log().contains("could not bind") => last_err = e,
                Err(e) => return Err(e),
            }
        }
        Err(last_err)
    }

    /// A brand-new empty database with a unique name, dropped with the returned value.
    pub fn new_database(&self) -> TestDb {
        let name = format!("vt_{}", uuid::Uuid::new_v4().simple());
        // template0: nobody ever connects to it, so concurrent creates never conflict.
        crate::sql::exec(
            &self.admin_url,
            &format!("CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8'"),
        );
        TestDb {
            url: with_database(&self.admin_url, &name),
            admin_url: self.admin_url.clone(),
            name,
        }
    }

    /// True when this process started the cluster itself (so stop/start and the log are available).
    pub fn is_own(&self) -> bool {
        self.own.is_some()
    }

    /// Own cluster only: the server log (every statement, connection and error).
    pub fn log_path(&self) -> Option<&Path> {
        self.own.as_ref().map(|o| o.log.as_path())
    }

    /// Own cluster only: PEM of the CA that signed the server certificate
    /// (valid for `localhost` and `127.0.0.1`).
    pub fn ca_cert_path(&self) -> Option<&Path> {
        self.own.as_ref().map(|o| o.ca.as_path())
    }

    /// Own cluster only: the unix socket directory. sqlx rejects `postgres://postgres@/db?host=DIR`
    /// ("empty host"); `postgres://postgres@localhost:PORT/db?host=DIR` works (the port picks the
    /// socket file), as does `postgres:///db?host=DIR&port=PORT&user=postgres`.
    pub fn socket_dir(&self) -> Option<&Path> {
        self.own.as_ref().map(|o| o.dir.as_path())
    }

    pub fn host(&self) -> String {
        self.host.clone()
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serializes the tests that stop or restart the server.
    pub fn exclusive(&self) -> MutexGuard<'_, ()> {
        // A failed fault test must not fail every later one with PoisonError.
        self.exclusive.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Own cluster only: stop the server (fast shutdown: sessions are disconnected).
    pub fn stop(&self) {
        let own = self.own.as_ref().expect("stop() needs the test's own cluster");
        run(own.pg_ctl().args(["stop", "-w", "-m", "fast"]))
            .unwrap_or_else(|e| panic!("{e}\n--- server log ---\n{}", own.log()));
    }

    /// Own cluster only: start the server again on the same port.
    pub fn start(&self) {
        let own = self.own.as_ref().expect("start() needs the test's own cluster");
        own.pg_start(self.port).unwrap_or_else(|e| panic!("{e}"));
    }
}

/// A database that exists for the lifetime of this value.
pub struct TestDb {
    name: String,
    url: String,
    admin_url: String,
}

impl TestDb {
    /// `postgres://postgres@127.0.0.1:PORT/NAME` (no sslmode) for the own cluster.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        // Never panic here (we may already be unwinding); FORCE ends sessions a
        // killed `vault` left behind. An own cluster is removed at exit anyway.
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        if let Err(e) = crate::sql::try_exec(&self.admin_url, &sql) {
            eprintln!("warning: could not drop test database {}: {e}", self.name);
        }
    }
}

impl Own {
    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn log(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// A server program, run as the server user when we are root.
    fn server_cmd(&self, program: &str) -> Command {
        let mut cmd = match &self.user {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(self.bindir.join(program));
                c
            }
            None => Command::new(self.bindir.join(program)),
        };
        // The caller's cwd may be unreadable for the server user; PG* variables
        // from the environment must not redirect our commands.
        cmd.current_dir(&self.dir);
        for var in "PGDATA PGPORT PGHOST PGOPTIONS PGUSER PGDATABASE".split(' ') {
            cmd.env_remove(var);
        }
        cmd
    }

    fn pg_ctl(&self) -> Command {
        let mut cmd = self.server_cmd("pg_ctl");
        cmd.arg("-D").arg(self.data());
        cmd
    }

    /// Certificates, initdb and configuration; everything lives in `self.dir`.
    fn init(&self) -> Result<(), String> {
        make_certs(&self.dir)?;
        if let Some(user) = &self.user {
            run(Command::new("chown")
                .arg("-R")
                .arg(format!("{user}:"))
                .arg(&self.dir))?;
        }
        let initdb_args = "-U postgres -A trust -E UTF8 --locale=C --no-sync";
        run((self.server_cmd("initdb").arg("-D").arg(self.data())).args(initdb_args.split(' ')))?;
        let dir = self.dir.display();
        // Appending/overwriting existing files keeps their owner (the server user).
        let conf = format!(
            "\n# vault integration tests\n\
             listen_addresses = '127.0.0.1'\n\
             unix_socket_directories = '{dir}'\n\
             max_connections = 200\n\
             shared_buffers = 16MB\n\
             fsync = off\n\
             synchronous_commit = off\n\
             full_page_writes = off\n\
             ssl = on\n\
             ssl_cert_file = '{dir}/server.crt'\n\
             ssl_key_file = '{dir}/server.key'\n\
             log_destination = 'stderr'\n\
             logging_collector = off\n\
             log_statement = 'all'\n\
             log_min_duration_statement = 0\n\
             log_min_error_statement = debug5\n\
             log_connections = on\n"
        );
        let conf_path = self.data().join("postgresql.conf");
        let mut full = fs::read_to_string(&conf_path).map_err(|e| e.to_string())?;
        full.push_str(&conf);
        fs::write(&conf_path, full).map_err(|e| e.to_string())?;
        fs::write(
            self.data().join("pg_hba.conf"),
            "local all all trust\n\
             host all pw_scram 127.0.0.1/32 scram-sha-256\n\
             host all pw_md5 127.0.0.1/32 md5\n\
             hostssl all all 127.0.0.1/32 trust\n\
             host all all 127.0.0.1/32 trust\n\
             host replication all 127.0.0.1/32 trust\n",
        )
        .map_err(|e| e.to_string())
    }

    /// Start the server on `port` and wait until it accepts queries.
    fn pg_start(&self, port: u16) -> Result<(), String> {
        let port_opt = format!("-p {port}");
        run((self.pg_ctl().arg("-l").arg(&self.log)).args(["-w", "-t", "60", "-o", &port_opt, "start"]))
            .map_err(|e| format!("{e}\n--- server log ---\n{}", self.log()))?;
        let url = format!("postgres://postgres@127.0.0.1:{port}/postgres");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            match crate::sql::try_exec(&url, "select 1") {
                Ok(()) => return Ok(()),
                Err(e) if Instant::now() > deadline => {
                    return Err(format!(
                        "server not ready: {e}\n--- server log ---\n{}",
                        self.log()
                    ));
                }
                Err(_) => std::thread::sleep(Duration::from_millis(100)),
            }
        }
    }
}

/// Stops the server and removes `dir` once this process is gone (see the module docs).
fn spawn_reaper(dir: &Path, bindir: &Path, user: Option<&str>) -> Result<Child, String> {
    const SCRIPT: &str = r#"d=$1; shift
trap '' HUP INT QUIT TERM PIPE
read -r _ || :
"$@" -D "$d/data" stop -m immediate >/dev/null 2>&1
rm -rf "$d""#;
    let mut cmd = Command::new("sh");
    cmd.args(["-c", SCRIPT, "vault-test-pg-reaper"]).arg(dir);
    if let Some(user) = user {
        cmd.args(["runuser", "-u", user, "--"]);
    }
    cmd.arg(bindir.join("pg_ctl"))
        .current_dir("/")
        // Null stdio: a reaper holding our stdout/stderr would keep a runner's pipes open.
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        // Own process group: Ctrl-C or a runner killing our group must not kill the reaper.
        .process_group(0)
        .spawn()
        .map_err(|e| format!("cannot spawn the reaper: {e}"))
}

/// A CA and a server certificate for `localhost` / `127.0.0.1` it signed.
/// ECDSA P-256: fast to generate, accepted by libpq and rustls alike.
fn make_certs(dir: &Path) -> Result<(), String> {
    const EC: &str = "-nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1";
    let openssl = |args: String| {
        run(Command::new("openssl")
            .args(args.split_whitespace())
            .current_dir(dir))
    };
    openssl(format!(
        "req -x509 -new {EC} -keyout ca.key -out ca.pem -days 3650 -subj /CN=vault-test-CA \
         -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign"
    ))?;
    openssl(format!(
        "req -new {EC} -keyout server.key -out server.csr -subj /CN=localhost"
    ))?;
    // rustls (webpki) is strict: the name must be in the SAN, the leaf must not be a CA.
    fs::write(
        dir.join("server.ext"),
        "basicConstraints=critical,CA:FALSE\n\
         keyUsage=critical,digitalSignature,keyEncipherment\n\
         extendedKeyUsage=serverAuth\n\
         subjectAltName=DNS:localhost,IP:127.0.0.1\n\
         subjectKeyIdentifier=hash\n\
         authorityKeyIdentifier=keyid\n",
    )
    .map_err(|e| e.to_string())?;
    openssl(
        "x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 \
         -extfile server.ext -out server.crt"
            .into(),
    )?;
    // The server refuses a private key others can read.
    fs::set_permissions(dir.join("server.key"), fs::Permissions::from_mode(0o600)).map_err(|e| e.to_string())
}

/// initdb/pg_ctl from PATH, else the newest /usr/lib/postgresql/<v>/bin.
fn find_bindir() -> Option<PathBuf> {
    let path_dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    let mut versioned: Vec<(Vec<u32>, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| {
            let version = e
                .file_name()
                .to_string_lossy()
                .split('.')
                .map(|p| p.parse().unwrap_or(0))
                .collect();
            (version, e.path().join("bin"))
        })
        .collect();
    versioned.sort();
    path_dirs
        .into_iter()
        .chain(versioned.into_iter().rev().map(|(_, dir)| dir))
        .find(|d| d.join("initdb").is_file() && d.join("pg_ctl").is_file())
}

/// The unprivileged account that runs the server when the tests run as root.
fn server_user() -> Result<String, String> {
    ["postgres", "nobody"]
        .into_iter()
        .find(|u| {
            Command::new("id")
                .arg("-u")
                .arg(u)
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .map(str::to_owned)
        .ok_or_else(|| "running as root, but there is no `postgres` user to run the server".into())
}

fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(listener.local_addr().map_err(|e| e.to_string())?.port())
}

/// Runs `cmd` to completion; stdout on success, everything it printed on failure.
fn run(cmd: &mut Command) -> Result<String, String> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if out.status.success() {
        Ok(stdout)
    } else {
        Err(format!(
            "{cmd:?} failed ({}):\n{stdout}{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// `url` with its database (path) replaced by `name`, keeping user, host and parameters.
fn with_database(url: &str, name: &str) -> String {
    let (base, params) = match url.split_once('?') {
        Some((base, params)) => (base, Some(params)),
        None => (url, None),
    };
    let authority = base.find("://").map_or(0, |i| i + 3);
    let path = base[authority..].find('/').map_or(base.len(), |i| authority + i);
    let mut out = format!("{}/{name}", &base[..path]);
    if let Some(params) = params {
        out.push('?');
        out.push_str(params);
    }
    out
}

#[test]
fn with_database_replaces_only_the_path() {
    assert_eq!(
        with_database("postgres://u:p@h:5/postgres", "x"),
        "postgres://u:p@h:5/x"
    );
    assert_eq!(with_database("postgres://h", "x"), "postgres://h/x");
    assert_eq!(
        with_database("postgres://u@/db?host=/tmp/s&sslmode=disable", "x"),
        "postgres://u@/x?host=/tmp/s&sslmode=disable"
    );
}

/// A PostgreSQL client tool (psql, pg_dump, …) from the same installation as
/// the server binaries; the real binary, not Debian's Perl wrapper.
pub fn tool(name: &str) -> Option<PathBuf> {
    find_bindir()
        .map(|d| d.join(name))
        .filter(|p| p.is_file())
        .or_else(|| {
            let mut found: Vec<PathBuf> = fs::read_dir("/usr/lib/postgresql")
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.path().join("bin").join(name))
                .filter(|p| p.is_file())
                .collect();
            found.sort();
            found.pop()
        })
}
