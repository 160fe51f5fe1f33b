//! The test age plugin (`examples/age-plugin-vaulttest.rs`) as a fixture.
//!
//! The plugin binary is built on first use (`cargo build --example`) into
//! `target/<profile>/examples/`, a sibling of the `deps/` directory that
//! holds this test binary.

#![allow(dead_code)] // shared by the plugin stories; not every helper is used by each

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Command;

pub const PLUGIN_BINARY: &str = "age-plugin-vaulttest";

/// The directory holding `age-plugin-vaulttest`: `target/<profile>/examples`.
/// `cargo test --all-targets` compiles examples as test harnesses, and a
/// filtered run builds none, so the plugin is built here, once per test
/// process, with the cargo that runs the tests (a no-op when it is fresh).
pub fn plugin_dir() -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            let exe = std::env::current_exe().expect("the test binary knows its path");
            // target/<profile>/deps/it-<hash> -> target/<profile>
            let profile_dir = exe
                .parent()
                .and_then(|deps| deps.parent())
                .expect("the test binary lives in target/<profile>/deps")
                .to_owned();
            let release = profile_dir.file_name().is_some_and(|n| n == "release");
            let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
            let mut build = Command::new(cargo);
            build
                .args(["build", "--quiet", "--example", PLUGIN_BINARY])
                .arg("--manifest-path")
                .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"));
            if release {
                build.arg("--release");
            }
            if let Some(target) = profile_dir.parent() {
                build.env("CARGO_TARGET_DIR", target);
            }
            let status = build.status().expect("cargo runs");
            assert!(status.success(), "cargo build --example {PLUGIN_BINARY} failed");
            let dir = profile_dir.join("examples");
            assert!(
                dir.join(PLUGIN_BINARY).is_file(),
                "{} is missing after cargo build --example {PLUGIN_BINARY}",
                dir.join(PLUGIN_BINARY).display(),
            );
            dir
        })
        .clone()
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
