//! The vault agent: unlock a protected identity once, use it many times.
//!
//! `vault unlock` starts (or reuses) one agent process per user and hands it
//! the identity file and its passphrase; the agent keeps the unlocked
//! identity in memory until `vault lock`, its expiry, or the removal of its
//! socket, then exits. Other commands find the agent's socket, check that it
//! holds the very identity file they would load (by the file's SHA-256), and
//! send it what needs the private key: the age stanzas of a grant to unwrap
//! (they get back the 16-byte file key) and the statements to sign (they get
//! back signatures). The private key never leaves the agent, the same shape
//! as ssh-agent and age plugins.
//!
//! Where: `$XDG_RUNTIME_DIR/vault/agent.sock`, or `<data dir>/agent/agent.sock`
//! when `XDG_RUNTIME_DIR` is unset. The directory must be 0700 and the
//! socket 0600, both owned by the user; anything else is refused, not
//! "fixed". Both ends check the other's uid with `SO_PEERCRED`.
//! `VAULT_AGENT=off` makes every command ignore the agent.

pub mod proto;
pub(crate) mod server;

use std::io::{BufRead, BufReader, Read as _};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use age::secrecy::{ExposeSecret, SecretString};
use age_core::format::{FILE_KEY_BYTES, FileKey, Stanza};
use zeroize::Zeroizing;

use crate::config::Paths;
use crate::error::{Error, Result};
use proto::{Reader, Status, Writer};

/// Set to `off` to keep every command away from the agent.
pub const MODE_VAR: &str = "VAULT_AGENT";
/// How long `vault unlock` keeps the identity unless `--for` says otherwise.
pub const DEFAULT_FOR: Duration = Duration::from_secs(15 * 60);
/// How long a command waits for one answer (a batch of signatures with an
/// RSA key is the slowest request).
const ANSWER_TIMEOUT: Duration = Duration::from_secs(120);

/// Whether commands may use the agent (`VAULT_AGENT`).
pub fn enabled() -> Result<bool> {
    match std::env::var(MODE_VAR) {
        Err(_) => Ok(true),
        Ok(v) => match v.trim().to_ascii_lowercase().as_str() {
            "" | "on" | "auto" | "1" | "yes" => Ok(true),
            "off" | "0" | "no" => Ok(false),
            _ => Err(Error::usage(format!(
                "{MODE_VAR} must be `on` or `off`, not {}",
                crate::name::escape(&v)
            ))
            .hint(format!(
                "unset {MODE_VAR}, or set {MODE_VAR}=off to bypass the agent"
            ))),
        },
    }
}

/// The agent's directory and socket.
#[derive(Clone, Debug)]
pub struct Location {
    pub dir: PathBuf,
    pub socket: PathBuf,
}

impl Location {
    pub fn new(paths: &Paths) -> Location {
        let dir = match dirs::runtime_dir() {
            Some(run) => run.join("vault"),
            None => paths.data_dir.join("agent"),
        };
        Location::in_dir(dir)
    }

    pub fn in_dir(dir: PathBuf) -> Location {
        Location {
            socket: dir.join("agent.sock"),
            dir,
        }
    }
}

fn uid() -> u32 {
    rustix::process::geteuid().as_raw()
}

fn unsafe_place(path: &Path, why: String) -> Error {
    Error::identity(format!("refusing the vault agent at {}: {why}", path.display())).hint(format!(
        "remove it (a vault agent makes it 0700/0600 and yours), or set {MODE_VAR}=off"
    ))
}

/// The directory must be a real directory (not a link), ours, and closed to
/// everyone else: whoever can write to it could put their socket in ours.
pub(crate) fn check_dir(dir: &Path) -> Result<()> {
    let meta = std::fs::symlink_metadata(dir)
        .map_err(|e| Error::identity(format!("cannot inspect {}: {e}", dir.display())).hint("check it"))?;
    if !meta.is_dir() {
        return Err(unsafe_place(dir, "it is not a directory".into()));
    }
    ours_and_closed(dir, &meta, "700")
}

/// Owned by us, and nothing for group or others.
fn ours_and_closed(path: &Path, meta: &std::fs::Metadata, want: &str) -> Result<()> {
    if meta.uid() != uid() {
        return Err(unsafe_place(path, format!("it belongs to uid {}", meta.uid())));
    }
    if meta.mode() & 0o077 != 0 {
        return Err(unsafe_place(
            path,
            format!("its mode is {:o}, not {want}", meta.mode() & 0o777),
        ));
    }
    Ok(())
}

fn check_socket(socket: &Path) -> Result<bool> {
    let meta = match std::fs::symlink_metadata(socket) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => {
            return Err(
                Error::identity(format!("cannot inspect {}: {e}", socket.display())).hint("check it"),
            );
        }
    };
    if !meta.file_type().is_socket() {
        return Err(unsafe_place(socket, "it is not a socket".into()));
    }
    ours_and_closed(socket, &meta, "600")?;
    Ok(true)
}

/// The uid of the process at the other end of a Unix socket.
pub(crate) fn peer_uid(stream: &UnixStream) -> std::io::Result<u32> {
    Ok(rustix::net::sockopt::socket_peercred(stream)?.uid.as_raw())
}

/// A connection to a running agent.
pub struct Client {
    stream: Mutex<UnixStream>,
    socket: PathBuf,
}

impl Client {
    /// Connects to the agent if one runs; `None` when there is none (no
    /// socket, or a stale one nobody listens on). A directory or socket
    /// with the wrong owner or mode, or an agent of another uid, is an error.
    pub fn connect(at: &Location) -> Result<Option<Client>> {
        if !at.dir.exists() {
            return Ok(None);
        }
        check_dir(&at.dir)?;
        if !check_socket(&at.socket)? {
            return Ok(None);
        }
        let stream = match UnixStream::connect(&at.socket) {
            Ok(s) => s,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::ConnectionRefused | std::io::ErrorKind::NotFound
                ) =>
            {
                return Ok(None);
            }
            Err(e) => {
                return Err(Error::identity(format!(
                    "cannot reach the vault agent at {}: {e}",
                    at.socket.display()
                ))
                .hint(format!(
                    "run `vault lock` and `vault unlock` again, or set {MODE_VAR}=off"
                )));
            }
        };
        match peer_uid(&stream) {
            Ok(peer) if peer == uid() => {}
            Ok(peer) => {
                return Err(unsafe_place(
                    &at.socket,
                    format!("the process listening there runs as uid {peer}"),
                ));
            }
            Err(e) => {
                return Err(
                    Error::identity(format!("cannot check who runs the vault agent: {e}"))
                        .hint(format!("set {MODE_VAR}=off")),
                );
            }
        }
        let _ = stream.set_read_timeout(Some(ANSWER_TIMEOUT));
        let _ = stream.set_write_timeout(Some(ANSWER_TIMEOUT));
        Ok(Some(Client {
            stream: Mutex::new(stream),
            socket: at.socket.clone(),
        }))
    }

    fn stopped(&self, e: impl std::fmt::Display) -> Error {
        Error::identity(format!(
            "the vault agent ({}) stopped answering: {e}",
            self.socket.display()
        ))
        .hint(format!("run `vault unlock` again, or set {MODE_VAR}=off"))
    }

    /// Sends one request and returns the answer's kind and body; an
    /// `ERROR` answer becomes the error it carries.
    fn call(&self, request: Writer) -> Result<(u8, Zeroizing<Vec<u8>>)> {
        let mut stream = self.stream.lock().unwrap_or_else(|p| p.into_inner());
        request.send(&mut *stream).map_err(|e| self.stopped(e))?;
        let body = proto::receive(&mut *stream)
            .map_err(|e| self.stopped(e))?
            .ok_or_else(|| self.stopped("it closed the connection"))?;
        let (kind, mut r) = Reader::new(&body).map_err(|_| self.stopped("an empty answer"))?;
        if kind == proto::ERROR {
            let (message, hint) =
                (|| Ok::<_, proto::Malformed>((r.str()?.to_owned(), r.str()?.to_owned())))()
                    .map_err(|_| self.stopped("a malformed answer"))?;
            let mut e = Error::identity(message);
            if !hint.is_empty() {
                e = e.hint(hint);
            }
            return Err(e);
        }
        Ok((kind, body))
    }

    fn expect(&self, (kind, body): (u8, Zeroizing<Vec<u8>>), want: u8) -> Result<Zeroizing<Vec<u8>>> {
        if kind != want {
            return Err(self.stopped(format!("an answer of the wrong kind ({kind})")));
        }
        Ok(body)
    }

    /// What the agent holds.
    pub fn status(&self) -> Result<Status> {
        let body = self.expect(self.call(Writer::new(proto::STATUS))?, proto::STATUS_OK)?;
        let (_, mut r) = Reader::new(&body).map_err(|_| self.stopped("a malformed answer"))?;
        Status::read(&mut r).map_err(|_| self.stopped("a malformed status"))
    }

    /// Hands the agent an identity file (and its passphrase) to hold for `keep`.
    pub fn load(
        &self,
        path: &str,
        file: &[u8],
        passphrase: Option<&SecretString>,
        keep: Duration,
    ) -> Result<Status> {
        let mut w = Writer::new(proto::LOAD).str(path).bytes(file);
        w = match passphrase {
            None => w.u8(0),
            Some(p) => w.u8(1).str(p.expose_secret()),
        };
        let w = w.i64(keep.as_secs().min(i64::MAX as u64) as i64);
        let body = self.expect(self.call(w)?, proto::STATUS_OK)?;
        let (_, mut r) = Reader::new(&body).map_err(|_| self.stopped("a malformed answer"))?;
        Status::read(&mut r).map_err(|_| self.stopped("a malformed status"))
    }

    /// Forgets the identity; the agent exits.
    pub fn lock(&self) -> Result<()> {
        self.expect(self.call(Writer::new(proto::LOCK))?, proto::DONE)?;
        Ok(())
    }

    /// Asks the agent to unwrap a file key from an age header's stanzas:
    /// `Ok(None)` when none is addressed to the held identity.
    pub fn unwrap(&self, stanzas: &[Stanza]) -> Result<Option<FileKey>> {
        let mut w = Writer::new(proto::UNWRAP).u32(stanzas.len() as u32);
        for s in stanzas {
            w = w.str(&s.tag).u32(s.args.len() as u32);
            for a in &s.args {
                w = w.str(a);
            }
            w = w.bytes(&s.body);
        }
        let body = self.expect(self.call(w)?, proto::FILE_KEY)?;
        let (_, mut r) = Reader::new(&body).map_err(|_| self.stopped("a malformed answer"))?;
        let parsed = (|| {
            let found = r.u8()?;
            let key = match found {
                0 => None,
                1 => {
                    let bytes: [u8; FILE_KEY_BYTES] = r.bytes()?.try_into().map_err(|_| proto::Malformed)?;
                    let bytes = Zeroizing::new(bytes);
                    Some(FileKey::init_with_mut(|k| k.copy_from_slice(&bytes[..])))
                }
                _ => return Err(proto::Malformed),
            };
            r.end()?;
            Ok(key)
        })();
        parsed.map_err(|_| self.stopped("a malformed file key"))
    }

    /// Signs `msgs` for `purpose` (a [`crate::trust::Purpose`] code), in
    /// batches of [`proto::SIGN_BATCH`].
    pub fn sign(&self, purpose: u8, msgs: &[&[u8]]) -> Result<Vec<Vec<u8>>> {
        let mut out = Vec::with_capacity(msgs.len());
        for chunk in msgs.chunks(proto::SIGN_BATCH) {
            let mut w = Writer::new(proto::SIGN).u8(purpose).u32(chunk.len() as u32);
            for m in chunk {
                w = w.bytes(m);
            }
            let body = self.expect(self.call(w)?, proto::SIGNATURES)?;
            let (_, mut r) = Reader::new(&body).map_err(|_| self.stopped("a malformed answer"))?;
            let parsed = (|| {
                let n = r.count(4)?;
                if n != chunk.len() {
                    return Err(proto::Malformed);
                }
                let mut sigs = Vec::with_capacity(n);
                for _ in 0..n {
                    sigs.push(r.bytes()?.to_vec());
                }
                r.end()?;
                Ok(sigs)
            })();
            out.extend(parsed.map_err(|_| self.stopped("malformed signatures"))?);
        }
        Ok(out)
    }
}

/// Connects to the agent, starting one if none runs.
pub fn connect_or_start(at: &Location) -> Result<Client> {
    // An agent that is exiting still holds its lock for a moment, and one
    // that just won the lock has not bound its socket yet: wait for either
    // to settle, and start another if the old one is gone.
    for _ in 0..3 {
        if let Some(c) = Client::connect(at)? {
            return Ok(c);
        }
        start(at)?;
        let deadline = std::time::Instant::now() + Duration::from_secs(3);
        while std::time::Instant::now() < deadline {
            if let Some(c) = Client::connect(at)? {
                return Ok(c);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    Err(Error::identity(format!(
        "the vault agent does not answer at {}",
        at.socket.display()
    ))
    .hint(format!("set {MODE_VAR}=off to work without it")))
}

/// Starts an agent and waits until it says it listens ("ready") or that
/// another one holds the directory ("running").
fn start(at: &Location) -> Result<()> {
    let exe = std::env::current_exe()
        .map_err(|e| Error::internal(format!("cannot find the vault binary to start the agent: {e}")))?;
    // A clean environment and no inherited terminal: the agent learns
    // nothing it is not sent over its socket.
    let mut child = std::process::Command::new(exe)
        .arg("agent")
        .arg("--dir")
        .arg(&at.dir)
        .env_clear()
        .env("LANG", "C.UTF-8")
        .current_dir("/")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| {
            Error::identity(format!("cannot start the vault agent: {e}")).hint(format!("set {MODE_VAR}=off"))
        })?;
    let mut line = String::new();
    if let Some(out) = child.stdout.take() {
        let _ = BufReader::new(out).take(4096).read_line(&mut line);
    }
    let line = line.trim();
    if let Some(why) = line.strip_prefix("error: ") {
        let _ = child.wait();
        return Err(Error::identity(format!("the vault agent could not start: {why}"))
            .hint(format!("set {MODE_VAR}=off to work without it")));
    }
    if line.is_empty() {
        let _ = child.wait();
        return Err(Error::identity("the vault agent exited as it started")
            .hint(format!("set {MODE_VAR}=off to work without it")));
    }
    if line == "running" {
        // That one lost the race and has exited: reap it.
        let _ = child.wait();
    }
    // "ready": the child lives on as the agent and is not waited for.
    Ok(())
}

/// What `whoami` says about the agent.
pub enum Probe {
    Off,
    NotRunning,
    Holds(proto::Held, u32),
    Empty(u32),
}

/// Asks the agent what it holds, without failing the command: a problem is
/// reported as the error it would be.
pub fn probe(at: &Location) -> Result<Probe> {
    if !enabled()? {
        return Ok(Probe::Off);
    }
    let Some(client) = Client::connect(at)? else {
        return Ok(Probe::NotRunning);
    };
    let status = client.status()?;
    Ok(match status.held {
        Some(h) => Probe::Holds(h, status.pid),
        None => Probe::Empty(status.pid),
    })
}

/// The SHA-256 of an identity file, which tells a command whether the agent
/// holds the identity it would load.
pub fn digest(file: &[u8]) -> [u8; 32] {
    use sha2::Digest as _;
    sha2::Sha256::digest(file).into()
}

/// An age identity whose private key is in the agent.
pub(crate) struct AgentIdentity {
    client: std::sync::Arc<Client>,
    /// Why the last unwrap failed, when the agent (not the grant) was the
    /// cause: age's error type cannot carry it, so the caller asks here.
    failure: Mutex<Option<Error>>,
}

impl AgentIdentity {
    pub(crate) fn new(client: std::sync::Arc<Client>) -> AgentIdentity {
        AgentIdentity {
            client,
            failure: Mutex::new(None),
        }
    }

    pub(crate) fn take_failure(&self) -> Option<Error> {
        self.failure.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

impl age::Identity for AgentIdentity {
    fn unwrap_stanza(&self, stanza: &Stanza) -> Option<std::result::Result<FileKey, age::DecryptError>> {
        self.unwrap_stanzas(std::slice::from_ref(stanza))
    }

    fn unwrap_stanzas(&self, stanzas: &[Stanza]) -> Option<std::result::Result<FileKey, age::DecryptError>> {
        match self.client.unwrap(stanzas) {
            Ok(found) => found.map(Ok),
            Err(e) => {
                *self.failure.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                Some(Err(age::DecryptError::KeyDecryptionFailed))
            }
        }
    }
}

/// The agent identity as a boxed `age::Identity` (shared with the
/// [`crate::seal::Personal`] that asks it for failures).
pub(crate) struct SharedIdentity(pub(crate) std::sync::Arc<AgentIdentity>);

impl age::Identity for SharedIdentity {
    fn unwrap_stanza(&self, stanza: &Stanza) -> Option<std::result::Result<FileKey, age::DecryptError>> {
        self.0.unwrap_stanza(stanza)
    }

    fn unwrap_stanzas(&self, stanzas: &[Stanza]) -> Option<std::result::Result<FileKey, age::DecryptError>> {
        self.0.unwrap_stanzas(stanzas)
    }
}
