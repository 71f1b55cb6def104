//! Finding codes and severities: the stable vocabulary every check reports
//! in. A leaf module (it imports nothing of the crate) so that the decoder,
//! which reports its own issues, and the lints, which read decoded
//! messages, can both use it without importing each other.
//!
//! Codes never change meaning; new ones are added at the end.

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
    /// A `postMessage` the browser refused to deliver: its `targetOrigin`
    /// did not match the recipient window's origin (the browser's own
    /// report).
    UndeliveredPost = "E025", "undelivered-post", Error;
    /// No Service Client API message from any app reached WWE in the
    /// capture (a whole-capture finding, [`crate::session::Session::silence`]).
    NoClientMessage = "W026", "no-client-message", Warning;
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
