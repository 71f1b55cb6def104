//! `wwe-trace ratelimit`: runs the trace's requests through WWE's rate
//! limiter with the given options (the core's `ratelimit::predict`) and
//! lists the requests WWE would answer with the rate-limit error or ignore,
//! beside what the trace shows happened. Exit 1 when any would be limited.

use std::fmt::Write;

use anyhow::Result;
use wwe_core::session::ExchangeState;
use wwe_core::options::RateLimits;
use wwe_core::ratelimit::{predict, summarize, Verdict};

use crate::load::Loaded;
use crate::show::{clock, count};
use crate::Outcome;

/// Writes the predictions.
pub fn run(t: &Loaded, limits: &RateLimits, out: &mut String) -> Result<Outcome> {
    let s = &t.session;
    // The requests WWE received, from the exchanges: the session keeps no
    // message it no longer needs (`Session::lean`), and a post the browser
    // refused, or an event the page made itself, reached no limit.
    let requests: Vec<(u64, f64, &str, ExchangeState)> = s
        .exchanges()
        .iter()
        .filter(|e| e.subscription.is_none())
        .map(|e| (e.request, e.request_time, e.name.as_ref(), e.state))
        .collect();
    let predictions = predict(limits, requests.iter().map(|&(_, time, name, _)| (time, name)));

    let mut described = Vec::new();
    if let Some(g) = limits.global {
        described.push(if g == 0 { "global unlimited".to_owned() } else { format!("global {g}/min") });
    }
    for (name, n) in &limits.per_request {
        described.push(if *n == 0 { format!("{name} unlimited") } else { format!("{name} {n}/min") });
    }
    let delay = match limits.quarantine_delay() {
        0 => "forever".to_owned(),
        s => format!("{s} s"),
    };
    let limits_line = if described.is_empty() { "none (every request unlimited)".to_owned() } else { described.join(", ") };
    let _ = writeln!(out, "limits: {limits_line}; quarantine {delay}");

    let mut limited = 0;
    for p in &predictions {
        let (id, _, _, state) = requests[p.index];
        let observed = state.as_str();
        let what = match p.verdict {
            Verdict::Allowed => continue,
            Verdict::LimitReached { quarantine_seconds, until_ms } => {
                let until = until_ms.map_or("for ever".to_owned(), |u| format!("until {}", clock(u)));
                format!(
                    "rate-limit error ({} served this minute, limit {}); quarantine {quarantine_seconds} s {until}",
                    p.count_in_window,
                    p.limit.map_or("-".to_owned(), |l| l.to_string())
                )
            }
            Verdict::Ignored { until_ms } => {
                let until = until_ms.map_or("for ever".to_owned(), |u| format!("until {}", clock(u)));
                format!("ignored, no reply (quarantine {until})")
            }
        };
        limited += 1;
        let _ = writeln!(out, "message {id} at {} {}: {what}; in the trace: {observed}", clock(p.time_ms), p.request);
    }
    for r in summarize(limits, &predictions) {
        let limit = r.limit.map_or("unlimited".to_owned(), |l| format!("limit {l}/min"));
        let _ = writeln!(
            out,
            "{}: {limit}: {} served, {}, {} ignored",
            r.request,
            r.served,
            count(r.hits as usize, "rate-limit error", "rate-limit errors"),
            r.swallowed
        );
    }
    let _ = writeln!(
        out,
        "{} would be limited",
        if limited == 0 { "no request".to_owned() } else { count(limited, "request", "requests") }
    );
    Ok(if limited > 0 { Outcome::Found } else { Outcome::Clean })
}
