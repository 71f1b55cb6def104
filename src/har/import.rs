//! Reading a trace: a HAR written by [`super::to_har`], or JSON Lines of
//! records. Every failure is an [`Error`] that says what and where; nothing
//! here panics on any input.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;

use super::depth::{self, MAX_MESSAGE_DEPTH};
use super::{jsonl, Format, Trace, FORMAT, MAX_TRACE_BYTES};
use crate::record::Record;
use crate::redact::Summary;
use crate::{Error, ErrorKind};

/// How to read a trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportOptions {
    /// A JSON Lines line that is not a record is an error (otherwise it is
    /// skipped and listed in [`Trace::skipped`]).
    pub strict: bool,
    /// Refuse texts longer than this many bytes, before parsing; `None`
    /// reads any size.
    pub max_bytes: Option<usize>,
}

impl Default for ImportOptions {
    /// Strict, at most [`MAX_TRACE_BYTES`]: what [`import`] does.
    fn default() -> ImportOptions {
        ImportOptions { strict: true, max_bytes: Some(MAX_TRACE_BYTES) }
    }
}

/// Levels of a HAR above a message: the file, `log`, `_wweMessages`, the
/// message.
const HAR_LEVELS: usize = 4;

/// Reads a trace: a HAR with wwe-devtools data, or JSON Lines of records,
/// strictly and at most [`MAX_TRACE_BYTES`] (see [`import_with`]).
///
/// A HAR is recognised by a first key `log`, or by not being JSON Lines
/// (its first line is not a whole JSON object, nor is any of the next few
/// lines a record); anything else is read as JSON Lines. A leading
/// byte-order mark is ignored. Messages may nest up to
/// [`MAX_MESSAGE_DEPTH`] levels in either format.
///
/// # Errors
///
/// - [`ErrorKind::EmptyTrace`], [`ErrorKind::TraceTooLarge`] (more than
///   [`MAX_TRACE_BYTES`]);
/// - [`ErrorKind::Json`] with line and column for a malformed or truncated
///   HAR; [`ErrorKind::BadTraceData`] for one whose `_wweMessages` do not
///   hold records, saying what is missing or wrong;
/// - [`ErrorKind::TooDeep`] for a message nested deeper than
///   [`MAX_MESSAGE_DEPTH`];
/// - [`ErrorKind::NoWweData`] for a plain browser HAR, naming its creator;
/// - [`ErrorKind::UnsupportedTraceFormat`] for a HAR from a newer version;
/// - [`ErrorKind::BadRecordLine`] with line, record number and column for
///   a bad JSON Lines line;
/// - [`ErrorKind::NotATrace`] for other JSON (an array, a number, ...).
pub fn import(text: &str) -> Result<Trace, Error> {
    import_with(text, &ImportOptions::default())
}

/// Reads a trace like [`import`], as `options` say: leniently (JSON Lines
/// lines that are not records are skipped and listed in
/// [`Trace::skipped`]; a file with no record at all is still refused) and
/// with or without a size limit.
///
/// # Errors
///
/// As [`import`]; [`ErrorKind::TraceTooLarge`] only with a `max_bytes`.
pub fn import_with(text: &str, options: &ImportOptions) -> Result<Trace, Error> {
    if let Some(limit) = options.max_bytes.filter(|&l| text.len() > l) {
        return Err(ErrorKind::TraceTooLarge { bytes: text.len(), limit }.into());
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if detect(text)? == Format::Har {
        return import_har(text);
    }
    let (records, skipped) = jsonl::read_jsonl(text, options.strict)?;
    Ok(Trace { format: Format::JsonLines, records, creator: None, redactions: Vec::new(), skipped })
}

/// Lines a caller streaming a file should give [`detect`]: the first
/// non-blank line and the few after it that [`import`] looks at.
pub const DETECT_LINES: usize = PROBE_LINES + 1;

/// Which format a trace is in, from its beginning (at least its first
/// [`DETECT_LINES`] non-blank lines, whole, or all of it), as [`import`]
/// decides: for a caller that streams the rest.
///
/// # Errors
///
/// [`ErrorKind::EmptyTrace`], or [`ErrorKind::NotATrace`] for text that is
/// not a JSON object.
pub fn detect(head: &str) -> Result<Format, Error> {
    let head = head.strip_prefix('\u{feff}').unwrap_or(head);
    let body = head.trim_start();
    if body.is_empty() {
        return Err(ErrorKind::EmptyTrace.into());
    }
    if !body.starts_with('{') {
        return Err(not_a_trace(body));
    }
    Ok(if starts_with_log_key(body) || !looks_like_jsonl(body) { Format::Har } else { Format::JsonLines })
}

/// What the text is, when it is not a JSON object.
fn not_a_trace(body: &str) -> Error {
    let found = match body.as_bytes()[0] {
        b'[' => "a JSON array".to_owned(),
        b'"' => "a JSON string".to_owned(),
        b'-' | b'0'..=b'9' => "a number".to_owned(),
        b't' | b'f' | b'n' if serde_json::from_str::<Value>(body.lines().next().unwrap_or("")).is_ok() => {
            "a JSON literal".to_owned()
        }
        b'<' => "markup (HTML or XML?)".to_owned(),
        _ => {
            let start: String = body.chars().take(20).collect();
            format!("text starting {start:?}")
        }
    };
    ErrorKind::NotATrace { found }.into()
}

/// `{` then white space then `"log"`.
fn starts_with_log_key(body: &str) -> bool {
    body[1..].trim_start().starts_with("\"log\"")
}

/// Whether a file's first bytes already say it is a HAR (a first key
/// `log`, after a byte-order mark and white space), as [`detect`] would
/// say of the whole text; `false` says nothing. A reader can tell a
/// one-line HAR this way without reading its line.
pub fn is_har_head(head: &[u8]) -> bool {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let body = head.trim_ascii_start();
    body.starts_with(b"{") && body[1..].trim_ascii_start().starts_with(b"\"log\"")
}

/// Lines looked at for a record when the first line is not one.
const PROBE_LINES: usize = 16;

/// Whether the first line is one whole JSON object with no `log` key, or,
/// when the first line is damaged, one of the next few lines is a record
/// (an object with `time` and `data`): a pretty-printed HAR has neither.
fn looks_like_jsonl(body: &str) -> bool {
    let object = |line: &str| match depth::from_str::<Value>(line, MAX_MESSAGE_DEPTH + 1) {
        Ok(Value::Object(m)) => Some(m),
        _ => None,
    };
    let mut lines = body.lines().filter(|l| !l.trim().is_empty());
    if object(lines.next().unwrap_or("")).is_some_and(|m| !m.contains_key("log")) {
        return true;
    }
    lines
        .take(PROBE_LINES)
        .any(|l| object(l).is_some_and(|m| jsonl::REQUIRED_FIELDS.iter().all(|f| m.contains_key(*f))))
}

#[derive(Deserialize)]
pub(super) struct Creator {
    name: Option<String>,
    version: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct WireMessage {
    #[serde(default)]
    data: Value,
    #[serde(rename = "_record")]
    record: Record,
}

impl WireMessage {
    /// The record it holds.
    pub(super) fn record(self) -> Record {
        Record { data: self.data, ..self.record }
    }
}

fn import_har(text: &str) -> Result<Trace, Error> {
    let mut records = Vec::new();
    let trace = import_har_each(text, &mut |r| records.push(r))?;
    Ok(Trace { records, ..trace })
}

/// Reads a HAR like [`import`], giving each record to `each` as it is
/// read instead of collecting them: `log._wweMessages` is visited one
/// message at a time, so no tree of the file is built and a caller that
/// keeps little of each record (`wwe-trace summary` of a HAR) needs little
/// more than the text. The [`Trace`] returned has no records.
///
/// On an error, `each` may have had the records before it.
///
/// # Errors
///
/// As [`import`] for a HAR; [`ErrorKind::NotATrace`] for JSON Lines.
pub fn import_har_each(text: &str, each: &mut dyn FnMut(Record)) -> Result<Trace, Error> {
    import_har_after(text, 0, each)
}

/// [`import_har_each`], the first `already` records not given to `each`
/// (a reader that gave them already: [`super::reader`]).
pub(crate) fn import_har_after(text: &str, already: usize, each: &mut dyn FnMut(Record)) -> Result<Trace, Error> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if detect(text)? != Format::Har {
        return Err(ErrorKind::NotATrace { found: "JSON Lines, not a HAR".to_owned() }.into());
    }
    let json_error = |e: serde_json::Error| {
        if e.is_data() {
            return Error::new(ErrorKind::BadTraceData { line: e.line(), column: e.column(), message: super::json_message(&e) });
        }
        let message = if e.is_eof() {
            format!("{}: the file is truncated (was it still being written, or cut by a size limit?)", super::json_message(&e))
        } else {
            super::json_message(&e)
        };
        Error::new(ErrorKind::Json { line: e.line(), column: e.column(), message })
    };
    // Integers beyond 64 bits keep their digits (crate::bignum).
    let protected = crate::bignum::protect(text);
    // With serde_json's own limit first: the usual trace is shallow, and
    // measuring the nesting costs a pass over the whole text. Only when
    // that limit stops it is the nesting measured (on the file's own
    // text) and the file read again without the limit, the records `each`
    // already had skipped; within the bound, recursion is finite.
    let mut given = already;
    let first = read_log(&protected, true, already, &mut |r| {
        given += 1;
        each(r);
    });
    let log = match first {
        Err(e) if depth::is_recursion_limit(&e) => {
            if let Some(offset) = depth::past(text, MAX_MESSAGE_DEPTH + HAR_LEVELS) {
                let (line, column) = depth::line_column(text, offset);
                return Err(Error::new(ErrorKind::TooDeep { line, column, limit: MAX_MESSAGE_DEPTH }));
            }
            read_log(&protected, false, given, each).map_err(json_error)?
        }
        other => other.map_err(json_error)?,
    };
    finish(log)
}

/// The trace a HAR's `log` head describes, or why it is none.
pub(super) fn finish(log: Option<LogHead>) -> Result<Trace, Error> {
    let Some(log) = log else {
        return Err(ErrorKind::NotATrace { found: "a JSON object without `log`".to_owned() }.into());
    };
    let creator = log.creator.map(|c| match (c.name, c.version) {
        (Some(n), Some(v)) if !v.is_empty() => format!("{n} {v}"),
        (Some(n), _) => n,
        (None, Some(v)) => format!("an unnamed tool, version {v}"),
        (None, None) => "an unnamed tool".to_owned(),
    });
    if !log.messages {
        return Err(ErrorKind::NoWweData { creator }.into());
    }
    let format = log.format.unwrap_or(FORMAT);
    if format > FORMAT {
        return Err(ErrorKind::UnsupportedTraceFormat { found: format, supported: FORMAT }.into());
    }
    Ok(Trace { format: Format::Har, records: Vec::new(), creator, redactions: log.redactions, skipped: Vec::new() })
}

/// One read of a HAR's text: its `log` head, its records to `each` but
/// the first `skip`; with serde_json's recursion limit or without it.
fn read_log(text: &str, limit: bool, skip: usize, each: &mut dyn FnMut(Record)) -> Result<Option<LogHead>, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    if !limit {
        de.disable_recursion_limit();
    }
    let mut seen = 0usize;
    let mut pass = |r: Record| {
        seen += 1;
        if seen > skip {
            each(r);
        }
    };
    let log = FileSeed { each: &mut pass }.deserialize(&mut de)?;
    de.end()?;
    Ok(log)
}

/// What a HAR's `log` says besides its records.
#[derive(Default)]
pub(super) struct LogHead {
    pub(super) creator: Option<Creator>,
    pub(super) format: Option<u64>,
    /// Whether it has `_wweMessages` (not `null`).
    pub(super) messages: bool,
    pub(super) redactions: Vec<Summary>,
}

/// The file: an object whose `log` is read by [`LogSeed`]; `None` without
/// `log`.
struct FileSeed<'f> {
    each: &'f mut dyn FnMut(Record),
}

impl<'de> DeserializeSeed<'de> for FileSeed<'_> {
    type Value = Option<LogHead>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for FileSeed<'_> {
    type Value = Option<LogHead>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("struct HarFile")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut log = None;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            if key == "log" {
                log = map.next_value_seed(OptionSeed(LogSeed { each: &mut *self.each }))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(log)
    }
}

/// `null` as `None`, anything else read by the seed inside.
struct OptionSeed<S>(S);

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for OptionSeed<S> {
    type Value = Option<S::Value>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de, S: DeserializeSeed<'de>> Visitor<'de> for OptionSeed<S> {
    type Value = Option<S::Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object or null")
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        self.0.deserialize(d).map(Some)
    }
}

/// A HAR's `log`: its records go to `each` as `_wweMessages` is read.
struct LogSeed<'f> {
    each: &'f mut dyn FnMut(Record),
}

impl<'de> DeserializeSeed<'de> for LogSeed<'_> {
    type Value = LogHead;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for LogSeed<'_> {
    type Value = LogHead;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("struct HarLog")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut head = LogHead { creator: None, format: None, messages: false, redactions: Vec::new() };
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match key.as_ref() {
                "creator" => head.creator = map.next_value()?,
                "_wweFormat" => head.format = map.next_value()?,
                "_wweMessages" => head.messages = map.next_value_seed(OptionSeed(MessagesSeed { each: &mut *self.each }))?.is_some(),
                "_wweRedactions" => head.redactions = map.next_value()?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(head)
    }
}

/// `_wweMessages`: each message's record to `each`, one at a time.
struct MessagesSeed<'f> {
    each: &'f mut dyn FnMut(Record),
}

impl<'de> DeserializeSeed<'de> for MessagesSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for MessagesSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a sequence")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(m) = seq.next_element::<WireMessage>()? {
            (self.each)(m.record());
        }
        Ok(())
    }
}
