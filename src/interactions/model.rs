//! What the rebuilt desktop holds, as the views read it: the agent and its
//! states, interactions and their changes, toasts, and the requests linked
//! to what they caused. Plain data; the building is done by the
//! [`Interactions`](super::Interactions) handlers in the sibling modules.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use crate::options::Options;
use crate::policy;

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
    pub(super) fn new(id: &str, time: f64) -> Interaction {
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
