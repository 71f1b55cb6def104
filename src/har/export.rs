//! Writing a session as HAR 1.2 (see the format in [`crate::har`]).
//!
//! The file is written by `serde` from borrowed views of the session: no
//! intermediate JSON tree, one small allocation per message for its JSON
//! text.

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
    // Straight into the Vec, not through a `&mut &mut Vec` (see
    // `write_into`).
    write_into(session, options, &mut out).expect("writing JSON to memory cannot fail: every key is a string");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// Like [`to_har`], written to `out` as it is made (a file's text is never
/// held whole); buffer `out` for speed.
///
/// # Errors
///
/// What `out` fails with.
pub fn write_har<W: std::io::Write>(session: &Session, options: &HarOptions<'_>, mut out: W) -> std::io::Result<()> {
    write_into(session, options, &mut out)
}

/// [`write_har`] to a writer the caller owns: the serializer writes to
/// `&mut W` (given `&mut out` for a `W` of its own, it would write through
/// `&mut &mut W`, which costs [`to_har`] about 5% with a `Vec`).
fn write_into<W: std::io::Write>(session: &Session, options: &HarOptions<'_>, out: &mut W) -> std::io::Result<()> {
    let messages = session.messages();
    let pages = Pages::of(messages);
    let mut findings: HashMap<u64, Vec<usize>> = HashMap::new();
    for (i, f) in session.findings().iter().enumerate() {
        for &id in &f.messages {
            let list = findings.entry(id).or_default();
            if list.last() != Some(&i) {
                list.push(i);
            }
        }
    }
    let file = File {
        log: Log {
            version: "1.2",
            creator: Creator {
                name: CREATOR,
                version: options.creator_version.unwrap_or(env!("CARGO_PKG_VERSION")),
            },
            pages: &pages.pages,
            entries: Entries { session, pages: &pages, findings: &findings },
            comment: options.comment,
            wwe_format: FORMAT,
            wwe_messages: Messages(messages),
            wwe_redactions: options.redactions,
        },
    };
    let written = if options.pretty {
        serde_json::to_writer_pretty(out, &file)
    } else {
        serde_json::to_writer(out, &file)
    };
    written.map_err(std::io::Error::from)
}

#[derive(Serialize)]
struct File<'a> {
    log: Log<'a>,
}

#[derive(Serialize)]
struct Log<'a> {
    version: &'static str,
    creator: Creator<'a>,
    pages: &'a [Page],
    entries: Entries<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<&'a str>,
    #[serde(rename = "_wweFormat")]
    wwe_format: u64,
    #[serde(rename = "_wweMessages")]
    wwe_messages: Messages<'a>,
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
struct Page {
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

/// The pages, and the page of every message.
struct Pages {
    pages: Vec<Page>,
    of_message: Vec<usize>,
}

impl Pages {
    fn of(messages: &[Captured]) -> Pages {
        let mut pages: Vec<Page> = Vec::new();
        // Per tab: the current page and the top frame URL it is for
        // (empty until the top frame is seen).
        let mut current: HashMap<i64, (usize, &str)> = HashMap::new();
        let mut of_message = Vec::with_capacity(messages.len());
        for m in messages {
            let r = &m.record;
            let top_url = (r.frame_id == 0 && !r.frame_url.is_empty()).then_some(r.frame_url.as_str());
            let page = match (current.get_mut(&r.tab_id), top_url) {
                (Some((page, url)), Some(top)) if url.is_empty() => {
                    // The first sight of this tab's top frame names its page.
                    *url = top;
                    pages[*page].title = top.to_owned();
                    *page
                }
                (Some((page, url)), Some(top)) if *url != top => {
                    *page = pages.len();
                    *url = top;
                    pages.push(Page::new(pages.len(), r.time, top.to_owned()));
                    *page
                }
                (Some((page, _)), _) => *page,
                (None, top) => {
                    let i = pages.len();
                    let title = top.map_or_else(|| format!("tab {}", r.tab_id), str::to_owned);
                    pages.push(Page::new(i, r.time, title));
                    current.insert(r.tab_id, (i, top.unwrap_or("")));
                    i
                }
            };
            of_message.push(page);
        }
        if pages.is_empty() {
            pages.push(Page::new(0, 0.0, "empty capture".to_owned()));
        }
        Pages { pages, of_message }
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

struct Entries<'a> {
    session: &'a Session,
    pages: &'a Pages,
    findings: &'a HashMap<u64, Vec<usize>>,
}

impl Serialize for Entries<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let exchanges = self.session.exchanges();
        let mut seq = s.serialize_seq(Some(exchanges.len()))?;
        let messages = self.session.messages();
        // The request and reply message of every exchange, by position
        // (record ids may repeat in a merged trace; positions do not).
        let mut request_at = vec![usize::MAX; exchanges.len()];
        let mut reply_at = vec![usize::MAX; exchanges.len()];
        for (i, m) in messages.iter().enumerate() {
            if let Some(x) = m.exchange {
                let slot = if m.decoded.message.is_reply() { &mut reply_at[x] } else { &mut request_at[x] };
                if *slot == usize::MAX {
                    *slot = i;
                }
            }
        }
        for (x, e) in exchanges.iter().enumerate() {
            let req_pos = request_at[x];
            let request = &messages[req_pos].record;
            let reply = messages.get(reply_at[x]).map(|m| &m.record);
            let mut found: Vec<&Finding> = Vec::new();
            for id in std::iter::once(e.request).chain(e.reply) {
                for &f in self.findings.get(&id).map(Vec::as_slice).unwrap_or(&[]) {
                    let f = &self.session.findings()[f];
                    if !found.iter().any(|g| std::ptr::eq(*g, f)) {
                        found.push(f);
                    }
                }
            }
            seq.serialize_element(&entry(e, request, reply, self.pages.of_message[req_pos], &found))?;
        }
        seq.end()
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

struct Messages<'a>(&'a [Captured]);

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

impl Serialize for Messages<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for m in self.0 {
            let direction = m.decoded.message.direction();
            seq.serialize_element(&WireMessage {
                kind: if direction == Direction::ToService { "send" } else { "receive" },
                time: m.record.time / 1000.0,
                opcode: 1,
                data: crate::bignum::Exact(&m.record.data),
                direction: direction.as_str(),
                message_kind: m.decoded.message.kind_str(),
                entry: m.exchange,
                record: WithoutData(&m.record),
            })?;
        }
        seq.end()
    }
}
