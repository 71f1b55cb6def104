//! `wwe-trace summary`: what is in a trace at a glance.

use std::collections::BTreeMap;
use std::fmt::Write;

use anyhow::Result;
use wwe_core::lint::Severity;
use wwe_core::session::ExchangeState;

use crate::load::Loaded;
use crate::show::{count, duration, time};
use crate::Outcome;

const STATES: [ExchangeState; 6] = [
    ExchangeState::Ok,
    ExchangeState::Error,
    ExchangeState::RateLimited,
    ExchangeState::Swallowed,
    ExchangeState::TimedOut,
    ExchangeState::Pending,
];

/// Writes the summary; `Found` when a finding is at or above `deny`, like
/// `lint` (the exit codes are the same for every subcommand).
pub fn run(t: &Loaded, deny: Option<Severity>, out: &mut String) -> Result<Outcome> {
    let s = &t.session;
    // Counted as the records streamed by: the session holds only what
    // pairing still needs (`Session::lean`).
    let tally = s.tally();
    let _ = writeln!(out, "trace: {} ({}, {})", t.name, t.trace.format.as_str(), count(s.len(), "record", "records"));
    if !t.trace.skipped.is_empty() {
        let lines = count(t.trace.skipped.len(), "line that is not a record", "lines that are not records");
        let _ = writeln!(out, "skipped: {lines} (listed on standard error)");
    }
    if let Some(c) = &t.trace.creator {
        let _ = writeln!(out, "saved by: {c}");
    }
    if let Some((first, last)) = tally.time_range {
        let _ = writeln!(out, "time: {} to {} UTC ({})", time(first), time(last), duration(last - first));
    }

    let _ = writeln!(out, "frames:");
    for f in s.frames() {
        let wwe = f.wwe_frame_id.map(|id| format!(", WWE frame id {id}")).unwrap_or_default();
        let origin = if f.origin.is_empty() { "(origin unknown)" } else { &f.origin };
        // Posts the browser refused, and whether any client message of
        // this frame was delivered at all (issue 19).
        let refused = match (f.undelivered, s.is_silent(f)) {
            (0, _) => String::new(),
            (n, true) => format!(", undelivered {n}, none of its messages reached WWE"),
            (n, false) => format!(", undelivered {n}"),
        };
        let _ = writeln!(
            out,
            "  tab {} frame {}: {} {origin}{wwe}, received {}, sent {}{refused}",
            f.tab_id,
            f.frame_id,
            f.role.as_str(),
            f.received,
            f.sent
        );
    }

    let kinds: Vec<String> = tally.kinds.iter().map(|(k, n)| format!("{n} {k}")).collect();
    let _ = writeln!(out, "messages: {}", if kinds.is_empty() { "none".to_owned() } else { kinds.join(", ") });

    if !s.undelivered().is_empty() {
        let _ = writeln!(
            out,
            "undelivered: {} (refused by the browser: targetOrigin not the recipient's origin; never answered)",
            count(s.undelivered().len(), "post", "posts")
        );
    }

    let exchanges = s.exchanges();
    let states = states_line(exchanges.iter().map(|e| e.state));
    let _ = writeln!(out, "exchanges: {}{}", exchanges.len(), if states.is_empty() { String::new() } else { format!(" ({states})") });

    // Per request name, in order of first appearance.
    let mut per: BTreeMap<usize, (&str, Vec<ExchangeState>, Vec<f64>)> = BTreeMap::new();
    let mut order: Vec<&str> = Vec::new();
    for e in exchanges {
        let i = match order.iter().position(|n| *n == e.name.as_ref()) {
            Some(i) => i,
            None => {
                order.push(&e.name);
                order.len() - 1
            }
        };
        let entry = per.entry(i).or_insert((&e.name, Vec::new(), Vec::new()));
        entry.1.push(e.state);
        if let Some(l) = e.latency_ms {
            entry.2.push(l);
        }
    }
    if !per.is_empty() {
        let _ = writeln!(out, "requests:");
        let width = order.iter().map(|n| n.len()).max().unwrap_or(0);
        for (name, states, mut latencies) in per.into_values() {
            latencies.sort_by(f64::total_cmp);
            let latency = match latencies.as_slice() {
                [] => String::new(),
                l => format!(", latency median {} max {}", duration(l[(l.len() - 1) / 2]), duration(l[l.len() - 1])),
            };
            let _ = writeln!(out, "  {name:<width$} {:>4}: {}{latency}", states.len(), states_line(states.iter().copied()));
        }
    }

    let silence = s.silence();
    let findings: Vec<_> = s.findings().iter().chain(silence.iter()).collect();
    let by = |sev: Severity| findings.iter().filter(|f| f.severity == sev).count();
    let _ = writeln!(
        out,
        "findings: {}, {}, {}{}",
        count(by(Severity::Error), "error", "errors"),
        count(by(Severity::Warning), "warning", "warnings"),
        count(by(Severity::Info), "info", "info"),
        if findings.is_empty() { "" } else { " (wwe-trace lint lists them)" }
    );
    if let Some(silence) = &silence {
        let _ = writeln!(out, "silent: {}", silence.message);
    }
    if !t.trace.redactions.is_empty() {
        let r: Vec<String> = t.trace.redactions.iter().map(|r| format!("{} x{}", r.rule, r.count)).collect();
        let _ = writeln!(out, "redacted: {}", r.join(", "));
    }
    let denied = deny.is_some_and(|level| findings.iter().any(|f| f.severity >= level));
    Ok(if denied { Outcome::Found } else { Outcome::Clean })
}

/// `2 ok, 1 rate-limited`.
pub fn states_line(states: impl Iterator<Item = ExchangeState>) -> String {
    let mut counts = [0usize; 6];
    for s in states {
        counts[STATES.iter().position(|x| *x == s).unwrap_or(5)] += 1;
    }
    STATES
        .iter()
        .zip(counts)
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{n} {}", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}
