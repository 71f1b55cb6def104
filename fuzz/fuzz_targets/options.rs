//! libFuzzer target: the WWE options parser and the policy engine never
//! panic and keep their invariants on any input (nightly: `cargo +nightly
//! fuzz run options`).
#![no_main]

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    wwe_core::options::fuzzing::fuzz_options_once(bytes);
});
