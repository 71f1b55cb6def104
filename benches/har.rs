//! Export and import of a 100,000-message trace (goal: at most 0.3 s each,
//! natively): HAR from a finished session, HAR import, JSON Lines both
//! ways, and the default redaction. The messages are typical ~200-byte
//! requests, replies and events in a busy agent desktop's proportions.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde_json::json;
use wwe_core::har::{import, session_of, to_har, to_jsonl, HarOptions};
use wwe_core::record::Record;
use wwe_core::redact::{redact, Rules};

const N: usize = 100_000;

fn record(id: u64, to_service: bool, data: serde_json::Value) -> Record {
    let size = data.to_string().len() as u64;
    Record {
        id,
        seq: id,
        tab_id: 1,
        frame_id: if to_service { 0 } else { 5 },
        frame_url: if to_service { "https://wwe.example/ui/ad/v1/index.html" } else { "https://crm.example/app.html" }.into(),
        frame_origin: if to_service { "https://wwe.example" } else { "https://crm.example" }.into(),
        source_origin: if to_service { "https://crm.example" } else { "https://wwe.example" }.into(),
        source_frame_id: Some(if to_service { 5 } else { 0 }),
        time: 1_700_000_000_000.0 + id as f64 * 0.5,
        data,
        size,
        ..Record::default()
    }
}

/// Requests, their replies, and one event per exchange.
fn workload() -> Vec<Record> {
    let mut out = Vec::with_capacity(N);
    out.push(record(
        0,
        true,
        json!({"event": "subscribe", "data": ["agent", "interaction"], "referenceId": "s", "userAgent": "WWE Client", "protocolVersion": 2}),
    ));
    let mut i = 0u64;
    while out.len() < N {
        let rid = i.to_string();
        let request = match i % 3 {
            0 => json!({"request": "voice.dial", "parameters": ["5001", {"CustomerId": "C-10432", "Source": "crm"}], "referenceId": rid, "userAgent": "WWE Client", "protocolVersion": 2, "frameId": 3}),
            1 => json!({"request": "interaction.setUserData", "parameters": ["017c02b1", {"Disposition": "Sale"}], "referenceId": rid, "userAgent": "WWE Client", "protocolVersion": 2, "frameId": 3}),
            _ => json!({"request": "agent.getState", "parameters": [], "referenceId": rid, "userAgent": "WWE Client", "protocolVersion": 2, "frameId": 3}),
        };
        out.push(record(out.len() as u64, true, request));
        out.push(record(
            out.len() as u64,
            false,
            json!({"referenceId": rid, "data": {"state": "READY", "interactionId": "017c02b1", "username": "agent007"}, "userAgent": "WWE Web Edition"}),
        ));
        out.push(record(
            out.len() as u64,
            false,
            json!({"event": "interaction", "data": {"eventType": "ATTACHED_DATA_CHANGED", "interaction": {"interactionId": "017c02b1", "userData": {"CustomerId": "C-10432"}}}, "userAgent": "WWE Web Edition"}),
        ));
        i += 1;
    }
    out.truncate(N);
    out
}

fn bench(c: &mut Criterion) {
    let records = workload();
    let session = session_of(records.iter().cloned(), None);
    let har = to_har(&session, &HarOptions::default());
    let jsonl = to_jsonl(&records);
    eprintln!("100k messages: HAR {} MiB, JSON Lines {} MiB", har.len() >> 20, jsonl.len() >> 20);

    let mut g = c.benchmark_group("trace_100k");
    g.sample_size(10);
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("export_har", |b| b.iter(|| to_har(&session, &HarOptions::default())));
    g.bench_function("import_har", |b| b.iter(|| import(&har).unwrap()));
    g.bench_function("export_jsonl", |b| b.iter(|| to_jsonl(&records)));
    g.bench_function("import_jsonl", |b| b.iter(|| import(&jsonl).unwrap()));
    g.bench_function("redact_default", |b| b.iter(|| redact(&session, &Rules::default())));
    g.bench_function("session_of", |b| b.iter(|| session_of(records.iter().cloned(), None)));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
