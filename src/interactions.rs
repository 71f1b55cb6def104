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
//!
//! # Where things are
//!
//! [`model`] holds the public data (agent, interactions, changes, toasts,
//! causes), [`findings`] the `X` codes; the handlers that build them are
//! split by what they read: `causes` (requests and what they caused),
//! `events`, `replies`, and `state` (the state tables every handler
//! writes through).

use std::collections::{HashMap, HashSet, VecDeque};

use crate::decode::Message;
use crate::session::{Captured, Session};

mod causes;
mod events;
mod fields;
pub mod findings;
pub mod model;
mod replies;
mod state;

use causes::Pending;
pub use findings::{InteractionFinding, XCode};
pub use model::{key_policies, Agent, AgentState, Cause, Change, ChangeKind, Interaction, KeyChange, KeyPolicy, MediaState, Toast, ToastStep};

/// Two identical events received by different frames this close together
/// are copies of one event.
pub const COPY_WINDOW_MS: f64 = 1_000.0;

/// Frames' clocks disagree by this much (Firefox rounds timers): a change
/// seen up to this long before a request may still be caused by it.
pub const CLOCK_SKEW_MS: f64 = 100.0;

/// A request is linked to a change it explains only if the change comes
/// this soon after it (the client library's own timeout).
pub const CAUSE_WINDOW_MS: f64 = 10_000.0;

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

/// Where a message goes in time order: (time, record id, 0), except a
/// reply timed no later than its request, which goes right after it:
/// (request time, request id, 1). The two were captured in different
/// frames, each timed by its own document's clock (Firefox also coarsens
/// it), so a reply that WWE sent after the request may read the same time
/// or an earlier one; taken first, it would find no request to answer.
type Place = (f64, u64, u8);

fn place_in_time(message: &Captured, session: &Session) -> Place {
    let id = message.record.id;
    let own = (message.record.time, id, 0);
    if !message.decoded.message.is_reply() {
        return own;
    }
    match session.exchange_of(id).filter(|e| e.reply == Some(id)) {
        Some(e) if e.request_time >= message.record.time => (e.request_time, e.request, 1),
        _ => own,
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
            .any(|m| place_in_time(m, session).0 < self.latest && shapes_the_desktop(&m.decoded.message));
        if late {
            *self = Interactions { first_id: first, ..Interactions::new() };
        }
        let mut order: Vec<(Place, usize)> =
            (self.processed..messages.len()).map(|i| (place_in_time(&messages[i], session), i)).collect();
        order.sort_by(|(a, _), (b, _)| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        for (place, index) in order {
            let message = &messages[index];
            // A `message` event page script made itself is not WWE's: it
            // shapes nothing (issue 15).
            if message.record.dispatched_by_page {
                continue;
            }
            if shapes_the_desktop(&message.decoded.message) {
                self.latest = self.latest.max(place.0);
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
}

#[cfg(test)]
mod tests;
