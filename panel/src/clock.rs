//! Times as the panel shows them.

/// `HH:MM:SS.mmm` in local time, from milliseconds since the Unix epoch.
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
