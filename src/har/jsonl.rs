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

/// Reads JSON Lines of records; blank lines are skipped.
///
/// # Errors
///
/// [`ErrorKind::BadRecordLine`] for the first line that is not a record,
/// with its line, record number and column.
pub fn parse_jsonl(text: &str) -> Result<Vec<Record>, Error> {
    let mut records = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Record>(line) {
            Ok(r) => records.push(r),
            Err(e) => {
                let message = if e.is_eof() { format!("{}: the line is cut short", super::json_message(&e)) } else { super::json_message(&e) };
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
