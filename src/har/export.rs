//! Writing a session as HAR 1.2 (see the format in [`crate::har`]).
//!
//! The file is written by `serde` from borrowed views of the session: no
//! intermediate JSON tree, one small allocation per message for its JSON
//! text.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;

use chrono::{DateTime, SecondsFormat};
use serde::ser::{SerializeSeq, Serializer};
use serde::Serialize;
use serde_json::Value;

use super::without_data::WithoutData;
use super::{CREATOR, FORMAT};
use crate::decode::Direction;
use crate::lint::Finding;
use crate::record::Record;
use crate::redact::Summary;
use crate::session::{Captured, ClientKey, Exchange, ExchangeState, Session, REQUEST_TIMEOUT_MS};

/// The service origin in URLs when the request's receiving frame has none.
const UNKNOWN_ORIGIN: &str = "https://wwe.invalid";

/// How to write a HAR.
#[derive(Debug, Clone, Default)]
pub struct HarOptions<'a> {
    /// Indent the JSON (bigger and slower; for files people read).
    pub pretty: bool,
    /// What redaction removed, written as `log._wweRedactions` (see
    /// [`crate::redact::summarize`]).
    pub redactions: &'a [Summary],
    /// `log.creator.version`; the crate's version when `None`.
    pub creator_version: Option<&'a str>,
    /// `log.comment`, e.g. where the trace was captured.
    pub comment: Option<&'a str>,
}

/// Writes the session's messages as a HAR 1.2 file.
///
/// The records written are the session's ([`Session::messages`]), in
/// order; redact them first (see [`crate::redact::redact`]) and pass the
/// session built from the redacted records.
pub fn to_har(session: &Session, options: &HarOptions<'_>) -> String {
    let mut out = Vec::with_capacity(session.messages().len() * 1024 + 4096);
    write_har(session, options, &mut out).expect("writing JSON to memory cannot fail: every key is a string");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// Like [`to_har`], written to `out` as it is made (a file's text is never
/// held whole); buffer `out` for speed.
///
/// # Errors
///
/// What `out` fails with.
pub fn write_har<W: std::io::Write>(session: &Session, options: &HarOptions<'_>, out: W) -> std::io::Result<()> {
    let plan = Plan::of(session);
    write_planned(&plan, &mut SessionRecords(session.messages()), options, out)
}

/// What HAR's entries and `_wweMessages` say of one message besides its
/// record: from its session's decoding and pairing, and its page.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Facts {
    /// Index in the session's exchanges of the exchange it is the request
    /// or reply of; `u32::MAX` for none.
    exchange: u32,
    /// Its page in [`Plan::pages`].
    page: u32,
    is_reply: bool,
    direction: Direction,
    kind: &'static str,
}

impl Facts {
    pub(crate) fn of(m: &Captured, page: usize) -> Facts {
        Facts {
            exchange: m.exchange.map_or(u32::MAX, |x| u32::try_from(x).expect("fewer than 4 billion exchanges")),
            page: u32::try_from(page).expect("fewer than 4 billion pages"),
            is_reply: m.decoded.message.is_reply(),
            direction: m.decoded.message.direction(),
            kind: m.decoded.message.kind_str(),
        }
    }

    fn exchange(&self) -> Option<usize> {
        (self.exchange != u32::MAX).then_some(self.exchange as usize)
    }
}

/// Everything a HAR says besides the records themselves: from a session
/// that holds them ([`Plan::of`]), or gathered from a lean session while
/// a trace streams through it.
pub(crate) struct Plan<'s> {
    pub(crate) exchanges: &'s [Exchange],
    pub(crate) findings: &'s [Finding],
    /// Per message, in order.
    pub(crate) facts: Vec<Facts>,
    /// The pages, each titled by the first top frame URL seen in it.
    pub(crate) pages: Vec<Page>,
}

impl Plan<'_> {
    pub(crate) fn of(session: &Session) -> Plan<'_> {
        let mut pages = PageTracker::default();
        let facts = session.messages().iter().map(|m| Facts::of(m, pages.page_of(&m.record))).collect();
        Plan { exchanges: session.exchanges(), findings: session.findings(), facts, pages: pages.finish() }
    }
}

/// A trace's records, in order, read as often as asked: by reference from
/// a session, or again from a file.
pub(crate) trait Records<'a> {
    type Error: From<std::io::Error>;
    /// Calls `each` with the position and record of every record `want`s
    /// position, in order, stopping at its first error (a source may skip
    /// reading the others).
    fn each(
        &mut self,
        want: &dyn Fn(usize) -> bool,
        each: &mut dyn FnMut(usize, Cow<'a, Record>) -> std::io::Result<()>,
    ) -> Result<(), Self::Error>;
}

/// A session's records, borrowed.
struct SessionRecords<'s>(&'s [Captured]);

impl<'s> Records<'s> for SessionRecords<'s> {
    type Error = std::io::Error;
    fn each(
        &mut self,
        want: &dyn Fn(usize) -> bool,
        each: &mut dyn FnMut(usize, Cow<'s, Record>) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        self.0.iter().enumerate().filter(|(i, _)| want(*i)).try_for_each(|(i, m)| each(i, Cow::Borrowed(&m.record)))
    }
}

/// Writes a HAR of the records `records` gives, which `plan` describes:
/// read twice (entries, then `_wweMessages`), each held only while its
/// entry waits for its other half.
pub(crate) fn write_planned<'a, R: Records<'a>, W: std::io::Write>(
    plan: &Plan<'_>,
    records: &mut R,
    options: &HarOptions<'_>,
    out: W,
) -> Result<(), R::Error> {
    let mut findings: HashMap<u64, Vec<usize>> = HashMap::new();
    for (i, f) in plan.findings.iter().enumerate() {
        for &id in &f.messages {
            let list = findings.entry(id).or_default();
            if list.last() != Some(&i) {
                list.push(i);
            }
        }
    }
    let failed = RefCell::new(None);
    let records = RefCell::new(records);
    let file = File {
        log: Log {
            version: "1.2",
            creator: Creator {
                name: CREATOR,
                version: options.creator_version.unwrap_or(env!("CARGO_PKG_VERSION")),
            },
            pages: &plan.pages,
            entries: Entries { plan, records: &records, failed: &failed, findings: &findings },
            comment: options.comment,
            wwe_format: FORMAT,
            wwe_messages: Messages { plan, records: &records, failed: &failed },
            wwe_redactions: options.redactions,
        },
    };
    // `out` itself, not `&mut out`: through `&mut &mut Vec` every write
    // costs [`to_har`] about 5%.
    let written = if options.pretty {
        serde_json::to_writer_pretty(out, &file)
    } else {
        serde_json::to_writer(out, &file)
    };
    // A failure to read the records again is the one to report: the
    // serializer only saw that it stopped.
    match (written, failed.into_inner()) {
        (_, Some(e)) => Err(e),
        (Err(e), None) => Err(std::io::Error::from(e).into()),
        (Ok(()), None) => Ok(()),
    }
}

#[derive(Serialize)]
#[serde(bound = "")]
struct File<'a, 'r, R: Records<'r>> {
    log: Log<'a, 'r, R>,
}

#[derive(Serialize)]
#[serde(bound = "")]
struct Log<'a, 'r, R: Records<'r>> {
    version: &'static str,
    creator: Creator<'a>,
    pages: &'a [Page],
    entries: Entries<'a, 'r, R>,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<&'a str>,
    #[serde(rename = "_wweFormat")]
    wwe_format: u64,
    #[serde(rename = "_wweMessages")]
    wwe_messages: Messages<'a, 'r, R>,
    #[serde(rename = "_wweRedactions")]
    wwe_redactions: &'a [Summary],
}

#[derive(Serialize)]
struct Creator<'a> {
    name: &'a str,
    version: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Page {
    started_date_time: String,
    id: String,
    title: String,
    page_timings: PageTimings,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PageTimings {
    on_content_load: i32,
    on_load: i32,
}

/// Assigns messages to pages as they come: a new page for each new top
/// frame URL of a tab.
#[derive(Default)]
pub(crate) struct PageTracker {
    pages: Vec<Page>,
    /// Per tab: its current page and the top frame URL it is for (empty
    /// until the top frame is seen).
    current: HashMap<i64, (usize, String)>,
}

impl PageTracker {
    /// The page of the next message, `r`.
    pub(crate) fn page_of(&mut self, r: &Record) -> usize {
        let pages = &mut self.pages;
        let top_url = (r.frame_id == 0 && !r.frame_url.is_empty()).then_some(r.frame_url.as_str());
        match (self.current.get_mut(&r.tab_id), top_url) {
            (Some((page, url)), Some(top)) if url.is_empty() => {
                // The first sight of this tab's top frame names its page.
                top.clone_into(url);
                pages[*page].title = top.to_owned();
                *page
            }
            (Some((page, url)), Some(top)) if *url != top => {
                *page = pages.len();
                top.clone_into(url);
                pages.push(Page::new(pages.len(), r.time, top.to_owned()));
                *page
            }
            (Some((page, _)), _) => *page,
            (None, top) => {
                let i = pages.len();
                let title = top.map_or_else(|| format!("tab {}", r.tab_id), str::to_owned);
                pages.push(Page::new(i, r.time, title));
                self.current.insert(r.tab_id, (i, top.unwrap_or("").to_owned()));
                i
            }
        }
    }

    /// The pages; one called "empty capture" when there was no message.
    pub(crate) fn finish(mut self) -> Vec<Page> {
        if self.pages.is_empty() {
            self.pages.push(Page::new(0, 0.0, "empty capture".to_owned()));
        }
        self.pages
    }
}

impl Page {
    fn new(index: usize, time: f64, title: String) -> Page {
        Page {
            started_date_time: rfc3339(time),
            id: format!("page_{}", index + 1),
            title,
            page_timings: PageTimings { on_content_load: -1, on_load: -1 },
            comment: clamp_note(time),
        }
    }
}

/// `0000-01-01T00:00:00.000Z` in ms since the epoch: HAR's dates are
/// RFC 3339, whose years have four digits.
pub(crate) const HAR_MIN_MS: f64 = -62_167_219_200_000.0;

/// `9999-12-31T23:59:59.999Z` in ms since the epoch.
pub(crate) const HAR_MAX_MS: f64 = 253_402_300_799_999.0;

/// Whether a capture time can be written as a HAR date.
pub(crate) fn in_har_range(time_ms: f64) -> bool {
    (HAR_MIN_MS..=HAR_MAX_MS).contains(&time_ms)
}

/// RFC 3339 in UTC with milliseconds, clamped to years 0000–9999 (see
/// [`clamp_note`]).
fn rfc3339(time_ms: f64) -> String {
    let t = if time_ms.is_finite() { time_ms.clamp(HAR_MIN_MS, HAR_MAX_MS) } else { 0.0 };
    DateTime::from_timestamp_micros((t * 1000.0).round() as i64)
        .or(DateTime::from_timestamp_micros(0))
        .expect("years 0000-9999 are representable")
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The `comment` of a page or entry whose date [`rfc3339`] clamped: the
/// file stays valid HAR, and says so; the record keeps its real time.
fn clamp_note(time_ms: f64) -> Option<String> {
    (!in_har_range(time_ms)).then(|| {
        format!("startedDateTime clamped to HAR's years 0000-9999: captured at {time_ms} ms since the epoch (kept in _wweMessages)")
    })
}

struct Entries<'a, 'r, R: Records<'r>> {
    plan: &'a Plan<'a>,
    records: &'a RefCell<&'a mut R>,
    failed: &'a RefCell<Option<R::Error>>,
    findings: &'a HashMap<u64, Vec<usize>>,
}

/// The halves of an entry that wait for the rest.
#[derive(Default)]
struct Halves<'r> {
    request: Option<(Cow<'r, Record>, usize)>,
    reply: Option<Cow<'r, Record>>,
}

/// Reads the records `want` selects once through `records`, serializing
/// an element for each as `element` says; a failure to read them is kept
/// in `failed`.
fn each_record<'r, R: Records<'r>, E: serde::ser::Error>(
    records: &RefCell<&mut R>,
    failed: &RefCell<Option<R::Error>>,
    want: &dyn Fn(usize) -> bool,
    mut element: impl FnMut(usize, Cow<'r, Record>) -> Result<(), E>,
) -> Result<(), E> {
    let mut serde_error = None;
    let read = records.borrow_mut().each(want, &mut |at, record| {
        element(at, record).map_err(|e| {
            serde_error = Some(e);
            std::io::Error::other("stopped by the serializer")
        })
    });
    match (serde_error, read) {
        (Some(e), _) => Err(e),
        (None, Err(e)) => {
            *failed.borrow_mut() = Some(e);
            Err(E::custom("the trace's records could not be read again"))
        }
        (None, Ok(())) => Ok(()),
    }
}

impl<'r, R: Records<'r>> Serialize for Entries<'_, 'r, R> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let exchanges = self.plan.exchanges;
        let mut seq = s.serialize_seq(Some(exchanges.len()))?;
        // The request and reply message of every exchange, by position
        // (record ids may repeat in a merged trace; positions do not).
        let mut request_at = vec![usize::MAX; exchanges.len()];
        let mut reply_at = vec![usize::MAX; exchanges.len()];
        for (i, f) in self.plan.facts.iter().enumerate() {
            if let Some(x) = f.exchange() {
                let slot = if f.is_reply { &mut reply_at[x] } else { &mut request_at[x] };
                if *slot == usize::MAX {
                    *slot = i;
                }
            }
        }
        // Entries are written in the order of their requests, each once
        // its reply (if it has one) has been read.
        let mut waiting: HashMap<usize, Halves<'r>> = HashMap::new();
        let mut next = 0;
        // Only requests and replies are read.
        let facts = &self.plan.facts;
        let want = |i: usize| facts.get(i).is_some_and(|f| f.exchange().is_some());
        each_record(self.records, self.failed, &want, |i, record| {
            let Some((x, page)) = facts.get(i).and_then(|f| Some((f.exchange()?, f.page as usize))) else { return Ok(()) };
            if i == request_at[x] {
                waiting.entry(x).or_default().request = Some((record, page));
            } else if i == reply_at[x] {
                waiting.entry(x).or_default().reply = Some(record);
            }
            while let Some(h) = waiting.get(&next) {
                if h.request.is_none() || (reply_at[next] != usize::MAX && h.reply.is_none()) {
                    break;
                }
                let h = waiting.remove(&next).expect("just seen");
                let (request, page) = h.request.expect("checked above");
                seq.serialize_element(&entry(
                    &exchanges[next],
                    &request,
                    h.reply.as_deref(),
                    page,
                    &self.findings_of(&exchanges[next]),
                ))?;
                next += 1;
            }
            Ok(())
        })?;
        if next < exchanges.len() {
            return Err(serde::ser::Error::custom(format!(
                "exchange {next} of {} has no request among the records",
                exchanges.len()
            )));
        }
        seq.end()
    }
}

impl<'r, R: Records<'r>> Entries<'_, 'r, R> {
    /// The findings about an exchange's request or reply, each once.
    fn findings_of(&self, e: &Exchange) -> Vec<&Finding> {
        let mut found: Vec<&Finding> = Vec::new();
        for id in std::iter::once(e.request).chain(e.reply) {
            for &f in self.findings.get(&id).map(Vec::as_slice).unwrap_or(&[]) {
                let f = &self.plan.findings[f];
                if !found.iter().any(|g| std::ptr::eq(*g, f)) {
                    found.push(f);
                }
            }
        }
        found
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Entry<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<String>,
    pageref: String,
    started_date_time: String,
    time: f64,
    request: HarRequest<'a>,
    response: HarResponse,
    cache: Empty,
    timings: Timings,
    #[serde(rename = "_wwe")]
    wwe: WweEntry<'a>,
}

#[derive(Serialize)]
struct Empty {}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct HarRequest<'a> {
    method: &'static str,
    url: String,
    http_version: &'static str,
    cookies: [Empty; 0],
    headers: Vec<Header<'a>>,
    query_string: Vec<Header<'a>>,
    post_data: PostData,
    headers_size: i32,
    body_size: usize,
}

#[derive(Serialize)]
struct Header<'a> {
    name: &'static str,
    value: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PostData {
    mime_type: &'static str,
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct HarResponse {
    status: u16,
    status_text: &'static str,
    http_version: &'static str,
    cookies: [Empty; 0],
    headers: [Empty; 0],
    content: Content,
    #[serde(rename = "redirectURL")]
    redirect_url: &'static str,
    headers_size: i32,
    body_size: i64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Content {
    size: usize,
    mime_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<String>,
}

#[derive(Serialize)]
struct Timings {
    blocked: i32,
    dns: i32,
    connect: i32,
    ssl: i32,
    send: f64,
    wait: f64,
    receive: f64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WweEntry<'a> {
    request: &'a str,
    reference_id: Option<&'a str>,
    state: &'static str,
    latency_ms: Option<f64>,
    request_message: u64,
    reply_message: Option<u64>,
    client: FrameRef<'a>,
    service: FrameRef<'a>,
    target_origin: Option<&'a str>,
    subscribe: bool,
    findings: Vec<FindingRef<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FrameRef<'a> {
    tab_id: i64,
    frame_id: Option<i64>,
    origin: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
}

#[derive(Serialize)]
struct FindingRef<'a> {
    code: &'static str,
    name: &'static str,
    severity: &'static str,
    message: &'a str,
}

/// Status and status text for what became of a request (the table in
/// [`crate::har`]).
pub(crate) fn status(state: ExchangeState) -> (u16, &'static str) {
    match state {
        ExchangeState::Ok => (200, "OK"),
        ExchangeState::Error => (400, "WWE error"),
        ExchangeState::RateLimited => (429, "Rate limit reached"),
        ExchangeState::Swallowed => (503, "Ignored during rate-limit quarantine"),
        ExchangeState::TimedOut => (504, "Request timeout"),
        ExchangeState::Pending => (0, "No reply yet"),
    }
}

fn json_text(v: &Value) -> String {
    serde_json::to_string(&crate::bignum::Exact(v)).expect("a JSON value always serializes")
}

fn entry<'a>(e: &'a Exchange, request: &'a Record, reply: Option<&'a Record>, page: usize, found: &[&'a Finding]) -> Entry<'a> {
    let origin = if request.frame_origin.is_empty() { UNKNOWN_ORIGIN } else { request.frame_origin.as_str() };
    let mut url = String::with_capacity(origin.len() + 64);
    url.push_str(origin.trim_end_matches('/'));
    url.push_str("/wwe-service-client-api/");
    encode_into(&mut url, &e.name);
    let mut query_string = Vec::new();
    if let Some(rid) = &e.reference_id {
        url.push_str("?referenceId=");
        encode_into(&mut url, rid);
        query_string.push(Header { name: "referenceId", value: rid });
    }
    let mut headers = Vec::new();
    if !request.source_origin.is_empty() {
        headers.push(Header { name: "Origin", value: &request.source_origin });
    }
    let body = json_text(&request.data);
    let reply_text = reply.map(|r| json_text(&r.data));
    let (status, status_text) = status(e.state);
    let wait = match (e.latency_ms, e.state) {
        (Some(l), _) => l.max(0.0),
        (None, ExchangeState::TimedOut | ExchangeState::Swallowed) => REQUEST_TIMEOUT_MS,
        (None, _) => 0.0,
    };
    let client = match &e.client {
        ClientKey::Frame { tab_id, frame_id } => FrameRef { tab_id: *tab_id, frame_id: Some(*frame_id), origin: &request.source_origin, url: None },
        ClientKey::Origin { tab_id, origin } => FrameRef { tab_id: *tab_id, frame_id: None, origin, url: None },
    };
    Entry {
        comment: clamp_note(e.request_time),
        pageref: format!("page_{}", page + 1),
        started_date_time: rfc3339(e.request_time),
        time: wait,
        request: HarRequest {
            method: "POST",
            url,
            http_version: "postMessage",
            cookies: [],
            headers,
            query_string,
            headers_size: -1,
            body_size: body.len(),
            post_data: PostData { mime_type: "application/json", text: body },
        },
        response: HarResponse {
            status,
            status_text,
            http_version: "postMessage",
            cookies: [],
            headers: [],
            redirect_url: "",
            headers_size: -1,
            body_size: reply_text.as_ref().map_or(-1, |t| t.len() as i64),
            content: Content {
                size: reply_text.as_ref().map_or(0, String::len),
                mime_type: if reply_text.is_some() { "application/json" } else { "x-unknown" },
                text: reply_text,
            },
        },
        cache: Empty {},
        timings: Timings { blocked: -1, dns: -1, connect: -1, ssl: -1, send: 0.0, wait, receive: 0.0 },
        wwe: WweEntry {
            request: &e.name,
            reference_id: e.reference_id.as_deref(),
            state: e.state.as_str(),
            latency_ms: e.latency_ms,
            request_message: e.request,
            reply_message: e.reply,
            client,
            service: FrameRef {
                tab_id: request.tab_id,
                frame_id: Some(request.frame_id),
                origin: &request.frame_origin,
                url: Some(&request.frame_url),
            },
            target_origin: request.target_origin.as_deref(),
            subscribe: e.subscription.is_some(),
            findings: found
                .iter()
                .map(|f| FindingRef { code: f.code.as_str(), name: f.code.name(), severity: f.severity.as_str(), message: &f.message })
                .collect(),
        },
    }
}

/// Percent-encodes `s` into a URL path or query part: unreserved
/// characters stay, everything else becomes `%XX` per UTF-8 byte.
fn encode_into(out: &mut String, s: &str) {
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b':') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(char::from_digit((b >> 4) as u32, 16).expect("a nibble").to_ascii_uppercase());
            out.push(char::from_digit((b & 15) as u32, 16).expect("a nibble").to_ascii_uppercase());
        }
    }
}

struct Messages<'a, 'r, R: Records<'r>> {
    plan: &'a Plan<'a>,
    records: &'a RefCell<&'a mut R>,
    failed: &'a RefCell<Option<R::Error>>,
}

#[derive(Serialize)]
struct WireMessage<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    time: f64,
    opcode: u8,
    data: crate::bignum::Exact<'a>,
    #[serde(rename = "_direction")]
    direction: &'static str,
    #[serde(rename = "_kind")]
    message_kind: &'static str,
    #[serde(rename = "_entry")]
    entry: Option<usize>,
    #[serde(rename = "_record")]
    record: WithoutData<'a>,
}

impl<'r, R: Records<'r>> Serialize for Messages<'_, 'r, R> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.plan.facts.len()))?;
        each_record(self.records, self.failed, &|_| true, |i, record| {
            let Some(f) = self.plan.facts.get(i) else {
                return Err(serde::ser::Error::custom(format!("record {} is beyond the {} planned", i + 1, self.plan.facts.len())));
            };
            seq.serialize_element(&WireMessage {
                kind: if f.direction == Direction::ToService { "send" } else { "receive" },
                time: record.time / 1000.0,
                opcode: 1,
                data: crate::bignum::Exact(&record.data),
                direction: f.direction.as_str(),
                message_kind: f.kind,
                entry: f.exchange(),
                record: WithoutData(&record),
            })
        })?;
        seq.end()
    }
}
