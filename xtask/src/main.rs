//! `cargo xtask`: build, run, test.
fn main() {}
