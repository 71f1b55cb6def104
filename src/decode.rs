//! The decoder: classifies one `postMessage` payload as a Service Client
//! API request, subscription, reply, error, rate-limit error, event, frame
//! id assignment, legacy string, or foreign (not WWE) message.
//!
//! Decoding never fails and never panics: a malformed WWE message is decoded
//! as far as possible and the problems are reported as [`Issue`]s. Values
//! large enough to matter (reply data, event data) are not copied; the
//! record keeps the message and [`Message`] says what is in it.

use std::borrow::Cow;
use std::fmt;

use serde_json::{Map, Value};


use crate::catalog::{self, RequestSpec};
use crate::finding::{Code, Issue};

/// The `userAgent` every client message carries.
pub const CLIENT_USER_AGENT: &str = "WWE Client";

/// The protocol version clients speak.
pub const PROTOCOL_VERSION: u64 = 2;

/// A name that is usually one of the catalog's (borrowed, no allocation)
/// and otherwise whatever the message said.
pub type Name = Cow<'static, str>;

/// A decoded message: what it is, and what is wrong with it.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    /// The classification.
    pub message: Message,
    /// Problems found while decoding (malformed fields, missing
    /// `userAgent`, ...). Empty for a well-formed message.
    pub issues: Vec<Issue>,
}

/// Which way a message goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// From a client to WWE: requests, subscribe, unsubscribe.
    ToService,
    /// From WWE to a client: replies, events, frame id assignment.
    ToClient,
    /// Legacy and foreign messages.
    Unknown,
}

impl Direction {
    /// `"to-service"`, `"to-client"` or `"unknown"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::ToService => "to-service",
            Direction::ToClient => "to-client",
            Direction::Unknown => "unknown",
        }
    }
}

/// A request sent by a client, e.g. `voice.dial`.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// The request name as sent.
    pub name: Name,
    /// The catalog entry, when the name is known.
    pub spec: Option<&'static RequestSpec>,
    /// The parameters in order, named from the catalog where it has a name
    /// for that position.
    pub params: Vec<Param>,
    /// The `referenceId` the reply will carry.
    pub reference_id: Option<String>,
    /// The WWE frame id the client echoes once it was assigned one.
    pub frame_id: Option<i64>,
}

/// One parameter of a request.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// The catalog's name for this position; `None` for an extra
    /// parameter or an unknown request.
    pub name: Option<&'static str>,
    /// The value sent.
    pub value: Value,
}

/// The shape of a value that is not copied out of the message (reply
/// data): enough to show "array of 3" without holding it twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataShape {
    /// No `data` field.
    Absent,
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool,
    /// A number.
    Number,
    /// A string.
    String,
    /// An array of this many items.
    Array(usize),
    /// An object with this many keys.
    Object(usize),
}

impl DataShape {
    /// The shape of `value` (`None` = absent).
    pub fn of(value: Option<&Value>) -> DataShape {
        match value {
            None => DataShape::Absent,
            Some(Value::Null) => DataShape::Null,
            Some(Value::Bool(_)) => DataShape::Bool,
            Some(Value::Number(_)) => DataShape::Number,
            Some(Value::String(_)) => DataShape::String,
            Some(Value::Array(a)) => DataShape::Array(a.len()),
            Some(Value::Object(o)) => DataShape::Object(o.len()),
        }
    }
}

impl fmt::Display for DataShape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataShape::Absent => f.write_str("no data"),
            DataShape::Null => f.write_str("null"),
            DataShape::Bool => f.write_str("boolean"),
            DataShape::Number => f.write_str("number"),
            DataShape::String => f.write_str("string"),
            DataShape::Array(n) => write!(f, "array of {n}"),
            DataShape::Object(n) => write!(f, "object of {n} keys"),
        }
    }
}

/// What a message is.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// A request from a client.
    Request(Request),
    /// A client subscribes to events.
    Subscribe {
        /// The event names, e.g. `agent`, `messenger:sales`.
        names: Vec<Name>,
        /// The `referenceId` the reply (with the subscription id) will carry.
        reference_id: Option<String>,
        /// The WWE frame id the client echoes.
        frame_id: Option<i64>,
    },
    /// A client ends a subscription (no reply is awaited).
    Unsubscribe {
        /// The subscription id from the subscribe reply.
        subscription_id: Option<String>,
        /// The `referenceId`, if the client sent one.
        reference_id: Option<String>,
    },
    /// A success reply from WWE.
    ReplyOk {
        /// The `referenceId` of the request answered.
        reference_id: Option<String>,
        /// The shape of `data` (the value stays in the record).
        data: DataShape,
        /// Present in replies to `subscribe`.
        subscription_id: Option<String>,
    },
    /// A failure reply from WWE (it has `errorMessage`).
    ReplyError {
        /// The `referenceId` of the request answered.
        reference_id: Option<String>,
        /// What WWE said.
        error_message: String,
    },
    /// The failure reply WWE sends to the first request over a rate limit.
    RateLimitError {
        /// The `referenceId` of the request answered.
        reference_id: Option<String>,
        /// The request type named in the message text, e.g. `voice.dial`:
        /// the type now in quarantine.
        request: Option<Name>,
        /// The quarantine announced in the text; `None` when the text gives
        /// no number of seconds.
        quarantine_seconds: Option<u32>,
        /// The reply's own `request` field, which may disagree with the text
        /// (the guide's example does).
        request_field: Option<String>,
    },
    /// An event pushed by WWE to a subscribed client.
    Event {
        /// The event name, e.g. `interaction`, `messenger:sales`.
        name: Name,
        /// `data.eventType`, e.g. `STATE_CHANGED`.
        event_type: Option<Name>,
        /// The interaction concerned, from `data.interaction.interactionId`
        /// or `data.interactionId`.
        interaction_id: Option<String>,
    },
    /// WWE assigns a frame id to a client.
    FrameIdAssignment {
        /// The assigned id.
        frame_id: i64,
    },
    /// A legacy string message starting with `wwe`.
    Legacy(String),
    /// Anything that is not a WWE message; kept, never an error.
    Foreign,
}

impl Message {
    /// Which way the message goes.
    pub fn direction(&self) -> Direction {
        match self {
            Message::Request(_) | Message::Subscribe { .. } | Message::Unsubscribe { .. } => Direction::ToService,
            Message::ReplyOk { .. }
            | Message::ReplyError { .. }
            | Message::RateLimitError { .. }
            | Message::Event { .. }
            | Message::FrameIdAssignment { .. } => Direction::ToClient,
            Message::Legacy(_) | Message::Foreign => Direction::Unknown,
        }
    }

    /// The kind as a short word: `"request"`, `"subscribe"`,
    /// `"unsubscribe"`, `"reply"`, `"error"`, `"rate-limit"`, `"event"`,
    /// `"frame-id"`, `"legacy"`, `"foreign"`.
    pub fn kind_str(&self) -> &'static str {
        match self {
            Message::Request(_) => "request",
            Message::Subscribe { .. } => "subscribe",
            Message::Unsubscribe { .. } => "unsubscribe",
            Message::ReplyOk { .. } => "reply",
            Message::ReplyError { .. } => "error",
            Message::RateLimitError { .. } => "rate-limit",
            Message::Event { .. } => "event",
            Message::FrameIdAssignment { .. } => "frame-id",
            Message::Legacy(_) => "legacy",
            Message::Foreign => "foreign",
        }
    }

    /// The `referenceId` of a request, subscription or reply.
    pub fn reference_id(&self) -> Option<&str> {
        match self {
            Message::Request(r) => r.reference_id.as_deref(),
            Message::Subscribe { reference_id, .. }
            | Message::Unsubscribe { reference_id, .. }
            | Message::ReplyOk { reference_id, .. }
            | Message::ReplyError { reference_id, .. }
            | Message::RateLimitError { reference_id, .. } => reference_id.as_deref(),
            _ => None,
        }
    }

    /// Whether this is a reply (success, failure or rate-limit).
    pub fn is_reply(&self) -> bool {
        matches!(self, Message::ReplyOk { .. } | Message::ReplyError { .. } | Message::RateLimitError { .. })
    }
}

impl fmt::Display for Message {
    /// One line: the kind and what identifies the message.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rid = |r: &Option<String>| r.as_deref().map_or("-".to_owned(), |r| format!("{r:?}"));
        match self {
            Message::Request(r) => {
                write!(f, "request {} ref={}", r.name, rid(&r.reference_id))?;
                if let Some(id) = r.frame_id {
                    write!(f, " frame={id}")?;
                }
                for (i, p) in r.params.iter().enumerate() {
                    match p.name {
                        Some(n) => write!(f, " {n}={}", p.value)?,
                        None => write!(f, " #{i}={}", p.value)?,
                    }
                }
                Ok(())
            }
            Message::Subscribe { names, reference_id, .. } => {
                write!(f, "subscribe [{}] ref={}", names.join(", "), rid(reference_id))
            }
            Message::Unsubscribe { subscription_id, reference_id } => {
                write!(f, "unsubscribe {} ref={}", rid(subscription_id), rid(reference_id))
            }
            Message::ReplyOk { reference_id, data, subscription_id } => {
                write!(f, "reply ref={} {data}", rid(reference_id))?;
                if let Some(s) = subscription_id {
                    write!(f, " subscription={s:?}")?;
                }
                Ok(())
            }
            Message::ReplyError { reference_id, error_message } => {
                write!(f, "error ref={} {error_message:?}", rid(reference_id))
            }
            Message::RateLimitError { reference_id, request, quarantine_seconds, request_field } => {
                write!(f, "rate-limit ref={} request={}", rid(reference_id), request.as_deref().unwrap_or("-"))?;
                match quarantine_seconds {
                    Some(s) => write!(f, " quarantine={s}s")?,
                    None => write!(f, " quarantine=?")?,
                }
                if let Some(r) = request_field {
                    write!(f, " field={r}")?;
                }
                Ok(())
            }
            Message::Event { name, event_type, interaction_id } => {
                write!(f, "event {name} {}", event_type.as_deref().unwrap_or("-"))?;
                if let Some(i) = interaction_id {
                    write!(f, " interaction={i:?}")?;
                }
                Ok(())
            }
            Message::FrameIdAssignment { frame_id } => write!(f, "frame-id {frame_id}"),
            Message::Legacy(s) => write!(f, "legacy {s:?}"),
            Message::Foreign => f.write_str("foreign"),
        }
    }
}

/// Decodes one message (`event.data`).
pub fn decode(value: &Value) -> Decoded {
    let mut issues = Vec::new();
    let message = match value {
        Value::String(s) if s.starts_with("wwe") => Message::Legacy(s.clone()),
        Value::Object(obj) => decode_object(&Fields::of(obj), &mut issues),
        _ => Message::Foreign,
    };
    Decoded { message, issues }
}

/// The fields of a message the decoder reads, found in one pass over the
/// object instead of a map lookup per question asked.
#[derive(Default)]
struct Fields<'a> {
    request: Option<&'a Value>,
    parameters: Option<&'a Value>,
    reference_id: Option<&'a Value>,
    user_agent: Option<&'a Value>,
    protocol_version: Option<&'a Value>,
    event: Option<&'a Value>,
    data: Option<&'a Value>,
    error_message: Option<&'a Value>,
    frame_id: Option<&'a Value>,
    subscription_id: Option<&'a Value>,
}

impl<'a> Fields<'a> {
    fn of(obj: &'a Map<String, Value>) -> Fields<'a> {
        let mut f = Fields::default();
        for (k, v) in obj {
            let slot = match k.as_str() {
                "request" => &mut f.request,
                "parameters" => &mut f.parameters,
                "referenceId" => &mut f.reference_id,
                "userAgent" => &mut f.user_agent,
                "protocolVersion" => &mut f.protocol_version,
                "event" => &mut f.event,
                "data" => &mut f.data,
                "errorMessage" => &mut f.error_message,
                "frameId" => &mut f.frame_id,
                "subscriptionId" => &mut f.subscription_id,
                _ => continue,
            };
            *slot = Some(v);
        }
        f
    }

    fn get(&self, key: &str) -> Option<&'a Value> {
        match key {
            "request" => self.request,
            "parameters" => self.parameters,
            "referenceId" => self.reference_id,
            "userAgent" => self.user_agent,
            "protocolVersion" => self.protocol_version,
            "event" => self.event,
            "data" => self.data,
            "errorMessage" => self.error_message,
            "frameId" => self.frame_id,
            "subscriptionId" => self.subscription_id,
            _ => None,
        }
    }

    fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }
}

fn decode_object(obj: &Fields<'_>, issues: &mut Vec<Issue>) -> Message {
    let ua = obj.get("userAgent").and_then(Value::as_str);
    let wwe_ua = ua.is_some_and(|u| u.contains("WWE"));
    let has_version = obj.contains_key("protocolVersion");

    if let Some(req) = obj.get("request") {
        // Replies never carry `request`, except the rate-limit error of the
        // guide's example, which has `errorMessage`.
        if !obj.contains_key("errorMessage") {
            // Looked up only when the envelope does not tell.
            let known_ns = || {
                req.as_str().and_then(|r| r.split_once('.')).is_some_and(|(ns, _)| catalog::namespace(ns).is_some())
            };
            if wwe_ua || has_version || known_ns() {
                check_client_envelope(obj, issues);
                return Message::Request(decode_request(obj, req, issues));
            }
        }
    }

    if let Some(ev @ ("subscribe" | "unsubscribe")) = obj.get("event").and_then(Value::as_str) {
        if wwe_ua || has_version || obj.contains_key("referenceId") {
            check_client_envelope(obj, issues);
            return if ev == "subscribe" {
                decode_subscribe(obj, issues)
            } else {
                Message::Unsubscribe {
                    subscription_id: id_string(obj.get("data"), "data", issues),
                    reference_id: reference_id(obj, issues),
                }
            };
        }
    }

    if !wwe_ua {
        return Message::Foreign;
    }
    if ua == Some(CLIENT_USER_AGENT) {
        issues.push(Issue::new(
            Code::UnrecognisedWweMessage,
            "a message with userAgent \"WWE Client\" that is neither a request nor a subscription; WWE ignores it",
        ));
        return Message::Foreign;
    }

    if let Some(ev) = obj.get("event") {
        return decode_event(obj, ev, issues);
    }
    if let Some(err) = obj.get("errorMessage") {
        return decode_error(obj, err, issues);
    }
    if obj.contains_key("referenceId") {
        return Message::ReplyOk {
            reference_id: reference_id(obj, issues),
            data: DataShape::of(obj.get("data")),
            subscription_id: id_string(obj.get("subscriptionId"), "subscriptionId", issues),
        };
    }
    if let Some(fid) = obj.get("frameId") {
        if let Some(frame_id) = integer(fid) {
            if !fid.is_i64() {
                issues.push(malformed("frameId", "an integer", fid));
            }
            return Message::FrameIdAssignment { frame_id };
        }
        issues.push(malformed("frameId", "an integer", fid));
    }
    issues.push(Issue::new(
        Code::UnrecognisedWweMessage,
        "a message from WWE with no event, referenceId, errorMessage or frameId; no client will act on it",
    ));
    Message::Foreign
}

/// `userAgent` and `protocolVersion`, which every client message carries.
fn check_client_envelope(obj: &Fields<'_>, issues: &mut Vec<Issue>) {
    match obj.get("userAgent") {
        None => issues.push(Issue::new(
            Code::MissingUserAgent,
            "no userAgent: add userAgent: \"WWE Client\" as the client library does",
        )),
        Some(Value::String(s)) if s == CLIENT_USER_AGENT => {}
        Some(other) => issues.push(Issue::new(
            Code::MissingUserAgent,
            format!("userAgent is {other}, not \"WWE Client\": send userAgent: \"WWE Client\""),
        )),
    }
    match obj.get("protocolVersion") {
        None => issues.push(Issue::new(
            Code::MissingProtocolVersion,
            "no protocolVersion: add protocolVersion: 2 as the client library does",
        )),
        Some(v) if v.as_u64() == Some(PROTOCOL_VERSION) || v.as_f64() == Some(PROTOCOL_VERSION as f64) => {}
        Some(other) => issues.push(Issue::new(
            Code::WrongProtocolVersion,
            format!("protocolVersion is {other}: WWE speaks protocolVersion 2 (a number)"),
        )),
    }
}

fn decode_request(obj: &Fields<'_>, req: &Value, issues: &mut Vec<Issue>) -> Request {
    let (name, spec): (Name, _) = match req {
        Value::String(s) => match catalog::request(s) {
            Some(spec) => (Cow::Borrowed(spec.name), Some(spec)),
            None => (Cow::Owned(s.clone()), None),
        },
        other => {
            issues.push(malformed("request", "a string such as \"voice.dial\"", other));
            (Cow::Owned(other.to_string()), None)
        }
    };
    let name_at = |i: usize| spec.and_then(|s| s.params.get(i)).map(|p| p.name);
    let params = match obj.get("parameters") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => {
            items.iter().enumerate().map(|(i, v)| Param { name: name_at(i), value: v.clone() }).collect()
        }
        Some(other) => {
            issues.push(malformed("parameters", "an array", other));
            vec![Param { name: name_at(0), value: other.clone() }]
        }
    };
    let reference_id = reference_id(obj, issues);
    if reference_id.is_none() {
        issues.push(Issue::new(
            Code::MalformedMessage,
            "no referenceId: the reply cannot be matched to this request; send a string referenceId",
        ));
    }
    Request { name, spec, params, reference_id, frame_id: frame_id(obj, issues) }
}

fn decode_subscribe(obj: &Fields<'_>, issues: &mut Vec<Issue>) -> Message {
    let mut names = Vec::new();
    let mut push = |v: &Value, issues: &mut Vec<Issue>| match v {
        Value::String(s) => names.push(event_name(s)),
        other => issues.push(malformed("data", "event names (strings)", other)),
    };
    match obj.get("data") {
        Some(Value::Array(items)) => items.iter().for_each(|v| push(v, issues)),
        Some(v @ Value::String(_)) => push(v, issues),
        Some(other) => push(other, issues),
        None => issues.push(Issue::new(
            Code::MalformedMessage,
            "subscribe without data: send the event names, e.g. data: [\"agent\", \"interaction\"]",
        )),
    }
    Message::Subscribe { names, reference_id: reference_id(obj, issues), frame_id: frame_id(obj, issues) }
}

fn decode_event(obj: &Fields<'_>, ev: &Value, issues: &mut Vec<Issue>) -> Message {
    let name = match ev {
        Value::String(s) => event_name(s),
        other => {
            issues.push(malformed("event", "an event name (string)", other));
            Cow::Owned(other.to_string())
        }
    };
    let data = obj.get("data");
    let data_obj = data.and_then(Value::as_object);
    if data.is_some() && data_obj.is_none() && !name.starts_with("messenger:") {
        issues.push(malformed("data", "an object with eventType", data.unwrap_or(&Value::Null)));
    }
    let event_type = data_obj.and_then(|d| d.get("eventType")).and_then(|t| match t {
        Value::String(s) => Some(match catalog::event_type(s) {
            Some(spec) => Cow::Borrowed(spec.name),
            None => Cow::Owned(s.clone()),
        }),
        other => {
            issues.push(malformed("data.eventType", "a string", other));
            None
        }
    });
    let interaction_id = data_obj.and_then(|d| {
        d.get("interaction")
            .and_then(Value::as_object)
            .and_then(|i| i.get("interactionId"))
            .or_else(|| d.get("interactionId"))
            .and_then(scalar_string)
    });
    Message::Event { name, event_type, interaction_id }
}

fn decode_error(obj: &Fields<'_>, err: &Value, issues: &mut Vec<Issue>) -> Message {
    let reference_id = reference_id(obj, issues);
    let text = match err {
        Value::String(s) => Cow::Borrowed(s.as_str()),
        other => {
            issues.push(malformed("errorMessage", "a string", other));
            Cow::Owned(other.to_string())
        }
    };
    let Some((named, quarantine_seconds)) = parse_rate_limit(&text) else {
        return Message::ReplyError { reference_id, error_message: text.into_owned() };
    };
    let request = named.map(|n| -> Name {
        match catalog::request(n) {
            Some(spec) => Cow::Borrowed(spec.name),
            None => Cow::Owned(n.to_owned()),
        }
    });
    let request_field = obj.get("request").map(|r| r.as_str().map_or_else(|| r.to_string(), str::to_owned));
    if let (Some(text_name), Some(field)) = (&request, &request_field) {
        if text_name != field {
            issues.push(Issue::new(
                Code::RateLimitNameMismatch,
                format!(
                    "the rate-limit text names '{text_name}' but the request field says '{field}': \
                     the text names the request type in quarantine (the guide's own example disagrees the same way)"
                ),
            ));
        }
    }
    Message::RateLimitError { reference_id, request, quarantine_seconds, request_field }
}

/// Reads "The rate limit for the request 'voice.dial' has been reached.\n
/// Further requests of the same type will be ignored for 30 seconds."
/// Returns `None` when the text is not a rate-limit message; inside, the
/// name and the seconds are each `None` when missing.
pub fn parse_rate_limit(text: &str) -> Option<(Option<&str>, Option<u32>)> {
    const MARK: &str = "rate limit for the request";
    let at = text.find(MARK)?;
    let rest = text[at + MARK.len()..].trim_start();
    let name = rest
        .strip_prefix('\'')
        .and_then(|r| r.find('\'').map(|end| &r[..end]))
        .filter(|n| !n.is_empty());
    let seconds = text.find("ignored for ").and_then(|i| {
        let digits: &str = &text[i + "ignored for ".len()..];
        let end = digits.find(|c: char| !c.is_ascii_digit()).unwrap_or(digits.len());
        digits[..end].parse().ok()
    });
    Some((name, seconds))
}

fn event_name(s: &str) -> Name {
    match catalog::event(s) {
        Some(spec) if !spec.prefix => Cow::Borrowed(spec.name),
        _ => Cow::Owned(s.to_owned()),
    }
}

/// `referenceId` as a string; a number is accepted with an issue, since
/// the client library would never send one but hand-written clients do.
fn reference_id(obj: &Fields<'_>, issues: &mut Vec<Issue>) -> Option<String> {
    match obj.get("referenceId") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(v @ Value::Number(n)) => {
            issues.push(malformed("referenceId", "a string", v));
            Some(n.to_string())
        }
        Some(other) => {
            issues.push(malformed("referenceId", "a string", other));
            None
        }
    }
}

fn frame_id(obj: &Fields<'_>, issues: &mut Vec<Issue>) -> Option<i64> {
    let v = obj.get("frameId")?;
    if v.is_null() {
        return None;
    }
    let id = integer(v);
    if !v.is_i64() {
        issues.push(malformed("frameId", "an integer", v));
    }
    id
}

/// An id that WWE may send as a string or a number.
fn id_string(v: Option<&Value>, field: &str, issues: &mut Vec<Issue>) -> Option<String> {
    let v = v?;
    scalar_string(v).or_else(|| {
        if !v.is_null() {
            issues.push(malformed(field, "a string or a number", v));
        }
        None
    })
}

fn scalar_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// An integer from a number or a numeric string.
fn integer(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15).map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn malformed(field: &str, expected: &str, found: &Value) -> Issue {
    let shown = crate::tagged::quoted(found, 60);
    Issue::new(Code::MalformedMessage, format!("{field} should be {expected}, found {shown}"))
}
