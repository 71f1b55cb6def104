//! The one contract between the extension's parts: the capture record and
//! every message between hook, relay, background and panel, as Rust types.
//!
//! The JavaScript in `extension/` cannot import these types, so it writes
//! the same shapes by hand; `src/tests/contract.rs` reads the JS sources and
//! fails when a message `type`, a record field or a `$wwe` tag there is not
//! defined here, or one defined here is not used there. One enum per
//! direction, each tagged by the one key `type` (design.md, "One message
//! protocol"); answers to `runtime.sendMessage` are untagged structs
//! because the browser pairs them with their question.

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use crate::tagged::{TAGS as VALUE_TAGS, TAG_KEY as VALUE_TAG_KEY};

/// The protocol version, which the panel and the background (both Rust)
/// exchange in their `hello`.
pub const PROTOCOL_VERSION: u32 = 2;

/// The port name a panel uses to connect to the background.
pub const PANEL_PORT: &str = "wwe-panel";

/// The `storage.local` key of the panel's settings (JSON text); the
/// background and the relays read their parts of it.
pub const SETTINGS_KEY: &str = "wwe.settings";

/// The `storage.local` key of the "always record" list: origins (an
/// array, or JSON text of one) recorded with no panel open.
pub const ALWAYS_RECORD_KEY: &str = "wwe.alwaysRecord";

/// The store's budget for captured records, in MB, unless the panel's
/// settings (`recordBudgetMb`) say otherwise: oldest dropped first, and
/// counted, beyond it.
pub const DEFAULT_RECORD_BUDGET_MB: u64 = 100;

/// The name of the `CustomEvent` the send-side hook dispatches on the
/// receiving frame's document, for its relay.
pub const HOOK_EVENT: &str = "wwe-devtools:send";

/// One line per change: bump [`PROTOCOL_VERSION`] on every breaking one.
/// Additive changes keep the number, so old panels still read new
/// backgrounds.
pub const VERSIONS: &[(u32, &str)] = &[
    (1, "hello, subscribe, clear, preserve, ping; backlog, records, dropped, navigated, error; relay-batch."),
    (
        1,
        "(additive) relay-hello -> {armed}; relay-batch -> {ok, armed} (acknowledged once stored); \
         background -> relays: armed {on}; stats (extension pages only); records gain framePath, sourcePath, \
         sourceRelation, sourceTabId, sourceUnknown, targetOrigin, stack, pageReported, ports, captureTabId. \
         Panels reconnect after a background restart and get a fresh backlog.",
    ),
    (
        1,
        "(additive) records gain dispatchedByPage, eventClass, claimedOrigin (events page script made itself).",
    ),
    (
        2,
        "panel -> background: send {id, tabId, frameId, mode: post|dispatch, base, path, targetOrigin, \
         spoofOrigin, messages (JSON texts, at most 200), intervalMs, probeMs} (replay, edit and send, forge, \
         bulk); background -> panel: sent {id, ok, posted, error, probe}.",
    ),
    (
        2,
        "(additive) records gain undelivered {targetOrigin, recipientOrigin, stack, senderUrl, text}: a post the \
         browser refused to deliver, as the browser reported it.",
    ),
];

// ---- relay (content script, isolated world) -> background ----

/// What a relay sends the background with `runtime.sendMessage`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum RelayToBackground {
    /// Records delivered to the relay's frame since its last batch.
    RelayBatch(RelayBatch),
    /// Sent when the relay starts and when its tab is armed: asks whether
    /// to record, and reports where the frame is.
    RelayHello(RelayHello),
}

/// A batch of records from one frame document.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RelayBatch {
    /// Random per frame document: sequence numbers count within it.
    pub relay_id: String,
    /// Index path of the frame from `top`.
    pub frame_path: Vec<u32>,
    pub frame_url: String,
    pub frame_origin: String,
    /// Hook reports the relay had no room for since the last batch.
    pub hook_overflow: u64,
    /// Hook reports that were not of the hook's shape since the last batch.
    pub hook_rejected: u64,
    /// The send-side hook's reports received since the last batch, checked
    /// for shape and cut to size; the engine links them to deliveries.
    #[serde(default)]
    pub reports: Vec<HookReport>,
    pub records: Vec<RelayRecord>,
}

/// The relay's hello.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RelayHello {
    pub relay_id: String,
    pub frame_path: Vec<u32>,
    pub frame_url: String,
}

/// The background's answer to a `relay-batch`: `ok` once the records are
/// stored; `armed: false` when it kept nothing because nobody records.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct RelayBatchAnswer {
    pub ok: bool,
    #[serde(default)]
    pub armed: Option<bool>,
    #[serde(default)]
    pub error: Option<String>,
}

/// The background's answer to a `relay-hello`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct RelayHelloAnswer {
    pub armed: bool,
    #[serde(flatten)]
    pub settings: RelaySettings,
}

/// What of the panel's settings a relay applies, sent with every hello
/// answer and `armed` message (the relay reads no storage itself).
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RelaySettings {
    /// Messages whose JSON text is longer are recorded truncated.
    pub size_cap: u64,
    /// Whether the send-side hook is on: reports are linked only then.
    pub send_side: bool,
}

impl Default for RelaySettings {
    fn default() -> RelaySettings {
        RelaySettings { size_cap: DEFAULT_SIZE_CAP, send_side: false }
    }
}

/// Default cap on one captured message's JSON text, in bytes.
pub const DEFAULT_SIZE_CAP: u64 = 1024 * 1024;
/// The smallest cap a relay applies (a smaller setting is ignored).
pub const MIN_SIZE_CAP: u64 = 1024;

/// One delivered message as the relay reports it; the background adds
/// what only it knows (ids, tab and frame, the sender's frame) to make a
/// [`Record`].
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RelayRecord {
    /// Per frame document, from 0.
    pub seq: u64,
    /// `performance.timeOrigin + performance.now()` at delivery.
    #[serde(deserialize_with = "fractional")]
    pub time: f64,
    /// `event.origin`; empty for an event page script made.
    pub source_origin: String,
    /// The data as JSON text (tagged where JSON cannot hold it).
    pub json: String,
    pub marker: Option<String>,
    /// Length of the JSON text before truncation.
    pub size: u64,
    /// The sender, as seen from this frame; `None` with `src_unknown`.
    pub src: Option<Source>,
    pub src_unknown: Option<String>,
    #[serde(default)]
    pub ports: Option<u32>,
    #[serde(default)]
    pub dispatched_by_page: Option<bool>,
    #[serde(default)]
    pub event_class: Option<String>,
    #[serde(default)]
    pub claimed_origin: Option<String>,
    /// The data's fingerprint as the hook computes it of a sent value,
    /// while the send-side hook may be on: to link a report.
    #[serde(default)]
    pub fp: Option<String>,
}

/// `event.source` classified by the relay: how it relates to the
/// receiving frame and its index path from its own `top`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Source {
    /// `self`, `parent`, `top`, `child`, `frame`, `opener` or `popup`.
    pub rel: String,
    pub path: Vec<u32>,
    /// For a popup: the opener frame's index path in this tab.
    #[serde(default)]
    pub opener_path: Option<Vec<u32>>,
}

// ---- background -> relay ----

/// What the background sends relays with `tabs.sendMessage`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum BackgroundToRelay {
    /// Whether the relay's tab is recorded now, and the settings to
    /// record with.
    Armed {
        on: bool,
        #[serde(flatten)]
        settings: RelaySettings,
    },
}

// ---- hook (page's MAIN world) -> relay ----

/// The `detail` (as JSON text) of a [`HOOK_EVENT`]: one same-origin
/// `postMessage` call, as the page's own world saw it. The page can forge
/// these, so they are only ever shown as claims (`pageReported`).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct HookReport {
    /// A cheap fingerprint of the sent value, to find its delivery.
    pub fp: String,
    /// `Date.now()` at the call.
    pub t: f64,
    pub target_origin: Option<String>,
    pub stack: Option<String>,
}

// ---- extension pages -> background ----

/// What an extension page (tests, diagnostics) may ask the background with
/// `runtime.sendMessage`; refused from content scripts.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum PageToBackground {
    /// Counts per tab; answered with [`Stats`].
    Stats,
}

/// The answer to `stats`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    /// Changes on every background (worker) start.
    pub boot: String,
    /// Capture tab id (as text, a JSON object key) -> its counts.
    pub tabs: std::collections::BTreeMap<String, TabStats>,
    pub persisted_bytes: u64,
    /// `[popup tab id, {openerTabId, openerFrameId}]` pairs.
    pub popups: Vec<Value>,
    /// Tabs with a frame index.
    pub frame_index: Vec<i64>,
    /// The last few internal errors.
    pub errors: Vec<String>,
    pub send_side_hook: bool,
}

/// One tab's counts in [`Stats`].
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TabStats {
    pub records: u64,
    pub dropped: u64,
    pub preserve: bool,
    pub armed: bool,
    pub page_reports_dropped: u64,
    pub page_reports_rejected: u64,
    /// Records in memory only (past the storage quota).
    pub volatile: u64,
}

// ---- panel <-> background, over the port named PANEL_PORT ----

/// What a panel sends the background on its port.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum PanelToBackground {
    /// First message on the port.
    Hello(Hello),
    /// Watch a tab: answered with its backlog, then live records.
    #[serde(rename_all = "camelCase")]
    Subscribe { tab_id: i64 },
    /// Forget the watched tabs' records.
    Clear,
    /// Keep records across navigations (and record with no panel open).
    Preserve { on: bool },
    /// Keeps the port, and so Chromium's service worker, alive.
    Ping,
    /// Send messages into a frame (replay, edit and send, forge, bulk).
    Send(SendCommand),
    /// This panel attached the browser's debugger to the tab (Chromium,
    /// the "Show undelivered messages" switch), or detached it: the
    /// background detaches it when the panel goes away without doing so.
    #[serde(rename_all = "camelCase")]
    Debugger { tab_id: i64, attached: bool },
    /// A `Log.entryAdded` the debugger reported for the tab, with the
    /// reporting session's `Page.getResourceTree` answer (or `null`): the
    /// engine records it when it is a refused post (`crate::refused`).
    #[serde(rename_all = "camelCase")]
    DebuggerLog {
        tab_id: i64,
        entry: Value,
        #[serde(default)]
        tree: Value,
    },
}

/// What the background sends a panel on its port.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum BackgroundToPanel {
    /// First message on the port.
    Hello(Hello),
    /// Everything the background holds for the tab, sent once on subscribe.
    #[serde(rename_all = "camelCase")]
    Backlog {
        #[serde(default)]
        tab_id: Option<i64>,
        records: Vec<Record>,
        #[serde(default)]
        dropped: u64,
    },
    /// Records captured since the last batch.
    Records { records: Vec<Record> },
    /// The tab's total count of records dropped so far.
    Dropped { total: u64 },
    /// The tab's top frame navigated and the background cleared its records
    /// (preserve log is off).
    Navigated,
    /// The background refused something the panel sent.
    Error { message: String },
    /// The answer to a [`PanelToBackground::Send`].
    Sent(SentAnswer),
}

/// The first message each way on a panel's port.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Hello {
    /// [`PROTOCOL_VERSION`] of the sender.
    pub protocol: u32,
    /// The extension's version (manifest), for diagnostics.
    #[serde(default)]
    pub build: Option<String>,
}

/// How a send reaches the page.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum SendMode {
    /// `target.postMessage(data, targetOrigin)` from the chosen frame.
    #[default]
    Post,
    /// A synthetic `message` event with a spoofed origin on the frame.
    Dispatch,
}

/// A send command; the route was decided by the core in the panel, the
/// background checks its shape and runs it.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SendCommand {
    /// The panel's id for the answer.
    pub id: u32,
    pub tab_id: i64,
    pub frame_id: i64,
    pub mode: SendMode,
    /// `self`, `top` or `opener-top`.
    pub base: String,
    pub path: Vec<u32>,
    pub target_origin: String,
    pub spoof_origin: String,
    /// JSON texts, at most 200.
    pub messages: Vec<String>,
    pub interval_ms: u32,
    pub probe_ms: u32,
}

/// The answer to a send.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct SentAnswer {
    /// The command's id.
    #[serde(default)]
    pub id: u32,
    pub ok: bool,
    #[serde(default)]
    pub posted: u32,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub probe: Option<Probe>,
}

/// The page's text fingerprint before and after a probed send.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Probe {
    pub before: String,
    pub after: String,
}

// ---- the capture record ----

/// A capture record as the background stores and sends it (ARCHITECTURE.md,
/// "The capture record"): the message data is still JSON text, parsed once
/// by [`Record::into_record`]. Fields are defaulted because the background
/// writes the optional ones only when they apply.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Record {
    pub id: u64,
    #[serde(default)]
    pub seq: u64,
    #[serde(default)]
    pub tab_id: i64,
    #[serde(default)]
    pub frame_id: i64,
    #[serde(default)]
    pub frame_url: String,
    #[serde(default)]
    pub frame_origin: String,
    #[serde(default)]
    pub source_origin: String,
    #[serde(default)]
    pub source_frame_id: Option<i64>,
    #[serde(default, deserialize_with = "fractional")]
    pub time: f64,
    #[serde(default)]
    pub json: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
    #[serde(default)]
    pub size: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_origin: Option<String>,
    #[serde(default)]
    pub frame_path: Vec<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_path: Option<Vec<u32>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_relation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_tab_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_unknown: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stack: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub page_reported: bool,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub ports: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capture_tab_id: Option<i64>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub dispatched_by_page: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_class: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claimed_origin: Option<String>,
    /// A post the browser refused to deliver (ARCHITECTURE.md, "The
    /// capture record"): the sender in `sourceOrigin`, `sourceFrameId`,
    /// `sourcePath`; no receiving frame; `json` empty when the message
    /// itself is unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undelivered: Option<Undelivered>,
}

pub use crate::record::Undelivered;

impl Record {
    /// The core's record: the data parsed from its JSON text. Text that does
    /// not parse (it always should) is kept as a string, with a marker.
    pub fn into_record(self) -> crate::record::Record {
        let (data, marker) = match serde_json::from_str(&self.json) {
            Ok(value) => (value, self.marker),
            // A refused post whose message the browser's report did not
            // carry: no data, and nothing wrong with that.
            Err(_) if self.undelivered.is_some() && self.json.is_empty() => (Value::Null, self.marker),
            Err(_) => (Value::String(self.json), Some("unparseable".to_string())),
        };
        crate::record::Record {
            id: self.id,
            seq: self.seq,
            tab_id: self.tab_id,
            frame_id: self.frame_id,
            frame_url: self.frame_url,
            frame_origin: self.frame_origin,
            source_origin: self.source_origin,
            source_frame_id: self.source_frame_id,
            time: self.time,
            data,
            marker,
            size: self.size,
            target_origin: self.target_origin,
            frame_path: self.frame_path,
            source_path: self.source_path,
            source_relation: self.source_relation,
            source_tab_id: self.source_tab_id,
            source_unknown: self.source_unknown,
            stack: self.stack,
            page_reported: self.page_reported,
            ports: self.ports,
            capture_tab_id: self.capture_tab_id,
            dispatched_by_page: self.dispatched_by_page,
            event_class: self.event_class,
            claimed_origin: self.claimed_origin,
            undelivered: self.undelivered,
            extra: serde_json::Map::new(),
        }
    }
}

// A record leaves out what does not apply, as the relay does: smaller in
// the store and on the port, and absent reads as the default.
fn is_false(value: &bool) -> bool {
    !value
}
fn is_zero(value: &u32) -> bool {
    *value == 0
}

/// Reads a number with a fraction inside a message tagged by `type`.
/// serde buffers such a message before it knows the variant, and with
/// serde_json's `arbitrary_precision` (on for the whole workspace) a
/// buffered fraction is a map that a plain `f64` refuses ("invalid type:
/// map, expected f64"); `Number` reads both forms.
fn fractional<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    let number = serde_json::Number::deserialize(deserializer)?;
    number.as_f64().ok_or_else(|| serde::de::Error::custom(format!("{number} is not a number of milliseconds")))
}

/// Every message `type` of one direction, for the contract check and the
/// JS constants: one example of each variant, serialized.
pub fn message_types() -> Vec<(&'static str, Vec<String>)> {
    fn tags<T: Serialize>(examples: &[T]) -> Vec<String> {
        examples
            .iter()
            .map(|m| {
                let value = serde_json::to_value(m).expect("a contract message serializes");
                value["type"].as_str().expect("tagged by type").to_string()
            })
            .collect()
    }
    vec![
        ("relay -> background", tags(&RelayToBackground::examples())),
        ("background -> relay", tags(&BackgroundToRelay::examples())),
        ("page -> background", tags(&PageToBackground::examples())),
        ("panel -> background", tags(&PanelToBackground::examples())),
        ("background -> panel", tags(&BackgroundToPanel::examples())),
    ]
}

// One example per variant. Each list is built by a match with no wildcard
// arm, so a variant added to an enum fails to compile here until it has an
// example, and the contract check sees every variant.
impl RelayToBackground {
    fn examples() -> Vec<Self> {
        let all = vec![Self::RelayBatch(RelayBatch::default()), Self::RelayHello(RelayHello::default())];
        for m in &all {
            match m {
                Self::RelayBatch(_) | Self::RelayHello(_) => {}
            }
        }
        all
    }
}

impl BackgroundToRelay {
    fn examples() -> Vec<Self> {
        let all = vec![Self::Armed { on: true, settings: RelaySettings::default() }];
        for m in &all {
            match m {
                Self::Armed { .. } => {}
            }
        }
        all
    }
}

impl PageToBackground {
    fn examples() -> Vec<Self> {
        let all = vec![Self::Stats];
        for m in &all {
            match m {
                Self::Stats => {}
            }
        }
        all
    }
}

impl PanelToBackground {
    fn examples() -> Vec<Self> {
        let all = vec![
            Self::Hello(Hello::default()),
            Self::Subscribe { tab_id: 1 },
            Self::Clear,
            Self::Preserve { on: true },
            Self::Ping,
            Self::Send(SendCommand::default()),
            Self::Debugger { tab_id: 1, attached: true },
            Self::DebuggerLog { tab_id: 1, entry: Value::Null, tree: Value::Null },
        ];
        for m in &all {
            match m {
                Self::Hello(_)
                | Self::Subscribe { .. }
                | Self::Clear
                | Self::Preserve { .. }
                | Self::Ping
                | Self::Send(_)
                | Self::Debugger { .. }
                | Self::DebuggerLog { .. } => {}
            }
        }
        all
    }
}

impl BackgroundToPanel {
    fn examples() -> Vec<Self> {
        let all = vec![
            Self::Hello(Hello::default()),
            Self::Backlog { tab_id: Some(1), records: Vec::new(), dropped: 0 },
            Self::Records { records: Vec::new() },
            Self::Dropped { total: 0 },
            Self::Navigated,
            Self::Error { message: String::new() },
            Self::Sent(SentAnswer::default()),
        ];
        for m in &all {
            match m {
                Self::Hello(_)
                | Self::Backlog { .. }
                | Self::Records { .. }
                | Self::Dropped { .. }
                | Self::Navigated
                | Self::Error { .. }
                | Self::Sent(_) => {}
            }
        }
        all
    }
}

/// `scheme://host[:port]` of an http(s) URL, or "" for what has no origin:
/// how a site is named where it is a key (the always-record list, the
/// panel's undelivered-messages switch).
pub fn origin_of(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return String::new();
    };
    if !matches!(scheme, "http" | "https") {
        return String::new();
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority
        .rsplit_once('@')
        .map(|(_, h)| h)
        .unwrap_or(authority);
    if host_port.is_empty() {
        return String::new();
    }
    let default_port = if scheme == "http" { ":80" } else { ":443" };
    let host_port = host_port.strip_suffix(default_port).unwrap_or(host_port);
    format!("{scheme}://{}", host_port.to_ascii_lowercase())
}

/// The JSON keys of a struct of the contract, every optional one filled.
pub fn field_names<T: Serialize>(example: &T) -> Vec<String> {
    match serde_json::to_value(example) {
        Ok(Value::Object(map)) => map.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_background_message_reads_as_the_background_writes_it() {
        // A fractional time, as every real one is: see `fractional`.
        let text = json!({"type": "backlog", "tabId": 7, "dropped": 3, "records": [
            {"id": 1, "seq": 0, "tabId": 7, "frameId": 0, "frameUrl": "https://a/", "frameOrigin": "https://a",
             "framePath": [], "sourceOrigin": "https://a", "time": 1.5, "json": "{\"a\":1}", "marker": null,
             "size": 7, "sourceFrameId": 0, "sourcePath": [], "sourceRelation": "self"}
        ]})
        .to_string();
        let BackgroundToPanel::Backlog { records, dropped, .. } = serde_json::from_str(&text).unwrap() else {
            panic!("not a backlog");
        };
        assert_eq!(dropped, 3);
        let record = records.into_iter().next().unwrap().into_record();
        assert_eq!(record.data, json!({"a": 1}));
        assert_eq!(record.source_relation.as_deref(), Some("self"));
    }

    #[test]
    fn an_undelivered_post_reads_with_no_data_and_its_origins() {
        let text = json!({"type": "records", "records": [
            {"id": 4, "tabId": 7, "time": 2.5, "json": "", "sourceOrigin": "http://localhost:8480", "sourceFrameId": 3,
             "undelivered": {"targetOrigin": "https://wrong.example", "recipientOrigin": "http://127.0.0.1:8470",
                             "stack": "at post (http://localhost:8480/wwe-client.js:34:16)",
                             "senderUrl": "http://localhost:8480/console.html",
                             "text": "Failed to execute 'postMessage' on 'DOMWindow': …"}}
        ]})
        .to_string();
        let BackgroundToPanel::Records { records } = serde_json::from_str(&text).unwrap() else { panic!("not records") };
        let wire = records.into_iter().next().unwrap();
        let back = serde_json::to_value(&wire).unwrap();
        assert_eq!(back["undelivered"]["recipientOrigin"], "http://127.0.0.1:8470");
        let record = wire.into_record();
        assert_eq!(record.data, Value::Null);
        assert_eq!(record.marker, None, "no data is no unparseable data");
        let u = record.undelivered.unwrap();
        assert_eq!(u.target_origin, "https://wrong.example");
        assert_eq!(u.sender_url.as_deref(), Some("http://localhost:8480/console.html"));
        // A delivered record carries no such key.
        assert!(serde_json::to_value(Record::default()).unwrap().get("undelivered").is_none());
    }

    #[test]
    fn a_panel_message_is_written_as_the_background_reads_it() {
        let send = PanelToBackground::Send(SendCommand { id: 4, tab_id: 2, mode: SendMode::Dispatch, ..Default::default() });
        let value = serde_json::to_value(&send).unwrap();
        assert_eq!(value["type"], "send");
        assert_eq!(value["tabId"], 2);
        assert_eq!(value["mode"], "dispatch");
        assert_eq!(serde_json::to_value(PanelToBackground::Subscribe { tab_id: 5 }).unwrap(), json!({"type": "subscribe", "tabId": 5}));
        assert_eq!(serde_json::to_value(PanelToBackground::Ping).unwrap(), json!({"type": "ping"}));
        let sent: BackgroundToPanel =
            serde_json::from_str(r#"{"type":"sent","id":4,"ok":true,"posted":1,"probe":{"before":"a","after":"b"}}"#).unwrap();
        assert!(matches!(sent, BackgroundToPanel::Sent(SentAnswer { id: 4, ok: true, posted: 1, .. })));
    }

    #[test]
    fn the_version_table_ends_at_the_current_version() {
        assert_eq!(VERSIONS.last().map(|v| v.0), Some(PROTOCOL_VERSION));
        assert!(VERSIONS.windows(2).all(|w| w[0].0 <= w[1].0));
    }
}
