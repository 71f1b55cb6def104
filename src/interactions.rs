//! The agent desktop rebuilt from the traffic: the agent's state over time
//! (and per media), every interaction with its states, `userData` history,
//! recording, case selection and mark-done blocking, the toasts, and which
//! requests caused what ("created by" / "caused").
//!
//! [`Interactions::update`] follows a [`Session`] incrementally: it reads
//! only the messages pushed since the last call, so a live panel pays per
//! new message, not per render. Every change names the record ids that
//! show it and, when the traffic shows one, the request that caused it.
//!
//! # Copies of one event
//!
//! WWE pushes an event once to every subscribed client frame, and the
//! extension records each delivery. Deliveries with the same JSON from the
//! same origin, received by different frames less than
//! [`COPY_WINDOW_MS`] apart, are one event: the first is processed, the
//! others are added to the messages of what it changed.
//!
//! # Findings
//!
//! Traffic that contradicts itself becomes an [`InteractionFinding`] with a
//! stable code of its own (`X001`…, see [`XCode`]), kept here rather than
//! in [`crate::lint::Code`] because it is a judgement of this
//! reconstruction, not of a message or of pairing. Codes never change
//! meaning; new ones are added at the end. Nothing here panics on any
//! traffic (see the property test).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

use serde_json::{Map, Value};

use crate::decode::Message;
use crate::options::Options;
use crate::policy;
use crate::session::{Captured, Session};

/// Two identical events received by different frames this close together
/// are copies of one event.
pub const COPY_WINDOW_MS: f64 = 1_000.0;

/// Frames' clocks disagree by this much (Firefox rounds timers): a change
/// seen up to this long before a request may still be caused by it.
pub const CLOCK_SKEW_MS: f64 = 100.0;

/// A request is linked to a change it explains only if the change comes
/// this soon after it (the client library's own timeout).
pub const CAUSE_WINDOW_MS: f64 = 10_000.0;

/// A stable code of an interaction finding, e.g. `X001`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum XCode {
    /// An interaction event for an interaction never added.
    UnknownInteraction,
    /// A state after the interaction had ended (e.g. ESTABLISHED after
    /// RELEASED).
    StateAfterEnd,
    /// An event for an interaction after it was removed.
    EventAfterRemoved,
    /// `ADDED` for an interaction already on the desktop.
    AddedTwice,
    /// A toast update, click or close for a toast never popped.
    UnknownToast,
    /// A close for a dialog no captured `system.openDialog` returned.
    UnknownDialog,
}

impl XCode {
    /// Every code, in order.
    pub const ALL: &'static [XCode] =
        &[XCode::UnknownInteraction, XCode::StateAfterEnd, XCode::EventAfterRemoved, XCode::AddedTwice, XCode::UnknownToast, XCode::UnknownDialog];

    /// The code, e.g. `"X001"`.
    pub fn as_str(self) -> &'static str {
        match self {
            XCode::UnknownInteraction => "X001",
            XCode::StateAfterEnd => "X002",
            XCode::EventAfterRemoved => "X003",
            XCode::AddedTwice => "X004",
            XCode::UnknownToast => "X005",
            XCode::UnknownDialog => "X006",
        }
    }

    /// How bad it is: every one is a contradiction in the traffic (events
    /// out of order, a capture started mid-call, or a faulty sender), so a
    /// warning, like the lints' protocol warnings.
    pub fn severity(self) -> crate::lint::Severity {
        crate::lint::Severity::Warning
    }

    /// The code's name, e.g. `"unknown-interaction"`.
    pub fn name(self) -> &'static str {
        match self {
            XCode::UnknownInteraction => "unknown-interaction",
            XCode::StateAfterEnd => "state-after-end",
            XCode::EventAfterRemoved => "event-after-removed",
            XCode::AddedTwice => "added-twice",
            XCode::UnknownToast => "unknown-toast",
            XCode::UnknownDialog => "unknown-dialog",
        }
    }
}

/// Traffic about interactions or toasts that contradicts itself.
#[derive(Debug, Clone, PartialEq)]
pub struct InteractionFinding {
    /// What kind of contradiction.
    pub code: XCode,
    /// What is wrong, as a sentence.
    pub message: String,
    /// Record ids of the messages concerned.
    pub messages: Vec<u64>,
}

/// The agent's overall state at one time.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentState {
    /// When it was seen.
    pub time: f64,
    /// `mediaState` (`READY`, `NOT_READY_ACTION_CODE`, …), else the display
    /// or operation name a reply gave.
    pub state: String,
    /// The not-ready reason, e.g. `Break`.
    pub reason: Option<String>,
    /// The reason code, e.g. `1511`.
    pub reason_code: Option<String>,
    /// The records that show it.
    pub messages: Vec<u64>,
}

/// One channel's state at one time.
#[derive(Debug, Clone, PartialEq)]
pub struct MediaState {
    /// When it was seen.
    pub time: f64,
    /// The state's name as the traffic gave it.
    pub state: String,
    /// The records that show it.
    pub messages: Vec<u64>,
}

/// The agent, as far as the traffic shows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Agent {
    /// `username` from an `agent.get` reply.
    pub username: Option<String>,
    /// First and last name from an `agent.get` reply.
    pub name: Option<String>,
    /// Overall states, in the order seen; a new entry only when it differs.
    pub states: Vec<AgentState>,
    /// Per media (`voice`, `chat`, …), states in the order seen.
    pub media: BTreeMap<String, Vec<MediaState>>,
}

impl Agent {
    /// The latest overall state.
    pub fn current(&self) -> Option<&AgentState> {
        self.states.last()
    }
}

/// One key of a `userData` change.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyChange {
    /// The key.
    pub key: String,
    /// Its value before; `None` when absent (or not visible).
    pub before: Option<Value>,
    /// Its value after; `None` when deleted.
    pub after: Option<Value>,
    /// False when the change is known from the writing request only: the
    /// key is not in the `userData` WWE returned (filtered by
    /// `user-data.read-allowed`, or refused).
    pub visible: bool,
}

/// What changed.
#[derive(Debug, Clone, PartialEq)]
pub enum ChangeKind {
    /// The interaction's state, e.g. `DIALING` → `ESTABLISHED`.
    State {
        /// The state before; `None` for the first one seen.
        from: Option<String>,
        /// The new state.
        to: String,
    },
    /// Keys of `userData` set, changed or deleted.
    UserData {
        /// The keys, in key order.
        keys: Vec<KeyChange>,
    },
    /// `recordingState`.
    Recording {
        /// Before; `None` for the first one seen.
        from: Option<String>,
        /// After.
        to: String,
    },
    /// `isCaseSelected` / `isCaseExpanded`.
    Case {
        /// `isCaseSelected` after.
        selected: Option<bool>,
        /// `isCaseExpanded` after.
        expanded: Option<bool>,
    },
    /// Mark-done blocked (with the warning) or unblocked.
    MarkDoneBlock {
        /// True when blocked.
        blocked: bool,
        /// The warning the client gave `blockMarkdone`.
        warning: Option<String>,
    },
    /// The interaction was marked done (a `markdone` event).
    MarkedDone,
    /// The interaction left the desktop (`REMOVED`).
    Removed,
    /// `PARTY_CHANGED`: the parties now.
    Parties {
        /// `parties[].name`.
        names: Vec<String>,
    },
    /// A client read the interaction (`getByInteractionId`,
    /// `getInteractions`) and saw these `userData` keys.
    Read {
        /// The keys the client saw.
        keys: Vec<String>,
        /// The origin of the client that read.
        client: String,
    },
    /// An event that reports something about the interaction without a
    /// change of state, data or parties: an interaction eventType such as
    /// `ERROR`, `NEW_MESSAGE` or `PULL_FAILED`, or an `outbound` event
    /// naming it (the guide documents no eventType for those).
    Notice {
        /// The event name, `interaction` or `outbound`.
        event: String,
        /// Its `eventType`, if it has one.
        event_type: Option<String>,
    },
    /// WWE refused a request on this interaction.
    Refused {
        /// The request, e.g. `interaction.markdone`.
        request: String,
        /// WWE's `errorMessage`.
        error: String,
    },
}

impl ChangeKind {
    /// The marker kind the view shows: `state`, `user-data`, `recording`,
    /// `case`, `markdone`, `party`, `read`.
    pub fn marker(&self) -> &'static str {
        match self {
            ChangeKind::State { .. } | ChangeKind::Removed => "state",
            ChangeKind::UserData { .. } => "user-data",
            ChangeKind::Recording { .. } => "recording",
            ChangeKind::Case { .. } => "case",
            ChangeKind::MarkDoneBlock { .. } | ChangeKind::MarkedDone => "markdone",
            ChangeKind::Parties { .. } => "party",
            ChangeKind::Read { .. } => "read",
            ChangeKind::Notice { .. } => "notice",
            ChangeKind::Refused { request, .. } => marker_of_request(request),
        }
    }

    /// One line for a tooltip or a list.
    pub fn summary(&self) -> String {
        let opt = |v: &Option<Value>| v.as_ref().map_or("∅".to_owned(), short);
        match self {
            ChangeKind::State { from: Some(f), to } => format!("{f} → {to}"),
            ChangeKind::State { from: None, to } => to.clone(),
            ChangeKind::UserData { keys } => keys
                .iter()
                .map(|k| {
                    let hidden = if k.visible { "" } else { " (not visible)" };
                    match &k.after {
                        None => format!("−{}{hidden}", k.key),
                        Some(_) => format!("{}: {} → {}{hidden}", k.key, opt(&k.before), opt(&k.after)),
                    }
                })
                .collect::<Vec<_>>()
                .join(", "),
            ChangeKind::Recording { from: Some(f), to } => format!("recording {f} → {to}"),
            ChangeKind::Recording { from: None, to } => format!("recording {to}"),
            ChangeKind::Case { selected, expanded } => format!(
                "case {}{}",
                match selected {
                    Some(true) => "selected",
                    Some(false) => "not selected",
                    None => "?",
                },
                match expanded {
                    Some(true) => ", expanded",
                    Some(false) => ", collapsed",
                    None => "",
                }
            ),
            ChangeKind::MarkDoneBlock { blocked: true, warning } => {
                format!("mark-done blocked: {}", warning.as_deref().unwrap_or("(no warning)"))
            }
            ChangeKind::MarkDoneBlock { blocked: false, .. } => "mark-done unblocked".to_owned(),
            ChangeKind::MarkedDone => "marked done".to_owned(),
            ChangeKind::Removed => "removed".to_owned(),
            ChangeKind::Parties { names } => format!("parties {}", names.join(", ")),
            ChangeKind::Read { keys, client } => format!("read by {client}: {}", keys.join(", ")),
            ChangeKind::Notice { event, event_type: Some(ty) } => format!("{event} event {ty}"),
            ChangeKind::Notice { event, event_type: None } => format!("{event} event"),
            ChangeKind::Refused { request, error } => format!("{request} refused: {error}"),
        }
    }
}

fn marker_of_request(request: &str) -> &'static str {
    match request {
        r if r.ends_with("CallRecording") => "recording",
        "interaction.setUserData" | "interaction.deleteUserData" => "user-data",
        "interaction.markdone" | "interaction.blockMarkdone" | "interaction.unblockMarkdone" => "markdone",
        "interaction.selectCaseByCaseId" => "case",
        _ => "state",
    }
}

fn short(value: &Value) -> String {
    let mut s = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if s.chars().count() > 40 {
        s = s.chars().take(37).collect::<String>() + "...";
    }
    s
}

/// One change of an interaction.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// When it was seen (the first record that shows it).
    pub time: f64,
    /// What changed.
    pub kind: ChangeKind,
    /// Record ids of the messages that show it (the event and its copies
    /// in other frames, or the reply).
    pub messages: Vec<u64>,
    /// Record id of the request that caused it, when the traffic shows one.
    pub request: Option<u64>,
    /// The request's name.
    pub request_name: Option<String>,
    /// The origin of the client that sent that request.
    pub client: Option<String>,
}

/// An interaction on the agent's desktop.
#[derive(Debug, Clone, PartialEq)]
pub struct Interaction {
    /// `interactionId`.
    pub id: String,
    /// `voice`, `chat`, `email`, … (empty until seen).
    pub media: String,
    /// When it was first seen.
    pub first_seen: f64,
    /// The record of its `ADDED` event; `None` when it was first seen
    /// otherwise (a capture started mid-call, a reply).
    pub added: Option<u64>,
    /// The latest state.
    pub state: Option<String>,
    /// When it was removed (`REMOVED`).
    pub removed: Option<f64>,
    /// The `userData` last seen (as WWE returned it: read-filtered).
    pub user_data: Map<String, Value>,
    /// The latest `recordingState`.
    pub recording: Option<String>,
    /// `caseId`.
    pub case_id: Option<String>,
    /// The latest `isCaseSelected`.
    pub case_selected: Option<bool>,
    /// The latest `isCaseExpanded`.
    pub case_expanded: Option<bool>,
    /// The warning while mark-done is blocked.
    pub markdone_blocked: Option<String>,
    /// `parties[].name`, `dnis`, `destination`: who is on the other end.
    pub parties: Vec<String>,
    /// The request that created it (`voice.dial`, `email.create`, …).
    pub created_by: Option<u64>,
    /// Every change, in the order seen.
    pub changes: Vec<Change>,
    /// The keys written by requests, with the request's record id and the
    /// client's origin, in the order sent (whether or not WWE accepted).
    pub writes: Vec<(String, u64, String)>,
}

impl Interaction {
    fn new(id: &str, time: f64) -> Interaction {
        Interaction {
            id: id.to_owned(),
            media: String::new(),
            first_seen: time,
            added: None,
            state: None,
            removed: None,
            user_data: Map::new(),
            recording: None,
            case_id: None,
            case_selected: None,
            case_expanded: None,
            markdone_blocked: None,
            parties: Vec::new(),
            created_by: None,
            changes: Vec::new(),
            writes: Vec::new(),
        }
    }

    /// The changes of one key of `userData`: (change, key change), oldest
    /// first — who changed the key, and with which request.
    pub fn key_history<'a>(&'a self, key: &'a str) -> impl Iterator<Item = (&'a Change, &'a KeyChange)> + 'a {
        self.changes.iter().filter_map(move |c| match &c.kind {
            ChangeKind::UserData { keys } => keys.iter().find(|k| k.key == key).map(|k| (c, k)),
            _ => None,
        })
    }

    /// Every `userData` key seen in the traffic or written by a request.
    pub fn known_keys(&self) -> BTreeSet<String> {
        let mut keys: BTreeSet<String> = self.user_data.keys().cloned().collect();
        for c in &self.changes {
            match &c.kind {
                ChangeKind::UserData { keys: k } => keys.extend(k.iter().map(|k| k.key.clone())),
                ChangeKind::Read { keys: k, .. } => keys.extend(k.iter().cloned()),
                _ => {}
            }
        }
        keys.extend(self.writes.iter().map(|(k, _, _)| k.clone()));
        keys
    }
}

/// The policy on one `userData` key of an interaction.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyPolicy {
    /// The key.
    pub key: String,
    /// Why clients cannot read it; `None` when they can.
    pub read_denied: Option<String>,
    /// Why clients cannot write it; `None` when they can.
    pub write_denied: Option<String>,
    /// Requests that tried to write it: (record id, client origin).
    pub written_by: Vec<(u64, String)>,
}

/// For every key known of `interaction`, whether the options let clients
/// read and write it, and why not (the core's [`policy`] sentences).
pub fn key_policies(interaction: &Interaction, options: &Options) -> Vec<KeyPolicy> {
    interaction
        .known_keys()
        .into_iter()
        .map(|key| KeyPolicy {
            read_denied: policy::user_data_denial(options, &key, false),
            write_denied: policy::user_data_denial(options, &key, true),
            written_by: interaction
                .writes
                .iter()
                .filter(|(k, _, _)| *k == key)
                .map(|(_, id, origin)| (*id, origin.clone()))
                .collect(),
            key,
        })
        .collect()
}

/// One step of a toast's life.
#[derive(Debug, Clone, PartialEq)]
pub enum ToastStep {
    /// `system.popupToast` with its title.
    Popup {
        /// `title` of the parameters.
        title: Option<String>,
    },
    /// `system.updateToast`.
    Update {
        /// The new title, if given.
        title: Option<String>,
    },
    /// `CUSTOM_TOAST_BUTTON_CLICK`.
    Click {
        /// `buttonIndex`.
        button: Option<u64>,
        /// The button's label, when the popup or an update named it.
        label: Option<String>,
    },
    /// `system.closeToast`.
    Close,
}

impl ToastStep {
    /// One line.
    pub fn summary(&self) -> String {
        match self {
            ToastStep::Popup { title } => format!("popup {}", title.as_deref().unwrap_or("")),
            ToastStep::Update { title } => format!("update {}", title.as_deref().unwrap_or("")),
            ToastStep::Click { button, label } => format!(
                "button {} clicked{}",
                button.map_or("?".to_owned(), |b| b.to_string()),
                label.as_ref().map_or(String::new(), |l| format!(" ({l})"))
            ),
            ToastStep::Close => "closed".to_owned(),
        }
    }

    /// `popup`, `update`, `click`, `close`.
    pub fn as_str(&self) -> &'static str {
        match self {
            ToastStep::Popup { .. } => "popup",
            ToastStep::Update { .. } => "update",
            ToastStep::Click { .. } => "click",
            ToastStep::Close => "close",
        }
    }
}

/// A toast a client popped up on the agent desktop.
#[derive(Debug, Clone, PartialEq)]
pub struct Toast {
    /// The id WWE returned (`None` until the reply).
    pub id: Option<String>,
    /// The origin of the client that popped it.
    pub client: String,
    /// Button labels, from the popup or the latest update.
    pub buttons: Vec<String>,
    /// (time, step, record ids), in the order seen.
    pub steps: Vec<(f64, ToastStep, Vec<u64>)>,
}

/// A request linked to what it did.
#[derive(Debug, Clone, PartialEq)]
pub struct Cause {
    /// Record id of the request.
    pub request: u64,
    /// Its name, e.g. `voice.dial`.
    pub name: String,
    /// The interaction it created or changed.
    pub interaction: String,
    /// True when it created the interaction.
    pub created: bool,
    /// Index in that interaction's changes of what it caused (`None` for a
    /// creation).
    pub change: Option<usize>,
}

/// A request that may still explain a change that has not been seen yet.
#[derive(Debug, Clone)]
struct Pending {
    request: u64,
    name: String,
    time: f64,
    client: String,
    /// The interaction the request names (or the destination, for a
    /// creating request; the case id for `selectCaseByCaseId`).
    target: String,
    /// The `userData` keys it writes (value `None` = delete).
    writes: Vec<(String, Option<Value>)>,
}

/// An event as first delivered: (time, origin and JSON, receiving tab and
/// frame, the (interaction, change) indexes it produced).
type Delivery = (f64, String, (i64, i64), Vec<(usize, usize)>);

/// The desktop rebuilt from a session.
#[derive(Debug, Default)]
pub struct Interactions {
    agent: Agent,
    interactions: Vec<Interaction>,
    index: HashMap<String, usize>,
    toasts: Vec<Toast>,
    causes: Vec<Cause>,
    findings: Vec<InteractionFinding>,
    /// Requests naming an interaction, waiting for the change they cause.
    pending: Vec<Pending>,
    /// Requests that may create an interaction (dial, email.create, consult).
    creating: Vec<Pending>,
    /// Recent events for copy detection: (time, key, receiving frame, index
    /// of the interaction and change it produced).
    recent: VecDeque<Delivery>,
    /// Replies processed before the session could pair them.
    unpaired: HashSet<u64>,
    /// Toast steps naming an id no popup has returned yet, while some
    /// popup awaits its reply: (toast id, time, step, record, buttons).
    toast_orphans: Vec<(String, f64, ToastStep, u64, Vec<String>)>,
    /// Dialog ids returned by `system.openDialog`.
    dialogs: HashSet<String>,
    /// `system.openDialog` requests not answered yet: while one is, a close
    /// for an id not seen may be its dialog, and is not judged.
    dialogs_awaited: HashSet<u64>,
    /// The changes produced by the event being processed, for its copies.
    producing: Option<Vec<(usize, usize)>>,
    processed: usize,
    first_id: Option<u64>,
    /// The latest time among the messages taken that shape the desktop.
    latest: f64,
}

/// Requests, replies and events: what the model reads. Foreign traffic
/// arriving late does not make it start over.
fn shapes_the_desktop(message: &Message) -> bool {
    matches!(message, Message::Request(_) | Message::Event { .. }) || message.is_reply()
}


const CREATING: &[&str] = &["voice.dial", "voice.dialEx", "email.create", "interaction.consult", "outbound.callPreviewRecord"];

fn str_field<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn id_field(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(text_of)
}

/// Which request names can explain a change.
fn explains(request: &str, kind: &ChangeKind) -> bool {
    match (request, kind) {
        ("voice.hold", ChangeKind::State { to, .. }) => to == "HELD",
        ("voice.resume", ChangeKind::State { to, .. }) => to == "ESTABLISHED",
        ("voice.hangUp", ChangeKind::State { to, .. }) => to == "RELEASED",
        ("voice.hangUp", ChangeKind::Recording { to, .. }) => to == "STOPPED",
        ("voice.answer" | "interaction.accept", ChangeKind::State { to, .. }) => to == "ESTABLISHED" || to == "ACCEPTED",
        ("interaction.reject", ChangeKind::State { to, .. }) => to == "RELEASED" || to == "REVOKED",
        ("interaction.reject", ChangeKind::Removed) => true,
        ("interaction.singleStepTransfer" | "interaction.completeTransfer", ChangeKind::State { to, .. }) => {
            to == "RELEASED" || to == "TRANSFER_COMPLETED"
        }
        ("interaction.completeConference", ChangeKind::State { to, .. }) => to == "RELEASED",
        ("interaction.singleStepConference" | "interaction.completeConference", ChangeKind::Parties { .. }) => true,
        ("interaction.markdone", ChangeKind::State { to, .. }) => to == "COMPLETED",
        ("interaction.markdone", ChangeKind::Removed | ChangeKind::MarkedDone) => true,
        ("voice.startCallRecording" | "voice.resumeCallRecording", ChangeKind::Recording { to, .. }) => to == "RECORDING",
        ("voice.stopCallRecording", ChangeKind::Recording { to, .. }) => to == "STOPPED",
        ("voice.pauseCallRecording", ChangeKind::Recording { to, .. }) => to == "PAUSED",
        ("interaction.setUserData" | "interaction.deleteUserData", ChangeKind::UserData { .. }) => true,
        ("interaction.selectCaseByCaseId", ChangeKind::Case { .. }) => true,
        _ => false,
    }
}

/// Whether this request explains this change: the right kind of change,
/// and for a `userData` write, a key now holding the value written (or
/// gone, for a delete) — not the data the interaction already had.
fn fits(pending: &Pending, kind: &ChangeKind) -> bool {
    if !explains(&pending.name, kind) {
        return false;
    }
    match kind {
        ChangeKind::UserData { keys } if !pending.writes.is_empty() => {
            keys.iter().any(|k| pending.writes.iter().any(|(key, value)| *key == k.key && *value == k.after))
        }
        _ => true,
    }
}

/// Whether one request keeps explaining further changes after the first
/// (mark-done: COMPLETED, REMOVED and the markdone event; hang-up: the
/// release and the recording it stops).
fn explains_many(request: &str) -> bool {
    request == "interaction.markdone" || request == "voice.hangUp"
}

fn param(captured: &Captured, i: usize) -> Option<&Value> {
    match &captured.decoded.message {
        Message::Request(r) => r.params.get(i).map(|p| &p.value),
        _ => None,
    }
}

impl Interactions {
    /// Nothing seen yet.
    pub fn new() -> Interactions {
        Interactions::default()
    }

    /// Rebuilds everything from a whole session.
    pub fn build(session: &Session) -> Interactions {
        let mut out = Interactions::new();
        out.update(session);
        out
    }

    /// Processes the messages pushed to `session` since the last call. A
    /// session that was cleared (fewer messages, or another first record)
    /// starts the model afresh.
    pub fn update(&mut self, session: &Session) {
        let first = session.messages().first().map(|m| m.record.id);
        if session.len() < self.processed || (self.processed > 0 && first != self.first_id) {
            *self = Interactions::new();
        }
        self.first_id = first;
        // Frames flush their records in batches, so a backlog holds one
        // frame's requests before another frame's replies and events:
        // what is new is taken in time order. A batch that arrives after
        // later-timed messages were taken (another frame's ring, flushed when
        // the tab is armed) cannot be slotted in afterwards without changing
        // what was derived since ("Key1: a → b" becomes "b → a"): then the
        // model starts over from every message, in time order.
        let messages = session.messages();
        let late = messages[self.processed.min(messages.len())..]
            .iter()
            .any(|m| m.record.time < self.latest && shapes_the_desktop(&m.decoded.message));
        if late {
            *self = Interactions { first_id: first, ..Interactions::new() };
        }
        let mut order: Vec<usize> = (self.processed..messages.len()).collect();
        order.sort_by(|&a, &b| {
            let (a, b) = (&messages[a].record, &messages[b].record);
            a.time.total_cmp(&b.time).then(a.id.cmp(&b.id))
        });
        for index in order {
            let message = &messages[index];
            // A `message` event page script made itself is not WWE's: it
            // shapes nothing (issue 15).
            if message.record.dispatched_by_page {
                continue;
            }
            if shapes_the_desktop(&message.decoded.message) {
                self.latest = self.latest.max(message.record.time);
            }
            self.push(message, session);
        }
        self.processed = messages.len();
    }

    /// The agent.
    pub fn agent(&self) -> &Agent {
        &self.agent
    }

    /// Every interaction, in the order first seen.
    pub fn interactions(&self) -> &[Interaction] {
        &self.interactions
    }

    /// The interaction with this id.
    pub fn interaction(&self, id: &str) -> Option<&Interaction> {
        self.index.get(id).map(|&i| &self.interactions[i])
    }

    /// Every toast, in the order popped.
    pub fn toasts(&self) -> &[Toast] {
        &self.toasts
    }

    /// Every request linked to what it created or changed.
    pub fn causes(&self) -> &[Cause] {
        &self.causes
    }

    /// What the request with this record id created or changed.
    pub fn caused_by(&self, request: u64) -> impl Iterator<Item = &Cause> {
        self.causes.iter().filter(move |c| c.request == request)
    }

    /// Contradictions found, in the order found.
    pub fn findings(&self) -> &[InteractionFinding] {
        &self.findings
    }

    /// Earliest and latest time of anything shown (agent states, changes,
    /// toasts); `None` when nothing was seen.
    pub fn time_range(&self) -> Option<(f64, f64)> {
        let times = self
            .agent
            .states
            .iter()
            .map(|s| s.time)
            .chain(self.agent.media.values().flatten().map(|m| m.time))
            .chain(self.interactions.iter().flat_map(|i| std::iter::once(i.first_seen).chain(i.changes.iter().map(|c| c.time))))
            .chain(self.toasts.iter().flat_map(|t| t.steps.iter().map(|s| s.0)));
        times.fold(None, |acc, t| match acc {
            None => Some((t, t)),
            Some((lo, hi)) => Some((lo.min(t), hi.max(t))),
        })
    }

    fn finding(&mut self, code: XCode, message: String, messages: Vec<u64>) {
        self.findings.push(InteractionFinding { code, message, messages });
    }

    /// Processes one message. [`Interactions::update`] calls this for each
    /// new message; call it directly when feeding records by hand (the
    /// session must already hold `captured`).
    pub fn push(&mut self, captured: &Captured, session: &Session) {
        let time = captured.record.time;
        match &captured.decoded.message {
            Message::Request(r) => {
                self.on_request(captured, &r.name, time);
                // Its reply came first (another frame's batch) and was set
                // aside unpaired: the session has paired it now.
                let id = captured.record.id;
                let reply = session.exchange_of(id).filter(|e| e.request == id).and_then(|e| e.reply);
                if let Some(reply) = reply.filter(|r| self.unpaired.remove(r)) {
                    if let Some(reply) = session.message(reply) {
                        self.on_reply(reply, session, reply.record.time);
                    }
                }
            }
            Message::Event { name, .. } => self.on_event(captured, name, time),
            Message::ReplyOk { .. } | Message::ReplyError { .. } | Message::RateLimitError { .. } => {
                self.on_reply(captured, session, time)
            }
            _ => {}
        }
    }

    // ---- requests --------------------------------------------------------

    fn on_request(&mut self, captured: &Captured, name: &str, time: f64) {
        let id = captured.record.id;
        let client = captured.record.source_origin.clone();
        let p0 = param(captured, 0).and_then(text_of).unwrap_or_default();
        let mut pending =
            Pending { request: id, name: name.to_owned(), time, client: client.clone(), target: p0.clone(), writes: Vec::new() };
        self.pending.retain(|p| time - p.time <= CAUSE_WINDOW_MS);
        self.creating.retain(|p| time - p.time <= CAUSE_WINDOW_MS);
        match name {
            n if CREATING.contains(&n) => {
                if n == "interaction.consult" {
                    pending.target = param(captured, 1).and_then(crate::catalog::transfer_destination).and_then(text_of).unwrap_or_default();
                }
                // A creation already seen (the request's batch came late).
                let found = self.interactions.iter().position(|i| {
                    i.created_by.is_none() && i.first_seen + CLOCK_SKEW_MS >= time && i.first_seen - time <= CAUSE_WINDOW_MS && i.parties.contains(&pending.target)
                });
                match found {
                    Some(at) => self.link_creation(at, &pending),
                    None => self.creating.push(pending),
                }
                if n == "interaction.consult" {
                    self.pending.push(Pending { target: p0, ..self.pending_template(id, n, time, &client) });
                }
            }
            "interaction.setUserData" | "interaction.deleteUserData" => {
                pending.writes = if name == "interaction.setUserData" {
                    match param(captured, 1) {
                        Some(Value::Object(kv)) => kv.iter().map(|(k, v)| (k.clone(), Some(v.clone()))).collect(),
                        _ => Vec::new(),
                    }
                } else {
                    param(captured, 1).and_then(text_of).map(|k| vec![(k, None)]).unwrap_or_default()
                };
                if let Some(&at) = self.index.get(&p0) {
                    for (k, _) in &pending.writes {
                        self.interactions[at].writes.push((k.clone(), id, client.clone()));
                    }
                }
                self.queue(pending);
            }
            "system.popupToast" => {
                let params = param(captured, 0).cloned().unwrap_or(Value::Null);
                let title = str_field(&params, "title").map(str::to_owned);
                self.toasts.push(Toast {
                    id: None,
                    client,
                    buttons: buttons_of(&params),
                    steps: vec![(time, ToastStep::Popup { title }, vec![id])],
                });
            }
            "system.updateToast" => {
                let params = param(captured, 1).cloned().unwrap_or(Value::Null);
                let title = str_field(&params, "title").map(str::to_owned);
                let buttons = buttons_of(&params);
                self.toast_step(&p0, time, ToastStep::Update { title }, id, Some(buttons));
            }
            "system.closeToast" => self.toast_step(&p0, time, ToastStep::Close, id, None),
            "system.openDialog" => {
                self.dialogs_awaited.insert(id);
            }
            "system.closeDialog" if !self.dialogs.contains(&p0) && self.dialogs_awaited.is_empty() => self.finding(
                XCode::UnknownDialog,
                format!("system.closeDialog for dialog '{p0}', which no captured system.openDialog returned"),
                vec![id],
            ),
            n if (n.starts_with("interaction.")
                || n.starts_with("voice.") && n != "voice.dial" && n != "voice.dialEx")
                && !p0.is_empty() => {
                    self.queue(pending);
                }
            _ => {}
        }
    }

    fn pending_template(&self, request: u64, name: &str, time: f64, client: &str) -> Pending {
        Pending { request, name: name.to_owned(), time, client: client.to_owned(), target: String::new(), writes: Vec::new() }
    }

    /// Keeps a request waiting for its change, unless a change it explains
    /// was already seen (records of different frames arrive in batches).
    fn queue(&mut self, pending: Pending) {
        let target_index = if pending.name == "interaction.selectCaseByCaseId" {
            self.interactions.iter().position(|i| i.case_id.as_deref() == Some(&pending.target))
        } else {
            self.index.get(&pending.target).copied()
        };
        if let Some(at) = target_index {
            let hit = self.interactions[at].changes.iter().position(|c| {
                c.request.is_none() && c.time + CLOCK_SKEW_MS >= pending.time && c.time - pending.time <= CAUSE_WINDOW_MS && fits(&pending, &c.kind)
            });
            if let Some(ci) = hit {
                self.attach(at, ci, &pending);
                if !explains_many(&pending.name) {
                    return;
                }
            }
        }
        self.pending.push(pending);
    }

    fn attach(&mut self, at: usize, ci: usize, pending: &Pending) {
        let interaction = &mut self.interactions[at];
        let change = &mut interaction.changes[ci];
        change.request = Some(pending.request);
        change.request_name = Some(pending.name.clone());
        change.client = Some(pending.client.clone());
        for (k, _) in &pending.writes {
            let entry = (k.clone(), pending.request, pending.client.clone());
            if !interaction.writes.contains(&entry) {
                interaction.writes.push(entry);
            }
        }
        let change = &mut interaction.changes[ci];
        if let ChangeKind::UserData { keys } = &mut change.kind {
            for (k, v) in &pending.writes {
                if !keys.iter().any(|kc| kc.key == *k) && interaction.user_data.get(k) != v.as_ref() {
                    keys.push(KeyChange { key: k.clone(), before: None, after: v.clone(), visible: false });
                }
            }
        }
        let id = interaction.id.clone();
        self.causes.push(Cause { request: pending.request, name: pending.name.clone(), interaction: id, created: false, change: Some(ci) });
    }

    /// Forgets every cause credited to `request` (a request that failed),
    /// and stops it from explaining anything later.
    fn discredit(&mut self, request: u64) {
        self.pending.retain(|p| p.request != request);
        self.creating.retain(|p| p.request != request);
        for cause in self.causes.iter().filter(|c| c.request == request) {
            let Some(&at) = self.index.get(&cause.interaction) else { continue };
            let interaction = &mut self.interactions[at];
            match cause.change {
                Some(ci) => {
                    if let Some(change) = interaction.changes.get_mut(ci).filter(|c| c.request == Some(request)) {
                        change.request = None;
                        change.request_name = None;
                        change.client = None;
                    }
                }
                None if interaction.created_by == Some(request) => interaction.created_by = None,
                None => {}
            }
        }
        self.causes.retain(|c| c.request != request);
    }

    fn link_creation(&mut self, at: usize, pending: &Pending) {
        let interaction = &mut self.interactions[at];
        if interaction.created_by.is_some() {
            return;
        }
        interaction.created_by = Some(pending.request);
        let id = interaction.id.clone();
        self.causes.push(Cause { request: pending.request, name: pending.name.clone(), interaction: id, created: true, change: None });
    }

    // ---- toasts ----------------------------------------------------------

    fn toast_step(&mut self, toast: &str, time: f64, step: ToastStep, message: u64, buttons: Option<Vec<String>>) {
        match self.toasts.iter().rposition(|t| t.id.as_deref() == Some(toast)) {
            Some(at) => {
                let t = &mut self.toasts[at];
                let step = match step {
                    ToastStep::Click { button, .. } => ToastStep::Click {
                        button,
                        label: button.and_then(|b| t.buttons.get(usize::try_from(b).ok()?).cloned()),
                    },
                    other => other,
                };
                if let Some(b) = buttons.filter(|b| !b.is_empty()) {
                    t.buttons = b;
                }
                let at = t.steps.iter().rposition(|s| s.0 <= time).map_or(0, |p| p + 1);
                t.steps.insert(at, (time, step, vec![message]));
            }
            // A popup still waiting for its reply may be this toast.
            None if self.toasts.iter().any(|t| t.id.is_none()) => {
                self.toast_orphans.push((toast.to_owned(), time, step, message, buttons.unwrap_or_default()));
            }
            None => self.finding(
                XCode::UnknownToast,
                format!("{} for toast '{toast}', which no captured system.popupToast returned", step.as_str()),
                vec![message],
            ),
        }
    }

    // ---- events ----------------------------------------------------------

    fn on_event(&mut self, captured: &Captured, name: &str, time: f64) {
        let data = captured.record.data.get("data").cloned().unwrap_or(Value::Null);
        let id = captured.record.id;
        let tracked = matches!(name, "agent" | "interaction" | "media" | "system" | "markdone" | "outbound");
        if tracked && self.is_copy(captured, time) {
            return;
        }
        self.producing = Some(Vec::new());
        self.on_fresh_event(&data, name, time, id);
        let produced = self.producing.take().unwrap_or_default();
        if let Some(back) = self.recent.back_mut().filter(|_| tracked) {
            back.3 = produced;
        }
    }

    fn on_fresh_event(&mut self, data: &Value, name: &str, time: f64, id: u64) {
        let event_type = str_field(data, "eventType").unwrap_or("");
        match name {
            "agent" if event_type == "STATE_CHANGED" => {
                let state = str_field(data, "mediaState").or_else(|| str_field(data, "state"));
                if let Some(state) = state {
                    let reason = id_field(data, "reason");
                    let reason_code = id_field(data, "reasonCode");
                    self.agent_state(time, state.to_owned(), reason, reason_code, id);
                }
            }
            "media" => {
                if let (Some(media), Some(state)) = (str_field(data, "media").or_else(|| str_field(data, "name")), data.get("state")) {
                    let media = media.to_owned();
                    self.media_state(time, &media, state, id);
                }
            }
            "system" if event_type == "CUSTOM_TOAST_BUTTON_CLICK" => {
                let toast = id_field(data, "customToastId").unwrap_or_default();
                let button = data.get("buttonIndex").and_then(Value::as_u64);
                self.toast_step(&toast, time, ToastStep::Click { button, label: None }, id, None);
            }
            "markdone" => {
                let iid = id_field(data, "interactionId").or_else(|| data.get("interaction").and_then(|i| id_field(i, "interactionId")));
                if let Some(iid) = iid {
                    let at = self.ensure(&iid, time, Some(id));
                    self.change(at, time, ChangeKind::MarkedDone, id);
                }
            }
            "interaction" => self.on_interaction_event(data, event_type, time, id),
            "outbound" => {
                let iid = data.get("interaction").and_then(|i| id_field(i, "interactionId")).or_else(|| id_field(data, "interactionId"));
                if let Some(iid) = iid {
                    let at = self.ensure(&iid, time, Some(id));
                    if let Some(o) = data.get("interaction").filter(|v| v.is_object()) {
                        self.observe(at, o, time, id, false);
                    }
                    let event_type = Some(event_type.to_owned()).filter(|t| !t.is_empty());
                    self.change(at, time, ChangeKind::Notice { event: name.to_owned(), event_type }, id);
                }
            }
            _ => {}
        }
    }

    /// Whether this event is another frame's delivery of one already seen;
    /// if so its record id joins the messages of what the first produced.
    fn is_copy(&mut self, captured: &Captured, time: f64) -> bool {
        while self.recent.front().is_some_and(|r| time - r.0 > COPY_WINDOW_MS * 5.0) {
            self.recent.pop_front();
        }
        let key = format!("{}\u{0}{}", captured.record.source_origin, captured.record.data);
        let frame = (captured.record.tab_id, captured.record.frame_id);
        let found = self
            .recent
            .iter()
            .rposition(|r| r.1 == key && r.2 != frame && (time - r.0).abs() <= COPY_WINDOW_MS);
        if let Some(at) = found {
            let produced = self.recent[at].3.clone();
            for (i, c) in produced {
                if let Some(change) = self.interactions.get_mut(i).and_then(|x| x.changes.get_mut(c)) {
                    change.messages.push(captured.record.id);
                }
            }
            return true;
        }
        // What this event produces is collected as changes are recorded.
        self.recent.push_back((time, key, frame, Vec::new()));
        false
    }

    fn on_interaction_event(&mut self, data: &Value, event_type: &str, time: f64, id: u64) {
        let object = data.get("interaction").filter(|v| v.is_object());
        let iid = object.and_then(|o| id_field(o, "interactionId")).or_else(|| id_field(data, "interactionId"));
        let Some(iid) = iid else { return };
        let known = self.index.get(&iid).copied();
        if event_type == "ADDED" {
            if let Some(at) = known.filter(|&at| self.interactions[at].removed.is_none() && self.interactions[at].added.is_some()) {
                let first = self.interactions[at].added.unwrap_or(id);
                self.finding(XCode::AddedTwice, format!("interaction '{iid}' was ADDED again while still on the desktop"), vec![first, id]);
            }
        } else if known.is_none() {
            self.finding(
                XCode::UnknownInteraction,
                format!(
                    "{event_type} event for interaction '{iid}', which was never ADDED (or the capture started after it was)"
                ),
                vec![id],
            );
        } else if let Some(at) = known.filter(|&at| self.interactions[at].removed.is_some()) {
            let _ = at;
            self.finding(XCode::EventAfterRemoved, format!("{event_type} event for interaction '{iid}' after it was REMOVED"), vec![id]);
        }
        let at = self.ensure(&iid, time, None);
        if event_type == "ADDED" {
            let i = &mut self.interactions[at];
            if i.added.is_none() || i.removed.is_some() {
                i.added = Some(id);
                i.removed = None;
            }
        }
        if let Some(media) = str_field(data, "media") {
            if self.interactions[at].media.is_empty() {
                self.interactions[at].media = media.to_owned();
            }
        }
        let state = object
            .and_then(|o| str_field(o, "state"))
            .map(str::to_owned)
            .or_else(|| crate::catalog::is_state_event(event_type).then(|| event_type.to_owned()));
        if let Some(o) = object {
            self.observe(at, o, time, id, false);
        }
        if let Some(state) = state {
            self.set_state(at, state, time, id, true);
        }
        match event_type {
            "REMOVED" => {
                self.interactions[at].removed = Some(time);
                self.change(at, time, ChangeKind::Removed, id);
            }
            "PARTY_CHANGED" => {
                let names = self.interactions[at].parties.clone();
                self.change(at, time, ChangeKind::Parties { names }, id);
            }
            // Shown by what the interaction object says changed.
            "ADDED" | "ATTACHED_DATA_CHANGED" | "CALL_RECORDING_STATE_CHANGED" => {}
            ty if !crate::catalog::is_state_event(ty) && crate::catalog::event_type(ty).is_some() => {
                let notice = ChangeKind::Notice { event: "interaction".to_owned(), event_type: Some(ty.to_owned()) };
                self.change(at, time, notice, id);
            }
            _ => {}
        }
    }

    /// The interaction with this id, created (first seen now) if new.
    fn ensure(&mut self, id: &str, time: f64, _message: Option<u64>) -> usize {
        if let Some(&at) = self.index.get(id) {
            return at;
        }
        self.interactions.push(Interaction::new(id, time));
        let at = self.interactions.len() - 1;
        self.index.insert(id.to_owned(), at);
        at
    }

    /// Applies what an interaction object shows (event or reply): media,
    /// parties, `userData`, recording, case, mark-done blocking.
    fn observe(&mut self, at: usize, o: &Value, time: f64, message: u64, from_reply: bool) {
        {
            let i = &mut self.interactions[at];
            i.first_seen = i.first_seen.min(time);
            if i.media.is_empty() {
                if let Some(m) = str_field(o, "media") {
                    i.media = m.to_owned();
                }
            }
            if let Some(case) = id_field(o, "caseId") {
                i.case_id = Some(case);
            }
            let mut parties: Vec<String> = match o.get("parties") {
                Some(Value::Array(a)) => a.iter().filter_map(|p| p.get("name").and_then(text_of)).collect(),
                _ => Vec::new(),
            };
            for key in ["dnis", "destination", "to"] {
                if let Some(v) = o.get(key).and_then(text_of) {
                    if !parties.contains(&v) {
                        parties.push(v);
                    }
                }
            }
            if !parties.is_empty() {
                i.parties = parties;
            }
        }
        let fresh = self.interactions[at].created_by.is_none();
        if fresh {
            let parties = self.interactions[at].parties.clone();
            let first_seen = self.interactions[at].first_seen;
            let hit = self.creating.iter().position(|p| {
                first_seen + CLOCK_SKEW_MS >= p.time && first_seen - p.time <= CAUSE_WINDOW_MS && parties.contains(&p.target)
            });
            if let Some(hit) = hit {
                let p = self.creating.remove(hit);
                self.link_creation(at, &p);
            }
        }
        if let Some(Value::Object(ud)) = o.get("userData") {
            let before = &self.interactions[at].user_data;
            let mut keys = Vec::new();
            for (k, v) in ud {
                if before.get(k) != Some(v) {
                    keys.push(KeyChange { key: k.clone(), before: before.get(k).cloned(), after: Some(v.clone()), visible: true });
                }
            }
            for (k, v) in before {
                if !ud.contains_key(k) {
                    keys.push(KeyChange { key: k.clone(), before: Some(v.clone()), after: None, visible: true });
                }
            }
            keys.sort_by(|a, b| a.key.cmp(&b.key));
            self.interactions[at].user_data = ud.clone();
            if !keys.is_empty() {
                self.change(at, time, ChangeKind::UserData { keys }, message);
            }
        }
        if let Some(rec) = str_field(o, "recordingState") {
            let from = self.interactions[at].recording.clone();
            if from.as_deref() != Some(rec) {
                self.interactions[at].recording = Some(rec.to_owned());
                // The first state seen is a starting point, not a change,
                // unless it is already something other than stopped.
                if from.is_some() || rec != "STOPPED" {
                    self.change(at, time, ChangeKind::Recording { from, to: rec.to_owned() }, message);
                }
            }
        }
        let selected = o.get("isCaseSelected").and_then(Value::as_bool);
        let expanded = o.get("isCaseExpanded").and_then(Value::as_bool);
        if selected.is_some() || expanded.is_some() {
            let i = &mut self.interactions[at];
            let first = i.case_selected.is_none() && i.case_expanded.is_none();
            let changed = (selected.is_some() && selected != i.case_selected) || (expanded.is_some() && expanded != i.case_expanded);
            if selected.is_some() {
                i.case_selected = selected;
            }
            if expanded.is_some() {
                i.case_expanded = expanded;
            }
            let (selected, expanded) = (i.case_selected, i.case_expanded);
            if changed && !(first && selected != Some(true) && expanded != Some(true)) {
                self.change(at, time, ChangeKind::Case { selected, expanded }, message);
            }
        }
        if let Some(blocked) = o.get("isMarkDoneBlocked").and_then(Value::as_bool) {
            let was = self.interactions[at].markdone_blocked.is_some();
            if blocked != was && (blocked || !from_reply || was) {
                self.set_block(at, blocked, None, time, message);
            }
        }
    }

    fn set_block(&mut self, at: usize, blocked: bool, warning: Option<String>, time: f64, message: u64) {
        let i = &mut self.interactions[at];
        let was = i.markdone_blocked.is_some();
        if blocked {
            let warning = warning.or_else(|| i.markdone_blocked.clone());
            i.markdone_blocked = Some(warning.clone().unwrap_or_default());
            if !was || warning.is_some() {
                self.change(at, time, ChangeKind::MarkDoneBlock { blocked, warning }, message);
            }
        } else if was {
            i.markdone_blocked = None;
            self.change(at, time, ChangeKind::MarkDoneBlock { blocked, warning: None }, message);
        }
    }

    fn set_state(&mut self, at: usize, state: String, time: f64, message: u64, check: bool) {
        let from = self.interactions[at].state.clone();
        if from.as_deref() == Some(state.as_str()) {
            return;
        }
        if check {
            if let Some(f) = from.as_deref().filter(|f| crate::catalog::is_terminal_state(f)) {
                if !crate::catalog::is_terminal_state(&state) {
                    let iid = self.interactions[at].id.clone();
                    let earlier: Vec<u64> = self.interactions[at]
                        .changes
                        .iter()
                        .rev()
                        .find(|c| matches!(&c.kind, ChangeKind::State { to, .. } if to == f))
                        .map(|c| c.messages.clone())
                        .unwrap_or_default();
                    let mut messages = earlier;
                    messages.truncate(1);
                    messages.push(message);
                    self.finding(
                        XCode::StateAfterEnd,
                        format!("interaction '{iid}' went {state} after it had ended ({f}): the events contradict each other or arrived out of order"),
                        messages,
                    );
                }
            }
        }
        self.interactions[at].state = Some(state.clone());
        self.change(at, time, ChangeKind::State { from, to: state }, message);
    }

    /// Records a change, linking the request that explains it, if any.
    fn change(&mut self, at: usize, time: f64, kind: ChangeKind, message: u64) {
        let iid = self.interactions[at].id.clone();
        let case_id = self.interactions[at].case_id.clone();
        let hit = self.pending.iter().position(|p| {
            let target = if p.name == "interaction.selectCaseByCaseId" { case_id.as_deref() == Some(&p.target) } else { p.target == iid };
            target && time + CLOCK_SKEW_MS >= p.time && time - p.time <= CAUSE_WINDOW_MS && fits(p, &kind)
        });
        let ci = self.interactions[at].changes.len();
        self.interactions[at].changes.push(Change {
            time,
            kind,
            messages: vec![message],
            request: None,
            request_name: None,
            client: None,
        });
        if let Some(produced) = &mut self.producing {
            produced.push((at, ci));
        }
        if let Some(hit) = hit {
            let p = if explains_many(&self.pending[hit].name) { self.pending[hit].clone() } else { self.pending.remove(hit) };
            self.attach(at, ci, &p);
        }
    }

    fn agent_state(&mut self, time: f64, state: String, reason: Option<String>, reason_code: Option<String>, message: u64) {
        if let Some(last) = self.agent.states.last() {
            if last.state == state && last.reason == reason && last.reason_code == reason_code {
                return;
            }
        }
        self.agent.states.push(AgentState { time, state, reason, reason_code, messages: vec![message] });
    }

    fn media_state(&mut self, time: f64, media: &str, state: &Value, message: u64) {
        let name = match state {
            Value::Object(_) => str_field(state, "mediaState")
                .or_else(|| str_field(state, "displayName"))
                .or_else(|| str_field(state, "operationName"))
                .or_else(|| str_field(state, "state")),
            Value::String(s) => Some(s.as_str()),
            _ => None,
        };
        let Some(name) = name else { return };
        let list = self.agent.media.entry(media.to_owned()).or_default();
        if list.last().is_some_and(|l| l.state == name) {
            return;
        }
        list.push(MediaState { time, state: name.to_owned(), messages: vec![message] });
    }

    // ---- replies ---------------------------------------------------------

    fn on_reply(&mut self, captured: &Captured, session: &Session, time: f64) {
        let id = captured.record.id;
        let Some(exchange) = session.exchange_of(id).filter(|e| e.reply == Some(id)) else {
            self.unpaired.insert(id);
            return;
        };
        let Some(request) = session.message(exchange.request) else { return };
        let name = exchange.name.as_ref();
        let data = captured.record.data.get("data").cloned().unwrap_or(Value::Null);
        let p0 = param(request, 0).and_then(text_of).unwrap_or_default();
        let error = match &captured.decoded.message {
            Message::ReplyError { error_message, .. } => Some(error_message.clone()),
            Message::RateLimitError { .. } => Some(str_field(&captured.record.data, "errorMessage").unwrap_or("rate limited").to_owned()),
            _ => None,
        };
        if name == "system.openDialog" {
            self.dialogs_awaited.remove(&exchange.request);
            if error.is_none() {
                if let Some(dialog) = text_of(&data).or_else(|| id_field(&data, "id")) {
                    self.dialogs.insert(dialog);
                }
            }
        }
        if error.is_some() {
            // A failed request caused nothing: take back any change or
            // creation credited to it while its reply was awaited.
            self.discredit(exchange.request);
        }
        if let Some(error) = error {
            let on_interaction = (name.starts_with("interaction.") && name != "interaction.getInteractions" && name != "interaction.selectCaseByCaseId")
                || (name.starts_with("voice.") && name != "voice.dial" && name != "voice.dialEx");
            if on_interaction && !p0.is_empty() {
                if let Some(&at) = self.index.get(&p0) {
                    self.pending.retain(|p| p.request != exchange.request);
                    let ci = self.interactions[at].changes.len();
                    self.change(at, time, ChangeKind::Refused { request: name.to_owned(), error }, id);
                    let p = Pending {
                        target: p0,
                        ..self.pending_template(exchange.request, name, exchange.request_time, &request.record.source_origin)
                    };
                    self.attach(at, ci, &p);
                }
            }
            return;
        }
        match name {
            "agent.get" => {
                self.agent.username = str_field(&data, "username").map(str::to_owned).or(self.agent.username.take());
                let full: Vec<&str> = ["firstname", "lastname"].iter().filter_map(|k| str_field(&data, k)).collect();
                if !full.is_empty() {
                    self.agent.name = Some(full.join(" "));
                }
                if let Some(state) = str_field(&data, "mediaState") {
                    self.agent_state(time, state.to_owned(), id_field(&data, "reason"), id_field(&data, "reasonCode"), id);
                }
            }
            "agent.getState" | "agent.setState" => {
                let state = str_field(&data, "mediaState")
                    .or_else(|| str_field(&data, "operationName"))
                    .or_else(|| str_field(&data, "displayName"))
                    .or_else(|| data.as_str());
                if let Some(state) = state {
                    self.agent_state(time, state.to_owned(), id_field(&data, "reason"), id_field(&data, "reasonCode"), id);
                }
            }
            "media.getMediaList" | "media.getMediaByName" | "media.setState" => {
                let items = match &data {
                    Value::Array(a) => a.clone(),
                    other => vec![other.clone()],
                };
                for item in items {
                    let media = str_field(&item, "media").or_else(|| str_field(&item, "name")).map(str::to_owned);
                    if let (Some(media), Some(state)) = (media, item.get("state")) {
                        self.media_state(time, &media, state, id);
                    }
                }
            }
            "system.popupToast" => {
                if let Some(toast_id) = text_of(&data).or_else(|| id_field(&data, "id")) {
                    if let Some(t) = self.toasts.iter_mut().rev().find(|t| t.steps.first().is_some_and(|s| s.2.first() == Some(&exchange.request))) {
                        t.id = Some(toast_id.clone());
                        if let Some(s) = t.steps.first_mut() {
                            s.2.push(id);
                        }
                    }
                    let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut self.toast_orphans).into_iter().partition(|o| o.0 == toast_id);
                    self.toast_orphans = rest;
                    for (toast, time, step, message, buttons) in mine {
                        self.toast_step(&toast, time, step, message, Some(buttons));
                    }
                }
            }
            "interaction.blockMarkdone" | "interaction.unblockMarkdone" => {
                if let Some(&at) = self.index.get(&p0) {
                    let blocked = name == "interaction.blockMarkdone";
                    let warning = if blocked { param(request, 1).and_then(text_of) } else { None };
                    let ci = self.interactions[at].changes.len();
                    self.set_block(at, blocked, warning, exchange.request_time, exchange.request);
                    if let Some(change) = self.interactions[at].changes.get_mut(ci) {
                        change.messages.push(id);
                        let p = Pending { target: p0, ..self.pending_template(exchange.request, name, exchange.request_time, &request.record.source_origin) };
                        self.attach(at, ci, &p);
                    }
                }
            }
            "interaction.getInteractions" | "interaction.getByInteractionId" => {
                let items = match &data {
                    Value::Array(a) => a.clone(),
                    other => vec![other.clone()],
                };
                for item in items {
                    if let Some(iid) = id_field(&item, "interactionId") {
                        // A read shows what this client may see; it changes
                        // nothing, so its userData is never diffed (another
                        // frame's read may reach the panel before the events
                        // it follows).
                        let mut item = item.clone();
                        if let Value::Object(o) = &mut item {
                            o.remove("userData");
                        }
                        self.observe_reply(&iid, &item, time, id);
                        let keys = match item_user_data(&data, &iid) {
                            Some(Value::Object(ud)) => ud.keys().cloned().collect(),
                            _ => Vec::new(),
                        };
                        let at = self.ensure(&iid, time, None);
                        let client = request.record.source_origin.clone();
                        self.change(at, time, ChangeKind::Read { keys, client }, id);
                        if let Some(c) = self.interactions[at].changes.last_mut() {
                            c.request = Some(exchange.request);
                            c.request_name = Some(name.to_owned());
                            c.client = Some(request.record.source_origin.clone());
                        }
                    }
                }
            }
            _ => {
                if let Some(iid) = id_field(&data, "interactionId") {
                    if data.get("state").is_some() || data.get("userData").is_some() {
                        self.observe_reply(&iid, &data, time, id);
                    }
                    if CREATING.contains(&name) {
                        if let Some(&at) = self.index.get(&iid) {
                            if let Some(hit) = self.creating.iter().position(|p| p.request == exchange.request) {
                                let p = self.creating.remove(hit);
                                self.link_creation(at, &p);
                            } else if self.interactions[at].created_by.is_none() {
                                let p = Pending { target: String::new(), ..self.pending_template(exchange.request, name, exchange.request_time, &request.record.source_origin) };
                                self.link_creation(at, &p);
                            }
                        }
                    }
                }
            }
        }
    }

    /// A reply's snapshot of an interaction: fills what is unknown, diffs
    /// `userData` and the rest, but never judges the order of states (a
    /// reply may overtake the events).
    fn observe_reply(&mut self, iid: &str, o: &Value, time: f64, message: u64) {
        let at = self.ensure(iid, time, Some(message));
        self.observe(at, o, time, message, true);
        if self.interactions[at].state.is_none() {
            if let Some(state) = str_field(o, "state") {
                self.set_state(at, state.to_owned(), time, message, false);
            }
        }
    }
}

/// The `userData` of interaction `iid` in a reply's data (one interaction
/// or a list).
fn item_user_data<'a>(data: &'a Value, iid: &str) -> Option<&'a Value> {
    let one = |v: &'a Value| (id_field(v, "interactionId").as_deref() == Some(iid)).then(|| v.get("userData")).flatten();
    match data {
        Value::Array(a) => a.iter().find_map(one),
        other => one(other),
    }
}

fn buttons_of(params: &Value) -> Vec<String> {
    match params.get("buttons") {
        Some(Value::Array(a)) => a
            .iter()
            .map(|b| match b {
                Value::String(s) => s.clone(),
                Value::Object(o) => ["label", "text", "title", "name"]
                    .iter()
                    .find_map(|k| o.get(*k).and_then(Value::as_str))
                    .unwrap_or("button")
                    .to_owned(),
                other => other.to_string(),
            })
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests;
