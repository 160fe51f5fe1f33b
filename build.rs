//! Migrations are embedded with `include_str!`; make a new or changed
//! migration file trigger a rebuild.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
