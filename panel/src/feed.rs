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
