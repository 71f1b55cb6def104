//! The panel's benchmark entry, used by `cargo xtask bench` (BENCHMARKS.md).
//!
//! Opened as `panel.html?tabId=N&bench=COUNT`, the panel waits for the
//! background's backlog (empty for an unused tab), then, in wasm and with
//! the core only:
//!
//! 1. times decode + pair (`Session::push`) over the core's
//!    [`wwe_core::synthetic::agent_desktop`] workload, the same 30,000
//!    records as the core's criterion bench (`benches/decode_pair.rs`), so
//!    the xtask can set the wasm figure beside the native one;
//! 2. generates COUNT records with [`synthetic_records`] and hands them to
//!    the panel's `Store` in one batch, as a backlog would;
//! 3. after the rows are rendered and painted (two animation frames), writes
//!    `data-bench` (JSON: every figure in milliseconds) and
//!    `data-bench-ready` (milliseconds from handing the records to the store
//!    to the paint) on `<html>`.
//!
//! Without `bench=` in the URL nothing here runs. Nothing is sent to the
//! background: the records exist only in this page.

use std::cell::Cell;

use leptos::prelude::*;
use serde_json::{json, Value};
use wasm_bindgen::JsCast;
use wwe_core::record::Record;
use wwe_core::reply;
use wwe_core::session::Session;
use wwe_core::synthetic::{agent_desktop, mean_size, Payload, DECODE_PAIR_COUNT};

use crate::feed::Parsed;
use crate::model::Store;

/// Attribute on `<html>` set when the records are painted.
pub const READY_ATTRIBUTE: &str = "data-bench-ready";
/// Attribute on `<html>` holding every figure as JSON.
pub const RESULT_ATTRIBUTE: &str = "data-bench";
/// Timed repetitions of the decode + pair workload.
const PUSH_RUNS: usize = 5;

const SERVICE_UA: &str = "WWE Web Edition";
const CLIENT_UA: &str = "WWE Client";
const TAB: i64 = 1;
/// The WWE page: the top frame of the agent desktop.
const SERVICE: (i64, &str, &str) = (0, "https://wwe.example.com", "https://wwe.example.com/ui/ad/v1/index.html");
/// Client apps embedded in WWE, each in its own frame and origin.
const CLIENTS: [(i64, &str, &str); 3] = [
    (3, "https://crm.example.com", "https://crm.example.com/softphone/app.html"),
    (5, "https://kb.example.net", "https://kb.example.net/widget/index.html"),
    (7, "https://wfm.example.org", "https://wfm.example.org/agent/schedule.html"),
];

thread_local! {
    static STARTED: Cell<bool> = const { Cell::new(false) };
}

/// The record count asked for with `?bench=N`, if any.
pub fn requested() -> Option<usize> {
    let search = window().location().search().ok()?;
    search
        .trim_start_matches('?')
        .split('&')
        .find_map(|pair| pair.strip_prefix("bench=")?.parse().ok())
}

/// Runs the benchmark once, when the page was opened with `?bench=N`;
/// called after the backlog has been put in the store.
pub fn after_backlog(store: Store) {
    let Some(count) = requested() else { return };
    if STARTED.with(|started| started.replace(true)) {
        return;
    }
    // The empty panel is mounted and its backlog in: interactive.
    let interactive = now();
    let workload = agent_desktop(DECODE_PAIR_COUNT, Payload::Typical);
    let mut push_ms = Vec::with_capacity(PUSH_RUNS);
    for _ in 0..PUSH_RUNS {
        let records = workload.clone();
        let start = now();
        let mut session = Session::new();
        for record in records {
            session.push(record);
        }
        push_ms.push(now() - start);
        drop(session);
    }
    let mean_size = mean_size(&workload);

    let start = now();
    let records = synthetic_records(count);
    let generated = now();
    // Beside the store's push, the core alone on the same records; not at
    // a million, where the copies would double the memory reported.
    let synthetic_session_ms = (count <= 100_000).then(|| {
        let copies: Vec<Record> = records.iter().map(|(record, _)| record.clone()).collect();
        let start = now();
        let mut session = Session::new();
        for record in copies {
            session.push(record);
        }
        now() - start
    });
    let handed = now();
    store.push(records.into_iter().map(|(record, text)| Parsed::from_written(record, text)));
    let stored = now();
    let figures = json!({
        "records": count,
        "generate_ms": generated - start,
        "store_push_ms": stored - handed,
        "synthetic_session_push_ms": synthetic_session_ms,
        "interactive_ms": interactive,
        "workload": { "records": workload.len(), "mean_size": mean_size, "push_ms": push_ms },
    });
    // The store's change renders in Leptos' effects; the first frame after
    // that paints it, and the second frame's callback runs after that paint.
    request_animation_frame(move || {
        request_animation_frame(move || {
            let painted = now();
            let mut figures = figures;
            figures["paint_ms"] = json!(painted - handed);
            figures["since_navigation_ms"] = json!(painted);
            figures["wasm_memory_bytes"] = json!(wasm_memory_bytes());
            if let Some(html) = document().document_element() {
                let _ = html.set_attribute(RESULT_ATTRIBUTE, &figures.to_string());
                let _ = html.set_attribute(READY_ATTRIBUTE, &format!("{:.1}", painted - handed));
            }
        });
    });
}

/// `performance.now()`, in milliseconds.
/// The size of the panel's wasm linear memory (it only grows, so this is
/// its peak so far).
fn wasm_memory_bytes() -> Option<f64> {
    let memory = wasm_bindgen::memory();
    let buffer = js_sys::Reflect::get(&memory, &"buffer".into()).ok()?;
    js_sys::Reflect::get(&buffer, &"byteLength".into()).ok()?.as_f64()
}

fn now() -> f64 {
    let performance = js_sys::Reflect::get(&js_sys::global(), &"performance".into()).unwrap_or_default();
    js_sys::Reflect::get(&performance, &"now".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .and_then(|f| f.call0(&performance).ok())
        .and_then(|v| v.as_f64())
        .unwrap_or_else(js_sys::Date::now)
}

/// `count` records of a busy agent desktop, each with its data as JSON text:
/// three client apps (three frames, three origins) subscribe, send requests
/// that WWE answers (mostly successes, some failures, an occasional
/// rate-limit hit and a misspelt request name), WWE sends events to every
/// subscriber, and a little foreign traffic passes by. Deterministic; about
/// 30 messages per second over the capture's span.
pub fn synthetic_records(count: usize) -> Vec<(Record, String)> {
    let mut builder = Builder { out: Vec::with_capacity(count), count, time: 1_700_000_000_000.0, seqs: [0; 8] };
    for (i, client) in CLIENTS.iter().enumerate() {
        let rid = format!("s{i}");
        builder.request(client, json!({"event": "subscribe", "data": ["agent", "interaction", "media"], "referenceId": rid, "userAgent": CLIENT_UA, "protocolVersion": 2}));
        builder.reply(client, reply::subscribe_reply(Some(&rid), &format!("sub-{i}"), &["agent".into(), "interaction".into(), "media".into()], SERVICE_UA));
    }
    let mut step = 0u64;
    while !builder.full() {
        let client = &CLIENTS[(step % 3) as usize];
        let rid = step.to_string();
        let interaction = format!("017C02B1{:08X}", step / 12);
        let request = match step % 10 {
            0 => json!({"request": "voice.dial", "parameters": [format!("+3120555{:04}", step % 10_000), {"CustomerId": format!("C-{}", 10_000 + step % 5_000), "Source": "crm"}]}),
            1 | 5 => json!({"request": "interaction.setUserData", "parameters": [interaction, {"Disposition": "Sale", "Notes": "Call back on Monday"}]}),
            2 | 6 => json!({"request": "agent.getState", "parameters": []}),
            3 => json!({"request": "interaction.getByInteractionId", "parameters": [interaction]}),
            4 => json!({"request": "voice.holdCall", "parameters": [interaction]}),
            7 => json!({"request": "agent.get", "parameters": []}),
            8 => json!({"request": "voice.pauseRecording", "parameters": [interaction]}),
            _ => json!({"request": "interaction.getInteractions", "parameters": []}),
        };
        let mut request = request;
        request["referenceId"] = json!(rid);
        request["userAgent"] = json!(CLIENT_UA);
        request["protocolVersion"] = json!(2);
        request["frameId"] = json!(client.0);
        builder.request(client, request);
        let answer = match step % 10 {
            8 => reply::reply_error(Some(&rid), &reply::unknown_request_message("voice.pauseRecording"), SERVICE_UA),
            3 if step % 40 == 3 => reply::reply_error(Some(&rid), &format!("Interaction {interaction} not found"), SERVICE_UA),
            0 if step % 500 == 0 => reply::rate_limit_reply(Some(&rid), "voice.dial", 30, SERVICE_UA),
            2 | 6 => reply::reply_ok(Some(&rid), json!({"state": "READY", "reason": null}), SERVICE_UA),
            7 => reply::reply_ok(Some(&rid), json!({"username": "agent007", "firstname": "Ada", "lastname": "Byron", "employeeId": "7007"}), SERVICE_UA),
            _ => reply::reply_ok(Some(&rid), json!({"interactionId": interaction, "state": "ESTABLISHED"}), SERVICE_UA),
        };
        builder.reply(client, answer);
        if step % 4 == 0 {
            let (kind, state) = match step % 12 {
                0 => ("RINGING", "RINGING"),
                4 => ("STATE_CHANGED", "ESTABLISHED"),
                _ => ("ATTACHED_DATA_CHANGED", "ESTABLISHED"),
            };
            let data = json!({"eventType": kind, "media": "voice", "interaction": {"interactionId": interaction, "state": state, "userData": {"CustomerId": format!("C-{}", 10_000 + step % 5_000)}, "callUuid": "4L6JGNEE9H7DT671"}});
            for client in &CLIENTS {
                builder.reply(client, reply::event("interaction", data.clone(), SERVICE_UA));
            }
        }
        if step % 50 == 25 {
            builder.reply(client, json!({"type": "analytics", "page": "softphone", "visible": true}));
        }
        step += 1;
    }
    builder.out
}

/// Appends records in capture order, stopping at `count`.
struct Builder {
    out: Vec<(Record, String)>,
    count: usize,
    time: f64,
    /// Next sequence number per receiving frame id.
    seqs: [u64; 8],
}

impl Builder {
    fn full(&self) -> bool {
        self.out.len() >= self.count
    }

    /// A message from `client`, received by WWE.
    fn request(&mut self, client: &(i64, &str, &str), data: Value) {
        self.push(SERVICE, client, data);
    }

    /// A message from WWE, received by `client`.
    fn reply(&mut self, client: &(i64, &str, &str), data: Value) {
        self.push(*client, &SERVICE, data);
    }

    fn push(&mut self, receiver: (i64, &str, &str), sender: &(i64, &str, &str), data: Value) {
        if self.full() {
            return;
        }
        self.time += 7.0 + (self.out.len() % 13) as f64 * 4.25;
        let json = data.to_string();
        let seq = &mut self.seqs[receiver.0 as usize];
        *seq += 1;
        let record = Record {
            id: self.out.len() as u64 + 1,
            seq: *seq,
            tab_id: TAB,
            frame_id: receiver.0,
            frame_url: receiver.2.into(),
            frame_origin: receiver.1.into(),
            source_origin: sender.1.into(),
            source_frame_id: Some(sender.0),
            time: self.time,
            size: json.len() as u64,
            data,
            ..Record::default()
        };
        self.out.push((record, json));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wwe_core::decode::Message;

    #[test]
    fn synthetic_records_are_the_count_asked_for_in_time_order_with_their_json() {
        let records = synthetic_records(5_000);
        assert_eq!(records.len(), 5_000);
        assert!(records.windows(2).all(|w| w[0].0.time < w[1].0.time));
        for (record, json) in &records {
            assert_eq!(serde_json::from_str::<Value>(json).unwrap(), record.data);
        }
    }

    #[test]
    fn synthetic_records_pair_and_cover_every_kind() {
        let mut session = Session::new();
        for (record, _) in synthetic_records(5_000) {
            session.push(record);
        }
        let kinds: std::collections::BTreeSet<&str> =
            session.messages().iter().map(|m| m.decoded.message.kind_str()).collect();
        for kind in ["request", "subscribe", "reply", "error", "rate-limit", "event", "foreign"] {
            assert!(kinds.contains(kind), "no {kind} among {kinds:?}");
        }
        let requests = session.messages().iter().filter(|m| matches!(m.decoded.message, Message::Request(_))).count();
        assert!(session.exchanges().len() >= requests);
        assert_eq!(session.frames().len(), 4);
    }
}
