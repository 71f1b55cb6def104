//! Runs the stable fuzz driver for a fixed number of iterations with fixed
//! seeds, so every `cargo test` exercises it and a failure reproduces.

#[path = "fuzz_driver.rs"]
mod fuzz_driver;
#[path = "replay_mem.rs"]
mod replay_mem;
#[path = "fuzz_traces.rs"]
mod fuzz_traces;

#[test]
fn decoder_and_session_survive_mutated_messages() {
    for seed in [1, 2, 3] {
        let stats = fuzz_driver::run(seed, std::time::Duration::from_secs(60), 3_000).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(stats.iterations, 3_000);
    }
}

#[test]
fn traces_export_import_and_redaction_survive_mutated_records_and_files() {
    for seed in [1, 2, 3] {
        let stats = fuzz_traces::run(seed, std::time::Duration::from_secs(60), 250).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(stats.iterations, 250);
    }
}

#[test]
fn the_generator_is_deterministic() {
    let mut a = fuzz_driver::Rng::new(42);
    let mut b = fuzz_driver::Rng::new(42);
    let xs: Vec<u64> = (0..5).map(|_| a.next()).collect();
    let ys: Vec<u64> = (0..5).map(|_| b.next()).collect();
    assert_eq!(xs, ys);
    assert_ne!(xs[0], xs[1]);
}
