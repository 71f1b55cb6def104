//! The panel's door to the extension APIs (`browser.*` in Firefox,
//! `chrome.*` in Chromium): the tab it watches, the tabs it can pick, its
//! port to the background (reconnected after a worker restart), the saved
//! settings, the clipboard and DevTools' theme. Reached through
//! `js_sys::Reflect`, since no crate binds the extension APIs; every other
//! module of the panel goes through here.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Array, Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wwe_core::wire;

/// Chromium stops an idle service worker after ~30 s; a ping keeps the
/// port (and the worker's buffers) alive while the panel is open.
const PING_MS: i32 = 20_000;
/// Reconnect attempts in a row for ports that die young (< 1 s): more is
/// not a worker restart but a background that refuses the panel.
const RECONNECTS: u32 = 5;

fn get(object: &JsValue, key: &str) -> JsValue {
    Reflect::get(object, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// `object.path.to.value`, undefined where a step is missing.
fn at(object: &JsValue, path: &str) -> JsValue {
    path.split('.').fold(object.clone(), |value, key| if value.is_object() { get(&value, key) } else { JsValue::UNDEFINED })
}

fn call(object: &JsValue, method: &str, args: &[JsValue]) -> Result<JsValue, JsValue> {
    let function: Function = get(object, method).dyn_into()?;
    function.apply(object, &args.iter().collect::<Array>())
}

fn object(entries: &[(&str, JsValue)]) -> JsValue {
    let out = Object::new();
    for (key, value) in entries {
        let _ = Reflect::set(&out, &JsValue::from_str(key), value);
    }
    out.into()
}

/// `browser` in Firefox, `chrome` in Chromium.
fn api() -> JsValue {
    let global: JsValue = js_sys::global().into();
    let browser = get(&global, "browser");
    if browser.is_object() {
        browser
    } else {
        get(&global, "chrome")
    }
}

async fn settle(promise: Result<JsValue, JsValue>) -> Result<JsValue, JsValue> {
    JsFuture::from(Promise::resolve(&promise?)).await
}

fn set_timer(kind: &str, callback: &Closure<dyn FnMut()>, ms: i32) -> JsValue {
    call(&js_sys::global().into(), kind, &[callback.as_ref().clone(), JsValue::from(ms)]).unwrap_or(JsValue::UNDEFINED)
}

/// A browser tab id, as given by `?tabId=N`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TabId(pub u32);

/// The tab named in the page URL, if any.
pub fn tab_id() -> Option<TabId> {
    let search = at(&js_sys::global().into(), "location.search").as_string()?;
    search.trim_start_matches('?').split('&').find_map(|pair| pair.strip_prefix("tabId=")?.parse().ok().map(TabId))
}

/// True when DevTools shows its dark theme.
pub fn dark_theme() -> bool {
    at(&api(), "devtools.panels.themeName").as_string().as_deref() == Some("dark")
}

/// Puts text on the clipboard. DevTools panels may refuse the async
/// clipboard API; then a selected text area is copied.
pub fn copy_text(text: &str) {
    let clipboard = at(&js_sys::global().into(), "navigator.clipboard");
    let written = call(&clipboard, "writeText", &[JsValue::from_str(text)]);
    let text = text.to_string();
    wasm_bindgen_futures::spawn_local(async move {
        if settle(written).await.is_err() {
            let _ = copy_by_selection(&text);
        }
    });
}

fn copy_by_selection(text: &str) -> Result<(), JsValue> {
    let document = get(&js_sys::global().into(), "document");
    let area = call(&document, "createElement", &["textarea".into()])?;
    Reflect::set(&area, &"value".into(), &JsValue::from_str(text))?;
    call(&get(&document, "body"), "append", &[area.clone()])?;
    call(&area, "select", &[])?;
    call(&document, "execCommand", &["copy".into()])?;
    call(&area, "remove", &[]).map(|_| ())
}

/// The saved settings as JSON text, if any.
pub async fn load_settings() -> Option<String> {
    let area = at(&api(), "storage.local");
    let stored = settle(call(&area, "get", &[wire::SETTINGS_KEY.into()])).await.ok()?;
    get(&stored, wire::SETTINGS_KEY).as_string()
}

/// Saves the settings (JSON text) in the extension's storage.
pub fn save_settings(json: &str) {
    let area = at(&api(), "storage.local");
    let _ = call(&area, "set", &[object(&[(wire::SETTINGS_KEY, JsValue::from_str(json))])]);
}

/// A tab the user can pick when the page was opened without `?tabId=`.
#[derive(Clone, Debug)]
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
    let api = api();
    let own = call(&at(&api, "runtime"), "getURL", &["".into()]).ok().and_then(|u| u.as_string()).unwrap_or_default();
    let Ok(all) = settle(call(&at(&api, "tabs"), "query", &[Object::new().into()])).await else { return Vec::new() };
    Array::from(&all)
        .iter()
        .filter_map(|tab| {
            let url = get(&tab, "url").as_string().unwrap_or_default();
            let id = get(&tab, "id").as_f64()?;
            (own.is_empty() || !url.starts_with(&own)).then(|| TabInfo { id: id as u32, title: get(&tab, "title").as_string().unwrap_or_default(), url })
        })
        .collect()
}

/// A connection to the background for one tab. When the port drops
/// because the background restarted (Chromium stops its service worker),
/// it reconnects and subscribes again: the background restores the tab's
/// records from its store and sends them as a fresh backlog.
#[derive(Clone)]
pub struct Port(Rc<PortState>);

struct PortState {
    tab: TabId,
    current: RefCell<JsValue>,
    ping: RefCell<JsValue>,
    opened: Cell<f64>,
    attempts: Cell<u32>,
    on_message: RefCell<Box<dyn FnMut(JsValue)>>,
    on_disconnect: RefCell<Box<dyn FnMut()>>,
    /// Told again after each subscribe: what a restarted background must
    /// learn anew (which debugger this panel attached).
    standing: RefCell<Vec<wire::PanelToBackground>>,
}

/// Posts one message of the contract to the background: through JSON text
/// and `JSON.parse`, so the background gets the very object serde wrote.
pub fn post(port: &Port, message: &wire::PanelToBackground) {
    let Ok(text) = serde_json::to_string(message) else { return };
    if let Ok(value) = js_sys::JSON::parse(&text) {
        let _ = call(&port.0.current.borrow(), "postMessage", &[value]);
    }
}

/// Posts `message` now and again after every reconnect, in place of the
/// standing message `same` says it replaces.
pub fn post_standing(port: &Port, message: wire::PanelToBackground, same: impl Fn(&wire::PanelToBackground) -> bool) {
    post(port, &message);
    let mut standing = port.0.standing.borrow_mut();
    standing.retain(|m| !same(m));
    standing.push(message);
}

/// Connects to the background for `tab`. The port lives as long as the
/// page; `on_disconnect` runs only when reconnecting fails.
pub fn connect(tab: TabId, on_message: impl FnMut(JsValue) + 'static, on_disconnect: impl FnMut() + 'static) -> Port {
    let state = Rc::new(PortState {
        tab,
        current: RefCell::new(JsValue::UNDEFINED),
        ping: RefCell::new(JsValue::UNDEFINED),
        opened: Cell::new(0.0),
        attempts: Cell::new(0),
        on_message: RefCell::new(Box::new(on_message)),
        on_disconnect: RefCell::new(Box::new(on_disconnect)),
        standing: RefCell::new(Vec::new()),
    });
    open(&state);
    Port(state)
}

fn open(state: &Rc<PortState>) {
    let runtime = at(&api(), "runtime");
    let Ok(port) = call(&runtime, "connect", &[object(&[("name", wire::PANEL_PORT.into())])]) else {
        return (state.on_disconnect.borrow_mut())();
    };
    state.opened.set(js_sys::Date::now());
    // The listeners live as long as the page, as the port does.
    let receiver = state.clone();
    let received = Closure::<dyn FnMut(JsValue)>::new(move |message: JsValue| {
        receiver.attempts.set(0);
        (receiver.on_message.borrow_mut())(message);
    });
    let _ = call(&get(&port, "onMessage"), "addListener", &[received.as_ref().clone()]);
    received.forget();
    let dropper = state.clone();
    let dropped = Closure::<dyn FnMut()>::new(move || reconnect(&dropper));
    let _ = call(&get(&port, "onDisconnect"), "addListener", &[dropped.as_ref().clone()]);
    dropped.forget();
    *state.current.borrow_mut() = port;
    let hello = wire::PanelToBackground::Hello(wire::Hello { protocol: wire::PROTOCOL_VERSION, build: None });
    let subscribe = wire::PanelToBackground::Subscribe { tab_id: i64::from(state.tab.0) };
    let port = Port(state.clone());
    post(&port, &hello);
    post(&port, &subscribe);
    for message in state.standing.borrow().iter() {
        post(&port, message);
    }
    let pinging = Closure::<dyn FnMut()>::new(move || post(&port, &wire::PanelToBackground::Ping));
    *state.ping.borrow_mut() = set_timer("setInterval", &pinging, PING_MS);
    pinging.forget();
}

fn reconnect(state: &Rc<PortState>) {
    let _ = call(&js_sys::global().into(), "clearInterval", &[state.ping.borrow().clone()]);
    // A port that dies young, again and again, is not a restart.
    if js_sys::Date::now() - state.opened.get() < 1000.0 {
        state.attempts.set(state.attempts.get() + 1);
    }
    let extension_alive = !at(&api(), "runtime.id").is_undefined();
    if state.attempts.get() < RECONNECTS && extension_alive {
        let again = state.clone();
        let later = Closure::once(move || open(&again));
        set_timer("setTimeout", &later, 100 * state.attempts.get() as i32);
        later.forget();
    } else {
        (state.on_disconnect.borrow_mut())();
    }
}

// ---- the browser's debugger (Chromium; the "Show undelivered messages" switch) ----

/// Whether the browser gives extensions a debugger (`chrome.debugger`:
/// Chromium yes, Firefox no).
pub fn debugger_available() -> bool {
    at(&api(), "debugger.attach").is_function()
}

fn debuggee(tab: TabId, session: Option<&str>) -> JsValue {
    let mut entries = vec![("tabId", JsValue::from(tab.0))];
    if let Some(session) = session {
        entries.push(("sessionId", JsValue::from_str(session)));
    }
    object(&entries)
}

fn error_text(error: &JsValue) -> String {
    get(error, "message").as_string().or_else(|| error.as_string()).unwrap_or_else(|| "unknown error".into())
}

/// Sends one DevTools-protocol command to the tab (or to a session of a
/// frame target in it); the result, or the browser's error in words.
pub async fn debugger_command(tab: TabId, session: Option<&str>, method: &str, params: JsValue) -> Result<JsValue, String> {
    let sent = call(&at(&api(), "debugger"), "sendCommand", &[debuggee(tab, session), JsValue::from_str(method), params]);
    settle(sent).await.map_err(|e| error_text(&e))
}

/// Attaches the debugger to the tab (protocol 1.3).
pub async fn debugger_attach(tab: TabId) -> Result<(), String> {
    let attached = call(&at(&api(), "debugger"), "attach", &[debuggee(tab, None), JsValue::from_str("1.3")]);
    settle(attached).await.map(|_| ()).map_err(|e| error_text(&e))
}

/// Detaches it; an error when it was not attached.
pub async fn debugger_detach(tab: TabId) -> Result<(), String> {
    settle(call(&at(&api(), "debugger"), "detach", &[debuggee(tab, None)])).await.map(|_| ()).map_err(|e| error_text(&e))
}

/// Listens, for the page's life, to the debugger's events of `tab`:
/// `on_event(session, method, params)` (session `None` for the tab's own)
/// and `on_detach(reason)`.
pub fn on_debugger(tab: TabId, mut on_event: impl FnMut(Option<String>, String, JsValue) + 'static, mut on_detach: impl FnMut(String) + 'static) {
    let debugger = at(&api(), "debugger");
    let ours = move |source: &JsValue| get(source, "tabId").as_f64() == Some(f64::from(tab.0));
    let events = Closure::<dyn FnMut(JsValue, JsValue, JsValue)>::new(move |source: JsValue, method: JsValue, params: JsValue| {
        if ours(&source) {
            on_event(get(&source, "sessionId").as_string(), method.as_string().unwrap_or_default(), params);
        }
    });
    let _ = call(&get(&debugger, "onEvent"), "addListener", &[events.as_ref().clone()]);
    events.forget();
    let detaches = Closure::<dyn FnMut(JsValue, JsValue)>::new(move |source: JsValue, reason: JsValue| {
        if ours(&source) {
            on_detach(reason.as_string().unwrap_or_default());
        }
    });
    let _ = call(&get(&debugger, "onDetach"), "addListener", &[detaches.as_ref().clone()]);
    detaches.forget();
}

/// The URL of the tab's top document, as the browser has it now.
pub async fn tab_url(tab: TabId) -> Option<String> {
    let info = settle(call(&at(&api(), "tabs"), "get", &[JsValue::from(tab.0)])).await.ok()?;
    get(&info, "url").as_string()
}

/// Calls `on_url` with the tab's new URL whenever its top document changes.
pub fn on_tab_url(tab: TabId, mut on_url: impl FnMut(String) + 'static) {
    let updated = Closure::<dyn FnMut(JsValue, JsValue)>::new(move |id: JsValue, change: JsValue| {
        if id.as_f64() == Some(f64::from(tab.0)) {
            if let Some(url) = get(&change, "url").as_string() {
                on_url(url);
            }
        }
    });
    let _ = call(&at(&api(), "tabs.onUpdated"), "addListener", &[updated.as_ref().clone()]);
    updated.forget();
}

/// JSON of a JS value (protocol events are plain JSON).
pub fn to_json(value: &JsValue) -> serde_json::Value {
    js_sys::JSON::stringify(value).ok().and_then(|t| t.as_string()).and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_default()
}

/// A plain JS object from JSON.
pub fn from_json(value: &serde_json::Value) -> JsValue {
    js_sys::JSON::parse(&value.to_string()).unwrap_or(JsValue::NULL)
}
