//! `cargo xtask fuzz [--seconds N] [--seed N] [--trace-runs N]`: time-bounded fuzzing of the
//! core's decoder and session, options parser, and trace export, import and
//! redaction (`src/tests/fuzz_traces.rs`) on stable Rust (the `fuzz` example of
//! wwe-core, built in release mode). The libFuzzer targets in `fuzz/` need
//! nightly and are run by hand with `cargo +nightly fuzz run decode_session`.

use std::process::Command;

use crate::flags::FuzzOptions;

/// Runs the stable fuzz driver for `--seconds N` (default 30) with
/// `--seed N` (default: a new one per run, printed so a failure can be
/// replayed); the flags are declared in `flags.rs`.
pub fn run(options: &FuzzOptions) -> Result<(), String> {
    let (seconds, seed) = (&options.seconds, &options.seed);
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut cmd = Command::new(cargo);
    cmd.args(["run", "--release", "--quiet", "-p", "wwe-core", "--example", "fuzz", "--", "--seconds", seconds]);
    if let Some(seed) = seed {
        cmd.args(["--seed", seed]);
    }
    if let Some(runs) = &options.trace_runs {
        cmd.args(["--trace-runs", runs]);
    }
    let status = cmd.status().map_err(|e| format!("fuzz: cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("fuzz: the fuzz driver failed ({status}); its output above has the seed and the input"))
    }
}
