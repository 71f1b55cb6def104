//! Synthetic capture records for the benchmarks: the criterion benches
//! (`benches/decode_pair.rs`, `benches/har.rs`) and the panel's `?bench=`
//! entry (`panel/src/bench.rs`), so native and wasm figures measure the
//! same work. Not part of the core's API.
//!
//! One client frame (`https://crm.example`, frame 5) talks to WWE's frame
//! (`https://wwe.example`, frame 0): a subscribe, then requests
//! (`voice.dial`, `interaction.setUserData`, `agent.getState` in turn), each
//! followed by its reply and one event, 0.5 ms apart. Deterministic.

use serde_json::{json, Value};

use crate::record::Record;

/// How much each message carries; the mix and order are the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payload {
    /// About 191 bytes of JSON a message (`benches/decode_pair.rs`, the
    /// panel's wasm figure beside it).
    Typical,
    /// Fewer user-data keys and reply fields, about 151 bytes a message
    /// (`benches/har.rs`, whose BENCHMARKS.md figures were taken with it).
    Lean,
}

/// The record count of the decode + pair workload (`benches/decode_pair.rs`
/// and the panel's `?bench=`).
pub const DECODE_PAIR_COUNT: usize = 30_000;

/// `count` records of a client's requests, WWE's replies and events, in the
/// proportions a busy agent desktop produces.
pub fn agent_desktop(count: usize, payload: Payload) -> Vec<Record> {
    let typical = payload == Payload::Typical;
    let mut out = Vec::with_capacity(count);
    out.push(record(
        0,
        true,
        json!({"event": "subscribe", "data": ["agent", "interaction"], "referenceId": "s", "userAgent": "WWE Client", "protocolVersion": 2}),
    ));
    let mut i = 0u64;
    while out.len() < count {
        let rid = i.to_string();
        let request = match (i % 3, typical) {
            (0, true) => json!({"request": "voice.dial", "parameters": ["5001", {"CustomerId": "C-10432", "Source": "crm", "Campaign": "Spring"}], "referenceId": rid, "userAgent": "WWE Client", "protocolVersion": 2, "frameId": 3}),
            (0, false) => json!({"request": "voice.dial", "parameters": ["5001", {"CustomerId": "C-10432", "Source": "crm"}], "referenceId": rid, "userAgent": "WWE Client", "protocolVersion": 2, "frameId": 3}),
            (1, true) => json!({"request": "interaction.setUserData", "parameters": ["017c02b1", {"Disposition": "Sale", "Notes": "Call back on Monday"}], "referenceId": rid, "userAgent": "WWE Client", "protocolVersion": 2, "frameId": 3}),
            (1, false) => json!({"request": "interaction.setUserData", "parameters": ["017c02b1", {"Disposition": "Sale"}], "referenceId": rid, "userAgent": "WWE Client", "protocolVersion": 2, "frameId": 3}),
            _ => json!({"request": "agent.getState", "parameters": [], "referenceId": rid, "userAgent": "WWE Client", "protocolVersion": 2, "frameId": 3}),
        };
        out.push(record(out.len() as u64, true, request));
        let reply = if typical {
            json!({"referenceId": rid, "data": {"state": "READY", "interactionId": "017c02b1", "username": "agent007", "firstname": "Ada", "lastname": "Byron"}, "userAgent": "WWE Web Edition"})
        } else {
            json!({"referenceId": rid, "data": {"state": "READY", "interactionId": "017c02b1", "username": "agent007"}, "userAgent": "WWE Web Edition"})
        };
        out.push(record(out.len() as u64, false, reply));
        let event = if typical {
            json!({"event": "interaction", "data": {"eventType": "ATTACHED_DATA_CHANGED", "media": "voice", "interaction": {"interactionId": "017c02b1", "state": "ESTABLISHED", "userData": {"CustomerId": "C-10432"}, "callUuid": "4L6JGNEE9H7DT671"}}, "userAgent": "WWE Web Edition"})
        } else {
            json!({"event": "interaction", "data": {"eventType": "ATTACHED_DATA_CHANGED", "interaction": {"interactionId": "017c02b1", "userData": {"CustomerId": "C-10432"}}}, "userAgent": "WWE Web Edition"})
        };
        out.push(record(out.len() as u64, false, event));
        i += 1;
    }
    out.truncate(count);
    out
}

/// One record: to the service (received by WWE's frame from the client) or
/// to the client, with `size` the length of the data's JSON text.
fn record(id: u64, to_service: bool, data: Value) -> Record {
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

/// The mean `size` of `records`, in bytes (what the benches print).
pub fn mean_size(records: &[Record]) -> u64 {
    records.iter().map(|r| r.size).sum::<u64>() / records.len().max(1) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workloads_keep_their_count_and_mean_size() {
        let typical = agent_desktop(DECODE_PAIR_COUNT, Payload::Typical);
        assert_eq!(typical.len(), DECODE_PAIR_COUNT);
        // BENCHMARKS.md's decode_pair figures: 191 bytes on average.
        assert_eq!(mean_size(&typical), 191);
        let lean = agent_desktop(100_000, Payload::Lean);
        assert_eq!(lean.len(), 100_000);
        assert_eq!(mean_size(&lean), 151);
    }
}
