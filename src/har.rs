//! Trace files: HAR 1.2 export and import, and JSON Lines of raw records.
//!
//! A trace is the list of captured [`Record`]s. Two formats hold one:
//!
//! - **HAR 1.2** ([`to_har`]), for people and other tools: one `entries`
//!   item per exchange (request → reply), and every record, events and
//!   foreign traffic included, in `log._wweMessages`, so that [`import`]
//!   gets back exactly the records that were exported.
//! - **JSON Lines** ([`to_jsonl`]): one record's JSON per line, as the
//!   extension sends it.
//!
//! [`import`] reads either, and says clearly when a file is a plain browser
//! HAR, or what is wrong and where.
//!
//! # The HAR
//!
//! - `log.version` `"1.2"`; `log.creator` `{name: "wwe-devtools", version}`;
//!   `log._wweFormat` [`FORMAT`] (the version of everything `_wwe*` below).
//! - `log.pages`: one page per top-level navigation, i.e. per change of the
//!   top frame's (frame 0's) URL in a tab, titled with that URL. A tab whose
//!   top frame received nothing gets one page titled `tab <id>`; there is
//!   always at least one page.
//! - `log.entries`: one per exchange ([`crate::session::Exchange`]), in the
//!   order the requests were captured:
//!   - `startedDateTime`: the request's capture time, RFC 3339 in UTC with
//!     milliseconds; `pageref`: the page of the request. A time outside
//!     the years 0000–9999 (which RFC 3339 cannot write) is clamped to
//!     them, and the entry's (or page's) `comment` says so; the record in
//!     `_wweMessages` keeps the real time.
//!   - `request`: method `POST`, the synthetic URL
//!     `<service origin>/wwe-service-client-api/<request>?referenceId=<id>`
//!     (the service origin is the receiving frame's origin, or
//!     `https://wwe.invalid` when unknown), an `Origin` header with the
//!     client's origin, and `postData` `{mimeType: "application/json", text:
//!     <the request message as JSON>}`.
//!   - `response`: the reply message as JSON in `content.text`, and a
//!     status that says what became of the request:
//!
//!     | state          | status | statusText                         |
//!     |----------------|--------|------------------------------------|
//!     | `ok`           | 200    | `OK`                               |
//!     | `error`        | 400    | `WWE error`                        |
//!     | `rate-limited` | 429    | `Rate limit reached`               |
//!     | `swallowed`    | 503    | `Ignored during rate-limit quarantine` |
//!     | `timed-out`    | 504    | `Request timeout`                  |
//!     | `pending`      | 0      | `No reply yet`                     |
//!
//!   - `time` and `timings`: `send` 0, `wait` the latency, `receive` 0;
//!     `blocked`, `dns`, `connect` and `ssl` -1 (not applicable). Without a
//!     reply, `wait` is the client library's 10 s timeout for `timed-out` and
//!     `swallowed` (when it gave up), and 0 for `pending`. A negative latency
//!     (frame clocks disagree) is written as 0; `_wwe.latencyMs` keeps it.
//!   - `_wwe`: the request name, `referenceId`, `state`, `latencyMs`, the
//!     record ids of request and reply, the client and service frames
//!     (tab, frame id, origin, URL), the client's `targetOrigin`, and the
//!     findings about either message (code, name, severity, message).
//! - `log._wweMessages`: every record, in capture order, following Chrome's
//!   `_webSocketMessages`: `type` (`send` for messages to WWE, `receive` for
//!   the rest), `time` (seconds since the epoch), `opcode` 1, `data` (the
//!   message; a JSON value, not text as in Chrome's WebSocket frames, since
//!   a `postMessage` payload is structured), and `_direction`, `_kind`,
//!   `_entry` (index in `entries`, or null) and `_record`: every other field
//!   of the record, fields this version does not know included
//!   (`Record::extra`). `data` and `_record` are what [`import`] reads.
//! - `log._wweRedactions`: what redaction removed ([`crate::redact::Summary`]:
//!   rule, count, messages, paths), empty when nothing was.

mod depth;
pub(crate) use depth::string_end;
mod export;
mod import;
mod jsonl;
mod reader;
mod stream;
mod without_data;

#[cfg(test)]
mod tests;

pub use export::{to_har, write_har, HarOptions};
pub use depth::MAX_MESSAGE_DEPTH;
pub use import::{detect, import, import_har_each, import_with, is_har_head, ImportOptions, DETECT_LINES};
pub use jsonl::{parse_jsonl, to_jsonl, write_jsonl, JsonlReader};
pub use reader::import_har_reader;
pub use stream::{export_replayed, preview_replayed, Pass, Replay, StreamOptions, Streamed};

use crate::options::Options;
use crate::record::Record;
use crate::redact::{self, Hit, Rules, Summary};
use crate::session::Session;

/// The version of the `_wwe*` data this crate writes and the newest it
/// reads.
pub const FORMAT: u64 = 1;

/// `log.creator.name` of the HARs this crate writes.
pub const CREATOR: &str = "wwe-devtools";

/// Traces larger than this (in bytes of text) are refused by [`import`]
/// rather than risk freezing the panel: 512 MiB.
pub const MAX_TRACE_BYTES: usize = 512 << 20;

/// Which kind of file a trace came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// HAR 1.2 with wwe-devtools data.
    Har,
    /// JSON Lines of records.
    JsonLines,
}

impl Format {
    /// `"har"` or `"jsonl"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Har => "har",
            Format::JsonLines => "jsonl",
        }
    }
}

/// A trace read by [`import`].
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    /// The kind of file.
    pub format: Format,
    /// Every record, in the file's order.
    pub records: Vec<Record>,
    /// `log.creator` of a HAR, as `name version`.
    pub creator: Option<String>,
    /// What was redacted before the file was written (HAR only).
    pub redactions: Vec<Summary>,
    /// JSON Lines lines that are not records, each an
    /// [`crate::ErrorKind::BadRecordLine`], when read leniently (see
    /// [`import_with`]); empty otherwise.
    pub skipped: Vec<crate::Error>,
}

impl Trace {
    /// A session of the trace's records, in order, with time advanced past
    /// the last record by the request timeout, so that requests left
    /// without a reply at the end of the capture count as timed out (a
    /// trace is finished: nothing more will come).
    pub fn session(&self) -> Session {
        session_of(self.records.iter().cloned(), None)
    }
}

/// A trace written for saving, and what redaction removed from it.
#[derive(Debug, Clone, PartialEq)]
pub struct Exported {
    /// The file's text.
    pub text: String,
    /// What was redacted (for the HAR, also summarised in
    /// `log._wweRedactions`).
    pub hits: Vec<Hit>,
    /// What the user should know about the file, in sentences: e.g. dates
    /// clamped to what HAR can hold.
    pub notes: Vec<String>,
}

/// Writes the session for saving: redacted by `rules` (pass
/// [`Rules::default`] for the default, [`Rules::none`] for nothing), as
/// HAR (indented when `pretty`) or JSON Lines.
///
/// When the rules find nothing the session is written as it is; otherwise
/// the redacted records are written through a session of their own, judged
/// at the same time as `session` (so pending requests stay pending).
pub fn export(session: &Session, rules: &Rules, format: Format, pretty: bool) -> Exported {
    export_with(session, rules, format, pretty, &[])
}

/// Like [`export`], for a trace that was redacted before: `history` (the
/// [`Trace::redactions`] of the file it was read from) and what these rules
/// remove are both written to `log._wweRedactions` ([`redact::merge`]). A
/// JSON Lines file has no place for the history: a note says it is left
/// out.
pub fn export_with(session: &Session, rules: &Rules, format: Format, pretty: bool, history: &[Summary]) -> Exported {
    let mut text = Vec::new();
    let Written { hits, notes } = export_to(session, rules, format, pretty, history, &mut text)
        .expect("writing JSON to memory cannot fail: every key is a string");
    Exported { text: String::from_utf8(text).expect("serde_json writes UTF-8"), hits, notes }
}

/// What [`export_to`] wrote besides the file.
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    /// What was redacted, as in [`Exported::hits`].
    pub hits: Vec<Hit>,
    /// What the user should know about the file, as in [`Exported::notes`].
    pub notes: Vec<String>,
}

/// Like [`export_with`], written to `out` as it is made, so that a big
/// trace's file text is never held whole (`wwe-trace convert`); buffer
/// `out` for speed.
///
/// # Errors
///
/// What `out` fails with; what was written by then is incomplete.
pub fn export_to<W: std::io::Write>(
    session: &Session,
    rules: &Rules,
    format: Format,
    pretty: bool,
    history: &[Summary],
    out: W,
) -> std::io::Result<Written> {
    let (hits, redacted) = redact::redact_if_needed(session, rules);
    let summary = redact::merge(history, &redact::summarize(&hits));
    let write = |s: &Session, out: W| match format {
        Format::Har => write_har(s, &HarOptions { pretty, redactions: &summary, ..HarOptions::default() }, out),
        Format::JsonLines => write_jsonl(s.messages().iter().map(|m| &m.record), out),
    };
    let mut notes = Vec::new();
    if format == Format::JsonLines && !history.is_empty() {
        notes.push(history_left_out(history));
    }
    let outside = session.messages().iter().filter(|m| !export::in_har_range(m.record.time)).count();
    if format == Format::Har && outside > 0 {
        notes.push(dates_clamped(outside as u64));
    }
    let Some(records) = redacted else {
        write(session, out)?;
        return Ok(Written { hits, notes });
    };
    // The redacted records, judged as the session was: with its options,
    // at its time.
    let mut clean = Session::new();
    clean.set_options(session.options().cloned());
    for r in records {
        clean.push(r);
    }
    if let Some(t) = session.latest_time() {
        clean.advance_to(t);
    }
    write(&clean, out)?;
    Ok(Written { hits, notes })
}

/// The note of a JSON Lines export of a trace that had a redaction history.
fn history_left_out(history: &[Summary]) -> String {
    let rules: Vec<&str> = history.iter().map(|h| h.rule.as_str()).collect();
    format!(
        "JSON Lines holds records only: the redaction history read with the trace ({}) is not in this file; a HAR keeps it",
        rules.join(", ")
    )
}

/// The note of a HAR export with `outside` records dated outside HAR's
/// years.
fn dates_clamped(outside: u64) -> String {
    let records = if outside == 1 { "1 record has a time".to_owned() } else { format!("{outside} records have times") };
    format!(
        "{records} outside HAR's years 0000-9999: the startedDateTime of their pages and entries is clamped (each says so in its comment); the records keep their times"
    )
}

/// Builds a finished session from records (see [`Trace::session`]),
/// checking requests against `options` when given.
pub fn session_of(records: impl IntoIterator<Item = Record>, options: Option<Options>) -> Session {
    let mut session = Session::new();
    session.set_options(options);
    for r in records {
        session.push(r);
    }
    if let Some(t) = session.latest_time() {
        session.advance_to(t + crate::session::REQUEST_TIMEOUT_MS);
    }
    session
}

/// A serde_json error's message without its " at line L column C" tail
/// (the position is reported in fields of its own).
pub(crate) fn json_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}
