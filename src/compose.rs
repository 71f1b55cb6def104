//! Composing what the panel sends: a replayed request with a fresh (or the
//! original) `referenceId`, the editor's check of a typed message against
//! the catalog, forged service messages (events, replies, the rate-limit
//! error), the route of a send (which frame posts, to which window, with
//! which `targetOrigin`), "copy as" snippets, and the loopback test behind
//! the once-per-origin confirmation.
//!
//! Routes are plain data: the extension's glue resolves them in the page
//! (`extension/background.js`, `sendInFrame`) and knows nothing else.

use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::catalog;
use crate::decode::{decode, Message};
use crate::lint::check_message;
use crate::record::Record;
use crate::reply;

/// The `userAgent` of messages the panel forges as the service (it contains
/// `WWE`, so client libraries accept them).
pub const FORGED_USER_AGENT: &str = "WWE Service (forged by wwe-devtools)";

/// Which `referenceId` a replayed request carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reference {
    /// A new one that the client's own counter never produces.
    Fresh(String),
    /// The original's, as captured.
    Keep,
}

/// A fresh `referenceId` for the `n`-th send of a panel session `session`:
/// `replay-<session>-<n>`, never a plain number, so it cannot collide with a
/// client library's counter.
pub fn fresh_reference(session: &str, n: u64) -> String {
    format!("replay-{session}-{n}")
}

/// A copy of a request message with its `referenceId` chosen by `reference`.
/// Non-object messages are returned unchanged.
pub fn with_reference(message: &Value, reference: &Reference) -> Value {
    let mut copy = message.clone();
    if let (Some(map), Reference::Fresh(rid)) = (copy.as_object_mut(), reference) {
        map.insert("referenceId".into(), Value::String(rid.clone()));
    }
    copy
}

/// The `referenceId` of a message, as text.
pub fn reference_of(message: &Value) -> Option<String> {
    match message.get("referenceId")? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// One problem the editor shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DraftProblem {
    /// A lint code (`W001`, ...) or `json` for text that does not parse.
    pub code: String,
    /// What is wrong, as a sentence.
    pub message: String,
}

/// What the editor's text is: the parsed message (when it parses) and its
/// problems by the core's decoder and lints.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    /// The message, when the text is JSON.
    pub value: Option<Value>,
    /// Everything wrong with it; empty when it is a well-formed request.
    pub problems: Vec<DraftProblem>,
}

/// Checks the editor's text as a message a client sends: JSON syntax (with
/// line and column), then the decoder's issues and
/// [`check_message`] on a synthetic record (unknown request with a
/// did-you-mean, parameter count and kinds).
pub fn check_draft(text: &str) -> Draft {
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            return Draft {
                value: None,
                problems: vec![DraftProblem {
                    code: "json".into(),
                    message: format!("not JSON at line {}, column {}: {e}", e.line(), e.column()),
                }],
            }
        }
    };
    let record = Record { data: value.clone(), ..Record::default() };
    let decoded = decode(&value);
    let mut problems: Vec<DraftProblem> = decoded
        .issues
        .iter()
        .chain(check_message(&record, &decoded).iter())
        .map(|i| DraftProblem { code: i.code.as_str().to_owned(), message: i.message.clone() })
        .collect();
    problems.dedup();
    Draft { value: Some(value), problems }
}

/// The parameter hint for a request name: `voice.dial(destination: string,
/// userData?: key-values)`; `None` for a name the catalog does not know.
pub fn param_hint(name: &str) -> Option<String> {
    let spec = catalog::request(name)?;
    let params: Vec<String> = spec
        .params
        .iter()
        .map(|p| format!("{}{}: {}", p.name, if p.optional { "?" } else { "" }, p.kind.as_str()))
        .collect();
    Some(format!("{}({}) — {}", spec.name, params.join(", "), spec.description))
}

/// One choice of the composer's parameter autocomplete: an example value of
/// one shape a parameter accepts (`target` as `"5001"` or as
/// `{"type": "AGENT", "destination": "SIP_5001"}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShapeChoice {
    /// The parameter's position in `parameters`.
    pub index: usize,
    /// The parameter's name.
    pub param: &'static str,
    /// The example, as JSON text.
    pub example: &'static str,
}

/// Every shape of every parameter of request `name`, in parameter order;
/// empty for a name the catalog does not know.
pub fn shape_choices(name: &str) -> Vec<ShapeChoice> {
    let Some(spec) = catalog::request(name) else { return Vec::new() };
    spec.params
        .iter()
        .enumerate()
        .flat_map(|(index, p)| p.kind.examples().iter().map(move |&example| ShapeChoice { index, param: p.name, example }))
        .collect()
}

/// The draft with `parameters[choice.index]` set to the choice's example
/// (earlier missing parameters become `null`); `None` when the draft is not
/// a JSON object.
pub fn with_shape(text: &str, choice: &ShapeChoice) -> Option<String> {
    let mut value: Value = serde_json::from_str(text).ok()?;
    let map = value.as_object_mut()?;
    let example: Value = serde_json::from_str(choice.example).ok()?;
    let params = map.entry("parameters").or_insert_with(|| Value::Array(Vec::new()));
    if !params.is_array() {
        *params = Value::Array(Vec::new());
    }
    let list = params.as_array_mut()?;
    while list.len() <= choice.index {
        list.push(Value::Null);
    }
    list[choice.index] = example;
    serde_json::to_string_pretty(&value).ok()
}

/// The request name typed in a draft, even when the rest does not parse
/// yet: the text after the first `"request"` key.
pub fn typed_request_name(text: &str) -> Option<String> {
    let at = text.find("\"request\"")? + "\"request\"".len();
    let rest = text[at..].trim_start().strip_prefix(':')?.trim_start().strip_prefix('"')?;
    let end = rest.find('"').unwrap_or(rest.len());
    Some(rest[..end].to_owned())
}

/// Where in the page a send starts and which window it posts to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Route {
    /// The browser tab of the frame that runs the send.
    pub tab_id: i64,
    /// The browser frame id of that frame.
    pub frame_id: i64,
    /// Where the path to the target window starts, seen from that frame:
    /// `self`, `top` or `opener-top` (the opener's top window).
    pub base: &'static str,
    /// Child indexes from `base` (`base.frames[i].frames[j]`).
    pub path: Vec<u32>,
    /// The `targetOrigin` of the `postMessage` call: the receiver's origin.
    pub target_origin: String,
}

fn origin_or_any(origin: &str) -> String {
    if origin.is_empty() || origin == "null" {
        "*".into()
    } else {
        origin.to_owned()
    }
}

/// The route to send a request again as it was sent: from the frame that
/// sent it (so the service sees the same origin and `event.source`) to the
/// frame that received it. `record` is the request as the service frame
/// received it.
pub fn replay_route(record: &Record) -> Result<Route, String> {
    let Some(sender) = record.source_frame_id else {
        return Err(match &record.source_unknown {
            Some(why) => format!("the sending frame is not known ({why})"),
            None => "the sending frame is not known".into(),
        });
    };
    let base = match record.source_relation.as_deref() {
        // The sender is a popup of the receiver's tab: the receiver is
        // reached through the popup's opener.
        Some("popup") => "opener-top",
        Some("opener") => {
            return Err("the request came from the opener of this popup; a window cannot reach a popup it did not keep".into())
        }
        _ => "top",
    };
    Ok(Route {
        tab_id: record.source_tab_id.unwrap_or(record.tab_id),
        frame_id: sender,
        base,
        path: record.frame_path.clone(),
        target_origin: origin_or_any(&record.frame_origin),
    })
}

/// `record` with its sender's frame id filled in from other records when
/// the capture did not know it yet (the sender had not reported its index
/// path when the message arrived): a record received by the frame at the
/// sender's path in the sender's tab names its frame id.
pub fn with_known_sender<'a>(record: &Record, others: impl IntoIterator<Item = &'a Record>) -> Record {
    let mut out = record.clone();
    if out.source_frame_id.is_some() {
        return out;
    }
    let (Some(path), Some(relation)) = (&record.source_path, record.source_relation.as_deref()) else { return out };
    if matches!(relation, "opener" | "popup") {
        return out;
    }
    if let Some(found) = others.into_iter().find(|r| r.tab_id == record.tab_id && &r.frame_path == path) {
        out.source_frame_id = Some(found.frame_id);
        out.source_unknown = None;
    }
    out
}

/// The route to post from the service frame to a client frame, from a
/// message the client received from the service (`record`: received by the
/// client). Both must be in the same tab.
pub fn forge_route(record: &Record) -> Result<Route, String> {
    let Some(service) = record.source_frame_id else {
        return Err("the service frame that talks to this client is not known".into());
    };
    if record.source_tab_id.is_some() {
        return Err("the service is in another tab (a popup client): post a synthetic message instead".into());
    }
    Ok(Route {
        tab_id: record.tab_id,
        frame_id: service,
        base: "top",
        path: record.frame_path.clone(),
        target_origin: origin_or_any(&record.frame_origin),
    })
}

/// What the panel can forge towards a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forge {
    /// `agent` / `STATE_CHANGED` (the agent goes Ready).
    AgentStateChanged,
    /// `interaction` / `RINGING` (an inbound voice call).
    InteractionRinging,
    /// The rate-limit failure reply with WWE's exact text.
    RateLimit,
    /// A success reply.
    ReplyOk,
    /// A failure reply.
    ReplyError,
}

impl Forge {
    /// Every kind, in menu order.
    pub const ALL: &'static [Forge] =
        &[Forge::AgentStateChanged, Forge::InteractionRinging, Forge::RateLimit, Forge::ReplyOk, Forge::ReplyError];

    /// A stable key (`agent-state-changed`, ...).
    pub fn key(self) -> &'static str {
        match self {
            Forge::AgentStateChanged => "agent-state-changed",
            Forge::InteractionRinging => "interaction-ringing",
            Forge::RateLimit => "rate-limit",
            Forge::ReplyOk => "reply-ok",
            Forge::ReplyError => "reply-error",
        }
    }

    /// The kind for a key.
    pub fn from_key(key: &str) -> Option<Forge> {
        Forge::ALL.iter().copied().find(|f| f.key() == key)
    }

    /// The menu label.
    pub fn label(self) -> &'static str {
        match self {
            Forge::AgentStateChanged => "event agent / STATE_CHANGED",
            Forge::InteractionRinging => "event interaction / RINGING",
            Forge::RateLimit => "reply: rate-limit error",
            Forge::ReplyOk => "reply: success",
            Forge::ReplyError => "reply: failure",
        }
    }

    /// The message, built with the core's reply builders; replies answer
    /// `reference_id` (and the rate-limit error names `request`).
    pub fn message(self, reference_id: Option<&str>, request: &str) -> Value {
        let ua = FORGED_USER_AGENT;
        match self {
            Forge::AgentStateChanged => reply::event(
                "agent",
                json!({"eventType": "STATE_CHANGED", "mediaState": "Ready", "reason": "", "reasonCode": ""}),
                ua,
            ),
            Forge::InteractionRinging => reply::event(
                "interaction",
                json!({"eventType": "RINGING", "interactionId": "forged-1", "media": "voice",
                       "state": "RINGING", "direction": "IN", "userData": {}}),
                ua,
            ),
            Forge::RateLimit => reply::rate_limit_reply(reference_id, request, 30, ua),
            Forge::ReplyOk => reply::reply_ok(reference_id, json!({}), ua),
            Forge::ReplyError => reply::reply_error(reference_id, "Forged failure", ua),
        }
    }
}

/// `genesys.wwe.service.<namespace>.<function>(<parameters>)` for a request
/// message; `None` for anything else.
pub fn copy_as_call(message: &Value) -> Option<String> {
    let name = message.get("request")?.as_str()?;
    let (namespace, function) = name.split_once('.')?;
    let params = match message.get("parameters") {
        Some(Value::Array(list)) => list.iter().map(Value::to_string).collect::<Vec<_>>().join(", "),
        None | Some(Value::Null) => String::new(),
        Some(other) => other.to_string(),
    };
    Some(format!("genesys.wwe.service.{namespace}.{function}({params});"))
}

/// `<target>.postMessage(<message>, "<targetOrigin>");` with the message as
/// pretty JSON.
pub fn copy_as_post_message(message: &Value, target: &str, target_origin: &str) -> String {
    let json = serde_json::to_string_pretty(message).unwrap_or_else(|_| "null".into());
    format!("{target}.postMessage({json}, {});", Value::String(target_origin.to_owned()))
}

/// The JavaScript expression, seen from the sending frame, of a route's
/// target window (for the `postMessage` snippet).
pub fn target_expression(route: &Route) -> String {
    let mut out = match route.base {
        "self" => "window".to_owned(),
        "opener-top" => "window.opener.top".to_owned(),
        _ => "window.top".to_owned(),
    };
    for i in &route.path {
        out.push_str(&format!(".frames[{i}]"));
    }
    out
}

/// True for loopback origins (`127.0.0.0/8`, `localhost`, `[::1]`), which
/// the panel sends into without asking.
pub fn is_loopback(origin: &str) -> bool {
    let rest = origin.split_once("://").map_or(origin, |(_, r)| r);
    let host = if let Some(v6) = rest.strip_prefix('[') {
        return v6.split(']').next() == Some("::1");
    } else {
        rest.split(['/', ':']).next().unwrap_or("")
    };
    host == "localhost" || host.ends_with(".localhost") || host.split('.').next() == Some("127") && host.split('.').count() == 4
}

/// A synthetic client request (for the editor's empty state and tests).
pub fn request_message(name: &str, parameters: Vec<Value>, reference_id: &str) -> Value {
    let mut map = Map::new();
    map.insert("request".into(), Value::String(name.to_owned()));
    map.insert("parameters".into(), Value::Array(parameters));
    map.insert("referenceId".into(), Value::String(reference_id.to_owned()));
    map.insert("userAgent".into(), Value::String("WWE Client".into()));
    map.insert("protocolVersion".into(), Value::from(2));
    Value::Object(map)
}

/// True when `message` decodes as a request, subscribe or unsubscribe.
pub fn is_client_message(message: &Value) -> bool {
    matches!(decode(message).message, Message::Request(_) | Message::Subscribe { .. } | Message::Unsubscribe { .. })
}

#[cfg(test)]
mod tests;
