//! A bounded, seeded mutation fuzzer for the decoder and the session that
//! runs on stable Rust (cargo-fuzz needs nightly). Shared by the
//! `fuzz_smoke` test (a fixed number of iterations) and the `fuzz` example
//! (time-bounded, run by `cargo xtask fuzz`).
//!
//! Each iteration takes a realistic message, mutates it (structure and
//! text), decodes it, parses it as a capture record, and feeds it to a
//! session with a random frame and a jittered time, checking the pairing
//! invariants now and then. A panic is caught and reported with the input
//! that caused it.

#![allow(dead_code)] // Each user of this module uses a different part.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};
use wwe_core::decode::decode;
use wwe_core::record::Record;
use wwe_core::session::{ExchangeState, Session};

/// xorshift64*: small, fast, and the same sequence on every machine.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

pub fn seeds() -> Vec<Value> {
    vec![
        json!({"request": "voice.dial", "parameters": ["5001", {"k": "v"}], "referenceId": "7", "userAgent": "WWE Client", "protocolVersion": 2}),
        json!({"request": "interaction.setUserData", "parameters": ["1", {"MyKEY1": "MyValue1"}], "referenceId": "0", "userAgent": "WWE Client", "protocolVersion": 2, "frameId": 3}),
        json!({"event": "subscribe", "data": ["agent", "interaction"], "referenceId": "1", "userAgent": "WWE Client", "protocolVersion": 2}),
        json!({"event": "unsubscribe", "data": "s1", "referenceId": "2", "userAgent": "WWE Client", "protocolVersion": 2}),
        json!({"referenceId": "7", "data": {"username": "a"}, "subscriptionId": "s1", "userAgent": "WWE"}),
        json!({"referenceId": "7", "errorMessage": "Interaction not found", "userAgent": "WWE"}),
        json!({"errorMessage": "The rate limit for the request 'voice.dial' has been reached.\nFurther requests of the same type will be ignored for 30 seconds.", "request": "agent.getState", "referenceId": "7", "userAgent": "WWE"}),
        json!({"event": "agent", "data": {"eventType": "STATE_CHANGED", "mediaState": "NOT_READY_ACTION_CODE", "reason": "Break", "reasonCode": "1511"}, "userAgent": "WWE"}),
        json!({"event": "interaction", "data": {"eventType": "ATTACHED_DATA_CHANGED", "media": "voice", "interaction": {"interactionId": "1", "userData": {"IW_CaseUid": "x"}}}, "userAgent": "WWE"}),
        json!({"frameId": 3, "userAgent": "WWE"}),
        json!("wwe-legacy"),
        json!({"type": "webpack"}),
    ]
}

const KEYS: &[&str] = &[
    "request", "parameters", "referenceId", "userAgent", "protocolVersion", "event", "data", "errorMessage",
    "frameId", "subscriptionId", "eventType", "interaction", "interactionId", "request",
];
const STRINGS: &[&str] = &[
    "", "WWE", "WWE Client", "wwe", "voice.dial", "voice.pauseRecording", "subscribe", "unsubscribe", "agent",
    "messenger:", "messenger:x", "STATE_CHANGED", "The rate limit for the request '", "ignored for 99999999999999 seconds",
    "0", "1", "\u{10FFFF}é", "'", ".",
];

pub fn random_value(rng: &mut Rng, depth: u32) -> Value {
    match rng.below(if depth > 2 { 6 } else { 8 }) {
        0 => Value::Null,
        1 => Value::Bool(rng.next() & 1 == 1),
        2 => json!(rng.next() as i64 >> rng.below(64)),
        3 => serde_json::Number::from_f64(f64::from_bits(rng.next())).map_or(Value::Null, Value::Number),
        4 | 5 => Value::String((*rng.pick(STRINGS)).to_owned()),
        6 => Value::Array((0..rng.below(4)).map(|_| random_value(rng, depth + 1)).collect()),
        _ => Value::Object(
            (0..rng.below(5)).map(|_| ((*rng.pick(KEYS)).to_owned(), random_value(rng, depth + 1))).collect::<Map<_, _>>(),
        ),
    }
}

/// Changes one random node of `v`.
pub fn mutate(v: &mut Value, rng: &mut Rng) {
    match v {
        Value::Object(map) if !map.is_empty() && rng.below(4) != 0 => {
            let key = map.keys().nth(rng.below(map.len())).cloned().expect("non-empty");
            match rng.below(4) {
                0 => {
                    map.remove(&key);
                }
                1 => {
                    map.insert((*rng.pick(KEYS)).to_owned(), random_value(rng, 1));
                }
                _ => mutate(map.get_mut(&key).expect("key exists"), rng),
            }
        }
        Value::Array(items) if !items.is_empty() && rng.below(4) != 0 => {
            let i = rng.below(items.len());
            match rng.below(3) {
                0 => {
                    items.remove(i);
                }
                _ => mutate(&mut items[i], rng),
            }
        }
        Value::String(s) if rng.below(2) == 0 => {
            let mut bytes: Vec<char> = s.chars().collect();
            match rng.below(3) {
                0 if !bytes.is_empty() => {
                    bytes.truncate(rng.below(bytes.len()));
                }
                1 => bytes.insert(rng.below(bytes.len() + 1), *rng.pick(&['\'', '.', ':', 'é', '0', ' ', '\n'])),
                _ => bytes.extend(rng.pick(STRINGS).chars()),
            }
            *s = bytes.into_iter().collect();
        }
        _ => *v = random_value(rng, 0),
    }
}

/// Flips bytes of the JSON text and keeps the result if it still parses,
/// so that number and string edge cases the value mutator cannot reach
/// get a chance.
pub fn mutate_text(v: &Value, rng: &mut Rng) -> Option<Value> {
    let mut text = v.to_string().into_bytes();
    for _ in 0..=rng.below(3) {
        if text.is_empty() {
            break;
        }
        let i = rng.below(text.len());
        text[i] = *rng.pick(b"0123456789-+.eE\"{}[]:,ntfa\\u ");
    }
    serde_json::from_slice(&text).ok()
}

fn check(s: &Session) -> Result<(), String> {
    let mut seen = std::collections::HashSet::new();
    for e in s.exchanges() {
        if let Some(r) = e.reply {
            if !seen.insert(r) {
                return Err(format!("reply {r} paired twice"));
            }
        }
        if e.state == ExchangeState::Pending {
            let latest = s.latest_time().unwrap_or(f64::INFINITY);
            if e.request_time + wwe_core::session::REQUEST_TIMEOUT_MS <= latest {
                return Err(format!("exchange of message {} pending past its deadline", e.request));
            }
        }
    }
    Ok(())
}

/// What a run did.
pub struct Stats {
    pub iterations: u64,
    pub elapsed: Duration,
}

/// Runs until `budget` has passed or `max_iterations` are done, whichever
/// comes first. On a panic or a broken invariant, returns the input.
pub fn run(seed: u64, budget: Duration, max_iterations: u64) -> Result<Stats, String> {
    let start = Instant::now();
    let mut rng = Rng::new(seed);
    let seeds = seeds();
    let mut session = Session::new();
    let mut id = 0u64;
    let mut iterations = 0u64;
    while iterations < max_iterations && start.elapsed() < budget {
        iterations += 1;
        let mut value = rng.pick(&seeds).clone();
        for _ in 0..=rng.below(4) {
            mutate(&mut value, &mut rng);
        }
        if rng.below(8) == 0 {
            if let Some(v) = mutate_text(&value, &mut rng) {
                value = v;
            }
        }
        id += 1;
        let frames = [(0, Some(5)), (5, Some(0)), (6, Some(0)), (0, Some(6)), (0, None), (5, None)];
        let (frame_id, source_frame_id) = *rng.pick(&frames);
        let record_json = json!({
            "id": id, "tabId": 1, "frameId": frame_id, "sourceFrameId": source_frame_id,
            "frameOrigin": "https://a.example", "sourceOrigin": "https://b.example",
            "time": 1.7e12 + (id as f64) * 3.0 + (rng.below(20_000) as f64) - 10_000.0,
            "data": value, "targetOrigin": if rng.below(4) == 0 { json!("*") } else { Value::Null },
        });
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let _ = decode(&record_json["data"]).message.to_string();
            let record = Record::from_json(&record_json.to_string()).map_err(|e| e.to_string())?;
            session.push(record);
            if iterations.is_multiple_of(64) {
                check(&session)?;
            }
            Ok::<(), String>(())
        }));
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(broken)) => return Err(format!("seed {seed}, iteration {iterations}: {broken}\ninput: {record_json}")),
            Err(_) => return Err(format!("seed {seed}, iteration {iterations}: panic\ninput: {record_json}")),
        }
        // A fresh session now and then keeps its size, and each step's cost, bounded.
        if session.len() >= 5_000 {
            session = Session::new();
        }
    }
    Ok(Stats { iterations, elapsed: start.elapsed() })
}
