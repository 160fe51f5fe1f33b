//! The agent process (`vault agent --dir DIR`, started by `vault unlock`).
//!
//! One process per user, plain threads: the accept loop, one thread per
//! connection, and a watchdog that forgets the identity when it expires and
//! ends the process when it holds nothing (after a short grace, so a
//! freshly started agent lives to receive its first identity), or when its
//! socket was removed or replaced.

use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use age::secrecy::SecretString;
use age_core::format::Stanza;
use zeroize::Zeroizing;

use super::proto::{self, Held, Malformed, Reader, Status, Writer};
use crate::error::{Error, Result};
use crate::seal::Personal;
use crate::trust::Purpose;

/// How long an agent holding nothing waits for a request before it exits.
const IDLE_GRACE: Duration = Duration::from_secs(5);

struct Holding {
    held: Held,
    me: Personal,
    expires: Instant,
}

struct Agent {
    holding: Mutex<Option<Holding>>,
    last_request: Mutex<Instant>,
    busy: AtomicUsize,
    socket: PathBuf,
    socket_ino: u64,
}

/// Runs the agent; returns only on a failure to start.
pub fn run(dir: &Path) -> Result<()> {
    // Not dumpable and no core: main.rs hardened the process before this.
    lock_memory();
    // Out of the caller's session: the terminal closing does not end it.
    let _ = rustix::process::setsid();
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
    let started = start(dir);
    let mut out = std::io::stdout().lock();
    let (listener, lock_file, socket) = match started {
        Ok(Some(s)) => s,
        Ok(None) => {
            let _ = writeln!(out, "running");
            return Ok(());
        }
        Err(e) => {
            let _ = writeln!(out, "error: {e}");
            return Err(e);
        }
    };
    let socket_ino = std::fs::symlink_metadata(&socket).map(|m| m.ino()).unwrap_or(0);
    let agent = Arc::new(Agent {
        holding: Mutex::new(None),
        last_request: Mutex::new(Instant::now()),
        busy: AtomicUsize::new(0),
        socket,
        socket_ino,
    });
    let _ = writeln!(out, "ready {}", std::process::id());
    let _ = out.flush();
    drop(out);
    // Nothing is written to stdout again; point it away from the starter's pipe.
    if let Ok(null) = std::fs::OpenOptions::new().write(true).open("/dev/null") {
        let _ = rustix::stdio::dup2_stdout(&null);
    }
    {
        let agent = agent.clone();
        std::thread::spawn(move || watchdog(&agent, lock_file));
    }
    for conn in listener.incoming() {
        let Ok(conn) = conn else { continue };
        let agent = agent.clone();
        std::thread::spawn(move || serve(&agent, conn));
    }
    Ok(())
}

/// Locks the agent's memory so the key is not swapped out, where the limit
/// on locked memory allows (root, or a raised `ulimit -l`); future pages
/// only when there is room for them, since a full limit would make later
/// allocations fail.
fn lock_memory() {
    use rustix::mm::{MlockAllFlags, mlockall};
    use rustix::process::{Resource, getrlimit};
    let limit = getrlimit(Resource::Memlock).current;
    let roomy = limit.is_none_or(|l| l >= 256 << 20);
    let flags = if roomy {
        MlockAllFlags::CURRENT | MlockAllFlags::FUTURE
    } else {
        MlockAllFlags::CURRENT
    };
    let _ = mlockall(flags);
}

type Started = Option<(UnixListener, std::fs::File, PathBuf)>;

/// Makes the directory, takes the agent lock, binds the socket. `None` when
/// another agent holds the lock.
fn start(dir: &Path) -> Result<Started> {
    let at = super::Location::in_dir(dir.to_owned());
    if !dir.exists() {
        std::fs::create_dir_all(dir).map_err(|e| {
            Error::identity(format!("cannot create {}: {e}", dir.display())).hint("check the permissions")
        })?;
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    }
    super::check_dir(dir)?;
    let lock_path = dir.join("agent.lock");
    let lock_file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| Error::identity(format!("cannot open {}: {e}", lock_path.display())).hint("check it"))?;
    if rustix::fs::flock(&lock_file, rustix::fs::FlockOperation::NonBlockingLockExclusive).is_err() {
        return Ok(None);
    }
    // We hold the lock: any socket file left is a dead agent's.
    let _ = std::fs::remove_file(&at.socket);
    let listener = UnixListener::bind(&at.socket).map_err(|e| {
        Error::identity(format!("cannot listen on {}: {e}", at.socket.display())).hint("check the directory")
    })?;
    std::fs::set_permissions(&at.socket, std::fs::Permissions::from_mode(0o600)).map_err(|e| {
        Error::identity(format!("cannot protect {}: {e}", at.socket.display())).hint("check it")
    })?;
    Ok(Some((listener, lock_file, at.socket)))
}

/// Forgets the identity when it expires; ends the process when there is
/// nothing left to do or the socket is gone.
fn watchdog(agent: &Agent, _lock: std::fs::File) {
    loop {
        std::thread::sleep(Duration::from_millis(250));
        let now = Instant::now();
        let mut holding = agent.holding.lock().unwrap_or_else(|p| p.into_inner());
        if holding.as_ref().is_some_and(|h| now >= h.expires) {
            // Dropping the Personal wipes the key material it owns.
            *holding = None;
        }
        let empty = holding.is_none();
        drop(holding);
        let idle = agent
            .last_request
            .lock()
            .map(|t| now.duration_since(*t))
            .unwrap_or_default();
        let socket_ours = std::fs::symlink_metadata(&agent.socket).is_ok_and(|m| m.ino() == agent.socket_ino);
        if !socket_ours || (empty && idle >= IDLE_GRACE && agent.busy.load(Ordering::SeqCst) == 0) {
            shutdown(agent, socket_ours);
        }
    }
}

fn shutdown(agent: &Agent, socket_ours: bool) -> ! {
    *agent.holding.lock().unwrap_or_else(|p| p.into_inner()) = None;
    if socket_ours {
        let _ = std::fs::remove_file(&agent.socket);
    }
    std::process::exit(0)
}

/// Serves one connection until it closes. Only our own uid is served.
fn serve(agent: &Agent, mut conn: UnixStream) {
    match super::peer_uid(&conn) {
        Ok(uid) if uid == rustix::process::geteuid().as_raw() => {}
        _ => return,
    }
    // An open connection keeps an empty agent alive: a client that just
    // connected to hand it an identity is not left talking to nobody.
    struct Open<'a>(&'a Agent);
    impl Drop for Open<'_> {
        fn drop(&mut self) {
            *self.0.last_request.lock().unwrap_or_else(|p| p.into_inner()) = Instant::now();
            self.0.busy.fetch_sub(1, Ordering::SeqCst);
        }
    }
    agent.busy.fetch_add(1, Ordering::SeqCst);
    let _open = Open(agent);
    loop {
        let body = match proto::receive(&mut conn) {
            Ok(Some(b)) => b,
            // Closed between requests: done.
            Ok(None) => return,
            // A frame of an impossible size is malformed too; a connection
            // cut mid-frame is only a client that died.
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => shutdown(agent, true),
            Err(_) => return,
        };
        *agent.last_request.lock().unwrap_or_else(|p| p.into_inner()) = Instant::now();
        let answer = handle(agent, &body);
        let (answer, then_exit) = match answer {
            Ok(a) => a,
            // A malformed request (from our own uid: a bug, or something
            // probing) fails closed: the agent forgets the key and exits,
            // and nothing about its state goes back to the peer.
            Err(Malformed) => shutdown(agent, true),
        };
        if answer.send(&mut conn).is_err() {
            return;
        }
        if then_exit {
            shutdown(agent, true);
        }
    }
}

fn error(e: &Error) -> Writer {
    Writer::new(proto::ERROR)
        .str(e.message())
        .str(e.hint_text().unwrap_or(""))
}

fn status(agent: &Agent) -> Writer {
    let holding = agent.holding.lock().unwrap_or_else(|p| p.into_inner());
    Status {
        held: holding.as_ref().map(|h| h.held.clone()),
        pid: std::process::id(),
    }
    .write()
}

fn handle(agent: &Agent, body: &[u8]) -> std::result::Result<(Writer, bool), Malformed> {
    let (kind, mut r) = Reader::new(body)?;
    match kind {
        proto::STATUS => {
            r.end()?;
            Ok((status(agent), false))
        }
        proto::LOCK => {
            r.end()?;
            *agent.holding.lock().unwrap_or_else(|p| p.into_inner()) = None;
            Ok((Writer::new(proto::DONE), true))
        }
        proto::LOAD => {
            let path = r.str()?.to_owned();
            let file = Zeroizing::new(r.bytes()?.to_vec());
            let passphrase = match r.u8()? {
                0 => None,
                1 => Some(SecretString::from(r.str()?.to_owned())),
                _ => return Err(Malformed),
            };
            let seconds = r.i64()?;
            r.end()?;
            if seconds <= 0 {
                return Err(Malformed);
            }
            Ok((load(agent, path, &file, passphrase, seconds), false))
        }
        proto::UNWRAP => {
            let n = r.count(12)?;
            let mut stanzas = Vec::with_capacity(n);
            for _ in 0..n {
                let tag = r.str()?.to_owned();
                let nargs = r.count(4)?;
                let mut args = Vec::with_capacity(nargs);
                for _ in 0..nargs {
                    args.push(r.str()?.to_owned());
                }
                let body = r.bytes()?.to_vec();
                stanzas.push(Stanza { tag, args, body });
            }
            r.end()?;
            let holding = agent.holding.lock().unwrap_or_else(|p| p.into_inner());
            let Some(h) = holding.as_ref() else {
                return Ok((error(&locked()), false));
            };
            let answer = match h.me.unwrap(&stanzas) {
                None => Writer::new(proto::FILE_KEY).u8(0),
                Some(Ok(key)) => {
                    use age::secrecy::ExposeSecret;
                    Writer::new(proto::FILE_KEY).u8(1).bytes(key.expose_secret())
                }
                Some(Err(_)) => error(
                    &Error::identity("the agent's identity could not open this grant")
                        .hint("the grant may be damaged; run `vault whoami`"),
                ),
            };
            Ok((answer, false))
        }
        proto::SIGN => {
            let purpose = Purpose::from_code(r.u8()?).ok_or(Malformed)?;
            let n = r.count(4)?;
            if n > proto::SIGN_BATCH {
                return Err(Malformed);
            }
            let mut msgs = Vec::with_capacity(n);
            for _ in 0..n {
                msgs.push(r.bytes()?);
            }
            r.end()?;
            let holding = agent.holding.lock().unwrap_or_else(|p| p.into_inner());
            let Some(h) = holding.as_ref() else {
                return Ok((error(&locked()), false));
            };
            let answer = match h.me.sign_many(purpose, &msgs) {
                Ok(sigs) => sigs
                    .iter()
                    .fold(Writer::new(proto::SIGNATURES).u32(sigs.len() as u32), |w, s| {
                        w.bytes(s)
                    }),
                Err(e) => error(&e),
            };
            Ok((answer, false))
        }
        _ => Err(Malformed),
    }
}

fn locked() -> Error {
    Error::identity("the vault agent holds no identity (it was locked or expired)")
        .hint("run `vault unlock` again")
}

fn load(agent: &Agent, path: String, file: &[u8], passphrase: Option<SecretString>, seconds: i64) -> Writer {
    let mut given = passphrase;
    let parsed = Personal::parse_with(file, &path, &mut |_| {
        given.take().ok_or_else(|| {
            Error::identity(format!("{path} is protected by a passphrase"))
                .hint("run `vault unlock` on a terminal")
        })
    });
    let me = match parsed {
        Ok(me) => me,
        Err(e) => return error(&e),
    };
    if me.kind() == crate::seal::IdentityKind::Plugin {
        return error(&Error::usage(format!(
            "{path} is an age plugin identity: its plugin holds the key, so there is nothing to unlock"
        )));
    }
    let verifying_key = match me.verifying_key() {
        Ok(k) => k.to_string(),
        Err(e) => return error(&e),
    };
    let keep = Duration::from_secs(seconds as u64);
    let expires_at = chrono::Utc::now().timestamp().saturating_add(seconds);
    let held = Held {
        path,
        digest: super::digest(file),
        recipient: me.recipient().to_owned(),
        kind: me.kind().id().to_owned(),
        verifying_key,
        expires_at,
    };
    let expires = Instant::now()
        .checked_add(keep)
        .unwrap_or_else(|| Instant::now() + Duration::from_secs(1 << 40));
    *agent.holding.lock().unwrap_or_else(|p| p.into_inner()) = Some(Holding { held, me, expires });
    status(agent)
}
