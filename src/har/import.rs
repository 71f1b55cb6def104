//! Reading a trace: a HAR written by [`super::to_har`], or JSON Lines of
//! records. Every failure is an [`Error`] that says what and where; nothing
//! here panics on any input.

use serde::Deserialize;
use serde_json::Value;

use super::{jsonl, Format, Trace, FORMAT, MAX_TRACE_BYTES};
use crate::record::Record;
use crate::redact::Summary;
use crate::{Error, ErrorKind};

/// Reads a trace: a HAR with wwe-devtools data, or JSON Lines of records.
///
/// A HAR is recognised by a first key `log`, or by not being JSON Lines
/// (its first line is not a whole JSON object); anything else whose first
/// line is a JSON object is read as JSON Lines. A leading byte-order mark
/// is ignored.
///
/// # Errors
///
/// - [`ErrorKind::EmptyTrace`], [`ErrorKind::TraceTooLarge`] (more than
///   [`MAX_TRACE_BYTES`]);
/// - [`ErrorKind::Json`] with line and column for a malformed or truncated
///   HAR, or one whose `_wweMessages` do not hold records;
/// - [`ErrorKind::NoWweData`] for a plain browser HAR, naming its creator;
/// - [`ErrorKind::UnsupportedTraceFormat`] for a HAR from a newer version;
/// - [`ErrorKind::BadRecordLine`] with line, record number and column for
///   a bad JSON Lines line;
/// - [`ErrorKind::NotATrace`] for other JSON (an array, a number, ...).
pub fn import(text: &str) -> Result<Trace, Error> {
    if text.len() > MAX_TRACE_BYTES {
        return Err(ErrorKind::TraceTooLarge { bytes: text.len(), limit: MAX_TRACE_BYTES }.into());
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let body = text.trim_start();
    if body.is_empty() {
        return Err(ErrorKind::EmptyTrace.into());
    }
    if !body.starts_with('{') {
        return Err(not_a_trace(body));
    }
    if starts_with_log_key(body) || !first_line_is_object(body) {
        return import_har(text);
    }
    let records = jsonl::parse_jsonl(text)?;
    Ok(Trace { format: Format::JsonLines, records, creator: None, redactions: Vec::new() })
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

/// Whether the first line is one whole JSON object with no `log` key.
fn first_line_is_object(body: &str) -> bool {
    let line = body.lines().next().unwrap_or("");
    matches!(serde_json::from_str::<Value>(line), Ok(Value::Object(m)) if !m.contains_key("log"))
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
    let file: HarFile = serde_json::from_str(text).map_err(|e| {
        let message = if e.is_eof() {
            format!("{}: the file is truncated (was it still being written, or cut by a size limit?)", super::json_message(&e))
        } else {
            super::json_message(&e)
        };
        Error::new(ErrorKind::Json { line: e.line(), column: e.column(), message })
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
    })
}
