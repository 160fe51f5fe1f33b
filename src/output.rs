//! Writing to stdout and stderr the way a Unix tool should.
//!
//! A closed pipe (`vault ls | head -1`) is not an error: once a write fails
//! with `BrokenPipe`, further output is dropped and the command succeeds.

use std::io::{self, BufWriter, IsTerminal, StdoutLock, Write};
use std::os::fd::AsFd;

use crate::error::{Error, Result};
use crate::name::terminal;

/// Buffered stdout that swallows `BrokenPipe`.
pub struct Stdout {
    inner: BufWriter<StdoutLock<'static>>,
    closed: bool,
}

impl Stdout {
    pub fn new() -> Stdout {
        Stdout {
            inner: BufWriter::with_capacity(64 * 1024, io::stdout().lock()),
            closed: false,
        }
    }

    pub fn is_terminal() -> bool {
        io::stdout().is_terminal()
    }

    pub fn write(&mut self, bytes: &[u8]) -> Result<()> {
        if self.closed {
            return Ok(());
        }
        let r = self.inner.write_all(bytes);
        self.check(r)
    }

    /// Writes a secret value: what is buffered goes first, then the value
    /// is written with `write(2)` on a duplicate of the stdout descriptor,
    /// so no user-space buffer (this one or std's own) holds a copy of it.
    pub fn write_value(&mut self, bytes: &[u8]) -> Result<()> {
        self.flush()?;
        if self.closed {
            return Ok(());
        }
        let r = self
            .inner
            .get_ref()
            .as_fd()
            .try_clone_to_owned()
            .and_then(|fd| std::fs::File::from(fd).write_all(bytes));
        self.check(r)
    }

    pub fn flush(&mut self) -> Result<()> {
        if self.closed {
            return Ok(());
        }
        let r = self.inner.flush();
        self.check(r)
    }

    fn check(&mut self, r: io::Result<()>) -> Result<()> {
        match r {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(())
            }
            Err(e) => Err(Error::internal(format!("cannot write to stdout: {e}"))),
        }
    }
}

impl Default for Stdout {
    fn default() -> Self {
        Stdout::new()
    }
}

/// Writes one whole value straight to the stdout descriptor and stops:
/// `get` prints everything or nothing more after a failure. No buffer sits
/// in between (a `BufWriter` would keep an unwiped copy of the value).
pub fn print_value(bytes: &[u8]) -> Result<()> {
    Stdout::new().write_value(bytes)
}

/// Informational messages on stderr, silenced by `--quiet`. Every line goes
/// through [`crate::name::terminal`], so text quoted from the database
/// cannot drive the terminal.
#[derive(Clone, Copy)]
pub struct Reporter {
    pub quiet: bool,
    pub verbose: bool,
}

impl Reporter {
    /// A reporter for `--verbose` lines only (core code that got `verbose: true`).
    pub fn verbose_only() -> Reporter {
        Reporter {
            quiet: true,
            verbose: true,
        }
    }

    pub fn info(&self, msg: impl AsRef<str>) {
        if !self.quiet {
            let _ = writeln!(io::stderr().lock(), "{}", terminal(msg.as_ref()));
        }
    }

    pub fn verbose(&self, msg: impl AsRef<str>) {
        if self.verbose {
            let _ = writeln!(io::stderr().lock(), "vault: {}", terminal(msg.as_ref()));
        }
    }

    pub fn warn(&self, msg: impl AsRef<str>) {
        let _ = writeln!(io::stderr().lock(), "vault: warning: {}", terminal(msg.as_ref()));
    }
}
