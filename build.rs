//! Build steps: embedded migrations, and how the `vault` binary links its
//! unwinder.
use std::env;

fn main() {
    // Migrations are embedded with `include_str!`; make a new or changed
    // migration file trigger a rebuild.
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed=build.rs");
    link_unwinder_statically();
}

/// On Linux with glibc, Rust's standard library takes its unwinder (panics
/// caught by `catch_unwind`, backtraces) from the shared libgcc_s. Loading
/// libgcc_s runs its constructor, `__cpu_indicator_init`, a dozen CPUID
/// instructions, and on a virtual machine each CPUID traps to the
/// hypervisor (8.5 µs each where this was measured): with the mapping of
/// one more library, ~0.5 ms of every `vault` command (`vault --version`
/// 2.1 → 1.6 ms, `vault get` on SQLite 4.3 → 3.6 ms). So the same unwinder
/// is linked in from GCC's static libgcc_eh (what a `crt-static` build
/// does), and `--as-needed` drops libgcc_s, which nothing needs any more.
/// Panics still unwind and are caught the same way; only the library they
/// are unwound by moved into the binary.
fn link_unwinder_statically() {
    let cfg = |key: &str| env::var(key).unwrap_or_default();
    let static_crt = cfg("CARGO_CFG_TARGET_FEATURE")
        .split(',')
        .any(|f| f == "crt-static");
    if cfg("CARGO_CFG_TARGET_OS") == "linux" && cfg("CARGO_CFG_TARGET_ENV") == "gnu" && !static_crt {
        println!("cargo:rustc-link-lib=static:-bundle=gcc_eh");
        println!("cargo:rustc-link-arg-bins=-Wl,--as-needed");
    }
}
