//! What the background sends the panel, parsed from the port's messages
//! (`extension/protocol.js` has the version table).

use serde::Deserialize;
use wasm_bindgen::JsValue;

/// One message from the background, tagged by `type`.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum FromBackground {
    /// First message on the port.
    Hello {
        /// Protocol version the background speaks.
        protocol: u32,
    },
    /// Everything the background holds for the tab, sent once on subscribe.
    Backlog {
        records: Vec<WireRecord>,
        #[serde(default)]
        dropped: u64,
    },
    /// Records captured since the last batch.
    Records { records: Vec<WireRecord> },
    /// The tab's top frame navigated and the background cleared its records
    /// (preserve log is off).
    Navigated,
    /// The tab's total count of records dropped so far.
    Dropped { total: u64 },
    /// The background refused something the panel sent.
    Error { message: String },
}

/// A capture record as the background stores it: the message data is still
/// JSON text, parsed once here.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireRecord {
    pub id: u64,
    #[serde(default)]
    pub seq: u64,
    #[serde(default)]
    pub tab_id: i64,
    #[serde(default)]
    pub frame_id: i64,
    #[serde(default)]
    pub frame_url: String,
    #[serde(default)]
    pub frame_origin: String,
    #[serde(default)]
    pub source_origin: String,
    #[serde(default)]
    pub source_frame_id: Option<i64>,
    #[serde(default)]
    pub time: f64,
    #[serde(default)]
    pub json: String,
    #[serde(default)]
    pub marker: Option<String>,
    #[serde(default)]
    pub size: u64,
    #[serde(default)]
    pub target_origin: Option<String>,
    #[serde(default)]
    pub frame_path: Vec<u32>,
    #[serde(default)]
    pub source_path: Option<Vec<u32>>,
    #[serde(default)]
    pub source_relation: Option<String>,
    #[serde(default)]
    pub source_tab_id: Option<i64>,
    #[serde(default)]
    pub source_unknown: Option<String>,
    #[serde(default)]
    pub stack: Option<String>,
    #[serde(default)]
    pub page_reported: bool,
    #[serde(default)]
    pub ports: u32,
    #[serde(default)]
    pub capture_tab_id: Option<i64>,
    #[serde(default)]
    pub dispatched_by_page: bool,
    #[serde(default)]
    pub event_class: Option<String>,
    #[serde(default)]
    pub claimed_origin: Option<String>,
}

impl WireRecord {
    /// The core's record: the data parsed from its JSON text. Text that does
    /// not parse (it always should) is kept as a string, with a marker.
    pub fn into_record(self) -> wwe_core::record::Record {
        let (data, marker) = match serde_json::from_str(&self.json) {
            Ok(value) => (value, self.marker),
            Err(_) => (serde_json::Value::String(self.json), Some("unparseable".to_string())),
        };
        wwe_core::record::Record {
            id: self.id,
            seq: self.seq,
            tab_id: self.tab_id,
            frame_id: self.frame_id,
            frame_url: self.frame_url,
            frame_origin: self.frame_origin,
            source_origin: self.source_origin,
            source_frame_id: self.source_frame_id,
            time: self.time,
            data,
            marker,
            size: self.size,
            target_origin: self.target_origin,
            frame_path: self.frame_path,
            source_path: self.source_path,
            source_relation: self.source_relation,
            source_tab_id: self.source_tab_id,
            source_unknown: self.source_unknown,
            stack: self.stack,
            page_reported: self.page_reported,
            ports: self.ports,
            capture_tab_id: self.capture_tab_id,
            dispatched_by_page: self.dispatched_by_page,
            event_class: self.event_class,
            claimed_origin: self.claimed_origin,
            extra: serde_json::Map::new(),
        }
    }
}

/// Parses one port message. A message the panel does not understand is an
/// error the panel shows, never a panic.
pub fn parse(message: &JsValue) -> Result<FromBackground, String> {
    let text: String = js_sys::JSON::stringify(message)
        .map(String::from)
        .map_err(|_| "the background sent a message that is not JSON".to_string())?;
    serde_json::from_str(&text).map_err(|e| format!("the background sent a message the panel cannot read: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A batch as the background sends it, with capture times in
    /// fractional milliseconds (`performance.timeOrigin + now()`). With
    /// serde_json's arbitrary_precision (tried, then removed) the tagged
    /// enum buffered every number as a map and this failed: "invalid type:
    /// map, expected f64", and the Chromium panel showed nothing.
    #[test]
    fn a_batch_with_fractional_times_parses() {
        let text = r#"{"type":"records","records":[{"id":7,"seq":3,"tabId":2,"frameId":0,"time":1700000000000.125,"json":"{\"a\":1.5}","size":9}]}"#;
        let Ok(FromBackground::Records { records }) = serde_json::from_str::<FromBackground>(text) else { panic!("not parsed: {text}") };
        assert_eq!(records[0].time, 1_700_000_000_000.125);
        let record = records.into_iter().next().unwrap().into_record();
        assert_eq!(record.data, serde_json::json!({"a": 1.5}));
    }
}
