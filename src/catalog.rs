//! The Service Client API catalog: namespaces, requests and their
//! parameters, event names, `eventType`s and security options.
//!
//! The data lives in `assets/catalog.toml`; `build.rs` turns it into the
//! static tables included below, so lookups never parse anything. Decoder,
//! lints, autocomplete, simulator and docs all read this one catalog.

use serde_json::Value;

include!(concat!(env!("OUT_DIR"), "/catalog.rs"));

/// A namespace of requests, e.g. `voice`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NamespaceSpec {
    /// The namespace as it appears before the dot, e.g. `sipEndpoint`.
    pub name: &'static str,
    /// One line saying what the namespace is for.
    pub description: &'static str,
}

/// One request a client can send, e.g. `voice.dial`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestSpec {
    /// The full request name, `namespace.method`.
    pub name: &'static str,
    /// The part before the dot.
    pub namespace: &'static str,
    /// The part after the dot.
    pub method: &'static str,
    /// One line saying what the request does.
    pub description: &'static str,
    /// The parameters in the order they are sent in `parameters`.
    pub params: &'static [ParamSpec],
}

impl RequestSpec {
    /// How many parameters must be present (the ones before the first
    /// optional one).
    pub fn required_params(&self) -> usize {
        self.params.iter().filter(|p| !p.optional).count()
    }
}

/// One parameter of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParamSpec {
    /// The name the client library gives it, e.g. `interactionId`.
    pub name: &'static str,
    /// What kind of value it takes.
    pub kind: ParamKind,
    /// Whether the request may be sent without it.
    pub optional: bool,
}

/// The kind of value a parameter takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParamKind {
    /// An interaction identifier: a string such as `"1"`, or a number the
    /// client library passes through (the guide does not say WWE refuses
    /// one).
    InteractionId,
    /// An object of user-data keys and values.
    KeyValues,
    /// Any string.
    String,
    /// Any number.
    Number,
    /// An identifier passed through untouched: a string or a number.
    StringOrNumber,
    /// A transfer, conference or consultation target: a string such as
    /// `"5001"`, or an object `{type, destination, media?}` as the vendor's
    /// sample client passes it.
    TransferTarget,
    /// An index into a state list, or the state's name.
    StateIndexOrName,
    /// A date, as a string or a number of milliseconds.
    Date,
    /// An object of named settings.
    Options,
    /// Anything JSON can carry.
    Any,
}

impl ParamKind {
    /// The kind's name in the catalog, e.g. `interaction-id`.
    pub fn as_str(self) -> &'static str {
        match self {
            ParamKind::InteractionId => "interaction-id",
            ParamKind::KeyValues => "key-values",
            ParamKind::String => "string",
            ParamKind::Number => "number",
            ParamKind::StringOrNumber => "string-or-number",
            ParamKind::TransferTarget => "transfer-target",
            ParamKind::StateIndexOrName => "state-index-or-name",
            ParamKind::Date => "date",
            ParamKind::Options => "options",
            ParamKind::Any => "any",
        }
    }

    /// What a value of this kind looks like, for messages to the user.
    pub fn expectation(self) -> &'static str {
        match self {
            ParamKind::InteractionId => "an interaction id (a string such as \"1\", or a number)",
            ParamKind::KeyValues => "an object of user-data keys and values",
            ParamKind::String => "a string",
            ParamKind::Number => "a number",
            ParamKind::StringOrNumber => "a string or a number",
            ParamKind::TransferTarget => {
                "a target: a string such as \"5001\", or an object {type, destination, media?} such as {\"type\": \"AGENT\", \"destination\": \"SIP_5001\"}"
            }
            ParamKind::StateIndexOrName => "a state-list index (number) or a state name (string)",
            ParamKind::Date => "a date (a string or a number of milliseconds)",
            ParamKind::Options => "an object of settings",
            ParamKind::Any => "any value",
        }
    }

    /// Whether `value` is of this kind.
    pub fn accepts(self, value: &Value) -> bool {
        match self {
            ParamKind::String => value.is_string(),
            ParamKind::KeyValues | ParamKind::Options => value.is_object(),
            ParamKind::Number => value.is_number(),
            ParamKind::InteractionId | ParamKind::StringOrNumber | ParamKind::StateIndexOrName | ParamKind::Date => {
                value.is_string() || value.is_number()
            }
            // The guide documents neither shape's keys beyond the sample's
            // `type`, `destination` and `media`: any object is accepted.
            ParamKind::TransferTarget => value.is_string() || value.is_object(),
            ParamKind::Any => true,
        }
    }

    /// One example value per shape the kind accepts, for the composer's
    /// autocomplete and the simulator's tests.
    pub fn examples(self) -> &'static [&'static str] {
        match self {
            ParamKind::InteractionId => &["\"1\"", "1"],
            ParamKind::KeyValues => &["{\"Key1\": \"value\"}"],
            ParamKind::String => &["\"text\""],
            ParamKind::Number => &["1"],
            ParamKind::StringOrNumber => &["\"1\"", "1"],
            ParamKind::TransferTarget => &["\"5001\"", "{\"type\": \"AGENT\", \"destination\": \"SIP_5001\"}"],
            ParamKind::StateIndexOrName => &["0", "\"Ready\""],
            ParamKind::Date => &["\"2026-12-31T09:00:00Z\"", "1798707600000"],
            ParamKind::Options => &["{}"],
            ParamKind::Any => &["null"],
        }
    }
}

/// The value that names where a `transfer-target` goes: the target itself
/// when it is not an object, else its `destination` (`None` when the object
/// has none). The simulator dials it; the interaction model matches it to
/// the parties of the interaction a consult creates.
pub fn transfer_destination(target: &Value) -> Option<&Value> {
    match target {
        Value::Object(map) => map.get("destination"),
        other => Some(other),
    }
}

/// An event name a client subscribes to, e.g. `interaction`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventSpec {
    /// The name, or for a prefix the part before the client-chosen suffix
    /// (`messenger:`).
    pub name: &'static str,
    /// Whether the name is followed by a client-chosen suffix
    /// (`messenger:<channel>`).
    pub prefix: bool,
    /// Whether the guide's tables list the eventTypes it carries. For the
    /// others the guide names none: their `data` is not documented.
    pub typed: bool,
    /// One line saying what the event carries.
    pub description: &'static str,
}

/// The group an `eventType` belongs to in the guide's tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventGroup {
    /// Agent events (`STATE_CHANGED`).
    Agent,
    /// System events (`CUSTOM_TOAST_BUTTON_CLICK`).
    System,
    /// Interaction events common to every media.
    Common,
    /// Voice interaction events.
    Voice,
    /// Open media interaction events.
    OpenMedia,
    /// Chat events (on top of the open media ones).
    Chat,
    /// Outbound email events (on top of the open media ones).
    OutboundEmail,
}

impl EventGroup {
    /// The group's name in the catalog, e.g. `open-media`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventGroup::Agent => "agent",
            EventGroup::System => "system",
            EventGroup::Common => "common",
            EventGroup::Voice => "voice",
            EventGroup::OpenMedia => "open-media",
            EventGroup::Chat => "chat",
            EventGroup::OutboundEmail => "outbound-email",
        }
    }
}

/// One `eventType` value from the guide's tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventTypeSpec {
    /// The value of `data.eventType`, e.g. `ATTACHED_DATA_CHANGED`.
    pub name: &'static str,
    /// The event name it arrives under, e.g. `interaction`.
    pub event: &'static str,
    /// Its group in the guide's tables.
    pub group: EventGroup,
    /// The guide's description.
    pub description: &'static str,
    /// Fields of `data` the guide names for it, beside `eventType`.
    pub fields: &'static [&'static str],
    /// The fields its table says it uses (a subset of `fields`): an event
    /// without one of them is a finding.
    pub required: &'static [&'static str],
    /// Whether it names the state the interaction is now in (`DIALING`),
    /// rather than a notification about it (`PARTY_CHANGED`).
    pub state: bool,
    /// Whether the state it names is terminal: the interaction is over.
    pub ends: bool,
}

/// Which `data.media` values an eventType group may arrive with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaRule {
    /// Any media (or none).
    Any,
    /// Only these media.
    Only(&'static [&'static str]),
    /// Any media but these.
    Not(&'static [&'static str]),
}

impl MediaRule {
    /// Whether an event of this group may carry `media`.
    pub fn allows(self, media: &str) -> bool {
        match self {
            MediaRule::Any => true,
            MediaRule::Only(list) => list.contains(&media),
            MediaRule::Not(list) => !list.contains(&media),
        }
    }

    /// The rule as words: `voice`, `any media but voice`.
    pub fn describe(self) -> String {
        match self {
            MediaRule::Any => "any media".to_owned(),
            MediaRule::Only(list) => list.join(" or "),
            MediaRule::Not(list) => format!("any media but {}", list.join(" or ")),
        }
    }
}

impl EventGroup {
    /// The media an eventType of this group may arrive with (the catalog's
    /// `[[event_group]]`).
    pub fn media_rule(self) -> MediaRule {
        EVENT_GROUP_MEDIA.iter().find(|(g, _)| *g == self).map_or(MediaRule::Any, |(_, r)| *r)
    }
}

/// One way `interaction.web-content` shows an embedded application (G49):
/// `tab`, `popup`, `background`, `hidden`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DisplaySpec {
    /// The name, as the `mode` key of an application's section gives it.
    pub name: &'static str,
    /// What it means for the application, as a sentence.
    pub description: &'static str,
    /// The only requests an application shown this way may send (a tab:
    /// `voice.dial`, G70); `None` = no restriction beyond the options.
    pub only: Option<&'static [&'static str]>,
    /// One instance per interaction, living and ending with it.
    pub per_interaction: bool,
    /// Whether the agent sees it.
    pub shown: bool,
}

impl DisplaySpec {
    /// Whether an application shown this way may send `request` at all.
    pub fn allows(&self, request: &str) -> bool {
        self.only.is_none_or(|only| only.contains(&request))
    }
}

/// Every way an application can be shown, in catalog order.
pub fn displays() -> &'static [DisplaySpec] {
    DISPLAYS
}

/// The display called `name` (`tab`, `popup`, `background`, `hidden`;
/// case-insensitive, surrounding spaces ignored).
pub fn display(name: &str) -> Option<&'static DisplaySpec> {
    let name = name.trim();
    DISPLAYS.iter().find(|d| d.name.eq_ignore_ascii_case(name))
}

/// Whether the eventType `name` names an interaction state (the catalog's
/// `state = true`).
pub fn is_state_event(name: &str) -> bool {
    event_type(name).is_some_and(|t| t.state)
}

/// Whether `state` (an interaction state, named like its eventType) is
/// terminal: the catalog's `ends = true`.
pub fn is_terminal_state(state: &str) -> bool {
    event_type(state).is_some_and(|t| t.ends)
}

/// A security option set on the WWE cluster application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptionSpec {
    /// The option name, or for a suffix the part before the request name
    /// (`service-client-api.rate-limit.`).
    pub name: &'static str,
    /// Whether the name is followed by a request name.
    pub suffix: bool,
    /// One line saying what it does.
    pub description: &'static str,
}

/// The request called `name` (case-sensitive, as WWE matches it).
pub fn request(name: &str) -> Option<&'static RequestSpec> {
    request_index(name).map(|i| &REQUESTS[i])
}

/// Every request, grouped by namespace in catalog order.
pub fn requests() -> &'static [RequestSpec] {
    REQUESTS
}

/// Every namespace, in catalog order.
pub fn namespaces() -> &'static [NamespaceSpec] {
    NAMESPACES
}

/// The namespace called `name`.
pub fn namespace(name: &str) -> Option<&'static NamespaceSpec> {
    NAMESPACES.iter().find(|n| n.name == name)
}

/// Every event name a client can subscribe to.
pub fn events() -> &'static [EventSpec] {
    EVENTS
}

/// The event a subscription name refers to: `agent`, or
/// `messenger:<channel>` with a non-empty channel.
pub fn event(name: &str) -> Option<&'static EventSpec> {
    EVENTS.iter().find(|e| {
        if e.prefix {
            name.len() > e.name.len() && name.starts_with(e.name)
        } else {
            name == e.name
        }
    })
}

/// Every `eventType` from the guide's tables.
pub fn event_types() -> &'static [EventTypeSpec] {
    EVENT_TYPES
}

/// The `eventType` called `name`, e.g. `STATE_CHANGED`.
pub fn event_type(name: &str) -> Option<&'static EventTypeSpec> {
    event_type_index(name).map(|i| &EVENT_TYPES[i])
}

/// Every security option.
pub fn options() -> &'static [OptionSpec] {
    OPTIONS
}

/// The option called `name`; `service-client-api.rate-limit.voice.dial`
/// finds the per-request override.
pub fn option(name: &str) -> Option<&'static OptionSpec> {
    OPTIONS
        .iter()
        .find(|o| o.name == name && !o.suffix)
        .or_else(|| OPTIONS.iter().find(|o| o.suffix && name.len() > o.name.len() && name.starts_with(o.name)))
}

/// The known request most likely meant by `unknown`, for "did you mean":
/// `voice.pauseRecording` gives `voice.pauseCallRecording`. `None` when
/// nothing is close enough to be a useful hint.
pub fn suggest(unknown: &str) -> Option<&'static str> {
    closest(unknown, REQUESTS.iter().map(|r| r.name))
}

/// The known event name most likely meant by `unknown` (`agents` gives
/// `agent`).
pub fn suggest_event(unknown: &str) -> Option<&'static str> {
    closest(unknown, EVENTS.iter().filter(|e| !e.prefix).map(|e| e.name))
}

/// Picks the candidate with the best mix of edit distance, shared
/// camel-case words and substring containment. Edit distance alone
/// misjudges names that drop a whole word (`pauseRecording`), words alone
/// misjudge typos (`hagnUp`); together they agree with a human reader.
fn closest(unknown: &str, candidates: impl Iterator<Item = &'static str>) -> Option<&'static str> {
    let lower = unknown.to_ascii_lowercase();
    let (u_ns, u_method) = lower.split_once('.').unwrap_or(("", &lower));
    let u_tokens = tokens(unknown);
    let mut best: Option<(f64, &'static str)> = None;
    for cand in candidates {
        let c_lower = cand.to_ascii_lowercase();
        if c_lower == lower {
            return Some(cand);
        }
        let (c_ns, c_method) = c_lower.split_once('.').unwrap_or(("", &c_lower));
        let dist = levenshtein(&lower, &c_lower);
        let max_len = lower.len().max(c_lower.len()).max(1);
        let c_tokens = tokens(cand);
        let common = u_tokens.iter().filter(|t| c_tokens.contains(t)).count();
        let overlap = common as f64 / u_tokens.len().max(c_tokens.len()).max(1) as f64;
        let contains = u_method.len() >= 4
            && c_method.len() >= 4
            && (c_method.contains(u_method) || u_method.contains(c_method));
        let same_ns = !u_ns.is_empty() && u_ns == c_ns;
        let close_typo = dist <= 2.max(max_len / 5);
        if !(close_typo || overlap >= 0.5 || contains) {
            continue;
        }
        let score = dist as f64 / max_len as f64 - 0.6 * overlap
            - if contains { 0.3 } else { 0.0 }
            - if same_ns { 0.2 } else { 0.0 };
        if best.is_none_or(|(b, _)| score < b) {
            best = Some((score, cand));
        }
    }
    best.map(|(_, name)| name)
}

/// Lower-case words of a name: `voice.pauseCallRecording` gives
/// `voice`, `pause`, `call`, `recording`.
fn tokens(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for ch in name.chars() {
        if !ch.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if ch.is_uppercase() && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        cur.extend(ch.to_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Edit distance in bytes; names are ASCII in practice, and a multi-byte
/// character merely costs more than one edit.
fn levenshtein(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, &ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let subst = prev[j] + usize::from(ca != cb);
            cur[j + 1] = subst.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_find_what_the_catalog_lists() {
        let dial = request("voice.dial").unwrap();
        assert_eq!(dial.namespace, "voice");
        assert_eq!(dial.method, "dial");
        assert_eq!(dial.params[0].name, "destination");
        assert_eq!(dial.required_params(), 1);
        assert!(request("voice.Dial").is_none());
        assert_eq!(event_type("STATE_CHANGED").unwrap().group, EventGroup::Agent);
        assert_eq!(event_type("SENT").unwrap().group, EventGroup::OutboundEmail);
        assert!(event_type("sent").is_none());
        assert!(event("messenger:chat").is_some());
        assert!(event("messenger:").is_none());
        assert!(event("interaction").is_some());
        assert!(event("interactions").is_none());
        assert!(option("service-client-api.rate-limit.voice.dial").unwrap().suffix);
        assert!(!option("service-client-api.rate-limit").unwrap().suffix);
        assert_eq!(namespaces().len(), 11);
    }

    #[test]
    fn every_request_index_points_at_its_own_entry() {
        for (i, r) in requests().iter().enumerate() {
            assert_eq!(request_index(r.name), Some(i), "{}", r.name);
            assert!(namespace(r.namespace).is_some(), "{}", r.name);
        }
        for (i, t) in event_types().iter().enumerate() {
            assert_eq!(event_type_index(t.name), Some(i), "{}", t.name);
        }
    }

    #[test]
    fn suggestions() {
        let cases = [
            ("voice.pauseRecording", Some("voice.pauseCallRecording")),
            ("voice.resumeRecording", Some("voice.resumeCallRecording")),
            ("voice.hangup", Some("voice.hangUp")),
            ("voice.hagnUp", Some("voice.hangUp")),
            ("agents.getState", Some("agent.getState")),
            ("dial", Some("voice.dial")),
            ("interaction.setUserdata", Some("interaction.setUserData")),
            ("completely.different", None),
        ];
        for (input, want) in cases {
            assert_eq!(suggest(input), want, "{input}");
        }
        assert_eq!(suggest_event("agents"), Some("agent"));
        assert_eq!(suggest_event("zzz"), None);
    }

    #[test]
    fn param_kinds_accept_their_values() {
        use serde_json::json;
        assert!(ParamKind::InteractionId.accepts(&json!("1")));
        assert!(ParamKind::InteractionId.accepts(&json!(1)), "the guide does not say a number is refused");
        assert!(!ParamKind::InteractionId.accepts(&json!({"interactionId": "1"})));
        assert!(ParamKind::KeyValues.accepts(&json!({"a": "b"})));
        assert!(!ParamKind::KeyValues.accepts(&json!(["a"])));
        assert!(ParamKind::StateIndexOrName.accepts(&json!(2)));
        assert!(ParamKind::StateIndexOrName.accepts(&json!("Ready")));
        assert!(!ParamKind::StateIndexOrName.accepts(&json!(null)));
        assert!(ParamKind::Any.accepts(&json!(null)));
        assert!(!ParamKind::Number.accepts(&json!("3")));
        assert!(ParamKind::TransferTarget.accepts(&json!({"type": "AGENT", "destination": "SIP_5001", "media": "voice"})));
        assert!(ParamKind::TransferTarget.accepts(&json!("5001")));
        assert!(!ParamKind::TransferTarget.accepts(&json!(["5001"])));
    }

    #[test]
    fn terminal_states_are_the_catalogs_one_list() {
        let ends: Vec<&str> = event_types().iter().filter(|t| t.ends).map(|t| t.name).collect();
        assert_eq!(ends, ["RELEASED", "COMPLETED", "REVOKED", "TRANSFER_COMPLETED", "ENDED", "CANCELLED", "SENT"]);
        assert!(is_terminal_state("RELEASED") && !is_terminal_state("HELD") && !is_terminal_state("NOT_A_STATE"));
    }

    #[test]
    fn tokens_split_camel_case() {
        assert_eq!(tokens("voice.pauseCallRecording"), ["voice", "pause", "call", "recording"]);
    }
}
