//! Sealing: the only module that calls age.
//!
//! Two layers, like sops data keys:
//! - A *vault key* is an age X25519 key pair made by vault. Secrets are sealed
//!   to its public half. Its private half is stored in the database only as a
//!   *grant*: an age ciphertext of a tiny identity file, sealed to one
//!   member's personal recipient.
//! - A *sealed value* is an armored age ciphertext of a short header plus the
//!   value. The header binds the value to its row (id, name, key id and a
//!   random nonce that is also stored in the row) and carries an HMAC over all
//!   of it keyed by material derived from the vault key's *private* half.
//!   age has no sender authentication, so without that MAC anyone who can
//!   write to the table could seal a well-formed value to the public half;
//!   with it, only holders of the vault key can produce a value `get` accepts.
//!
//! The plaintext inside a sealed value is, line by line:
//! ```text
//! vault-secret v1
//! id <uuid>
//! name <name>
//! key <uuid>
//! nonce <base64>
//! mac <base64>
//! <empty line>
//! <value bytes, exactly>
//! ```
//! so `age -d -i vaultkey.txt | tail -n +8` recovers a value by hand.

use std::io::{Read, Write};
use std::iter;
use std::str::FromStr;

use age::armor::{ArmoredReader, ArmoredWriter, Format};
use age::secrecy::{ExposeSecret, SecretString};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::name;

const VALUE_MAGIC: &str = "vault-secret v1";
const NONCE_LEN: usize = 16;

/// A personal identity: what opens this member's grants.
pub struct Personal {
    identity: Box<dyn age::Identity + Send + Sync>,
    recipient: String,
    kind: IdentityKind,
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
        let file = Zeroizing::new(format!(
            "# vault personal identity\n# created: {}\n# public key: {recipient}\n{}\n",
            chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            identity.to_string().expose_secret()
        ));
        (
            Personal {
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
        let mut plain = Zeroizing::new(Vec::new());
        decryptor
            .decrypt(iter::once(&unlock as &dyn age::Identity))
            .and_then(|mut r| r.read_to_end(&mut plain).map_err(age::DecryptError::from))
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
        Ok(Personal {
            identity: Box::new(identity),
            recipient: public.to_string(),
            kind,
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

/// An opened vault key: can seal new values and open existing ones.
pub use crate::model::{Sealed, SealedRow};

pub struct VaultKey {
    id: Uuid,
    identity: age::x25519::Identity,
    recipient: age::x25519::Recipient,
    mac_key: Zeroizing<[u8; 32]>,
}

/// The public parts of a freshly generated vault key, ready to store.
pub struct NewKey {
    pub key: VaultKey,
    pub recipient: String,
}

/// Where a sealed value belongs.
#[derive(Clone, Copy)]
pub struct Binding<'a> {
    pub id: Uuid,
    pub name: &'a str,
}

impl VaultKey {
    pub fn generate() -> NewKey {
        let identity = age::x25519::Identity::generate();
        let key = VaultKey::from_identity(Uuid::new_v4(), identity);
        let recipient = key.recipient.to_string();
        NewKey { key, recipient }
    }

    fn from_identity(id: Uuid, identity: age::x25519::Identity) -> VaultKey {
        let recipient = identity.to_public();
        let secret = identity.to_string();
        let hk = hkdf::Hkdf::<Sha256>::new(Some(b"vault.secret-mac.v1"), secret.expose_secret().as_bytes());
        let mut mac_key = Zeroizing::new([0u8; 32]);
        hk.expand(id.as_bytes(), &mut mac_key[..])
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        VaultKey {
            id,
            identity,
            recipient,
            mac_key,
        }
    }

    pub fn id(&self) -> Uuid {
        self.id
    }

    /// Seals this key's private half to one member: the grant stored in the
    /// database. The plaintext is a valid age identity file, so the standard
    /// age CLI can use it directly when recovering by hand.
    pub fn grant_to(&self, member: &dyn age::Recipient) -> Result<String> {
        let plain = Zeroizing::new(format!(
            "# vault key {}\n{}\n",
            self.id,
            self.identity.to_string().expose_secret()
        ));
        encrypt_armored(member, plain.as_bytes())
    }

    /// Opens a grant with a personal identity, checking that it is the grant
    /// of key `id` whose public half is `recipient`.
    pub fn open_grant(id: Uuid, recipient: &str, grant: &str, me: &Personal) -> Result<VaultKey> {
        let plain = decrypt_armored(me.identity.as_ref(), grant.as_bytes()).map_err(|e| match e {
            age::DecryptError::NoMatchingKeys => Error::no_access(format!(
                "your identity ({}) cannot open vault key {id}",
                me.recipient
            ))
            .hint("ask a member to run `vault member add` with your recipient"),
            _ => Error::integrity(format!(
                "the stored copy of vault key {id} for your identity is damaged"
            ))
            .hint("ask another member to re-add you, or restore the key tables from a backup"),
        })?;
        let damaged = || {
            Error::integrity(format!(
                "the stored copy of vault key {id} does not match the key it claims to be"
            ))
            .hint("the key tables were altered; restore them from a backup")
        };
        let text = std::str::from_utf8(&plain).map_err(|_| damaged())?;
        let mut lines = text.lines();
        if lines.next() != Some(format!("# vault key {id}").as_str()) {
            return Err(damaged());
        }
        let identity = lines
            .next()
            .and_then(|l| age::x25519::Identity::from_str(l.trim()).ok())
            .ok_or_else(damaged)?;
        if identity.to_public().to_string() != recipient {
            return Err(damaged());
        }
        Ok(VaultKey::from_identity(id, identity))
    }

    /// Seals `value` for the row `at`.
    pub fn seal(&self, at: Binding<'_>, value: &[u8]) -> Result<Sealed> {
        let mut nonce = vec![0u8; NONCE_LEN];
        getrandom::fill(&mut nonce)
            .map_err(|e| Error::internal(format!("the system random generator failed: {e}")))?;
        let mac = self.mac(at, &nonce, value);
        let header = format!(
            "{VALUE_MAGIC}\nid {}\nname {}\nkey {}\nnonce {}\nmac {}\n\n",
            at.id,
            at.name,
            self.id,
            B64.encode(&nonce),
            B64.encode(mac)
        );
        let mut plain = Zeroizing::new(Vec::with_capacity(header.len() + value.len()));
        plain.extend_from_slice(header.as_bytes());
        plain.extend_from_slice(value);
        let secret = encrypt_armored(&self.recipient, &plain)?;
        Ok(Sealed { secret, nonce })
    }

    /// Opens a row sealed to this key, verifying everything before returning
    /// a byte: the ciphertext, the row's id, name, key and nonce, and the MAC.
    pub fn open(&self, row: &SealedRow) -> Result<Zeroizing<Vec<u8>>> {
        let shown = row
            .name
            .as_deref()
            .map(name::escape)
            .unwrap_or_else(|| format!("with id {}", row.id));
        let refused = |why: &str| {
            Error::integrity(format!("secret {shown} was refused: {why}"))
                .hint("it was altered in the database; put the value again or restore the row from a backup")
        };
        if row.key_id != Some(self.id) {
            return Err(refused("its key id does not match the key it is opened with"));
        }
        let plain = decrypt_armored(&self.identity, row.secret.as_bytes())
            .map_err(|_| refused("the ciphertext is damaged or was not sealed to its key"))?;
        let (header, value) =
            split_header(&plain).ok_or_else(|| refused("its sealed header is malformed"))?;
        let Some(name) = row.name.as_deref() else {
            return Err(refused("it has no name"));
        };
        let nonce = B64
            .decode(header.nonce)
            .map_err(|_| refused("its sealed header is malformed"))?;
        if header.id != row.id.to_string() || header.name != name {
            return Err(refused(
                "it was sealed for another row (moved, copied or renamed)",
            ));
        }
        if header.key != self.id.to_string() {
            return Err(refused("it was sealed under another key"));
        }
        if row.nonce.as_deref() != Some(nonce.as_slice()) {
            return Err(refused("its nonce does not match the row"));
        }
        let tag = B64
            .decode(header.mac)
            .map_err(|_| refused("its sealed header is malformed"))?;
        let mac = self.mac_state(Binding { id: row.id, name }, &nonce, value);
        mac.verify_slice(&tag)
            .map_err(|_| refused("its authentication code is wrong (forged without the vault key)"))?;
        Ok(Zeroizing::new(value.to_vec()))
    }

    fn mac_state(&self, at: Binding<'_>, nonce: &[u8], value: &[u8]) -> Hmac<Sha256> {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.mac_key[..]).expect("HMAC accepts any key length");
        // Length-prefix every field so no two different tuples share an encoding.
        for field in [
            VALUE_MAGIC.as_bytes(),
            at.id.as_bytes(),
            at.name.as_bytes(),
            self.id.as_bytes(),
            nonce,
            value,
        ] {
            mac.update(&(field.len() as u64).to_be_bytes());
            mac.update(field);
        }
        mac
    }

    fn mac(&self, at: Binding<'_>, nonce: &[u8], value: &[u8]) -> [u8; 32] {
        self.mac_state(at, nonce, value).finalize().into_bytes().into()
    }
}

struct Header<'a> {
    id: &'a str,
    name: &'a str,
    key: &'a str,
    nonce: &'a str,
    mac: &'a str,
}

/// Splits the plaintext of a sealed value into its header and the value.
fn split_header(plain: &[u8]) -> Option<(Header<'_>, &[u8])> {
    let mut rest = plain;
    let mut next_line = || -> Option<&str> {
        let end = rest.iter().position(|&b| b == b'\n')?;
        let line = std::str::from_utf8(&rest[..end]).ok()?;
        rest = &rest[end + 1..];
        Some(line)
    };
    if next_line()? != VALUE_MAGIC {
        return None;
    }
    let id = next_line()?.strip_prefix("id ")?;
    let name = next_line()?.strip_prefix("name ")?;
    let key = next_line()?.strip_prefix("key ")?;
    let nonce = next_line()?.strip_prefix("nonce ")?;
    let mac = next_line()?.strip_prefix("mac ")?;
    if !next_line()?.is_empty() {
        return None;
    }
    Some((
        Header {
            id,
            name,
            key,
            nonce,
            mac,
        },
        rest,
    ))
}

fn encrypt_armored(to: &dyn age::Recipient, plain: &[u8]) -> Result<String> {
    let fail = |e: &dyn std::fmt::Display| Error::internal(format!("sealing failed: {e}"));
    let encryptor = age::Encryptor::with_recipients(iter::once(to)).map_err(|e| fail(&e))?;
    let mut out = Vec::with_capacity(plain.len() * 4 / 3 + 512);
    let armor = ArmoredWriter::wrap_output(&mut out, Format::AsciiArmor).map_err(|e| fail(&e))?;
    let mut writer = encryptor.wrap_output(armor).map_err(|e| fail(&e))?;
    writer.write_all(plain).map_err(|e| fail(&e))?;
    writer
        .finish()
        .and_then(|armor| armor.finish())
        .map_err(|e| fail(&e))?;
    String::from_utf8(out).map_err(|e| fail(&e))
}

fn decrypt_armored(
    with: &dyn age::Identity,
    sealed: &[u8],
) -> std::result::Result<Zeroizing<Vec<u8>>, age::DecryptError> {
    let decryptor = age::Decryptor::new_buffered(ArmoredReader::new(sealed))?;
    let mut reader = decryptor.decrypt(iter::once(with))?;
    let mut out = Zeroizing::new(Vec::new());
    reader.read_to_end(&mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(key: &VaultKey, id: Uuid, name: &str, value: &[u8]) -> SealedRow {
        let s = key.seal(Binding { id, name }, value).unwrap();
        SealedRow {
            id,
            name: Some(name.into()),
            secret: s.secret,
            key_id: Some(key.id()),
            nonce: Some(s.nonce),
        }
    }

    #[test]
    fn round_trip_binary() {
        let key = VaultKey::generate().key;
        let value = b"\0\xff\nline\n";
        let r = row(&key, Uuid::new_v4(), "a/b", value);
        assert!(r.secret.starts_with("-----BEGIN AGE ENCRYPTED FILE-----"));
        assert_eq!(&key.open(&r).unwrap()[..], value);
    }

    #[test]
    fn refuses_moved_renamed_and_forged() {
        let new = VaultKey::generate();
        let key = new.key;
        let mut r = row(&key, Uuid::new_v4(), "a", b"v");
        r.name = Some("b".into());
        assert!(key.open(&r).is_err());
        let mut r = row(&key, Uuid::new_v4(), "a", b"v");
        r.id = Uuid::new_v4();
        assert!(key.open(&r).is_err());
        let mut r = row(&key, Uuid::new_v4(), "a", b"v");
        r.nonce = Some(vec![0; 16]);
        assert!(key.open(&r).is_err());

        // A forger knows the format and the public recipient but not the MAC key.
        let id = Uuid::new_v4();
        let header = format!(
            "{VALUE_MAGIC}\nid {id}\nname a\nkey {}\nnonce {}\nmac {}\n\nforged",
            key.id(),
            B64.encode([1u8; 16]),
            B64.encode([0u8; 32])
        );
        let public = age::x25519::Recipient::from_str(&new.recipient).unwrap();
        let forged = SealedRow {
            id,
            name: Some("a".into()),
            secret: encrypt_armored(&public, header.as_bytes()).unwrap(),
            key_id: Some(key.id()),
            nonce: Some(vec![1; 16]),
        };
        let e = key.open(&forged).unwrap_err();
        assert!(e.to_string().contains("authentication code"), "{e}");
    }

    #[test]
    fn grants_open_only_for_their_member() {
        let new = VaultKey::generate();
        let (alice, _) = Personal::generate();
        let (bob, _) = Personal::generate();
        let alice_r = parse_recipient(alice.recipient()).unwrap();
        let grant = new.key.grant_to(alice_r.as_ref()).unwrap();
        let opened = VaultKey::open_grant(new.key.id(), &new.recipient, &grant, &alice).unwrap();
        let r = row(&new.key, Uuid::new_v4(), "x", b"1");
        assert_eq!(&opened.open(&r).unwrap()[..], b"1");
        let e = VaultKey::open_grant(new.key.id(), &new.recipient, &grant, &bob)
            .err()
            .unwrap();
        assert_eq!(e.kind, crate::error::Kind::NoAccess);
        let e = VaultKey::open_grant(Uuid::new_v4(), &new.recipient, &grant, &alice)
            .err()
            .unwrap();
        assert_eq!(e.kind, crate::error::Kind::Integrity);
    }

    /// The C2SP CCTV age vectors (tests/data/age-testkit) through vault's
    /// own open path, [`decrypt_armored`]: a success vector yields exactly
    /// its payload; every failure class (armor, header, HMAC, no match,
    /// payload) ends in an error, so no plaintext — not even the chunks that
    /// verified before the failure — is returned. Passphrase (scrypt) files
    /// are refused outright: vault opens only X25519.
    #[test]
    fn cctv_age_vectors() {
        use sha2::Digest;
        // Where the age crate knowingly differs from the vectors (see its
        // tests/testkit.rs): legacy stanzas without a final short line are
        // accepted, and whitespace before an armored file is not. Pinned so a
        // change is noticed.
        const ACCEPTED_ANYWAY: [&str; 2] = ["stanza_missing_body", "stanza_missing_final_line"];
        const REFUSED_ANYWAY: [&str; 1] = ["armor_whitespace_outside"];
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/age-testkit");
        let (mut seen, mut opened_ok, mut refused) = (0, 0, 0);
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if name == "README.md" {
                continue;
            }
            seen += 1;
            let raw = std::fs::read(&path).unwrap();
            let split = raw.windows(2).position(|w| w == b"\n\n").unwrap();
            let header = std::str::from_utf8(&raw[..split]).unwrap();
            let mut body = raw[split + 2..].to_vec();
            let field = |k: &'static str| {
                header
                    .lines()
                    .filter_map(move |l| l.strip_prefix(k).map(|v| v.trim().to_owned()))
            };
            let expect = field("expect:").next().unwrap();
            if field("compressed:").next().as_deref() == Some("zlib") {
                let mut out = Vec::new();
                flate2::read::ZlibDecoder::new(&body[..])
                    .read_to_end(&mut out)
                    .unwrap();
                body = out;
            }
            let mut identities: Vec<age::x25519::Identity> = field("identity:")
                .map(|i| age::x25519::Identity::from_str(&i).unwrap())
                .collect();
            let scrypt = field("passphrase:").next().is_some();
            if identities.is_empty() {
                identities.push(age::x25519::Identity::generate());
            }
            let results: Vec<_> = identities.iter().map(|id| decrypt_armored(id, &body)).collect();
            let opened: Vec<&Zeroizing<Vec<u8>>> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
            let succeeds = (expect == "success" && !scrypt && !REFUSED_ANYWAY.contains(&name.as_str()))
                || ACCEPTED_ANYWAY.contains(&name.as_str());
            if succeeds {
                assert!(
                    !opened.is_empty(),
                    "{name}: expected success, got {:?}",
                    results[0].as_ref().err()
                );
                opened_ok += 1;
                if let Some(hash) = field("payload:").next() {
                    for p in &opened {
                        let got: String = sha2::Sha256::digest(p)
                            .iter()
                            .map(|b| format!("{b:02x}"))
                            .collect();
                        assert_eq!(got, hash, "{name}: payload");
                    }
                }
            } else {
                assert!(
                    opened.is_empty(),
                    "{name}: expected {expect}, but plaintext was returned"
                );
                refused += 1;
                let errs: Vec<&age::DecryptError> = results.iter().filter_map(|r| r.as_ref().err()).collect();
                match expect.as_str() {
                    "no match" => assert!(
                        errs.iter()
                            .all(|e| matches!(e, age::DecryptError::NoMatchingKeys)),
                        "{name}: {errs:?}"
                    ),
                    "HMAC failure" => assert!(
                        errs.iter().all(|e| matches!(e, age::DecryptError::InvalidMac)),
                        "{name}: {errs:?}"
                    ),
                    _ => {}
                }
            }
        }
        assert_eq!(seen, 123, "all vectors present");
        assert_eq!((opened_ok, refused), (20, 103), "successes and refusals");
    }
}
