//! Signing keys for the log, and the member line `vault whoami` prints.
//!
//! Every member signs log entries with a key that comes with the identity
//! they already have, so there is no second file to lose:
//! - An age X25519 identity gets an Ed25519 key derived from its 32-byte
//!   secret with HKDF-SHA256 ([`DERIVE_SALT`], [`DERIVE_INFO`]). The derivation
//!   is one way: the signing key says nothing about the X25519 secret, and
//!   the public half (`vault-ed25519:<base64>`) must be handed over with the
//!   recipient, since nobody else can derive it.
//! - An SSH identity (ed25519, or RSA of at least 2048 bits) signs with the
//!   SSH key itself, in OpenSSH's SSHSIG format under the namespace
//!   [`SSHSIG_NAMESPACE`] with SHA-512, so `ssh-keygen -Y check-novalidate`
//!   can check a signature by hand. Its verifying key is its public key line.
//! - A FIDO key (`sk-ssh-ed25519@openssh.com`, held by ssh-agent) signs the
//!   same way, but only as an age plugin member's companion key: age cannot
//!   seal to it, so it is never a member's own recipient. Its signatures
//!   must carry the authenticator's user-presence flag (a touch).
//!
//! # The member line
//! One line a member hands to another for `vault member add`:
//! ```text
//! age1…  vault-ed25519:<base64 of the 32-byte Ed25519 public key>
//! ssh-ed25519 AAAA… [comment]          (an SSH public key line, unchanged)
//! ssh-rsa AAAA… [comment]
//! age1NAME1…  vault-ed25519:…        (an age plugin recipient and its
//! age1NAME1…  ssh-ed25519 AAAA… [comment]     member's companion key;
//! age1NAME1…  sk-ssh-ed25519@openssh.com AAAA… [comment]   also ssh-rsa)
//! ```
//! Why this form: it keeps the familiar shape of a public key line (fields
//! separated by a space, the first naming what follows), so it survives
//! copy and paste, shells and chat tools; the recipient comes first so
//! `cut -d' ' -f1` still gives it; the `vault-ed25519:` prefix names the
//! algorithm and cannot be mistaken for a comment. There is no
//! self-signature binding the two halves: the line is trusted as a whole,
//! because it reaches the adding member out of band (and they compare the
//! vault fingerprint); a self-signature would prove possession of the
//! signing key only, not that the recipient's owner agrees. A bare `age1…`
//! recipient (what older releases printed) is refused with a hint.

use std::fmt;
use std::str::FromStr;

use age::secrecy::{ExposeSecret, SecretString};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::Signer as _;
use sha2::Sha256;
use ssh_encoding::{Decode as _, Encode as _};
use ssh_key::{Algorithm, HashAlg, PrivateKey, PublicKey, SshSig};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::name;

/// HKDF salt for the Ed25519 key derived from an age X25519 identity.
pub const DERIVE_SALT: &[u8] = b"vault log signing key v1";
/// HKDF info for the same derivation (names the algorithm of the output).
pub const DERIVE_INFO: &[u8] = b"ed25519 seed from age x25519 identity";
/// Prefixed to the message an Ed25519 log key signs (domain separation).
pub const ED25519_CONTEXT: &[u8] = b"vault log entry signature v1\0";
/// The SSHSIG namespace of log signatures made with an SSH key.
pub const SSHSIG_NAMESPACE: &str = "vault-log-v1";
/// Prefixed to the statement an Ed25519 key signs for a secret's version.
pub const ED25519_VERSION_CONTEXT: &[u8] = b"vault version signature v1\0";
/// The SSHSIG namespace of version signatures made with an SSH key.
pub const SSHSIG_VERSION_NAMESPACE: &str = "vault-version-v1";
/// The prefix of an Ed25519 verifying key's text form.
pub const ED25519_PREFIX: &str = "vault-ed25519:";
/// The smallest RSA modulus accepted, like age.
const MIN_RSA_BITS: usize = 2048;
/// The algorithm name of a FIDO Ed25519 SSH key.
pub const SK_ED25519: &str = "sk-ssh-ed25519@openssh.com";
/// Why a FIDO key cannot be a member's own recipient.
const SK_CANNOT_DECRYPT: &str =
    "a FIDO key can sign but not decrypt; use it as a plugin member's companion key";
/// The user-presence bit of a FIDO signature's flags (the key was touched).
const SK_USER_PRESENT: u8 = 0x01;

/// A member's log signing key. Never printed: `Debug` shows the public half.
pub struct SigningKey(SigningInner);

enum SigningInner {
    /// Derived from an age X25519 identity (zeroized on drop by ed25519-dalek).
    Derived(Box<ed25519_dalek::SigningKey>),
    /// An unlocked OpenSSH private key (zeroized on drop by ssh-key).
    Ssh(Box<PrivateKey>),
}

impl SigningKey {
    /// The Ed25519 key derived from an age X25519 identity.
    pub fn from_age_identity(identity: &age::x25519::Identity) -> SigningKey {
        let text = identity.to_string();
        // The bech32 string is produced by age itself, so decoding cannot fail
        // for a real identity; a failure would be a bug in one of the crates.
        let (_, secret) = bech32::decode(text.expose_secret()).expect("age encodes identities as bech32");
        let secret = Zeroizing::new(secret);
        let hk = hkdf::Hkdf::<Sha256>::new(Some(DERIVE_SALT), &secret);
        let mut seed = Zeroizing::new([0u8; 32]);
        hk.expand(DERIVE_INFO, &mut seed[..])
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        let key = ed25519_dalek::SigningKey::from_bytes(&seed);
        SigningKey(SigningInner::Derived(Box::new(key)))
    }

    /// An OpenSSH private key file (`-----BEGIN OPENSSH PRIVATE KEY-----`),
    /// ed25519 or RSA, unlocked with `passphrase` when it is encrypted; or
    /// an unencrypted PKCS#1 RSA key (`-----BEGIN RSA PRIVATE KEY-----`, as
    /// older ssh-keygen wrote), which vault also accepts as an identity.
    pub fn from_openssh(pem: &str, passphrase: Option<&SecretString>) -> Result<SigningKey> {
        let bad = || {
            Error::identity("the SSH private key cannot be read as an OpenSSH key")
                .hint("pass an ed25519 or RSA key made by ssh-keygen")
        };
        let pem = pem.trim();
        if pem.starts_with("-----BEGIN RSA PRIVATE KEY-----") {
            return SigningKey::from_pkcs1(pem);
        }
        let mut key = PrivateKey::from_openssh(pem).map_err(|_| bad())?;
        if key.is_encrypted() {
            let Some(passphrase) = passphrase else {
                return Err(
                    Error::identity("the SSH private key is protected by a passphrase")
                        .hint("set VAULT_PASSPHRASE_FILE or VAULT_PASSPHRASE_FD, or run on a terminal"),
                );
            };
            key = key
                .decrypt(passphrase.expose_secret().as_bytes())
                .map_err(|e| match e {
                    ssh_key::Error::Crypto => Error::identity("wrong passphrase for the SSH private key")
                        .hint("try again; for scripts check VAULT_PASSPHRASE_FILE or VAULT_PASSPHRASE_FD"),
                    _ => Error::identity("the SSH private key is encrypted in a way vault cannot open")
                        .hint("re-encrypt it with `ssh-keygen -p -f FILE`"),
                })?;
        }
        if key.algorithm() == Algorithm::SkEd25519 {
            // The file holds only a handle: the authenticator signs.
            return Err(
                Error::identity("a FIDO key file cannot sign by itself: its authenticator signs")
                    .hint("add it to ssh-agent (`ssh-add FILE`) and set VAULT_SIGNING_KEY to its public key"),
            );
        }
        // Make sure the public half is one vault accepts (and the pair is sound).
        VerifyingKey::from_ssh_public(key.public_key()).map_err(|why| {
            Error::identity(format!("the SSH key cannot sign for vault: {why}"))
                .hint("use an ed25519 key (`ssh-keygen -t ed25519`) or an age identity")
        })?;
        Ok(SigningKey(SigningInner::Ssh(Box::new(key))))
    }

    fn from_pkcs1(pem: &str) -> Result<SigningKey> {
        use rsa::pkcs1::DecodeRsaPrivateKey as _;
        if pem.contains("ENCRYPTED") {
            return Err(
                Error::identity("the SSH key is an encrypted PEM key, which vault cannot use")
                    .hint("convert it with `ssh-keygen -p -o -f FILE`"),
            );
        }
        let bad = || {
            Error::identity("the SSH private key cannot be read as a PEM RSA key")
                .hint("pass an ed25519 or RSA key made by ssh-keygen")
        };
        let private = rsa::RsaPrivateKey::from_pkcs1_pem(pem).map_err(|_| bad())?;
        let pair = ssh_key::private::RsaKeypair::try_from(&private).map_err(|_| bad())?;
        let key = PrivateKey::try_from(ssh_key::private::KeypairData::from(pair)).map_err(|_| bad())?;
        VerifyingKey::from_ssh_public(key.public_key()).map_err(|why| {
            Error::identity(format!("the SSH key cannot sign for vault: {why}"))
                .hint("use an ed25519 key (`ssh-keygen -t ed25519`) or an age identity")
        })?;
        Ok(SigningKey(SigningInner::Ssh(Box::new(key))))
    }

    /// The public half, which others use to check this key's signatures.
    pub fn verifying_key(&self) -> VerifyingKey {
        match &self.0 {
            SigningInner::Derived(k) => VerifyingKey(VerifyingInner::Ed25519(k.verifying_key())),
            SigningInner::Ssh(k) => {
                VerifyingKey::from_ssh_public(k.public_key()).expect("checked when the key was loaded")
            }
        }
    }

    /// Signs a log entry's canonical bytes. Deterministic for every kind
    /// vault supports (Ed25519, SSHSIG over Ed25519, RSA PKCS#1 v1.5).
    pub(crate) fn sign_log(&self, canonical: &[u8]) -> Result<Vec<u8>> {
        self.sign_for(Purpose::Log, canonical)
    }

    /// Signs `msg` for `purpose`: each purpose has its own Ed25519 context
    /// and SSHSIG namespace, so a signature made for one is never valid
    /// for the other.
    pub(crate) fn sign_for(&self, purpose: Purpose, canonical: &[u8]) -> Result<Vec<u8>> {
        match &self.0 {
            SigningInner::Derived(k) => {
                let context = purpose.context();
                let mut msg = Vec::with_capacity(context.len() + canonical.len());
                msg.extend_from_slice(context);
                msg.extend_from_slice(canonical);
                Ok(k.sign(&msg).to_bytes().to_vec())
            }
            SigningInner::Ssh(k) => {
                let fail =
                    |e: &dyn fmt::Display| Error::internal(format!("signing with the SSH key failed: {e}"));
                let namespace = purpose.namespace();
                let sig = match k.key_data().rsa() {
                    Some(rsa) => {
                        sign_sshsig_rsa(k.public_key(), rsa, namespace, canonical).map_err(|e| fail(&e))?
                    }
                    None => k
                        .sign(namespace, HashAlg::Sha512, canonical)
                        .map_err(|e| fail(&e))?,
                };
                let mut out = Vec::new();
                sig.encode(&mut out)
                    .map_err(|e| Error::internal(format!("encoding an SSH signature failed: {e}")))?;
                Ok(out)
            }
        }
    }
}

/// SSHSIG with an RSA key (rsa-sha2-512, PKCS#1 v1.5, deterministic).
///
/// ssh-key 0.6.7 cannot sign with RSA itself: its conversion to an
/// `rsa::RsaPrivateKey` passes the prime `p` twice instead of `p` and `q`,
/// which the `rsa` crate rejects. The SSHSIG framing is still ssh-key's.
fn sign_sshsig_rsa(
    public: &PublicKey,
    pair: &ssh_key::private::RsaKeypair,
    namespace: &str,
    msg: &[u8],
) -> std::result::Result<SshSig, String> {
    use rsa::signature::{RandomizedSigner as _, SignatureEncoding as _};
    let big = |m: &ssh_key::Mpint| rsa::BigUint::try_from(m).map_err(|e| e.to_string());
    let private = rsa::RsaPrivateKey::from_components(
        big(&pair.public.n)?,
        big(&pair.public.e)?,
        big(&pair.private.d)?,
        vec![big(&pair.private.p)?, big(&pair.private.q)?],
    )
    .map_err(|e| e.to_string())?;
    let signed = SshSig::signed_data(namespace, HashAlg::Sha512, msg).map_err(|e| e.to_string())?;
    // Blinded (the random source only hides timing); the signature itself is deterministic.
    let signature = rsa::pkcs1v15::SigningKey::<rsa::sha2::Sha512>::new(private)
        .try_sign_with_rng(&mut rand_core::OsRng, &signed)
        .map_err(|e| e.to_string())?;
    let signature = ssh_key::Signature::new(
        Algorithm::Rsa {
            hash: Some(HashAlg::Sha512),
        },
        signature.to_vec(),
    )
    .map_err(|e| e.to_string())?;
    SshSig::new(public.key_data().clone(), namespace, HashAlg::Sha512, signature).map_err(|e| e.to_string())
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey({})", self.verifying_key())
    }
}

/// The public half of a member's log signing key.
///
/// Text form: `vault-ed25519:<base64>` for a key derived from an age
/// identity; the OpenSSH public key line without comment for an SSH key
/// (including a FIDO `sk-ssh-ed25519@openssh.com` key).
#[derive(Clone, PartialEq, Eq)]
pub struct VerifyingKey(VerifyingInner);

#[derive(Clone, PartialEq, Eq)]
enum VerifyingInner {
    Ed25519(ed25519_dalek::VerifyingKey),
    /// An ed25519, RSA (≥ 2048 bits) or FIDO sk-ed25519 public key,
    /// comment removed.
    Ssh(Box<PublicKey>),
}

/// Which kind of identity a verifying key belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    /// Derived from an age X25519 identity.
    Age,
    /// An SSH key: for ed25519 and RSA its recipient is the key itself; a
    /// FIDO key (see [`VerifyingKey::is_fido`]) is only a companion key.
    Ssh,
}

impl VerifyingKey {
    /// Parses the canonical text form; anything else (extra spaces, a comment,
    /// another base64 spelling) is refused, so equal keys have equal text.
    pub fn parse(text: &str) -> std::result::Result<VerifyingKey, String> {
        if let Some(b64) = text.strip_prefix(ED25519_PREFIX) {
            let bytes = B64.decode(b64).map_err(|_| "its base64 is invalid".to_owned())?;
            let bytes: [u8; 32] = bytes
                .try_into()
                .map_err(|_| "an Ed25519 key is 32 bytes".to_owned())?;
            let key = ed25519_dalek::VerifyingKey::from_bytes(&bytes)
                .map_err(|_| "it is not a valid Ed25519 public key".to_owned())?;
            if key.is_weak() {
                return Err("it is a weak (small-order) Ed25519 key".into());
            }
            let parsed = VerifyingKey(VerifyingInner::Ed25519(key));
            if parsed.to_string() != text {
                return Err("it is not in canonical form".into());
            }
            return Ok(parsed);
        }
        if text.starts_with("ssh-") || text.starts_with("sk-") {
            let public =
                PublicKey::from_openssh(text).map_err(|_| "it is not a valid SSH public key".to_owned())?;
            let parsed = VerifyingKey::from_ssh_public(&public)?;
            if parsed.to_string() != text {
                return Err("it is not in canonical form (no comment, single spaces)".into());
            }
            return Ok(parsed);
        }
        Err(format!(
            "it does not start with {ED25519_PREFIX}, ssh-ed25519, ssh-rsa or {SK_ED25519}"
        ))
    }

    /// The verifying key of an SSH public key vault accepts (ed25519, RSA of
    /// at least 2048 bits, or FIDO sk-ed25519 under an `ssh:` application);
    /// its comment is dropped.
    pub(crate) fn from_ssh_public(public: &PublicKey) -> std::result::Result<VerifyingKey, String> {
        match public.algorithm() {
            Algorithm::Ed25519 => {}
            Algorithm::SkEd25519 => {
                // As ssh-keygen requires: a credential scoped to a web origin
                // is not an SSH key.
                let application = public.key_data().sk_ed25519().map(|k| k.application());
                if !application.is_some_and(|a| a.starts_with("ssh:")) {
                    return Err("a FIDO key's application must start with ssh:".into());
                }
            }
            Algorithm::Rsa { .. } => {
                let bits = public
                    .key_data()
                    .rsa()
                    .map(|k| mpint_bits(k.n.as_positive_bytes().unwrap_or_default()))
                    .unwrap_or(0);
                if bits < MIN_RSA_BITS {
                    return Err(format!(
                        "an RSA key of {bits} bits is shorter than {MIN_RSA_BITS}"
                    ));
                }
            }
            other => return Err(format!("{} keys are not supported", other.as_str())),
        }
        let mut public = public.clone();
        public.set_comment("");
        Ok(VerifyingKey(VerifyingInner::Ssh(Box::new(public))))
    }

    /// What kind of identity this key belongs to.
    pub fn kind(&self) -> KeyKind {
        match &self.0 {
            VerifyingInner::Ed25519(_) => KeyKind::Age,
            VerifyingInner::Ssh(_) => KeyKind::Ssh,
        }
    }

    /// Whether this is a FIDO key (`sk-ssh-ed25519@openssh.com`): it signs,
    /// with a touch, but age cannot seal to it.
    pub fn is_fido(&self) -> bool {
        matches!(&self.0, VerifyingInner::Ssh(k) if k.algorithm() == Algorithm::SkEd25519)
    }

    /// Checks a log signature over an entry's canonical bytes.
    pub(crate) fn verify_log(&self, canonical: &[u8], signature: &[u8]) -> bool {
        self.verify_for(Purpose::Log, canonical, signature)
    }

    /// Checks a signature made with [`SigningKey::sign_for`] for `purpose`.
    pub(crate) fn verify_for(&self, purpose: Purpose, canonical: &[u8], signature: &[u8]) -> bool {
        match &self.0 {
            VerifyingInner::Ed25519(k) => {
                let Ok(sig) = ed25519_dalek::Signature::from_slice(signature) else {
                    return false;
                };
                let context = purpose.context();
                let mut msg = Vec::with_capacity(context.len() + canonical.len());
                msg.extend_from_slice(context);
                msg.extend_from_slice(canonical);
                k.verify_strict(&msg, &sig).is_ok()
            }
            VerifyingInner::Ssh(k) => {
                let mut reader = signature;
                let Ok(sig) = SshSig::decode(&mut reader) else {
                    return false;
                };
                reader.is_empty()
                    && sig.reserved().is_empty()
                    && (k.algorithm() != Algorithm::SkEd25519 || sk_user_present(sig.signature()))
                    && k.verify(purpose.namespace(), canonical, &sig).is_ok()
            }
        }
    }
}

/// Whether a FIDO sk-ed25519 signature says the user was present (touched
/// the authenticator). ssh-key keeps the signature as the 64-byte Ed25519
/// signature followed by the flags byte and the 4-byte counter, and does not
/// look at the flags itself.
pub(crate) fn sk_user_present(signature: &ssh_key::Signature) -> bool {
    signature.algorithm() == Algorithm::SkEd25519
        && signature.as_bytes().len() == 64 + 1 + 4
        && signature.as_bytes()[64] & SK_USER_PRESENT != 0
}

/// What a signature is for. Each purpose signs under its own Ed25519
/// context and SSHSIG namespace (domain separation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// An entry of the membership and key log.
    Log,
    /// An author's statement about one version of a secret.
    Version,
}

impl Purpose {
    fn context(self) -> &'static [u8] {
        match self {
            Purpose::Log => ED25519_CONTEXT,
            Purpose::Version => ED25519_VERSION_CONTEXT,
        }
    }

    pub(crate) fn namespace(self) -> &'static str {
        match self {
            Purpose::Log => SSHSIG_NAMESPACE,
            Purpose::Version => SSHSIG_VERSION_NAMESPACE,
        }
    }

    /// The purpose's number on the agent's wire.
    pub(crate) fn code(self) -> u8 {
        match self {
            Purpose::Log => 1,
            Purpose::Version => 2,
        }
    }

    pub(crate) fn from_code(code: u8) -> Option<Purpose> {
        match code {
            1 => Some(Purpose::Log),
            2 => Some(Purpose::Version),
            _ => None,
        }
    }
}

/// Ed25519 log signatures queued to be checked together at the end of a
/// whole-log verification (ed25519-dalek's batch verification, roughly twice
/// as fast as one by one; its randomness is derived from all the inputs).
#[derive(Default)]
pub(crate) struct Deferred {
    messages: Vec<Vec<u8>>,
    signatures: Vec<ed25519_dalek::Signature>,
    keys: Vec<ed25519_dalek::VerifyingKey>,
}

impl Deferred {
    /// Queues a log signature by an Ed25519 key; false (nothing queued) for
    /// an SSH key or a signature of the wrong size, which the caller checks now.
    pub(crate) fn push(&mut self, key: &VerifyingKey, canonical: &[u8], signature: &[u8]) -> bool {
        self.push_for(Purpose::Log, key, canonical, signature)
    }

    /// [`Deferred::push`] for a signature made for `purpose`.
    pub(crate) fn push_for(
        &mut self,
        purpose: Purpose,
        key: &VerifyingKey,
        canonical: &[u8],
        signature: &[u8],
    ) -> bool {
        let VerifyingInner::Ed25519(k) = &key.0 else {
            return false;
        };
        let Ok(sig) = ed25519_dalek::Signature::from_slice(signature) else {
            return false;
        };
        let context = purpose.context();
        let mut msg = Vec::with_capacity(context.len() + canonical.len());
        msg.extend_from_slice(context);
        msg.extend_from_slice(canonical);
        self.messages.push(msg);
        self.signatures.push(sig);
        self.keys.push(*k);
        true
    }

    /// Whether every queued signature is valid.
    pub(crate) fn verify(&self) -> bool {
        let messages: Vec<&[u8]> = self.messages.iter().map(Vec::as_slice).collect();
        self.keys.is_empty() || ed25519_dalek::verify_batch(&messages, &self.signatures, &self.keys).is_ok()
    }
}

/// The number of significant bits in a big-endian unsigned integer.
fn mpint_bits(bytes: &[u8]) -> usize {
    let Some(pos) = bytes.iter().position(|&b| b != 0) else {
        return 0;
    };
    (bytes.len() - pos) * 8 - bytes[pos].leading_zeros() as usize
}

impl fmt::Display for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            VerifyingInner::Ed25519(k) => write!(f, "{ED25519_PREFIX}{}", B64.encode(k.as_bytes())),
            VerifyingInner::Ssh(k) => f.write_str(&k.to_openssh().map_err(|_| fmt::Error)?),
        }
    }
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VerifyingKey({self})")
    }
}

impl serde::Serialize for VerifyingKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for VerifyingKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        VerifyingKey::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// Checks that `recipient` is a recipient vault can seal to, in its canonical
/// spelling, and that `key` is the verifying key that goes with its kind (an
/// SSH member's verifying key is its recipient).
pub fn check_member_keys(recipient: &str, key: &VerifyingKey) -> std::result::Result<(), String> {
    if let Ok(r) = age::x25519::Recipient::from_str(recipient) {
        if key.kind() != KeyKind::Age {
            return Err(
                "an age member signs with the key derived from its identity (vault-ed25519:…)".into(),
            );
        }
        if r.to_string() != recipient {
            return Err("the recipient is not in canonical form".into());
        }
        return Ok(());
    }
    if recipient.starts_with("age1") {
        // An age plugin's recipient (a hardware key): it cannot sign, so
        // its member signs with a companion key of either kind.
        let r = age::plugin::Recipient::from_str(recipient)
            .map_err(|_| "the recipient is not an age recipient (age1…)".to_owned())?;
        if r.to_string() != recipient {
            return Err("the recipient is not in canonical form".into());
        }
        return Ok(());
    }
    if recipient.starts_with("sk-") {
        return Err(SK_CANNOT_DECRYPT.into());
    }
    if key.kind() != KeyKind::Ssh || key.to_string() != recipient {
        return Err("an SSH member's verifying key must be its recipient".into());
    }
    age::ssh::Recipient::from_str(recipient).map_err(|_| "age cannot seal to this SSH key".to_owned())?;
    Ok(())
}

/// What `vault whoami` prints and `vault member add` takes.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct MemberLine {
    /// The recipient grants are sealed to, in its canonical spelling.
    pub recipient: String,
    /// The key the member's log entries are checked with.
    pub verifying_key: VerifyingKey,
    /// An SSH key line's comment, if any (a default for the member's name).
    pub comment: Option<String>,
}

impl MemberLine {
    /// The line for a member whose recipient and signing key are known.
    pub fn new(recipient: &str, verifying_key: VerifyingKey) -> Result<MemberLine> {
        check_member_keys(recipient, &verifying_key)
            .map_err(|why| Error::internal(format!("inconsistent member keys: {why}")))?;
        Ok(MemberLine {
            recipient: recipient.to_owned(),
            verifying_key,
            comment: None,
        })
    }

    /// Parses a member line as typed or pasted by a user.
    pub fn parse(text: &str) -> Result<MemberLine> {
        let text = text.trim();
        let shown = || {
            let short: String = text.chars().take(40).collect();
            let more = if text.chars().count() > 40 { "…" } else { "" };
            format!("{}{more}", name::escape(&short))
        };
        let whole_line = "pass the whole first line of the member's `vault whoami`";
        let mut fields = text.split_ascii_whitespace();
        match fields.next() {
            Some(first) if first.starts_with("age1") && age::x25519::Recipient::from_str(first).is_err() => {
                MemberLine::parse_plugin(text, first, fields.collect())
            }
            Some(first) if first.starts_with("age1") => {
                let r = age::x25519::Recipient::from_str(first).map_err(|_| {
                    Error::usage(format!("{} is not a valid age recipient", shown())).hint(whole_line)
                })?;
                let Some(vk) = fields.next() else {
                    return Err(Error::usage(format!(
                        "{} is only a recipient: a member line also carries the member's signing key",
                        shown()
                    ))
                    .hint(format!("{whole_line} (recipient and vault-ed25519:…)")));
                };
                if fields.next().is_some() {
                    return Err(Error::usage(format!(
                        "{} has more than two fields; an age member line is `age1… vault-ed25519:…`",
                        shown()
                    ))
                    .hint(whole_line));
                }
                let key = VerifyingKey::parse(vk)
                    .ok()
                    .filter(|k| k.kind() == KeyKind::Age)
                    .ok_or_else(|| {
                        Error::usage(format!(
                            "{} does not end with a valid signing key (vault-ed25519:…)",
                            shown()
                        ))
                        .hint(whole_line)
                    })?;
                Ok(MemberLine {
                    recipient: r.to_string(),
                    verifying_key: key,
                    comment: None,
                })
            }
            Some(kind @ ("ssh-ed25519" | "ssh-rsa")) => {
                let Some(b64) = fields.next() else {
                    return Err(Error::usage(format!("{} has no key after {kind}", shown()))
                        .hint("pass the whole public key line, e.g. \"$(cat ~/.ssh/id_ed25519.pub)\""));
                };
                let comment: Vec<&str> = fields.collect();
                let comment = (!comment.is_empty()).then(|| comment.join(" "));
                let key = PublicKey::from_openssh(&format!("{kind} {b64}"))
                    .map_err(|_| format!("it is not a valid {kind} public key"))
                    .and_then(|p| VerifyingKey::from_ssh_public(&p))
                    .map_err(|why| {
                        Error::usage(format!("{} cannot be used: {why}", shown()))
                            .hint("use an ed25519 key or an RSA key of at least 2048 bits")
                    })?;
                let recipient = key.to_string();
                check_member_keys(&recipient, &key).map_err(|why| {
                    Error::usage(format!("{} cannot be used: {why}", shown()))
                        .hint("use an ed25519 key or an RSA key of at least 2048 bits")
                })?;
                Ok(MemberLine {
                    recipient,
                    verifying_key: key,
                    comment,
                })
            }
            Some(SK_ED25519) => Err(
                Error::usage(format!("{} cannot be used: {SK_CANNOT_DECRYPT}", shown())).hint(format!(
                    "pass the plugin member's whole `vault whoami` line (age1NAME1… {SK_ED25519} …)"
                )),
            ),
            _ => Err(Error::usage(format!("{} is not a member line", shown())).hint(
                "pass the first line of the member's `vault whoami` (age1… vault-ed25519:…), \
                 or an SSH public key line (ssh-ed25519 … / ssh-rsa …)",
            )),
        }
    }
}

impl MemberLine {
    /// `age1NAME1… vault-ed25519:…` or `age1NAME1… ssh-ed25519 AAAA… [comment]`
    /// (also `ssh-rsa` and `sk-ssh-ed25519@openssh.com`): a plugin recipient
    /// and its member's companion signing key.
    fn parse_plugin(text: &str, first: &str, rest: Vec<&str>) -> Result<MemberLine> {
        let shown = || {
            let short: String = text.chars().take(40).collect();
            let more = if text.chars().count() > 40 { "…" } else { "" };
            format!("{}{more}", name::escape(&short))
        };
        let whole_line = "pass the whole first line of the member's `vault whoami`";
        let r = age::plugin::Recipient::from_str(first).map_err(|_| {
            Error::usage(format!("{} is not a valid age recipient", shown())).hint(whole_line)
        })?;
        let recipient = r.to_string();
        let (key, comment) = match rest.as_slice() {
            [] => {
                return Err(Error::usage(format!(
                    "{} is only a recipient: a member line also carries the member's signing key",
                    shown()
                ))
                .hint(whole_line));
            }
            [vk] => (
                VerifyingKey::parse(vk).ok().filter(|k| k.kind() == KeyKind::Age),
                None,
            ),
            [kind @ ("ssh-ed25519" | "ssh-rsa" | SK_ED25519), b64, comment @ ..] => {
                let key = match PublicKey::from_openssh(&format!("{kind} {b64}")) {
                    Ok(p) => Some(VerifyingKey::from_ssh_public(&p).map_err(|why| {
                        Error::usage(format!("{} cannot be used: {why}", shown())).hint(whole_line)
                    })?),
                    Err(_) => None,
                };
                (key, (!comment.is_empty()).then(|| comment.join(" ")))
            }
            _ => (None, None),
        };
        let key = key.ok_or_else(|| {
            Error::usage(format!(
                "{} does not end with a valid signing key (vault-ed25519:… or an SSH public key)",
                shown()
            ))
            .hint(whole_line)
        })?;
        check_member_keys(&recipient, &key)
            .map_err(|why| Error::usage(format!("{} cannot be used: {why}", shown())).hint(whole_line))?;
        Ok(MemberLine {
            recipient,
            verifying_key: key,
            comment,
        })
    }
}

impl fmt::Display for MemberLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let key = self.verifying_key.to_string();
        if key == self.recipient {
            // An SSH member: the public key line is both halves.
            f.write_str(&self.recipient)?;
        } else {
            write!(f, "{} {key}", self.recipient)?;
        }
        if let Some(c) = &self.comment {
            write!(f, " {c}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn age_identity() -> age::x25519::Identity {
        age::x25519::Identity::generate()
    }

    #[test]
    fn derived_key_is_stable_and_signs() {
        let id = age_identity();
        let a = SigningKey::from_age_identity(&id);
        let b = SigningKey::from_age_identity(&id);
        assert_eq!(a.verifying_key(), b.verifying_key());
        let other = SigningKey::from_age_identity(&age_identity());
        assert_ne!(a.verifying_key(), other.verifying_key());
        let sig = a.sign_log(b"entry").unwrap();
        assert!(a.verifying_key().verify_log(b"entry", &sig));
        assert!(!a.verifying_key().verify_log(b"entrY", &sig));
        assert!(!other.verifying_key().verify_log(b"entry", &sig));
        assert!(!format!("{a:?}").contains("AGE-SECRET"));
    }

    #[test]
    fn verifying_key_text_round_trips_and_is_strict() {
        let vk = SigningKey::from_age_identity(&age_identity()).verifying_key();
        let text = vk.to_string();
        assert!(text.starts_with(ED25519_PREFIX));
        assert_eq!(VerifyingKey::parse(&text).unwrap(), vk);
        assert!(VerifyingKey::parse(&format!("{text} ")).is_err());
        assert!(VerifyingKey::parse(&text.replace(ED25519_PREFIX, "vault-ed448:")).is_err());
        assert!(VerifyingKey::parse(&format!("{ED25519_PREFIX}AAAA")).is_err());
        // The identity point is a weak key: refused.
        let mut weak = [0u8; 32];
        weak[0] = 1;
        assert!(VerifyingKey::parse(&format!("{ED25519_PREFIX}{}", B64.encode(weak))).is_err());
    }

    #[test]
    fn member_line_for_age_round_trips() {
        let id = age_identity();
        let vk = SigningKey::from_age_identity(&id).verifying_key();
        let line = MemberLine::new(&id.to_public().to_string(), vk).unwrap();
        let text = line.to_string();
        assert_eq!(text.split(' ').count(), 2);
        assert_eq!(MemberLine::parse(&format!("  {text}\n")).unwrap(), line);
    }

    #[test]
    fn member_line_errors_are_one_line_usage_errors() {
        let id = age_identity();
        let recipient = id.to_public().to_string();
        let vk = SigningKey::from_age_identity(&id).verifying_key();
        let cases = [
            (recipient.clone(), "is only a recipient"),
            (format!("{recipient} {vk} extra"), "more than two fields"),
            (format!("{recipient} vault-ed25519:AAAA"), "valid signing key"),
            (format!("age1nope {vk}"), "not a valid age recipient"),
            ("ssh-ed25519".into(), "no key after"),
            ("ssh-ed25519 AAAAnotakey".into(), "cannot be used"),
            ("hello\u{1b}[31m world".into(), "not a member line"),
            (String::new(), "not a member line"),
        ];
        for (input, want) in cases {
            let e = MemberLine::parse(&input).unwrap_err();
            assert_eq!(e.kind, crate::error::Kind::Usage, "{input}");
            let shown = e.to_string();
            assert!(shown.contains(want), "{input:?}: {shown}");
            assert!(!shown.contains('\n') && !shown.contains('\u{1b}'), "{shown}");
        }
    }

    #[test]
    fn ssh_verifying_key_is_the_recipient() {
        let line = include_str!("../../tests/data/trust/ssh-ed25519.pub").trim();
        let parsed = MemberLine::parse(line).unwrap();
        assert_eq!(parsed.verifying_key.kind(), KeyKind::Ssh);
        assert_eq!(parsed.recipient, parsed.verifying_key.to_string());
        assert_eq!(parsed.comment.as_deref(), Some("alice@example"));
        assert_eq!(parsed.to_string(), line);
        assert!(check_member_keys(&parsed.recipient, &parsed.verifying_key).is_ok());
        let age_vk = SigningKey::from_age_identity(&age_identity()).verifying_key();
        assert!(check_member_keys(&parsed.recipient, &age_vk).is_err());
        let rsa = MemberLine::parse(include_str!("../../tests/data/trust/ssh-rsa.pub")).unwrap();
        assert_eq!(rsa.recipient, rsa.verifying_key.to_string());
        let short = MemberLine::parse(include_str!("../../tests/data/trust/ssh-rsa-1024.pub")).unwrap_err();
        assert!(short.to_string().contains("1024 bits"), "{short}");
    }

    /// A FIDO sk-ed25519 key without hardware: the Ed25519 secret an
    /// authenticator would hold, and the public key ssh-keygen would print.
    fn sk_pair(seed: u8, application: &str) -> (ed25519_dalek::SigningKey, PublicKey) {
        let secret = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
        let public = ssh_key::public::SkEd25519::new(
            ssh_key::public::Ed25519PublicKey(secret.verifying_key().to_bytes()),
            application,
        );
        let mut public = PublicKey::from(public);
        public.set_comment("yubikey@example");
        (secret, public)
    }

    /// An encoded SSHSIG as an authenticator makes it: Ed25519 over
    /// SHA-256(application) || flags || counter || SHA-256(signed data).
    fn sk_sign(
        secret: &ed25519_dalek::SigningKey,
        public: &PublicKey,
        purpose: Purpose,
        msg: &[u8],
        flags: u8,
    ) -> Vec<u8> {
        use sha2::Digest as _;
        let application = public.key_data().sk_ed25519().unwrap().application();
        let counter = 7u32.to_be_bytes();
        let data = SshSig::signed_data(purpose.namespace(), HashAlg::Sha512, msg).unwrap();
        let mut signed = Sha256::digest(application).to_vec();
        signed.push(flags);
        signed.extend(counter);
        signed.extend(Sha256::digest(data));
        let mut raw = secret.sign(&signed).to_bytes().to_vec();
        raw.push(flags);
        raw.extend(counter);
        let signature = ssh_key::Signature::new(Algorithm::SkEd25519, raw).unwrap();
        let sig = SshSig::new(
            public.key_data().clone(),
            purpose.namespace(),
            HashAlg::Sha512,
            signature,
        )
        .unwrap();
        let mut out = Vec::new();
        sig.encode(&mut out).unwrap();
        out
    }

    /// A valid `age1vaulttest1…` plugin recipient.
    fn plugin_recipient() -> String {
        let hrp = bech32::Hrp::parse("age1vaulttest").unwrap();
        bech32::encode::<bech32::Bech32>(hrp, &[0x42; 32]).unwrap()
    }

    #[test]
    fn sk_verifying_key_text_and_serde_round_trip() {
        let (_, public) = sk_pair(3, "ssh:");
        let line = public.to_openssh().unwrap();
        assert!(line.starts_with("sk-ssh-ed25519@openssh.com AAAA"), "{line}");
        // The canonical text has no comment.
        assert!(VerifyingKey::parse(&line).is_err());
        let bare = line.rsplit_once(' ').unwrap().0;
        let vk = VerifyingKey::parse(bare).unwrap();
        assert_eq!(vk.to_string(), bare);
        assert_eq!(vk.kind(), KeyKind::Ssh);
        assert!(vk.is_fido());
        assert_eq!(VerifyingKey::from_ssh_public(&public).unwrap(), vk);
        let json = serde_json::to_string(&vk).unwrap();
        assert_eq!(json, format!("\"{bare}\""));
        assert_eq!(serde_json::from_str::<VerifyingKey>(&json).unwrap(), vk);
        assert!(VerifyingKey::parse(&format!("{bare} ")).is_err());
        // Other keys are not FIDO keys.
        assert!(
            !SigningKey::from_age_identity(&age_identity())
                .verifying_key()
                .is_fido()
        );
        let ssh = include_str!("../../tests/data/trust/ssh-ed25519.pub");
        assert!(!MemberLine::parse(ssh).unwrap().verifying_key.is_fido());
        // A credential for a web origin is not an SSH key.
        let (_, web) = sk_pair(3, "https://example.com");
        let why = VerifyingKey::from_ssh_public(&web).unwrap_err();
        assert!(why.contains("must start with ssh:"), "{why}");
        // Another application under ssh: is fine (ssh-keygen -O application=ssh:…).
        let (_, other) = sk_pair(3, "ssh:vault");
        let vk_other = VerifyingKey::from_ssh_public(&other).unwrap();
        assert_ne!(vk_other, vk);
        assert_eq!(VerifyingKey::parse(&vk_other.to_string()).unwrap(), vk_other);
    }

    #[test]
    fn sk_signatures_need_the_user_presence_flag() {
        let (secret, public) = sk_pair(5, "ssh:");
        let vk = VerifyingKey::from_ssh_public(&public).unwrap();
        let msg: &[u8] = b"entry";
        for (flags, accepted) in [(0x01, true), (0x05, true), (0x00, false), (0x04, false)] {
            let sig = sk_sign(&secret, &public, Purpose::Log, msg, flags);
            // Every one of them is a valid signature for ssh-key.
            let parsed = SshSig::decode(&mut sig.as_slice()).unwrap();
            public.verify(Purpose::Log.namespace(), msg, &parsed).unwrap();
            assert_eq!(vk.verify_log(msg, &sig), accepted, "flags {flags:#04x}");
            assert!(!vk.verify_for(Purpose::Version, msg, &sig));
            assert!(!vk.verify_log(b"entrY", &sig));
            // Never queued for the Ed25519 batch: checked one by one.
            assert!(!Deferred::default().push(&vk, msg, &sig));
        }
        let version = sk_sign(&secret, &public, Purpose::Version, msg, 0x01);
        assert!(vk.verify_for(Purpose::Version, msg, &version));
        assert!(!vk.verify_log(msg, &version));
        // Setting the flag afterwards breaks the signature (the flags are signed).
        let mut untouched = sk_sign(&secret, &public, Purpose::Log, msg, 0x00);
        let at = untouched.len() - 5;
        assert_eq!(untouched[at], 0x00);
        untouched[at] = 0x01;
        assert!(!vk.verify_log(msg, &untouched));
        // Another key's signature is refused.
        let (other, other_public) = sk_pair(6, "ssh:");
        assert!(!vk.verify_log(msg, &sk_sign(&other, &other_public, Purpose::Log, msg, 0x01)));
    }

    #[test]
    fn sk_key_is_a_plugin_members_companion_key() {
        let recipient = plugin_recipient();
        assert!(recipient.starts_with("age1vaulttest1"), "{recipient}");
        let (_, public) = sk_pair(9, "ssh:");
        let ssh_line = public.to_openssh().unwrap();
        let text = format!("{recipient} {ssh_line}");
        let line = MemberLine::parse(&format!("  {text}\n")).unwrap();
        assert_eq!(line.recipient, recipient);
        assert!(line.verifying_key.is_fido());
        assert_eq!(line.comment.as_deref(), Some("yubikey@example"));
        assert_eq!(line.to_string(), text);
        assert_eq!(MemberLine::parse(&line.to_string()).unwrap(), line);
        assert!(check_member_keys(&recipient, &line.verifying_key).is_ok());
        let new = MemberLine::new(&recipient, line.verifying_key.clone()).unwrap();
        assert_eq!(new.to_string(), format!("{recipient} {}", line.verifying_key));
        assert_eq!(MemberLine::parse(&new.to_string()).unwrap(), new);
        // A web-origin credential as companion: refused with the reason.
        let (_, web) = sk_pair(9, "https://example.com");
        let e = MemberLine::parse(&format!("{recipient} {}", web.to_openssh().unwrap())).unwrap_err();
        assert_eq!(e.kind, crate::error::Kind::Usage);
        assert!(e.to_string().contains("must start with ssh:"), "{e}");
    }

    #[test]
    fn sk_key_cannot_be_a_members_own_recipient() {
        let (_, public) = sk_pair(9, "ssh:");
        let vk = VerifyingKey::from_ssh_public(&public).unwrap();
        let why = check_member_keys(&vk.to_string(), &vk).unwrap_err();
        assert_eq!(why, SK_CANNOT_DECRYPT);
        let age_vk = SigningKey::from_age_identity(&age_identity()).verifying_key();
        assert_eq!(
            check_member_keys(&vk.to_string(), &age_vk).unwrap_err(),
            SK_CANNOT_DECRYPT
        );
        assert!(MemberLine::new(&vk.to_string(), vk.clone()).is_err());
        for input in [
            public.to_openssh().unwrap(),
            vk.to_string(),
            SK_ED25519.to_owned(),
        ] {
            let e = MemberLine::parse(&input).unwrap_err();
            assert_eq!(e.kind, crate::error::Kind::Usage, "{input}");
            let shown = e.to_string();
            assert!(
                shown.contains(
                    "a FIDO key can sign but not decrypt; use it as a plugin member's companion key"
                ),
                "{shown}"
            );
            assert!(shown.contains("age1NAME1…"), "{shown}");
            assert!(!shown.contains('\n'), "{shown}");
        }
        // Still only ed25519/RSA SSH keys as their own recipient.
        let ssh = MemberLine::parse(include_str!("../../tests/data/trust/ssh-ed25519.pub")).unwrap();
        assert!(check_member_keys(&ssh.recipient, &ssh.verifying_key).is_ok());
        assert!(check_member_keys(&ssh.recipient, &vk).is_err());
    }

    #[test]
    fn an_sk_key_file_cannot_sign_by_itself() {
        let (_, public) = sk_pair(11, "ssh:");
        let sk = public.key_data().sk_ed25519().unwrap().clone();
        let pair = ssh_key::private::SkEd25519::new(sk, 0x01, vec![1, 2, 3]).unwrap();
        let pem = PrivateKey::from(pair)
            .to_openssh(ssh_key::LineEnding::LF)
            .unwrap();
        let e = SigningKey::from_openssh(&pem, None).unwrap_err();
        assert_eq!(e.kind, crate::error::Kind::Identity);
        assert!(e.to_string().contains("FIDO key file cannot sign"), "{e}");
        assert!(e.hint_text().unwrap().contains("ssh-add"), "{e}");
    }
}
