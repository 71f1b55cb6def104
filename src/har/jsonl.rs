//! JSON Lines of raw records: one [`Record`]'s JSON (the extension's
//! camelCase fields) per line.

use crate::record::Record;
use crate::{Error, ErrorKind};

/// Writes records as JSON Lines, each line ending in `\n`.
pub fn to_jsonl<'a>(records: impl IntoIterator<Item = &'a Record>) -> String {
    let mut out = Vec::new();
    for r in records {
        serde_json::to_writer(&mut out, r).expect("a record always serializes");
        out.push(b'\n');
    }
    String::from_utf8(out).expect("serde_json writes UTF-8")
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
    let probe: Probe = serde_json::from_str(line).ok()?;
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
    let mut records = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Record>(line) {
            Ok(r) => {
                if let Some(missing) = missing_fields(line) {
                    return Err(Error::new(ErrorKind::BadRecordLine {
                        line: i + 1,
                        record: records.len() + 1,
                        column: 1,
                        message: format!("not a capture record: missing {missing}"),
                    }));
                }
                records.push(r)
            }
            Err(e) => {
                let message = if e.is_eof() {
                    format!("{}: the line is cut short", super::json_message(&e))
                } else {
                    super::json_message(&e)
                };
                return Err(Error::new(ErrorKind::BadRecordLine {
                    line: i + 1,
                    record: records.len() + 1,
                    column: e.column(),
                    message,
                }));
            }
        }
    }
    Ok(records)
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
