//! `wwe-trace`: the core on trace files.
fn main() {}
