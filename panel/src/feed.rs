//! What the background sends the panel, parsed from the port's messages
//! into the contract's types (`wwe_core::wire`).

use wasm_bindgen::JsValue;
pub use wwe_core::wire::{BackgroundToPanel, Record as WireRecord};

/// Parses one port message. A message the panel does not understand is an
/// error the panel shows, never a panic.
pub fn parse(message: &JsValue) -> Result<BackgroundToPanel, String> {
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
        let Ok(BackgroundToPanel::Records { records }) = serde_json::from_str::<BackgroundToPanel>(text) else { panic!("not parsed: {text}") };
        assert_eq!(records[0].time, 1_700_000_000_000.125);
        let record = records.into_iter().next().unwrap().into_record();
        assert_eq!(record.data, serde_json::json!({"a": 1.5}));
    }
}
