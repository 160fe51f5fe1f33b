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
use std::sync::OnceLock;

use age::armor::{ArmoredReader, ArmoredWriter, Format};
use age::secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::name;
use crate::trust::{MemberLine, Purpose, SigningKey, VerifyingKey};

/// A personal identity: what opens this member's grants.
pub struct Personal {
    pub(super) identity: Box<dyn age::Identity + Send + Sync>,
    recipient: String,
    kind: IdentityKind,
    signer: Signer,
    /// Set when the private key is in the vault agent.
    agent: Option<AgentHeld>,
    /// The plugin's name, for a plugin identity.
    plugin: Option<String>,
    /// What the plugin asked of us, and why we could not answer.
    prompts: Option<super::plugin::Prompts>,
}

/// What the agent said about the identity it holds for this command.
struct AgentHeld {
    identity: std::sync::Arc<crate::agent::AgentIdentity>,
    expires_at: i64,
    pid: u32,
}

/// How this member signs log entries and version statements.
enum Signer {
    /// Derived from the age X25519 identity on first use: an ed25519 key
    /// from HKDF of the secret, then a scalar multiplication for its public
    /// half, which `get` and the other read-only commands never need.
    Derived(Box<Derived>),
    /// An SSH key: the file and its passphrase are kept (wiped on drop) and
    /// the key unlocked again when the first log entry is signed (and kept
    /// for the rest of the command: an import signs once per chunk), so
    /// commands that sign nothing pay the key derivation once, not twice.
    Ssh(Box<SshSigner>),
    /// An SSH key held by ssh-agent (a plugin member's companion key);
    /// ssh-agent is looked up only when something is signed, so commands
    /// that sign nothing work without `SSH_AUTH_SOCK`.
    SshAgent(Box<ssh_key::PublicKey>, VerifyingKey),
    /// The vault agent holds the key.
    Agent(std::sync::Arc<crate::agent::Client>, VerifyingKey),
    /// A plugin identity with no companion signing key (yet): it can open
    /// grants, but whatever needs a signature is refused with this hint.
    Missing,
}

struct SshSigner {
    pem: Zeroizing<String>,
    passphrase: Option<SecretString>,
    verifying: VerifyingKey,
    unlocked: OnceLock<SigningKey>,
}

impl SshSigner {
    fn key(&self) -> Result<&SigningKey> {
        if let Some(key) = self.unlocked.get() {
            return Ok(key);
        }
        let key = SigningKey::from_openssh(&self.pem, self.passphrase.as_ref())?;
        Ok(self.unlocked.get_or_init(|| key))
    }
}

/// An age X25519 identity's signing key, derived when first asked for.
struct Derived {
    /// A copy of the identity (its secret is wiped on drop).
    identity: age::x25519::Identity,
    key: OnceLock<SigningKey>,
}

impl Derived {
    fn signer(identity: &age::x25519::Identity) -> Signer {
        Signer::Derived(Box::new(Derived {
            identity: identity.clone(),
            key: OnceLock::new(),
        }))
    }

    fn key(&self) -> &SigningKey {
        self.key
            .get_or_init(|| SigningKey::from_age_identity(&self.identity))
    }
}

/// A plugin member's companion signing key, as configured (`signing_key`).
pub enum Companion {
    /// An OpenSSH private key file (the vault signing key file `vault init`
    /// makes, or any ed25519/RSA key), unlocked with its passphrase if any.
    File {
        pem: Zeroizing<String>,
        passphrase: Option<SecretString>,
    },
    /// A public key whose private half ssh-agent holds (`SSH_AUTH_SOCK`).
    SshAgent(ssh_key::PublicKey),
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
    /// An age plugin identity (`AGE-PLUGIN-…`): a hardware key or another
    /// key the plugin `age-plugin-NAME` holds.
    Plugin,
}

impl IdentityKind {
    /// A short description for `whoami`.
    pub fn describe(self) -> &'static str {
        match self {
            IdentityKind::X25519 => "age X25519",
            IdentityKind::Passphrase => "passphrase-protected age X25519",
            IdentityKind::SshEd25519 => "ssh-ed25519",
            IdentityKind::SshRsa => "ssh-rsa",
            IdentityKind::Plugin => "age plugin",
        }
    }

    /// The identifier used in JSON output.
    pub fn id(self) -> &'static str {
        match self {
            IdentityKind::X25519 => "age-x25519",
            IdentityKind::Passphrase => "age-x25519-passphrase",
            IdentityKind::SshEd25519 => "ssh-ed25519",
            IdentityKind::SshRsa => "ssh-rsa",
            IdentityKind::Plugin => "age-plugin",
        }
    }

    /// The kind an identifier names (the agent reports kinds by id).
    pub fn from_id(id: &str) -> Option<IdentityKind> {
        [
            IdentityKind::X25519,
            IdentityKind::Passphrase,
            IdentityKind::SshEd25519,
            IdentityKind::SshRsa,
            IdentityKind::Plugin,
        ]
        .into_iter()
        .find(|k| k.id() == id)
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
                signer: Derived::signer(&identity),
                identity: Box::new(identity),
                recipient,
                kind: IdentityKind::X25519,
                agent: None,
                plugin: None,
                prompts: None,
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
        if is_plugin_identity(contents) {
            return Personal::parse_plugin(contents, path_for_messages);
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
            signer: Derived::signer(&identity),
            identity: Box::new(identity),
            recipient,
            kind: IdentityKind::X25519,
            agent: None,
            plugin: None,
            prompts: None,
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
                unlocked: OnceLock::new(),
            })),
            agent: None,
            plugin: None,
            prompts: None,
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
    pub(crate) fn verifying_key(&self) -> Result<VerifyingKey> {
        match &self.signer {
            Signer::Derived(d) => Ok(d.key().verifying_key()),
            Signer::Ssh(ssh) => Ok(ssh.verifying.clone()),
            Signer::SshAgent(_, vk) | Signer::Agent(_, vk) => Ok(vk.clone()),
            Signer::Missing => Err(no_companion()),
        }
    }

    /// The line `vault whoami` prints and `vault member add` takes.
    pub(crate) fn member_line(&self) -> Result<MemberLine> {
        MemberLine::new(&self.recipient, self.verifying_key()?)
    }

    /// Signs one message for `purpose`.
    pub(crate) fn sign_for(&self, purpose: Purpose, msg: &[u8]) -> Result<Vec<u8>> {
        let mut one = self.sign_many(purpose, &[msg])?;
        one.pop()
            .ok_or_else(|| Error::internal("the signer returned no signature"))
    }

    /// Signs many messages with one unlocking of the key (an encrypted SSH
    /// key is decrypted once; the agents get one request per batch).
    pub(crate) fn sign_many(&self, purpose: Purpose, msgs: &[&[u8]]) -> Result<Vec<Vec<u8>>> {
        use rayon::prelude::*;
        let with_key = |k: &SigningKey| -> Result<Vec<Vec<u8>>> {
            // RSA signatures cost a millisecond or two each: an import of
            // thousands signs on every core.
            if msgs.len() < 16 {
                msgs.iter().map(|m| k.sign_for(purpose, m)).collect()
            } else {
                msgs.par_iter().map(|m| k.sign_for(purpose, m)).collect()
            }
        };
        match &self.signer {
            Signer::Derived(d) => with_key(d.key()),
            Signer::Ssh(ssh) => with_key(ssh.key()?),
            Signer::SshAgent(public, _) => crate::trust::ssh_agent::AgentSigner::new((**public).clone())?
                .sign_many(purpose.namespace(), msgs),
            Signer::Agent(client, _) => client.sign(purpose.code(), msgs),
            Signer::Missing => Err(no_companion()),
        }
    }

    /// Unwraps a file key from an age header's stanzas (what the agent
    /// does for its clients).
    pub(crate) fn unwrap(
        &self,
        stanzas: &[age_core::format::Stanza],
    ) -> Option<std::result::Result<age_core::format::FileKey, age::DecryptError>> {
        self.identity.unwrap_stanzas(stanzas)
    }

    /// Why the last unwrap failed when the cause was not the grant: the
    /// agent died, or a plugin's PIN could not be asked for. A grant that
    /// "could not be opened" for such a reason is reported as that reason.
    pub(crate) fn unwrap_failure(&self) -> Option<Error> {
        self.agent
            .as_ref()
            .and_then(|a| a.identity.take_failure())
            .or_else(|| self.prompts.as_ref().and_then(|p| p.take_failure()))
    }

    /// When the agent holds this identity: until when (Unix seconds), and its pid.
    pub fn via_agent(&self) -> Option<(i64, u32)> {
        self.agent.as_ref().map(|a| (a.expires_at, a.pid))
    }

    /// The plugin's name, for a plugin identity.
    pub fn plugin(&self) -> Option<&str> {
        self.plugin.as_deref()
    }

    /// Whether this identity signs with a companion key it still lacks.
    pub fn needs_companion(&self) -> bool {
        matches!(self.signer, Signer::Missing)
    }

    /// An identity held by the vault agent, as its status describes it.
    pub(crate) fn from_agent(
        client: std::sync::Arc<crate::agent::Client>,
        held: &crate::agent::proto::Held,
        pid: u32,
    ) -> Result<Personal> {
        let bad = |what: &str| {
            Error::identity(format!(
                "the vault agent describes its identity with an invalid {what}"
            ))
            .hint("run `vault lock` and `vault unlock` again")
        };
        let kind = IdentityKind::from_id(&held.kind).ok_or_else(|| bad("kind"))?;
        let verifying = VerifyingKey::parse(&held.verifying_key).map_err(|_| bad("verifying key"))?;
        crate::trust::keys::check_member_keys(&held.recipient, &verifying).map_err(|_| bad("recipient"))?;
        let identity = std::sync::Arc::new(crate::agent::AgentIdentity::new(client.clone()));
        Ok(Personal {
            identity: Box::new(crate::agent::SharedIdentity(identity.clone())),
            recipient: held.recipient.clone(),
            kind,
            signer: Signer::Agent(client, verifying),
            agent: Some(AgentHeld {
                identity,
                expires_at: held.expires_at,
                pid,
            }),
            plugin: None,
            prompts: None,
        })
    }

    /// An age plugin identity file: the plugin stub (`AGE-PLUGIN-NAME-1…`)
    /// and its recipient, which the file must name in a comment, as the
    /// plugins print it (`# public key: age1…` or `#    Recipient: age1…`),
    /// because grants are found by recipient and a stub does not carry it.
    fn parse_plugin(contents: &[u8], path: &str) -> Result<Personal> {
        let text = std::str::from_utf8(contents).map_err(|_| {
            Error::identity(format!("{path} is not a valid age plugin identity file"))
                .hint("pass the identity file the plugin printed")
        })?;
        let mut stub = None;
        let mut recipient = None;
        for line in text.lines().map(str::trim) {
            if let Some(comment) = line.strip_prefix('#') {
                let comment = comment.trim();
                let lower = comment.to_ascii_lowercase();
                for label in ["public key:", "recipient:"] {
                    if lower.starts_with(label) {
                        recipient = Some(comment[label.len()..].trim().to_owned());
                    }
                }
                continue;
            }
            if line.is_empty() {
                continue;
            }
            if stub.is_some() {
                return Err(Error::identity(format!("{path} holds more than one identity"))
                    .hint("keep exactly one AGE-PLUGIN-… line in the file"));
            }
            stub = Some(age::plugin::Identity::from_str(line).map_err(|_| {
                Error::identity(format!(
                    "{path} holds an AGE-PLUGIN line that is not a valid plugin identity"
                ))
                .hint("pass the identity file the plugin printed")
            })?);
        }
        let stub = stub.ok_or_else(|| {
            Error::identity(format!("{path} holds no identity"))
                .hint("pass the identity file the plugin printed")
        })?;
        let plugin_name = stub.plugin().to_owned();
        let recipient = recipient.ok_or_else(|| {
            Error::identity(format!(
                "{path} does not say which recipient its plugin identity opens"
            ))
            .hint("add the line `# public key: age1…` with the recipient the plugin printed")
        })?;
        let parsed = age::plugin::Recipient::from_str(&recipient).map_err(|_| {
            Error::identity(format!(
                "{path} names {} as its recipient, which is not an age plugin recipient",
                name::escape(&recipient)
            ))
            .hint("use the age1… recipient the plugin printed")
        })?;
        if parsed.plugin() != plugin_name {
            return Err(Error::identity(format!(
                "{path} pairs an identity of plugin {} with a recipient of plugin {}",
                name::escape(&plugin_name),
                name::escape(parsed.plugin())
            ))
            .hint("use the recipient the same plugin printed"));
        }
        let prompts = super::plugin::Prompts::new(&plugin_name);
        let identity = age::plugin::IdentityPluginV1::new(&plugin_name, &[stub], prompts.clone())
            .map_err(|_| missing_plugin(&plugin_name))?;
        Ok(Personal {
            identity: Box::new(identity),
            recipient: parsed.to_string(),
            kind: IdentityKind::Plugin,
            signer: Signer::Missing,
            agent: None,
            plugin: Some(plugin_name),
            prompts: Some(prompts),
        })
    }

    /// Gives a plugin identity its companion signing key.
    pub fn with_companion(mut self, companion: Companion, path_for_messages: &str) -> Result<Personal> {
        self.signer = match companion {
            Companion::File { pem, passphrase } => {
                let key = SigningKey::from_openssh(&pem, passphrase.as_ref())?;
                Signer::Ssh(Box::new(SshSigner {
                    verifying: key.verifying_key(),
                    pem,
                    passphrase,
                    unlocked: OnceLock::from(key),
                }))
            }
            Companion::SshAgent(public) => {
                // Without the `.pub` file's comment: a member's key is canonical.
                let bare = ssh_key::PublicKey::from(public.key_data().clone());
                let verifying =
                    VerifyingKey::parse(&bare.to_openssh().unwrap_or_default()).map_err(|why| {
                        Error::identity(format!("{path_for_messages} cannot sign for vault: {why}"))
                            .hint("use an ed25519 key or an RSA key of at least 2048 bits")
                    })?;
                Signer::SshAgent(Box::new(public), verifying)
            }
        };
        Ok(self)
    }
}

/// Whether a file is an age plugin identity (an `AGE-PLUGIN-` line).
pub fn is_plugin_identity(contents: &[u8]) -> bool {
    std::str::from_utf8(contents).is_ok_and(|t| {
        t.lines()
            .map(str::trim)
            .any(|l| l.len() > 11 && l[..11].eq_ignore_ascii_case("AGE-PLUGIN-"))
    })
}

/// Whether loading this identity file needs a passphrase (a protected age
/// identity, or an encrypted OpenSSH key).
pub fn needs_passphrase(contents: &[u8]) -> bool {
    let head = trim_start(contents);
    if head.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----") || head.starts_with(b"age-encryption.org/") {
        return true;
    }
    if head.starts_with(b"-----BEGIN OPENSSH PRIVATE KEY-----") {
        return std::str::from_utf8(head)
            .ok()
            .and_then(|t| ssh_key::PrivateKey::from_openssh(t.trim()).ok())
            .is_some_and(|k| k.is_encrypted());
    }
    false
}

fn missing_plugin(name: &str) -> Error {
    Error::identity(format!(
        "the age plugin age-plugin-{} is not on PATH",
        name::display(name)
    ))
    .hint("install the plugin, or add its directory to PATH")
}

fn no_companion() -> Error {
    Error::identity("an age plugin identity cannot make vault's signatures, and no companion signing key is set")
        .hint("run `vault init` to make one, or set VAULT_SIGNING_KEY to an SSH key file or to a public key held by ssh-agent")
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
    if text.starts_with("age1")
        && let Ok(r) = age::plugin::Recipient::from_str(text)
    {
        let plugin = r.plugin().to_owned();
        let canonical = r.to_string();
        let recipient =
            age::plugin::RecipientPluginV1::new(&plugin, &[r], &[], super::plugin::Prompts::new(&plugin))
                .map_err(|_| missing_plugin(&plugin))?;
        return Ok(MemberRecipient {
            recipient: Box::new(recipient),
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
    Err(
        Error::usage(format!("{} is not a valid recipient", shown())).hint(
            "pass an age recipient (age1…, or an age plugin's age1NAME1…) or an SSH public key line \
         (ssh-ed25519 … / ssh-rsa …); see `vault whoami`",
        ),
    )
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
