//! `vault completions SHELL`: a static script (clap_complete's generators)
//! that completes subcommands and options without starting a process on
//! TAB. The same scripts are checked in under `completions/` for packagers.
//! Live completion (secret names) is [`crate::complete`].

use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs};
use crate::error::Result;
use crate::output::Stdout;

pub fn run(args: CompletionsArgs) -> Result<()> {
    let mut out = Stdout::new();
    out.write(&script(args.shell))?;
    out.flush()
}

/// The static completion script for `shell`; bash's is made safe by
/// [`crate::complete::fix_static_bash`].
pub fn script(shell: clap_complete::Shell) -> Vec<u8> {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "vault", &mut buf);
    if shell == clap_complete::Shell::Bash {
        return crate::complete::fix_static_bash(&String::from_utf8_lossy(&buf)).into_bytes();
    }
    buf
}
