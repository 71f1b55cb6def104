//! The rate-limit engine: what WWE does with
//! `service-client-api.rate-limit`, `service-client-api.rate-limit.<request>`
//! and `service-client-api.rate-limit-quarantine-delay`. The simulator
//! enforces it with [`Limiter`]; the panel and the CLI use [`predict`] and
//! [`summarize`] to say, for a captured trace, which requests WWE answered,
//! which got the rate-limit error and which it swallowed. The error text
//! itself is built by [`rate_limit_error_message`] and recognised by
//! [`parse_rate_limit_message`].
//!
//! # The rules, from the vendor guide
//!
//! - **Per request type.** "You can limit the maximum number of requests per
//!   minute on any Service Client API request": the global limit applies to
//!   each request type separately (`voice.dial` and `email.create` have
//!   their own counters), and `service-client-api.rate-limit.<request>`
//!   overrides it for one type. `0` means unlimited, for the global limit
//!   and for an override alike.
//! - **Fixed one-minute windows.** "Workspace calculates the limitation as a
//!   fixed interval of time, each minute (this is not calculated on a costly
//!   sliding window)". The window of a request is
//!   `floor(time_ms / 60000)`: wall-clock minutes since the Unix epoch, so a
//!   window runs from `hh:mm:00.000` to `hh:mm:59.999` UTC, not from the
//!   first request. (Which instant WWE's minute starts at is not documented;
//!   wall-clock minutes are what a fixed-interval counter keyed on the
//!   current minute gives.)
//! - **Limit, then error, then silence.** "When the number of requests
//!   reaches the limit, Workspace ignores all further requests of the same
//!   type for a configurable period of time ... Workspace Web Edition sends
//!   a result with an explicit error message to the first request it
//!   receives after the limit is reached". With a limit of 3, requests 1 to
//!   3 of a window are answered; request 4 gets the error
//!   ([`Verdict::LimitReached`]) and starts the quarantine; requests during
//!   the quarantine get no reply at all ([`Verdict::Ignored`]).
//! - **The quarantine starts at the request that got the error** and lasts
//!   `rate-limit-quarantine-delay` seconds; it ends at `start + delay` (a
//!   request at exactly that instant is no longer in quarantine). The error
//!   message announces "will be ignored for 30 seconds" at that moment, so
//!   that is where the announced period begins. `0` means forever: "A value
//!   of 0 means that Workspace Web Edition ignores further requests forever".
//! - **The quarantine does not reset the minute's count.** The limit is "the
//!   maximum number of requests per minute"; ending the quarantine does not
//!   make the minute younger. So when a quarantine ends inside the window
//!   that filled up, the count is still at the limit and the next request of
//!   that type gets the error again and starts a new quarantine; only a new
//!   window resets the count. Requests that got the error or were ignored
//!   are not counted (WWE did not serve them).
//! - A quarantine that runs past the end of its window keeps ignoring
//!   requests in the next window; once it ends, that window's count (which
//!   ignored requests did not raise) applies.
//!
//! Times are `f64` milliseconds since the Unix epoch, passed in by the
//! caller (the core has no clock). Non-finite times are treated as `0`; a
//! time earlier than the last one seen for a request type is counted in the
//! window already open for that type (clock skew does not reopen an old
//! window).

use std::collections::BTreeMap;

use serde::Serialize;

pub use crate::options::{RateLimits, DEFAULT_QUARANTINE_DELAY_SECONDS};

/// The length of a rate-limit window in milliseconds: one minute.
pub const WINDOW_MS: f64 = 60_000.0;

/// The window a time falls in: `floor(time_ms / 60000)`, wall-clock minutes
/// since the Unix epoch (non-finite times: window 0).
pub fn window_index(time_ms: f64) -> i64 {
    if time_ms.is_finite() {
        (time_ms / WINDOW_MS).floor() as i64
    } else {
        0
    }
}

/// What WWE does with one request, rate limits considered.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum Verdict {
    /// Served normally (its reply depends on everything else).
    Allowed,
    /// The first request after the limit was reached: answered with
    /// [`rate_limit_error_message`]; a quarantine starts now.
    LimitReached {
        /// The quarantine delay announced in the message (`0` = forever).
        quarantine_seconds: u32,
        /// When the quarantine ends, ms since the epoch; `None` = never.
        until_ms: Option<f64>,
    },
    /// Inside a quarantine: no reply at all (the client library reports
    /// `"Request timeout"` after 10 s).
    Ignored {
        /// When the quarantine ends, ms since the epoch; `None` = never.
        until_ms: Option<f64>,
    },
}

/// The per-type state of a [`Limiter`].
#[derive(Debug, Clone, PartialEq)]
struct TypeState {
    window: i64,
    count: u32,
    /// `Some(None)`: quarantined forever; `Some(Some(t))`: until `t`.
    quarantine: Option<Option<f64>>,
}

/// Applies the rate limits to requests as they arrive, as WWE does. One
/// limiter stands for one WWE service page (its counters are not shared).
#[derive(Debug, Clone, PartialEq)]
pub struct Limiter {
    limits: RateLimits,
    states: BTreeMap<String, TypeState>,
}

impl Limiter {
    /// A limiter with no request seen yet.
    pub fn new(limits: &RateLimits) -> Limiter {
        Limiter { limits: limits.clone(), states: BTreeMap::new() }
    }

    /// The limits this limiter applies.
    pub fn limits(&self) -> &RateLimits {
        &self.limits
    }

    /// Decides what WWE does with `request` (e.g. `voice.dial`) arriving at
    /// `now_ms`, and records it. See the module documentation for the rules.
    pub fn check(&mut self, request: &str, now_ms: f64) -> Verdict {
        let Some(limit) = self.limits.limit_for(request) else {
            return Verdict::Allowed;
        };
        let now_ms = if now_ms.is_finite() { now_ms } else { 0.0 };
        let window = window_index(now_ms);
        let state = self
            .states
            .entry(request.to_string())
            .or_insert(TypeState { window, count: 0, quarantine: None });
        match state.quarantine {
            Some(None) => return Verdict::Ignored { until_ms: None },
            Some(Some(until)) if now_ms < until => return Verdict::Ignored { until_ms: Some(until) },
            Some(Some(_)) => state.quarantine = None,
            None => {}
        }
        if window > state.window {
            state.window = window;
            state.count = 0;
        }
        if state.count < limit {
            state.count += 1;
            return Verdict::Allowed;
        }
        let quarantine_seconds = self.limits.quarantine_delay();
        let until_ms = (quarantine_seconds > 0).then(|| now_ms + f64::from(quarantine_seconds) * 1000.0);
        state.quarantine = Some(until_ms);
        Verdict::LimitReached { quarantine_seconds, until_ms }
    }

    /// How many requests of this type were served in the window that
    /// `now_ms` falls in (0 for a later window, or an unlimited type, which
    /// is not tracked).
    pub fn count_in_window(&self, request: &str, now_ms: f64) -> u32 {
        match self.states.get(request) {
            Some(s) if window_index(now_ms) <= s.window => s.count,
            _ => 0,
        }
    }

    /// Forgets every count and quarantine, as a reload of the WWE page does.
    pub fn reset(&mut self) {
        self.states.clear();
    }
}

/// The error text WWE sends to the first request after a limit is reached,
/// exactly as WWE words it, e.g. for (`voice.dial`, 30):
/// `The rate limit for the request 'voice.dial' has been reached.\nFurther requests of the same type will be ignored for 30 seconds.`
///
/// The number is the configured delay as is; for a delay of `0` (forever)
/// it says "0 seconds", since WWE's wording for that case is not documented.
pub fn rate_limit_error_message(request: &str, quarantine_seconds: u32) -> String {
    format!(
        "The rate limit for the request '{request}' has been reached.\nFurther requests of the same type will be ignored for {quarantine_seconds} seconds."
    )
}

/// Recognises a rate-limit error message and returns the request it names
/// and, if it says one, the quarantine in seconds. Tolerant of variations:
/// any letter case, `rate-limit` or `rate limit`, the line break written as
/// a newline, a space or a literal `\n`, any of `'`, `"`, `` ` `` or curly
/// quotes (or none) around the request name, and `second`/`seconds`/`secs`.
/// Returns `None` for anything else.
///
/// The name is the one in the message, which need not be the request the
/// message replies to: the guide's own example pairs a `voice.dial` message
/// with `"request": "agent.getState"`.
pub fn parse_rate_limit_message(message: &str) -> Option<(String, Option<u32>)> {
    // ASCII lowercasing and '-' -> ' ' keep byte offsets, so positions found
    // in `folded` slice `message` at the same places.
    let folded: String = message.chars().map(|c| if c == '-' { ' ' } else { c.to_ascii_lowercase() }).collect();
    let at = folded.find("rate limit")? + "rate limit".len();
    let after_request = at + folded[at..].find("request")? + "request".len();
    let rest = &message[after_request..];
    let rest_trimmed = rest.trim_start_matches(|c: char| c.is_whitespace() || c == ':');
    let start = after_request + (rest.len() - rest_trimmed.len());
    const QUOTES: [char; 7] = ['\'', '"', '`', '‘', '’', '“', '”'];
    let (name, name_end) = match rest_trimmed.chars().next() {
        Some(q) if QUOTES.contains(&q) => {
            let inner_start = start + q.len_utf8();
            let inner = &message[inner_start..];
            let close = inner.find(QUOTES)?;
            (inner[..close].trim(), inner_start + close)
        }
        _ => {
            let len = rest_trimmed
                .find(|c: char| !(c.is_alphanumeric() || matches!(c, '.' | '_' | '$' | '-')))
                .unwrap_or(rest_trimmed.len());
            let name = rest_trimmed[..len].trim_end_matches('.');
            (name, start + len)
        }
    };
    if name.is_empty() {
        return None;
    }
    Some((name.to_string(), seconds_after(&folded[name_end..])))
}

/// Finds `<digits> sec...` in folded text.
fn seconds_after(folded: &str) -> Option<u32> {
    let bytes = folded.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric()) {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            if folded[i..].trim_start().starts_with("sec") {
                return folded[start..i].parse().ok();
            }
        } else {
            i += 1;
        }
    }
    None
}

/// What WWE would have done with one request of a trace.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Prediction {
    /// 0-based position of the request in the trace given to [`predict`].
    pub index: usize,
    /// When the request arrived, ms since the epoch.
    pub time_ms: f64,
    /// The request name, e.g. `voice.dial`.
    pub request: String,
    /// The verdict.
    pub verdict: Verdict,
    /// The per-minute limit for this request type; `None` = unlimited.
    pub limit: Option<u32>,
    /// The window of [`Prediction::time_ms`] (see [`window_index`]).
    pub window: i64,
    /// Requests of this type served in this window so far, this one
    /// included if it was served.
    pub count_in_window: u32,
}

/// Runs a trace of `(time_ms, request)` pairs, in arrival order, through a
/// fresh [`Limiter`] and says what WWE would have done with each.
pub fn predict<I, S>(limits: &RateLimits, requests: I) -> Vec<Prediction>
where
    I: IntoIterator<Item = (f64, S)>,
    S: AsRef<str>,
{
    predict_indexed(limits, requests.into_iter().enumerate().map(|(i, (t, r))| (i, t, r)))
}

/// [`predict`] over `(index, time_ms, request)`: the requests that reach
/// the limiter, each with its position in a longer trace (the requests
/// WWE refused before counting them are left out by the caller,
/// [`crate::admission::predict`]).
pub fn predict_indexed<I, S>(limits: &RateLimits, requests: I) -> Vec<Prediction>
where
    I: IntoIterator<Item = (usize, f64, S)>,
    S: AsRef<str>,
{
    let mut limiter = Limiter::new(limits);
    let mut served: BTreeMap<(String, i64), u32> = BTreeMap::new();
    requests
        .into_iter()
        .map(|(index, time_ms, request)| {
            let request = request.as_ref();
            let verdict = limiter.check(request, time_ms);
            let window = window_index(time_ms);
            let count = served.entry((request.to_string(), window)).or_insert(0);
            if verdict == Verdict::Allowed {
                *count += 1;
            }
            Prediction {
                index,
                time_ms,
                request: request.to_string(),
                verdict,
                limit: limits.limit_for(request),
                window,
                count_in_window: *count,
            }
        })
        .collect()
}

/// One request type's activity in one window, for a chart row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WindowSummary {
    /// The window (see [`window_index`]).
    pub window: i64,
    /// The window's first millisecond.
    pub start_ms: f64,
    /// One past the window's last millisecond.
    pub end_ms: f64,
    /// The limit in force; `None` = unlimited.
    pub limit: Option<u32>,
    /// Requests served in the window.
    pub served: u32,
    /// Requests answered with the rate-limit error in the window.
    pub hits: u32,
    /// Requests ignored (no reply) in the window.
    pub swallowed: u32,
}

/// A quarantine period, from the request that got the error to its end.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuarantineBand {
    /// When it started: the time of the request that got the error.
    pub start_ms: f64,
    /// When it ends; `None` = never (delay `0`).
    pub end_ms: Option<f64>,
    /// [`Prediction::index`] of the request that got the error.
    pub hit_index: usize,
    /// Requests ignored during this quarantine.
    pub swallowed: u32,
}

/// One request type over a whole trace.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestSummary {
    /// The request name.
    pub request: String,
    /// The limit in force; `None` = unlimited.
    pub limit: Option<u32>,
    /// Requests served.
    pub served: u32,
    /// Requests answered with the rate-limit error.
    pub hits: u32,
    /// Requests ignored (no reply).
    pub swallowed: u32,
    /// Every window with at least one request of this type, in time order.
    pub windows: Vec<WindowSummary>,
    /// The quarantines, in time order.
    pub quarantines: Vec<QuarantineBand>,
}

/// Groups [`predict`]'s output per request type (in order of first
/// appearance) and per window, with the quarantine bands, for charts.
pub fn summarize(limits: &RateLimits, predictions: &[Prediction]) -> Vec<RequestSummary> {
    let mut order: Vec<RequestSummary> = Vec::new();
    let mut windows: Vec<BTreeMap<i64, WindowSummary>> = Vec::new();
    for p in predictions {
        let i = match order.iter().position(|s| s.request == p.request) {
            Some(i) => i,
            None => {
                order.push(RequestSummary {
                    request: p.request.clone(),
                    limit: limits.limit_for(&p.request),
                    served: 0,
                    hits: 0,
                    swallowed: 0,
                    windows: Vec::new(),
                    quarantines: Vec::new(),
                });
                windows.push(BTreeMap::new());
                order.len() - 1
            }
        };
        let summary = &mut order[i];
        let w = windows[i].entry(p.window).or_insert_with(|| WindowSummary {
            window: p.window,
            start_ms: p.window as f64 * WINDOW_MS,
            end_ms: (p.window + 1) as f64 * WINDOW_MS,
            limit: summary.limit,
            served: 0,
            hits: 0,
            swallowed: 0,
        });
        match p.verdict {
            Verdict::Allowed => {
                summary.served += 1;
                w.served += 1;
            }
            Verdict::LimitReached { until_ms, .. } => {
                summary.hits += 1;
                w.hits += 1;
                summary.quarantines.push(QuarantineBand {
                    start_ms: p.time_ms,
                    end_ms: until_ms,
                    hit_index: p.index,
                    swallowed: 0,
                });
            }
            Verdict::Ignored { .. } => {
                summary.swallowed += 1;
                w.swallowed += 1;
                if let Some(band) = summary.quarantines.last_mut() {
                    band.swallowed += 1;
                }
            }
        }
    }
    for (summary, w) in order.iter_mut().zip(windows) {
        summary.windows = w.into_values().collect();
    }
    order
}

#[cfg(test)]
mod tests {
    use expect_test::{expect, Expect};
    use proptest::prelude::*;

    use super::*;
    use crate::options::parse_options;

    fn limits(text: &str) -> RateLimits {
        parse_options(text).unwrap().rate_limits
    }

    /// Limit 3 per minute on voice.dial, quarantine 5 s.
    fn scenario() -> RateLimits {
        limits("service-client-api.rate-limit.voice.dial=3\nservice-client-api.rate-limit-quarantine-delay=5")
    }

    fn render(predictions: &[Prediction]) -> String {
        predictions
            .iter()
            .map(|p| {
                let v = match p.verdict {
                    Verdict::Allowed => "allowed".to_string(),
                    Verdict::LimitReached { quarantine_seconds, until_ms } => {
                        format!("LIMIT REACHED ({quarantine_seconds} s, until {until_ms:?})")
                    }
                    Verdict::Ignored { until_ms } => format!("ignored (until {until_ms:?})"),
                };
                format!("t={} {} w{} {}/{:?}: {v}\n", p.time_ms, p.request, p.window, p.count_in_window, p.limit)
            })
            .collect()
    }

    fn check(limits: &RateLimits, trace: &[(f64, &str)], expect: Expect) {
        expect.assert_eq(&render(&predict(limits, trace.iter().copied())));
    }

    #[test]
    fn brief_scenario_three_per_minute_quarantine_five_seconds() {
        let mut l = Limiter::new(&scenario());
        assert_eq!(l.check("voice.dial", 0.0), Verdict::Allowed);
        assert_eq!(l.check("voice.dial", 1000.0), Verdict::Allowed);
        assert_eq!(l.check("voice.dial", 2000.0), Verdict::Allowed);
        assert_eq!(l.check("voice.dial", 3000.0), Verdict::LimitReached { quarantine_seconds: 5, until_ms: Some(8000.0) });
        assert_eq!(l.check("voice.dial", 3001.0), Verdict::Ignored { until_ms: Some(8000.0) });
        assert_eq!(l.check("voice.dial", 7999.0), Verdict::Ignored { until_ms: Some(8000.0) });
        // The quarantine is over but the minute's count is still at the
        // limit: the next request gets the error again.
        assert_eq!(l.check("voice.dial", 8000.0), Verdict::LimitReached { quarantine_seconds: 5, until_ms: Some(13000.0) });
        assert_eq!(l.check("voice.dial", 12000.0), Verdict::Ignored { until_ms: Some(13000.0) });
        // A new minute: counted afresh.
        assert_eq!(l.check("voice.dial", 60_000.0), Verdict::Allowed);
        assert_eq!(l.count_in_window("voice.dial", 60_000.0), 1);
        // Other request types are unaffected throughout.
        assert_eq!(l.check("agent.get", 3500.0), Verdict::Allowed);
    }

    #[test]
    fn brief_scenario_as_a_trace() {
        check(
            &scenario(),
            &[
                (0.0, "voice.dial"),
                (1000.0, "voice.dial"),
                (2000.0, "voice.dial"),
                (3000.0, "voice.dial"),
                (4000.0, "voice.dial"),
                (7999.0, "voice.dial"),
                (9000.0, "voice.dial"),
                (60000.0, "voice.dial"),
                (61000.0, "voice.dial"),
            ],
            expect![[r#"
                t=0 voice.dial w0 1/Some(3): allowed
                t=1000 voice.dial w0 2/Some(3): allowed
                t=2000 voice.dial w0 3/Some(3): allowed
                t=3000 voice.dial w0 3/Some(3): LIMIT REACHED (5 s, until Some(8000.0))
                t=4000 voice.dial w0 3/Some(3): ignored (until Some(8000.0))
                t=7999 voice.dial w0 3/Some(3): ignored (until Some(8000.0))
                t=9000 voice.dial w0 3/Some(3): LIMIT REACHED (5 s, until Some(14000.0))
                t=60000 voice.dial w1 1/Some(3): allowed
                t=61000 voice.dial w1 2/Some(3): allowed
            "#]],
        );
    }

    #[test]
    fn guide_sample_configuration() {
        // "there are no limits globally, but voice.dial requests are limited
        // to 4 requests per minute and email.create requests are limited to
        // 2 requests per minute."
        let l = limits("service-client-api.rate-limit=0\nservice-client-api.rate-limit.voice.dial=4\nservice-client-api.rate-limit.email.create=2\n");
        let mut trace = Vec::new();
        for i in 0..6 {
            let t = f64::from(i) * 1000.0;
            trace.push((t, "voice.dial"));
            trace.push((t, "email.create"));
            trace.push((t, "agent.get"));
        }
        let p = predict(&l, trace.iter().copied());
        let verdicts = |name: &str| -> Vec<&'static str> {
            p.iter()
                .filter(|p| p.request == name)
                .map(|p| match p.verdict {
                    Verdict::Allowed => "A",
                    Verdict::LimitReached { .. } => "L",
                    Verdict::Ignored { .. } => "I",
                })
                .collect()
        };
        assert_eq!(verdicts("voice.dial"), ["A", "A", "A", "A", "L", "I"]);
        assert_eq!(verdicts("email.create"), ["A", "A", "L", "I", "I", "I"]);
        assert_eq!(verdicts("agent.get"), ["A"; 6]);
        // No quarantine delay configured: the default (30 s) applies.
        assert_eq!(p[12].verdict, Verdict::LimitReached { quarantine_seconds: 30, until_ms: Some(34_000.0) });
    }

    #[test]
    fn global_limit_applies_per_type_and_overrides_win() {
        let l = limits("service-client-api.rate-limit=1\nservice-client-api.rate-limit.voice.dial=0\nservice-client-api.rate-limit.agent.get=2");
        let mut lim = Limiter::new(&l);
        assert_eq!(lim.check("media.getMediaList", 0.0), Verdict::Allowed);
        assert_eq!(lim.check("agent.getState", 0.0), Verdict::Allowed, "each type has its own counter");
        assert!(matches!(lim.check("media.getMediaList", 1.0), Verdict::LimitReached { .. }));
        for t in 0..100 {
            assert_eq!(lim.check("voice.dial", f64::from(t)), Verdict::Allowed, "override 0 = unlimited");
        }
        assert_eq!(lim.check("agent.get", 0.0), Verdict::Allowed);
        assert_eq!(lim.check("agent.get", 0.0), Verdict::Allowed);
        assert!(matches!(lim.check("agent.get", 0.0), Verdict::LimitReached { .. }));
    }

    #[test]
    fn unlimited_when_zero_or_absent() {
        // "Set the value to 0 for unlimited requests."
        for text in ["service-client-api.rate-limit=0", ""] {
            let mut lim = Limiter::new(&limits(text));
            for i in 0..500 {
                assert_eq!(lim.check("voice.dial", f64::from(i)), Verdict::Allowed);
            }
        }
    }

    #[test]
    fn quarantine_zero_is_forever() {
        // "A value of 0 means that Workspace Web Edition ignores further
        // requests forever"
        let l = limits("service-client-api.rate-limit=1\nservice-client-api.rate-limit-quarantine-delay=0");
        let mut lim = Limiter::new(&l);
        assert_eq!(lim.check("voice.dial", 0.0), Verdict::Allowed);
        assert_eq!(lim.check("voice.dial", 1.0), Verdict::LimitReached { quarantine_seconds: 0, until_ms: None });
        assert_eq!(lim.check("voice.dial", 86_400_000.0), Verdict::Ignored { until_ms: None });
        lim.reset();
        assert_eq!(lim.check("voice.dial", 86_400_000.0), Verdict::Allowed);
    }

    #[test]
    fn windows_are_fixed_wall_clock_minutes_not_sliding() {
        // "a fixed interval of time, each minute (this is not calculated on
        // a costly sliding window)": 3 at :59 and 3 at :01 of the next
        // minute all pass with a limit of 3, though 6 fall within 2 seconds.
        let l = limits("service-client-api.rate-limit=3");
        let base = 1_700_000_040_000.0; // a whole minute
        assert_eq!(window_index(base) as f64 * WINDOW_MS, base);
        let trace: Vec<(f64, &str)> =
            [59_000.0, 59_500.0, 59_999.0, 60_000.0, 60_500.0, 61_000.0].iter().map(|t| (base + t, "voice.dial")).collect();
        assert!(predict(&l, trace).iter().all(|p| p.verdict == Verdict::Allowed));
        assert_eq!(window_index(59_999.999), 0);
        assert_eq!(window_index(60_000.0), 1);
        assert_eq!(window_index(-1.0), -1);
        assert_eq!(window_index(f64::NAN), 0);
    }

    #[test]
    fn quarantine_across_a_window_boundary() {
        let l = limits("service-client-api.rate-limit=1\nservice-client-api.rate-limit-quarantine-delay=30");
        check(
            &l,
            &[(50_000.0, "voice.dial"), (55_000.0, "voice.dial"), (61_000.0, "voice.dial"), (85_000.0, "voice.dial"), (86_000.0, "voice.dial")],
            expect![[r#"
                t=50000 voice.dial w0 1/Some(1): allowed
                t=55000 voice.dial w0 1/Some(1): LIMIT REACHED (30 s, until Some(85000.0))
                t=61000 voice.dial w1 0/Some(1): ignored (until Some(85000.0))
                t=85000 voice.dial w1 1/Some(1): allowed
                t=86000 voice.dial w1 1/Some(1): LIMIT REACHED (30 s, until Some(116000.0))
            "#]],
        );
    }

    #[test]
    fn clock_skew_does_not_reopen_a_window() {
        let l = limits("service-client-api.rate-limit=1\nservice-client-api.rate-limit-quarantine-delay=1");
        let mut lim = Limiter::new(&l);
        assert_eq!(lim.check("voice.dial", 120_000.0), Verdict::Allowed);
        assert!(matches!(lim.check("voice.dial", 59_000.0), Verdict::LimitReached { .. }));
        assert_eq!(lim.check("voice.dial", f64::INFINITY), Verdict::Ignored { until_ms: Some(60_000.0) });
    }

    #[test]
    fn summaries_for_charts() {
        let trace: Vec<(f64, &str)> = vec![
            (0.0, "voice.dial"),
            (1000.0, "voice.dial"),
            (1500.0, "agent.get"),
            (2000.0, "voice.dial"),
            (3000.0, "voice.dial"),
            (4000.0, "voice.dial"),
            (5000.0, "voice.dial"),
            (9000.0, "voice.dial"),
            (10000.0, "voice.dial"),
            (60000.0, "voice.dial"),
        ];
        let l = scenario();
        let s = summarize(&l, &predict(&l, trace));
        expect![[r#"
            [
              {
                "request": "voice.dial",
                "limit": 3,
                "served": 4,
                "hits": 2,
                "swallowed": 3,
                "windows": [
                  {
                    "window": 0,
                    "start_ms": 0.0,
                    "end_ms": 60000.0,
                    "limit": 3,
                    "served": 3,
                    "hits": 2,
                    "swallowed": 3
                  },
                  {
                    "window": 1,
                    "start_ms": 60000.0,
                    "end_ms": 120000.0,
                    "limit": 3,
                    "served": 1,
                    "hits": 0,
                    "swallowed": 0
                  }
                ],
                "quarantines": [
                  {
                    "start_ms": 3000.0,
                    "end_ms": 8000.0,
                    "hit_index": 4,
                    "swallowed": 2
                  },
                  {
                    "start_ms": 9000.0,
                    "end_ms": 14000.0,
                    "hit_index": 7,
                    "swallowed": 1
                  }
                ]
              },
              {
                "request": "agent.get",
                "limit": null,
                "served": 1,
                "hits": 0,
                "swallowed": 0,
                "windows": [
                  {
                    "window": 0,
                    "start_ms": 0.0,
                    "end_ms": 60000.0,
                    "limit": null,
                    "served": 1,
                    "hits": 0,
                    "swallowed": 0
                  }
                ],
                "quarantines": []
              }
            ]"#]]
        .assert_eq(&serde_json::to_string_pretty(&s).unwrap());
    }

    #[test]
    fn error_message_is_wwe_text() {
        assert_eq!(
            rate_limit_error_message("voice.dial", 30),
            "The rate limit for the request 'voice.dial' has been reached.\nFurther requests of the same type will be ignored for 30 seconds."
        );
    }

    #[test]
    fn parse_message_variations() {
        let ok = |m: &str| parse_rate_limit_message(m);
        let dial30 = Some(("voice.dial".to_string(), Some(30)));
        // The guide's example, as JSON-decoded text and with the `\n` left escaped.
        assert_eq!(ok("The rate limit for the request 'voice.dial' has been reached.\nFurther requests of the same type will be ignored for 30 seconds."), dial30);
        assert_eq!(ok(r"The rate limit for the request 'voice.dial' has been reached.\nFurther requests of the same type will be ignored for 30 seconds."), dial30);
        // The guide's PDF wraps the line inside the message.
        assert_eq!(ok("The rate limit for the request 'voice.dial' has been reached.\nFurther\nrequests of the same type will be ignored for 30 seconds."), dial30);
        assert_eq!(ok("the RATE-LIMIT for the request \"voice.dial\" has been reached. further requests will be ignored for 30 secs"), dial30);
        assert_eq!(ok("Rate limit for request: voice.dial reached; ignored for 45 second"), Some(("voice.dial".to_string(), Some(45))));
        assert_eq!(ok("The rate limit for the request ‘email.create’ has been reached."), Some(("email.create".to_string(), None)));
        assert_eq!(ok("The rate limit for the request `x` has been reached. Ignored for 0 seconds."), Some(("x".to_string(), Some(0))));
        assert_eq!(ok("Request timeout"), None);
        assert_eq!(ok("rate limit"), None);
        assert_eq!(ok("The rate limit for the request '' has been reached."), None);
        assert_eq!(ok("The rate limit for the request 'voice.dial"), None);
        assert_eq!(ok("Unknown request voice.pauseRecording"), None);
    }

    proptest! {
        // Failures are not persisted to a proptest-regressions/ folder: each
        // one found becomes a named deterministic test instead.
        #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn message_round_trips(
            ns in "[a-z]{1,10}", name in "[a-zA-Z]{1,16}", seconds in any::<u32>(),
        ) {
            let request = format!("{ns}.{name}");
            let message = rate_limit_error_message(&request, seconds);
            prop_assert_eq!(parse_rate_limit_message(&message), Some((request, Some(seconds))));
        }

        #[test]
        fn parse_message_never_panics(m in "\\PC{0,120}") {
            let _ = parse_rate_limit_message(&m);
        }

        #[test]
        fn served_never_exceeds_limit_and_first_refusal_is_the_error(
            limit in 1u32..5,
            delay in 0u32..90,
            gaps in proptest::collection::vec((0u32..20_000, 0usize..3), 0..80),
        ) {
            let names = ["voice.dial", "email.create", "agent.get"];
            let l = RateLimits { global: Some(limit), per_request: BTreeMap::new(), quarantine_delay_seconds: Some(delay) };
            let mut t = 0.0;
            let trace: Vec<(f64, &str)> = gaps.iter().map(|&(gap, n)| { t += f64::from(gap); (t, names[n]) }).collect();
            let p = predict(&l, trace.iter().copied());
            let mut served: BTreeMap<(&str, i64), u32> = BTreeMap::new();
            let mut quarantined: BTreeMap<&str, Option<f64>> = BTreeMap::new();
            for pr in &p {
                let name = names.iter().find(|n| **n == pr.request).unwrap();
                match pr.verdict {
                    Verdict::Allowed => {
                        let c = served.entry((name, pr.window)).or_insert(0);
                        *c += 1;
                        prop_assert!(*c <= limit);
                        prop_assert_eq!(*c, pr.count_in_window);
                    }
                    Verdict::LimitReached { quarantine_seconds, until_ms } => {
                        prop_assert_eq!(served.get(&(*name, pr.window)).copied(), Some(limit), "error only once the window is full");
                        prop_assert_eq!(quarantine_seconds, delay);
                        quarantined.insert(name, until_ms);
                    }
                    Verdict::Ignored { until_ms } => {
                        prop_assert_eq!(quarantined.get(name).copied(), Some(until_ms), "ignored only after an error");
                        prop_assert!(until_ms.is_none_or(|u| pr.time_ms < u));
                    }
                }
            }
            let s = summarize(&l, &p);
            prop_assert_eq!(s.iter().map(|s| (s.served + s.hits + s.swallowed) as usize).sum::<usize>(), p.len());
            for r in &s {
                prop_assert_eq!(r.quarantines.len() as u32, r.hits);
                prop_assert_eq!(r.quarantines.iter().map(|q| q.swallowed).sum::<u32>(), r.swallowed);
            }
        }
    }
}
