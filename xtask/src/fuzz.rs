//! `cargo xtask fuzz [--seconds N] [--seed N]`: time-bounded fuzzing of the
//! core's decoder and session, options parser, and trace export, import and
//! redaction (`src/tests/fuzz_traces.rs`) on stable Rust (the `fuzz` example of
//! wwe-core, built in release mode). The libFuzzer targets in `fuzz/` need
//! nightly and are run by hand with `cargo +nightly fuzz run decode_session`.

use std::process::Command;

/// Runs the stable fuzz driver. `args` are the subcommand's arguments:
/// `--seconds N` (default 30) and `--seed N` (default: a new one per run,
/// printed so a failure can be replayed).
pub fn run(args: &[String]) -> Result<(), String> {
    let mut seconds = String::from("30");
    let mut seed = None;
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        match (flag.as_str(), it.next()) {
            ("--seconds", Some(v)) if v.parse::<f64>().is_ok_and(|s| s >= 0.0) => seconds = v.clone(),
            ("--seed", Some(v)) if v.parse::<u64>().is_ok() => seed = Some(v.clone()),
            _ => {
                return Err(format!(
                    "fuzz: unexpected argument `{flag}`\nusage: cargo xtask fuzz [--seconds N] [--seed N]"
                ))
            }
        }
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut cmd = Command::new(cargo);
    cmd.args(["run", "--release", "--quiet", "-p", "wwe-core", "--example", "fuzz", "--", "--seconds", &seconds]);
    if let Some(seed) = &seed {
        cmd.args(["--seed", seed]);
    }
    let status = cmd.status().map_err(|e| format!("fuzz: cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("fuzz: the fuzz driver failed ({status}); its output above has the seed and the input"))
    }
}
