//! Secrets as environment variables: the name mapping, the variables that
//! are refused unless named, shell and fish quoting, and JSON strings.
//! dotenv files are [`crate::dotenv`].
//!
//! Guarantees:
//! - [`shell_quote`] output is one single-quoted word that any POSIX shell
//!   reads back as exactly the input bytes (quotes, `$`, backticks, newlines).
//! - [`fish_quote`] output is one word fish reads back exactly.

use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::name;
use crate::vault::Value;

/// The variable a secret name becomes: ASCII upper case, every character
/// outside `[A-Z0-9_]` replaced by `_`, and a `_` in front if it would start
/// with a digit (shells refuse such names). `db/password` → `DB_PASSWORD`.
pub fn var_name(secret: &str) -> String {
    let mut out = String::with_capacity(secret.len() + 1);
    for c in secret.chars() {
        let u = c.to_ascii_uppercase();
        out.push(if u.is_ascii_uppercase() || u.is_ascii_digit() || u == '_' {
            u
        } else {
            '_'
        });
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

/// Pairs each secret with its variable name, refusing two secrets that
/// would become the same variable (the error names both).
pub fn variables(secrets: Vec<(String, Value)>) -> Result<Vec<(String, String, Value)>> {
    let mut out: Vec<(String, String, Value)> =
        secrets.into_iter().map(|(n, v)| (var_name(&n), n, v)).collect();
    out.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    for pair in out.windows(2) {
        if pair[0].0 == pair[1].0 {
            return Err(Error::conflict(format!(
                "secrets {} and {} both become the variable {}",
                name::escape(&pair[0].1),
                name::escape(&pair[1].1),
                pair[0].0
            ))
            .hint("select one of them (by name or prefix), or rename one"));
        }
    }
    Ok(out)
}

/// Variables that decide what a program runs, loads or sources rather than
/// what it reads as data: a secret becoming one of these turns whoever can
/// write that secret into whoever runs code in the caller's shell or
/// command (`BASH_ENV='$(cmd)'` runs `cmd` before any bash script).
const DANGEROUS: &[&str] = &[
    // shells
    "BASH_ENV",
    "ENV",
    "SHELLOPTS",
    "BASHOPTS",
    "PS0",
    "PS1",
    "PS2",
    "PS3",
    "PS4",
    "PROMPT_COMMAND",
    "IFS",
    "PATH",
    "CDPATH",
    "GLOBIGNORE",
    "HOME",
    "SHELL",
    "BASH_XTRACEFD",
    "HISTFILE",
    "INPUTRC",
    "ZDOTDIR",
    "FPATH",
    // the C library and the dynamic loader (LD_* and DYLD_* below)
    "GCONV_PATH",
    "LOCPATH",
    "NLSPATH",
    "HOSTALIASES",
    "RESOLV_HOST_CONF",
    "TMPDIR",
    // language runtimes
    "NODE_OPTIONS",
    "NODE_PATH",
    "PYTHONSTARTUP",
    "PYTHONPATH",
    "PYTHONHOME",
    "PYTHONINSPECT",
    "PYTHONUSERBASE",
    "PYTHONBREAKPOINT",
    "PERL5OPT",
    "PERL5LIB",
    "PERLLIB",
    "PERL5DB",
    "RUBYOPT",
    "RUBYLIB",
    "JAVA_TOOL_OPTIONS",
    "_JAVA_OPTIONS",
    "JDK_JAVA_OPTIONS",
    "CLASSPATH",
    // programs that run other programs
    "EDITOR",
    "VISUAL",
    "PAGER",
    "MANPAGER",
    "LESSOPEN",
    "LESSCLOSE",
    "BROWSER",
    "SSH_ASKPASS",
    "SUDO_ASKPASS",
    "GIT_SSH",
    "GIT_SSH_COMMAND",
    "GIT_ASKPASS",
    "GIT_EDITOR",
    "GIT_SEQUENCE_EDITOR",
    "GIT_PAGER",
    "GIT_EXTERNAL_DIFF",
    "GIT_EXEC_PATH",
    "GIT_PROXY_COMMAND",
    "GIT_TEMPLATE_DIR",
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_CONFIG",
    "GIT_CONFIG_GLOBAL",
    "GIT_CONFIG_SYSTEM",
    "GIT_CONFIG_COUNT",
    "GIT_CONFIG_PARAMETERS",
    // vault's own settings, and the completion switch
    "VAULT_DATABASE_URL",
    "VAULT_IDENTITY",
    "VAULT_PASSPHRASE_FILE",
    "VAULT_PASSPHRASE_FD",
    "VAULT_SCHEMA",
    "VAULT_FINGERPRINT",
    "COMPLETE",
];

/// Prefixes of whole families of such variables.
const DANGEROUS_PREFIXES: &[&str] = &[
    "LD_",
    "DYLD_",
    "BASH_FUNC_",
    "GIT_CONFIG_KEY_",
    "GIT_CONFIG_VALUE_",
];

/// Whether `var` is one of the variables [`check_dangerous`] refuses (see
/// the README's list).
pub fn is_dangerous(var: &str) -> bool {
    DANGEROUS.contains(&var) || DANGEROUS_PREFIXES.iter().any(|p| var.starts_with(p))
}

/// Refuses a selected secret that would set a dangerous variable
/// ([`is_dangerous`]) unless the user named that very secret (`explicit`):
/// a prefix or "everything" is not consent to run code. Exit 4 (conflict),
/// naming the secret and the variable.
pub fn check_dangerous(vars: &[(String, String, Value)], explicit: &[String], how: &str) -> Result<()> {
    for (var, secret, _) in vars {
        if is_dangerous(var) && !explicit.iter().any(|n| n == secret) {
            return Err(Error::conflict(format!(
                "secret {} would set {var}, a variable that decides what programs run or load; nothing was set",
                name::escape(secret)
            ))
            .hint(format!(
                "name that secret explicitly ({how} {}) if you mean it, or rename it",
                name::display(secret)
            )));
        }
    }
    Ok(())
}

/// A value as environment text: no NUL (the kernel cannot pass one) and,
/// for text formats, valid UTF-8.
pub fn text_value<'a>(secret: &str, value: &'a [u8]) -> Result<&'a str> {
    check_no_nul(secret, value)?;
    std::str::from_utf8(value).map_err(|_| {
        Error::usage(format!(
            "secret {} is not UTF-8 text, so it cannot be printed in this format",
            name::escape(secret)
        ))
        .hint(
            "read it with `vault get` (or `vault get --json` for base64), or leave it out by name or prefix",
        )
    })
}

/// Refuses a value holding a NUL byte, which no environment variable can carry.
pub fn check_no_nul(secret: &str, value: &[u8]) -> Result<()> {
    if value.contains(&0) {
        return Err(Error::usage(format!(
            "secret {} holds a NUL byte, which an environment variable cannot carry",
            name::escape(secret)
        ))
        .hint("read it with `vault get`, or leave it out by name or prefix"));
    }
    Ok(())
}

/// `'…'` with each `'` written as `'\''`: nothing inside single quotes is
/// special to a POSIX shell, including newlines.
pub fn shell_quote(value: &str) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(value.len() + value.len() / 8 + 2));
    out.push('\'');
    for c in value.chars() {
        if c == '\'' {
            out.push_str("'\\''");
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    out
}

/// `'…'` for fish: inside single quotes fish knows exactly two escapes,
/// `\\` and `\'`; everything else, newlines included, is literal.
pub fn fish_quote(value: &str) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(value.len() * 2 + 2));
    out.push('\'');
    for c in value.chars() {
        if c == '\'' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// A JSON string literal, built in a zeroizing buffer sized for the worst
/// case (six bytes per byte of input), so it never reallocates. Besides
/// what JSON requires, every [`name::is_unsafe`] character (C1 controls,
/// bidi and other formatting characters, U+2028/U+2029) is written as a
/// `\uXXXX` escape: the same string, and nothing that can drive a terminal.
pub fn json_string(value: &str) -> Zeroizing<Vec<u8>> {
    use std::io::Write;
    let mut out = Zeroizing::new(Vec::with_capacity(value.len() * 6 + 2));
    out.push(b'"');
    for c in value.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\r' => out.extend_from_slice(b"\\r"),
            '\t' => out.extend_from_slice(b"\\t"),
            c if name::is_unsafe(c) => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    // Writing to a Vec cannot fail.
                    let _ = write!(out, "\\u{u:04x}");
                }
            }
            c => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    out.push(b'"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_names_to_variables() {
        assert_eq!(var_name("db/password"), "DB_PASSWORD");
        assert_eq!(var_name("api-key.v2"), "API_KEY_V2");
        assert_eq!(var_name("café"), "CAF_");
        assert_eq!(var_name("1password"), "_1PASSWORD");
        assert_eq!(var_name("Already_OK"), "ALREADY_OK");
    }

    #[test]
    fn collisions_name_both() {
        let v = |s: &str| (s.to_owned(), Zeroizing::new(b"x".to_vec()));
        let e = variables(vec![v("db/password"), v("a"), v("db-password")]).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("\"db-password\"") && msg.contains("\"db/password\""),
            "{msg}"
        );
        assert!(msg.contains("DB_PASSWORD"));
        assert!(variables(vec![v("a"), v("b")]).is_ok());
    }

    #[test]
    fn shell_quote_is_single_quoted() {
        assert_eq!(*shell_quote("it's $x"), "'it'\\''s $x'");
        assert_eq!(*shell_quote(""), "''");
    }
}
