//! What the background sends the panel, parsed from the port's messages
//! into the contract's types (`wwe_core::wire`), and each record's data
//! parsed once on its way to the store.
//!
//! A record carries its data as JSON text (`json`). Stringifying the whole
//! port message and parsing it would escape that text in JS and unescape it
//! in serde before the data's own parse, and keep a second copy of it: so
//! the texts of a `records` or `backlog` message are taken out of the
//! message first (one copy each into wasm), the now small message is
//! parsed, and each text is parsed once ([`Parsed`]), then kept as the row
//! cache's text.

use serde_json::Value;
use wasm_bindgen::{JsCast, JsValue};
use wwe_core::record::Record;
pub use wwe_core::wire::{BackgroundToPanel, Record as WireRecord};

/// What a record's `json` is replaced with in the message once its text
/// was taken out: the smallest JSON text.
const TAKEN: &str = "null";

/// A record on its way to the store: its data parsed once from its JSON
/// text, and that text, which the row cache keeps (free-text search, the
/// list's summary and sort). The store takes only these, so it never parses
/// a record's data itself.
#[derive(Debug)]
pub struct Parsed {
    record: Record,
    text: String,
}

impl Parsed {
    /// A record read from a trace file: its data is a value already, so its
    /// text is written, not parsed.
    pub fn from_record(record: Record) -> Parsed {
        let text = serde_json::to_string(&record.data).unwrap_or_default();
        Parsed { record, text }
    }

    /// A record with its data's text as already written from the value
    /// (the benchmark's synthetic records).
    pub fn from_written(record: Record, text: String) -> Parsed {
        Parsed { record, text }
    }

    /// A wire record and its data's text, taken out of the message: the
    /// text is parsed here, once. Text that does not parse (it always
    /// should) is kept as a string, with a marker, as
    /// `WireRecord::into_record` does.
    fn from_wire(mut wire: WireRecord, text: String) -> Parsed {
        let marker = wire.marker.take();
        // The record's other fields; its data comes from `text`, so the
        // conversion must not parse the data as well.
        wire.json.clear();
        wire.json.push_str(TAKEN);
        let mut record = wire.into_record();
        // A refused post whose message the browser did not report: no
        // data, and nothing wrong with that (as `into_record` reads it).
        if record.undelivered.is_some() && text.is_empty() {
            record.data = Value::Null;
            record.marker = marker;
            return Parsed { record, text: "null".to_owned() };
        }
        match parse_data(&text) {
            Ok(data) => {
                record.data = data;
                record.marker = marker;
            }
            Err(_) => {
                record.data = Value::String(text.clone());
                record.marker = Some("unparseable".to_owned());
            }
        }
        Parsed { record, text }
    }

    /// The record, and its data's JSON text.
    pub fn into_parts(self) -> (Record, String) {
        (self.record, self.text)
    }
}

/// One port message, with the records of a `records` or `backlog` message
/// parsed.
#[derive(Debug)]
pub enum Feed {
    /// Everything the background holds for the tab, sent once on subscribe.
    Backlog { records: Vec<Parsed>, dropped: u64 },
    /// Records captured since the last batch.
    Records { records: Vec<Parsed> },
    /// Any other message (it has no records).
    Other(BackgroundToPanel),
}

/// Parses one port message. A message the panel does not understand is an
/// error the panel shows, never a panic. The message is the panel's own
/// copy (the port clones it) and nothing reads it afterwards: the records'
/// texts are taken out of it.
pub fn parse(message: &JsValue) -> Result<Feed, String> {
    let texts = take_data_texts(message);
    let text: String = js_sys::JSON::stringify(message)
        .map(String::from)
        .map_err(|_| "the background sent a message that is not JSON".to_string())?;
    let message = serde_json::from_str(&text).map_err(|e| format!("the background sent a message the panel cannot read: {e}"))?;
    with_texts(message, texts)
}

/// The records' data texts of a `records` or `backlog` message, in order,
/// each replaced in the message by [`TAKEN`]; nothing for other messages.
/// A `json` that is not a string is left for the parse to refuse.
fn take_data_texts(message: &JsValue) -> Vec<String> {
    let get = |object: &JsValue, key: &str| js_sys::Reflect::get(object, &JsValue::from_str(key)).ok();
    let kind = get(message, "type").and_then(|v| v.as_string());
    if !matches!(kind.as_deref(), Some("records" | "backlog")) {
        return Vec::new();
    }
    let Some(records) = get(message, "records").and_then(|v| v.dyn_into::<js_sys::Array>().ok()) else { return Vec::new() };
    let (key, taken) = (JsValue::from_str("json"), JsValue::from_str(TAKEN));
    records
        .iter()
        .map(|record| match js_sys::Reflect::get(&record, &key).ok().and_then(|v| v.as_string()) {
            Some(text) => {
                let _ = js_sys::Reflect::set(&record, &key, &taken);
                text
            }
            // No `json`: the parse defaults it to "", which is what this is.
            None => String::new(),
        })
        .collect()
}

/// Puts the texts taken out of a message back with their records, each
/// parsed once.
fn with_texts(message: BackgroundToPanel, texts: Vec<String>) -> Result<Feed, String> {
    let records = |wire: Vec<WireRecord>| -> Result<Vec<Parsed>, String> {
        if wire.len() != texts.len() {
            return Err(format!("the background sent {} records but the panel read {} data texts", wire.len(), texts.len()));
        }
        Ok(wire.into_iter().zip(texts).map(|(wire, text)| Parsed::from_wire(wire, text)).collect())
    };
    Ok(match message {
        BackgroundToPanel::Backlog { records: wire, dropped, .. } => Feed::Backlog { records: records(wire)?, dropped },
        BackgroundToPanel::Records { records: wire } => Feed::Records { records: records(wire)? },
        other => Feed::Other(other),
    })
}

#[cfg(test)]
thread_local! {
    /// How many times a record's data was parsed (tests only).
    static DATA_PARSES: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Parses a record's data: the one place the panel does.
fn parse_data(text: &str) -> serde_json::Result<Value> {
    #[cfg(test)]
    DATA_PARSES.with(|n| n.set(n.get() + 1));
    serde_json::from_str(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A post the browser refused comes with no data text: null data, no
    /// "unparseable" marker.
    #[test]
    fn a_refused_post_without_data_is_null_not_unparseable() {
        let wire = WireRecord { id: 3, undelivered: Some(Default::default()), ..Default::default() };
        let (record, text) = Parsed::from_wire(wire, String::new()).into_parts();
        assert_eq!((record.data, record.marker, text.as_str()), (Value::Null, None, "null"));
    }

    /// A batch as the background sends it, with capture times in
    /// fractional milliseconds (`performance.timeOrigin + now()`). With
    /// serde_json's arbitrary_precision (tried, then removed) the tagged
    /// enum buffered every number as a map and this failed: "invalid type:
    /// map, expected f64", and the Chromium panel showed nothing.
    #[test]
    fn a_batch_with_fractional_times_parses() {
        let text = r#"{"type":"records","records":[{"id":7,"seq":3,"tabId":2,"frameId":0,"time":1700000000000.125,"json":"{\"a\":1.5}","size":9}]}"#;
        let Ok(BackgroundToPanel::Records { records }) = serde_json::from_str::<BackgroundToPanel>(text) else { panic!("not parsed: {text}") };
        assert_eq!(records[0].time, 1_700_000_000_000.125);
        let record = records.into_iter().next().unwrap().into_record();
        assert_eq!(record.data, serde_json::json!({"a": 1.5}));
    }

    fn parses() -> usize {
        DATA_PARSES.with(|n| n.get())
    }

    /// Each record's data is parsed exactly once on its way to the store,
    /// and its text is the one kept (moved, not copied) for the row cache.
    /// A wire record still carrying its text is not parsed twice either.
    #[test]
    fn each_record_s_data_is_parsed_once() {
        // The message as `parse` reads it once the texts are taken out.
        let message = r#"{"type":"backlog","tabId":2,"dropped":4,"records":[
            {"id":1,"time":1.5,"json":"null"},
            {"id":2,"time":2.5,"json":"null","marker":"truncated"},
            {"id":3,"time":3.5,"json":"{\"still\":\"here\"}"},
            {"id":4,"time":4.5,"json":"null"}]}"#;
        let texts = vec![r#"{"a":[1,2.5]}"#.to_owned(), r#""cut""#.to_owned(), r#"{"b":1}"#.to_owned(), "{not json".to_owned()];
        let before = parses();
        let message = serde_json::from_str::<BackgroundToPanel>(message).unwrap();
        let Ok(Feed::Backlog { records, dropped: 4 }) = with_texts(message, texts.clone()) else { panic!("not a backlog") };
        assert_eq!(parses() - before, 4, "one parse per record");
        let parts: Vec<(Record, String)> = records.into_iter().map(Parsed::into_parts).collect();
        assert_eq!(parts.iter().map(|(_, text)| text.clone()).collect::<Vec<_>>(), texts);
        assert_eq!(parts[0].0.data, serde_json::json!({"a": [1, 2.5]}));
        assert_eq!((parts[0].0.id, parts[0].0.time, parts[0].0.marker.as_deref()), (1, 1.5, None));
        assert_eq!((&parts[1].0.data, parts[1].0.marker.as_deref()), (&serde_json::json!("cut"), Some("truncated")));
        assert_eq!(parts[2].0.data, serde_json::json!({"b": 1}));
        assert_eq!((&parts[3].0.data, parts[3].0.marker.as_deref()), (&serde_json::json!("{not json"), Some("unparseable")));
    }

    #[test]
    fn texts_that_do_not_match_the_records_are_an_error_not_a_panic() {
        let message = serde_json::from_str::<BackgroundToPanel>(r#"{"type":"records","records":[{"id":1,"json":"null"}]}"#).unwrap();
        assert!(with_texts(message, Vec::new()).is_err());
        let other = serde_json::from_str::<BackgroundToPanel>(r#"{"type":"dropped","total":3}"#).unwrap();
        assert!(matches!(with_texts(other, Vec::new()), Ok(Feed::Other(BackgroundToPanel::Dropped { total: 3 }))));
    }
}
