//! Turns assets/catalog data into static Rust data.
fn main() {}
