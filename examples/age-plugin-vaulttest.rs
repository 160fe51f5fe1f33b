//! `age-plugin-vaulttest`: a software stand-in for a hardware key, for tests.
//!
//! It speaks the real age plugin protocol (through the `age-plugin` crate), so
//! vault's plugin support is exercised exactly as it would be with a YubiKey
//! plugin: the client finds this binary on `PATH`, runs its `recipient-v1` and
//! `identity-v1` state machines, and answers its PIN requests and messages.
//!
//! **Not a security device.** A real hardware key keeps its secret inside; this
//! stub carries the X25519 secret in the identity string itself, and its PIN is
//! only a policy it enforces on itself. That is fine for a test fixture and for
//! nothing else.
//!
//! ```text
//! age-plugin-vaulttest --generate [--pin PIN]   print a new identity file to stdout
//! age-plugin-vaulttest --age-plugin=recipient-v1 (started by an age client)
//! age-plugin-vaulttest --age-plugin=identity-v1  (started by an age client)
//! ```
//!
//! Formats (name `vaulttest`):
//! - recipient `age1vaulttest1…`: Bech32 of the 32-byte X25519 public key;
//! - identity `AGE-PLUGIN-VAULTTEST-1…`: Bech32 (upper case) of
//!   `0x01 ‖ secret[32] ‖ 0x00` (no PIN) or `0x01 ‖ secret[32] ‖ 0x01 ‖ SHA-256(PIN)[32]`;
//! - stanza `-> vaulttest <epk>` + body: byte for byte an age `X25519` stanza
//!   with another tag, so wrapping and unwrapping are age's own code.
//!
//! Behaviour tests rely on:
//! - a key with a PIN asks for it once per key per session, through the client's
//!   `request-secret` ("Enter PIN for vaulttest key age1vaulttest1…"); a wrong
//!   PIN, or no answer, is an identity error ("wrong PIN for vaulttest key …"),
//!   never a silent skip. The stub finds which key opens a stanza before asking
//!   (a real plugin would read a key tag from the stanza to the same effect), so
//!   a file sealed to another key neither prompts nor fails here.
//! - `VAULTTEST_TOUCH=1`: send the message "vaulttest: touch your key" before
//!   each unwrap (a key with a touch policy).
//! - `VAULTTEST_LOG=<file>`: append one line per event: `pin-asked`, `pin-ok`,
//!   `pin-wrong`, `pin-refused`, `unwrap <files opened>` (once per session),
//!   `wrap <stanzas made>` (once per session).

use std::collections::{HashMap, HashSet};
use std::io::{self, Write};
use std::process::ExitCode;

use age::secrecy::ExposeSecret;
use age::{Identity as _, Recipient as _};
use age_core::format::{FileKey, Stanza};
use age_core::primitives::{bech32_decode, bech32_encode};
use age_plugin::identity::{self, IdentityPluginV1};
use age_plugin::recipient::{self, RecipientPluginV1};
use age_plugin::{Callbacks, PluginHandler};
use rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

const PLUGIN_NAME: &str = "vaulttest";
const STANZA_TAG: &str = "vaulttest";
const X25519_TAG: &str = "X25519";
const RECIPIENT_HRP: &str = "age1vaulttest";
const IDENTITY_HRP: &str = "age-plugin-vaulttest-";

const FORMAT_VERSION: u8 = 1;
const POLICY_NONE: u8 = 0;
const POLICY_PIN: u8 = 1;

const USAGE: &str = "usage: age-plugin-vaulttest --generate [--pin PIN]
       age-plugin-vaulttest --age-plugin=recipient-v1|identity-v1";

/// One stub key: its X25519 secret and PIN policy. No `Debug`: it holds a secret.
struct Key {
    secret: Zeroizing<[u8; 32]>,
    pin_sha256: Option<[u8; 32]>,
    x25519: age::x25519::Identity,
}

impl Key {
    fn new(secret: Zeroizing<[u8; 32]>, pin_sha256: Option<[u8; 32]>) -> Key {
        // age builds X25519 identities only from their string form.
        let lower = Zeroizing::new(bech32_encode(hrp("age-secret-key-"), &secret[..]));
        let encoded = Zeroizing::new(lower.to_uppercase());
        let x25519 = encoded.parse().expect("32 bytes are an X25519 secret");
        Key {
            secret,
            pin_sha256,
            x25519,
        }
    }

    fn generate(pin: Option<&str>) -> Key {
        let mut secret = Zeroizing::new([0u8; 32]);
        OsRng.fill_bytes(&mut secret[..]);
        Key::new(secret, pin.map(pin_hash))
    }

    /// Parses the identity bytes (the Bech32 payload) described in the module doc.
    fn from_bytes(bytes: &[u8]) -> Result<Key, &'static str> {
        let (&version, rest) = bytes.split_first().ok_or("empty")?;
        if version != FORMAT_VERSION {
            return Err("unknown format version");
        }
        if rest.len() < 33 {
            return Err("too short");
        }
        let (secret_bytes, policy) = rest.split_at(32);
        let mut secret = Zeroizing::new([0u8; 32]);
        secret.copy_from_slice(secret_bytes);
        let pin_sha256 = match policy {
            [POLICY_NONE] => None,
            [POLICY_PIN, hash @ ..] => Some(<[u8; 32]>::try_from(hash).map_err(|_| "bad PIN hash length")?),
            _ => return Err("unknown PIN policy"),
        };
        Ok(Key::new(secret, pin_sha256))
    }

    fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let mut bytes = Zeroizing::new(Vec::with_capacity(66));
        bytes.push(FORMAT_VERSION);
        bytes.extend_from_slice(&self.secret[..]);
        match &self.pin_sha256 {
            None => bytes.push(POLICY_NONE),
            Some(hash) => {
                bytes.push(POLICY_PIN);
                bytes.extend_from_slice(hash);
            }
        }
        bytes
    }

    fn identity_string(&self) -> Zeroizing<String> {
        let mut lower = bech32_encode(hrp(IDENTITY_HRP), &self.to_bytes());
        let upper = Zeroizing::new(lower.to_uppercase());
        lower.zeroize();
        upper
    }

    fn recipient(&self) -> age::x25519::Recipient {
        self.x25519.to_public()
    }

    /// `age1vaulttest1…`: the same public key as the X25519 recipient `age1…`.
    fn recipient_string(&self) -> String {
        let public: Vec<u8> = bech32_decode(
            &self.recipient().to_string(),
            |_| (),
            |_| Ok(()),
            |_, bytes| Ok(bytes.collect()),
        )
        .expect("age prints valid Bech32");
        bech32_encode(hrp(RECIPIENT_HRP), &public)
    }
}

fn hrp(s: &str) -> bech32::Hrp {
    bech32::Hrp::parse(s).expect("constant HRP is valid")
}

fn pin_hash(pin: &str) -> [u8; 32] {
    Sha256::digest(pin.as_bytes()).into()
}

/// Appends one event line to `$VAULTTEST_LOG`, if set. A failure is reported on
/// stderr (the client shows it) rather than ignored: tests count these lines.
fn log(event: &str) {
    let Some(path) = std::env::var_os("VAULTTEST_LOG") else {
        return;
    };
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut f| f.write_all(format!("{event}\n").as_bytes()));
    if let Err(e) = written {
        eprintln!(
            "age-plugin-vaulttest: cannot write VAULTTEST_LOG {}: {e}",
            path.to_string_lossy()
        );
    }
}

struct Handler;

impl PluginHandler for Handler {
    type RecipientV1 = RecipientPlugin;
    type IdentityV1 = IdentityPlugin;

    fn recipient_v1(self) -> io::Result<RecipientPlugin> {
        Ok(RecipientPlugin {
            recipients: Vec::new(),
        })
    }

    fn identity_v1(self) -> io::Result<IdentityPlugin> {
        Ok(IdentityPlugin {
            keys: Vec::new(),
            pins: Vec::new(),
        })
    }
}

/// Wrapping: every added recipient or identity becomes an X25519 public key.
struct RecipientPlugin {
    recipients: Vec<age::x25519::Recipient>,
}

impl RecipientPluginV1 for RecipientPlugin {
    fn add_recipient(
        &mut self,
        index: usize,
        plugin_name: &str,
        bytes: &[u8],
    ) -> Result<(), recipient::Error> {
        let parsed = match (plugin_name, <[u8; 32]>::try_from(bytes)) {
            (PLUGIN_NAME, Ok(public)) => bech32_encode(hrp("age"), &public).parse().ok(),
            _ => None,
        };
        let Some(recipient) = parsed else {
            return Err(recipient::Error::Recipient {
                index,
                message: format!("not a {PLUGIN_NAME} recipient (expected 32 bytes under {RECIPIENT_HRP}1)"),
            });
        };
        self.recipients.push(recipient);
        Ok(())
    }

    fn add_identity(
        &mut self,
        index: usize,
        plugin_name: &str,
        bytes: &[u8],
    ) -> Result<(), recipient::Error> {
        match parse_identity(plugin_name, bytes) {
            Ok(key) => {
                self.recipients.push(key.recipient());
                Ok(())
            }
            Err(message) => Err(recipient::Error::Identity { index, message }),
        }
    }

    fn labels(&mut self) -> HashSet<String> {
        HashSet::new()
    }

    fn wrap_file_keys(
        &mut self,
        file_keys: Vec<FileKey>,
        _callbacks: impl Callbacks<recipient::Error>,
    ) -> io::Result<Result<Vec<Vec<Stanza>>, Vec<recipient::Error>>> {
        let mut made = 0;
        let mut files = Vec::with_capacity(file_keys.len());
        for file_key in &file_keys {
            let mut stanzas = Vec::with_capacity(self.recipients.len());
            for recipient in &self.recipients {
                let wrapped = match recipient.wrap_file_key(file_key) {
                    Ok((wrapped, _labels)) => wrapped,
                    Err(e) => {
                        return Ok(Err(vec![recipient::Error::Internal {
                            message: e.to_string(),
                        }]));
                    }
                };
                stanzas.extend(wrapped.into_iter().map(|s| Stanza {
                    tag: STANZA_TAG.to_owned(),
                    ..s
                }));
            }
            made += stanzas.len();
            files.push(stanzas);
        }
        log(&format!("wrap {made}"));
        Ok(Ok(files))
    }
}

fn parse_identity(plugin_name: &str, bytes: &[u8]) -> Result<Key, String> {
    if plugin_name != PLUGIN_NAME {
        return Err(format!(
            "not a {PLUGIN_NAME} identity (plugin name {plugin_name:?})"
        ));
    }
    Key::from_bytes(bytes).map_err(|why| format!("invalid {PLUGIN_NAME} identity: {why}"))
}

/// What this session knows about one key's PIN: asked at most once.
#[derive(Clone)]
enum Pin {
    NotAsked,
    Accepted,
    Rejected(String),
}

/// Unwrapping: the added identities, and the PIN state of each.
struct IdentityPlugin {
    keys: Vec<Key>,
    pins: Vec<Pin>,
}

impl IdentityPlugin {
    /// Enforces key `index`'s PIN policy, asking the client for the PIN the first time.
    fn unlock(
        &mut self,
        index: usize,
        callbacks: &mut impl Callbacks<identity::Error>,
    ) -> io::Result<Result<(), identity::Error>> {
        let Some(expected) = self.keys[index].pin_sha256 else {
            return Ok(Ok(()));
        };
        if let Pin::NotAsked = self.pins[index] {
            let name = self.keys[index].recipient_string();
            log("pin-asked");
            // The outer io::Error is a broken connection: give up on the session.
            self.pins[index] =
                match callbacks.request_secret(&format!("Enter PIN for vaulttest key {name}"))? {
                    Ok(pin) if pin_hash(pin.expose_secret()) == expected => {
                        log("pin-ok");
                        Pin::Accepted
                    }
                    Ok(_) => {
                        log("pin-wrong");
                        Pin::Rejected(format!("wrong PIN for vaulttest key {name}"))
                    }
                    // `fail`: the user refused, or the client has no terminal to ask on.
                    Err(age_core::plugin::Error::Fail) => {
                        log("pin-refused");
                        Pin::Rejected(format!("no PIN entered for vaulttest key {name}"))
                    }
                    Err(age_core::plugin::Error::Unsupported) => {
                        log("pin-refused");
                        Pin::Rejected(format!(
                            "the client cannot ask for the PIN of vaulttest key {name}"
                        ))
                    }
                };
        }
        Ok(match &self.pins[index] {
            Pin::Rejected(message) => Err(identity::Error::Identity {
                index,
                message: message.clone(),
            }),
            Pin::Accepted | Pin::NotAsked => Ok(()),
        })
    }
}

impl IdentityPluginV1 for IdentityPlugin {
    fn add_identity(&mut self, index: usize, plugin_name: &str, bytes: &[u8]) -> Result<(), identity::Error> {
        // Keep `keys[i]` at the client's index i: errors name identities by it.
        let key = parse_identity(plugin_name, bytes)
            .map_err(|message| identity::Error::Identity { index, message })?;
        assert_eq!(index, self.keys.len(), "age-plugin adds identities in order");
        self.keys.push(key);
        self.pins.push(Pin::NotAsked);
        Ok(())
    }

    fn unwrap_file_keys(
        &mut self,
        files: Vec<Vec<Stanza>>,
        mut callbacks: impl Callbacks<identity::Error>,
    ) -> io::Result<HashMap<usize, Result<FileKey, Vec<identity::Error>>>> {
        let touch = std::env::var_os("VAULTTEST_TOUCH").is_some_and(|v| v == "1");
        let mut results = HashMap::new();
        'files: for (file_index, stanzas) in files.into_iter().enumerate() {
            let mut errors = Vec::new();
            for (stanza_index, stanza) in stanzas.into_iter().enumerate() {
                if stanza.tag != STANZA_TAG {
                    continue; // not ours: age clients hand every stanza to every plugin
                }
                let x25519 = Stanza {
                    tag: X25519_TAG.to_owned(),
                    ..stanza
                };
                for index in 0..self.keys.len() {
                    let file_key = match self.keys[index].x25519.unwrap_stanza(&x25519) {
                        None => continue, // another key's stanza
                        Some(Err(_)) => {
                            errors.push(identity::Error::Stanza {
                                file_index,
                                stanza_index,
                                message: "malformed vaulttest stanza".to_owned(),
                            });
                            break; // the shape is wrong for every key alike
                        }
                        Some(Ok(file_key)) => file_key,
                    };
                    if let Err(e) = self.unlock(index, &mut callbacks)? {
                        errors.push(e);
                        continue;
                    }
                    if touch {
                        // A client that cannot show messages answers `unsupported`: carry on.
                        let _ = callbacks.message("vaulttest: touch your key")?;
                    }
                    results.insert(file_index, Ok(file_key));
                    continue 'files;
                }
            }
            if !errors.is_empty() {
                results.insert(file_index, Err(errors));
            }
        }
        log(&format!(
            "unwrap {}",
            results.values().filter(|r| r.is_ok()).count()
        ));
        Ok(results)
    }
}

enum Mode {
    StateMachine(String),
    Generate(Option<String>),
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Mode, String> {
    let mut state_machine = None;
    let mut generate = false;
    let mut pin = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--generate" => generate = true,
            "--pin" => pin = Some(args.next().ok_or("--pin needs a value")?),
            "--age-plugin" => state_machine = Some(args.next().ok_or("--age-plugin needs a value")?),
            _ => {
                if let Some(v) = arg.strip_prefix("--pin=") {
                    pin = Some(v.to_owned());
                } else if let Some(v) = arg.strip_prefix("--age-plugin=") {
                    state_machine = Some(v.to_owned());
                } else {
                    return Err(format!("unexpected argument {arg:?}"));
                }
            }
        }
    }
    match (state_machine, generate) {
        (Some(machine), false) if pin.is_none() => Ok(Mode::StateMachine(machine)),
        (None, true) if pin.as_deref() == Some("") => Err("the PIN must not be empty".to_owned()),
        (None, true) => Ok(Mode::Generate(pin)),
        _ => Err("give exactly one of --generate and --age-plugin".to_owned()),
    }
}

fn main() -> ExitCode {
    let mode = match parse_args(std::env::args().skip(1)) {
        Ok(mode) => mode,
        Err(e) => {
            eprintln!("age-plugin-vaulttest: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match mode {
        Mode::StateMachine(machine) => match age_plugin::run_state_machine(&machine, Handler) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("age-plugin-vaulttest: {machine}: {e}");
                ExitCode::FAILURE
            }
        },
        Mode::Generate(pin) => {
            let key = Key::generate(pin.as_deref());
            let created = chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            println!("# created: {created}");
            println!("# public key: {}", key.recipient_string());
            println!("{}", key.identity_string().as_str());
            ExitCode::SUCCESS
        }
    }
}
