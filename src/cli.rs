//! The command-line interface: clap definitions only. `///` comments are the help text.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// A secrets manager: values sealed on your machine with age, stored in
/// PostgreSQL (a team's shared vault) or an embedded SQLite file (a personal vault).
#[derive(Debug, Parser)]
// The exit-code list is described once, on the error kinds (src/error.rs).
#[command(
    name = "vault",
    version,
    after_help = crate::error::exit_status_help(),
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct Global {
    /// Database URL: postgres://USER@HOST/DB or sqlite:///path/to/vault.db
    /// [default: config.toml, else the embedded vault in your data directory]
    #[arg(
        long,
        global = true,
        env = "VAULT_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub database_url: Option<String>,

    /// PostgreSQL schema holding vault's tables [default: config.toml, else vault]
    #[arg(long, global = true, env = "VAULT_SCHEMA", value_name = "NAME")]
    pub schema: Option<String>,

    /// Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]
    #[arg(
        long,
        global = true,
        env = "VAULT_IDENTITY",
        value_name = "FILE",
        hide_env_values = true
    )]
    pub identity: Option<PathBuf>,

    /// Print nothing but requested output and errors
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Explain what is happening on stderr (never values)
    #[arg(short, long, global = true)]
    pub verbose: bool,
}

// `defer`: each subcommand's arguments are defined only when that
// subcommand is built (parsed, shown in help or a man page, completed), not
// on every run. Defining all of them was most of clap's share of a `vault
// get`: `vault --version` 1.24 -> 1.16 ms (paired). Whatever walks the tree
// builds it first (`Command::build`); the only visible change is the order
// of options in the static completion scripts (the global ones first).
#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum Command {
    /// Create your identity and the vault (safe to run again)
    Init(InitArgs),
    /// Store a secret: from --file, from stdin when piped, else prompted without echo
    Put(PutArgs),
    /// Print a secret's exact bytes to stdout
    #[command(disable_version_flag = true)]
    Get(GetArgs),
    /// List secret names (a table on a terminal, one name per line when piped)
    Ls(LsArgs),
    /// Remove secrets (all of them, or none if one is missing); their history
    /// is kept for `vault restore` unless --purge
    Rm(RmArgs),
    // ---- history ----
    /// Every kept version of a secret, newest first: when, by whom (verified
    /// against the membership log), with which key, and what the write was
    History(HistoryArgs),
    /// Write an earlier value as the newest version, or bring a removed secret back
    #[command(disable_version_flag = true)]
    Restore(RestoreArgs),
    /// Rename a secret: every version is re-sealed under the new name
    Mv(MvArgs),
    /// Copy a secret and its history under a new name
    Cp(CpArgs),
    /// The vault's verified membership and key changes, merged with every
    /// write (who wrote which secret when), newest first
    Log(LogArgs),
    /// Make a new vault key, re-seal every secret to it, retire the old key
    /// (resumes an interrupted rotation)
    Rotate(RotateArgs),
    // ---- shell integration ----
    /// Print a static completion script (commands and options; for live
    /// secret names use `source <(COMPLETE=bash vault)`, see the README)
    Completions(CompletionsArgs),
    /// Print secrets as environment variables (db/password becomes DB_PASSWORD)
    Env(EnvArgs),
    /// Run a command with secrets added to its environment
    Run(RunArgs),
    /// Store every entry of a dotenv or JSON file, in one transaction
    Import(ImportArgs),
    /// Print secrets (names and values) as dotenv or JSON, the inverse of import
    Export(ExportArgs),
    /// Print the man page (roff) to stdout: vault(1), or a subcommand's page
    Man(ManArgs),
    /// Manage who may open the vault: add, list and remove members
    #[command(subcommand)]
    Member(MemberCommand),
    /// Show your recipient, your identity and whether you are a member
    Whoami(WhoamiArgs),
    // ---- the agent ----
    /// Unlock your identity once: the vault agent holds it (for 15 minutes
    /// unless --for says otherwise) and commands stop asking for the passphrase
    Unlock(UnlockArgs),
    /// Make the vault agent forget your identity now
    Lock,
    /// The vault agent itself, as `vault unlock` starts it (not for direct use)
    #[command(hide = true)]
    Agent(AgentArgs),
}

#[derive(Debug, Args)]
pub struct UnlockArgs {
    /// How long the agent keeps the identity: 90s, 15m, 1h30m, 8h
    #[arg(long = "for", value_name = "DURATION", value_parser = parse_duration)]
    pub duration: Option<std::time::Duration>,
}

#[derive(Debug, Args)]
pub struct AgentArgs {
    /// The private directory holding the socket
    #[arg(long, value_name = "DIR")]
    pub dir: std::path::PathBuf,
}

/// A duration as people write it (`15m`, `1h30m`, `90s`), from one second
/// to a year.
fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let d = humantime::parse_duration(text.trim())
        .map_err(|e| format!("{e}; write a duration such as 90s, 15m, 1h30m or 8h"))?;
    if d < std::time::Duration::from_secs(1) || d > std::time::Duration::from_secs(366 * 24 * 3600) {
        return Err("the duration must be from 1s to 366 days".into());
    }
    Ok(d)
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Your member name in this vault [default: $USER]
    #[arg(long, value_name = "LABEL")]
    pub name: Option<String>,

    /// Protect a new identity with a passphrase (asked twice on the terminal,
    /// or read from VAULT_PASSPHRASE_FILE / VAULT_PASSPHRASE_FD)
    #[arg(long)]
    pub passphrase: bool,
}

#[derive(Debug, Args)]
pub struct PutArgs {
    /// Secret name, e.g. db/password
    pub name: String,

    /// A short description, shown by `ls` (kept on replace unless given)
    #[arg(short, long, value_name = "TEXT")]
    pub description: Option<String>,

    /// Read the value from this file ('-' for stdin), byte for byte
    #[arg(short, long, value_name = "PATH")]
    pub file: Option<PathBuf>,

    /// Only create: fail with exit code 4 if the name exists
    #[arg(long)]
    pub no_overwrite: bool,

    /// Check-and-set: write only if the current version is N (0: only if the
    /// secret does not exist), else exit 4 naming the current version
    #[arg(long, value_name = "N", conflicts_with = "no_overwrite")]
    pub if_version: Option<u64>,

    /// Store a random value from the OS random generator instead of reading one
    #[arg(long, conflicts_with = "file")]
    pub generate: bool,

    /// Length of the generated value, in characters (1-65536)
    #[arg(long, value_name = "N", default_value_t = 32, requires = "generate",
          value_parser = clap::value_parser!(u32).range(1..=65536))]
    pub length: u32,

    /// Characters of the generated value
    #[arg(long, value_enum, default_value_t = Charset::Alnum, requires = "generate")]
    pub charset: Charset,

    /// Also print the generated value to stdout
    #[arg(long, requires = "generate")]
    pub print: bool,

    /// Print what happened as JSON: {name, id, action, key_id, version} (and value with --print)
    #[arg(long)]
    pub json: bool,
}

/// The characters a generated value is drawn from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Charset {
    /// A-Z a-z 0-9 (62 characters)
    Alnum,
    /// Printable ASCII without space: '!' to '~' (94 characters)
    Ascii,
    /// 0-9 a-f
    Hex,
    /// The base64 alphabet: A-Z a-z 0-9 + /
    Base64,
}

#[derive(Debug, Args)]
pub struct GetArgs {
    /// Secret name
    pub name: String,

    /// An earlier version (see `vault history`), verified like the current one
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub version: Option<u64>,

    /// Print {"name", "value", "encoding", "version", "author", "verified"}:
    /// encoding "utf-8", or "base64" for other bytes
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct LsArgs {
    /// Only names starting with this prefix, e.g. db/
    pub prefix: Option<String>,

    /// Print a JSON array of {id,name,description,key_id,created_at,updated_at}
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RmArgs {
    /// Secret names
    #[arg(required = true)]
    pub names: Vec<String>,

    /// Destroy every version now (no restore), including earlier removed
    /// secrets of the same names
    #[arg(long)]
    pub purge: bool,
}

// ---- history ----

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Secret name (a removed secret's history is shown while it is kept)
    pub name: String,

    /// Print a JSON array of {version,time,op,author,recipient,verified,status,key_id,current,from,written_as,problem}
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// Secret name (existing, or removed and kept)
    pub name: String,

    /// The version to bring back [default for a removed secret: its last one]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub version: Option<u64>,

    /// Print what happened as JSON: {name, version, restored_from, revived}
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct MvArgs {
    /// The secret's current name
    pub from: String,
    /// Its new name (must not exist)
    pub to: String,
}

#[derive(Debug, Args)]
pub struct CpArgs {
    /// The secret to copy
    pub from: String,
    /// The new secret's name (must not exist)
    pub to: String,
}

#[derive(Debug, Args)]
pub struct LogArgs {
    /// Only the writes of this secret
    pub name: Option<String>,

    /// At most this many lines (the newest)
    #[arg(short = 'n', long, value_name = "N")]
    pub limit: Option<usize>,

    /// Print a JSON array of events {time,kind,...}
    #[arg(long)]
    pub json: bool,
}

// ---- shell integration ----

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to print the script for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// How `vault env` prints variables.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum EnvFormat {
    /// `export NAME='value'` lines, safe to `eval` in POSIX sh, bash and zsh (not fish)
    Shell,
    /// `set -gx NAME 'value'` lines, for `vault env --format fish | source` in fish
    Fish,
    /// `NAME='value'` lines, read back by `vault import` and dotenv libraries
    Dotenv,
    /// One JSON object of strings
    Json,
}

/// A file format for `import` and `export`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FileFormat {
    /// KEY=VALUE lines (see the README for quoting)
    Dotenv,
    /// One JSON object of strings
    Json,
}

#[derive(Debug, Args)]
pub struct EnvArgs {
    /// Secret names, or prefixes ending in '/' (e.g. db/) [default: every secret]
    #[arg(value_name = "NAME|PREFIX/")]
    pub select: Vec<String>,

    /// Output format
    #[arg(long, value_enum, default_value_t = EnvFormat::Shell)]
    pub format: EnvFormat,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Only these secrets (repeatable) [default: every secret, or those under --prefix]
    #[arg(long, value_name = "NAME", num_args = 1..)]
    pub only: Vec<String>,

    /// Only secrets whose names start with PREFIX (repeatable)
    #[arg(long, value_name = "PREFIX")]
    pub prefix: Vec<String>,

    /// Start from an empty environment: the command sees only the secrets
    #[arg(long)]
    pub pristine: bool,

    /// Let a secret replace a variable that is already set (else that is an error)
    #[arg(long = "override")]
    pub replace: bool,

    /// The command and its arguments (after `--`)
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "CMD"
    )]
    pub command: Vec<OsString>,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// The subcommand whose page to print, e.g. `put` or `member add` [default: vault(1)]
    #[arg(value_name = "SUBCOMMAND")]
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The file to read ('-' for stdin)
    #[arg(value_name = "FILE|-", required_unless_present = "from_supabase_vault")]
    pub file: Option<PathBuf>,

    /// Instead of a file: every secret of Supabase Vault (vault.decrypted_secrets)
    /// in the same database, left unchanged; needs --schema other than vault
    #[arg(long, conflicts_with_all = ["file", "format"])]
    pub from_supabase_vault: bool,

    /// Input format
    #[arg(long, value_enum, default_value_t = FileFormat::Dotenv)]
    pub format: FileFormat,

    /// Put this in front of every key: --prefix app/ stores FOO as app/FOO
    #[arg(long, value_name = "PREFIX")]
    pub prefix: Option<String>,

    /// Only create: if any name exists, exit 4 and store nothing
    #[arg(long)]
    pub no_overwrite: bool,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Only names starting with this prefix, e.g. db/
    pub prefix: Option<String>,

    /// Output format
    #[arg(long, value_enum, default_value_t = FileFormat::Dotenv)]
    pub format: FileFormat,
}

#[derive(Debug, Args)]
pub struct RotateArgs {
    /// Say what would change; change nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Print the summary as JSON on stdout:
    /// {old_key,new_key,moved,failed,resumed,retired,dry_run}
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum MemberCommand {
    /// Grant the vault key to a new member (no secret is re-sealed)
    Add(MemberAddArgs),
    /// List members: name, recipient, when and by whom they were added
    Ls(MemberLsArgs),
    /// Remove a member and rotate the vault key so they cannot read new or existing values
    Rm(MemberRmArgs),
}

#[derive(Debug, Args)]
pub struct MemberAddArgs {
    /// Their member line, the first line of their `vault whoami` ("age1… vault-ed25519:…"), or an SSH public key line "ssh-ed25519 AAAA… [comment]" / "ssh-rsa …"
    #[arg(value_name = "LINE")]
    pub recipient: String,

    /// A label for them, unique in the vault [default: the SSH key's comment, else the recipient's start]
    #[arg(long, value_name = "LABEL")]
    pub name: Option<String>,
}

#[derive(Debug, Args)]
pub struct MemberLsArgs {
    /// Print a JSON array of {name,recipient,added_at,added_by,added_by_name,has_current_key}
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct MemberRmArgs {
    /// The member's name, recipient or member line (as the verified history records them)
    #[arg(value_name = "NAME|RECIPIENT")]
    pub member: String,

    /// Only remove them, without rotating the key (they may still hold a copy of it)
    #[arg(long)]
    pub no_rotate: bool,
}

#[derive(Debug, Args)]
pub struct WhoamiArgs {
    /// Print a JSON object instead of text
    #[arg(long)]
    pub json: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }
}
