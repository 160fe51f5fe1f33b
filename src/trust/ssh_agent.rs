//! Signing with a key held by ssh-agent: the private key never enters vault.
//!
//! [`AgentSigner`] produces the very bytes [`SigningKey`]'s SSH path does for
//! the same key and namespace: an encoded [`SshSig`] (SSHSIG, SHA-512), which
//! `ssh-keygen -Y check-novalidate` accepts and
//! [`VerifyingKey::verify_for`] checks. Ed25519 and RSA PKCS#1 v1.5 are
//! deterministic, so for those keys the bytes are equal, not merely valid.
//!
//! What vault asks of the agent (the protocol of draft-miller-ssh-agent, via
//! `ssh-agent-client-rs`): one connection per [`AgentSigner::sign_many`],
//! one `REQUEST_IDENTITIES` to tell "the key is not in the agent" from "the
//! agent refused", then one `SIGN_REQUEST` per message over the SSHSIG
//! signed-data blob. RSA requests always carry the `rsa-sha2-512` flag
//! (ssh-agent-client-rs sets it for every RSA key; it has no way to pass
//! others), and an answer made with another hash is refused. Every signature
//! is checked against the public key before it is returned, so a confused or
//! hostile agent (SSH_AUTH_SOCK is only an environment variable; a forwarded
//! agent belongs to another machine) cannot get a bad signature written to a
//! log that every member would then refuse.
//!
//! Keys: `ssh-ed25519`, `ssh-rsa` and `sk-ssh-ed25519@openssh.com` (FIDO;
//! the agent asks the authenticator, which may want a touch per signature).
//! Whether a member may use a key is [`VerifyingKey`]'s decision, not this
//! module's.
//!
//! [`SigningKey`]: super::SigningKey
//! [`VerifyingKey`]: super::VerifyingKey
//! [`VerifyingKey::verify_for`]: super::VerifyingKey::verify_for

use std::ffi::OsString;
use std::fmt;
use std::os::unix::net::UnixStream;
use std::path::PathBuf;

use ssh_agent_client_rs::{Client, Identity};
use ssh_encoding::Encode as _;
use ssh_key::{Algorithm, HashAlg, PublicKey, SshSig};

use crate::error::{Error, Result};
use crate::name;

/// The environment variable naming the agent's socket, as OpenSSH uses it.
pub(crate) const AUTH_SOCK_ENV: &str = "SSH_AUTH_SOCK";

/// Signs with a key held by ssh-agent (`SSH_AUTH_SOCK`). Holds no secret.
#[derive(Debug)]
pub(crate) struct AgentSigner {
    public: PublicKey,
    socket: PathBuf,
}

impl AgentSigner {
    /// The signer for `public` through the agent `SSH_AUTH_SOCK` names;
    /// an identity error (exit 8) with a hint when it is unset or the key is
    /// of a kind the agent cannot sign SSHSIG with for vault.
    pub(crate) fn new(public: PublicKey) -> Result<AgentSigner> {
        AgentSigner::from_env_value(public, std::env::var_os(AUTH_SOCK_ENV))
    }

    /// [`AgentSigner::new`] with the variable's value passed in (tests cannot
    /// set variables: `set_var` is unsafe and the crate forbids unsafe code).
    fn from_env_value(public: PublicKey, value: Option<OsString>) -> Result<AgentSigner> {
        let Some(socket) = value.filter(|v| !v.is_empty()) else {
            return Err(
                Error::identity(format!("no ssh-agent to sign with: {AUTH_SOCK_ENV} is not set"))
                    .hint("start one with `eval \"$(ssh-agent)\"`, then add the key with `ssh-add FILE`"),
            );
        };
        AgentSigner::with_socket(public, socket.into())
    }

    /// The signer for `public` through the agent listening on `socket`.
    pub(crate) fn with_socket(public: PublicKey, socket: PathBuf) -> Result<AgentSigner> {
        match public.algorithm() {
            Algorithm::Ed25519 | Algorithm::SkEd25519 | Algorithm::Rsa { .. } => {}
            other => {
                return Err(Error::identity(format!(
                    "{} keys cannot sign for vault through ssh-agent",
                    name::escape(other.as_str())
                ))
                .hint("use an ed25519 key (`ssh-keygen -t ed25519`) or an RSA key"));
            }
        }
        Ok(AgentSigner { public, socket })
    }

    /// Signs every message under `namespace` over one agent connection
    /// (a rotation signs thousands): one encoded [`SshSig`] per message, in
    /// order. Nothing is signed, and the agent is not contacted, for none.
    pub(crate) fn sign_many(&self, namespace: &str, msgs: &[&[u8]]) -> Result<Vec<Vec<u8>>> {
        if msgs.is_empty() {
            return Ok(Vec::new());
        }
        let stream = UnixStream::connect(&self.socket)
            .map_err(|e| Error::identity(format!("cannot reach ssh-agent: {e}")).hint(self.running_hint()))?;
        let mut client = Client::with_read_write(Box::new(stream));
        let identity = self.find_identity(&mut client)?;
        let fallback = Identity::from(&self.public);
        let held = identity.is_some();
        let identity = identity.as_ref().unwrap_or(&fallback);
        msgs.iter()
            .map(|msg| self.sign_one(&mut client, identity, held, namespace, msg))
            .collect()
    }

    /// The agent's identity for our key: the plain key if the agent lists
    /// it, else a certificate for it (signing with either gives the key's
    /// signature). `None` when the agent's list cannot be read (a key type or
    /// comment ssh-key cannot parse): then vault asks for the signature
    /// anyway and words a refusal as "not held or refused".
    fn find_identity(&self, client: &mut Client) -> Result<Option<Identity<'static>>> {
        let identities = match client.list_all_identities() {
            Ok(identities) => identities,
            Err(ssh_agent_client_rs::Error::AgentCommunicationError(e)) => {
                return Err(self.lost(&e));
            }
            Err(_) => return Ok(None),
        };
        let ours = self.public.key_data();
        let mut found = None;
        for identity in identities {
            match &identity {
                Identity::PublicKey(k) if k.key_data() == ours => return Ok(Some(identity)),
                Identity::Certificate(c) if c.public_key() == ours => found = found.or(Some(identity)),
                _ => {}
            }
        }
        match found {
            Some(cert) => Ok(Some(cert)),
            None => Err(Error::identity(format!(
                "the ssh-agent at {} does not hold the key {}",
                self.socket_shown(),
                self.public.fingerprint(HashAlg::Sha256)
            ))
            .hint("add it with `ssh-add FILE` (`ssh-add -l` lists what it holds)")),
        }
    }

    fn sign_one(
        &self,
        client: &mut Client,
        identity: &Identity,
        held: bool,
        namespace: &str,
        msg: &[u8],
    ) -> Result<Vec<u8>> {
        let bug = |e: &dyn fmt::Display| Error::internal(format!("building an SSH signature failed: {e}"));
        let data = SshSig::signed_data(namespace, HashAlg::Sha512, msg).map_err(|e| bug(&e))?;
        let signature = client.sign_with_ref(identity, &data).map_err(|e| match e {
            ssh_agent_client_rs::Error::RemoteFailure => self.refused(held),
            ssh_agent_client_rs::Error::AgentCommunicationError(e) => self.lost(&e),
            // Includes an RSA signature made with SHA-1 (`ssh-rsa`), which
            // ssh-key will not even decode: an agent that ignored the flag.
            other => self.garbled(&other),
        })?;
        let expected = match self.public.algorithm() {
            Algorithm::Rsa { .. } => Algorithm::Rsa {
                hash: Some(HashAlg::Sha512),
            },
            other => other,
        };
        if signature.algorithm() != expected {
            return Err(Error::identity(format!(
                "the ssh-agent signed with {} instead of {}",
                name::escape(signature.algorithm().as_str()),
                expected.as_str()
            ))
            .hint("use OpenSSH's ssh-agent (7.2 or later), or an ed25519 key"));
        }
        if signature.algorithm() == Algorithm::SkEd25519 && !crate::trust::keys::sk_user_present(&signature) {
            return Err(Error::identity(
                "the FIDO key signed without user presence (no touch), which every member refuses",
            )
            .hint("use a key made without `-O no-touch-required`, and touch it when it blinks"));
        }
        let sig = SshSig::new(
            self.public.key_data().clone(),
            namespace,
            HashAlg::Sha512,
            signature,
        )
        .map_err(|e| bug(&e))?;
        if self.public.verify(namespace, msg, &sig).is_err() {
            return Err(Error::identity(format!(
                "the ssh-agent at {} returned a signature that is not valid for the key {}",
                self.socket_shown(),
                self.public.fingerprint(HashAlg::Sha256)
            ))
            .hint(format!("check that {AUTH_SOCK_ENV} names your own ssh-agent")));
        }
        let mut out = Vec::new();
        sig.encode(&mut out).map_err(|e| bug(&e))?;
        Ok(out)
    }

    fn socket_shown(&self) -> String {
        name::escape(&self.socket.to_string_lossy())
    }

    fn running_hint(&self) -> String {
        format!("is ssh-agent running? {AUTH_SOCK_ENV}={}", self.socket_shown())
    }

    fn lost(&self, e: &std::io::Error) -> Error {
        Error::identity(format!("lost the connection to ssh-agent: {e}")).hint(self.running_hint())
    }

    fn refused(&self, held: bool) -> Error {
        let key = self.public.fingerprint(HashAlg::Sha256);
        let message = if held {
            format!("the ssh-agent refused to sign with the key {key}")
        } else {
            format!("the ssh-agent did not sign with the key {key}: it does not hold it, or refused")
        };
        Error::identity(message).hint(
            "add the key with `ssh-add FILE`; if it was added with `ssh-add -c`, confirm the request; \
             a key added with destination limits (`ssh-add -h`) cannot sign for vault",
        )
    }

    fn garbled(&self, e: &ssh_agent_client_rs::Error) -> Error {
        Error::identity(format!(
            "the ssh-agent sent an answer vault cannot use: {}",
            name::display(&e.to_string())
        ))
        .hint(format!(
            "check that {AUTH_SOCK_ENV} names OpenSSH's ssh-agent (7.2 or later)"
        ))
    }
}

#[cfg(test)]
mod tests {
    //! Against a real OpenSSH `ssh-agent` (skipped, with a note, where it is
    //! not installed), and for FIDO keys, which need hardware, a small fake
    //! agent that signs the way an authenticator does.

    use std::io::{Read as _, Write as _};
    use std::os::unix::net::UnixListener;
    use std::path::Path;
    use std::process::{Child, Command, Stdio};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::time::{Duration, Instant};

    use ed25519_dalek::Signer as _;
    use sha2::{Digest as _, Sha256};
    use ssh_encoding::Decode as _;

    use super::*;
    use crate::error::Kind;
    use crate::trust::{Purpose, SigningKey, VerifyingKey};

    /// A real `ssh-agent -D` on a socket in its own temporary directory,
    /// killed (and reaped) on drop.
    struct TestAgent {
        child: Child,
        sock: PathBuf,
        dir: tempfile::TempDir,
    }

    impl TestAgent {
        /// `None` (and a note on stderr) when ssh-agent is not installed.
        fn start() -> Option<TestAgent> {
            let dir = tempfile::tempdir().unwrap();
            let sock = dir.path().join("agent.sock");
            let child = Command::new("ssh-agent")
                .arg("-D")
                .arg("-a")
                .arg(&sock)
                // A confirmation (`ssh-add -c`) is asked with this program: declined.
                .env("SSH_ASKPASS", "/bin/false")
                .env("SSH_ASKPASS_REQUIRE", "force")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn();
            let child = match child {
                Ok(child) => child,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    eprintln!("skipped: ssh-agent is not installed");
                    return None;
                }
                Err(e) => panic!("cannot start ssh-agent: {e}"),
            };
            let agent = TestAgent { child, sock, dir };
            let start = Instant::now();
            while !agent.sock.exists() {
                assert!(
                    start.elapsed() < Duration::from_secs(10),
                    "ssh-agent did not start"
                );
                std::thread::sleep(Duration::from_millis(10));
            }
            Some(agent)
        }

        fn add(&self, key: &Path, options: &[&str]) {
            let out = Command::new("ssh-add")
                .args(options)
                .arg(key)
                .env("SSH_AUTH_SOCK", &self.sock)
                .stdin(Stdio::null())
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "ssh-add: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }

    impl Drop for TestAgent {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    /// A key made by ssh-keygen in `dir`: its path, public key and private PEM.
    fn keygen(dir: &Path, name: &str, args: &[&str]) -> (PathBuf, PublicKey, String) {
        let path = dir.join(name);
        let out = Command::new("ssh-keygen")
            .args(["-q", "-N", "", "-C", "test@example", "-f"])
            .arg(&path)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "ssh-keygen: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let public = PublicKey::read_openssh_file(&path.with_extension("pub")).unwrap();
        (path.clone(), public, std::fs::read_to_string(&path).unwrap())
    }

    /// Checks `sig` over `msg` with ssh-key and with `ssh-keygen -Y check-novalidate`.
    fn check_both_ways(dir: &Path, public: &PublicKey, namespace: &str, msg: &[u8], sig: &[u8]) -> SshSig {
        let mut reader = sig;
        let parsed = SshSig::decode(&mut reader).unwrap();
        assert!(reader.is_empty());
        public.verify(namespace, msg, &parsed).unwrap();
        let pub_file = dir.join("check.pub");
        let sig_file = dir.join("check.sig");
        public.write_openssh_file(&pub_file).unwrap();
        std::fs::write(&sig_file, parsed.to_pem(ssh_key::LineEnding::LF).unwrap()).unwrap();
        let mut child = Command::new("ssh-keygen")
            .args(["-Y", "check-novalidate", "-n", namespace, "-f"])
            .arg(&pub_file)
            .arg("-s")
            .arg(&sig_file)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(msg).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "ssh-keygen -Y check-novalidate: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        parsed
    }

    /// The canonical verifying-key text of an SSH public key (no comment).
    fn vault_key(public: &PublicKey) -> VerifyingKey {
        let mut bare = public.clone();
        bare.set_comment("");
        VerifyingKey::parse(&bare.to_openssh().unwrap()).unwrap()
    }

    const MSGS: [&[u8]; 2] = [b"first entry", b"second entry, longer \x00\xff"];

    #[test]
    fn ed25519_signatures_match_signing_key_bytes() {
        let Some(agent) = TestAgent::start() else { return };
        let (path, public, pem) = keygen(agent.dir.path(), "id_ed25519", &["-t", "ed25519"]);
        agent.add(&path, &[]);
        let signer = AgentSigner::with_socket(public.clone(), agent.sock.clone()).unwrap();
        let ns = Purpose::Log.namespace();
        let sigs = signer.sign_many(ns, &MSGS).unwrap();
        assert_eq!(sigs.len(), 2);
        let local = SigningKey::from_openssh(&pem, None).unwrap();
        let vk = vault_key(&public);
        for (msg, sig) in MSGS.iter().zip(&sigs) {
            let parsed = check_both_ways(agent.dir.path(), &public, ns, msg, sig);
            assert_eq!(parsed.algorithm(), Algorithm::Ed25519);
            assert!(vk.verify_for(Purpose::Log, msg, sig));
            assert!(!vk.verify_for(Purpose::Version, msg, sig));
            assert_eq!(sig, &local.sign_for(Purpose::Log, msg).unwrap());
        }
        assert_ne!(sigs[0], sigs[1]);
        // Another namespace, the same way.
        let version = signer
            .sign_many(Purpose::Version.namespace(), &MSGS[..1])
            .unwrap();
        assert!(vk.verify_for(Purpose::Version, MSGS[0], &version[0]));
    }

    #[test]
    fn rsa_signatures_are_rsa_sha2_512_and_match_signing_key_bytes() {
        let Some(agent) = TestAgent::start() else { return };
        let (path, public, pem) = keygen(agent.dir.path(), "id_rsa", &["-t", "rsa", "-b", "3072"]);
        agent.add(&path, &[]);
        let signer = AgentSigner::with_socket(public.clone(), agent.sock.clone()).unwrap();
        let ns = Purpose::Log.namespace();
        let sigs = signer.sign_many(ns, &MSGS).unwrap();
        let local = SigningKey::from_openssh(&pem, None).unwrap();
        let vk = vault_key(&public);
        for (msg, sig) in MSGS.iter().zip(&sigs) {
            let parsed = check_both_ways(agent.dir.path(), &public, ns, msg, sig);
            let rsa_sha512 = Algorithm::Rsa {
                hash: Some(HashAlg::Sha512),
            };
            assert_eq!(parsed.algorithm(), rsa_sha512);
            assert!(vk.verify_for(Purpose::Log, msg, sig));
            // PKCS#1 v1.5 is deterministic too.
            assert_eq!(sig, &local.sign_for(Purpose::Log, msg).unwrap());
        }
    }

    #[test]
    fn a_key_not_in_the_agent_is_named_with_a_hint() {
        let Some(agent) = TestAgent::start() else { return };
        let (held, _, _) = keygen(agent.dir.path(), "held", &["-t", "ed25519"]);
        agent.add(&held, &[]);
        let (_, public, _) = keygen(agent.dir.path(), "other", &["-t", "ed25519"]);
        let e = AgentSigner::with_socket(public.clone(), agent.sock.clone())
            .unwrap()
            .sign_many("vault-log-v1", &MSGS)
            .unwrap_err();
        assert_eq!(e.kind, Kind::Identity);
        let text = e.to_string();
        assert!(text.contains("does not hold the key SHA256:"), "{text}");
        assert!(
            text.contains(&public.fingerprint(HashAlg::Sha256).to_string()),
            "{text}"
        );
        assert!(
            e.hint_text().unwrap().starts_with("add it with `ssh-add FILE`"),
            "{text}"
        );
        assert!(!text.contains('\n'), "{text}");
    }

    #[test]
    fn a_declined_confirmation_is_a_refusal() {
        let Some(agent) = TestAgent::start() else { return };
        let (path, public, _) = keygen(agent.dir.path(), "id_ed25519", &["-t", "ed25519"]);
        agent.add(&path, &["-c"]);
        let e = AgentSigner::with_socket(public, agent.sock.clone())
            .unwrap()
            .sign_many("vault-log-v1", &MSGS)
            .unwrap_err();
        assert_eq!(e.kind, Kind::Identity);
        let text = e.to_string();
        assert!(
            text.starts_with("the ssh-agent refused to sign with the key SHA256:"),
            "{text}"
        );
        assert!(text.contains("`ssh-add -c`"), "{text}");
    }

    #[test]
    fn no_agent_is_an_identity_error_with_a_hint() {
        let dir = tempfile::tempdir().unwrap();
        let (_, public, _) = keygen(dir.path(), "id_ed25519", &["-t", "ed25519"]);
        for value in [None, Some(OsString::new())] {
            let e = AgentSigner::from_env_value(public.clone(), value).unwrap_err();
            assert_eq!(e.kind, Kind::Identity);
            assert!(e.to_string().contains("SSH_AUTH_SOCK is not set"), "{e}");
        }
        // Nothing there; and a stale socket nobody listens on.
        let stale = dir.path().join("stale.sock");
        drop(UnixListener::bind(&stale).unwrap());
        for sock in [dir.path().join("nowhere.sock"), stale] {
            let signer = AgentSigner::from_env_value(public.clone(), Some(sock.clone().into())).unwrap();
            assert_eq!(
                signer.sign_many("vault-log-v1", &[]).unwrap(),
                Vec::<Vec<u8>>::new()
            );
            let e = signer.sign_many("vault-log-v1", &MSGS).unwrap_err();
            assert_eq!(e.kind, Kind::Identity);
            let want = format!("; is ssh-agent running? SSH_AUTH_SOCK=\"{}\"", sock.display());
            assert!(e.to_string().starts_with("cannot reach ssh-agent: "), "{e}");
            assert!(e.to_string().ends_with(&want), "{e}");
        }
    }

    #[test]
    fn keys_vault_cannot_use_are_refused_up_front() {
        let dir = tempfile::tempdir().unwrap();
        let (_, public, _) = keygen(dir.path(), "id_ecdsa", &["-t", "ecdsa"]);
        let e = AgentSigner::with_socket(public, dir.path().join("s")).unwrap_err();
        assert_eq!(e.kind, Kind::Identity);
        assert!(
            e.to_string().starts_with("\"ecdsa-sha2-nistp256\" keys cannot"),
            "{e}"
        );
    }

    /// A FIDO authenticator's Ed25519 key behind a minimal agent: it signs
    /// SHA-256(application) || flags || counter || SHA-256(data), as OpenSSH's
    /// sk-ed25519 does, and counts the connections it accepts.
    struct FakeSkAgent {
        sock: PathBuf,
        public: PublicKey,
        connections: Arc<AtomicUsize>,
        stop: Arc<AtomicBool>,
        thread: Option<std::thread::JoinHandle<()>>,
        _dir: tempfile::TempDir,
    }

    impl FakeSkAgent {
        /// `flags` goes into every signature (0x01: user present); the
        /// listed comment is `comment`, which may be invalid UTF-8.
        fn start(flags: u8, comment: &'static [u8]) -> FakeSkAgent {
            let dir = tempfile::tempdir().unwrap();
            let sock = dir.path().join("fake.sock");
            let secret = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
            let sk = ssh_key::public::SkEd25519::new(
                ssh_key::public::Ed25519PublicKey(secret.verifying_key().to_bytes()),
                "ssh:",
            );
            let public = PublicKey::from(sk);
            let blob = public.to_bytes().unwrap();
            let listener = UnixListener::bind(&sock).unwrap();
            let (connections, stop) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicBool::new(false)));
            let (count, stopped) = (connections.clone(), stop.clone());
            let thread = std::thread::spawn(move || {
                let mut counter = 0u32;
                for stream in listener.incoming() {
                    if stopped.load(Ordering::SeqCst) {
                        return;
                    }
                    count.fetch_add(1, Ordering::SeqCst);
                    let mut stream = stream.unwrap();
                    while let Some(request) = read_frame(&mut stream) {
                        let answer = match request.first() {
                            Some(11) => {
                                let mut a = vec![12, 0, 0, 0, 1];
                                put_string(&mut a, &blob);
                                put_string(&mut a, comment);
                                a
                            }
                            Some(13) => {
                                let mut rest = &request[1..];
                                let key = get_string(&mut rest);
                                let data = get_string(&mut rest);
                                if key != blob {
                                    vec![5]
                                } else {
                                    counter += 1;
                                    let mut signed = Sha256::digest(b"ssh:").to_vec();
                                    signed.push(flags);
                                    signed.extend(counter.to_be_bytes());
                                    signed.extend(Sha256::digest(data));
                                    let mut sig = Vec::new();
                                    put_string(&mut sig, b"sk-ssh-ed25519@openssh.com");
                                    put_string(&mut sig, &secret.sign(&signed).to_bytes());
                                    sig.push(flags);
                                    sig.extend(counter.to_be_bytes());
                                    let mut a = vec![14];
                                    put_string(&mut a, &sig);
                                    a
                                }
                            }
                            _ => vec![5],
                        };
                        let mut frame = (answer.len() as u32).to_be_bytes().to_vec();
                        frame.extend(answer);
                        stream.write_all(&frame).unwrap();
                    }
                }
            });
            FakeSkAgent {
                sock,
                public,
                connections,
                stop,
                thread: Some(thread),
                _dir: dir,
            }
        }
    }

    impl Drop for FakeSkAgent {
        fn drop(&mut self) {
            self.stop.store(true, Ordering::SeqCst);
            let _ = UnixStream::connect(&self.sock); // wakes the accept loop
            if let Some(thread) = self.thread.take() {
                let _ = thread.join();
            }
        }
    }

    fn read_frame(stream: &mut UnixStream) -> Option<Vec<u8>> {
        let mut len = [0; 4];
        stream.read_exact(&mut len).ok()?;
        let mut body = vec![0; u32::from_be_bytes(len) as usize];
        stream.read_exact(&mut body).ok()?;
        Some(body)
    }

    fn put_string(out: &mut Vec<u8>, bytes: &[u8]) {
        out.extend((bytes.len() as u32).to_be_bytes());
        out.extend(bytes);
    }

    fn get_string<'a>(input: &mut &'a [u8]) -> &'a [u8] {
        let len = u32::from_be_bytes(input[..4].try_into().unwrap()) as usize;
        let (s, rest) = input[4..].split_at(len);
        *input = rest;
        s
    }

    #[test]
    fn sk_ed25519_signs_over_one_connection_and_verifies() {
        let agent = FakeSkAgent::start(0x01, b"fido");
        let signer = AgentSigner::with_socket(agent.public.clone(), agent.sock.clone()).unwrap();
        let msgs: Vec<&[u8]> = (0..50).map(|_| MSGS[0]).chain([MSGS[1]]).collect();
        let sigs = signer.sign_many("vault-log-v1", &msgs).unwrap();
        assert_eq!(agent.connections.load(Ordering::SeqCst), 1);
        assert_eq!(sigs.len(), msgs.len());
        let dir = tempfile::tempdir().unwrap();
        for (msg, sig) in [(MSGS[0], &sigs[0]), (MSGS[1], &sigs[50])] {
            let parsed = check_both_ways(dir.path(), &agent.public, "vault-log-v1", msg, sig);
            assert_eq!(parsed.algorithm(), Algorithm::SkEd25519);
        }
        // vault takes them as (companion) verifying keys, touched.
        let vk = vault_key(&agent.public);
        assert!(vk.is_fido());
        assert!(vk.verify_for(Purpose::Log, MSGS[0], &sigs[0]));
        assert!(vk.verify_for(Purpose::Log, MSGS[1], &sigs[50]));
        assert!(!vk.verify_for(Purpose::Version, MSGS[0], &sigs[0]));
    }

    #[test]
    fn sk_signature_without_user_presence_is_refused_by_the_signer() {
        // ssh-key does not look at the flags, so the signer checks the
        // user-presence bit itself and refuses before anything is written:
        // every member would refuse the signature.
        let agent = FakeSkAgent::start(0x00, b"fido");
        let signer = AgentSigner::with_socket(agent.public.clone(), agent.sock.clone()).unwrap();
        let e = signer.sign_many("vault-log-v1", &MSGS[..1]).unwrap_err();
        assert_eq!(e.kind, Kind::Identity);
        assert!(e.to_string().contains("without user presence"), "{e}");
    }

    #[test]
    fn an_unreadable_identity_list_still_signs_or_says_why_not() {
        let agent = FakeSkAgent::start(0x01, b"\xff not utf-8");
        let signer = AgentSigner::with_socket(agent.public.clone(), agent.sock.clone()).unwrap();
        let sigs = signer.sign_many("vault-log-v1", &MSGS).unwrap();
        agent
            .public
            .verify(
                "vault-log-v1",
                MSGS[1],
                &SshSig::decode(&mut sigs[1].as_slice()).unwrap(),
            )
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let (_, other, _) = keygen(dir.path(), "id_ed25519", &["-t", "ed25519"]);
        let e = AgentSigner::with_socket(other, agent.sock.clone())
            .unwrap()
            .sign_many("vault-log-v1", &MSGS)
            .unwrap_err();
        assert_eq!(e.kind, Kind::Identity);
        assert!(e.to_string().contains("it does not hold it, or refused"), "{e}");
    }
}
