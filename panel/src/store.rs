//! The panel's rows: capture records turned into what the table shows,
//! using the core's decoder for everything protocol-related.

use wwe_core::decode::{decode, Message};
use wwe_core::record::Record;

/// Longest one-line summary shown in a row.
const SUMMARY_CHARS: usize = 160;

/// One captured message as the table shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// Background-assigned id, stable for the tab: the `<For>` key.
    pub id: u64,
    /// Milliseconds since the Unix epoch.
    pub time: f64,
    /// "to-service", "to-client" or "unknown".
    pub direction: &'static str,
    /// The decoder's kind: "request", "reply", "event", "foreign", ...
    pub kind: &'static str,
    /// The sender's origin (`event.origin`).
    pub sender_origin: String,
    /// The receiving frame's origin.
    pub receiver_origin: String,
    /// One line describing the data.
    pub summary: String,
    /// Why the data is not the exact message, when it is not.
    pub marker: Option<String>,
    /// Size of the message as JSON text, in bytes.
    pub size: u64,
}

impl Row {
    /// Builds a row from a record; undecodable data still gives a row.
    pub fn from_record(record: Record) -> Row {
        let message = decode(&record.data).message;
        Row {
            id: record.id,
            time: record.time,
            direction: message.direction().as_str(),
            kind: message.kind_str(),
            sender_origin: record.source_origin,
            receiver_origin: record.frame_origin,
            summary: summarize(&message, &record.data),
            marker: record.marker,
            size: record.size,
        }
    }
}

/// The decoder's one-line description of a WWE message; for anything else,
/// the start of the raw JSON.
fn summarize(message: &Message, data: &serde_json::Value) -> String {
    let line = match message {
        Message::Foreign | Message::Legacy(_) => data.to_string(),
        decoded => decoded.to_string(),
    };
    match line.char_indices().nth(SUMMARY_CHARS) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

/// `HH:MM:SS.mmm` in local time.
pub fn clock(time_ms: f64) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(time_ms));
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        date.get_hours(),
        date.get_minutes(),
        date.get_seconds(),
        date.get_milliseconds()
    )
}
