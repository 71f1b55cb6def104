//! Writes a synthetic JSON Lines trace of about `--mb N` megabytes (the
//! benchmarks' agent desktop, `wwe_core::synthetic`) to standard output,
//! for measuring `wwe-trace` on support-scale files:
//! `cargo run --release -p wwe-core --example synthetic_trace -- --mb 300 > big.jsonl`.

use std::io::Write;

use wwe_core::har::to_jsonl;
use wwe_core::synthetic::{agent_desktop, mean_size, Payload};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mb = match args.as_slice() {
        [flag, n] if flag == "--mb" => n.parse::<u64>().ok(),
        [] => Some(300),
        _ => None,
    };
    let Some(mb) = mb else {
        eprintln!("synthetic_trace: usage: synthetic_trace [--mb N]");
        std::process::exit(2);
    };
    // A record's JSON Lines line is its message plus ~230 bytes of fields.
    let sample = agent_desktop(1000, Payload::Typical);
    let per_line = to_jsonl(&sample).len() as u64 / sample.len() as u64;
    let count = (mb << 20) / per_line.max(1);
    eprintln!("{count} records, ~{per_line} bytes a line, messages {} bytes on average", mean_size(&sample));
    let records = agent_desktop(count as usize, Payload::Typical);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for chunk in records.chunks(10_000) {
        if out.write_all(to_jsonl(chunk).as_bytes()).is_err() {
            std::process::exit(1);
        }
    }
    let _ = out.flush();
}
