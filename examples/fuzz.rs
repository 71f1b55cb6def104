//! Time-bounded fuzzing of the decoder and the session, the options parser,
//! and trace export, import and redaction, on stable Rust:
//! `cargo run --release -p wwe-core --example fuzz -- --seconds 30 --seed 1`.
//! `cargo xtask fuzz` runs this. Exits 1 with the failing input on a panic
//! or a broken pairing invariant.

#[path = "../src/tests/fuzz_driver.rs"]
mod fuzz_driver;
#[path = "../src/tests/replay_mem.rs"]
mod replay_mem;
#[path = "../src/tests/fuzz_traces.rs"]
mod fuzz_traces;

use std::time::Duration;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut seconds = 30.0f64;
    let mut seed = None;
    let mut iterations = u64::MAX;
    let mut trace_runs = None;
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it.next();
        let parsed = match (flag.as_str(), value) {
            ("--seconds", Some(v)) => v.parse().map(|v| seconds = v).is_ok(),
            ("--seed", Some(v)) => v.parse().map(|v| seed = Some(v)).is_ok(),
            ("--iterations", Some(v)) => v.parse().map(|v| iterations = v).is_ok(),
            ("--trace-runs", Some(v)) => v.parse().map(|v| trace_runs = Some(v)).is_ok(),
            _ => false,
        };
        if !parsed {
            eprintln!("fuzz: bad argument `{flag}`\nusage: fuzz [--seconds N] [--seed N] [--iterations N] [--trace-runs N]");
            std::process::exit(2);
        }
    }
    // Without a seed, vary it per run so repeated runs explore more; it is
    // printed so a failure can be replayed.
    let seed = seed.unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64)
    });
    println!("fuzz: seed {seed}, {seconds} s");
    // Trace files only, until their targets ran this many times (or the
    // time is up).
    if let Some(max_runs) = trace_runs {
        match fuzz_traces::run_counted(seed, Duration::from_secs_f64(seconds.max(0.0)), iterations, max_runs) {
            Ok((stats, runs)) => println!(
                "fuzz: traces: {} runs ({} exports, {} streamed exports, {} imports, {} redactions) in {} iterations, {:.1} s, no failure (seed {seed})",
                runs.total(),
                runs.export,
                runs.streamed,
                runs.import,
                runs.redact,
                stats.iterations,
                stats.elapsed.as_secs_f64()
            ),
            Err(failure) => {
                eprintln!("fuzz: FAILED\n{failure}");
                std::process::exit(1);
            }
        }
        return;
    }
    // A third of the time each for trace files, the option parser (whose
    // driver panics with the offending input), and the decoder and session.
    let total = Duration::from_secs_f64(seconds.max(0.0));
    match fuzz_traces::run(seed, total / 3, iterations) {
        Ok(stats) => println!(
            "fuzz: traces (export, import, redaction): {} iterations in {:.1} s, no failure (seed {seed})",
            stats.iterations,
            stats.elapsed.as_secs_f64()
        ),
        Err(failure) => {
            eprintln!("fuzz: FAILED\n{failure}");
            std::process::exit(1);
        }
    }
    fuzz_options(seed, total / 3);
    match fuzz_driver::run(seed, total - total / 3 - total / 3, iterations) {
        Ok(stats) => println!(
            "fuzz: {} iterations in {:.1} s, no failure (seed {seed})",
            stats.iterations,
            stats.elapsed.as_secs_f64()
        ),
        Err(failure) => {
            eprintln!("fuzz: FAILED\n{failure}");
            std::process::exit(1);
        }
    }
}

/// Bounded fuzzing of the WWE options parser and policy, in batches until
/// the time is up.
fn fuzz_options(seed: u64, budget: Duration) {
    const BATCH: u64 = 2_000;
    let start = std::time::Instant::now();
    let mut inputs = 0;
    let mut batch = 0;
    while start.elapsed() < budget {
        let stats = wwe_core::options::fuzzing::fuzz_options_bounded(seed.wrapping_add(batch), BATCH);
        inputs += stats.inputs;
        batch += 1;
    }
    println!("fuzz: options parser: {inputs} inputs in {:.1} s, no failure (seed {seed})", start.elapsed().as_secs_f64());
}
