//! The session model: every captured message of a tab, decoded, with
//! requests paired to their replies, subscriptions, frames and their roles,
//! rate-limit observations and findings.
//!
//! [`Session::push`] takes records in any order and costs amortised O(1).
//! Time is the records' own: a request is judged timed out once a record 10
//! seconds later has been seen (or [`Session::advance_to`] says so), never
//! by a clock, so the model behaves the same live, on a trace, and in wasm.

use std::collections::{HashMap, VecDeque};

use crate::decode::{decode, Decoded, Direction, Message, Name};
use crate::lint::{self, Code, Finding, Issue};
use crate::options::Options;
use crate::policy;
use crate::record::Record;

/// The client library fails a request with "Request timeout" after this
/// long without a reply.
pub const REQUEST_TIMEOUT_MS: f64 = 10_000.0;

/// WWE counts requests in fixed windows of one minute.
pub const RATE_WINDOW_MS: f64 = 60_000.0;

/// A reply whose request has not been seen is only reported once the
/// capture has moved this far past it: records from different frames
/// reach the panel in batches, so a reply may arrive before its request.
pub const ORPHAN_GRACE_MS: f64 = 2_000.0;

/// Frames' clocks may disagree by this much (Firefox rounds timers to 1 ms
/// across frames), so a reply timed less than this before its request is
/// not reported.
pub const CLOCK_TOLERANCE_MS: f64 = 2.0;

/// One captured message with its decoding.
#[derive(Debug, Clone, PartialEq)]
pub struct Captured {
    /// The record as the extension sent it.
    pub record: Record,
    /// What the message is.
    pub decoded: Decoded,
    /// Index in [`Session::exchanges`] of the exchange this message is the
    /// request or the reply of.
    pub exchange: Option<usize>,
    /// The sending frame's browser id: the record's own, or one the session
    /// found from the sender's index path (the record is kept as captured).
    pub sender_frame_id: Option<i64>,
}

/// Identifies a client for pairing: its browser frame when the extension
/// knows it, else its origin.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ClientKey {
    /// A browser frame of a tab.
    Frame {
        /// The tab.
        tab_id: i64,
        /// The browser frame id.
        frame_id: i64,
    },
    /// A sender whose frame is unknown, by origin.
    Origin {
        /// The tab.
        tab_id: i64,
        /// The sender's origin.
        origin: String,
    },
}

/// What became of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExchangeState {
    /// No reply yet, and less than 10 s have passed.
    Pending,
    /// A success reply.
    Ok,
    /// A failure reply (`errorMessage`).
    Error,
    /// The rate-limit failure reply.
    RateLimited,
    /// No reply within 10 s: the client library failed it with
    /// "Request timeout".
    TimedOut,
    /// No reply because its request type was in rate-limit quarantine.
    Swallowed,
}

impl ExchangeState {
    /// `"pending"`, `"ok"`, `"error"`, `"rate-limited"`, `"timed-out"` or
    /// `"swallowed"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ExchangeState::Pending => "pending",
            ExchangeState::Ok => "ok",
            ExchangeState::Error => "error",
            ExchangeState::RateLimited => "rate-limited",
            ExchangeState::TimedOut => "timed-out",
            ExchangeState::Swallowed => "swallowed",
        }
    }
}

/// A request and its reply.
#[derive(Debug, Clone, PartialEq)]
pub struct Exchange {
    /// Record id of the request (or subscribe) message.
    pub request: u64,
    /// Record id of the reply, once paired.
    pub reply: Option<u64>,
    /// The request name; `subscribe` for a subscription.
    pub name: Name,
    /// The `referenceId`; `None` when the client sent none (it can never
    /// be paired).
    pub reference_id: Option<String>,
    /// The client that sent it.
    pub client: ClientKey,
    /// When the request was received (ms since the epoch).
    pub request_time: f64,
    /// When the reply was received.
    pub reply_time: Option<f64>,
    /// What became of it.
    pub state: ExchangeState,
    /// Reply time minus request time, in ms.
    pub latency_ms: Option<f64>,
    /// Index in [`Session::subscriptions`] for a subscribe exchange.
    pub subscription: Option<usize>,
}

/// What a frame does in the conversation, inferred from traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Neither sends requests nor receives them (yet).
    Unknown,
    /// Receives requests, sends replies and events: WWE.
    Service,
    /// Sends requests, receives replies and events: an embedded app.
    Client,
    /// Both, which happens when WWE and a client share a frame or a
    /// capture mixes pages.
    Both,
}

impl Role {
    fn add(self, other: Role) -> Role {
        match (self, other) {
            (Role::Unknown, r) | (r, Role::Unknown) => r,
            (a, b) if a == b => a,
            _ => Role::Both,
        }
    }

    /// `"unknown"`, `"service"`, `"client"` or `"both"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Unknown => "unknown",
            Role::Service => "service",
            Role::Client => "client",
            Role::Both => "both",
        }
    }
}

/// A browser frame that sent or received messages.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    /// The tab.
    pub tab_id: i64,
    /// The browser frame id (0 = top).
    pub frame_id: i64,
    /// Its URL, once it has received a message.
    pub url: String,
    /// Its origin.
    pub origin: String,
    /// Service or client.
    pub role: Role,
    /// The frame id WWE assigned to it, for a client.
    pub wwe_frame_id: Option<i64>,
    /// Messages it received.
    pub received: u64,
    /// Messages it sent (when the sender's frame was known).
    pub sent: u64,
    /// Service Client API client messages (requests, subscribes) it sent
    /// that were delivered: when 0, WWE never received one from it in
    /// this capture.
    pub to_service: u64,
    /// Its posts the browser refused to deliver (a `targetOrigin` that did
    /// not match the recipient), as the browser reported them.
    pub undelivered: u64,
}

/// A client's subscription to events.
#[derive(Debug, Clone, PartialEq)]
pub struct Subscription {
    /// The subscribing client.
    pub client: ClientKey,
    /// The event names.
    pub names: Vec<Name>,
    /// Record id of the subscribe message.
    pub request: u64,
    /// The id WWE gave it in its reply.
    pub subscription_id: Option<String>,
    /// Record id of the unsubscribe message that ended it.
    pub ended_by: Option<u64>,
}

/// One fixed minute of one request type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateWindow {
    /// Start of the minute, ms since the epoch (a multiple of 60 000).
    pub start_ms: f64,
    /// Requests sent.
    pub requests: u32,
    /// Rate-limit errors received.
    pub hits: u32,
    /// Requests that got no reply because of a quarantine.
    pub swallowed: u32,
}

/// A period during which WWE ignores a request type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quarantine {
    /// When the rate-limit error was received.
    pub start_ms: f64,
    /// When it ends; `f64::INFINITY` when the error gave no duration.
    pub end_ms: f64,
    /// Record id of the rate-limit error.
    pub message: u64,
}

/// What was seen of the rate limit of one request type.
#[derive(Debug, Clone, PartialEq)]
pub struct RateObservation {
    /// The request type, e.g. `voice.dial`.
    pub request: String,
    /// Minutes with traffic, in time order.
    pub windows: Vec<RateWindow>,
    /// Quarantines, in the order seen.
    pub quarantines: Vec<Quarantine>,
}

impl RateObservation {
    fn window_mut(&mut self, time: f64) -> &mut RateWindow {
        let start_ms = (time / RATE_WINDOW_MS).floor() * RATE_WINDOW_MS;
        // Records come nearly in time order: look from the end.
        let pos = self.windows.iter().rposition(|w| w.start_ms <= start_ms);
        match pos {
            Some(i) if self.windows[i].start_ms == start_ms => &mut self.windows[i],
            _ => {
                let at = pos.map_or(0, |i| i + 1);
                self.windows.insert(at, RateWindow { start_ms, requests: 0, hits: 0, swallowed: 0 });
                &mut self.windows[at]
            }
        }
    }

    fn quarantined_at(&self, time: f64) -> Option<usize> {
        self.quarantines.iter().rposition(|q| q.start_ms <= time && time < q.end_ms)
    }
}

/// Counts over every message of a session, also of those a
/// [`Session::lean`] one no longer holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    /// Messages pushed.
    pub messages: u64,
    /// The earliest and the latest record time, once a message was pushed.
    pub time_range: Option<(f64, f64)>,
    /// How many messages of each kind ([`Message::kind_str`], or
    /// `"undelivered"` for a post the browser refused), in the order first
    /// seen.
    pub kinds: Vec<(&'static str, u64)>,
}

impl Tally {
    fn add(&mut self, time: f64, kind: &'static str) {
        self.messages += 1;
        self.time_range = Some(match self.time_range {
            Some((first, last)) => (first.min(time), last.max(time)),
            None => (time, time),
        });
        match self.kinds.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, n)) => *n += 1,
            None => self.kinds.push((kind, 1)),
        }
    }
}

/// Up to this many frames or request types are found by a look at each,
/// not by hashing.
const FEW: usize = 8;

/// A lean session drops the messages pairing no longer needs once it holds
/// at least this many.
const LEAN_WINDOW: usize = 4096;

/// The exchanges of one (client, referenceId).
#[derive(Debug, Default)]
struct Slot {
    /// Exchanges awaiting a reply, oldest first (more than one only when a
    /// referenceId is reused while pending).
    pending: Vec<usize>,
    /// The latest exchange.
    last: Option<usize>,
    /// An unsubscribe: a reply to it is expected by nobody, and harmless.
    unawaited: bool,
    /// Replies seen before any request, as message indexes.
    orphans: Vec<usize>,
}

/// Message indexes by record id, the first message of each id. The
/// extension numbers a tab's records one by one, so ids usually count up by
/// one: those sit in a list (no hashing, 8 bytes an id), the rest in a map.
#[derive(Debug, Default)]
struct IdIndex {
    /// The id of `run[0]`.
    first: u64,
    /// Message indexes of ids `first`, `first + 1`, ...
    run: Vec<usize>,
    /// Ids outside `run`.
    others: HashMap<u64, usize>,
}

impl IdIndex {
    /// Keeps `index` for `id` unless `id` already has one.
    fn insert_first(&mut self, id: u64, index: usize) {
        if self.run.is_empty() {
            // The first id inserted starts the run (`others` is empty).
            self.first = id;
        }
        match id.checked_sub(self.first) {
            Some(d) if d < self.run.len() as u64 => {}
            Some(d) if d == self.run.len() as u64 && !self.others.contains_key(&id) => self.run.push(index),
            _ => {
                self.others.entry(id).or_insert(index);
            }
        }
    }

    fn get(&self, id: u64) -> Option<usize> {
        match id.checked_sub(self.first) {
            Some(d) if d < self.run.len() as u64 => Some(self.run[d as usize]),
            _ => self.others.get(&id).copied(),
        }
    }
}

/// Everything captured in a tab, decoded and related.
#[derive(Debug, Default)]
pub struct Session {
    messages: Vec<Captured>,
    by_id: IdIndex,
    exchanges: Vec<Exchange>,
    slots: HashMap<ClientKey, HashMap<String, Slot>>,
    /// Pending exchanges by deadline, earliest first. Records come nearly
    /// in time order, so keeping it sorted costs amortised O(1).
    timeouts: VecDeque<(f64, usize)>,
    /// Unpaired replies by the time they are judged, earliest first.
    orphans: VecDeque<(f64, usize, ClientKey, String)>,
    /// Events whose subscription is checked once batches from other frames
    /// had time to arrive (the subscribe is received by the service frame,
    /// the event by the client frame), earliest first.
    event_checks: VecDeque<(f64, usize, Name)>,
    /// How many exchanges, replies and events were judged by the clock.
    judged: u64,
    /// Browser frame ids by (tab, index path from top), learnt from the
    /// records each frame received: resolves senders the relay could name
    /// only by path.
    frames_by_path: HashMap<(i64, Vec<u32>), i64>,
    frames: Vec<Frame>,
    frame_index: HashMap<(i64, i64), usize>,
    subscriptions: Vec<Subscription>,
    subs_by_client: HashMap<ClientKey, Vec<usize>>,
    rates: Vec<RateObservation>,
    rate_index: HashMap<String, usize>,
    findings: Vec<Finding>,
    finding_index: HashMap<(Code, String), usize>,
    latest_time: f64,
    options: Option<Options>,
    /// Record ids of the posts the browser refused to deliver.
    undelivered: Vec<u64>,
    /// Delivered Service Client API client messages (to WWE's side).
    client_messages: u64,
    /// (tab, origin) of delivered client messages whose sending frame the
    /// capture could not name: such a frame may have been heard from.
    client_origins_unframed: std::collections::HashSet<(i64, String)>,
    /// Keep only what pairing and the findings need of each record (see
    /// [`Session::lean`]).
    lean: bool,
    /// How many messages a lean session dropped from the front of
    /// `messages`: message index `i` is `messages[i - dropped]`.
    dropped: usize,
    /// Times of unsubscribe messages by record id, for when a lean session
    /// no longer holds them.
    ended_at: HashMap<u64, f64>,
    /// Counts over every message pushed.
    tally: Tally,
    /// A lean session compacts once it holds this many messages, at
    /// least twice `lean_window`.
    next_compact: usize,
    lean_window: usize,
    /// A lean session that hands over the messages it drops (see
    /// [`Session::take_retired`]).
    retiring: bool,
    retired: Vec<Captured>,
}

impl Session {
    /// An empty session.
    pub fn new() -> Session {
        Session { latest_time: f64::NEG_INFINITY, ..Session::default() }
    }

    /// An empty session that keeps, of each record pushed, only what
    /// pairing, the findings and the counts need: the message itself
    /// (`data`), unknown fields (`extra`) and caller stacks are dropped once
    /// the message is decoded and checked, so a session of a large trace
    /// holds a few hundred bytes a message instead of the message's tree
    /// (`wwe-trace summary`, `lint`, `ratelimit`). [`Captured::decoded`] is
    /// kept whole; [`Captured::record`]`.data` is `null`. Not for a session
    /// that is exported, redacted or shown.
    pub fn lean() -> Session {
        Session::lean_with_window(LEAN_WINDOW)
    }

    /// A [`Session::lean`] one that looks for messages to drop once it
    /// holds `2 * window` (tests use a tiny window).
    #[doc(hidden)]
    pub fn lean_with_window(window: usize) -> Session {
        Session { lean: true, lean_window: window.max(1), ..Session::new() }
    }

    /// A [`Session::lean`] one that hands over each message it drops, with
    /// its decoding and exchange final, through [`Session::take_retired`]:
    /// for a caller that writes a trace's messages as pairing lets go of
    /// them.
    pub fn lean_retiring() -> Session {
        Session { retiring: true, ..Session::lean() }
    }

    /// The messages a [`Session::lean_retiring`] one dropped since the last
    /// call, in the order pushed (those still held are in
    /// [`Session::messages`]).
    pub fn take_retired(&mut self) -> Vec<Captured> {
        std::mem::take(&mut self.retired)
    }

    /// The WWE options requests are checked against, if any.
    pub fn options(&self) -> Option<&Options> {
        self.options.as_ref()
    }

    /// Checks later requests against these WWE options (lint
    /// `E011 request-denied-by-policy`).
    pub fn set_options(&mut self, options: Option<Options>) {
        self.options = options;
    }

    /// Adds one record. Records may come in any order; pairing tolerates
    /// replies that arrive before their request.
    ///
    /// A record whose `time` is not a finite number is given the latest time
    /// seen (0 if none), so that every time in the session can be compared.
    pub fn push(&mut self, mut record: Record) {
        if !record.time.is_finite() {
            record.time = if self.latest_time.is_finite() { self.latest_time } else { 0.0 };
        }
        let time = record.time;
        self.advance_to(time);
        // Always called: it also learns this record's receiving frame path.
        let by_path = self.resolve_sender_by_path(&record);
        let sender_frame_id = record.source_frame_id.or(by_path);
        let decoded = decode(&record.data);
        let kind = if record.undelivered.is_some() { "undelivered" } else { decoded.message.kind_str() };
        self.tally.add(time, kind);
        if self.lean {
            self.compact();
        }
        let index = self.dropped + self.messages.len();
        let id = record.id;
        self.by_id.insert_first(id, index);

        let mut issues = lint::check_message(&record, &decoded);
        // WWE judges a delivered request by its real origin; a page-made
        // event has none to judge (issue 15).
        if let Some(options) = self.options.as_ref().filter(|_| !record.dispatched_by_page) {
            let app = self.sender_url(&record, sender_frame_id).and_then(|url| policy::app_for_frame(options, url));
            issues.extend(lint::check_policy(&record, &decoded, options, app));
        }
        for issue in decoded.issues.iter().cloned().chain(issues) {
            self.report(issue, id);
        }

        // A post the browser refused was received by nobody: it counts for
        // its sender only and never pairs with a reply (issue 19).
        if let Some(undelivered) = &record.undelivered {
            let issue = Issue::new(Code::UndeliveredPost, undelivered_sentence(&record, undelivered, self.service_origin()));
            self.report(issue, id);
            self.undelivered.push(id);
            if let Some(frame) = sender_frame_id {
                let sender = self.frame_mut(record.sender_tab_id(), frame);
                sender.undelivered += 1;
                if sender.origin.is_empty() && !record.source_origin.is_empty() {
                    sender.origin = record.source_origin.clone();
                }
                if sender.url.is_empty() {
                    if let Some(url) = undelivered.sender_url.as_ref().filter(|u| !u.is_empty()) {
                        sender.url = url.clone();
                    }
                }
            }
            self.messages.push(Captured { record: self.kept(record), decoded, exchange: None, sender_frame_id });
            return;
        }
        // A `message` event page script made itself is no delivery: what it
        // claims (origin, source) is not a sender, so it neither counts for
        // a frame nor pairs with a request (issue 15).
        if record.dispatched_by_page {
            self.messages.push(Captured { record: self.kept(record), decoded, exchange: None, sender_frame_id: None });
            return;
        }
        let learned_url = self.note_frames(&record, sender_frame_id, &decoded);
        self.messages.push(Captured { record: self.kept(record), decoded, exchange: None, sender_frame_id });
        if let Some(frame) = learned_url {
            self.recheck_app_policy(frame);
        }
        self.relate(index, time);
    }

    /// What is kept of a record once it is decoded and checked: all of it,
    /// or in a [`Session::lean`] one its addresses and times only (what
    /// happens later reads the decoding and those, never the message).
    fn kept(&self, mut record: Record) -> Record {
        if self.lean {
            record.data = serde_json::Value::Null;
            record.extra = Default::default();
            record.stack = None;
            if let Some(u) = record.undelivered.as_mut() {
                u.stack = None;
            }
        }
        record
    }

    /// A lean session's memory: drops the oldest messages that no pairing,
    /// orphan or event check refers to any more (and, when options are
    /// checked, none whose sending frame's URL is still unknown: when it
    /// becomes known its requests are checked again).
    fn compact(&mut self) {
        if self.messages.len() < self.next_compact.max(2 * self.lean_window) {
            return;
        }
        let mut cut = self.dropped + self.messages.len();
        for &(_, i, _, _) in &self.orphans {
            cut = cut.min(i);
        }
        for &(_, i, _) in &self.event_checks {
            cut = cut.min(i);
        }
        if self.options.is_some() {
            let unknown = self.messages.iter().position(|m| {
                m.sender_frame_id.is_some_and(|f| self.frame(m.record.sender_tab_id(), f).is_none_or(|fr| fr.url.is_empty()))
            });
            if let Some(i) = unknown {
                cut = cut.min(self.dropped + i);
            }
        }
        let gone = self.messages.drain(..cut - self.dropped);
        if self.retiring {
            self.retired.extend(gone);
        } else {
            drop(gone);
        }
        self.dropped = cut;
        // What is still needed stays; look again when it has doubled.
        self.next_compact = 2 * self.messages.len();
    }

    /// Counts over every message pushed: how many, their time range and
    /// kinds (also in a [`Session::lean`] one).
    pub fn tally(&self) -> &Tally {
        &self.tally
    }

    /// The frame `frame_id` of tab `tab_id`, once it sent or received a
    /// message.
    pub fn frame(&self, tab_id: i64, frame_id: i64) -> Option<&Frame> {
        self.frame_position(tab_id, frame_id).map(|i| &self.frames[i])
    }

    /// Where the frame is in `frames`: among a few frames (a capture
    /// usually has a handful) a look at each is cheaper than hashing.
    fn frame_position(&self, tab_id: i64, frame_id: i64) -> Option<usize> {
        if self.frames.len() <= FEW {
            self.frames.iter().position(|f| f.tab_id == tab_id && f.frame_id == frame_id)
        } else {
            self.frame_index.get(&(tab_id, frame_id)).copied()
        }
    }

    /// The frame that sent `message`, when the capture knows it.
    pub fn sender_frame(&self, message: &Captured) -> Option<&Frame> {
        self.frame(message.record.sender_tab_id(), message.sender_frame_id?)
    }

    /// The frame that received `message`.
    pub fn receiver_frame(&self, message: &Captured) -> Option<&Frame> {
        self.frame(message.record.tab_id, message.record.frame_id)
    }

    /// The URL of the frame that sent `message`, once that frame has
    /// received a message (the relay reports only the receiver's URL).
    pub fn sender_url_of(&self, message: &Captured) -> Option<&str> {
        self.sender_url(&message.record, message.sender_frame_id)
    }

    /// The application of the options' `interaction.web-content` that sent
    /// `message`, found by its frame's URL ([`policy::app_for_frame`]).
    pub fn sender_app<'a>(&self, options: &'a Options, message: &Captured) -> Option<&'a crate::options::WebApp> {
        self.sender_url_of(message).and_then(|url| policy::app_for_frame(options, url))
    }

    fn sender_url(&self, record: &Record, sender_frame_id: Option<i64>) -> Option<&str> {
        let frame = self.frame(record.sender_tab_id(), sender_frame_id?)?;
        Some(frame.url.as_str()).filter(|u| !u.is_empty())
    }

    /// A client frame's URL is known only once it receives a message, after
    /// its first requests. When it becomes known, the requests that frame
    /// sent before are checked again for what its application's display
    /// forbids (a tab may only dial, G70); denials by the origin's entry
    /// were reported when they came.
    fn recheck_app_policy(&mut self, (tab_id, frame_id): (i64, i64)) {
        let Some(options) = &self.options else { return };
        let Some(frame) = self.frame(tab_id, frame_id) else { return };
        let Some(app) = policy::app_for_frame(options, &frame.url) else { return };
        if app.display().is_none_or(|d| d.only.is_none()) {
            return;
        }
        let late: Vec<(Issue, u64)> = self
            .messages
            .iter()
            .filter(|m| m.sender_frame_id == Some(frame_id) && m.record.sender_tab_id() == tab_id)
            .filter(|m| lint::check_policy(&m.record, &m.decoded, options, None).is_none())
            .filter_map(|m| Some((lint::check_policy(&m.record, &m.decoded, options, Some(app))?, m.record.id)))
            .collect();
        for (issue, id) in late {
            self.report(issue, id);
        }
    }

    /// Moves the session's clock to `time` (ms since the epoch), judging
    /// the requests that have waited 10 s by then. Pushing a record does
    /// this with the record's time; call it to let requests time out when
    /// no more records come.
    pub fn advance_to(&mut self, time: f64) {
        if time <= self.latest_time || time.is_nan() {
            return;
        }
        self.latest_time = time;
        self.judge_due();
    }

    /// Judges the exchanges and orphan replies whose time has come.
    fn judge_due(&mut self) {
        let now = self.latest_time;
        while let Some(&(deadline, ex)) = self.timeouts.front() {
            if deadline > now {
                break;
            }
            self.timeouts.pop_front();
            if self.exchanges[ex].state == ExchangeState::Pending {
                self.expire(ex);
                self.judged += 1;
            }
        }
        while let Some(&(due, msg, _, _)) = self.orphans.front() {
            if due > now {
                break;
            }
            let (_, _, client, rid) = self.orphans.pop_front().expect("front exists");
            self.judge_orphan(msg, &client, &rid);
            self.judged += 1;
        }
        while let Some(&(due, _, _)) = self.event_checks.front() {
            if due > now {
                break;
            }
            let (_, index, name) = self.event_checks.pop_front().expect("front exists");
            self.check_subscribed(index, &name);
            self.judged += 1;
        }
    }

    /// How many judgements the clock has made so far (requests timed out or
    /// swallowed, unpaired replies, events checked against subscriptions):
    /// a caller that advances time can tell whether anything changed.
    pub fn judged(&self) -> u64 {
        self.judged
    }

    /// Every message, in the order pushed.
    ///
    /// A [`Session::lean`] one holds only the latest messages, those
    /// pairing still needs: [`Session::len`] counts all, and
    /// [`Session::tally`] sums them up.
    pub fn messages(&self) -> &[Captured] {
        &self.messages
    }

    /// The message with this record id (the first, if ids repeat).
    pub fn message(&self, id: u64) -> Option<&Captured> {
        self.by_id.get(id).and_then(|i| self.messages.get(i.checked_sub(self.dropped)?))
    }

    /// Every request or subscription, in the order their requests were
    /// pushed.
    pub fn exchanges(&self) -> &[Exchange] {
        &self.exchanges
    }

    /// The exchange a message (by record id) is the request or reply of.
    pub fn exchange_of(&self, message_id: u64) -> Option<&Exchange> {
        self.message(message_id).and_then(|m| m.exchange).map(|i| &self.exchanges[i])
    }

    /// Every frame seen, in the order first seen.
    pub fn frames(&self) -> &[Frame] {
        &self.frames
    }

    /// Every subscription, in the order seen.
    pub fn subscriptions(&self) -> &[Subscription] {
        &self.subscriptions
    }

    /// Rate-limit observations, one per request type, in the order first
    /// seen.
    pub fn rate_observations(&self) -> &[RateObservation] {
        &self.rates
    }

    /// Every finding. A finding that recurs with the same message gathers
    /// the ids of all its messages instead of repeating.
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    /// Record ids of the posts the browser refused to deliver, in the
    /// order pushed: they have no reply and no exchange.
    pub fn undelivered(&self) -> &[u64] {
        &self.undelivered
    }

    /// Whether `frame` is *silent*: the browser refused its posts, and no
    /// client message of it was delivered anywhere in this capture, neither
    /// from the frame itself nor, where the capture could not name the
    /// sending frame, from its origin in its tab. As far as the capture can
    /// tell, WWE never heard from it. Only a refusal the browser reported
    /// makes a frame silent: a frame that simply sent nothing is not
    /// claimed to be anything.
    pub fn is_silent(&self, frame: &Frame) -> bool {
        frame.undelivered > 0
            && frame.to_service == 0
            && !self.client_origins_unframed.contains(&(frame.tab_id, frame.origin.clone()))
    }

    /// The frames that are silent ([`Session::is_silent`]).
    pub fn silent_frames(&self) -> impl Iterator<Item = &Frame> {
        self.frames.iter().filter(|f| self.is_silent(f))
    }

    /// The whole-capture finding `W026 no-client-message` when no Service
    /// Client API message from an app was delivered in this capture (and
    /// so none reached WWE): it lists the refused posts, if the browser
    /// reported any, and says what usually causes the silence. `None` once
    /// one client message was delivered. Not in [`Session::findings`],
    /// because a later message makes it untrue: ask again after pushing.
    pub fn silence(&self) -> Option<Finding> {
        (self.client_messages == 0).then(|| Finding::new(Code::NoClientMessage, crate::lint::SILENCE, self.undelivered.clone()))
    }

    /// The origin of the frame that plays WWE, when exactly one origin
    /// does (it received client messages or sent service messages).
    fn service_origin(&self) -> Option<&str> {
        let mut origins = self
            .frames
            .iter()
            .filter(|f| matches!(f.role, Role::Service) && !f.origin.is_empty())
            .map(|f| f.origin.as_str());
        let first = origins.next()?;
        origins.all(|o| o == first).then_some(first)
    }

    /// How many messages were pushed.
    pub fn len(&self) -> usize {
        self.dropped + self.messages.len()
    }

    /// Whether no message was pushed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The latest record time seen (or given to [`Session::advance_to`]).
    pub fn latest_time(&self) -> Option<f64> {
        self.latest_time.is_finite().then_some(self.latest_time)
    }

    /// [`Session::report`], unless the finding already lists `message`.
    fn report_once(&mut self, issue: Issue, message: u64) {
        let listed = self
            .finding_index
            .get(&(issue.code, issue.message.clone()))
            .is_some_and(|&i| self.findings[i].messages.contains(&message));
        if !listed {
            self.report(issue, message);
        }
    }

    fn report(&mut self, issue: Issue, message: u64) {
        let key = (issue.code, issue.message);
        match self.finding_index.get(&key) {
            Some(&i) => self.findings[i].messages.push(message),
            None => {
                self.finding_index.insert(key.clone(), self.findings.len());
                self.findings.push(Finding::new(key.0, key.1, vec![message]));
            }
        }
    }

    fn frame_mut(&mut self, tab_id: i64, frame_id: i64) -> &mut Frame {
        if let Some(i) = self.frame_position(tab_id, frame_id) {
            return &mut self.frames[i];
        }
        let i = self.frames.len();
        self.frame_index.insert((tab_id, frame_id), i);
        self.frames.push(Frame {
            tab_id,
            frame_id,
            url: String::new(),
            origin: String::new(),
            role: Role::Unknown,
            wwe_frame_id: None,
            received: 0,
            sent: 0,
            to_service: 0,
            undelivered: 0,
        });
        &mut self.frames[i]
    }

    /// Counts the message for its receiving and sending frames, and learns
    /// their URL, origin, role and WWE frame id. Returns the receiving frame
    /// when its URL was learned with this message.
    fn note_frames(&mut self, record: &Record, sender_frame_id: Option<i64>, decoded: &Decoded) -> Option<(i64, i64)> {
        let (receiver_role, sender_role) = match decoded.message.direction() {
            Direction::ToService => (Role::Service, Role::Client),
            Direction::ToClient => (Role::Client, Role::Service),
            Direction::Unknown => (Role::Unknown, Role::Unknown),
        };
        let receiver = self.frame_mut(record.tab_id, record.frame_id);
        receiver.received += 1;
        let mut learned_url = None;
        if receiver.url.is_empty() && !record.frame_url.is_empty() {
            receiver.url = record.frame_url.clone();
            learned_url = Some((record.tab_id, record.frame_id));
        }
        if receiver.origin.is_empty() && !record.frame_origin.is_empty() {
            receiver.origin = record.frame_origin.clone();
        }
        receiver.role = receiver.role.add(receiver_role);
        if let Message::FrameIdAssignment { frame_id } = decoded.message {
            receiver.wwe_frame_id = Some(frame_id);
        }
        if decoded.message.direction() == Direction::ToService {
            self.client_messages += 1;
            if sender_frame_id.is_none() {
                self.client_origins_unframed.insert((record.sender_tab_id(), record.source_origin.clone()));
            }
        }
        if let Some(source) = sender_frame_id {
            let sender = self.frame_mut(record.sender_tab_id(), source);
            sender.sent += 1;
            if sender_role == Role::Client {
                sender.to_service += 1;
            }
            if sender.origin.is_empty() && !record.source_origin.is_empty() {
                sender.origin = record.source_origin.clone();
            }
            sender.role = sender.role.add(sender_role);
            let echoed = match &decoded.message {
                Message::Request(r) => r.frame_id,
                Message::Subscribe { frame_id, .. } => *frame_id,
                _ => None,
            };
            if sender.wwe_frame_id.is_none() {
                sender.wwe_frame_id = echoed;
            }
        }
        learned_url
    }

    /// Learns the receiving frame's index path; names a sender the relay
    /// knew only by its path (it had not reported its frame id yet) when a
    /// record received by that frame already told its id.
    fn resolve_sender_by_path(&mut self, record: &Record) -> Option<i64> {
        // A refused post was received by no frame: nothing to learn.
        // Among a few paths (one a frame) a look at each is cheaper than
        // hashing the path, and the first frame learnt for a path stays.
        let few = self.frames_by_path.len() <= FEW;
        let find = |map: &HashMap<(i64, Vec<u32>), i64>, path: &[u32]| {
            map.iter().find(|((tab, p), _)| *tab == record.tab_id && p.as_slice() == path).map(|(_, &f)| f)
        };
        if record.undelivered.is_none()
            && (record.frame_id == 0 || !record.frame_path.is_empty())
            && !(few && find(&self.frames_by_path, &record.frame_path).is_some())
        {
            self.frames_by_path.entry((record.tab_id, record.frame_path.clone())).or_insert(record.frame_id);
        }
        if record.source_tab_id.is_some() {
            return None;
        }
        let path = record.source_path.as_ref()?;
        if self.frames_by_path.len() <= FEW {
            return find(&self.frames_by_path, path);
        }
        self.frames_by_path.get(&(record.tab_id, path.clone())).copied()
    }

    /// The sender of a client message, keyed by its own tab, where the
    /// replies to it are received.
    fn sender_key(record: &Record, sender_frame_id: Option<i64>) -> ClientKey {
        let tab_id = record.sender_tab_id();
        match sender_frame_id {
            Some(frame_id) => ClientKey::Frame { tab_id, frame_id },
            None => ClientKey::Origin { tab_id, origin: record.source_origin.clone() },
        }
    }

    /// The receiver of a service message, then the origin fallback used
    /// when the request's sender frame was unknown. The fallback is built
    /// only when the frame does not match, sparing an allocation per reply.
    fn receiver_key(record: &Record, matches: impl Fn(&ClientKey) -> bool) -> Result<ClientKey, ClientKey> {
        let frame = ClientKey::Frame { tab_id: record.tab_id, frame_id: record.frame_id };
        if matches(&frame) {
            return Ok(frame);
        }
        let origin = ClientKey::Origin { tab_id: record.tab_id, origin: record.frame_origin.clone() };
        if matches(&origin) {
            return Ok(origin);
        }
        Err(frame)
    }

    fn relate(&mut self, index: usize, time: f64) {
        let m = &self.messages[index - self.dropped];
        let id = m.record.id;
        match &m.decoded.message {
            Message::Request(r) => {
                let (name, rid) = (r.name.clone(), r.reference_id.clone());
                self.note_rate_request(&name, time);
                self.open_exchange(index, name, rid, time, None);
            }
            Message::Subscribe { names, reference_id, .. } => {
                let client = Self::sender_key(&m.record, m.sender_frame_id);
                let sub = self.subscriptions.len();
                self.subscriptions.push(Subscription {
                    client: client.clone(),
                    names: names.clone(),
                    request: id,
                    subscription_id: None,
                    ended_by: None,
                });
                self.subs_by_client.entry(client).or_default().push(sub);
                let rid = reference_id.clone();
                self.open_exchange(index, Name::Borrowed("subscribe"), rid, time, Some(sub));
            }
            Message::Unsubscribe { subscription_id, reference_id } => {
                let client = Self::sender_key(&m.record, m.sender_frame_id);
                if let Some(sid) = subscription_id {
                    let subs = self.subs_by_client.get(&client).map(Vec::as_slice).unwrap_or(&[]);
                    for &s in subs {
                        let sub = &mut self.subscriptions[s];
                        if sub.ended_by.is_none() && sub.subscription_id.as_deref() == Some(sid.as_str()) {
                            sub.ended_by = Some(id);
                            self.ended_at.entry(id).or_insert(time);
                        }
                    }
                }
                if let Some(rid) = reference_id.clone() {
                    self.slots.entry(client).or_default().entry(rid).or_default().unawaited = true;
                }
            }
            Message::ReplyOk { .. } | Message::ReplyError { .. } | Message::RateLimitError { .. } => {
                self.receive_reply(index, time);
            }
            Message::Event { name, .. } => {
                let name = name.clone();
                insert_sorted(&mut self.event_checks, (time + ORPHAN_GRACE_MS, index, name), |x| x.0);
                self.judge_due();
            }
            Message::FrameIdAssignment { .. } | Message::Legacy(_) | Message::Foreign => {}
        }
    }

    fn open_exchange(&mut self, index: usize, name: Name, rid: Option<String>, time: f64, sub: Option<usize>) {
        let record = &self.messages[index - self.dropped].record;
        let client = Self::sender_key(record, self.messages[index - self.dropped].sender_frame_id);
        let ex = self.exchanges.len();
        self.exchanges.push(Exchange {
            request: record.id,
            reply: None,
            name,
            // Moved in; the slots below read it from here (field by
            // field) and copy it only as a new key.
            reference_id: rid,
            client: client.clone(),
            request_time: time,
            reply_time: None,
            state: ExchangeState::Pending,
            latency_ms: None,
            subscription: sub,
        });
        self.messages[index - self.dropped].exchange = Some(ex);
        insert_sorted(&mut self.timeouts, (time + REQUEST_TIMEOUT_MS, ex), |x| x.0);
        let Some(rid) = self.exchanges[ex].reference_id.as_deref() else {
            self.judge_due();
            return;
        };
        let slot = self.slots.entry(client.clone()).or_default().entry(rid.to_owned()).or_default();
        let reused = !slot.pending.is_empty();
        slot.last = Some(ex);
        slot.unawaited = false;
        // A reply that came before its request answers it at once.
        let mut orphan = (!slot.orphans.is_empty()).then(|| slot.orphans.remove(0));
        // Only a client known by its origin adopts a reply parked under a
        // frame (`adopt_orphan_by_origin` finds none for the others); the
        // slot is then looked up again (made above; slots are never removed).
        let slot = if orphan.is_none() && matches!(client, ClientKey::Origin { .. }) {
            let rid = rid.to_owned();
            orphan = self.adopt_orphan_by_origin(&client, &rid);
            self.slots.get_mut(&client).and_then(|s| s.get_mut(&rid)).expect("made above")
        } else {
            slot
        };
        let rid = self.exchanges[ex].reference_id.as_deref().expect("has a referenceId");
        if orphan.is_none() {
            slot.pending.push(ex);
        }
        if reused {
            let id = self.exchanges[ex].request;
            let first = slot.pending.first().map_or(id, |&p| self.exchanges[p].request);
            // Finding texts name no message: the finding lists them, and
            // the panel numbers them in time order.
            let issue = Issue::new(
                Code::ReferenceIdReused,
                format!(
                    "referenceId \"{rid}\" was sent again while an earlier request with the same id awaits its reply: \
                     replies cannot be told apart; give every request its own referenceId"
                ),
            );
            for message in [first, id] {
                self.report_once(issue.clone(), message);
            }
        }
        if let Some(reply) = orphan {
            self.pair(ex, reply);
        }
        // A request from a late batch may be past its deadline already.
        self.judge_due();
    }

    fn receive_reply(&mut self, index: usize, time: f64) {
        let m = &self.messages[index - self.dropped];
        // The usual reply first, without copying its referenceId: a request
        // of the receiving frame awaits it (as below, the frame's own slot
        // comes before the origin fallback).
        if let Some(rid) = m.decoded.message.reference_id() {
            let frame = ClientKey::Frame { tab_id: m.record.tab_id, frame_id: m.record.frame_id };
            let slot = self.slots.get_mut(&frame).and_then(|s| s.get_mut(rid));
            if let Some(ex) = slot.and_then(|slot| (!slot.pending.is_empty()).then(|| slot.pending.remove(0))) {
                self.pair(ex, index);
                return;
            }
        }
        let record = &self.messages[index - self.dropped].record;
        let Some(rid) = self.messages[index - self.dropped].decoded.message.reference_id().map(str::to_owned) else {
            let id = record.id;
            if let Message::RateLimitError { request, quarantine_seconds, .. } = &self.messages[index - self.dropped].decoded.message {
                // G161-170: the guide's own example error has no referenceId;
                // the quarantine is known from the error itself.
                let (named, seconds) = (request.clone(), *quarantine_seconds);
                self.rate_limit_without_reference(index, named, seconds, time);
                return;
            }
            self.report(
                Issue::new(
                    Code::ReplyWithoutRequest,
                    "a reply without referenceId: no request can be matched to it".to_owned(),
                ),
                id,
            );
            return;
        };
        let slots = &self.slots;
        let key = match Self::receiver_key(record, |k| slots.get(k).is_some_and(|s| s.contains_key(&rid))) {
            Ok(key) => key,
            Err(frame) => {
                self.park_orphan(index, frame, rid);
                return;
            }
        };
        let slot = self.slots.get_mut(&key).and_then(|s| s.get_mut(&rid)).expect("found above");
        if !slot.pending.is_empty() {
            let ex = slot.pending.remove(0);
            self.pair(ex, index);
            return;
        }
        if slot.unawaited {
            // The reply to an unsubscribe: nobody waits for it.
            slot.unawaited = false;
            return;
        }
        match slot.last {
            Some(ex) if self.exchanges[ex].reply.is_none() => {
                // Timed out or swallowed, and the reply came after all.
                self.pair(ex, index);
                let e = &self.exchanges[ex];
                let msg = format!(
                    "the reply to {} (referenceId \"{rid}\") came {:.0} ms after the request, after the client library had failed it with \"Request timeout\"",
                    e.name,
                    time - e.request_time
                );
                let id = self.messages[index - self.dropped].record.id;
                self.report(Issue::new(Code::LateReply, msg), id);
            }
            _ => {
                // Nothing awaits it under `key` (maybe the origin fallback):
                // its own request may still be in another frame's batch.
                // Park it under the frame that received it, where that
                // request (or, by origin, a sender-less one) will find it.
                let record = &self.messages[index - self.dropped].record;
                let frame = ClientKey::Frame { tab_id: record.tab_id, frame_id: record.frame_id };
                self.park_orphan(index, frame, rid)
            }
        }
    }

    /// A request whose sender frame is unknown is keyed by origin, but a
    /// reply that came first was parked under the frame that received it:
    /// take such a reply (same tab, receiving origin and referenceId).
    fn adopt_orphan_by_origin(&mut self, client: &ClientKey, rid: &str) -> Option<usize> {
        let ClientKey::Origin { tab_id, origin } = client else { return None };
        let (messages, dropped) = (&self.messages, self.dropped);
        let (key, msg) = self.orphans.iter().find_map(|(_, msg, key, r)| {
            let record = &messages[*msg - dropped].record;
            (r == rid && record.tab_id == *tab_id && record.frame_origin == *origin).then(|| (key.clone(), *msg))
        })?;
        let slot = self.slots.get_mut(&key)?.get_mut(rid)?;
        let pos = slot.orphans.iter().position(|&o| o == msg)?;
        slot.orphans.remove(pos);
        Some(msg)
    }

    fn park_orphan(&mut self, index: usize, key: ClientKey, rid: String) {
        self.slots.entry(key.clone()).or_default().entry(rid.clone()).or_default().orphans.push(index);
        let due = self.messages[index - self.dropped].record.time + ORPHAN_GRACE_MS;
        insert_sorted(&mut self.orphans, (due, index, key, rid), |x| x.0);
        self.judge_due();
    }

    /// A reply still unpaired after the grace period: without request, or a
    /// second reply to an answered one.
    fn judge_orphan(&mut self, msg: usize, key: &ClientKey, rid: &str) {
        let Some(slot) = self.slots.get_mut(key).and_then(|s| s.get_mut(rid)) else { return };
        let Some(pos) = slot.orphans.iter().position(|&o| o == msg) else { return };
        slot.orphans.remove(pos);
        let answered = slot.last.map(|ex| self.exchanges[ex].request);
        let id = self.messages[msg - self.dropped].record.id;
        let issue = match answered {
            Some(request) => {
                let issue = Issue::new(
                    Code::DuplicateReply,
                    format!("a second reply to referenceId \"{rid}\" (its request was already answered): the client ignores it"),
                );
                self.report_once(issue.clone(), request);
                issue
            }
            None => Issue::new(
                Code::ReplyWithoutRequest,
                format!(
                    "a reply to referenceId \"{rid}\" whose request was not captured: if capture started late this is harmless; \
                     otherwise WWE answered a request this client did not send"
                ),
            ),
        };
        self.report(issue, id);
    }

    fn pair(&mut self, ex: usize, reply_index: usize) {
        let reply = &self.messages[reply_index - self.dropped];
        let reply_id = reply.record.id;
        let reply_time = reply.record.time;
        let e = &mut self.exchanges[ex];
        let late = e.state != ExchangeState::Pending;
        e.reply = Some(reply_id);
        e.reply_time = Some(reply_time);
        e.latency_ms = Some(reply_time - e.request_time);
        let mut quarantine = None;
        let mut subscription_id = None;
        let state = match &reply.decoded.message {
            Message::ReplyOk { subscription_id: sid, .. } => {
                subscription_id = sid.clone();
                ExchangeState::Ok
            }
            Message::RateLimitError { request, quarantine_seconds, .. } => {
                let name = request.clone().unwrap_or_else(|| e.name.clone());
                quarantine = Some((name, *quarantine_seconds));
                ExchangeState::RateLimited
            }
            _ => ExchangeState::Error,
        };
        if !late {
            e.state = state;
        }
        let (request_id, request_time, name, sub) = (e.request, e.request_time, e.name.clone(), e.subscription);
        self.messages[reply_index - self.dropped].exchange = Some(ex);
        if let (Some(s), Some(sid)) = (sub, subscription_id) {
            self.subscriptions[s].subscription_id = Some(sid);
        }
        if reply_time < request_time - CLOCK_TOLERANCE_MS {
            let issue = Issue::new(
                Code::ReplyBeforeRequest,
                format!(
                    "the reply to {name} is timed {:.3} ms before its request: frame clocks disagree or the pairing is wrong",
                    request_time - reply_time
                ),
            );
            for message in [request_id, reply_id] {
                self.report_once(issue.clone(), message);
            }
        }
        if let Some((limited, seconds)) = quarantine {
            // The quarantine starts when WWE took the limited request: its
            // time is on the service frame's clock, like the later requests
            // it swallows (a client frame's clock may be seconds off).
            self.note_quarantine(&limited, seconds, request_time, reply_id);
        }
    }

    fn expire(&mut self, ex: usize) {
        let (name, time, request_id) = {
            let e = &self.exchanges[ex];
            (e.name.clone(), e.request_time, e.request)
        };
        let quarantine = self.rate_index.get(name.as_ref()).and_then(|&r| {
            self.rates[r].quarantined_at(time).map(|q| (r, q))
        });
        let state = if quarantine.is_some() { ExchangeState::Swallowed } else { ExchangeState::TimedOut };
        self.exchanges[ex].state = state;
        let e = &self.exchanges[ex];
        if let Some(rid) = &e.reference_id {
            if let Some(slot) = self.slots.get_mut(&e.client).and_then(|s| s.get_mut(rid)) {
                slot.pending.retain(|&p| p != ex);
            }
        }
        match quarantine {
            Some((r, _)) => {
                let obs = &mut self.rates[r];
                obs.window_mut(time).swallowed += 1;
                self.report(
                    Issue::new(
                        Code::RequestSwallowed,
                        format!(
                            "WWE ignored {name} requests during the rate-limit quarantine that followed its rate-limit error; \
                             the client library failed them with \"Request timeout\". Send fewer {name} requests per minute \
                             or raise service-client-api.rate-limit.{name}"
                        ),
                    ),
                    request_id,
                );
            }
            None => {
                let what = if e.subscription.is_some() { "subscribe".to_owned() } else { name.to_string() };
                self.report(
                    Issue::new(
                        Code::RequestTimedOut,
                        format!(
                            "no reply to {what} within 10 s: the client library failed it with \"Request timeout\". \
                             Check that WWE accepts this origin (service-client-api.accepted-web-content-origins) \
                             and that the client posts to WWE's window with the right targetOrigin"
                        ),
                    ),
                    request_id,
                );
            }
        }
    }

    fn rate_mut(&mut self, name: &str) -> &mut RateObservation {
        let found = if self.rates.len() <= FEW {
            self.rates.iter().position(|r| r.request == name)
        } else {
            self.rate_index.get(name).copied()
        };
        let i = match found {
            Some(i) => i,
            None => {
                let i = self.rates.len();
                self.rates.push(RateObservation { request: name.to_owned(), windows: Vec::new(), quarantines: Vec::new() });
                self.rate_index.insert(name.to_owned(), i);
                i
            }
        };
        &mut self.rates[i]
    }

    fn note_rate_request(&mut self, name: &str, time: f64) {
        self.rate_mut(name).window_mut(time).requests += 1;
    }

    /// A rate-limit error without `referenceId`: it answers the latest
    /// pending request of the type it names (sent to the service before the
    /// error came) when there is one, which then counts as rate-limited, not
    /// timed out; either way the quarantine starts.
    fn rate_limit_without_reference(&mut self, index: usize, named: Option<Name>, seconds: Option<u32>, time: f64) {
        let record = &self.messages[index - self.dropped].record;
        let reply_id = record.id;
        // Only a request of the frame that received the error (or, its frame
        // unknown, of that frame's origin in the tab): another client's
        // request is not answered by it.
        let frame = ClientKey::Frame { tab_id: record.tab_id, frame_id: record.frame_id };
        let origin = ClientKey::Origin { tab_id: record.tab_id, origin: record.frame_origin.clone() };
        let answered = named.as_ref().and_then(|name| {
            self.exchanges.iter().rposition(|e| {
                e.state == ExchangeState::Pending
                    && e.reply.is_none()
                    && e.name == *name
                    && e.request_time <= time + CLOCK_TOLERANCE_MS
                    && (e.client == frame || e.client == origin)
            })
        });
        match (answered, named) {
            (Some(ex), _) => {
                let e = &self.exchanges[ex];
                if let Some(rid) = e.reference_id.clone() {
                    if let Some(slot) = self.slots.get_mut(&e.client).and_then(|s| s.get_mut(&rid)) {
                        slot.pending.retain(|&p| p != ex);
                    }
                }
                self.pair(ex, index);
            }
            (None, Some(name)) => self.note_quarantine(&name, seconds, time, reply_id),
            (None, None) => self.report(
                Issue::new(Code::ReplyWithoutRequest, "a rate-limit error without referenceId that names no request: no request can be matched to it".to_owned()),
                reply_id,
            ),
        }
    }

    fn note_quarantine(&mut self, name: &str, seconds: Option<u32>, time: f64, message: u64) {
        let obs = self.rate_mut(name);
        obs.window_mut(time).hits += 1;
        // G173: a delay of 0 means WWE ignores further requests forever.
        let end_ms = match seconds {
            Some(0) | None => f64::INFINITY,
            Some(s) => time + f64::from(s) * 1000.0,
        };
        obs.quarantines.push(Quarantine { start_ms: time, end_ms, message });
        let how_long = match seconds {
            Some(0) => "forever (a quarantine delay of 0 means for ever, until WWE is reloaded)".to_owned(),
            Some(s) => format!("for {s} s"),
            None => "for a time the message does not give".to_owned(),
        };
        self.report(
            Issue::new(
                Code::RateLimited,
                format!(
                    "WWE's rate limit for {name} was reached: it ignores further {name} requests {how_long}, without replying. \
                     Send fewer per minute or raise service-client-api.rate-limit.{name}"
                ),
            ),
            message,
        );
    }

    fn check_subscribed(&mut self, index: usize, name: &str) {
        let record = &self.messages[index - self.dropped].record;
        let (subs_by_client, subscriptions) = (&self.subs_by_client, &self.subscriptions);
        // Judged after a grace period, so the subscription must have been
        // in force when the event came, not now.
        let time_of = |id: u64| self.message(id).map(|m| m.record.time).or_else(|| self.ended_at.get(&id).copied());
        let event_time = record.time;
        let subscribed = Self::receiver_key(record, |k| {
            subs_by_client.get(k).is_some_and(|subs| {
                subs.iter().any(|&s| {
                    let sub = &subscriptions[s];
                    let ended_before = sub.ended_by.and_then(time_of).is_some_and(|t| t <= event_time);
                    !ended_before && sub.names.iter().any(|n| n == name)
                })
            })
        })
        .is_ok();
        if subscribed {
            return;
        }
        let where_ = if record.frame_origin.is_empty() {
            format!("frame {}", record.frame_id)
        } else {
            format!("{} (frame {})", record.frame_origin, record.frame_id)
        };
        let id = record.id;
        self.report(
            Issue::new(
                Code::EventWithoutSubscription,
                format!(
                    "'{name}' events reached {where_} without a captured subscribe: if capture started after it subscribed, \
                     reload that frame to see the subscription; otherwise check which frame subscribed"
                ),
            ),
            id,
        );
    }
}

/// What to change for one refused post: the two origins, and WWE's own
/// when the capture knows which frame is WWE.
fn undelivered_sentence(record: &Record, u: &crate::record::Undelivered, service: Option<&str>) -> String {
    let who = if record.source_origin.is_empty() {
        "a frame".to_owned()
    } else {
        format!("the frame at {}", record.source_origin)
    };
    let fix = match service {
        Some(wwe) if wwe == u.recipient_origin => format!(
            "WWE here is {wwe}: pass {wwe} as targetOrigin (the vendor library's default is \"*\", its comments say to replace it with WWE's origin)"
        ),
        _ => format!(
            "if that window is WWE, pass its origin {} as targetOrigin (the vendor library's default is \"*\", its comments say to replace it with WWE's origin)",
            u.recipient_origin
        ),
    };
    format!(
        "{who} posted with targetOrigin \"{}\" to a window whose origin is {}: the browser refused to deliver it and told neither page, \
         so no reply can come; {fix}",
        u.target_origin, u.recipient_origin
    )
}

/// Inserts keeping `queue` sorted by `key`, scanning from the back: nearly
/// ordered input makes this O(1) amortised.
fn insert_sorted<Q>(queue: &mut VecDeque<Q>, item: Q, key: impl Fn(&Q) -> f64) {
    let k = key(&item);
    let mut at = queue.len();
    while at > 0 && key(&queue[at - 1]) > k {
        at -= 1;
    }
    queue.insert(at, item);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first index of each id, as `HashMap::entry(id).or_insert` keeps
    /// it, whatever order the ids come in (runs, gaps, repeats, extremes).
    #[test]
    fn id_index_keeps_the_first_index_of_each_id() {
        let mut state = 7u64;
        let mut next = |n: u64| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 33) % n
        };
        for round in 0..200 {
            let mut ix = IdIndex::default();
            let mut reference: HashMap<u64, usize> = HashMap::new();
            let mut id = if round % 3 == 0 { u64::MAX - 20 } else { next(50) };
            for index in 0..300 {
                id = match next(10) {
                    0 => next(60),
                    1 => id.wrapping_sub(next(5)),
                    2 => u64::MAX - next(3),
                    _ => id.wrapping_add(1),
                };
                ix.insert_first(id, index);
                reference.entry(id).or_insert(index);
            }
            for probe in (0..70).chain(u64::MAX - 30..=u64::MAX) {
                assert_eq!(ix.get(probe), reference.get(&probe).copied(), "round {round}, id {probe}");
            }
        }
    }

    /// Past `FEW` frames they are found by hashing: the same frames.
    #[test]
    fn many_frames_are_found_as_few_are() {
        let mut s = Session::new();
        for i in 0..(3 * FEW as i64) {
            s.push(Record {
                id: i as u64,
                tab_id: i % 2,
                frame_id: i,
                source_frame_id: Some(i + 1),
                frame_url: format!("https://f{i}.example/"),
                data: serde_json::json!({"request": "agent.getState", "referenceId": format!("r{i}"), "userAgent": "WWE Client", "protocolVersion": 2}),
                time: i as f64,
                ..Record::default()
            });
        }
        assert!(s.frames().len() > 2 * FEW);
        for f in s.frames() {
            assert!(std::ptr::eq(s.frame(f.tab_id, f.frame_id).expect("found"), f));
        }
        // Each record's receiver and sender counted once, in its own tab.
        assert_eq!(s.frames().iter().map(|f| f.received).sum::<u64>(), 3 * FEW as u64);
        assert_eq!(s.frames().iter().map(|f| f.sent).sum::<u64>(), 3 * FEW as u64);
        assert_eq!(s.frames().len(), 6 * FEW);
        assert!(s.frame(5, 5).is_none());
    }

    /// Senders known only by their index path are named from the frames
    /// that received at that path, the first learnt for a path staying,
    /// with few paths as with many.
    #[test]
    fn senders_by_path_are_named_with_few_paths_as_with_many() {
        for frames in [3, 3 * FEW as u32] {
            let mut s = Session::new();
            let mut id = 0;
            let mut record = |s: &mut Session, frame_id: i64, frame_path: Vec<u32>, source_path: Option<Vec<u32>>| {
                id += 1;
                s.push(Record {
                    id,
                    tab_id: 1,
                    frame_id,
                    frame_path,
                    source_path,
                    data: serde_json::json!("wwe-ready"),
                    time: id as f64,
                    ..Record::default()
                });
                id
            };
            for i in 0..frames {
                record(&mut s, 100 + i64::from(i), vec![i, 1], None);
                // A second frame at the same path later: the first stays.
                record(&mut s, 500 + i64::from(i), vec![i, 1], None);
            }
            for i in 0..frames {
                let asked = record(&mut s, 0, vec![], Some(vec![i, 1]));
                assert_eq!(s.message(asked).unwrap().sender_frame_id, Some(100 + i64::from(i)), "{frames} frames, path [{i}, 1]");
            }
            let unknown = record(&mut s, 0, vec![], Some(vec![frames, 1]));
            assert_eq!(s.message(unknown).unwrap().sender_frame_id, None);
        }
    }
}
