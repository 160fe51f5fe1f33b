//! Live shell completion: `source <(COMPLETE=bash vault)` and its zsh, fish,
//! elvish and powershell siblings.
//!
//! The shell calls `vault` on every TAB; [`complete_env`] answers before any
//! runtime exists, completing subcommands and options from the CLI
//! definition and secret names ([`secret_names`]) from the vault the
//! environment selects.
//!
//! Guarantees:
//! - Completion never prompts, never prints (not even an error), never
//!   creates a file (SQLite is opened read-only), needs no identity (names
//!   are not secret) and gives up after [`COMPLETE_TIMEOUT`].
//! - A name is offered only if it can be typed back: names holding control
//!   or formatting characters (written into the table by other means) are
//!   left out.
//! - What the shell inserts is the name as one literal word. clap_complete's
//!   own bash registration fills `COMPREPLY` unquoted (so `a;b` runs `b` and
//!   `star*` globs) and breaks names at `:` and `=`; [`Bash`] replaces it.
//!   The zsh and fish registrations quote correctly and are clap's.

use std::ffi::{OsStr, OsString};
use std::time::Duration;

use clap::CommandFactory;
use clap_complete::ArgValueCompleter;
use clap_complete::CompletionCandidate;
use clap_complete::env::{EnvCompleter, Shells};

use crate::cli::Cli;
use crate::config::{ConfigFile, DbUrl, Paths};
use crate::error::Result;
use crate::name;
use crate::store;
use crate::vault::Index;

/// The longest a completion may wait for the database, in total.
pub const COMPLETE_TIMEOUT: Duration = Duration::from_millis(1500);

/// The command-line definition with the secret-name completer attached to
/// every argument that takes a name or a prefix. Attached here rather than
/// in [`crate::cli`], so the CLI definition imports nothing of the project.
fn command() -> clap::Command {
    fn names(a: clap::Arg) -> clap::Arg {
        a.add(ArgValueCompleter::new(secret_names))
    }
    // Built first: the subcommands' arguments are deferred (src/cli.rs)
    // and exist only once built.
    let mut cli = Cli::command();
    cli.build();
    cli.mut_subcommand("put", |c| c.mut_arg("name", names))
        .mut_subcommand("get", |c| c.mut_arg("name", names))
        .mut_subcommand("ls", |c| c.mut_arg("prefix", names))
        .mut_subcommand("rm", |c| c.mut_arg("names", names))
        .mut_subcommand("history", |c| c.mut_arg("name", names))
        .mut_subcommand("restore", |c| c.mut_arg("name", names))
        .mut_subcommand("mv", |c| c.mut_arg("from", names))
        .mut_subcommand("cp", |c| c.mut_arg("from", names))
        .mut_subcommand("log", |c| c.mut_arg("name", names))
        .mut_subcommand("env", |c| c.mut_arg("select", names))
        .mut_subcommand("run", |c| c.mut_arg("only", names).mut_arg("prefix", names))
        .mut_subcommand("export", |c| c.mut_arg("prefix", names))
}

/// Answers a dynamic completion request (`COMPLETE=bash vault …`) and
/// exits; otherwise returns at once. Runs before any runtime exists: the
/// name completer builds its own (a runtime inside a runtime panics).
pub fn complete_env() {
    const SHELLS: Shells<'static> = Shells(&[
        &Bash,
        &clap_complete::env::Elvish,
        &clap_complete::env::Fish,
        &clap_complete::env::Powershell,
        &clap_complete::env::Zsh,
    ]);
    let mut env = clap_complete::CompleteEnv::with_factory(command)
        .bin("vault")
        .shells(SHELLS);
    // The registration calls this very binary by its absolute path, not
    // `vault` by name: a shell function or alias named `vault` (a wrapper)
    // must not be run on every TAB.
    if std::env::var_os("COMPLETE").is_some()
        && let Some(exe) = std::env::current_exe()
            .ok()
            .and_then(|p| p.to_str().map(str::to_owned))
    {
        env = env.completer(exe);
    }
    env.complete();
}

/// Completes a secret name (or prefix) from the vault configured by the
/// environment (the `--database-url` flag is not visible to a completer).
pub fn secret_names(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(prefix) = current.to_str() else {
        return Vec::new();
    };
    // A panic must not print into the user's shell.
    std::panic::set_hook(Box::new(|_| {}));
    let names = std::panic::catch_unwind(|| {
        let url = database_url()?;
        names_within(&url, prefix)
    })
    .ok()
    .flatten()
    .unwrap_or_default();
    names
        .into_iter()
        .filter(|n| !n.chars().any(name::is_unsafe))
        .map(CompletionCandidate::new)
        .collect()
}

/// The vault a command would use, resolved by the same function as
/// [`crate::Context::database_url`], but with `VAULT_DATABASE_URL` as the
/// only given value (a completer cannot see a `--database-url` typed on the
/// same line). `None` when any of it is unusable.
fn database_url() -> Option<(DbUrl, String)> {
    let given = std::env::var("VAULT_DATABASE_URL").ok();
    let schema = std::env::var("VAULT_SCHEMA").ok();
    let paths = Paths::from_env().ok()?;
    let config = ConfigFile::load(&paths.config_file()).ok()?;
    let (url, _) = crate::config::resolve_database_url(given.as_deref(), &config, &paths).ok()?;
    let schema = crate::config::resolve_schema(schema.as_deref(), &config).ok()?;
    Some((url, schema))
}

/// Runs [`fetch_names`] on a fresh current-thread runtime, within the timeout.
fn names_within((url, schema): &(DbUrl, String), prefix: &str) -> Option<Vec<String>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .ok()?;
    let prefix = Some(prefix).filter(|p| !p.is_empty());
    runtime.block_on(async {
        tokio::time::timeout(COMPLETE_TIMEOUT, fetch_names(url, schema, prefix))
            .await
            .ok()?
            .ok()
    })
}

/// At most this many candidates per TAB: about a screenful.
const SCREENFUL: usize = 100;

/// The only part that touches the store: the next level of names under
/// `prefix` (`db/`, `app/`, `top`), read-only, at most a screenful: a read
/// of the prefix's first names, then, for a wide prefix only, a walk that
/// seeks the name index once per level (see `Store::levels`), so a TAB
/// costs the same in a vault of a hundred names or a million, and a prefix
/// with a million names under it costs about what a narrow one does.
async fn fetch_names(url: &DbUrl, schema: &str, prefix: Option<&str>) -> Result<Vec<String>> {
    let opts = store::OpenOptions {
        create: false,
        read_only: true,
        timeout: COMPLETE_TIMEOUT,
        schema: schema.to_owned(),
    };
    let mut index = Index::new(store::open(url, opts).await?, None);
    index.levels(prefix.unwrap_or_default(), SCREENFUL).await
}

/// bash, registered by vault itself; the protocol to the binary
/// (`_CLAP_COMPLETE_INDEX`, `_CLAP_IFS`, arguments after `--`) is
/// clap_complete's, so answering is delegated to it.
///
/// The registration (shellcheck-clean) differs from clap's in what reaches
/// the command line:
/// - words are taken from bash-completion's `_get_comp_words_by_ref -n =:`
///   when it is loaded, so `a:b` and `x=y` are one word, and the part
///   before the last `:`/`=` is cut from each candidate, as readline
///   replaces only what follows it;
/// - candidates are read line by line with `mapfile` (no word splitting,
///   no globbing) and each is quoted with `printf %q` unless the word
///   being completed is already inside quotes;
/// - when vault offers nothing (`vault run -- ./dep<TAB>`), bash's own
///   file and command completion takes over (`-o bashdefault -o default`),
///   which readline quotes itself.
#[derive(Clone, Copy, Debug)]
pub struct Bash;

const BASH_REGISTRATION: &str = r#"# vault's bash completion (`source <(COMPLETE=bash vault)`); shellcheck-clean.
_clap_complete_vault() {
    local cur words cword
    if declare -F _get_comp_words_by_ref >/dev/null 2>&1; then
        # bash-completion: ':' and '=' do not split a word
        _get_comp_words_by_ref -n =: cur words cword
    else
        cur=${COMP_WORDS[COMP_CWORD]}
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
    fi
    local query=$cur quoted=""
    case $query in
    \'* | \"*)
        quoted=${query:0:1}
        query=${query:1}
        ;;
    esac
    words[cword]=$query
    local -a candidates
    mapfile -t candidates < <(
        _CLAP_IFS=$'\n' _CLAP_COMPLETE_INDEX=$cword _CLAP_COMPLETE_COMP_TYPE=${COMP_TYPE-9} \
            VAR=bash COMPLETER -- "${words[@]}" 2>/dev/null
    )
    # readline replaces only the text after the last ':' or '=' it breaks at
    local prefix="" i
    for ((i = ${#query} - 1; i >= 0; i--)); do
        case ${query:i:1} in
        [:=])
            if [[ $COMP_WORDBREAKS == *"${query:i:1}"* ]]; then
                prefix=${query:0:i+1}
                break
            fi
            ;;
        esac
    done
    COMPREPLY=()
    local c
    for c in "${candidates[@]}"; do
        [[ -z $c ]] && continue
        if [[ -n $prefix && $c == "$prefix"* ]]; then
            c=${c:${#prefix}}
        fi
        if [[ -z $quoted ]]; then
            printf -v c '%q' "$c"
        fi
        COMPREPLY+=("$c")
    done
    if ((${#COMPREPLY[@]} == 1)) && [[ ${COMPREPLY[0]} == *[/=:] ]]; then
        compopt -o nospace 2>/dev/null
    fi
    return 0
}
if [[ ${BASH_VERSINFO[0]} -eq 4 && ${BASH_VERSINFO[1]} -ge 4 || ${BASH_VERSINFO[0]} -gt 4 ]]; then
    complete -o nosort -o bashdefault -o default -F _clap_complete_vault BIN
else
    complete -o bashdefault -o default -F _clap_complete_vault BIN
fi
"#;

impl EnvCompleter for Bash {
    fn name(&self) -> &'static str {
        "bash"
    }

    fn is(&self, name: &str) -> bool {
        name == "bash"
    }

    fn write_registration(
        &self,
        var: &str,
        _name: &str,
        bin: &str,
        completer: &str,
        buf: &mut dyn std::io::Write,
    ) -> std::io::Result<()> {
        let script = BASH_REGISTRATION
            .replace("COMPLETER", &sh_quote(completer))
            .replace("VAR=", &format!("{var}="))
            .replace("BIN", &sh_quote(bin));
        buf.write_all(script.as_bytes())
    }

    fn write_complete(
        &self,
        cmd: &mut clap::Command,
        args: Vec<OsString>,
        current_dir: Option<&std::path::Path>,
        buf: &mut dyn std::io::Write,
    ) -> std::io::Result<()> {
        clap_complete::env::Bash.write_complete(cmd, args, current_dir, buf)
    }
}

/// One single-quoted shell word.
fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The static bash script (`vault completions bash`) made safe: clap's
/// generator fills `COMPREPLY=( $(compgen …) )`, which splits words (a file
/// `my file.txt` became two) and expands globs (shellcheck SC2207). Each
/// becomes `mapfile -t COMPREPLY < <(compgen …)`, and file completion asks
/// readline to quote what it inserts.
pub fn fix_static_bash(script: &str) -> String {
    let mut out = String::with_capacity(script.len() + 4096);
    out.push_str("# shellcheck shell=bash\n");
    for line in script.lines() {
        let indent = &line[..line.len() - line.trim_start().len()];
        let inner = line
            .trim()
            .strip_prefix("COMPREPLY=(")
            .map(str::trim)
            .and_then(|r| r.strip_prefix("$("))
            .and_then(|r| r.strip_suffix(')'))
            .map(str::trim_end)
            .and_then(|r| r.strip_suffix(')'));
        match inner {
            Some(cmd) if cmd.starts_with("compgen -f ") => {
                let arg = &cmd["compgen -f ".len()..];
                out.push_str(&format!(
                    "{indent}compopt -o filenames 2>/dev/null\n{indent}mapfile -t COMPREPLY < <(compgen -f -- {arg})\n"
                ));
            }
            Some(cmd) if cmd.starts_with("compgen ") => {
                out.push_str(&format!("{indent}mapfile -t COMPREPLY < <({cmd})\n"));
            }
            _ => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_bash_has_no_unquoted_compreply() {
        let mut buf = Vec::new();
        clap_complete::generate(clap_complete::Shell::Bash, &mut Cli::command(), "vault", &mut buf);
        let fixed = fix_static_bash(&String::from_utf8(buf).unwrap());
        assert!(!fixed.contains("$(compgen"), "{fixed}");
        assert!(fixed.contains("mapfile -t COMPREPLY < <(compgen -f -- \"${cur}\")"));
        assert!(fixed.contains("mapfile -t COMPREPLY < <(compgen -W \"${opts}\" -- \"${cur}\")"));
    }

    #[test]
    fn registration_quotes_the_completer() {
        let mut buf = Vec::new();
        Bash.write_registration("COMPLETE", "vault", "vault", "/opt/it's/vault", &mut buf)
            .unwrap();
        let text = String::from_utf8(buf).unwrap();
        assert!(text.contains("COMPLETE=bash '/opt/it'\\''s/vault' -- "), "{text}");
        assert!(
            text.contains("complete -o nosort -o bashdefault -o default -F _clap_complete_vault 'vault'")
        );
    }
}
