//! The test age plugin (`examples/age-plugin-vaulttest.rs`) as a fixture.
//!
//! `cargo test` builds every example before it runs the tests, so the plugin
//! binary sits in `target/<profile>/examples/`, a sibling of the `deps/`
//! directory that holds this test binary. A run filtered to one target
//! (`cargo test --test it`) builds no examples: build the plugin first with
//! `cargo build --example age-plugin-vaulttest`.

#![allow(dead_code)] // shared by the plugin stories; not every helper is used by each

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Command;

pub const PLUGIN_BINARY: &str = "age-plugin-vaulttest";

/// The directory holding `age-plugin-vaulttest`: `target/<profile>/examples`.
pub fn plugin_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary knows its path");
    // target/<profile>/deps/it-<hash> -> target/<profile>/examples
    let dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("the test binary lives in target/<profile>/deps")
        .join("examples");
    assert!(
        dir.join(PLUGIN_BINARY).is_file(),
        "{} is missing: run `cargo build --example {PLUGIN_BINARY}` (a filtered `cargo test` builds no examples)",
        dir.join(PLUGIN_BINARY).display(),
    );
    dir
}

/// `PATH` with [`plugin_dir`] in front, for the `vault` (or `age`) under test.
pub fn path_with_plugin() -> OsString {
    let rest = std::env::var_os("PATH").unwrap_or_default();
    let dirs = std::iter::once(plugin_dir()).chain(std::env::split_paths(&rest));
    std::env::join_paths(dirs).expect("no directory on PATH contains ':'")
}

/// A new plugin identity file (`# created`, `# public key: age1vaulttest1…`,
/// `AGE-PLUGIN-VAULTTEST-1…`), PIN-protected when `pin` is given.
pub fn generate(pin: Option<&str>) -> String {
    let mut cmd = Command::new(plugin_dir().join(PLUGIN_BINARY));
    cmd.arg("--generate");
    if let Some(pin) = pin {
        cmd.args(["--pin", pin]);
    }
    let out = cmd.output().expect("the plugin runs");
    assert!(
        out.status.success(),
        "{PLUGIN_BINARY} --generate failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("the identity file is UTF-8")
}

/// The `age1vaulttest1…` recipient named in an identity file from [`generate`].
pub fn recipient(identity_file: &str) -> &str {
    identity_file
        .lines()
        .find_map(|line| line.strip_prefix("# public key: "))
        .expect("a generated identity file names its public key")
}
