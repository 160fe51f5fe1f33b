//! The command-line interface: clap definitions only. `///` comments are the help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// The exit-code table, shown at the end of `vault --help` (and in the README).
pub const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  internal error (a bug, or an unexpected I/O failure such as a full disk)
  2  usage: bad arguments, invalid name, value too large, malformed input
  3  not found: no secret (or member) by that name
  4  conflict: the name exists (put --no-overwrite), or another rotation is running
  5  no access: your identity holds no copy of the key
  6  integrity: a sealed value was tampered with, moved, renamed or forged
  7  database unreachable, misconfigured, not initialised, or from a newer vault
  8  identity or config file missing, unreadable, or too open";

/// A secrets manager: values sealed on your machine with age, stored in
/// PostgreSQL (a team's shared vault) or an embedded SQLite file (a personal vault).
#[derive(Debug, Parser)]
#[command(name = "vault", version, after_help = EXIT_CODES, propagate_version = true)]
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

    /// Your personal age identity file [default: config.toml, else CONFIG_DIR/vault/identity.txt]
    #[arg(long, global = true, env = "VAULT_IDENTITY", value_name = "FILE")]
    pub identity: Option<PathBuf>,

    /// Print nothing but requested output and errors
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Explain what is happening on stderr (never values)
    #[arg(short, long, global = true)]
    pub verbose: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create your identity and the vault (safe to run again)
    Init(InitArgs),
    /// Store a secret: from --file, from stdin when piped, else prompted without echo
    Put(PutArgs),
    /// Print a secret's exact bytes to stdout
    Get(GetArgs),
    /// List secret names (a table on a terminal, one name per line when piped)
    Ls(LsArgs),
    /// Remove secrets (all of them, or none if one is missing)
    Rm(RmArgs),
    /// Manage who may open the vault: add, list and remove members
    #[command(subcommand)]
    Member(MemberCommand),
    /// Show your recipient, your identity and whether you are a member
    Whoami(WhoamiArgs),
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
}

#[derive(Debug, Args)]
pub struct GetArgs {
    /// Secret name
    pub name: String,
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
}

#[derive(Debug, Subcommand)]
pub enum MemberCommand {
    /// Grant the vault key to a new member (no secret is re-sealed)
    Add(MemberAddArgs),
    /// List members: name, recipient, when and by whom they were added
    Ls(MemberLsArgs),
}

#[derive(Debug, Args)]
pub struct MemberAddArgs {
    /// Their recipient: age1…, or an SSH public key line "ssh-ed25519 AAAA… [comment]" / "ssh-rsa …"
    pub recipient: String,

    /// A label for them, unique in the vault [default: the SSH key's comment, else the recipient's start]
    #[arg(long, value_name = "LABEL")]
    pub name: Option<String>,
}

#[derive(Debug, Args)]
pub struct MemberLsArgs {
    /// Print a JSON array of {name,recipient,added_at,added_by,added_by_name,has_current_key,you}
    #[arg(long)]
    pub json: bool,
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
