//! Throughput of decode + session push on typical ~200-byte messages: a
//! client's requests, WWE's replies and events, in the proportions a busy
//! agent desktop produces. Reported as messages per second.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use wwe_core::decode::decode;
use wwe_core::session::Session;
use wwe_core::synthetic::{agent_desktop, mean_size, Payload, DECODE_PAIR_COUNT};

fn bench(c: &mut Criterion) {
    // The same records as the panel's wasm run (panel/src/bench.rs).
    let records = agent_desktop(DECODE_PAIR_COUNT, Payload::Typical);
    let mean = mean_size(&records);
    eprintln!("{} messages, {mean} bytes of JSON on average", records.len());
    let mut group = c.benchmark_group("decode_pair");
    group.throughput(Throughput::Elements(records.len() as u64));
    group.sample_size(20);
    group.bench_function("decode", |b| {
        b.iter(|| {
            for r in &records {
                std::hint::black_box(decode(std::hint::black_box(&r.data)));
            }
        })
    });
    group.bench_function("decode_and_push", |b| {
        b.iter_batched(
            || records.clone(),
            |records| {
                let mut s = Session::new();
                for r in records {
                    s.push(r);
                }
                s
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
