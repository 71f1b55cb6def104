//! A bounded, seeded fuzzer for trace files on stable Rust: HAR and JSON
//! Lines export, import and redaction. Shared by the `fuzz_smoke` test
//! and the `fuzz` example (`cargo xtask fuzz`); it uses the message
//! mutator of `fuzz_driver.rs` (included beside it by both).
//!
//! Each iteration builds a small session of mutated messages in records
//! with odd fields (tokens in URLs, unknown fields, times outside HAR's
//! years), then checks what issue 17 asks of traces:
//! - whatever is exported (HAR and JSON Lines, redacted by random rules)
//!   imports back to exactly the redacted records;
//! - redacting a redacted trace again finds nothing;
//! - the streaming export (`wwe-trace convert`) writes the same bytes;
//! - a HAR read from a stream gives what its text gives, damaged or not;
//! - mutated and cut export texts import or fail with an error, strictly
//!   and leniently, never a panic.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

use serde_json::json;
use wwe_core::har::{
    export, export_replayed, import, import_har_each, import_har_reader, import_with, session_of, Format, ImportOptions, StreamOptions,
};
use wwe_core::record::Record;
use wwe_core::redact::{preview, redact, Rule, Rules};

use super::fuzz_driver::{mutate, mutate_text, random_value, seeds, Rng, Stats};
use super::replay_mem::{mem_spill, MemSource};

const URLS: &[&str] = &[
    "https://crm.example/app.html",
    "https://crm.example/app.html?access_token=opaque123456&x=1#id_token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln",
    "https://crm.example/c?phone=4155550123&mail=j%C3%BCrgen@b%C3%BCcher.de",
    "",
    "not a url at all \u{10FFFF}",
];
const TIMES: &[f64] = &[1.7e12, 0.0, -1.0, 4.0e14, -7.0e13, 1.0e300, -0.0];

fn rules(rng: &mut Rng) -> Rules {
    let mut rules = if rng.below(4) == 0 { Rules::none() } else { Rules::default() };
    let extra = [Rule::Email, Rule::Phone, Rule::Key("data".into()), Rule::Key("k".into()), Rule::Credentials, Rule::Jwt];
    for _ in 0..rng.below(3) {
        rules.push(rng.pick(&extra).clone());
    }
    rules
}

fn records(rng: &mut Rng) -> Vec<Record> {
    let seeds = seeds();
    (0..=rng.below(6) as u64)
        .map(|id| {
            let mut data = rng.pick(&seeds).clone();
            for _ in 0..=rng.below(3) {
                mutate(&mut data, rng);
            }
            if rng.below(8) == 0 {
                data = mutate_text(&data, rng).unwrap_or(data);
            }
            let mut r = Record {
                id,
                tab_id: 1,
                frame_id: *rng.pick(&[0, 5]),
                source_frame_id: Some(*rng.pick(&[0, 5])),
                frame_url: (*rng.pick(URLS)).to_owned(),
                frame_origin: "https://a.example".into(),
                source_origin: "https://b.example".into(),
                time: *rng.pick(TIMES) + id as f64,
                data,
                ..Record::default()
            };
            if rng.below(3) == 0 {
                r.stack = Some(format!("at send ({})", rng.pick(URLS)));
                r.target_origin = Some((*rng.pick(URLS)).to_owned());
            }
            if rng.below(3) == 0 {
                r.extra.insert("newer".into(), random_value(rng, 0));
            }
            if rng.below(6) == 0 {
                // Deep, as deep as a trace holds.
                let mut v = json!("deep");
                for _ in 0..wwe_core::har::MAX_MESSAGE_DEPTH - 1 {
                    v = json!([v]);
                }
                r.data = v;
            }
            r
        })
        .collect()
}

/// Flips, inserts or cuts bytes of an export's text.
fn mutate_file(text: &str, rng: &mut Rng) -> String {
    let mut bytes = text.as_bytes().to_vec();
    match rng.below(4) {
        0 => bytes.truncate(rng.below(bytes.len() + 1)),
        1 => {
            let at = rng.below(bytes.len() + 1);
            bytes.splice(at..at, rng.pick(&[&b"\n"[..], b"{\"time\":1}\n", b"\xEF\xBB\xBF", b"[[[[", b"\"log\":"]).iter().copied());
        }
        _ => {
            for _ in 0..=rng.below(4) {
                if bytes.is_empty() {
                    break;
                }
                let i = rng.below(bytes.len());
                bytes[i] = *rng.pick(b"0123456789-+.eE\"{}[]:,\n\\ ");
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// How many times each target ran on an input of its own.
#[derive(Debug, Default, Clone, Copy)]
pub struct Runs {
    /// Exports of a session (HAR or JSON Lines, redacted).
    pub export: u64,
    /// Streamed exports of the same records.
    pub streamed: u64,
    /// Imports of an export, and of a damaged one (strictly and leniently).
    pub import: u64,
    /// Redactions and previews.
    pub redact: u64,
}

impl Runs {
    /// Every target's runs.
    pub fn total(&self) -> u64 {
        self.export + self.streamed + self.import + self.redact
    }
}

fn iteration(rng: &mut Rng, runs: &mut Runs) -> Result<(), String> {
    let records = records(rng);
    let session = session_of(records.clone(), None);
    let rules = rules(rng);
    let redacted = redact(&session, &rules).records;
    runs.redact += 1;
    for format in [Format::Har, Format::JsonLines] {
        let pretty = rng.below(2) == 0;
        let out = export(&session, &rules, format, pretty);
        runs.export += 1;
        runs.streamed += 1;
        runs.import += 3;
        runs.redact += 1;
        // What `wwe-trace convert` writes without holding the records.
        let mut streamed = Vec::new();
        let how = StreamOptions { rules: &rules, format, pretty, history: &[], options: None, token_replies: None, progress: None };
        export_replayed(&mut MemSource::new(records.clone()), &mut mem_spill, &how, &mut streamed)
            .map_err(|e| format!("{format:?} streamed export failed: {e}"))?;
        if streamed != out.text.as_bytes() {
            return Err(format!("{format:?} streamed export differs from the export of the session"));
        }
        let back = import(&out.text).map_err(|e| format!("{format:?} export does not read back: {e}"))?;
        if back.records != redacted {
            return Err(format!("{format:?} export read back other records"));
        }
        let again = preview(&session_of(back.records, None), &rules);
        if !again.is_empty() {
            return Err(format!("redacting a redacted trace again finds {:?}", again[0]));
        }
        let damaged = mutate_file(&out.text, rng);
        if format == Format::Har {
            // Read from a stream, a HAR gives what its text gives.
            runs.import += 2;
            for text in [&out.text, &damaged] {
                let (from_text, from_stream) = (read_har_text(text), read_har_stream(text));
                if from_text != from_stream {
                    return Err(format!("a HAR read from a stream differs from its text: {from_stream:?} vs {from_text:?}"));
                }
            }
        }
        let _ = import(&damaged);
        let _ = import_with(&damaged, &ImportOptions { strict: false, max_bytes: None });
    }
    Ok(())
}

/// What reading a HAR's text gives: the records, then the trace or the
/// error (as text).
type HarRead = (Vec<Record>, Result<(Option<String>, Vec<wwe_core::redact::Summary>), String>);

fn read_har_text(text: &str) -> HarRead {
    let mut records = Vec::new();
    let result = import_har_each(text, &mut |r| records.push(r));
    (records, result.map(|t| (t.creator, t.redactions)).map_err(|e| e.to_string()))
}

fn read_har_stream(text: &str) -> HarRead {
    let mut records = Vec::new();
    let result = import_har_reader(text.as_bytes(), &mut || Ok(text.to_owned()), &mut |r| records.push(r)).expect("in memory");
    (records, result.map(|t| (t.creator, t.redactions)).map_err(|e| e.to_string()))
}

/// Runs until `budget` has passed or `max_iterations` are done; on a panic
/// or a broken invariant, returns the seed and iteration to replay.
pub fn run(seed: u64, budget: Duration, max_iterations: u64) -> Result<Stats, String> {
    run_counted(seed, budget, max_iterations, u64::MAX).map(|(stats, _)| stats)
}

/// [`run`], also until the targets ran `max_runs` times in all; with the
/// runs per target.
pub fn run_counted(seed: u64, budget: Duration, max_iterations: u64, max_runs: u64) -> Result<(Stats, Runs), String> {
    let start = Instant::now();
    let mut rng = Rng::new(seed);
    let mut iterations = 0u64;
    let mut runs = Runs::default();
    while iterations < max_iterations && runs.total() < max_runs && start.elapsed() < budget {
        iterations += 1;
        match catch_unwind(AssertUnwindSafe(|| iteration(&mut rng, &mut runs))) {
            Ok(Ok(())) => {}
            Ok(Err(broken)) => return Err(format!("traces: seed {seed}, iteration {iterations}: {broken}")),
            Err(_) => return Err(format!("traces: seed {seed}, iteration {iterations}: panic")),
        }
    }
    Ok((Stats { iterations, elapsed: start.elapsed() }, runs))
}
