//! Personal identities and member recipients: what a member opens grants
//! with, and what grants are sealed to.
//!
//! A personal identity is one of: an age X25519 identity file
//! (`AGE-SECRET-KEY-1…`), the same file encrypted with a passphrase (armored
//! age, scrypt, as `age -p` makes), or an OpenSSH ed25519/RSA private key
//! (encrypted ones too). A recipient is its public half as a user types it
//! (`age1…`, `ssh-ed25519 …`, `ssh-rsa …`); its canonical spelling is how a
//! member's grants are found in the database.

use std::io::Write;
use std::iter;
use std::str::FromStr;

use age::armor::{ArmoredReader, ArmoredWriter, Format};
use age::secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::name;
use crate::trust::{MemberLine, SigningKey, VerifyingKey};

/// A personal identity: what opens this member's grants.
pub struct Personal {
    pub(super) identity: Box<dyn age::Identity + Send + Sync>,
    recipient: String,
    kind: IdentityKind,
    signer: Signer,
}

/// How this member signs log entries.
enum Signer {
    /// Derived from the age identity when it was loaded (cheap).
    Derived(SigningKey),
    /// An SSH key: the file and its passphrase are kept (wiped on drop) and
    /// the key unlocked again only when a log entry is signed, so commands
    /// that sign nothing pay the key derivation once, not twice.
    Ssh(Box<SshSigner>),
}

struct SshSigner {
    pem: Zeroizing<String>,
    passphrase: Option<SecretString>,
    verifying: VerifyingKey,
}

/// The kinds of personal identity vault can load.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdentityKind {
    /// An age X25519 identity file (`AGE-SECRET-KEY-1…`), as `vault init` and `age-keygen` make.
    X25519,
    /// An age X25519 identity file encrypted with a passphrase (scrypt).
    Passphrase,
    /// An OpenSSH ed25519 private key (possibly passphrase-protected).
    SshEd25519,
    /// An OpenSSH or PEM RSA private key (possibly passphrase-protected).
    SshRsa,
}

impl IdentityKind {
    /// A short description for `whoami`.
    pub fn describe(self) -> &'static str {
        match self {
            IdentityKind::X25519 => "age X25519",
            IdentityKind::Passphrase => "passphrase-protected age X25519",
            IdentityKind::SshEd25519 => "ssh-ed25519",
            IdentityKind::SshRsa => "ssh-rsa",
        }
    }

    /// The identifier used in JSON output.
    pub fn id(self) -> &'static str {
        match self {
            IdentityKind::X25519 => "age-x25519",
            IdentityKind::Passphrase => "age-x25519-passphrase",
            IdentityKind::SshEd25519 => "ssh-ed25519",
            IdentityKind::SshRsa => "ssh-rsa",
        }
    }
}

/// Asks for the passphrase of a protected identity; the argument names the file.
pub type AskPassphrase<'a> = &'a mut dyn FnMut(&str) -> Result<SecretString>;

/// The highest scrypt work factor accepted from a protected identity file
/// (2^22: about 4 GiB and tens of seconds; `vault init` targets about 1 s).
const MAX_SCRYPT_LOG_N: u8 = 22;

impl Personal {
    /// A new X25519 identity and the text of its identity file.
    pub fn generate() -> (Personal, Zeroizing<String>) {
        let identity = age::x25519::Identity::generate();
        let recipient = identity.to_public().to_string();
        let comments = format!(
            "# vault personal identity\n# created: {}\n# public key: {recipient}\n",
            chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        );
        // Sized up front: growing would free an unwiped copy of the key.
        let secret = identity.to_string();
        let mut file = Zeroizing::new(String::with_capacity(
            comments.len() + secret.expose_secret().len() + 1,
        ));
        file.push_str(&comments);
        file.push_str(secret.expose_secret());
        file.push('\n');
        (
            Personal {
                signer: Signer::Derived(SigningKey::from_age_identity(&identity)),
                identity: Box::new(identity),
                recipient,
                kind: IdentityKind::X25519,
            },
            file,
        )
    }

    /// A new X25519 identity whose file is encrypted with `passphrase`
    /// (armored age, scrypt): the same format as `age -p` of an identity
    /// file, so `age -d identity.txt` shows the key by hand.
    pub fn generate_protected(passphrase: SecretString) -> Result<(Personal, Zeroizing<String>)> {
        let (mut me, plain) = Personal::generate();
        let fail = |e: &dyn std::fmt::Display| Error::internal(format!("sealing the identity failed: {e}"));
        let encryptor = age::Encryptor::with_user_passphrase(passphrase);
        let mut out = Vec::new();
        let armor = ArmoredWriter::wrap_output(&mut out, Format::AsciiArmor).map_err(|e| fail(&e))?;
        let mut writer = encryptor.wrap_output(armor).map_err(|e| fail(&e))?;
        writer.write_all(plain.as_bytes()).map_err(|e| fail(&e))?;
        writer
            .finish()
            .and_then(|armor| armor.finish())
            .map_err(|e| fail(&e))?;
        let file = Zeroizing::new(String::from_utf8(out).map_err(|e| fail(&e))?);
        me.kind = IdentityKind::Passphrase;
        Ok((me, file))
    }

    /// Parses an unprotected identity file (age X25519 or an unencrypted
    /// OpenSSH key); a protected one is refused with a hint.
    pub fn parse(contents: &[u8], path_for_messages: &str) -> Result<Personal> {
        Personal::parse_with(contents, path_for_messages, &mut |file: &str| {
            Err(Error::identity(format!("{file} is protected by a passphrase"))
                .hint("set VAULT_PASSPHRASE_FILE or VAULT_PASSPHRASE_FD, or run on a terminal"))
        })
    }

    /// Parses any identity vault supports: an age X25519 identity file, a
    /// passphrase-protected one (armored age, scrypt), or an OpenSSH
    /// ed25519/RSA private key (encrypted ones too). `ask` is called once,
    /// only for a protected file.
    pub fn parse_with(contents: &[u8], path_for_messages: &str, ask: AskPassphrase<'_>) -> Result<Personal> {
        let head = trim_start(contents);
        if head.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----") || head.starts_with(b"age-encryption.org/")
        {
            return Personal::parse_protected(contents, path_for_messages, ask);
        }
        if head.starts_with(b"-----BEGIN OPENSSH PRIVATE KEY-----")
            || head.starts_with(b"-----BEGIN RSA PRIVATE KEY-----")
        {
            return Personal::parse_ssh(head, path_for_messages, ask);
        }
        Personal::parse_x25519(contents, path_for_messages)
    }

    fn parse_x25519(contents: &[u8], path_for_messages: &str) -> Result<Personal> {
        let bad = || {
            Error::identity(format!(
                "{path_for_messages} is not an age identity (AGE-SECRET-KEY-1…), a passphrase-protected \
                 age identity, or an OpenSSH ed25519/RSA private key"
            ))
            .hint("pass the identity made by `vault init`, an age-keygen identity, or ~/.ssh/id_ed25519 with --identity")
        };
        let text = std::str::from_utf8(contents).map_err(|_| bad())?;
        let mut found = None;
        for line in text.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if found.is_some() {
                return Err(
                    Error::identity(format!("{path_for_messages} holds more than one identity"))
                        .hint("keep exactly one AGE-SECRET-KEY-1 line in the file"),
                );
            }
            found = Some(age::x25519::Identity::from_str(line).map_err(|_| bad())?);
        }
        let identity = found.ok_or_else(bad)?;
        let recipient = identity.to_public().to_string();
        Ok(Personal {
            signer: Signer::Derived(SigningKey::from_age_identity(&identity)),
            identity: Box::new(identity),
            recipient,
            kind: IdentityKind::X25519,
        })
    }

    fn parse_protected(contents: &[u8], path: &str, ask: AskPassphrase<'_>) -> Result<Personal> {
        let damaged = || {
            Error::identity(format!(
                "{path} looks like an age-encrypted file but cannot be read"
            ))
            .hint("check that it is the identity made by `vault init --passphrase` (or `age -p`)")
        };
        let decryptor = age::Decryptor::new_buffered(ArmoredReader::new(contents)).map_err(|_| damaged())?;
        if !decryptor.is_scrypt() {
            return Err(Error::identity(format!(
                "{path} is encrypted to a recipient, not with a passphrase"
            ))
            .hint("decrypt it with age first, or use an identity made by `vault init --passphrase`"));
        }
        let passphrase = ask(path)?;
        let mut unlock = age::scrypt::Identity::new(passphrase);
        unlock.set_max_work_factor(MAX_SCRYPT_LOG_N);
        // The plaintext is shorter than the file: one buffer of that size.
        let plain = decryptor
            .decrypt(iter::once(&unlock as &dyn age::Identity))
            .and_then(|r| {
                crate::secure_fs::read_secret(r, contents.len(), contents.len())
                    .map_err(age::DecryptError::from)
            })
            .map_err(|e| match e {
                age::DecryptError::ExcessiveWork { .. } => Error::identity(format!(
                    "{path} asks for more scrypt work than vault accepts (over 2^{MAX_SCRYPT_LOG_N})"
                ))
                .hint("re-encrypt the identity with a lower work factor"),
                age::DecryptError::DecryptionFailed | age::DecryptError::KeyDecryptionFailed => {
                    wrong_passphrase(path)
                }
                _ => damaged(),
            })?;
        if plain.starts_with(b"age-encryption.org/") || trim_start(&plain).starts_with(b"-----BEGIN") {
            return Err(damaged());
        }
        let mut me = Personal::parse_x25519(&plain, path)?;
        me.kind = IdentityKind::Passphrase;
        Ok(me)
    }

    fn parse_ssh(contents: &[u8], path: &str, ask: AskPassphrase<'_>) -> Result<Personal> {
        use age::ssh::{Identity as SshIdentity, UnsupportedKey};
        let parsed = SshIdentity::from_buffer(contents, Some(path.to_owned())).map_err(|_| {
            Error::identity(format!("{path} is not a valid OpenSSH private key"))
                .hint("pass an ed25519 or RSA key made by ssh-keygen")
        })?;
        let unsupported = |why: String| {
            Error::identity(format!("{path} is an SSH key vault cannot use: {why}"))
                .hint("use an ed25519 key (`ssh-keygen -t ed25519`) or an age identity")
        };
        let mut kept = None;
        let identity = match parsed {
            SshIdentity::Unsupported(UnsupportedKey::EncryptedPem) => {
                return Err(unsupported(
                    "an encrypted PEM key (convert it with `ssh-keygen -p -o -f FILE`)".into(),
                ));
            }
            SshIdentity::Unsupported(UnsupportedKey::EncryptedSsh(cipher)) => {
                return Err(unsupported(format!(
                    "it is encrypted with the unsupported cipher {cipher}"
                )));
            }
            SshIdentity::Unsupported(UnsupportedKey::Hardware(t)) => {
                return Err(unsupported(format!("{t} keys live on a hardware token")));
            }
            SshIdentity::Unsupported(UnsupportedKey::Type(t)) => {
                return Err(unsupported(format!("{t} keys are not supported")));
            }
            SshIdentity::Encrypted(enc) => {
                let passphrase = ask(path)?;
                kept = Some(SecretString::from(passphrase.expose_secret().to_owned()));
                SshIdentity::from(enc.decrypt(passphrase).map_err(|_| wrong_passphrase(path))?)
            }
            plain => plain,
        };
        let public = age::ssh::Recipient::try_from(identity.clone())
            .map_err(|_| unsupported("its public key is not ed25519 or RSA".into()))?;
        let kind = match &public {
            age::ssh::Recipient::SshEd25519(..) => IdentityKind::SshEd25519,
            age::ssh::Recipient::SshRsa(..) => IdentityKind::SshRsa,
        };
        let recipient = public.to_string();
        let verifying = VerifyingKey::parse(&recipient)
            .map_err(|why| unsupported(format!("it cannot sign for vault: {why}")))?;
        let pem = Zeroizing::new(String::from_utf8_lossy(contents).into_owned());
        Ok(Personal {
            identity: Box::new(identity),
            recipient,
            kind,
            signer: Signer::Ssh(Box::new(SshSigner {
                pem,
                passphrase: kept,
                verifying,
            })),
        })
    }

    /// The public recipient string others use to add this member.
    pub fn recipient(&self) -> &str {
        &self.recipient
    }

    /// What kind of identity this is.
    pub fn kind(&self) -> IdentityKind {
        self.kind
    }

    /// The key others check this member's log entries with.
    pub(crate) fn verifying_key(&self) -> VerifyingKey {
        match &self.signer {
            Signer::Derived(k) => k.verifying_key(),
            Signer::Ssh(ssh) => ssh.verifying.clone(),
        }
    }

    /// The line `vault whoami` prints and `vault member add` takes.
    pub(crate) fn member_line(&self) -> Result<MemberLine> {
        MemberLine::new(&self.recipient, self.verifying_key())
    }

    /// Runs `f` with this member's signing key (an SSH key is unlocked for it).
    pub(crate) fn with_signing_key<T>(&self, f: impl FnOnce(&SigningKey) -> Result<T>) -> Result<T> {
        match &self.signer {
            Signer::Derived(k) => f(k),
            Signer::Ssh(ssh) => f(&SigningKey::from_openssh(&ssh.pem, ssh.passphrase.as_ref())?),
        }
    }
}

fn wrong_passphrase(path: &str) -> Error {
    Error::identity(format!("wrong passphrase for {path}"))
        .hint("try again; for scripts check VAULT_PASSPHRASE_FILE or VAULT_PASSPHRASE_FD")
}

fn trim_start(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    &bytes[start..]
}

/// A recipient as given to `member add`: the key to seal grants to, its
/// canonical spelling (what [`Personal::recipient`] gives for the matching
/// identity, which is how grants are found), and an SSH key's comment.
pub struct MemberRecipient {
    pub recipient: Box<dyn age::Recipient + Send + Sync>,
    pub canonical: String,
    pub comment: Option<String>,
}

/// Parses a recipient string as typed by a user (`age1…`, `ssh-ed25519 …`, `ssh-rsa …`).
pub fn parse_recipient(text: &str) -> Result<Box<dyn age::Recipient + Send + Sync>> {
    Ok(parse_member_recipient(text)?.recipient)
}

/// Parses a recipient and returns it with its canonical spelling.
pub fn parse_member_recipient(text: &str) -> Result<MemberRecipient> {
    let text = text.trim();
    let shown = || {
        let short: String = text.chars().take(40).collect();
        let more = if text.chars().count() > 40 { "…" } else { "" };
        format!("{}{more}", name::escape(&short))
    };
    if let Ok(r) = age::x25519::Recipient::from_str(text) {
        let canonical = r.to_string();
        return Ok(MemberRecipient {
            recipient: Box::new(r),
            canonical,
            comment: None,
        });
    }
    let mut fields = text.split_ascii_whitespace();
    if let (Some(kind @ ("ssh-ed25519" | "ssh-rsa")), Some(key)) = (fields.next(), fields.next()) {
        let comment: Vec<&str> = fields.collect();
        let comment = (!comment.is_empty()).then(|| comment.join(" "));
        return match age::ssh::Recipient::from_str(&format!("{kind} {key}")) {
            Ok(r) => {
                let canonical = r.to_string();
                Ok(MemberRecipient {
                    recipient: Box::new(r),
                    canonical,
                    comment,
                })
            }
            Err(age::ssh::ParseRecipientKeyError::RsaModulusTooSmall) => Err(Error::usage(format!(
                "{} is an RSA key shorter than 2048 bits",
                shown()
            ))
            .hint("use an ed25519 key or an RSA key of at least 2048 bits")),
            Err(_) => Err(
                Error::usage(format!("{} is not a valid {kind} public key", shown()))
                    .hint("pass the whole public key line, e.g. \"$(cat ~/.ssh/id_ed25519.pub)\""),
            ),
        };
    }
    Err(Error::usage(format!("{} is not a valid recipient", shown())).hint(
        "pass an age recipient (age1…) or an SSH public key line (ssh-ed25519 … / ssh-rsa …); see `vault whoami`",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_identity_file_parses_back_and_was_never_regrown() {
        let (me, file) = Personal::generate();
        assert!(file.starts_with("# vault personal identity\n# created: "));
        assert!(file.ends_with('\n'));
        // Built in one allocation of exactly its length.
        assert_eq!(file.capacity(), file.len());
        let again = Personal::parse(file.as_bytes(), "id").unwrap();
        assert_eq!(again.recipient(), me.recipient());
        assert_eq!(again.kind(), IdentityKind::X25519);
    }
}
