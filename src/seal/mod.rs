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
//! `identity.rs` parses what a member opens grants with (personal identities)
//! and what grants are sealed to (member recipients); `envelope.rs` is the
//! format of vault keys, grants and sealed values.
//!
//! # The stored format (frozen: rows written by every release must open)
//!
//! Every ciphertext is age v1 with one X25519 (or, for a grant, the member's)
//! recipient, in age's ASCII armor (`-----BEGIN AGE ENCRYPTED FILE-----`).
//!
//! A **grant** of vault key `K` decrypts to an age identity file:
//! ```text
//! # vault key <K as a hyphenated lowercase uuid>
//! AGE-SECRET-KEY-1…
//! ```
//! (each line ends in `\n`). Opening checks the first line names `K` and that
//! the identity's public half is the recipient stored for `K`.
//!
//! A **sealed value** decrypts to, line by line (each line ends in `\n`):
//! ```text
//! vault-secret v1
//! id <row id, hyphenated lowercase uuid>
//! name <name, UTF-8>
//! key <vault key id, hyphenated lowercase uuid>
//! nonce <16 random bytes, standard base64 with padding>
//! mac <32 bytes, standard base64 with padding>
//! <empty line>
//! <value bytes, exactly>
//! ```
//! so `age -d -i vaultkey.txt | tail -n +8` recovers a value by hand.
//!
//! The **MAC** is HMAC-SHA256 keyed by a 32-byte key from HKDF-SHA256 with
//! salt `vault.secret-mac.v1`, input key material the vault key's identity
//! string (`AGE-SECRET-KEY-1…`, as age spells it) and info the 16 raw bytes
//! of the key id. It covers six fields in this order, each preceded by its
//! length as a big-endian u64: the magic `vault-secret v1`, the row id (16
//! raw bytes), the name (UTF-8), the key id (16 raw bytes), the nonce (16
//! bytes) and the value. The row stores the nonce too; opening refuses a
//! row whose id, name, key id or nonce differs from the header, or whose MAC
//! does not verify.
//!
//! **Version 2** (every value written since the signed log, see
//! [`crate::trust`]) binds the value to the vault and the key's epoch too,
//! and pads it: the plaintext is
//! ```text
//! vault-secret v2
//! id <row id>
//! name <name>
//! key <vault key id>
//! vault <vault id, hyphenated lowercase uuid>
//! epoch <the key's epoch in the log, decimal>
//! nonce <16 random bytes, base64>
//! mac <32 bytes, base64>
//! pad <dots>
//! <empty line>
//! <value bytes, exactly>
//! ```
//! where the `pad` line holds as many `.` as bring the whole plaintext to a
//! size bucket (512 bytes at least, then the next power of two up to 64 KiB,
//! then whole 64 KiB steps), so the row's length tells only the bucket. The
//! MAC (same key) covers eight fields: the magic `vault-secret v2`, row id,
//! name, key id, vault id (16 raw bytes), epoch (8 bytes, big-endian),
//! nonce and value; the padding is not covered but must be only dots. A v2
//! **grant** has a second comment line, `# vault <vault id> epoch <n>`,
//! which must name the vault and epoch the log gives the key. All versions
//! open; the value is always what follows the first empty line, so
//! `sed '1,/^$/d'` recovers any of them by hand.
//!
//! **Version 3** (every value written since versions, see
//! [`crate::history`]) adds, after `epoch`, four lines:
//! ```text
//! version <the version number, decimal>
//! salt <32 secret random bytes, base64: the salt of the value's digest>
//! statement <the author's signed statement, base64>
//! sig <the author's signature over it, base64>
//! ```
//! then `nonce`, `mac`, `pad` and the empty line as in v2. The MAC covers
//! twelve fields: the magic `vault-secret v3`, row id, name, key id, vault
//! id, epoch, version (8 bytes, big-endian), salt, statement, signature,
//! nonce and value. Re-sealing (rotation, `mv`) keeps version, salt,
//! statement and signature as they are.
//!
//! Known-answer vectors under `tests/data/envelope/` pin all of this: fixed
//! keys, a grant, sealed rows and tampered variants with the error each
//! must meet (see `vectors.rs`, whose ignored `generate` test wrote them).

mod envelope;
mod identity;
mod plugin;

#[cfg(test)]
mod cctv;
#[cfg(test)]
mod vectors;

use std::io::Write;
use std::iter;

use age::armor::{ArmoredReader, ArmoredWriter, Format};
use zeroize::Zeroizing;

use crate::error::{Error, Result};

pub use crate::model::{Sealed, SealedRow};
pub use envelope::{Binding, KeyScope, Need, NewKey, Opened, SALT_LEN, VaultKey, VersionHeader};
pub use identity::{
    AskPassphrase, Companion, IdentityKind, MemberRecipient, Personal, is_plugin_identity, needs_passphrase,
    parse_member_recipient, parse_recipient,
};

/// Encrypts `plain` to one recipient as armored age.
fn encrypt_armored(to: &dyn age::Recipient, plain: &[u8]) -> Result<String> {
    let fail = |e: &dyn std::fmt::Display| Error::internal(format!("sealing failed: {e}"));
    let encryptor = age::Encryptor::with_recipients(iter::once(to)).map_err(|e| match e {
        age::EncryptError::Plugin(_) | age::EncryptError::PluginResolve(_) => {
            Error::identity(format!("the age plugin could not seal: {e}"))
                .hint("check that the plugin is installed and on PATH")
        }
        e => fail(&e),
    })?;
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

/// Decrypts armored (or binary) age with one identity. The plaintext is
/// never longer than the ciphertext, so its buffer is sized once from the
/// ciphertext's length and no unwiped copy is left behind by growing it.
fn decrypt_armored(
    with: &dyn age::Identity,
    sealed: &[u8],
) -> std::result::Result<Zeroizing<Vec<u8>>, age::DecryptError> {
    let decryptor = age::Decryptor::new_buffered(ArmoredReader::new(sealed))?;
    let reader = decryptor.decrypt(iter::once(with))?;
    Ok(crate::secure_fs::read_secret(reader, sealed.len(), usize::MAX)?)
}
