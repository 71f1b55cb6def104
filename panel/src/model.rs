//! The panel's state: the core's `Session` (all protocol knowledge) behind
//! one version signal, plus the little the panel caches per message to
//! filter 100,000 rows per keystroke without re-serialising anything.

use leptos::prelude::*;
use wwe_core::decode::Message;
use wwe_core::interactions::Interactions;
use wwe_core::options::Options;
use wwe_core::query::{Facts, Query};
use wwe_core::record::Record;
use wwe_core::redact::Summary;
use wwe_core::session::{Captured, Exchange, Session};

use crate::feed::Parsed;

/// What the panel keeps beside each captured message, index-aligned with
/// `Session::messages()`.
#[derive(Debug, Clone)]
pub struct RowCache {
    /// Request name, `event/eventType`, or the kind word.
    pub name: String,
    /// The data as JSON text, what free text searches and the list's
    /// summary and sort read: the very text the data was parsed from
    /// (`feed::Parsed`), kept once.
    pub json: String,
}

/// The per-message cache and an index from record id to position.
#[derive(Debug, Default)]
pub struct Cache {
    /// Index-aligned with `Session::messages()`.
    pub rows: Vec<RowCache>,
    by_id: std::collections::HashMap<u64, usize>,
    /// Message indexes in time order. Frames flush in batches, so records
    /// arrive nearly but not exactly in time order; inserting from the end
    /// keeps this sorted in amortised O(1) per record.
    order: Vec<usize>,
    /// The number (`#N`) of each message: its 1-based place in `order`,
    /// index-aligned with `rows`. Only valid up to `numbered` places of
    /// `order`: a record inserted before the end renumbers those after it,
    /// which is done when a number is next read.
    numbers: std::cell::RefCell<(Vec<u32>, usize)>,
}

impl Cache {
    /// Position of the message with this record id.
    pub fn index_of(&self, id: u64) -> Option<usize> {
        self.by_id.get(&id).copied()
    }

    fn insert_in_time_order(&mut self, session: &Session, index: usize) {
        let key = |i: usize| {
            let r = &session.messages()[i].record;
            (r.time, r.id)
        };
        let new = key(index);
        let at = self.order.iter().rposition(|&i| key(i) <= new).map_or(0, |p| p + 1);
        self.order.insert(at, index);
        let numbered = &mut self.numbers.get_mut().1;
        *numbered = (*numbered).min(at);
    }

    /// The number of the message with this record id: its 1-based place
    /// in time order, as the list shows the messages, so a reply never
    /// carries a smaller number than its request. Numbers shift when a
    /// late batch brings earlier messages; record ids never do, and links
    /// go by id.
    pub fn number(&self, id: u64) -> Option<u32> {
        let index = self.index_of(id)?;
        let mut numbers = self.numbers.borrow_mut();
        let (by_index, numbered) = &mut *numbers;
        by_index.resize(self.rows.len(), 0);
        for (place, &i) in self.order.iter().enumerate().skip(*numbered) {
            by_index[i] = place as u32 + 1;
        }
        *numbered = self.order.len();
        by_index.get(index).copied()
    }

    /// The cached row of the message with this record id.
    pub fn row(&self, id: u64) -> Option<&RowCache> {
        self.index_of(id).and_then(|i| self.rows.get(i))
    }
}

/// Everything the views read. `Copy`: hand it to any component.
#[derive(Clone, Copy)]
pub struct Store {
    session: StoredValue<Session, LocalStorage>,
    cache: StoredValue<Cache, LocalStorage>,
    /// The agent desktop rebuilt from the session, brought up to date on
    /// read (incrementally: only messages pushed since the last read), so
    /// the interactions, findings and detail views share one model.
    interactions: StoredValue<Interactions, LocalStorage>,
    /// The latest record time seen and the panel's clock when it arrived.
    last_arrival: StoredValue<Option<(f64, f64)>, LocalStorage>,
    /// The options the user set, kept so Clear can carry them over.
    options: StoredValue<Option<Options>, LocalStorage>,
    /// Bumped after every change to the session; views track it.
    version: RwSignal<u64>,
    /// Records the extension could not keep, as the background counts them.
    pub dropped: RwSignal<u64>,
    /// A sentence for the user when something is wrong with the connection.
    pub problem: RwSignal<Option<String>>,
    /// The name of the trace file shown instead of live capture, if any.
    pub trace: RwSignal<Option<String>>,
    /// Why the last trace file could not be opened.
    pub trace_error: RwSignal<Option<String>>,
    /// What the user should know about the trace file shown (lines that
    /// are not records, skipped and counted).
    pub trace_note: RwSignal<Option<String>>,
    /// What earlier exports of the trace shown redacted: written again,
    /// with what a new export redacts, when it is exported.
    redactions: StoredValue<Vec<Summary>, LocalStorage>,
}

impl Store {
    /// An empty store.
    pub fn new() -> Store {
        Store {
            session: StoredValue::new_local(Session::new()),
            cache: StoredValue::new_local(Cache::default()),
            interactions: StoredValue::new_local(Interactions::new()),
            options: StoredValue::new_local(None),
            last_arrival: StoredValue::new_local(None),
            version: RwSignal::new(0),
            dropped: RwSignal::new(0),
            problem: RwSignal::new(None),
            trace: RwSignal::new(None),
            trace_error: RwSignal::new(None),
            trace_note: RwSignal::new(None),
            redactions: StoredValue::new_local(Vec::new()),
        }
    }

    /// Adds records (live, from the backlog or a trace) and notifies the
    /// views once. Their data is parsed already, and its text becomes the
    /// row cache's.
    pub fn push(&self, records: impl IntoIterator<Item = Parsed>) {
        let mut added = false;
        self.session.update_value(|session| {
            self.cache.update_value(|cache| {
                for (record, json) in records.into_iter().map(Parsed::into_parts) {
                    session.push(record);
                    // The session appends every record it is given, so the
                    // cache stays index-aligned with its messages.
                    let index = session.len() - 1;
                    let captured = &session.messages()[index];
                    cache.by_id.insert(captured.record.id, index);
                    cache.rows.push(RowCache { name: row_name(captured), json });
                    cache.insert_in_time_order(session, index);
                    added = true;
                }
            });
        });
        if added {
            if let Some(latest) = self.session.with_value(Session::latest_time) {
                let arrived = js_sys::Date::now();
                self.last_arrival.update_value(|last| match last {
                    Some((seen, _)) if *seen >= latest => {}
                    _ => *last = Some((latest, arrived)),
                });
            }
            self.version.update(|v| *v += 1);
        }
    }

    /// `#N`, the number of the message with this record id in the list's
    /// time order (`#?` for an id not in the session). It tracks the
    /// session's version: call it inside its own `move ||`, or the
    /// enclosing view is rebuilt (and its local state lost) on every
    /// message.
    pub fn number_label(&self, id: u64) -> String {
        self.version.track();
        self.cache.with_value(|c| c.number(id)).map_or_else(|| "#?".to_owned(), |n| format!("#{n}"))
    }

    /// Forgets everything (the Clear button; a new backlog).
    pub fn clear(&self) {
        let mut session = Session::new();
        session.set_options(self.options.get_value());
        self.session.set_value(session);
        self.cache.set_value(Cache::default());
        self.interactions.set_value(Interactions::new());
        self.last_arrival.set_value(None);
        self.redactions.set_value(Vec::new());
        self.trace_note.set(None);
        self.version.update(|v| *v += 1);
    }

    /// What earlier exports of the trace shown redacted (nothing for live
    /// capture).
    pub fn redaction_history(&self) -> Vec<Summary> {
        self.redactions.get_value()
    }

    /// Shows a trace instead of live capture: a finished capture, so
    /// requests left without a reply count as timed out. `redactions` is
    /// what earlier exports of it redacted ([`wwe_core::har::Trace::redactions`]).
    pub fn load_trace(&self, name: String, records: Vec<Record>, redactions: Vec<Summary>) {
        self.clear();
        self.redactions.set_value(redactions);
        self.push(records.into_iter().map(Parsed::from_record));
        self.session.update_value(|s| {
            if let Some(last) = s.latest_time() {
                s.advance_to(last + wwe_core::session::REQUEST_TIMEOUT_MS);
            }
        });
        self.dropped.set(0);
        self.trace.set(Some(name));
        self.version.update(|v| *v += 1);
    }

    /// Moves the session's clock to `now` (the panel's clock, ms since the
    /// epoch) so requests left without a reply time out while nothing else
    /// arrives; notifies the views only when that changed something.
    ///
    /// Record times come from the pages' clocks, which may disagree with the
    /// panel's by seconds (Firefox's `performance.timeOrigin` drifts from
    /// `Date.now()`), so the capture clock is extrapolated from the latest
    /// record and when it arrived, never read from the panel's clock.
    pub fn tick(&self, now: f64) {
        let Some((record_time, arrived)) = self.last_arrival.get_value() else { return };
        let capture_now = record_time + (now - arrived);
        let mut changed = false;
        self.session.update_value(|s| {
            let before = s.judged();
            s.advance_to(capture_now);
            changed = s.judged() != before;
        });
        if changed {
            self.version.update(|v| *v += 1);
        }
    }

    /// Sets the WWE options used for policy findings from now on.
    pub fn set_options(&self, options: Option<Options>) {
        self.options.set_value(options.clone());
        self.session.update_value(|s| s.set_options(options));
        self.version.update(|v| *v += 1);
    }

    /// Reads the session, re-running the caller when it changes.
    pub fn read<R>(&self, f: impl FnOnce(&Session) -> R) -> R {
        self.version.track();
        self.session.with_value(f)
    }

    /// Reads the session and the per-message cache together.
    pub fn read_with_cache<R>(&self, f: impl FnOnce(&Session, &Cache) -> R) -> R {
        self.version.track();
        self.session.with_value(|s| self.cache.with_value(|c| f(s, c)))
    }

    /// Reads the session and the interaction model (brought up to date
    /// first), re-running the caller when the session changes. Frames flush
    /// in separate batches; the model itself starts over when a batch
    /// arrives after later messages (`Interactions::update`).
    pub fn read_interactions<R>(&self, f: impl FnOnce(&Session, &Interactions) -> R) -> R {
        self.version.track();
        self.read_interactions_untracked(f)
    }

    /// [`Store::read_interactions`] without subscribing, for callbacks that
    /// run outside any reactive context (an idle callback).
    pub fn read_interactions_untracked<R>(&self, f: impl FnOnce(&Session, &Interactions) -> R) -> R {
        self.session.with_value(|session| {
            self.interactions.update_value(|model| model.update(session));
            self.interactions.with_value(|model| f(session, model))
        })
    }

    /// Reads the session without subscribing (event handlers).
    pub fn read_untracked_session<R>(&self, f: impl FnOnce(&Session) -> R) -> R {
        self.session.with_value(f)
    }

    /// The WWE options the user set, if any (tracked).
    pub fn options(&self) -> Option<Options> {
        self.version.track();
        self.options.get_value()
    }

    /// The session's version, bumped on every change (tracked).
    pub fn version(&self) -> u64 {
        self.version.get()
    }

    /// The number of messages (tracked).
    pub fn len(&self) -> usize {
        self.read(Session::len)
    }
}

/// The name a row shows and `name:` filters on.
fn row_name(captured: &Captured) -> String {
    if let Some(u) = &captured.record.undelivered {
        return format!("postMessage to {} (targetOrigin {})", u.recipient_origin, u.target_origin);
    }
    match &captured.decoded.message {
        Message::Request(request) => request.name.to_string(),
        Message::Subscribe { names, .. } => format!("subscribe {}", names.join(", ")),
        Message::Event { name, event_type, .. } => match event_type {
            Some(event_type) => format!("{name}/{event_type}"),
            None => name.to_string(),
        },
        other => other.kind_str().to_string(),
    }
}

/// The kind a row shows and `kind:` filters on: the decoder's, or
/// `undelivered` for a post the browser refused (it carries no message the
/// decoder could name, and is never hidden as foreign).
pub fn kind_of(captured: &Captured) -> &'static str {
    if captured.record.undelivered.is_some() { "undelivered" } else { captured.decoded.message.kind_str() }
}

/// The status word a row shows and `status:` filters on: its exchange's
/// state, `undelivered` for a post the browser refused, or empty.
pub fn status_word(captured: &Captured, exchange: Option<&Exchange>) -> &'static str {
    match exchange {
        Some(e) => e.state.as_str(),
        None if captured.record.undelivered.is_some() => "undelivered",
        None => "",
    }
}

/// The status word of a message: its exchange's state, or empty.
pub fn status_of<'s>(session: &'s Session, captured: &Captured) -> Option<&'s Exchange> {
    captured.exchange.map(|index| &session.exchanges()[index])
}

/// Quick toggles beside the filter box. `foreign` and `page_made` are off
/// by default: such messages are kept and counted, only hidden.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Toggles {
    pub requests: bool,
    pub events: bool,
    pub errors: bool,
    pub rate_limited: bool,
    pub foreign: bool,
    /// Show `message` events page script made itself (not deliveries).
    pub page_made: bool,
}

/// How many messages the off-by-default toggles hide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Hidden {
    pub foreign: usize,
    pub page_made: usize,
}

impl Toggles {
    /// True when no type chip is on: every type shows ("All").
    pub fn all(&self) -> bool {
        !(self.requests || self.events || self.errors || self.rate_limited)
    }

    fn admits(&self, kind: &str, status: &str) -> bool {
        if kind == "foreign" || kind == "legacy" {
            return self.foreign;
        }
        if self.all() {
            return true;
        }
        (self.requests && matches!(kind, "request" | "subscribe" | "unsubscribe"))
            || (self.events && kind == "event")
            || (self.errors && (kind == "error" || matches!(status, "error" | "timed-out" | "swallowed" | "undelivered")))
            || (self.rate_limited && (kind == "rate-limit" || matches!(status, "rate-limited" | "swallowed")))
    }
}

/// One entry of the visible list: a message, or (grouped view, expanded)
/// the reply shown under its request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ListItem {
    /// Record id of the message.
    pub id: u64,
    /// True for a reply shown nested under its request.
    pub nested: bool,
}

/// The view settings that decide which rows show.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewFilter {
    pub query: Query,
    pub toggles: Toggles,
    /// One row per exchange (replies fold into their request).
    pub grouped: bool,
    /// Requests whose raw messages are shown under them (grouped view).
    pub expanded: Vec<u64>,
    /// Only messages sent or received by this browser frame.
    pub frame: Option<(i64, i64)>,
    /// The column sorting the list; `None`: time order.
    pub sort: Option<crate::columns::Sort>,
}

/// What the list shows for one filter at one version of the session.
#[derive(Debug, Clone, PartialEq)]
pub struct Listing {
    pub items: Vec<ListItem>,
    pub hidden: Hidden,
    filter: ViewFilter,
    version: u64,
}

impl Listing {
    /// The rows for `filter` at the session's `version`: `previous`'s rows
    /// filtered again when only the query changed and it narrows (typing
    /// one more character), else every message from the start.
    pub fn new(session: &Session, cache: &Cache, filter: ViewFilter, version: u64, previous: Option<&Listing>) -> Listing {
        let narrowing = previous.filter(|p| {
            p.version == version
                && ViewFilter { query: filter.query.clone(), ..p.filter.clone() } == filter
                && filter.query.narrows(&p.filter.query)
        });
        let (items, hidden) = match narrowing {
            Some(previous) => (narrowed(session, cache, &previous.items, &filter.query), previous.hidden),
            None => visible(session, cache, &filter),
        };
        Listing { items, hidden, filter, version }
    }
}

/// `previous` (rows `visible` chose) filtered again by a narrower query;
/// a nested reply stays with its request. The toggles' hidden counts are
/// taken before the query, so they do not change.
fn narrowed(session: &Session, cache: &Cache, previous: &[ListItem], query: &Query) -> Vec<ListItem> {
    let frame_urls: std::collections::HashMap<(i64, i64), &str> =
        session.frames().iter().map(|f| ((f.tab_id, f.frame_id), f.url.as_str())).collect();
    let mut items = Vec::new();
    let mut keep = false;
    for &item in previous {
        if !item.nested {
            keep = cache.index_of(item.id).is_some_and(|index| {
                let captured = &session.messages()[index];
                query.matches(&facts(captured, &cache.rows[index], status_of(session, captured), &frame_urls))
            });
        }
        if keep {
            items.push(item);
        }
    }
    items
}

/// The rows that pass the filter, in capture order, and how many foreign
/// and page-made messages the toggles hide. Never drops data: it only
/// chooses indexes.
pub fn visible(session: &Session, cache: &Cache, filter: &ViewFilter) -> (Vec<ListItem>, Hidden) {
    let mut items = Vec::new();
    // `frame:` matches the sender's frame too, known by its browser id.
    let frame_urls: std::collections::HashMap<(i64, i64), &str> =
        session.frames().iter().map(|f| ((f.tab_id, f.frame_id), f.url.as_str())).collect();
    let mut hidden = Hidden::default();
    for &index in &cache.order {
        let captured = &session.messages()[index];
        if captured.record.dispatched_by_page && !filter.toggles.page_made {
            hidden.page_made += 1;
            continue;
        }
        let kind = kind_of(captured);
        let exchange = status_of(session, captured);
        if filter.grouped && captured.decoded.message.is_reply() && exchange.is_some_and(|e| e.reply == Some(captured.record.id)) {
            continue;
        }
        let status = status_word(captured, exchange);
        if !filter.toggles.admits(kind, status) {
            if kind == "foreign" || kind == "legacy" {
                hidden.foreign += 1;
            }
            continue;
        }
        if let Some((tab, frame)) = filter.frame {
            let record = &captured.record;
            // A refused post reached no frame (issue 19).
            let receives = record.undelivered.is_none() && record.tab_id == tab && record.frame_id == frame;
            let sends = record.sender_tab_id() == tab && captured.sender_frame_id == Some(frame);
            if !(receives || sends) {
                continue;
            }
        }
        if !filter.query.is_empty() && !filter.query.matches(&facts(captured, &cache.rows[index], exchange, &frame_urls)) {
            continue;
        }
        items.push(ListItem { id: captured.record.id, nested: false });
        if filter.grouped {
            let expanded = exchange.filter(|e| e.request == captured.record.id && filter.expanded.contains(&e.request));
            if let Some(reply) = expanded.and_then(|e| e.reply) {
                items.push(ListItem { id: reply, nested: true });
            }
        }
    }
    if let Some(sort) = filter.sort {
        items = sorted(session, cache, items, sort);
    }
    (items, hidden)
}

/// What a column sorts by.
#[derive(PartialEq, PartialOrd)]
enum SortKey<'a> {
    Number(f64),
    Text(&'a str),
    /// No value (a latency not known yet): after every value.
    Missing,
}

/// `items` sorted by a column, stably (ties keep time order); a reply
/// shown under its request moves with it. Missing values go last either
/// way.
fn sorted(session: &Session, cache: &Cache, items: Vec<ListItem>, sort: crate::columns::Sort) -> Vec<ListItem> {
    use crate::columns::Column;
    let key = |id: u64| -> SortKey<'_> {
        let Some(index) = cache.index_of(id) else { return SortKey::Missing };
        let captured = &session.messages()[index];
        let exchange = status_of(session, captured);
        let record = &captured.record;
        match sort.column {
            Column::Time => SortKey::Number(record.time),
            Column::Kind => SortKey::Text(kind_of(captured)),
            Column::Name => SortKey::Text(match exchange {
                Some(e) if captured.decoded.message.is_reply() => &e.name,
                _ => &cache.rows[index].name,
            }),
            Column::Status => match status_word(captured, exchange) {
                "" => SortKey::Missing,
                word => SortKey::Text(word),
            },
            Column::Latency => exchange.and_then(|e| e.latency_ms).map_or(SortKey::Missing, SortKey::Number),
            Column::From => SortKey::Text(&record.source_origin),
            Column::To => SortKey::Text(&record.frame_origin),
            Column::Size => SortKey::Number(record.size as f64),
            Column::Message => SortKey::Text(&cache.rows[index].json),
        }
    };
    // Blocks: a row and the nested reply under it.
    let mut blocks: Vec<Vec<ListItem>> = Vec::new();
    for item in items {
        match blocks.last_mut() {
            Some(block) if item.nested => block.push(item),
            _ => blocks.push(vec![item]),
        }
    }
    blocks.sort_by(|a, b| {
        let (ka, kb) = (key(a[0].id), key(b[0].id));
        let order = match (&ka, &kb) {
            (SortKey::Missing, SortKey::Missing) => std::cmp::Ordering::Equal,
            (SortKey::Missing, _) => return std::cmp::Ordering::Greater,
            (_, SortKey::Missing) => return std::cmp::Ordering::Less,
            _ => ka.partial_cmp(&kb).unwrap_or(std::cmp::Ordering::Equal),
        };
        if sort.descending { order.reverse() } else { order }
    });
    blocks.into_iter().flatten().collect()
}

fn facts<'a>(
    captured: &'a Captured,
    cache: &'a RowCache,
    exchange: Option<&'a Exchange>,
    frame_urls: &std::collections::HashMap<(i64, i64), &'a str>,
) -> Facts<'a> {
    let record = &captured.record;
    let name = match exchange {
        // A reply answers to its request's name.
        Some(exchange) if captured.decoded.message.is_reply() => &*exchange.name,
        _ => cache.name.as_str(),
    };
    let interaction = match &captured.decoded.message {
        Message::Event { interaction_id, .. } => interaction_id.as_deref(),
        _ => None,
    };
    Facts {
        kind: kind_of(captured),
        name,
        status: status_word(captured, exchange),
        frames: [
            record.frame_url.as_str(),
            captured.sender_frame_id.and_then(|f| frame_urls.get(&(record.sender_tab_id(), f)).copied()).unwrap_or(""),
        ],
        // A refused post's other origin is its recipient's (issue 19).
        origins: [record.source_origin.as_str(), record.undelivered.as_ref().map_or(record.frame_origin.as_str(), |u| u.recipient_origin.as_str())],
        interaction,
        latency: exchange.and_then(|e| e.latency_ms),
        size: record.size as f64,
        text: cache.json.as_str(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn cache_of(session: &Session) -> Cache {
        let mut cache = Cache::default();
        for (index, captured) in session.messages().iter().enumerate() {
            cache.by_id.insert(captured.record.id, index);
            cache.rows.push(RowCache { name: row_name(captured), json: captured.record.data.to_string() });
            cache.insert_in_time_order(session, index);
        }
        cache
    }

    /// A popup (tab 2) asks WWE in its opener (tab 1); an iframe of tab 1
    /// asks too. Filtering on the popup's top frame shows what it sent and
    /// what it received, and nothing of the opener's own frames: frame ids
    /// are per tab, so the sender is found by its own tab.
    #[test]
    fn the_frame_filter_finds_a_sender_in_another_tab() {
        let request = |id: u64, source_tab: Option<i64>, source_frame: i64, rid: &str| Record {
            id,
            tab_id: 1,
            frame_id: 0,
            frame_origin: "http://127.0.0.1:8470".into(),
            source_origin: "http://localhost:8480".into(),
            source_frame_id: Some(source_frame),
            source_tab_id: source_tab,
            time: 1_000.0 + id as f64,
            data: json!({"request": "agent.get", "parameters": [], "referenceId": rid, "userAgent": "WWE Client", "protocolVersion": 2}),
            ..Record::default()
        };
        let reply = Record {
            id: 3,
            tab_id: 2,
            frame_id: 0,
            frame_origin: "http://localhost:8480".into(),
            source_origin: "http://127.0.0.1:8470".into(),
            source_frame_id: Some(0),
            source_tab_id: Some(1),
            time: 1_003.0,
            data: json!({"referenceId": "0", "data": {}, "userAgent": "WWE Web Edition"}),
            ..Record::default()
        };
        let mut session = Session::new();
        session.push(request(1, Some(2), 0, "0"));
        session.push(request(2, None, 4, "0"));
        session.push(reply);
        let cache = cache_of(&session);
        let filter = |frame| ViewFilter { query: Query::parse(""), toggles: Toggles::default(), grouped: false, expanded: Vec::new(), frame, sort: None };
        let ids = |frame| visible(&session, &cache, &filter(Some(frame))).0.iter().map(|item| item.id).collect::<Vec<_>>();
        assert_eq!(ids((2, 0)), [1, 3], "the popup's top frame sent #1 and received #3");
        assert_eq!(ids((1, 4)), [2], "the opener's iframe 4 sent #2 only");
    }

    /// A post the browser refused (issue 19) shows by default with kind and
    /// status `undelivered` (it is no foreign message), under the Errors
    /// chip, `status:undelivered`, and the frame filter of its sender.
    #[test]
    fn a_refused_post_is_a_row_with_status_undelivered() {
        let refused = Record {
            id: 1,
            tab_id: 1,
            source_origin: "http://127.0.0.1:8471".into(),
            source_frame_id: Some(2),
            time: 1_000.0,
            undelivered: Some(wwe_core::record::Undelivered {
                target_origin: "https://wrong.example".into(),
                recipient_origin: "http://127.0.0.1:8470".into(),
                ..Default::default()
            }),
            ..Record::default()
        };
        let mut session = Session::new();
        session.push(refused);
        let cache = cache_of(&session);
        let captured = &session.messages()[0];
        assert_eq!((kind_of(captured), status_word(captured, None)), ("undelivered", "undelivered"));
        let shown = |query: &str, toggles: Toggles, frame| {
            let filter = ViewFilter { query: Query::parse(query), toggles, grouped: false, expanded: Vec::new(), frame, sort: None };
            visible(&session, &cache, &filter).0.len()
        };
        assert_eq!(shown("", Toggles::default(), None), 1, "never hidden as foreign");
        assert_eq!(shown("", Toggles { errors: true, ..Toggles::default() }, None), 1);
        assert_eq!(shown("status:undelivered", Toggles::default(), None), 1);
        assert_eq!(shown("origin:127.0.0.1:8470", Toggles::default(), None), 1, "the recipient's origin");
        assert_eq!(shown("", Toggles::default(), Some((1, 2))), 1, "its sender's frame");
        assert_eq!(shown("", Toggles::default(), Some((1, 0))), 0, "no frame received it");
        assert_eq!(cache.rows[0].name, "postMessage to http://127.0.0.1:8470 (targetOrigin https://wrong.example)");
    }

    /// Item 5 of issue 14: numbers follow time order. The client frame's
    /// batch (with the reply, id 1) reaches the panel before the service
    /// frame's (with the request, id 2): the request is still #1 and its
    /// reply #2, and a record arriving later but timed before both
    /// renumbers them.
    #[test]
    fn numbers_follow_time_order_not_arrival() {
        let record = |id: u64, time: f64, data: serde_json::Value| Record { id, tab_id: 1, time, data, ..Record::default() };
        let mut session = Session::new();
        session.push(record(1, 1_005.0, json!({"referenceId": "0", "data": {}, "userAgent": "WWE"})));
        session.push(record(2, 1_000.0, json!({"request": "agent.get", "referenceId": "0", "userAgent": "WWE Client", "protocolVersion": 2})));
        let mut cache = cache_of(&session);
        assert_eq!((cache.number(2), cache.number(1)), (Some(1), Some(2)));
        session.push(record(3, 900.0, json!({"frameId": 1, "userAgent": "WWE"})));
        cache.by_id.insert(3, 2);
        cache.rows.push(RowCache { name: String::new(), json: String::new() });
        cache.insert_in_time_order(&session, 2);
        assert_eq!((cache.number(3), cache.number(2), cache.number(1)), (Some(1), Some(2), Some(3)));
        assert_eq!(cache.number(99), None);
    }

    /// Sorting by a column orders the rows by it, ties and missing values
    /// as the user expects: latency ascending puts the unanswered request
    /// last, descending too; time order is the default.
    #[test]
    fn a_column_sorts_the_list() {
        use crate::columns::{Column, Sort};
        let at = |id: u64, time: f64, data: serde_json::Value| Record { id, tab_id: 1, time, data, size: id * 10, ..Record::default() };
        let req = |rid: &str, name: &str| json!({"request": name, "referenceId": rid, "userAgent": "WWE Client", "protocolVersion": 2});
        let ok = |rid: &str| json!({"referenceId": rid, "data": {}, "userAgent": "WWE"});
        let mut session = Session::new();
        session.push(at(1, 1_000.0, req("0", "voice.dial")));
        session.push(at(2, 1_050.0, ok("0")));
        session.push(at(3, 1_100.0, req("1", "agent.get")));
        session.push(at(4, 1_105.0, ok("1")));
        session.push(at(5, 1_200.0, req("2", "agent.getState")));
        let cache = cache_of(&session);
        let ids = |sort: Option<Sort>| {
            let filter = ViewFilter { query: Query::parse("kind:request"), toggles: Toggles::default(), grouped: false, expanded: Vec::new(), frame: None, sort };
            visible(&session, &cache, &filter).0.iter().map(|i| i.id).collect::<Vec<_>>()
        };
        assert_eq!(ids(None), [1, 3, 5]);
        assert_eq!(ids(Some(Sort { column: Column::Latency, descending: false })), [3, 1, 5]);
        assert_eq!(ids(Some(Sort { column: Column::Latency, descending: true })), [1, 3, 5], "the pending request stays last");
        assert_eq!(ids(Some(Sort { column: Column::Name, descending: false })), [3, 5, 1]);
        assert_eq!(ids(Some(Sort { column: Column::Size, descending: true })), [5, 3, 1]);
    }

    /// Typing that narrows the query filters the previous rows again, and
    /// gives exactly the rows a filter from the start would, grouped with
    /// an expanded reply and sorted too; a widening keystroke, another
    /// version or another toggle starts over.
    #[test]
    fn a_narrowing_keystroke_filters_the_previous_rows() {
        use crate::columns::{Column, Sort};
        let mut session = Session::new();
        for (record, _) in crate::bench::synthetic_records(3_000) {
            session.push(record);
        }
        let cache = cache_of(&session);
        let expanded: Vec<u64> = session.exchanges().iter().step_by(3).map(|e| e.request).collect();
        for (grouped, sort) in [(false, None), (true, None), (true, Some(Sort { column: Column::Name, descending: true }))] {
            let filter = |text: &str| ViewFilter { query: Query::parse(text), toggles: Toggles::default(), grouped, expanded: expanded.clone(), frame: None, sort };
            let mut previous = Listing::new(&session, &cache, filter(""), 1, None);
            let typed = "status:error name:voice.p";
            for end in 1..=typed.len() {
                let listing = Listing::new(&session, &cache, filter(&typed[..end]), 1, Some(&previous));
                let (items, hidden) = visible(&session, &cache, &filter(&typed[..end]));
                assert_eq!((&listing.items, listing.hidden), (&items, hidden), "{:?}", &typed[..end]);
                previous = listing;
            }
            assert!(!previous.items.is_empty() && previous.items.len() < 300, "{} rows", previous.items.len());
        }
        // The narrowing path really is taken: rows the previous listing had
        // dropped stay dropped (a stale previous proves it), and a widening
        // query, a new version or a toggle starts over.
        let filter = |text: &str, toggles: Toggles| ViewFilter { query: Query::parse(text), toggles, grouped: false, expanded: Vec::new(), frame: None, sort: None };
        let stale = Listing::new(&session, &cache, filter("dial", Toggles::default()), 1, None);
        let stale = Listing { items: stale.items[..1].to_vec(), ..stale };
        assert_eq!(Listing::new(&session, &cache, filter("dial kind:request", Toggles::default()), 1, Some(&stale)).items.len(), 1);
        let full = visible(&session, &cache, &filter("dia", Toggles::default())).0;
        assert_eq!(Listing::new(&session, &cache, filter("dia", Toggles::default()), 1, Some(&stale)).items, full);
        assert!(Listing::new(&session, &cache, filter("dial kind:request", Toggles::default()), 2, Some(&stale)).items.len() > 1);
        let requests = Toggles { requests: true, ..Toggles::default() };
        assert!(Listing::new(&session, &cache, filter("dial kind:request", requests), 1, Some(&stale)).items.len() > 1);
    }

    /// A `message` event the page made itself is hidden by default and
    /// counted; the toggle shows it (issue 15).
    #[test]
    fn page_made_events_hide_behind_their_toggle_with_a_count() {
        let record = |id: u64, by_page: bool| Record {
            id,
            time: 1_000.0 + id as f64,
            dispatched_by_page: by_page,
            claimed_origin: by_page.then(|| "https://wwe.genesys.example".into()),
            data: json!({"request": "agent.get", "parameters": [], "referenceId": "1", "userAgent": "WWE Client", "protocolVersion": 2}),
            ..Record::default()
        };
        let mut session = Session::new();
        session.push(record(1, false));
        session.push(record(2, true));
        let cache = cache_of(&session);
        let filter = |page_made| ViewFilter {
            query: Query::parse(""),
            toggles: Toggles { page_made, ..Toggles::default() },
            grouped: false,
            expanded: Vec::new(),
            frame: None,
            sort: None,
        };
        let (items, hidden) = visible(&session, &cache, &filter(false));
        assert_eq!(items.iter().map(|i| i.id).collect::<Vec<_>>(), [1]);
        assert_eq!(hidden, Hidden { foreign: 0, page_made: 1 });
        let (items, hidden) = visible(&session, &cache, &filter(true));
        assert_eq!(items.iter().map(|i| i.id).collect::<Vec<_>>(), [1, 2]);
        assert_eq!(hidden.page_made, 0);
    }
}
