//! Passphrases for protected identities: from a file descriptor, a file, or
//! the terminal, never from argv.
//!
//! Order: `VAULT_PASSPHRASE_FD` (a descriptor number the caller opened, e.g.
//! `3< secret`), then `VAULT_PASSPHRASE_FILE` (a private file: 0600, owned
//! by you, like an identity), then a prompt on the terminal without echo.
//! From a descriptor or file, the first line is the passphrase (one trailing
//! `\n` or `\r\n` is dropped). With none of them and no terminal, the command
//! fails with exit 8 instead of hanging.

use std::io::Read;
use std::path::Path;

use age::secrecy::SecretString;

use crate::error::{Error, Result};
use crate::secure_fs;

/// Names a descriptor to read the passphrase from.
pub const FD_VAR: &str = "VAULT_PASSPHRASE_FD";
/// Names a private file holding the passphrase.
pub const FILE_VAR: &str = "VAULT_PASSPHRASE_FILE";

/// Longest accepted passphrase, in bytes.
const MAX_LEN: usize = 4096;

/// The passphrase that unlocks `file` (an identity path, for the prompt).
pub fn unlock(file: &str) -> Result<SecretString> {
    match non_interactive()? {
        Some(p) => Ok(p),
        None => prompt(&format!("Passphrase for {file}: "), file),
    }
}

/// A secret an age plugin asks for (a PIN): from the descriptor or file
/// when set, else asked on the terminal with the plugin's own words.
pub fn ask(description: &str) -> Result<SecretString> {
    match non_interactive()? {
        Some(p) => Ok(p),
        None => prompt(&format!("{description}: "), "the age plugin"),
    }
}

/// A new passphrase for an identity about to be created: from the
/// descriptor or file when set, else asked twice on the terminal.
pub fn choose(file: &str) -> Result<SecretString> {
    let chosen = match non_interactive()? {
        Some(p) => p,
        None => {
            let first = prompt(&format!("New passphrase for {file}: "), file)?;
            let second = prompt("Again, to confirm: ", file)?;
            use age::secrecy::ExposeSecret;
            if first.expose_secret() != second.expose_secret() {
                return Err(Error::usage("the two passphrases differ; nothing was created")
                    .hint("run the command again"));
            }
            first
        }
    };
    use age::secrecy::ExposeSecret;
    if chosen.expose_secret().is_empty() {
        return Err(Error::usage("the passphrase is empty; nothing was created")
            .hint("choose a passphrase, or drop --passphrase for an unprotected identity"));
    }
    Ok(chosen)
}

fn non_interactive() -> Result<Option<SecretString>> {
    if let Some(fd) = std::env::var_os(FD_VAR).filter(|v| !v.is_empty()) {
        let fd = fd
            .to_str()
            .and_then(|s| s.trim().parse::<u32>().ok())
            .ok_or_else(|| {
                Error::usage(format!("{FD_VAR} must be a file descriptor number"))
                    .hint(format!("e.g. {FD_VAR}=3 vault get NAME 3< passphrase.txt"))
            })?;
        // /dev/fd/N reopens the inherited descriptor without unsafe code.
        let path = format!("/dev/fd/{fd}");
        let file = std::fs::File::open(&path).map_err(|e| {
            Error::identity(format!(
                "cannot read the passphrase from descriptor {fd} ({FD_VAR}): {e}"
            ))
            .hint("open the descriptor for reading when starting vault, e.g. 3< passphrase.txt")
        })?;
        return first_line(file, &format!("descriptor {fd}")).map(Some);
    }
    if let Some(path) = std::env::var_os(FILE_VAR).filter(|v| !v.is_empty()) {
        let path = Path::new(&path);
        let bytes = secure_fs::read_private_file(path, "passphrase file")?;
        return first_line(&bytes[..], &path.display().to_string()).map(Some);
    }
    Ok(None)
}

fn first_line(r: impl Read, what: &str) -> Result<SecretString> {
    // One buffer of the longest useful size: nothing is reallocated.
    let buf = secure_fs::read_secret(r, MAX_LEN + 2, MAX_LEN + 2).map_err(|e| {
        Error::identity(format!("cannot read the passphrase from {what}: {e}")).hint("check it")
    })?;
    let end = buf.iter().position(|&b| b == b'\n').unwrap_or(buf.len());
    let mut line = &buf[..end];
    if line.last() == Some(&b'\r') {
        line = &line[..line.len() - 1];
    }
    if line.len() > MAX_LEN {
        return Err(
            Error::usage(format!("the passphrase in {what} is longer than {MAX_LEN} bytes"))
                .hint("use a shorter passphrase"),
        );
    }
    let text = std::str::from_utf8(line).map_err(|_| {
        Error::usage(format!("the passphrase in {what} is not valid UTF-8")).hint("check the encoding")
    })?;
    Ok(SecretString::from(text.to_owned()))
}

fn prompt(question: &str, file: &str) -> Result<SecretString> {
    rpassword::prompt_password(question)
        .map(SecretString::from)
        .map_err(|e| {
            Error::identity(format!(
                "{file} is protected by a passphrase and it cannot be asked for here: {e}"
            ))
            .hint(format!(
                "run on a terminal, or set {FILE_VAR} (a 0600 file) or {FD_VAR}"
            ))
        })
}
