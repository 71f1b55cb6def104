//! The simulated agent desktop: agent state, media, interactions, toasts,
//! dialogs, subscriptions and frame ids, and the Service Client API on top
//! of them. Plain Rust, no browser: the page feeds it messages (with the
//! sender's origin and a key standing for the sender's window) and posts
//! what it returns. This file holds the desktop's state and the one door
//! for messages (`Service::handle`); its jobs live beside it in `model/`:
//! `requests.rs` (what each request does), `interactions.rs`, `events.rs`
//! (subscriptions) and `desk.rs` (the operator's controls).
//!
//! Security options are enforced with the core's own code: origins and
//! request filters by [`wwe_core::policy::evaluate`], rate limits by
//! [`wwe_core::ratelimit::Limiter`], `userData` access by the policy's
//! read filter and write check. Every message sent is built by
//! [`wwe_core::reply`].
//!
//! What the simulator decides where the guide is silent: a message from an
//! origin that no entry accepts is ignored (no reply, no frame id), as a
//! browser-side security check would; a request that an entry's filters
//! refuse gets an error reply naming the entry; a `setUserData` with any key
//! that may not be written is refused whole.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};
use wwe_core::catalog;
use wwe_core::options::{parse_options, Options};
use wwe_core::admission::{Admission, Gate};
use wwe_core::options::WebApp;
use wwe_core::policy;
use wwe_core::ratelimit::Verdict;
use wwe_core::reply;

mod desk;
mod events;
mod interactions;
mod requests;

/// The `userAgent` of every message the simulator sends (it contains `WWE`,
/// which the client library requires).
pub const USER_AGENT: &str = "WWE Simulator";

/// The eventType the simulator sends when a case selection changes an
/// interaction's isCaseSelected/isCaseExpanded: the guide names none, and
/// UNKNOWN is its table's eventType for an event it does not name.
const SELECTION_EVENT: &str = "UNKNOWN";

/// The user-data keys that hold an interaction's case and bundle ids, as
/// in the guide's ATTACHED_DATA_CHANGED example (G338-339).
const CASE_KEY: &str = "IW_CaseUid";
const BUNDLE_KEY: &str = "IW_BundleUid";

/// How long an outbound call rings before it is answered, in ms.
pub const DIAL_TO_ESTABLISHED_MS: f64 = 1000.0;

/// Stands for one sender window; the page assigns one per distinct
/// `event.source`.
pub type ClientKey = u32;

/// A message to post: to the window of `to`, with `targetOrigin` =
/// `target_origin` (the origin the request came from).
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    pub to: ClientKey,
    pub target_origin: String,
    pub message: Value,
}

/// One line of the page's traffic log.
#[derive(Debug, Clone, PartialEq)]
pub struct LogEntry {
    pub time_ms: f64,
    pub origin: String,
    pub summary: String,
    pub outcome: String,
}

/// An agent state the agent may choose, as `agent.getStateList` lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentState {
    pub operation_name: &'static str,
    pub display_name: &'static str,
    pub media_state: &'static str,
    pub reason: Option<&'static str>,
    pub reason_code: Option<&'static str>,
}

impl AgentState {
    fn to_json(&self) -> Value {
        let mut v = json!({
            "operationName": self.operation_name,
            "displayName": self.display_name,
            "mediaState": self.media_state,
        });
        if let (Some(r), Some(c)) = (self.reason, self.reason_code) {
            v["reason"] = json!(r);
            v["reasonCode"] = json!(c);
        }
        v
    }
}

/// The state list: Ready, and Not Ready with and without reasons.
pub const STATES: &[AgentState] = &[
    AgentState {
        operation_name: "Ready",
        display_name: "Ready",
        media_state: "READY",
        reason: None,
        reason_code: None,
    },
    AgentState {
        operation_name: "NotReady",
        display_name: "Not Ready",
        media_state: "NOT_READY",
        reason: None,
        reason_code: None,
    },
    AgentState {
        operation_name: "NotReadyReasonBreak",
        display_name: "Not Ready - Break",
        media_state: "NOT_READY_ACTION_CODE",
        reason: Some("Break"),
        reason_code: Some("1511"),
    },
    AgentState {
        operation_name: "NotReadyReasonLunch",
        display_name: "Not Ready - Lunch",
        media_state: "NOT_READY_ACTION_CODE",
        reason: Some("Lunch"),
        reason_code: Some("1512"),
    },
    AgentState {
        operation_name: "AfterCallWork",
        display_name: "After Call Work",
        media_state: "NOT_READY_AFTER_CALL_WORK",
        reason: None,
        reason_code: None,
    },
];

/// The channels the agent is logged on.
pub const MEDIA: &[&str] = &["voice", "email", "chat"];

/// An interaction on the desktop.
#[derive(Debug, Clone, PartialEq)]
pub struct Interaction {
    pub id: String,
    pub media: &'static str,
    pub state: &'static str,
    pub previous_state: &'static str,
    /// `IN` or `OUT`.
    pub direction: &'static str,
    pub party: String,
    pub user_data: Map<String, Value>,
    pub case_id: String,
    pub case_selected: bool,
    /// `STOPPED`, `RECORDING` or `PAUSED` (voice only).
    pub recording_state: &'static str,
    /// The warning shown instead of marking done, when a client blocked it.
    pub markdone_blocked: Option<String>,
    pub is_consultation: bool,
    pub messages: Vec<String>,
}

impl Interaction {
    /// Whether the interaction is over (may be marked done).
    pub fn is_ended(&self) -> bool {
        catalog::is_terminal_state(self.state)
    }
}

/// A toast shown by `system.popupToast`.
#[derive(Debug, Clone, PartialEq)]
pub struct Toast {
    pub id: String,
    pub title: String,
    pub message: String,
    pub buttons: Vec<String>,
    pub owner: ClientKey,
}

/// A dialog opened by `system.openDialog`.
#[derive(Debug, Clone, PartialEq)]
pub struct Dialog {
    pub id: String,
    pub url: String,
    pub title: String,
}

struct Client {
    origin: String,
    frame_id: i64,
}

/// What the page knows of a sender window before it says anything: which
/// application of `interaction.web-content` it is, and whether the agent
/// sees it.
#[derive(Debug, Clone, Default)]
struct Identity {
    app: Option<String>,
    visible: bool,
}

struct Subscription {
    client: ClientKey,
    names: Vec<String>,
}

enum Scheduled {
    Establish(String),
}

/// The whole simulated desktop.
pub struct Service {
    options: Options,
    options_text: String,
    gate: Gate,
    pub agent_state: usize,
    pub media_states: BTreeMap<&'static str, usize>,
    pub interactions: Vec<Interaction>,
    pub toasts: Vec<Toast>,
    pub dialogs: Vec<Dialog>,
    pub menu_views: BTreeMap<String, Value>,
    pub microphone_muted: bool,
    pub speaker_muted: bool,
    pub direct_push_preview: bool,
    pub log: Vec<LogEntry>,
    clients: BTreeMap<ClientKey, Client>,
    identities: BTreeMap<ClientKey, Identity>,
    subscriptions: BTreeMap<String, Subscription>,
    scheduled: Vec<(f64, Scheduled)>,
    outbox: Vec<Outgoing>,
    next_frame_id: i64,
    next_interaction: u64,
    next_subscription: u64,
    /// Toasts and dialogs share one counter, as WWE's ids do.
    next_custom: u64,
}

/// The most log lines kept.
const LOG_LIMIT: usize = 300;

/// The error for a request the simulator does not implement.
fn not_implemented(name: &str) -> String {
    format!("The simulator does not implement '{name}'")
}

fn text_param(params: &[Value], i: usize) -> String {
    match params.get(i) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// A transfer, conference or consultation target as text: the core's
/// [`catalog::transfer_destination`] (a string, or an object's
/// `destination`).
fn target_param(params: &[Value], i: usize) -> String {
    let destination = params.get(i).and_then(catalog::transfer_destination);
    text_param(destination.map(std::slice::from_ref).unwrap_or_default(), 0)
}

fn object_param(params: &[Value], i: usize) -> Map<String, Value> {
    params
        .get(i)
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

impl Service {
    /// A desktop with the agent Ready and no interaction, under `options`.
    pub fn new(options_text: &str) -> Result<Service, String> {
        let options = parse_options(options_text).map_err(|e| e.to_string())?;
        Ok(Service {
            gate: Gate::new(&options),
            options,
            options_text: options_text.to_owned(),
            agent_state: 0,
            media_states: MEDIA.iter().map(|m| (*m, 0)).collect(),
            interactions: Vec::new(),
            toasts: Vec::new(),
            dialogs: Vec::new(),
            menu_views: BTreeMap::new(),
            microphone_muted: false,
            speaker_muted: false,
            direct_push_preview: false,
            log: Vec::new(),
            clients: BTreeMap::new(),
            identities: BTreeMap::new(),
            subscriptions: BTreeMap::new(),
            scheduled: Vec::new(),
            outbox: Vec::new(),
            next_frame_id: 1,
            next_interaction: 1,
            next_subscription: 1,
            next_custom: 0,
        })
    }

    /// Replaces the options; rate-limit counters start afresh.
    pub fn set_options(&mut self, options_text: &str) -> Result<(), String> {
        let options = parse_options(options_text).map_err(|e| e.to_string())?;
        self.gate = Gate::new(&options);
        self.options = options;
        self.options_text = options_text.to_owned();
        Ok(())
    }

    pub fn options(&self) -> &Options {
        &self.options
    }

    pub fn options_text(&self) -> &str {
        &self.options_text
    }

    /// Tells the model, before the window of `key` says anything, which
    /// application of `interaction.web-content` it is (its section name;
    /// `None`: none, such as a CRM page embedding WWE) and whether the
    /// agent sees it (`system.amIVisible`). Windows not described are
    /// visible and no application.
    pub fn describe_client(&mut self, key: ClientKey, app: Option<String>, visible: bool) {
        self.identities.insert(key, Identity { app, visible });
    }

    /// The application the window of `key` is, as the options describe it.
    fn app_of(&self, key: ClientKey) -> Option<&WebApp> {
        let section = self.identities.get(&key)?.app.as_deref()?;
        self.options.web_apps.iter().find(|a| a.section == section)
    }

    fn is_visible(&self, key: ClientKey) -> bool {
        self.identities.get(&key).is_none_or(|i| i.visible)
    }

    /// The frame id assigned to a client, if it was assigned one.
    pub fn frame_id_of(&self, key: ClientKey) -> Option<i64> {
        self.clients.get(&key).map(|c| c.frame_id)
    }

    /// How many subscriptions are open.
    pub fn subscription_count(&self) -> usize {
        self.subscriptions.len()
    }

    fn log(&mut self, time_ms: f64, origin: &str, summary: String, outcome: impl Into<String>) {
        if self.log.len() >= LOG_LIMIT {
            self.log.remove(0);
        }
        self.log.push(LogEntry {
            time_ms,
            origin: origin.to_owned(),
            summary,
            outcome: outcome.into(),
        });
    }

    fn send(&mut self, to: ClientKey, message: Value) {
        let Some(client) = self.clients.get(&to) else {
            return;
        };
        self.outbox.push(Outgoing {
            to,
            target_origin: client.origin.clone(),
            message,
        });
    }

    fn take_outbox(&mut self) -> Vec<Outgoing> {
        std::mem::take(&mut self.outbox)
    }

    /// Handles one message a client posted: `data` is `event.data`,
    /// `origin` is `event.origin`, `key` stands for `event.source`.
    pub fn handle(
        &mut self,
        key: ClientKey,
        origin: &str,
        data: &Value,
        now_ms: f64,
    ) -> Vec<Outgoing> {
        let decoded = wwe_core::decode::decode(data);
        let summary = decoded.message.to_string();
        let Some(obj) = data.as_object() else {
            self.log(
                now_ms,
                origin,
                summary,
                "ignored: not a Service Client API message",
            );
            return Vec::new();
        };
        let is_request =
            obj.get("request").is_some_and(Value::is_string) && !obj.contains_key("errorMessage");
        let sub_event = obj
            .get("event")
            .and_then(Value::as_str)
            .filter(|e| matches!(*e, "subscribe" | "unsubscribe"));
        if !is_request && sub_event.is_none() {
            self.log(now_ms, origin, summary, "ignored: not a request");
            return Vec::new();
        }
        if !policy::origin_accepted(&self.options, origin) {
            let why = policy::evaluate(&self.options, origin, "").explanation();
            self.log(now_ms, origin, summary, format!("ignored: {why}"));
            return Vec::new();
        }
        if !self.clients.contains_key(&key) {
            let frame_id = self.next_frame_id;
            self.next_frame_id += 1;
            self.clients.insert(
                key,
                Client {
                    origin: origin.to_owned(),
                    frame_id,
                },
            );
            self.send(key, reply::frame_id_assignment(frame_id, USER_AGENT));
        } else if let Some(c) = self.clients.get_mut(&key) {
            c.origin = origin.to_owned();
        }
        let reference_id = match obj.get("referenceId") {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        let rid = reference_id.as_deref();

        if let Some(ev) = sub_event {
            let outcome = if ev == "subscribe" {
                self.subscribe(key, obj.get("data"), rid)
            } else {
                self.unsubscribe(key, obj.get("data"), rid)
            };
            self.log(now_ms, origin, summary, outcome);
            return self.take_outbox();
        }

        let name = obj
            .get("request")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let app = self.app_of(key).cloned();
        match self.gate.admit(&self.options, origin, app.as_ref(), &name, now_ms) {
            Admission::Limited(Verdict::Allowed) => {}
            Admission::Ignored { reason } => {
                self.log(now_ms, origin, summary, format!("ignored: {reason}"));
                return self.take_outbox();
            }
            Admission::Refused(decision) => {
                let why = decision.explanation();
                self.send(
                    key,
                    reply::reply_error(
                        rid,
                        &format!("Request '{name}' is not allowed: {why}"),
                        USER_AGENT,
                    ),
                );
                self.log(now_ms, origin, summary, format!("error: {why}"));
                return self.take_outbox();
            }
            Admission::Limited(Verdict::LimitReached {
                quarantine_seconds, ..
            }) => {
                self.send(
                    key,
                    reply::rate_limit_reply(rid, &name, quarantine_seconds, USER_AGENT),
                );
                self.log(
                    now_ms,
                    origin,
                    summary,
                    format!("rate limit reached: quarantine {quarantine_seconds} s"),
                );
                return self.take_outbox();
            }
            Admission::Limited(Verdict::Ignored { .. }) => {
                self.log(now_ms, origin, summary, "ignored: in rate-limit quarantine");
                return self.take_outbox();
            }
        }
        let params: Vec<Value> = match obj.get("parameters") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(a)) => a.clone(),
            Some(other) => vec![other.clone()],
        };
        let result = match catalog::request(&name) {
            None => Err(reply::unknown_request_message(&name)),
            Some(spec) => reply::check_params(spec, &params)
                .and_then(|()| self.execute(key, &name, &params, now_ms)),
        };
        match result {
            Ok(data) => {
                self.send(key, reply::reply_ok(rid, data, USER_AGENT));
                self.log(now_ms, origin, summary, "replied");
            }
            Err(message) => {
                self.send(key, reply::reply_error(rid, &message, USER_AGENT));
                self.log(now_ms, origin, summary, format!("error: {message}"));
            }
        }
        // The reply goes before the events it caused, as a client expects.
        let mut out = self.take_outbox();
        let first_event = out.iter().position(|o| o.message.get("event").is_some());
        if let Some(i) = first_event {
            if let Some(j) = out
                .iter()
                .rposition(|o| o.to == key && o.message.get("referenceId").is_some())
            {
                if j > i {
                    let reply = out.remove(j);
                    out.insert(i, reply);
                }
            }
        }
        out
    }

    /// Runs one request whose parameters fit the catalog; the reply's `data`
    /// or the error text. One handler per namespace of the API, each the
    /// requests it implements.
    fn execute(
        &mut self,
        key: ClientKey,
        name: &str,
        p: &[Value],
        now_ms: f64,
    ) -> Result<Value, String> {
        // `voice.answer` accepts the call as `interaction.accept` does.
        let namespace = if name == "voice.answer" { "interaction" } else { name.split_once('.').map_or(name, |(ns, _)| ns) };
        match namespace {
            "auth" => self.auth_request(name),
            "agent" => self.agent_request(name, p),
            "interaction" => self.interaction_request(name, p, now_ms),
            "voice" => self.voice_request(name, p, now_ms),
            "sipEndpoint" => self.sip_endpoint_request(name),
            "email" => self.email_request(name, p),
            "outbound" => self.outbound_request(name, p, now_ms),
            "media" => self.media_request(name, p),
            "system" => self.system_request(name, key, p),
            "messenger" => self.messenger_request(name, key, p),
            "configuration" => self.configuration_request(name, p),
            _ => Err(not_implemented(name)),
        }
    }


    fn option_value(&self, name: &str) -> Value {
        for line in self.options_text.lines() {
            let line = line.trim();
            if let Some(rest) = line.strip_prefix(name) {
                let rest = rest.trim_start();
                if let Some(v) = rest.strip_prefix('=').or_else(|| rest.strip_prefix(':')) {
                    return json!(v.trim());
                }
            }
        }
        match name {
            "interaction.web-content" => json!("console, background"),
            "voice.prompt-for-end" => json!("false"),
            _ => Value::Null,
        }
    }

    fn is_leading(&self, key: ClientKey) -> bool {
        let lowest = self
            .clients
            .iter()
            .min_by_key(|(_, c)| c.frame_id)
            .map(|(k, _)| *k);
        lowest == Some(key)
    }

    // ---- controls on the page --------------------------------------------

    /// Whether something is scheduled at or before `now_ms`.
    pub fn has_due(&self, now_ms: f64) -> bool {
        self.scheduled.iter().any(|(t, _)| *t <= now_ms)
    }

    /// Runs what is due by `now_ms` (calls answered by the far end).
    pub fn tick(&mut self, now_ms: f64) -> Vec<Outgoing> {
        let (due, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.scheduled)
            .into_iter()
            .partition(|(t, _)| *t <= now_ms);
        self.scheduled = later;
        for (_, action) in due {
            match action {
                Scheduled::Establish(id) => {
                    let _ = self.transition(&id, &["DIALING"], "ESTABLISHED");
                }
            }
        }
        self.take_outbox()
    }

    /// Forgets a client whose window went away (its subscriptions end).
    pub fn forget_client(&mut self, key: ClientKey) {
        self.clients.remove(&key);
        self.identities.remove(&key);
        self.subscriptions.retain(|_, s| s.client != key);
    }
}

fn toast_from(id: &str, params: &Map<String, Value>, owner: ClientKey) -> Toast {
    let s = |k: &str| {
        params
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let buttons = match params.get("buttons") {
        Some(Value::Array(a)) => a
            .iter()
            .map(|b| match b {
                Value::String(s) => s.clone(),
                Value::Object(o) => o
                    .get("label")
                    .or_else(|| o.get("text"))
                    .or_else(|| o.get("title"))
                    .and_then(Value::as_str)
                    .unwrap_or("Button")
                    .to_owned(),
                other => other.to_string(),
            })
            .collect(),
        _ => Vec::new(),
    };
    let title = if s("title").is_empty() {
        "Notification".to_owned()
    } else {
        s("title")
    };
    Toast {
        id: id.to_owned(),
        title,
        message: s("message"),
        buttons,
        owner,
    }
}

#[cfg(test)]
mod tests;
