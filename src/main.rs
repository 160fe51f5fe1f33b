//! The `vault` binary: harden the process, then hand over to the library.

fn main() -> std::process::ExitCode {
    vault::harden_process();
    vault::main()
}
