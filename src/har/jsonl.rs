//! JSON Lines of raw records: one [`Record`]'s JSON (the extension's
//! camelCase fields) per line. [`JsonlReader`] reads them a line at a time,
//! so that a caller with a file can stream it in without holding its text.

use super::depth::{self, DeepError, MAX_MESSAGE_DEPTH};
use crate::record::Record;
use crate::{Error, ErrorKind};

/// Writes records as JSON Lines, each line ending in `\n`.
pub fn to_jsonl<'a>(records: impl IntoIterator<Item = &'a Record>) -> String {
    let mut out = Vec::new();
    // Straight into the Vec: through `write_jsonl(records, &mut out)` every
    // write of the serializer went through a `&mut &mut Vec` (about 10 ms
    // per 100,000 records).
    write_each(records, &mut out).expect("a record always serializes");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// Like [`to_jsonl`], written to `out` a record at a time; buffer `out`
/// for speed.
///
/// # Errors
///
/// What `out` fails with.
pub fn write_jsonl<'a, W: std::io::Write>(records: impl IntoIterator<Item = &'a Record>, mut out: W) -> std::io::Result<()> {
    write_each(records, &mut out)
}

/// [`write_jsonl`] to a writer the caller owns.
fn write_each<'a, W: std::io::Write>(records: impl IntoIterator<Item = &'a Record>, out: &mut W) -> std::io::Result<()> {
    for r in records {
        serde_json::to_writer(&mut *out, r).map_err(std::io::Error::from)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// The fields every record the relay and [`to_jsonl`] write carries; a line
/// without them is some other JSON (a log line, a Chrome trace), not a
/// record.
pub const REQUIRED_FIELDS: [&str; 2] = ["time", "data"];

/// The required fields a line (already known to be a record's JSON) lacks,
/// as "`time` and `data`", or `None` when it has them all.
fn missing_fields(line: &str) -> Option<String> {
    /// True when the field is there, whatever its value (`null` too).
    #[derive(Default)]
    struct Present(bool);
    impl<'de> serde::Deserialize<'de> for Present {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            serde::de::IgnoredAny::deserialize(d).map(|_| Present(true))
        }
    }
    #[derive(serde::Deserialize)]
    struct Probe {
        #[serde(default)]
        time: Present,
        #[serde(default)]
        data: Present,
    }
    let probe: Probe = depth::from_str(line, MAX_MESSAGE_DEPTH + 1).ok()?;
    let missing: Vec<String> = [!probe.time.0, !probe.data.0]
        .iter()
        .zip(REQUIRED_FIELDS)
        .filter(|(m, _)| **m)
        .map(|(_, f)| format!("`{f}`"))
        .collect();
    (!missing.is_empty()).then(|| missing.join(" and "))
}

/// Reads JSON Lines of records; blank lines are skipped. Every line must
/// carry `REQUIRED_FIELDS` (`time` and `data`).
///
/// # Errors
///
/// [`ErrorKind::BadRecordLine`] for the first line that is not a record,
/// with its line, record number and column, also for a JSON object that
/// lacks a required field (column 1).
pub fn parse_jsonl(text: &str) -> Result<Vec<Record>, Error> {
    read_jsonl(text, true).map(|(records, _)| records)
}

/// Reads JSON Lines of records. With `strict`, the first line that is not a
/// record is the error; without, such lines are skipped and returned (each
/// an [`ErrorKind::BadRecordLine`]), so a trace with a few damaged lines
/// can still be read, and the reader can say which lines it left out.
///
/// # Errors
///
/// The first bad line's [`ErrorKind::BadRecordLine`] when `strict`, or when
/// no line at all is a record (then it is not a trace).
pub(crate) fn read_jsonl(text: &str, strict: bool) -> Result<(Vec<Record>, Vec<Error>), Error> {
    let mut reader = JsonlReader::new(strict);
    let mut records = Vec::new();
    for line in text.lines() {
        records.extend(reader.line(line)?);
    }
    Ok((records, reader.finish()?))
}

/// Reads JSON Lines of records one line at a time, as [`super::import_with`]
/// does for a whole text: blank lines skipped, a line that is not a record
/// the error when `strict`, else skipped and kept for [`JsonlReader::finish`].
#[derive(Debug)]
pub struct JsonlReader {
    strict: bool,
    /// Lines seen, blank ones included.
    line: usize,
    /// Non-blank lines seen.
    number: usize,
    records: usize,
    skipped: Vec<Error>,
}

impl JsonlReader {
    /// A reader at the start of a file.
    pub fn new(strict: bool) -> JsonlReader {
        JsonlReader { strict, line: 0, number: 0, records: 0, skipped: Vec::new() }
    }

    /// Reads the next line (without its line ending): its record, or
    /// `None` for a blank line or one skipped.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::BadRecordLine`] for a line that is not a record, when
    /// strict.
    pub fn line(&mut self, text: &str) -> Result<Option<Record>, Error> {
        self.line += 1;
        let text = text.strip_suffix('\r').unwrap_or(text);
        if text.trim().is_empty() {
            return Ok(None);
        }
        self.number += 1;
        match parse_line(text, self.line, self.number) {
            Ok(r) => {
                self.records += 1;
                Ok(Some(r))
            }
            Err(e) if self.strict => Err(e),
            Err(e) => {
                self.skipped.push(e);
                Ok(None)
            }
        }
    }

    /// The lines skipped, each an [`ErrorKind::BadRecordLine`].
    ///
    /// # Errors
    ///
    /// The first skipped line's error when no line was a record: then the
    /// file is not a trace.
    pub fn finish(mut self) -> Result<Vec<Error>, Error> {
        if self.records == 0 && !self.skipped.is_empty() {
            return Err(self.skipped.swap_remove(0));
        }
        Ok(self.skipped)
    }
}

/// One record from line `line` (1-based), the `record`th non-blank line.
fn parse_line(text: &str, line: usize, record: usize) -> Result<Record, Error> {
    let bad = |column: usize, message: String| Error::new(ErrorKind::BadRecordLine { line, record, column, message });
    // One level for the record around the message.
    // Integers beyond 64 bits keep their digits (crate::bignum).
    match depth::from_str::<Record>(&crate::bignum::protect(text), MAX_MESSAGE_DEPTH + 1) {
        // A record read with a `time` other than +0.0 and a `data` other
        // than `null` (their defaults) had both fields: the second read of
        // the line that looks for them is needed only otherwise.
        Ok(r) if r.time.to_bits() != 0 && !r.data.is_null() => Ok(r),
        Ok(r) => match missing_fields(text) {
            Some(missing) => Err(bad(1, format!("not a capture record: missing {missing}"))),
            None => Ok(r),
        },
        Err(DeepError::TooDeep { offset, .. }) => Err(bad(
            depth::line_column(text, offset).1,
            format!("the message nests deeper than the {MAX_MESSAGE_DEPTH} levels a trace holds"),
        )),
        Err(DeepError::Json(e)) => {
            let message = if e.is_eof() {
                format!("{}: the line is cut short", super::json_message(&e))
            } else {
                super::json_message(&e)
            };
            Err(bad(e.column(), message))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_json_object_that_is_not_a_record_is_refused_with_line_and_missing_fields() {
        let e = parse_jsonl("{\"time\": 1, \"data\": 2}\n{\"traceEvents\": []}\n").unwrap_err();
        match e.kind() {
            ErrorKind::BadRecordLine {
                line,
                record,
                message,
                ..
            } => {
                assert_eq!((*line, *record), (2, 2));
                assert!(message.contains("missing `time` and `data`"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        let e = parse_jsonl("{\"time\": 1}\n").unwrap_err();
        assert!(e.to_string().contains("missing `data`"), "{e}");
    }

    #[test]
    fn what_to_jsonl_writes_parses_back() {
        let r = Record {
            time: 5.0,
            data: serde_json::json!(null),
            ..Record::default()
        };
        assert_eq!(parse_jsonl(&to_jsonl([&r])).unwrap(), vec![r]);
    }
}
