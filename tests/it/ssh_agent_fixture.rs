//! A real OpenSSH `ssh-agent` for stories that sign through one.
//!
//! Each [`SshAgent`] runs `ssh-agent -D` (in the foreground, so it is this
//! process's child and its pid is known without parsing anything) on a socket
//! in its own temporary directory, and is killed and reaped on drop: a test
//! that fails or panics leaves no agent running. Point the binary at it with
//! `SSH_AUTH_SOCK` = [`SshAgent::sock`].

#![allow(dead_code)] // not every story uses every helper

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct SshAgent {
    /// The agent's socket: the value for `SSH_AUTH_SOCK`.
    pub sock: PathBuf,
    child: Child,
    dir: tempfile::TempDir,
}

impl SshAgent {
    /// Starts an agent; `None`, with a note on stderr, when ssh-agent is not
    /// installed (the caller skips its story). A confirmation asked for a
    /// key added with `ssh-add -c` is declined (`SSH_ASKPASS=/bin/false`).
    pub fn start() -> Option<SshAgent> {
        let dir = tempfile::Builder::new()
            .prefix("vault-ssh-agent-")
            .tempdir()
            .unwrap();
        let sock = dir.path().join("agent.sock");
        let child = Command::new("ssh-agent")
            .arg("-D")
            .arg("-a")
            .arg(&sock)
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
        // Built before waiting, so a timeout below still kills it on drop.
        let mut agent = SshAgent { sock, child, dir };
        let start = Instant::now();
        while !agent.sock.exists() {
            if let Some(status) = agent.child.try_wait().unwrap() {
                panic!("ssh-agent exited before creating its socket: {status}");
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "ssh-agent did not start in 10 s"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        Some(agent)
    }

    /// The agent's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// A directory that lives as long as the agent (for keys made for it).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Adds a private key file with `ssh-add`; `options` go before the file
    /// (`-c` for a confirmation, `-t SECONDS` for a lifetime).
    pub fn add_with(&self, key_path: &Path, options: &[&str]) {
        let out = Command::new("ssh-add")
            .args(options)
            .arg(key_path)
            .env("SSH_AUTH_SOCK", &self.sock)
            .env_remove("SSH_ASKPASS")
            .stdin(Stdio::null())
            .output()
            .expect("cannot run ssh-add");
        assert!(
            out.status.success(),
            "ssh-add {}: {}",
            key_path.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Adds a private key file (unencrypted, mode 0600) with `ssh-add`.
    pub fn add(&self, key_path: &Path) {
        self.add_with(key_path, &[]);
    }
}

impl Drop for SshAgent {
    fn drop(&mut self) {
        // Our own child, by its pid; wait() reaps it so no zombie is left.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
