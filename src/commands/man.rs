//! `vault man [SUBCOMMAND...]`: the man pages (roff), generated from the CLI
//! definition. `vault man` prints vault(1); `vault man member add` prints
//! vault-member-add(1). Every page is checked in under `man/` and kept fresh
//! by a test, so each page vault(1) refers to exists.
//!
//! clap_mangen renders the name, synopsis, options and subcommands; vault(1)
//! adds EXIT STATUS (from the one description on the error kinds,
//! [`crate::error::exit_statuses`]), ENVIRONMENT and FILES. The output is then
//! tidied so `mandoc -T lint` is clean: text lines wrapped at 80 bytes and no
//! trailing blanks (filled text renders the same either way).

use clap::CommandFactory;
use clap_mangen::Man;
use clap_mangen::roff::{Roff, bold, roman};

use crate::cli::{Cli, ManArgs};
use crate::error::{Error, Result, exit_statuses};
use crate::output::Stdout;

/// The date in every page's title line. A fixed date keeps the checked-in
/// pages reproducible; move it when the pages change for a release.
const DATE: &str = "2026-11-30";
const MANUAL: &str = "vault manual";

pub fn run(args: ManArgs) -> Result<()> {
    let root = root_command();
    let mut cmd = &root;
    for word in &args.command {
        cmd = cmd
            .get_subcommands()
            .find(|c| c.get_name() == word && !c.is_hide_set())
            .ok_or_else(|| {
                Error::usage(format!(
                    "no man page for `{} {word}`",
                    cmd.get_bin_name().unwrap_or("vault")
                ))
                .hint("see `vault --help` for the commands")
            })?;
    }
    let mut out = Stdout::new();
    out.write(render(cmd, std::ptr::eq(cmd, &root))?.as_bytes())?;
    out.flush()
}

#[cfg(test)] // the binary prints one page at a time; tests/it/docs.rs checks them all
/// Every page: vault.1 first, then one per subcommand (vault-put.1,
/// vault-member.1, vault-member-add.1, ...), as (file name, roff).
pub fn pages() -> Result<Vec<(String, String)>> {
    fn walk(cmd: &clap::Command, root: bool, out: &mut Vec<(String, String)>) -> Result<()> {
        out.push((format!("{}.1", display_name(cmd)), render(cmd, root)?));
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            walk(sub, false, out)?;
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(&root_command(), true, &mut out)?;
    Ok(out)
}

/// The command tree as the pages show it: built (so subcommands know their
/// full names and inherit the global options), without clap's `help`
/// subcommand, which has no page.
fn root_command() -> clap::Command {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    cmd
}

fn display_name(cmd: &clap::Command) -> &str {
    cmd.get_display_name().unwrap_or_else(|| cmd.get_name())
}

fn render(cmd: &clap::Command, root: bool) -> Result<String> {
    let man = Man::new(cmd.clone())
        .title(display_name(cmd).to_uppercase())
        .source(concat!("vault ", env!("CARGO_PKG_VERSION")))
        .date(DATE)
        .manual(MANUAL);
    let mut parts: Vec<Vec<u8>> = Vec::new();
    let mut part = |f: &dyn Fn(&mut Vec<u8>) -> std::io::Result<()>| -> Result<()> {
        let mut buf = Vec::new();
        f(&mut buf).map_err(|e| Error::internal(format!("cannot render the man page: {e}")))?;
        parts.push(buf);
        Ok(())
    };
    part(&|w| man.render_title(w))?;
    part(&|w| man.render_name_section(w))?;
    part(&|w| man.render_synopsis_section(w))?;
    part(&|w| man.render_description_section(w))?;
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        part(&|w| man.render_options_section(w))?;
    }
    if cmd.get_subcommands().any(|s| !s.is_hide_set()) {
        part(&|w| man.render_subcommands_section(w))?;
    }
    let extra = if root { root_sections() } else { sub_sections(cmd) };
    // No VERSION section: the footer names the version.
    part(&|w| extra.to_writer(w))?;

    // Each section comes with roff's apostrophe preamble; keep the first.
    let mut page = String::new();
    for (i, bytes) in parts.into_iter().enumerate() {
        let text = String::from_utf8(bytes).map_err(|_| Error::internal("the man page is not UTF-8"))?;
        let text = match i {
            0 => text.as_str(),
            _ => text.strip_prefix(PREAMBLE).unwrap_or(&text),
        };
        page.push_str(text);
    }
    Ok(tidy(&page))
}

/// What the roff crate writes before every document (defines `\*(Aq`).
const PREAMBLE: &str = ".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n";

/// A sentence whose `backticked` parts are commands or options: bold.
fn marked_up(text: &str) -> Vec<clap_mangen::roff::Inline> {
    text.split('`')
        .enumerate()
        .filter(|(_, part)| !part.is_empty())
        .map(|(i, part)| if i % 2 == 1 { bold(part) } else { roman(part) })
        .collect()
}

fn tagged(roff: &mut Roff, tag: &str, body: &str) {
    roff.control("TP", []);
    roff.text([bold(tag)]);
    roff.text(marked_up(body));
}

/// EXIT STATUS, ENVIRONMENT, FILES and SEE ALSO for vault(1).
fn root_sections() -> Roff {
    let mut roff = Roff::default();
    roff.control("SH", ["EXIT STATUS"]);
    roff.text(marked_up(
        "Exit codes are part of the interface. Every error is one line on standard error, \
         `vault: what went wrong; what to do`, and changes nothing.",
    ));
    for status in exit_statuses() {
        tagged(&mut roff, &status.code.to_string(), &status.sentence());
    }
    roff.control("PP", []);
    roff.text(marked_up(
        "`vault run` replaces itself with its command: once the command has started, \
         the exit status is the command's. A closed pipe (`vault ls | head -1`) is not an error.",
    ));

    roff.control("SH", ["ENVIRONMENT"]);
    for (name, text) in ENVIRONMENT {
        tagged(&mut roff, name, text);
    }

    roff.control("SH", ["FILES"]);
    for (name, text) in FILES {
        tagged(&mut roff, name, text);
    }
    roff.control("PP", []);
    roff.text(marked_up(
        "CONFIG_DIR is `$XDG_CONFIG_HOME` (default `~/.config`) and DATA_DIR is \
         `$XDG_DATA_HOME` (default `~/.local/share`).",
    ));

    roff.control("SH", ["SEE ALSO"]);
    roff.text(marked_up(
        "age(1), psql(1), sqlite3(1); the README for the security model, \
         rotation, teams and recovering a secret by hand.",
    ));
    roff
}

/// Every environment variable vault reads (a test checks that every
/// `VAULT_*` name in the source is here), with what it does.
const ENVIRONMENT: &[(&str, &str)] = &[
    (
        "VAULT_DATABASE_URL",
        "The database URL, as `--database-url` (the flag wins): \
         `postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?sslmode=...]` or `sqlite:///path/vault.db`.",
    ),
    (
        "VAULT_IDENTITY",
        "Your identity file, as `--identity` (the flag wins).",
    ),
    (
        "VAULT_SCHEMA",
        "The PostgreSQL schema vault's tables live in, as --schema (the flag wins; default vault).",
    ),
    (
        "VAULT_FINGERPRINT",
        "The vault's fingerprint (SHA256:..., as `vault whoami` prints it): the vault is trusted only \
         if its signed history starts there (exit code 6 otherwise), and no first-contact line is printed. \
         For CI runners and other clients with no saved pin.",
    ),
    (
        "VAULT_CONNECT_TIMEOUT",
        "Seconds to wait for a PostgreSQL server before giving up with exit code 7 (default 5).",
    ),
    (
        "VAULT_ROTATE_BATCH",
        "Rows `vault rotate` re-seals per transaction, 1 to 100000 (default 1000).",
    ),
    (
        "VAULT_KEEP_VERSIONS",
        "Versions kept per secret, the current one included, 1 to 1000000 (default 10, or keep_versions in config.toml); older ones are dropped on the next write.",
    ),
    (
        "VAULT_KEEP_REMOVED_DAYS",
        "Days a removed secret's history is kept for `vault restore`, 0 to 36500 (default 30, or keep_removed_days in config.toml); dropped on the next write after that.",
    ),
    (
        "VAULT_PASSPHRASE_FILE",
        "A private file (yours, mode 0600) whose first line is the passphrase of a \
         passphrase-protected identity.",
    ),
    (
        "VAULT_PASSPHRASE_FD",
        "A file descriptor to read that passphrase's first line from, \
         e.g. `VAULT_PASSPHRASE_FD=3 vault get db/password 3< /run/secrets/pass`.",
    ),
    (
        "VAULT_AGENT",
        "`off`: never use the vault agent (commands load the identity themselves); \
         default `on`: use it when it holds the very identity file the command would load.",
    ),
    (
        "VAULT_SIGNING_KEY",
        "An age plugin identity's companion signing key, as `signing_key` in config.toml: \
         an OpenSSH ed25519/RSA private key file, or a public key file (`.pub`) whose private \
         half ssh-agent holds (default CONFIG_DIR/vault/signing-key, made by `vault init`).",
    ),
    (
        "SSH_AUTH_SOCK",
        "ssh-agent's socket, used when the companion signing key is a public key.",
    ),
    (
        "XDG_RUNTIME_DIR",
        "Where the vault agent's socket lives (`$XDG_RUNTIME_DIR/vault/agent.sock`); \
         unset, DATA_DIR/vault/agent/ is used.",
    ),
    (
        "COMPLETE",
        "Set by the live-completion registration (`source <(COMPLETE=bash vault)`): \
         vault then prints completions for the shell and exits.",
    ),
    (
        "NO_COLOR",
        "Any value: no colour. vault uses colour only in help and usage errors, only on a terminal.",
    ),
    (
        "HOME, XDG_CONFIG_HOME, XDG_DATA_HOME",
        "Where CONFIG_DIR and DATA_DIR are (see FILES).",
    ),
];

const FILES: &[(&str, &str)] = &[
    (
        "CONFIG_DIR/vault/identity.txt",
        "Your identity (an age X25519 key, mode 0600), made by `vault init`; \
         `--identity` or `VAULT_IDENTITY` names another (an age or OpenSSH ed25519/RSA key).",
    ),
    (
        "CONFIG_DIR/vault/config.toml",
        "`database_url` and `identity`, recorded by `vault init` (mode 0600, directory 0700). \
         A file whose URL holds a password is refused while group or others can read it.",
    ),
    (
        "CONFIG_DIR/vault/signing-key",
        "An age plugin identity's companion signing key (OpenSSH ed25519, mode 0600), \
         made by `vault init` when the identity is a plugin's and no other is configured.",
    ),
    (
        "$XDG_RUNTIME_DIR/vault/agent.sock",
        "The vault agent's socket (mode 0600, directory 0700, both yours; anything else is refused), \
         or DATA_DIR/vault/agent/agent.sock when XDG_RUNTIME_DIR is unset.",
    ),
    (
        "DATA_DIR/vault/vault.db",
        "The embedded SQLite vault, used when no database URL is given or configured.",
    ),
];

/// EXIT STATUS and SEE ALSO for a subcommand's page.
fn sub_sections(cmd: &clap::Command) -> Roff {
    let mut roff = Roff::default();
    roff.control("SH", ["EXIT STATUS"]);
    roff.text(marked_up(
        "0 on success; otherwise the exit code of the failure's class, listed in vault(1).",
    ));
    roff.control("SH", ["SEE ALSO"]);
    let name = display_name(cmd);
    let parent = name.rsplit_once('-').map_or("vault", |(p, _)| p);
    let mut refs = vec![format!("{parent}(1)")];
    if parent != "vault" {
        refs.push("vault(1)".to_owned());
    }
    roff.text([roman(refs.join(", "))]);
    roff
}

/// Makes generated roff pass `mandoc -T lint`: text lines longer than 80
/// bytes are broken at spaces (roff fills them again, so the page renders
/// the same), blanks at line ends are dropped, and clap_mangen's
/// `.br`, empty line, `.br` (a gap before "Possible values") becomes `.sp`.
/// A tag line after `.TP` is kept whole: breaking it would move words into
/// the paragraph.
fn tidy(page: &str) -> String {
    const WIDTH: usize = 80;
    let lines: Vec<&str> = page.lines().map(str::trim_end).collect();
    let mut out = String::with_capacity(page.len() + page.len() / 16);
    let mut after_tp = false;
    for (i, &line) in lines.iter().enumerate() {
        let next_blank = lines.get(i + 1).is_some_and(|l| l.is_empty());
        let prev_blank = i > 0 && lines[i - 1].is_empty();
        if line == ".br" && (next_blank || prev_blank) {
            continue;
        }
        let control = line.starts_with('.') || line.starts_with('\'');
        if line.is_empty() {
            out.push_str(".sp\n");
        } else if control || after_tp || width(line) <= WIDTH {
            out.push_str(line);
            out.push('\n');
        } else {
            let mut current = String::new();
            for word in line.split(' ').filter(|w| !w.is_empty()) {
                if !current.is_empty() && width(&current) + 1 + width(word) > WIDTH {
                    push_text_line(&mut out, &current);
                    current.clear();
                }
                if !current.is_empty() {
                    current.push(' ');
                }
                current.push_str(word);
            }
            push_text_line(&mut out, &current);
        }
        after_tp = line == ".TP";
    }
    out
}

/// A line's length as mandoc counts it: it reads a non-ASCII character as
/// the escape `\[uXXXX]`, eight bytes.
fn width(text: &str) -> usize {
    text.chars().map(|c| if c.is_ascii() { 1 } else { 8 }).sum()
}

/// A text line that must not be read as a control line.
fn push_text_line(out: &mut String, line: &str) {
    if line.starts_with('.') || line.starts_with('\'') {
        out.push_str("\\&");
    }
    out.push_str(line);
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tidy_breaks_long_text_lines_only() {
        let long = "word ".repeat(30);
        let page = format!(".SH X\n{long}\n.TP\n{long}\n{}\n", "x".repeat(90));
        let out = tidy(&page);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], ".SH X");
        assert!(lines[1].len() <= 80 && lines[2].len() <= 80, "{out}");
        assert_eq!(lines[2].split(' ').count() + lines[1].split(' ').count(), 30);
        assert_eq!(lines[3], ".TP");
        assert_eq!(lines[4], long.trim_end(), "a tag line stays whole");
        assert_eq!(lines[5].len(), 90, "a single long word stays");
        assert!(out.lines().all(|l| l == l.trim_end()));
    }

    #[test]
    fn tidy_counts_non_ascii_as_mandoc_does_and_turns_gaps_into_sp() {
        let line = format!("{} \u{2026}\u{2026}", "a".repeat(66));
        assert_eq!(tidy(&line).lines().count(), 2, "66 + 1 + 16 > 80");
        assert_eq!(tidy("a\n.br\n\n.br\nb\n"), "a\n.sp\nb\n");
    }

    #[test]
    fn tidy_never_starts_a_text_line_with_a_control_character() {
        let line = format!("{} .hidden 'quote", "a".repeat(78));
        let out = tidy(&line);
        assert_eq!(out, format!("{}\n\\&.hidden 'quote\n", "a".repeat(78)));
    }

    #[test]
    fn every_page_is_named_after_its_command() {
        let pages = pages().unwrap();
        let names: Vec<&str> = pages.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names[0], "vault.1");
        for name in ["vault-put.1", "vault-member.1", "vault-member-add.1"] {
            assert!(names.contains(&name), "{names:?}");
        }
        assert!(!names.iter().any(|n| n.contains("help")), "{names:?}");
        for (name, page) in &pages {
            let title = name.trim_end_matches(".1").to_uppercase();
            assert!(page.contains(&format!(".TH {title} 1 {DATE}")), "{name}");
        }
    }
}
