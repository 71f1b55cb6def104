//! Bindings to `globalThis.wweBridge`, the JS glue that owns every
//! extension API call the panel makes (see `extension/panel-loader.js`).

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// A connection to the background for one tab.
    pub type Port;

    /// Sends one protocol message to the background.
    #[wasm_bindgen(method)]
    pub fn post(this: &Port, message: JsValue);

    #[wasm_bindgen(js_namespace = wweBridge, js_name = tabId)]
    fn bridge_tab_id() -> Option<f64>;

    #[wasm_bindgen(js_namespace = wweBridge, js_name = tabs)]
    fn bridge_tabs() -> js_sys::Promise;

    #[wasm_bindgen(js_namespace = wweBridge, js_name = connect)]
    fn bridge_connect(
        tab_id: f64,
        on_message: &Closure<dyn FnMut(JsValue)>,
        on_disconnect: &Closure<dyn FnMut()>,
    ) -> Port;

    #[wasm_bindgen(js_namespace = wweBridge, js_name = protocolVersion)]
    fn bridge_protocol_version() -> u32;

    #[wasm_bindgen(js_namespace = wweBridge, js_name = copyText)]
    fn bridge_copy_text(text: &str);

    #[wasm_bindgen(js_namespace = wweBridge, js_name = loadSettings)]
    fn bridge_load_settings() -> js_sys::Promise;

    #[wasm_bindgen(js_namespace = wweBridge, js_name = saveSettings)]
    fn bridge_save_settings(json: &str);

    #[wasm_bindgen(js_namespace = wweBridge, js_name = darkTheme)]
    fn bridge_dark_theme() -> bool;
}

/// A browser tab id, as given by `?tabId=N`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TabId(pub u32);

/// The tab named in the page URL, if any.
pub fn tab_id() -> Option<TabId> {
    bridge_tab_id().map(|id| TabId(id as u32))
}

/// The extension message protocol version of the JS this page loaded
/// (`extension/protocol.js`, checked against `wwe_core::wire`).
pub fn protocol_version() -> u32 {
    bridge_protocol_version()
}

/// True when DevTools shows its dark theme.
pub fn dark_theme() -> bool {
    bridge_dark_theme()
}

/// Puts text on the clipboard.
pub fn copy_text(text: &str) {
    bridge_copy_text(text);
}

/// The saved settings as JSON text, if any.
pub async fn load_settings() -> Option<String> {
    let value = wasm_bindgen_futures::JsFuture::from(bridge_load_settings()).await.ok()?;
    value.as_string()
}

/// Saves the settings (JSON text) in the extension's storage.
pub fn save_settings(json: &str) {
    bridge_save_settings(json);
}

/// A tab the user can pick when the page was opened without `?tabId=`.
#[derive(Clone, Debug, serde::Deserialize)]
pub struct TabInfo {
    /// Browser tab id.
    pub id: u32,
    /// Page title.
    pub title: String,
    /// Page URL.
    pub url: String,
}

/// The browser's tabs (other than the extension's own pages).
pub async fn tabs() -> Vec<TabInfo> {
    let Ok(value) = wasm_bindgen_futures::JsFuture::from(bridge_tabs()).await else {
        return Vec::new();
    };
    let text: String = js_sys::JSON::stringify(&value).map(String::from).unwrap_or_default();
    serde_json::from_str(&text).unwrap_or_default()
}

/// Posts one message of the contract to the background. Through JSON text
/// and `JSON.parse`, so the background gets the very object serde wrote.
pub fn post(port: &Port, message: &wwe_core::wire::PanelToBackground) {
    let Ok(text) = serde_json::to_string(message) else { return };
    if let Ok(value) = js_sys::JSON::parse(&text) {
        port.post(value);
    }
}

/// Connects to the background for `tab`. The callbacks live as long as the
/// page: the port is never closed by the panel, only by the page unloading.
pub fn connect(
    tab: TabId,
    on_message: impl FnMut(JsValue) + 'static,
    on_disconnect: impl FnMut() + 'static,
) -> Port {
    let on_message = Closure::<dyn FnMut(JsValue)>::new(on_message);
    let on_disconnect = Closure::<dyn FnMut()>::new(on_disconnect);
    let port = bridge_connect(f64::from(tab.0), &on_message, &on_disconnect);
    on_message.forget();
    on_disconnect.forget();
    port
}
