//! The vault agent: `vault unlock` once, then commands without a prompt;
//! `vault lock` and expiry end it; `whoami` reports it; wrong modes, other
//! uids, a dying agent and malformed frames are refused or survived; no
//! secret shows in its argv, environment or any output.
//!
//! Every test ends its agents: `vault lock`, and an [`Agents`] guard that
//! kills whatever agent of the test's directories is still alive.

use std::cell::RefCell;
use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::attack_util::{assert_clean, assert_out_clean, is_root, marker, wait_for};
use crate::both;
use crate::harness::{Backend, Env, Out, skip};

both!(unlock_once_then_no_prompt, ssh_identity_through_the_agent);

const SECRET: &[u8] = b"hunter2";

fn sqlite() -> Env {
    Env::new(Backend::Sqlite)
}

// ---- helpers ---------------------------------------------------------------

/// The agent's directory for `env` (the harness sets no XDG_RUNTIME_DIR).
fn agent_dir(env: &Env) -> PathBuf {
    env.data_dir().join("agent")
}

fn private_file(dir: &Path, name: &str, contents: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, contents).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
    p
}

/// A passphrase-protected identity and a vault holding `db/password`;
/// returns the passphrase and the 0600 file that holds it.
fn protected(env: &Env) -> (String, PathBuf) {
    let passphrase = format!("pw-{}", marker());
    let pass = private_file(env.home.path(), "pass", format!("{passphrase}\n").as_bytes());
    env.vault(&["init", "--passphrase"])
        .env("VAULT_PASSPHRASE_FILE", &pass)
        .ok();
    env.vault(&["put", "db/password"])
        .env("VAULT_PASSPHRASE_FILE", &pass)
        .stdin(SECRET)
        .ok();
    (passphrase, pass)
}

fn json(out: &[u8]) -> serde_json::Value {
    serde_json::from_slice(out).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(out)))
}

/// The `agent:` line of `vault whoami`.
fn agent_line(out: &Out) -> String {
    let text = out.stdout_str();
    text.lines()
        .find(|l| l.starts_with("agent:"))
        .unwrap_or_else(|| panic!("no agent line in {text:?}"))
        .to_owned()
}

/// The pid in unlock's `… (agent pid N); …` message.
fn agent_pid(out: &Out) -> u32 {
    let at = out
        .stderr
        .find("(agent pid ")
        .unwrap_or_else(|| panic!("no agent pid in {:?}", out.stderr));
    let rest = &out.stderr[at + "(agent pid ".len()..];
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("bad agent pid in {:?}", out.stderr))
}

/// Whether `pid` is a live process. A zombie waiting for its reaper is not,
/// unless it is a thread-group leader whose other threads are still exiting
/// (they may still hold its files, such as the agent lock).
fn alive(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    let state = stat
        .rfind(')')
        .and_then(|i| stat[i + 1..].trim_start().chars().next());
    match state {
        None | Some('X') => false,
        Some('Z') => std::fs::read_dir(format!("/proc/{pid}/task")).is_ok_and(|d| d.count() > 1),
        Some(_) => true,
    }
}

#[track_caller]
fn wait_gone(pid: u32, timeout: Duration) {
    wait_for(&format!("agent {pid} to exit"), timeout, || {
        (!alive(pid)).then_some(())
    });
}

fn args_of(pid: u32) -> Option<Vec<String>> {
    let raw = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    Some(
        raw.split(|&b| b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect(),
    )
}

/// Whether `pid` is `vault agent --dir DIR`.
fn is_agent_in(pid: u32, dir: &Path) -> bool {
    args_of(pid)
        .is_some_and(|a| a.len() == 4 && a[1] == "agent" && a[2] == "--dir" && Path::new(&a[3]) == dir)
}

/// The live agent processes serving `dir`.
fn agents_in(dir: &Path) -> Vec<u32> {
    let mut pids: Vec<u32> = std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .filter(|&pid| is_agent_in(pid, dir) && alive(pid))
        .collect();
    pids.sort();
    pids
}

fn signal(pid: u32, sig: &str) {
    let st = Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(pid.to_string())
        .stderr(Stdio::null())
        .status()
        .expect("kill");
    assert!(st.success(), "kill -{sig} {pid} failed");
}

/// Kills, when dropped, every agent still serving one of `dirs` (a failed
/// test must not leave one behind), including the pids it was told about.
struct Agents {
    dirs: Vec<PathBuf>,
    pids: RefCell<Vec<u32>>,
}

impl Agents {
    fn new(dirs: &[PathBuf]) -> Agents {
        Agents {
            dirs: dirs.to_vec(),
            pids: RefCell::new(Vec::new()),
        }
    }

    fn learn(&self, pid: u32) -> u32 {
        self.pids.borrow_mut().push(pid);
        pid
    }
}

impl Drop for Agents {
    fn drop(&mut self) {
        let mut pids = self.pids.borrow().clone();
        for d in &self.dirs {
            pids.extend(agents_in(d));
        }
        for pid in pids {
            if alive(pid) && self.dirs.iter().any(|d| is_agent_in(pid, d)) {
                let _ = Command::new("kill")
                    .args(["-KILL", &pid.to_string()])
                    .stderr(Stdio::null())
                    .status();
            }
        }
    }
}

/// Waits up to `timeout` for a child, killing it and panicking after that.
fn finish(mut child: Child, what: &str, timeout: Duration) -> Out {
    let deadline = Instant::now() + timeout;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} did not finish within {timeout:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A raw connection to an agent socket: sends `frame` and returns what came
/// back before the agent closed the connection (panics on a timeout: an
/// agent that neither answers nor closes).
fn raw_exchange(socket: &Path, frame: &[u8]) -> Vec<u8> {
    let mut s = UnixStream::connect(socket).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let closed = |e: &std::io::Error| {
        matches!(
            e.kind(),
            std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::ConnectionReset
        )
    };
    // The agent may close before the frame is even written (a peer it
    // refuses): that is a close without an answer too.
    match s.write_all(frame) {
        Ok(()) => {}
        Err(e) if closed(&e) => return Vec::new(),
        Err(e) => panic!("cannot write to {}: {e}", socket.display()),
    }
    let mut got = Vec::new();
    match s.read_to_end(&mut got) {
        Ok(_) => {}
        Err(e) if closed(&e) => {}
        Err(e) => panic!("no answer and no close from {}: {e}", socket.display()),
    }
    got
}

/// A raw request that answers: one frame back, the connection left open.
fn raw_status(socket: &Path) -> Vec<u8> {
    let mut s = UnixStream::connect(socket).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(&[0, 0, 0, 1, 1]).unwrap();
    let mut len = [0u8; 4];
    s.read_exact(&mut len).unwrap();
    let mut body = vec![0u8; u32::from_be_bytes(len) as usize];
    s.read_exact(&mut body).unwrap();
    body
}

const STATUS_FRAME: &[u8] = &[0, 0, 0, 1, 1];
const STATUS_OK: u8 = 0x80;

// ---- stories ---------------------------------------------------------------

/// Unlock once; gets, a put and a rotate need no passphrase; lock ends it.
fn unlock_once_then_no_prompt(env: &Env) {
    let agents = Agents::new(&[agent_dir(env)]);
    let (_, pass) = protected(env);
    let get = || env.vault(&["get", "db/password"]);
    get().fails(8, "protected by a passphrase");
    env.vault(&["unlock"])
        .env("VAULT_AGENT", "off")
        .env("VAULT_PASSPHRASE_FILE", &pass)
        .fails(2, "nothing to unlock");
    assert!(agents_in(&agent_dir(env)).is_empty());

    let out = env.vault(&["unlock"]).env("VAULT_PASSPHRASE_FILE", &pass).ok();
    assert!(out.stdout.is_empty());
    let shown = env.identity_path().display().to_string();
    assert!(
        out.stderr.contains(&format!("vault: {shown} unlocked until ")),
        "{}",
        out.stderr
    );
    let pid = agents.learn(agent_pid(&out));
    assert!(alive(pid), "agent {pid} is not running");
    assert_eq!(agents_in(&agent_dir(env)), vec![pid]);
    let meta = |p: &Path| std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(meta(&agent_dir(env)), 0o700);
    assert_eq!(meta(&agent_dir(env).join("agent.sock")), 0o600);
    assert!(agent_dir(env).join("agent.lock").is_file());

    // No passphrase source and no terminal from here on.
    for _ in 0..5 {
        assert_eq!(get().ok().stdout, SECRET);
    }
    env.put("db/other", b"through the agent");
    assert_eq!(env.get("db/other"), b"through the agent");
    env.vault(&["rotate"]).ok();
    assert_eq!(get().ok().stdout, SECRET);
    assert_eq!(env.get("db/other"), b"through the agent");
    let who = json(&env.vault(&["whoami", "--json"]).ok().stdout);
    assert_eq!(who["agent"]["state"], "holds", "{who}");
    assert_eq!(who["agent"]["pid"], pid);
    // Without the agent, the same get has no passphrase.
    get()
        .env("VAULT_AGENT", "off")
        .fails(8, "protected by a passphrase");
    assert!(alive(pid));

    let out = env.vault(&["lock"]).ok();
    assert_eq!(
        out.stderr.trim_end(),
        format!("vault: the agent forgot {shown} and stopped")
    );
    wait_gone(pid, Duration::from_secs(10));
    get().fails(8, "protected by a passphrase");
    let out = env.vault(&["lock"]).ok();
    assert!(
        out.stderr.contains("no agent is running; nothing was unlocked"),
        "{}",
        out.stderr
    );
    assert!(agents_in(&agent_dir(env)).is_empty());
}

/// `--for 3s`: the identity is forgotten when it expires, and the agent exits.
#[test]
fn expiry_forgets_and_the_agent_exits() {
    let env = sqlite();
    let agents = Agents::new(&[agent_dir(&env)]);
    let (_, pass) = protected(&env);
    env.vault(&["unlock", "--for", "banana"])
        .env("VAULT_PASSPHRASE_FILE", &pass)
        .fails(2, "duration");
    let out = env
        .vault(&["unlock", "--for", "3s"])
        .env("VAULT_PASSPHRASE_FILE", &pass)
        .ok();
    let pid = agents.learn(agent_pid(&out));
    assert_eq!(env.get("db/password"), SECRET);
    // Poll gently: each request restarts the agent's idle grace.
    let deadline = Instant::now() + Duration::from_secs(15);
    let failed = loop {
        let out = env.vault(&["get", "db/password"]).run();
        if out.code != 0 {
            break out;
        }
        assert!(Instant::now() < deadline, "the identity never expired");
        std::thread::sleep(Duration::from_millis(500));
    };
    assert_eq!(failed.code, 8, "{}", failed.stderr);
    wait_gone(pid, Duration::from_secs(15));
    env.vault(&["get", "db/password"])
        .fails(8, "protected by a passphrase");
    assert!(agents_in(&agent_dir(&env)).is_empty());
    env.vault(&["lock"]).ok();
}

/// whoami's agent line and JSON: not running, holds, another identity, off.
#[test]
fn whoami_reports_the_agent() {
    let env = sqlite();
    let agents = Agents::new(&[agent_dir(&env)]);
    let (_, pass) = protected(&env);
    let whoami = |json_out: bool| {
        let mut args = vec!["whoami"];
        if json_out {
            args.push("--json");
        }
        env.vault(&args).env("VAULT_PASSPHRASE_FILE", &pass)
    };
    let keys = |v: &serde_json::Value| {
        let mut k: Vec<String> = v["agent"].as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };

    assert_eq!(
        agent_line(&whoami(false).ok()),
        "agent:    not running (`vault unlock` starts it)"
    );
    let j = json(&whoami(true).ok().stdout);
    assert_eq!(keys(&j), ["expires_at", "pid", "state"]);
    assert_eq!(j["agent"]["state"], "not-running");
    assert!(
        j["agent"]["pid"].is_null() && j["agent"]["expires_at"].is_null(),
        "{j}"
    );

    let pid = agents.learn(agent_pid(
        &env.vault(&["unlock"]).env("VAULT_PASSPHRASE_FILE", &pass).ok(),
    ));
    // Held: no passphrase needed, and whoami says so.
    let line = agent_line(&env.vault(&["whoami"]).ok());
    assert!(line.starts_with("agent:    holds this identity until "), "{line}");
    assert!(line.ends_with(&format!(" (pid {pid})")), "{line}");
    let j = json(&env.vault(&["whoami", "--json"]).ok().stdout);
    assert_eq!(keys(&j), ["expires_at", "pid", "state"]);
    assert_eq!(j["agent"]["state"], "holds");
    assert_eq!(j["agent"]["pid"], pid);
    let expires = j["agent"]["expires_at"].as_str().unwrap().to_owned();
    assert!(expires.ends_with('Z') && expires.len() == 20, "{expires}");
    assert!(line.contains(&expires), "{line} / {expires}");

    // Another identity file (B, unprotected) while the agent holds A.
    let other = env.another_user();
    other.vault(&["init"]).ok();
    let b = other.identity_path();
    let b = b.to_str().unwrap();
    let line = agent_line(&env.vault(&["whoami", "--identity", b]).ok());
    assert_eq!(
        line,
        format!(
            "agent:    holds another identity, {} (pid {pid})",
            env.identity_path().display()
        )
    );
    let j = json(&env.vault(&["whoami", "--json", "--identity", b]).ok().stdout);
    assert_eq!(j["agent"]["state"], "other");
    assert_eq!(j["agent"]["pid"], pid);
    assert_eq!(j["agent"]["expires_at"].as_str(), Some(expires.as_str()));

    // Off: the agent is not asked (and the passphrase is needed again).
    env.vault(&["whoami"])
        .env("VAULT_AGENT", "off")
        .fails(8, "protected by a passphrase");
    let line = agent_line(&whoami(false).env("VAULT_AGENT", "off").ok());
    assert_eq!(line, "agent:    off (VAULT_AGENT=off)");
    let j = json(&whoami(true).env("VAULT_AGENT", "off").ok().stdout);
    assert_eq!(keys(&j), ["expires_at", "pid", "state"]);
    assert_eq!(j["agent"]["state"], "off");
    assert!(j["agent"]["pid"].is_null(), "{j}");
    // A bad VAULT_AGENT value is a usage error, not silently "on".
    whoami(false)
        .env("VAULT_AGENT", "maybe")
        .fails(2, "VAULT_AGENT must be");

    env.vault(&["lock"]).ok();
    wait_gone(pid, Duration::from_secs(10));
}

/// A wrong passphrase at unlock: exit 8, the agent holds nothing and exits.
#[test]
fn wrong_passphrase_leaves_nothing_held() {
    let env = sqlite();
    let agents = Agents::new(&[agent_dir(&env)]);
    let (_, pass) = protected(&env);
    let wrong = private_file(env.home.path(), "wrong", b"not the passphrase\n");
    env.vault(&["unlock"])
        .env("VAULT_PASSPHRASE_FILE", &wrong)
        .fails(8, "wrong passphrase");
    let started = agents_in(&agent_dir(&env));
    for &pid in &started {
        agents.learn(pid);
    }
    assert!(started.len() <= 1, "{started:?}");
    let j = json(
        &env.vault(&["whoami", "--json"])
            .env("VAULT_PASSPHRASE_FILE", &pass)
            .ok()
            .stdout,
    );
    match j["agent"]["state"].as_str() {
        Some("empty") => assert_eq!(started, vec![j["agent"]["pid"].as_u64().unwrap() as u32]),
        Some("not-running") => {}
        other => panic!("after a wrong passphrase the agent is {other:?}: {j}"),
    }
    env.vault(&["get", "db/password"])
        .fails(8, "protected by a passphrase");
    for pid in started {
        wait_gone(pid, Duration::from_secs(15));
    }
    assert!(agents_in(&agent_dir(&env)).is_empty());
    env.vault(&["lock"]).ok();
}

/// A directory or socket with the wrong mode, a symlinked directory, or a
/// non-socket is refused (VAULT_AGENT=off still works); a removed socket
/// ends the agent.
#[test]
fn wrong_modes_are_refused() {
    let env = sqlite();
    let dir = agent_dir(&env);
    let socket = dir.join("agent.sock");
    let agents = Agents::new(std::slice::from_ref(&dir));
    let (_, pass) = protected(&env);
    let pid = agents.learn(agent_pid(
        &env.vault(&["unlock"]).env("VAULT_PASSPHRASE_FILE", &pass).ok(),
    ));
    let get = || env.vault(&["get", "db/password"]);
    let off = || {
        let out = get()
            .env("VAULT_AGENT", "off")
            .env("VAULT_PASSPHRASE_FILE", &pass)
            .ok();
        assert_eq!(out.stdout, SECRET);
    };
    let chmod =
        |p: &Path, mode: u32| std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
    assert_eq!(get().ok().stdout, SECRET);

    chmod(&dir, 0o755);
    let out = get().fails(8, "refusing the vault agent at");
    assert!(out.stderr.contains("its mode is 755, not 700"), "{}", out.stderr);
    // Refused even with a passphrase at hand: not silently bypassed.
    get()
        .env("VAULT_PASSPHRASE_FILE", &pass)
        .fails(8, "refusing the vault agent at");
    off();
    chmod(&dir, 0o700);
    assert_eq!(get().ok().stdout, SECRET);

    chmod(&socket, 0o666);
    let out = get().fails(8, "refusing the vault agent at");
    assert!(out.stderr.contains("its mode is 666, not 600"), "{}", out.stderr);
    env.vault(&["lock"]).fails(8, "refusing the vault agent at");
    off();
    chmod(&socket, 0o600);
    assert_eq!(get().ok().stdout, SECRET);

    // The directory as a symlink to the real one.
    let real = env.data_dir().join("agent.real");
    std::fs::rename(&dir, &real).unwrap();
    std::os::unix::fs::symlink(&real, &dir).unwrap();
    let out = get().fails(8, "refusing the vault agent at");
    assert!(out.stderr.contains("not a directory"), "{}", out.stderr);
    off();
    std::fs::remove_file(&dir).unwrap();
    std::fs::rename(&real, &dir).unwrap();
    assert_eq!(get().ok().stdout, SECRET);
    assert!(alive(pid));

    // The socket removed: the agent notices and exits.
    std::fs::remove_file(&socket).unwrap();
    wait_gone(pid, Duration::from_secs(10));
    get().fails(8, "protected by a passphrase");
    // A regular file where the socket goes is refused, not connected to.
    private_file(&dir, "agent.sock", b"");
    get().fails(8, "it is not a socket");
    off();
    std::fs::remove_file(&socket).unwrap();
    env.vault(&["lock"]).ok();
    assert!(agents_in(&dir).is_empty());
}

/// Another uid: nobody's agent does not answer root (the server checks
/// SO_PEERCRED), root's client refuses nobody's directory, and refuses a
/// socket in its own directory whose listener runs as nobody.
#[test]
fn another_uid_is_neither_served_nor_trusted() {
    if !is_root() {
        return skip("needs root to run an agent as nobody (uid 65534)");
    }
    if Command::new("setpriv").arg("--version").output().is_err() {
        return skip("setpriv is missing; install util-linux");
    }
    let root_env = sqlite();
    let theirs = tempfile::Builder::new()
        .prefix("vault-nobody-")
        .tempdir()
        .unwrap();
    let home = theirs.path().to_owned();
    std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o700)).unwrap();
    let their_dir = home.join("data/vault/agent");
    let agents = Agents::new(&[their_dir.clone(), agent_dir(&root_env)]);
    let passphrase = format!("pw-{}", marker());
    let pass = private_file(&home, "pass", format!("{passphrase}\n").as_bytes());
    let chown = Command::new("chown")
        .args(["-R", "65534:65534"])
        .arg(&home)
        .status()
        .unwrap();
    assert!(chown.success());

    // The binary, where nobody can run it.
    let as_nobody_raw = |bin: &Path| {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(bin)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_DATA_HOME", home.join("data"))
            .env("LANG", "C.UTF-8")
            .current_dir(&home)
            .stdin(Stdio::null());
        c
    };
    let built = PathBuf::from(env!("CARGO_BIN_EXE_vault"));
    let bin_dir = tempfile::Builder::new().prefix("vault-bin-").tempdir().unwrap();
    let runs = |b: &Path| {
        as_nobody_raw(b)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let bin = if runs(&built) {
        built
    } else {
        std::fs::set_permissions(bin_dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let copy = bin_dir.path().join("vault");
        std::fs::copy(&built, &copy).unwrap();
        std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert!(runs(&copy), "nobody cannot run {}", copy.display());
        copy
    };
    let nobody = |args: &[&str]| {
        let mut c = as_nobody_raw(&bin);
        c.args(args).env("VAULT_PASSPHRASE_FILE", &pass);
        let out = c.output().unwrap();
        Out {
            code: out.status.code().unwrap_or(-1),
            stdout: out.stdout,
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    };
    let ok = |args: &[&str]| {
        let out = nobody(args);
        assert_eq!(out.code, 0, "nobody: vault {args:?}: {}", out.stderr);
        out
    };
    ok(&["init", "--passphrase"]);
    let pid = agents.learn(agent_pid(&ok(&["unlock"])));
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let uid_line = status.lines().find(|l| l.starts_with("Uid:")).unwrap();
    assert!(
        uid_line.split_whitespace().skip(1).all(|u| u == "65534"),
        "{uid_line}"
    );
    let socket = their_dir.join("agent.sock");
    // Control: nobody's own commands are served by it.
    let j = json(&ok(&["whoami", "--json"]).stdout);
    assert_eq!(j["agent"]["state"], "holds", "{j}");
    assert_eq!(j["agent"]["pid"], pid);

    // (a) root connects straight to nobody's socket: no answer, closed.
    let got = raw_exchange(&socket, STATUS_FRAME);
    assert!(got.is_empty(), "nobody's agent answered root: {got:?}");
    assert!(alive(pid));
    // Root's client refuses nobody's directory.
    let out = root_env
        .vault(&["lock"])
        .env("XDG_DATA_HOME", home.join("data"))
        .fails(8, "refusing the vault agent at");
    assert!(out.stderr.contains("belongs to uid 65534"), "{}", out.stderr);
    // Root's client checks the listener too: nobody's socket hard-linked
    // into root's own 0700 directory and chowned to root passes the file
    // checks, and is refused for the uid at the other end.
    let mine = agent_dir(&root_env);
    std::fs::create_dir_all(&mine).unwrap();
    std::fs::set_permissions(&mine, std::fs::Permissions::from_mode(0o700)).unwrap();
    let link = mine.join("agent.sock");
    std::fs::hard_link(&socket, &link).unwrap();
    std::os::unix::fs::chown(&link, Some(0), Some(0)).unwrap();
    let out = root_env.vault(&["lock"]).fails(8, "refusing the vault agent at");
    assert!(out.stderr.contains("runs as uid 65534"), "{}", out.stderr);
    std::os::unix::fs::chown(&link, Some(65534), Some(65534)).unwrap();
    std::fs::remove_file(&link).unwrap();
    assert!(alive(pid), "the agent died of root's attempts");

    // (b) nobody locks; nothing is left.
    let out = ok(&["lock"]);
    assert!(out.stderr.contains("the agent forgot"), "{}", out.stderr);
    wait_gone(pid, Duration::from_secs(10));
    assert!(agents_in(&their_dir).is_empty());
}

/// An agent killed while a command waits on it: exit 8, "stopped answering".
/// A frame cut short drops only its connection; a malformed one is not
/// answered and ends the agent (it fails closed).
#[test]
fn killed_agent_and_malformed_requests() {
    let env = sqlite();
    let dir = agent_dir(&env);
    let socket = dir.join("agent.sock");
    let agents = Agents::new(std::slice::from_ref(&dir));
    let (_, pass) = protected(&env);
    let unlock = || {
        agents.learn(agent_pid(
            &env.vault(&["unlock"]).env("VAULT_PASSPHRASE_FILE", &pass).ok(),
        ))
    };
    let pid = unlock();
    signal(pid, "STOP");
    let mut cmd = env.vault(&["get", "db/password"]).cmd;
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let client = child.id();
    // The client has connected when it holds a socket (SQLite: the agent's
    // is its only one), then give it a moment to send its request.
    wait_for("the get to connect", Duration::from_secs(20), || {
        std::fs::read_dir(format!("/proc/{client}/fd"))
            .ok()?
            .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
            .any(|l| l.to_string_lossy().starts_with("socket:"))
            .then_some(())
    });
    std::thread::sleep(Duration::from_millis(500));
    assert!(alive(client), "the get did not wait for the stopped agent");
    signal(pid, "KILL");
    let out = finish(
        child,
        "the get after the agent was killed",
        Duration::from_secs(30),
    );
    assert_eq!(out.code, 8, "{}", out.stderr);
    assert!(out.stdout.is_empty(), "{:?}", out.stdout);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("vault agent") && out.stderr.contains("stopped answering"),
        "{}",
        out.stderr
    );
    wait_gone(pid, Duration::from_secs(10));

    // A dead agent's socket is stale, not an error; unlock replaces it.
    assert!(socket.exists());
    env.vault(&["get", "db/password"])
        .fails(8, "protected by a passphrase");
    let pid = unlock();
    assert_eq!(raw_status(&socket)[0], STATUS_OK, "a well-formed STATUS answers");
    // A client cut off mid-frame is only a client that died: the agent
    // drops that connection and goes on serving.
    {
        let mut s = UnixStream::connect(&socket).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s.write_all(&[0, 0, 0, 9, 1]).unwrap();
        s.shutdown(std::net::Shutdown::Write).unwrap();
        let mut got = Vec::new();
        let _ = s.read_to_end(&mut got);
        assert!(got.is_empty(), "a cut frame was answered: {got:?}");
    }
    assert!(alive(pid), "a cut frame killed the agent");
    assert_eq!(env.get("db/password"), SECRET);
    // A malformed frame from our own uid fails closed (src/agent/server.rs,
    // `serve`): no answer, the agent forgets the key and exits, and the next
    // command is back to needing the passphrase.
    let mut pid = pid;
    for (what, frame) in [
        ("an unknown kind", &[0u8, 0, 0, 3, 0x42, 1, 2][..]),
        ("an empty frame", &[0, 0, 0, 0][..]),
        ("STATUS with trailing bytes", &[0, 0, 0, 2, 1, 9][..]),
        ("a truncated LOAD", &[0, 0, 0, 5, 2, 0, 0, 0, 9][..]),
        ("a frame longer than allowed", &[0x7f, 0xff, 0xff, 0xff, 1][..]),
    ] {
        if !alive(pid) {
            pid = unlock();
        }
        let got = raw_exchange(&socket, frame);
        assert!(got.is_empty(), "{what} was answered: {got:?}");
        wait_gone(pid, Duration::from_secs(10));
        assert!(!socket.exists(), "{what}: the agent left its socket");
        env.vault(&["get", "db/password"])
            .fails(8, "protected by a passphrase");
    }
    let pid = unlock();
    assert_eq!(env.get("db/password"), SECRET);
    env.vault(&["lock"]).ok();
    wait_gone(pid, Duration::from_secs(10));
}

/// No passphrase or secret key in the agent's or unlock's argv and
/// environment, nor in any output.
#[test]
fn secrets_never_leak() {
    if !is_root() {
        // The agent is non-dumpable: only root reads its /proc files.
        return skip("needs root to read the agent's /proc/PID/environ");
    }
    let env = sqlite();
    let agents = Agents::new(&[agent_dir(&env)]);
    let (passphrase, pass) = protected(&env);
    let needles = [passphrase.as_str(), "AGE-SECRET-KEY"];

    // unlock, caught while it waits for its passphrase on fd 0.
    let mut cmd = env.vault(&["unlock"]).env("VAULT_PASSPHRASE_FD", "0").cmd;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_vault"));
    wait_for("unlock to start", Duration::from_secs(10), || {
        (std::fs::read_link(format!("/proc/{}/exe", child.id())).ok()? == bin).then_some(())
    });
    std::thread::sleep(Duration::from_millis(300));
    let environ = std::fs::read(format!("/proc/{}/environ", child.id())).unwrap();
    let cmdline = std::fs::read(format!("/proc/{}/cmdline", child.id())).unwrap();
    assert_clean("unlock environ", &environ, &needles);
    assert_clean("unlock cmdline", &cmdline, &needles);
    assert!(
        environ.split(|&b| b == 0).any(|v| v == b"VAULT_PASSPHRASE_FD=0"),
        "{}",
        String::from_utf8_lossy(&environ)
    );
    {
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(format!("{passphrase}\n").as_bytes()).unwrap();
    }
    let out = finish(child, "unlock", Duration::from_secs(60));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_out_clean("unlock", &out, &needles);
    let pid = agents.learn(agent_pid(&out));

    let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap();
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap();
    let pass_path = pass.display().to_string();
    assert_clean(
        "agent environ",
        &environ,
        &[&passphrase, "AGE-SECRET-KEY", &pass_path],
    );
    assert_clean(
        "agent cmdline",
        &cmdline,
        &[&passphrase, "AGE-SECRET-KEY", &pass_path],
    );
    let names: Vec<String> = environ
        .split(|&b| b == 0)
        .filter(|v| !v.is_empty())
        .map(|v| String::from_utf8_lossy(v).split('=').next().unwrap().to_owned())
        .collect();
    assert!(
        names
            .iter()
            .all(|n| !n.starts_with("VAULT_") && !n.starts_with("XDG_") && n != "HOME"),
        "the agent inherited its starter's environment: {names:?}"
    );
    assert_eq!(
        args_of(pid).unwrap()[1..],
        ["agent", "--dir", agent_dir(&env).to_str().unwrap()]
    );

    let get = env.vault(&["get", "db/password"]).ok();
    assert_eq!(get.stdout, SECRET);
    assert_out_clean("get", &get, &needles);
    assert_out_clean("whoami", &env.vault(&["whoami"]).ok(), &needles);
    assert_out_clean("whoami --json", &env.vault(&["whoami", "--json"]).ok(), &needles);
    let lock = env.vault(&["lock"]).ok();
    assert_out_clean("lock", &lock, &needles);
    wait_gone(pid, Duration::from_secs(10));
}

/// Concurrent unlocks: all succeed and share one agent.
#[test]
fn concurrent_unlocks_share_one_agent() {
    let env = sqlite();
    let dir = agent_dir(&env);
    let agents = Agents::new(std::slice::from_ref(&dir));
    let (_, pass) = protected(&env);
    let children: Vec<Child> = (0..4)
        .map(|_| {
            let mut cmd = env.vault(&["unlock"]).env("VAULT_PASSPHRASE_FILE", &pass).cmd;
            cmd.stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let pids: Vec<u32> = children
        .into_iter()
        .map(|c| {
            let out = finish(c, "a concurrent unlock", Duration::from_secs(60));
            assert_eq!(out.code, 0, "{}", out.stderr);
            agents.learn(agent_pid(&out))
        })
        .collect();
    assert!(pids.iter().all(|&p| p == pids[0]), "several agents: {pids:?}");
    // An agent that lost the race exits at once; give it the time to.
    let deadline = Instant::now() + Duration::from_secs(5);
    while agents_in(&dir).len() > 1 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(agents_in(&dir), vec![pids[0]]);
    assert_eq!(env.get("db/password"), SECRET);
    env.vault(&["lock"]).ok();
    wait_gone(pids[0], Duration::from_secs(10));
}

/// A passphrase-protected ed25519 SSH key through the agent: put (which
/// signs a version statement) and get with no passphrase.
fn ssh_identity_through_the_agent(env: &Env) {
    if Command::new("ssh-keygen").arg("-?").output().is_err() {
        return skip("ssh-keygen is missing; install openssh-client");
    }
    let agents = Agents::new(&[agent_dir(env)]);
    let key = env.home.path().join("id_ed25519");
    let passphrase = format!("ssh-{}", marker());
    let st = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", &passphrase, "-C", "t@agent", "-f"])
        .arg(&key)
        .status()
        .unwrap();
    assert!(st.success());
    let pass = private_file(env.home.path(), "pass", format!("{passphrase}\n").as_bytes());
    env.vault(&["init", "--identity", key.to_str().unwrap()])
        .env("VAULT_PASSPHRASE_FILE", &pass)
        .ok();
    env.vault(&["put", "ssh/one"]).stdin(b"x").fails(8, "passphrase");
    let out = env.vault(&["unlock"]).env("VAULT_PASSPHRASE_FILE", &pass).ok();
    assert!(out.stderr.contains(&key.display().to_string()), "{}", out.stderr);
    let pid = agents.learn(agent_pid(&out));
    env.put("ssh/one", b"signed through the agent");
    env.put("ssh/one", b"and again");
    assert_eq!(env.get("ssh/one"), b"and again");
    let j = json(&env.vault(&["whoami", "--json"]).ok().stdout);
    assert_eq!(j["identity_type"], "ssh-ed25519");
    assert_eq!(j["agent"]["state"], "holds");
    assert_eq!(j["agent"]["pid"], pid);
    env.vault(&["get", "ssh/one"])
        .env("VAULT_AGENT", "off")
        .fails(8, "passphrase");
    env.vault(&["lock"]).ok();
    wait_gone(pid, Duration::from_secs(10));
    env.vault(&["get", "ssh/one"]).fails(8, "passphrase");
}
