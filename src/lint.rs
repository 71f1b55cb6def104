//! Lints: stable codes, severities, and the checks of one message against
//! the catalog and the given WWE options.
//!
//! Checks that need the whole conversation (pairing, subscriptions,
//! timeouts, quarantines) live in [`crate::session`], which reports them
//! with the codes defined here. Codes never change meaning; new ones are
//! added at the end.

use serde_json::Value;

use crate::catalog;
use crate::decode::{Decoded, Direction, Message};
use crate::record::Record;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Worth knowing; nothing is wrong.
    Info,
    /// Probably a mistake, or a risk.
    Warning,
    /// Something failed or will fail.
    Error,
}

impl Severity {
    /// `"info"`, `"warning"` or `"error"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

macro_rules! codes {
    ($($(#[$doc:meta])* $variant:ident = $code:literal, $name:literal, $sev:ident;)*) => {
        /// A stable lint code, e.g. `W001 unknown-request`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $($(#[$doc])* $variant,)*
        }

        impl Code {
            /// Every code, in order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The code, e.g. `"W001"`.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }

            /// The code's name, e.g. `"unknown-request"`.
            pub fn name(self) -> &'static str {
                match self { $(Code::$variant => $name,)* }
            }

            /// How bad a finding with this code is.
            pub fn severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$sev,)* }
            }
        }
    };
}

codes! {
    /// The request name is not in the catalog.
    UnknownRequest = "W001", "unknown-request", Warning;
    /// Too few or too many parameters.
    WrongParameterCount = "W002", "wrong-parameter-count", Warning;
    /// A parameter has the wrong kind of value.
    WrongParameterKind = "W003", "wrong-parameter-kind", Warning;
    /// A client message lacks `userAgent: "WWE Client"`.
    MissingUserAgent = "W004", "missing-user-agent", Warning;
    /// A client message lacks `protocolVersion`.
    MissingProtocolVersion = "W005", "missing-protocol-version", Warning;
    /// A client message has a `protocolVersion` other than 2.
    WrongProtocolVersion = "W006", "wrong-protocol-version", Warning;
    /// A `referenceId` was sent again while its first request was pending.
    ReferenceIdReused = "W007", "reference-id-reused", Warning;
    /// A reply whose request was not captured.
    ReplyWithoutRequest = "W008", "reply-without-request", Warning;
    /// An event reached a client that never subscribed to it.
    EventWithoutSubscription = "W009", "event-without-subscription", Warning;
    /// A rate-limit error whose `request` field names another request
    /// than its message text.
    RateLimitNameMismatch = "I010", "rate-limit-name-mismatch", Info;
    /// The WWE options deny this request from this origin.
    RequestDeniedByPolicy = "E011", "request-denied-by-policy", Error;
    /// A client posted to WWE with `targetOrigin "*"`.
    TargetOriginStar = "W012", "target-origin-star", Warning;
    /// A WWE message with a field of the wrong type, or a missing field.
    MalformedMessage = "W013", "malformed-message", Warning;
    /// A subscription to an event name WWE does not send.
    UnknownEvent = "W014", "unknown-event", Warning;
    /// An event with an `eventType` not in the guide's tables.
    UnknownEventType = "I015", "unknown-event-type", Info;
    /// No reply within the client library's 10 seconds.
    RequestTimedOut = "E016", "request-timed-out", Error;
    /// WWE answered with a rate-limit error.
    RateLimited = "E017", "rate-limited", Error;
    /// A request ignored by WWE because its type was in quarantine.
    RequestSwallowed = "E018", "request-swallowed", Error;
    /// A reply timed before its request.
    ReplyBeforeRequest = "W019", "reply-before-request", Warning;
    /// A message from WWE that is no known kind.
    UnrecognisedWweMessage = "I020", "unrecognised-wwe-message", Info;
    /// A second reply to the same request.
    DuplicateReply = "W021", "duplicate-reply", Warning;
    /// A reply that came after the client library had given up.
    LateReply = "I022", "late-reply", Info;
    /// A documented eventType under another event, or on a media its table
    /// does not cover (G366-417).
    EventTypeMisplaced = "W023", "event-type-misplaced", Warning;
    /// An event without a field its eventType's table says it uses (a toast
    /// click without `customToastId`, G371).
    EventFieldMissing = "W024", "event-field-missing", Warning;
}

/// A problem found in one message, before it is placed in a session.
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    /// What kind of problem.
    pub code: Code,
    /// What is wrong and what to do, as a sentence.
    pub message: String,
}

impl Issue {
    /// An issue with this code and message.
    pub fn new(code: Code, message: impl Into<String>) -> Issue {
        Issue { code, message: message.into() }
    }
}

/// A finding in a session: a problem and the messages it is about.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// What kind of problem.
    pub code: Code,
    /// How bad it is (the code's severity).
    pub severity: Severity,
    /// What is wrong and what to do, as a sentence.
    pub message: String,
    /// Record ids of the messages concerned, in the order seen.
    pub messages: Vec<u64>,
}

impl Finding {
    /// A finding about these messages.
    pub fn new(code: Code, message: impl Into<String>, messages: Vec<u64>) -> Finding {
        Finding { code, severity: code.severity(), message: message.into(), messages }
    }
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} {}: {}", self.severity.as_str(), self.code.as_str(), self.code.name(), self.message)
    }
}

/// Checks one message against the catalog: unknown request (with a
/// did-you-mean), parameter count and kinds, unknown event names and
/// `eventType`s, and a client send with `targetOrigin "*"`. The decoder's
/// own issues are not repeated here.
pub fn check_message(record: &Record, decoded: &Decoded) -> Vec<Issue> {
    let mut issues = Vec::new();
    match &decoded.message {
        Message::Request(req) => match req.spec {
            None => {
                let hint = match catalog::suggest(&req.name) {
                    Some(s) => format!("; did you mean '{s}'?"),
                    None => String::new(),
                };
                issues.push(Issue::new(
                    Code::UnknownRequest,
                    format!("'{}' is not a Service Client API request: WWE answers it with an error or not at all{hint}", req.name),
                ));
            }
            Some(spec) => check_params(spec, &req.params, &mut issues),
        },
        Message::Subscribe { names, .. } => {
            for name in names {
                if catalog::event(name).is_none() {
                    let hint = match catalog::suggest_event(name) {
                        Some(s) => format!("; did you mean '{s}'?"),
                        None => " (agent, interaction, media, outbound, system, markdone, messenger:<channel>)".to_owned(),
                    };
                    issues.push(Issue::new(
                        Code::UnknownEvent,
                        format!("WWE sends no event called '{name}', so this subscription never fires{hint}"),
                    ));
                }
            }
        }
        Message::Event { name, event_type: Some(ty), .. } => check_event_type(name, ty, &record.data, &mut issues),
        _ => {}
    }
    if decoded.message.direction() == Direction::ToService && record.target_origin.as_deref() == Some("*") {
        issues.push(Issue::new(
            Code::TargetOriginStar,
            format!(
                "the client at {} posts to WWE with targetOrigin \"*\"{}: any page in that window could read its requests; pass the WWE origin{}",
                if record.source_origin.is_empty() { "an unknown origin" } else { &record.source_origin },
                // The send-side hook's report comes from the page's own
                // world, which can forge it: a claim, not a fact (issue 15).
                if record.page_reported { " (as the page reports it; a page can forge this report)" } else { "" },
                if record.frame_origin.is_empty() { String::new() } else { format!(" ({})", record.frame_origin) },
            ),
        ));
    }
    issues
}

/// Holds an event to the guide's eventType tables (G366-417): a known
/// eventType under the event its table belongs to, on a media its group
/// covers, with the fields its table says it uses. Events whose eventTypes
/// the guide does not document (media, outbound, markdone, messenger) are
/// not judged.
fn check_event_type(name: &str, ty: &str, data: &Value, issues: &mut Vec<Issue>) {
    let typed = catalog::event(name).is_some_and(|e| e.typed);
    let Some(spec) = catalog::event_type(ty) else {
        if typed {
            issues.push(Issue::new(
                Code::UnknownEventType,
                format!("eventType '{ty}' of a '{name}' event is not in the guide's tables; check the handler does not depend on it"),
            ));
        }
        return;
    };
    if spec.event != name {
        if typed || catalog::event(name).is_none() {
            issues.push(Issue::new(
                Code::EventTypeMisplaced,
                format!(
                    "eventType '{ty}' belongs to '{}' events in the guide's tables, but came in a '{name}' event: a handler subscribed to '{}' never sees it",
                    spec.event, spec.event
                ),
            ));
        }
        return;
    }
    let body = data.get("data");
    if let Some(media) = body.and_then(|d| d.get("media")).and_then(Value::as_str) {
        let rule = spec.group.media_rule();
        if !rule.allows(media) {
            issues.push(Issue::new(
                Code::EventTypeMisplaced,
                format!(
                    "eventType '{ty}' is a {} event in the guide's tables (media {}), but came on a '{media}' interaction",
                    spec.group.as_str(),
                    rule.describe()
                ),
            ));
        }
    }
    let missing: Vec<&str> =
        spec.required.iter().copied().filter(|f| body.and_then(|d| d.get(*f)).is_none_or(Value::is_null)).collect();
    if !missing.is_empty() {
        issues.push(Issue::new(
            Code::EventFieldMissing,
            format!(
                "a '{ty}' event without {}: the guide's table says it carries {}",
                missing.iter().map(|f| format!("'{f}'")).collect::<Vec<_>>().join(" and "),
                spec.required.join(" and ")
            ),
        ));
    }
}

fn check_params(spec: &catalog::RequestSpec, params: &[crate::decode::Param], issues: &mut Vec<Issue>) {
    let required = spec.required_params();
    let max = spec.params.len();
    let signature = || {
        let names: Vec<String> = spec
            .params
            .iter()
            .map(|p| if p.optional { format!("[{}]", p.name) } else { p.name.to_owned() })
            .collect();
        format!("{}({})", spec.name, names.join(", "))
    };
    if params.len() < required || params.len() > max {
        let expected = if required == max { format!("{max}") } else { format!("{required} to {max}") };
        issues.push(Issue::new(
            Code::WrongParameterCount,
            format!(
                "{} takes {expected} parameter{}, {} sent: call {}",
                spec.name,
                if max == 1 { "" } else { "s" },
                params.len(),
                signature()
            ),
        ));
    }
    for (p, value) in spec.params.iter().zip(params) {
        let value = &value.value;
        if p.optional && value.is_null() {
            continue;
        }
        if !p.kind.accepts(value) {
            issues.push(Issue::new(
                Code::WrongParameterKind,
                format!("{} parameter '{}' should be {}, found {}", spec.name, p.name, p.kind.expectation(), short(value)),
            ));
        }
    }
}

fn short(value: &Value) -> String {
    let mut s = value.to_string();
    if s.len() > 40 {
        let mut cut = 37;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push_str("...");
    }
    s
}

/// Checks a request against the WWE options: whether
/// `service-client-api.accepted-web-content-origins` lets its origin send
/// it, and whether the way its application `app` is shown does (a tab may
/// only dial; see [`crate::policy::evaluate_app`]). `None` when it is
/// allowed, or the message is not a request.
pub fn check_policy(
    record: &Record,
    decoded: &Decoded,
    options: &crate::options::Options,
    app: Option<&crate::options::WebApp>,
) -> Option<Issue> {
    let Message::Request(req) = &decoded.message else { return None };
    let decision = crate::policy::evaluate_app(options, &record.source_origin, &req.name, app);
    if decision.is_allowed() {
        return None;
    }
    Some(Issue::new(
        Code::RequestDeniedByPolicy,
        format!(
            "WWE refuses {} from {}: {}. Change service-client-api.accepted-web-content-origins or send from an accepted origin",
            req.name,
            if record.source_origin.is_empty() { "an unknown origin" } else { &record.source_origin },
            decision.explanation()
        ),
    ))
}
