//! Throughput of decode + session push on typical ~200-byte messages: a
//! client's requests, WWE's replies and events, in the proportions a busy
//! agent desktop produces. Reported as messages per second.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use serde_json::json;
use wwe_core::decode::decode;
use wwe_core::record::Record;
use wwe_core::session::Session;

const N: usize = 30_000;

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
        marker: None,
        size,
        target_origin: None,
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
            0 => json!({"request": "voice.dial", "parameters": ["5001", {"CustomerId": "C-10432", "Source": "crm", "Campaign": "Spring"}], "referenceId": rid, "userAgent": "WWE Client", "protocolVersion": 2, "frameId": 3}),
            1 => json!({"request": "interaction.setUserData", "parameters": ["017c02b1", {"Disposition": "Sale", "Notes": "Call back on Monday"}], "referenceId": rid, "userAgent": "WWE Client", "protocolVersion": 2, "frameId": 3}),
            _ => json!({"request": "agent.getState", "parameters": [], "referenceId": rid, "userAgent": "WWE Client", "protocolVersion": 2, "frameId": 3}),
        };
        out.push(record(out.len() as u64, true, request));
        out.push(record(
            out.len() as u64,
            false,
            json!({"referenceId": rid, "data": {"state": "READY", "interactionId": "017c02b1", "username": "agent007", "firstname": "Ada", "lastname": "Byron"}, "userAgent": "WWE Web Edition"}),
        ));
        out.push(record(
            out.len() as u64,
            false,
            json!({"event": "interaction", "data": {"eventType": "ATTACHED_DATA_CHANGED", "media": "voice", "interaction": {"interactionId": "017c02b1", "state": "ESTABLISHED", "userData": {"CustomerId": "C-10432"}, "callUuid": "4L6JGNEE9H7DT671"}}, "userAgent": "WWE Web Edition"}),
        ));
        i += 1;
    }
    out.truncate(N);
    out
}

fn bench(c: &mut Criterion) {
    let records = workload();
    let mean = records.iter().map(|r| r.size).sum::<u64>() / records.len() as u64;
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
