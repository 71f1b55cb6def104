//! Export and import of a 100,000-message trace (goal: at most 0.3 s each,
//! natively): HAR from a finished session, HAR import, JSON Lines both
//! ways, and the default redaction. An import is timed until its records
//! are in hand; freeing them afterwards is timed apart (`free_*`). The
//! messages are ~150-byte requests, replies and events in a busy agent
//! desktop's proportions
//! ([`Payload::Lean`]: leaner than `benches/decode_pair.rs`'s).

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use wwe_core::har::{import, session_of, to_har, to_jsonl, HarOptions};
use wwe_core::redact::{redact, Rules};
use wwe_core::synthetic::{agent_desktop, Payload};

const N: usize = 100_000;

fn bench(c: &mut Criterion) {
    let records = agent_desktop(N, Payload::Lean);
    let session = session_of(records.iter().cloned(), None);
    let har = to_har(&session, &HarOptions::default());
    let jsonl = to_jsonl(&records);
    eprintln!("100k messages: HAR {} MiB, JSON Lines {} MiB", har.len() >> 20, jsonl.len() >> 20);

    let mut g = c.benchmark_group("trace_100k");
    g.sample_size(10);
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("export_har", |b| b.iter(|| to_har(&session, &HarOptions::default())));
    // An import is timed up to the records in hand, as the panel and the
    // CLI keep them; freeing 100,000 records (a third of the old figure,
    // mostly the allocator) is timed apart, as context (`free_*`).
    g.bench_function("import_har", |b| b.iter_with_large_drop(|| import(&har).unwrap()));
    g.bench_function("free_har_records", |b| b.iter_batched(|| import(&har).unwrap(), drop, BatchSize::LargeInput));
    g.bench_function("export_jsonl", |b| b.iter(|| to_jsonl(&records)));
    g.bench_function("import_jsonl", |b| b.iter_with_large_drop(|| import(&jsonl).unwrap()));
    g.bench_function("free_jsonl_records", |b| b.iter_batched(|| import(&jsonl).unwrap(), drop, BatchSize::LargeInput));
    g.bench_function("redact_default", |b| b.iter(|| redact(&session, &Rules::default())));
    g.bench_function("session_of", |b| b.iter(|| session_of(records.iter().cloned(), None)));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
