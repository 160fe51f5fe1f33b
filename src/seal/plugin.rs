//! What an age plugin may ask of the person running vault: a PIN, a
//! confirmation (touch the key), a message. The plugin talks through these
//! callbacks, and they talk through vault's own channels: a PIN comes from
//! `VAULT_PASSPHRASE_FD`, `VAULT_PASSPHRASE_FILE` or the terminal like any
//! passphrase; everything the plugin says is shown escaped, on stderr, as
//! text from a program vault does not control.

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::sync::{Arc, Mutex};

use age::secrecy::{ExposeSecret, SecretString};

use crate::name;

/// The callbacks handed to `age-plugin-NAME`.
#[derive(Clone)]
pub(crate) struct Prompts {
    plugin: Arc<str>,
    /// Answers already given, by question: a command that opens several
    /// grants starts the plugin once per grant, and a PIN read from a
    /// descriptor can be read only once. Wiped on drop (SecretString).
    answers: Arc<Mutex<HashMap<String, SecretString>>>,
    /// Why a secret could not be asked for: reported as the command's
    /// error (one line) instead of the plugin's "no PIN entered".
    failure: Arc<Mutex<Option<crate::error::Error>>>,
}

impl Prompts {
    pub(crate) fn new(plugin: &str) -> Prompts {
        Prompts {
            plugin: plugin.into(),
            answers: Arc::default(),
            failure: Arc::default(),
        }
    }

    pub(crate) fn take_failure(&self) -> Option<crate::error::Error> {
        self.failure.lock().unwrap_or_else(|p| p.into_inner()).take()
    }

    fn say(&self, message: &str) {
        let _ = writeln!(
            std::io::stderr().lock(),
            "vault: age-plugin-{}: {}",
            name::terminal(&self.plugin),
            name::terminal(message)
        );
    }

    /// One line typed on the terminal (shown as typed), or `None` without one.
    fn read_tty_line(&self, question: &str) -> Option<String> {
        let tty = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/tty")
            .ok()?;
        let mut out = &tty;
        write!(out, "{}", name::terminal(question)).ok()?;
        out.flush().ok()?;
        let mut line = String::new();
        if std::io::BufReader::new(&tty).read_line(&mut line).ok()? == 0 {
            return None;
        }
        Some(line.trim_end_matches(['\n', '\r']).to_owned())
    }
}

impl age::Callbacks for Prompts {
    fn display_message(&self, message: &str) {
        self.say(message);
    }

    fn confirm(&self, message: &str, yes_string: &str, no_string: Option<&str>) -> Option<bool> {
        let choices = match no_string {
            Some(no) => format!("[{yes_string}/{no}]"),
            None => format!("[{yes_string}]"),
        };
        let answer = self.read_tty_line(&format!(
            "vault: age-plugin-{}: {message} {choices} ",
            self.plugin
        ))?;
        let answer = answer.trim();
        if answer.eq_ignore_ascii_case(yes_string) || (answer.is_empty() && no_string.is_none()) {
            Some(true)
        } else if no_string.is_some_and(|no| answer.eq_ignore_ascii_case(no)) {
            Some(false)
        } else {
            None
        }
    }

    fn request_public_string(&self, description: &str) -> Option<String> {
        self.read_tty_line(&format!("vault: age-plugin-{}: {description}: ", self.plugin))
    }

    fn request_passphrase(&self, description: &str) -> Option<SecretString> {
        let mut answers = self.answers.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(known) = answers.get(description) {
            return Some(SecretString::from(known.expose_secret().to_owned()));
        }
        let question = format!("age-plugin-{}: {}", self.plugin, name::terminal(description));
        match crate::passphrase::ask(&question) {
            Ok(secret) => {
                answers.insert(
                    description.to_owned(),
                    SecretString::from(secret.expose_secret().to_owned()),
                );
                Some(secret)
            }
            Err(e) => {
                *self.failure.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                None
            }
        }
    }
}
