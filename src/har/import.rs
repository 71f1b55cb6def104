//! Reading a trace: a HAR written by [`super::to_har`], or JSON Lines of
//! records. Every failure is an [`Error`] that says what and where; nothing
//! here panics on any input.

use serde::Deserialize;
use serde_json::Value;

use super::depth::{self, DeepError, MAX_MESSAGE_DEPTH};
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
struct HarFile {
    log: Option<HarLog>,
}

#[derive(Deserialize)]
struct HarLog {
    creator: Option<Creator>,
    #[serde(rename = "_wweFormat")]
    format: Option<u64>,
    #[serde(rename = "_wweMessages")]
    messages: Option<Vec<WireMessage>>,
    #[serde(rename = "_wweRedactions", default)]
    redactions: Vec<Summary>,
}

#[derive(Deserialize)]
struct Creator {
    name: Option<String>,
    version: Option<String>,
}

#[derive(Deserialize)]
struct WireMessage {
    #[serde(default)]
    data: Value,
    #[serde(rename = "_record")]
    record: Record,
}

fn import_har(text: &str) -> Result<Trace, Error> {
    let file: HarFile = depth::from_str(text, MAX_MESSAGE_DEPTH + HAR_LEVELS).map_err(|e| match e {
        DeepError::TooDeep { offset, .. } => {
            let (line, column) = depth::line_column(text, offset);
            Error::new(ErrorKind::TooDeep { line, column, limit: MAX_MESSAGE_DEPTH })
        }
        DeepError::Json(e) if e.is_data() => {
            Error::new(ErrorKind::BadTraceData { line: e.line(), column: e.column(), message: super::json_message(&e) })
        }
        DeepError::Json(e) => {
            let message = if e.is_eof() {
                format!("{}: the file is truncated (was it still being written, or cut by a size limit?)", super::json_message(&e))
            } else {
                super::json_message(&e)
            };
            Error::new(ErrorKind::Json { line: e.line(), column: e.column(), message })
        }
    })?;
    let Some(log) = file.log else {
        return Err(ErrorKind::NotATrace { found: "a JSON object without `log`".to_owned() }.into());
    };
    let creator = log.creator.map(|c| match (c.name, c.version) {
        (Some(n), Some(v)) if !v.is_empty() => format!("{n} {v}"),
        (Some(n), _) => n,
        (None, Some(v)) => format!("an unnamed tool, version {v}"),
        (None, None) => "an unnamed tool".to_owned(),
    });
    let Some(messages) = log.messages else {
        return Err(ErrorKind::NoWweData { creator }.into());
    };
    let format = log.format.unwrap_or(FORMAT);
    if format > FORMAT {
        return Err(ErrorKind::UnsupportedTraceFormat { found: format, supported: FORMAT }.into());
    }
    Ok(Trace {
        format: Format::Har,
        records: messages
            .into_iter()
            .map(|m| Record { data: m.data, ..m.record })
            .collect(),
        creator,
        redactions: log.redactions,
        skipped: Vec::new(),
    })
}
