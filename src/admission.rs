//! What WWE does with one request, in the one order the simulator enforces
//! and the panel predicts: the origin must be accepted, then how the
//! application is shown may restrict it (a tab: the dial operation only,
//! G70), then the origin's entry filters it, and only a request that passed
//! all of these counts against the rate limit (G143-173).
//!
//! The guide does not say in which order WWE applies its options. This
//! order is the one under which each option means what the guide says of
//! it: a refused request is not served, so it cannot use up a limit that
//! counts served requests.

use crate::options::{Options, WebApp};
use crate::policy::{self, Decision};
use crate::ratelimit::{self, Limiter, Prediction, Verdict};

/// What WWE does with one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Admission {
    /// No entry of the accepted-origins option matches the sender's origin:
    /// the message is not for WWE, which ignores it (no reply, no frame id).
    /// The guide does not say what WWE does here; ignoring is what a
    /// browser-side origin check does.
    Ignored {
        /// Why, as a sentence.
        reason: String,
    },
    /// Refused with an error reply: by how the application is shown, or by
    /// the origin's request filter.
    Refused(Decision),
    /// Served as far as the options go, with the rate limiter's verdict (a
    /// limit reached is answered with the rate-limit error; inside a
    /// quarantine there is no reply).
    Limited(Verdict),
}

impl Admission {
    /// Whether WWE goes on to execute the request.
    pub fn is_served(&self) -> bool {
        matches!(self, Admission::Limited(Verdict::Allowed))
    }
}

/// The options' gate with the rate limiter's state: what WWE keeps between
/// requests.
#[derive(Debug, Clone)]
pub struct Gate {
    limiter: Limiter,
}

impl Gate {
    /// A gate with fresh rate-limit counters for `options`.
    pub fn new(options: &Options) -> Gate {
        Gate { limiter: Limiter::new(&options.rate_limits) }
    }

    /// Decides one `request` from a client at `origin`, the application
    /// `app` of `interaction.web-content` if it is known to be one, at
    /// `now_ms` (ms since the epoch).
    pub fn admit(&mut self, options: &Options, origin: &str, app: Option<&WebApp>, request: &str, now_ms: f64) -> Admission {
        match stopped_by_options(options, origin, app, request) {
            Some(stopped) => stopped,
            None => Admission::Limited(self.limiter.check(request, now_ms)),
        }
    }
}

/// The options' part of the order: `Some` when the origin is not accepted
/// or the display or filter refuses the request, before any rate limit.
fn stopped_by_options(options: &Options, origin: &str, app: Option<&WebApp>, request: &str) -> Option<Admission> {
    if !policy::origin_accepted(options, origin) {
        return Some(Admission::Ignored { reason: policy::evaluate(options, origin, request).explanation() });
    }
    let decision = policy::evaluate_app(options, origin, request, app);
    (!decision.is_allowed()).then_some(Admission::Refused(decision))
}

/// One request of a trace, as [`predict`] takes it.
#[derive(Debug, Clone, Copy)]
pub struct TraceRequest<'a> {
    /// When it arrived, ms since the epoch.
    pub time_ms: f64,
    /// The sender's origin (`MessageEvent.origin`).
    pub origin: &'a str,
    /// The application the sender is, if known.
    pub app: Option<&'a WebApp>,
    /// The request name.
    pub request: &'a str,
}

/// Runs a trace, in arrival order, through the options and a fresh rate
/// limiter: the rate-limit predictions of the requests the options let
/// through (each with its position in `requests`), and how many were
/// ignored or refused before they could count.
pub fn predict<'a, I>(options: &Options, requests: I) -> (Vec<Prediction>, usize)
where
    I: IntoIterator<Item = TraceRequest<'a>>,
{
    let mut stopped = 0;
    let passed: Vec<(usize, f64, &str)> = requests
        .into_iter()
        .enumerate()
        .filter(|(_, r)| {
            let ok = stopped_by_options(options, r.origin, r.app, r.request).is_none();
            stopped += usize::from(!ok);
            ok
        })
        .map(|(i, r)| (i, r.time_ms, r.request))
        .collect();
    (ratelimit::predict_indexed(&options.rate_limits, passed), stopped)
}
