//! The service page in the browser: a thin Leptos view over [`Service`] and
//! the `message` listener that feeds it. Every message from a client goes
//! to [`Service::handle`] with `event.origin` and a key standing for
//! `event.source`; every message the model returns is posted to that
//! window with `targetOrigin` = the client's origin.
//!
//! Configuration, first found wins for the options, apps add up:
//! `?options=<text>` in the URL, else `site-config.js` (written by
//! `cargo xtask run --options FILE`), else the defaults embedded in
//! `service.html`; web-content apps from `#defaults` (unless
//! `?apps=none`), `site-config.js` (`--web-content URL`), and `?app=` URL
//! parameters (`mode|title|url`, `mode|url` or just a URL) are added to the
//! options as `interaction.web-content` sections. From then on the options
//! alone decide which apps exist and how each is shown (G49): a tab, a
//! popup (a button opens it), in the background at the interaction level
//! (one hidden frame per interaction, removed with it), or hidden. The
//! simulator lets the developer open every app that has a frame, whatever
//! its mode; the button says how WWE would show it.

use leptos::prelude::*;
use serde_json::{Map, Value};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use wwe_core::catalog;
use wwe_core::options::{WebApp, WEB_CONTENT};

use crate::model::{ClientKey, Outgoing, Service, MEDIA, STATES};

/// An app to add to the options as an `interaction.web-content` section.
#[derive(Debug, Clone, PartialEq)]
struct AppSpec {
    title: String,
    url: String,
    mode: String,
}

#[derive(Clone, Copy)]
struct Desk {
    model: StoredValue<Service, LocalStorage>,
    windows: StoredValue<Vec<(JsValue, ClientKey)>, LocalStorage>,
    rev: RwSignal<u64>,
    notice: RwSignal<String>,
}

fn now() -> f64 {
    js_sys::Date::now()
}

impl Desk {
    fn changed(&self) {
        self.rev.update(|r| *r += 1);
    }

    fn post(&self, out: Vec<Outgoing>) {
        for o in out {
            let target = self.windows.with_value(|w| {
                w.iter()
                    .find(|(_, k)| *k == o.to)
                    .map(|(win, _)| win.clone())
            });
            let Some(target) = target else { continue };
            let Ok(message) = js_sys::JSON::parse(&o.message.to_string()) else {
                continue;
            };
            let window: &web_sys::Window = target.unchecked_ref();
            if let Err(e) = window.post_message(&message, &o.target_origin) {
                web_sys::console::warn_2(&"WWE simulator: postMessage failed".into(), &e);
            }
        }
        self.changed();
    }

    fn key_of(&self, source: &JsValue) -> ClientKey {
        let known = self.windows.with_value(|w| {
            w.iter()
                .find(|(win, _)| js_sys::Object::is(win, source))
                .map(|(_, k)| *k)
        });
        if let Some(k) = known {
            return k;
        }
        let key = self.windows.with_value(|w| w.len() as ClientKey + 1);
        self.windows.update_value(|w| w.push((source.clone(), key)));
        if let Some((section, visible)) = frame_identity(source) {
            self.model.update_value(|m| m.describe_client(key, Some(section), visible));
        }
        key
    }

    /// Registers a popup window the page opened for the app `section`, so
    /// its first request is already judged as that app's.
    fn adopt_popup(&self, popup: JsValue, section: String) {
        let key = self.key_of(&popup);
        self.model.update_value(|m| m.describe_client(key, Some(section), true));
    }

    fn on_message(&self, event: web_sys::MessageEvent) {
        let Some(source) = event.source() else { return };
        let source: JsValue = source.into();
        let own: JsValue = window().into();
        if js_sys::Object::is(&source, &own) {
            return;
        }
        let data = event.data();
        let value: Value = match js_sys::JSON::stringify(&data)
            .ok()
            .and_then(|s| s.as_string())
        {
            Some(text) => serde_json::from_str(&text).unwrap_or(Value::Null),
            None => Value::Null,
        };
        let key = self.key_of(&source);
        let out = self
            .model
            .try_update_value(|m| m.handle(key, &event.origin(), &value, now()))
            .unwrap_or_default();
        self.post(out);
    }
}

/// Which app the window is, if it is one of the page's app iframes: its
/// section and whether WWE shows it to the agent (`None`: not one of them,
/// e.g. a popup or an embedding CRM page).
fn frame_identity(source: &JsValue) -> Option<(String, bool)> {
    let frames = document().query_selector_all("iframe[data-section]").ok()?;
    for i in 0..frames.length() {
        let Some(node) = frames.item(i) else { continue };
        let frame: web_sys::HtmlIFrameElement = node.unchecked_into();
        if let Some(w) = frame.content_window() {
            if js_sys::Object::is(&w.into(), source) {
                let section = frame.get_attribute("data-section")?;
                let shown = frame.get_attribute("data-shown").as_deref() == Some("true");
                return Some((section, shown));
            }
        }
    }
    None
}

fn url_params() -> web_sys::UrlSearchParams {
    let search = window().location().search().unwrap_or_default();
    web_sys::UrlSearchParams::new_with_str(&search)
        .unwrap_or_else(|_| web_sys::UrlSearchParams::new().unwrap_throw())
}

fn json_of(value: &JsValue) -> Value {
    js_sys::JSON::stringify(value)
        .ok()
        .and_then(|s| s.as_string())
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or(Value::Null)
}

fn defaults() -> Value {
    document()
        .get_element_by_id("defaults")
        .and_then(|e| e.text_content())
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null)
}

fn site_config() -> Value {
    js_sys::Reflect::get(&js_sys::global(), &"WWE_SIM_CONFIG".into())
        .map(|v| json_of(&v))
        .unwrap_or(Value::Null)
}

fn apps_from(value: &Value) -> Vec<AppSpec> {
    value
        .as_array()
        .map(|a| {
            a.iter()
                .enumerate()
                .filter_map(|(i, v)| {
                    let url = v.get("url")?.as_str()?.to_owned();
                    let title = v
                        .get("title")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                        .unwrap_or_else(|| format!("App {}", i + 1));
                    let mode = v.get("mode").and_then(Value::as_str).unwrap_or("hidden").to_owned();
                    Some(AppSpec { title, url, mode })
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `mode|title|url`, `mode|url` or `url` (a URL alone is a hidden app).
fn app_from_param(text: &str, n: usize) -> AppSpec {
    let parts: Vec<&str> = text.splitn(3, '|').collect();
    let spec = |mode: &str, title: String, url: &str| AppSpec { title, url: url.to_owned(), mode: mode.to_owned() };
    match parts.as_slice() {
        [mode, title, url] => spec(mode, title.to_string(), url),
        [mode, url] => spec(mode, format!("App {n}"), url),
        _ => spec("hidden", format!("App {n}"), text),
    }
}

/// A section name for `title`: its letters, digits, `-` and `_`, unique
/// among `taken`.
fn section_name(title: &str, taken: &[String]) -> String {
    let base: String = title.chars().filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_')).collect();
    let base = if base.is_empty() { "App".to_owned() } else { base };
    let mut name = base.clone();
    let mut n = 2;
    while taken.iter().any(|t| t.eq_ignore_ascii_case(&name)) {
        name = format!("{base}{n}");
        n += 1;
    }
    name
}

/// The options text with `apps` added as `interaction.web-content`
/// sections: the list is extended (or started), the sections appended.
/// JSON options get the same as keys.
fn with_apps(options: &str, apps: &[AppSpec]) -> String {
    if apps.is_empty() {
        return options.to_owned();
    }
    let listed: Vec<String> = wwe_core::options::parse_options(options)
        .ok()
        .and_then(|o| o.web_content)
        .map(|l| l.keys)
        .unwrap_or_default();
    let mut taken = listed.clone();
    let mut sections = Vec::new();
    for app in apps {
        let name = section_name(&app.title, &taken);
        taken.push(name.clone());
        sections.push((name, app));
    }
    if options.trim_start().starts_with('{') {
        let Ok(Value::Object(mut map)) = serde_json::from_str::<Value>(options) else { return options.to_owned() };
        map.insert(WEB_CONTENT.into(), Value::String(taken.join(",")));
        for (name, app) in sections {
            map.insert(name, serde_json::json!({"url": app.url, "title": app.title, "mode": app.mode}));
        }
        return Value::Object(map).to_string();
    }
    let mut lines: Vec<String> = Vec::new();
    let mut extended = false;
    for line in options.lines() {
        let key = line.trim_start().split(['=', ':', ' ', '\t']).next().unwrap_or_default();
        if key == WEB_CONTENT && !extended && !listed.is_empty() {
            lines.push(format!("{WEB_CONTENT}={}", taken.join(",")));
            extended = true;
        } else {
            lines.push(line.to_owned());
        }
    }
    if !extended {
        lines.push(format!("{WEB_CONTENT}={}", taken.join(",")));
    }
    for (name, app) in sections {
        lines.push(format!("[{name}]\nurl={}\ntitle={}\nmode={}", app.url, app.title, app.mode));
    }
    lines.join("\n") + "\n"
}

fn initial_config() -> String {
    let params = url_params();
    let defaults = defaults();
    let site = site_config();
    let options = params
        .get("options")
        .or_else(|| {
            site.get("options")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .or_else(|| {
            defaults
                .get("options")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .unwrap_or_default();
    let mut apps = Vec::new();
    if params.get("apps").as_deref() != Some("none") {
        apps.extend(apps_from(&defaults["webContent"]));
    }
    apps.extend(apps_from(&site["webContent"]));
    let from_url = params.get_all("app");
    for (i, v) in from_url.iter().enumerate() {
        if let Some(text) = v.as_string() {
            apps.push(app_from_param(&text, apps.len() + i + 1));
        }
    }
    with_apps(&options, &apps)
}

/// How the page shows one app of the options.
#[derive(Debug, Clone, PartialEq)]
struct AppView {
    section: String,
    label: String,
    url: String,
    /// The catalog display name, `None` when the section has no mode.
    mode: Option<&'static str>,
    shown: bool,
    per_interaction: bool,
}

impl AppView {
    fn of(app: &WebApp) -> Option<AppView> {
        let display = app.display();
        Some(AppView {
            section: app.section.clone(),
            label: app.label().to_owned(),
            url: app.url.clone()?,
            mode: display.map(|d| d.name),
            shown: display.is_none_or(|d| d.shown),
            per_interaction: display.is_some_and(|d| d.per_interaction),
        })
    }

    /// The nav button's text: the label, and how WWE shows it when that is
    /// not a tab.
    fn button_text(&self) -> String {
        match self.mode {
            Some("tab") => self.label.clone(),
            Some(mode) => format!("{} · {mode} in WWE", self.label),
            None => format!("{} · no mode set", self.label),
        }
    }
}

/// Entry point, run by `init()` in `service.html`.
#[wasm_bindgen(start)]
pub fn start() {
    leptos::mount::mount_to_body(Desktop);
}

#[component]
fn Desktop() -> impl IntoView {
    let options = initial_config();
    let (service, problem) = match Service::new(&options) {
        Ok(s) => (s, String::new()),
        Err(e) => (
            Service::new("").unwrap_throw(),
            format!("The options were not applied: {e}"),
        ),
    };
    let desk = Desk {
        model: StoredValue::new_local(service),
        windows: StoredValue::new_local(Vec::new()),
        rev: RwSignal::new(0),
        notice: RwSignal::new(problem),
    };
    let apps = Memo::new(move |_| {
        desk.rev.track();
        desk.model.with_value(|m| m.options().web_apps.iter().filter_map(AppView::of).collect::<Vec<_>>())
    });
    // One frame per interaction for each background app (G49: it lives and
    // ends with its interaction), keyed so a frame survives other changes.
    let interaction_frames = Memo::new(move |_| {
        desk.rev.track();
        let ids = desk.model.with_value(|m| m.interactions.iter().map(|i| i.id.clone()).collect::<Vec<_>>());
        apps.get()
            .into_iter()
            .filter(|a| a.per_interaction)
            .flat_map(|a| ids.iter().map(move |id| (a.clone(), id.clone())))
            .collect::<Vec<_>>()
    });
    let current_tab = RwSignal::new(String::from("desktop"));

    let listener = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e| desk.on_message(e));
    let _ = window().add_event_listener_with_callback("message", listener.as_ref().unchecked_ref());
    listener.forget();
    let ticker = Closure::<dyn FnMut()>::new(move || {
        let due = desk.model.with_value(|m| m.has_due(now()));
        if due {
            let out = desk
                .model
                .try_update_value(|m| m.tick(now()))
                .unwrap_or_default();
            desk.post(out);
        }
    });
    let _ = window().set_interval_with_callback_and_timeout_and_arguments_0(
        ticker.as_ref().unchecked_ref(),
        200,
    );
    ticker.forget();
    if let Some(root) = document().document_element() {
        let _ = root.set_attribute("data-ready", "1");
    }

    view! {
        <header class="bar">
            <strong>"WWE Simulator"</strong>
            <span class="muted">" agent1 · Alex Agent"</span>
            <AgentStateControl desk=desk/>
            <MenuViews desk=desk/>
        </header>
        <p class="notice" data-testid="notice" hidden=move || desk.notice.with(String::is_empty)>{move || desk.notice.get()}</p>
        <nav class="tabs">
            <button class:active=move || current_tab.get() == "desktop" on:click=move |_| current_tab.set("desktop".into())>"Desktop"</button>
            <button class:active=move || current_tab.get() == "settings" data-testid="tab-settings" on:click=move |_| current_tab.set("settings".into())>"Settings"</button>
            {move || apps.get().into_iter().filter(|a| a.mode != Some("popup") && !a.per_interaction).map(|a| {
                let label = a.label.clone();
                let l2 = label.clone();
                view! { <button data-testid="app-tab" data-label=a.label.clone() data-mode=a.mode.unwrap_or_default()
                    class:active=move || current_tab.get() == l2 on:click=move |_| current_tab.set(label.clone())>{a.button_text()}</button> }
            }).collect_view()}
            {move || apps.get().into_iter().filter(|a| a.mode == Some("popup")).map(|a| {
                let (url, label, section) = (a.url.clone(), a.label.clone(), a.section.clone());
                view! { <button data-testid="open-popup" data-label=a.label.clone() on:click=move |_| {
                    if let Ok(Some(popup)) = window().open_with_url_and_target_and_features(&url, &label, "width=640,height=720") {
                        desk.adopt_popup(popup.into(), section.clone());
                    }
                }>{format!("↗ {}", a.label)}</button> }
            }).collect_view()}
        </nav>
        <main>
            <section hidden=move || current_tab.get() != "desktop">
                <Controls desk=desk/>
                <Interactions desk=desk/>
                <MediaList desk=desk/>
                <Log desk=desk/>
            </section>
            <section hidden=move || current_tab.get() != "settings">
                <Settings desk=desk apps=apps/>
            </section>
            {move || apps.get().into_iter().filter(|a| a.mode != Some("popup") && !a.per_interaction).map(|a| {
                let label = a.label.clone();
                view! {
                    <iframe class="app" data-testid="app-frame" data-label=a.label.clone() data-section=a.section.clone()
                        data-mode=a.mode.unwrap_or_default() data-shown=a.shown.to_string()
                        src=a.url.clone() title=a.label.clone()
                        hidden=move || current_tab.get() != label></iframe>
                }
            }).collect_view()}
            <For each=move || interaction_frames.get() key=|(a, id)| (a.section.clone(), a.url.clone(), id.clone()) let((a, id))>
                <iframe class="app" data-testid="interaction-app-frame" data-label=a.label.clone() data-section=a.section.clone()
                    data-mode="background" data-shown="false" data-interaction-id=id src=a.url.clone() title=a.label.clone() hidden></iframe>
            </For>
        </main>
        <Dialogs desk=desk/>
        <Toasts desk=desk/>
    }
}

#[component]
fn AgentStateControl(desk: Desk) -> impl IntoView {
    view! {
        <select data-testid="agent-state" prop:value=move || { desk.rev.track(); desk.model.with_value(|m| m.agent_state.to_string()) }
            on:change=move |ev| {
                if let Ok(i) = event_target_value(&ev).parse::<usize>() {
                    let out = desk.model.try_update_value(|m| m.set_agent_state(i)).unwrap_or_default();
                    desk.post(out);
                }
            }>
            {STATES.iter().enumerate().map(|(i, s)| view! { <option value=i.to_string()>{s.display_name}</option> }).collect_view()}
        </select>
    }
}

#[component]
fn MenuViews(desk: Desk) -> impl IntoView {
    view! {
        <span class="menu-views" data-testid="menu-views">
            {move || { desk.rev.track(); desk.model.with_value(|m| m.menu_views.keys().cloned().collect::<Vec<_>>()) }
                .into_iter().map(|n| view! { <span class="chip">{n}</span> }).collect_view()}
        </span>
    }
}

#[component]
fn Controls(desk: Desk) -> impl IntoView {
    let caller = RwSignal::new(String::from("5550100"));
    let ring = move |_| {
        let out = desk.model.try_update_value(|m| {
            let mut ud = Map::new();
            ud.insert("Key1".into(), "inbound".into());
            ud.insert("CustomerSegment".into(), "Gold".into());
            m.ring_inbound(&caller.get_untracked(), ud)
        });
        desk.post(out.unwrap_or_default());
    };
    let offer = move |media: &'static str| {
        move |_| {
            let out = desk.model.try_update_value(|m| {
                m.offer_open_media(media, "customer@example.com", Map::new())
            });
            desk.post(out.unwrap_or_default());
        }
    };
    view! {
        <div class="controls">
            <label>"Caller " <input prop:value=move || caller.get() on:input=move |ev| caller.set(event_target_value(&ev))/></label>
            <button data-testid="ring-inbound" on:click=ring>"☎ Ring an inbound call"</button>
            <button data-testid="offer-chat" on:click=offer("chat")>"💬 Offer a chat"</button>
            <button data-testid="offer-email" on:click=offer("email")>"✉ Offer an email"</button>
        </div>
    }
}

#[component]
fn Interactions(desk: Desk) -> impl IntoView {
    let act = move |request: &'static str, id: String| {
        move |_| {
            let r = desk
                .model
                .try_update_value(|m| m.agent_action(request, &id, now()));
            if let Some((out, error)) = r {
                desk.notice.set(error.unwrap_or_default());
                desk.post(out);
            }
        }
    };
    view! {
        <h2>"Interactions"</h2>
        <table class="interactions">
            <thead><tr><th>"id"</th><th>"media"</th><th>"state"</th><th>"party"</th><th>"userData"</th><th>"recording"</th><th>"case"</th><th></th></tr></thead>
            <tbody>
            {move || {
                desk.rev.track();
                desk.model.with_value(|m| m.interactions.clone()).into_iter().map(|i| {
                    let id = i.id.clone();
                    let buttons: Vec<(&'static str, &'static str)> = match (i.media, i.state) {
                        ("voice", "RINGING") => vec![("Answer", "voice.answer"), ("Reject", "interaction.reject")],
                        ("voice", "DIALING") => vec![("Hang up", "voice.hangUp")],
                        ("voice", "ESTABLISHED") => vec![("Hold", "voice.hold"), ("Hang up", "voice.hangUp"), ("Record", "voice.startCallRecording")],
                        ("voice", "HELD") => vec![("Resume", "voice.resume"), ("Hang up", "voice.hangUp")],
                        (_, "INVITED") => vec![("Accept", "interaction.accept"), ("Reject", "interaction.reject")],
                        _ if i.is_ended() || i.media != "voice" => vec![("Mark done", "interaction.markdone")],
                        _ => vec![],
                    };
                    let end = (i.media != "voice" && !i.is_ended()).then(|| {
                        let id = id.clone();
                        view! { <button on:click=move |_| { let out = desk.model.try_update_value(|m| m.end_open_media(&id)); desk.post(out.unwrap_or_default()); }>"End"</button> }
                    });
                    let raise = {
                        let (id, chosen) = (id.clone(), RwSignal::new(String::new()));
                        let types = Service::raisable_event_types(i.media);
                        let first = types.first().copied().unwrap_or_default().to_owned();
                        let id2 = id.clone();
                        view! {
                            <select data-testid="raise-event-type" on:change=move |ev| chosen.set(event_target_value(&ev))>
                                {types.into_iter().map(|t| view! { <option value=t>{t}</option> }).collect_view()}
                            </select>
                            <button data-testid="raise-event" on:click=move |_| {
                                let ty = Some(chosen.get_untracked()).filter(|t| !t.is_empty()).unwrap_or_else(|| first.clone());
                                match desk.model.try_update_value(|m| m.raise_event(&id, &ty)) {
                                    Some(Ok(out)) => desk.post(out),
                                    Some(Err(e)) => desk.notice.set(e),
                                    None => {}
                                }
                            }>"Raise"</button>
                            <button data-testid="raise-outbound" title="An outbound event naming this interaction (the guide documents no eventType or fields for outbound events)" on:click=move |_| {
                                if let Some(Ok(out)) = desk.model.try_update_value(|m| m.raise_outbound_event(&id2)) {
                                    desk.post(out);
                                }
                            }>"Outbound event"</button>
                        }
                    };
                    let user_data = Value::Object(i.user_data.clone()).to_string();
                    view! {
                        <tr data-testid="interaction" data-interaction-id=i.id.clone() data-state=i.state data-media=i.media>
                            <td>{i.id.clone()}</td><td>{i.media}</td>
                            <td>{i.state}{i.markdone_blocked.clone().map(|w| format!(" · done blocked: {w}"))}</td>
                            <td>{i.party.clone()}</td><td class="mono">{user_data}</td>
                            <td>{if i.media == "voice" { i.recording_state } else { "" }}</td>
                            <td>{i.case_id.clone()}{if i.case_selected { " ✔" } else { "" }}</td>
                            <td>
                                {buttons.into_iter().map(|(label, request)| view! { <button on:click=act(request, id.clone())>{label}</button> }).collect_view()}
                                {end}
                                " "{raise}
                            </td>
                        </tr>
                    }
                }).collect_view()
            }}
            </tbody>
        </table>
    }
}

#[component]
fn MediaList(desk: Desk) -> impl IntoView {
    view! {
        <h2>"Media"</h2>
        <ul class="media">
            {move || {
                desk.rev.track();
                let states = desk.model.with_value(|m| m.media_states.clone());
                MEDIA.iter().map(|m| {
                    let s = STATES[states.get(m).copied().unwrap_or(0)].display_name;
                    view! { <li>{*m}": "{s}</li> }
                }).collect_view()
            }}
        </ul>
    }
}

#[component]
fn Log(desk: Desk) -> impl IntoView {
    view! {
        <h2>"Traffic"</h2>
        <ol class="log" data-testid="service-log">
            {move || {
                desk.rev.track();
                let entries = desk.model.with_value(|m| m.log.iter().rev().take(60).cloned().collect::<Vec<_>>());
                entries.into_iter().map(|e| view! {
                    <li><span class="muted">{e.origin}</span>" "<span class="mono">{e.summary}</span>" → "{e.outcome}</li>
                }).collect_view()
            }}
        </ol>
    }
}

#[component]
fn Toasts(desk: Desk) -> impl IntoView {
    view! {
        <div class="toasts">
            {move || {
                desk.rev.track();
                desk.model.with_value(|m| m.toasts.clone()).into_iter().map(|t| {
                    let id = t.id.clone();
                    view! {
                        <div class="toast" data-testid="toast" data-toast-id=t.id.clone()>
                            <strong>{t.title.clone()}</strong><p>{t.message.clone()}</p>
                            {t.buttons.iter().enumerate().map(|(n, label)| {
                                let id = id.clone();
                                view! { <button data-testid="toast-button" on:click=move |_| {
                                    let out = desk.model.try_update_value(|m| m.click_toast(&id, n));
                                    desk.post(out.unwrap_or_default());
                                }>{label.clone()}</button> }
                            }).collect_view()}
                        </div>
                    }
                }).collect_view()
            }}
        </div>
    }
}

#[component]
fn Dialogs(desk: Desk) -> impl IntoView {
    view! {
        {move || {
            desk.rev.track();
            desk.model.with_value(|m| m.dialogs.clone()).into_iter().map(|d| {
                let id = d.id.clone();
                view! {
                    <div class="dialog" data-testid="dialog">
                        <header><strong>{d.title.clone()}</strong>
                            <button on:click=move |_| { desk.model.update_value(|m| m.close_dialog(&id)); desk.changed(); }>"✕"</button>
                        </header>
                        <iframe src=d.url.clone()></iframe>
                    </div>
                }
            }).collect_view()
        }}
    }
}

#[component]
fn Settings(desk: Desk, apps: Memo<Vec<AppView>>) -> impl IntoView {
    let text = RwSignal::new(desk.model.with_value(|m| m.options_text().to_owned()));
    let status = RwSignal::new(String::new());
    let apply = move |_| {
        let r = desk
            .model
            .try_update_value(|m| m.set_options(&text.get_untracked()));
        match r {
            Some(Ok(())) => {
                let warnings = desk.model.with_value(|m| {
                    m.options()
                        .warnings
                        .iter()
                        .map(|w| w.message.clone())
                        .collect::<Vec<_>>()
                });
                status.set(if warnings.is_empty() {
                    "Applied.".into()
                } else {
                    format!("Applied, with warnings: {}", warnings.join("; "))
                });
            }
            Some(Err(e)) => status.set(format!("Not applied: {e}")),
            None => {}
        }
        desk.changed();
    };
    view! {
        <h2>"Service Client API options"</h2>
        <p class="muted">"Properties or JSON, as on the WWE cluster application. Applying resets the rate-limit counters. "
            "Apps are the sections listed in interaction.web-content: a section [Name] with url, title and mode ("
            {catalog::displays().iter().map(|d| d.name).collect::<Vec<_>>().join(", ")}
            "). The guide names the four modes but not these keys."</p>
        <textarea data-testid="options" rows="16" cols="100" prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))></textarea>
        <p><button data-testid="apply-options" on:click=apply>"Apply"</button>" "<span data-testid="options-status">{move || status.get()}</span></p>
        <h2>"Web content (interaction.web-content)"</h2>
        <ul data-testid="web-content">
            {move || apps.get().into_iter().map(|a| {
                let rule = a.mode.and_then(catalog::display).map(|d| d.description).unwrap_or("No mode: the guide does not say how WWE shows it.");
                view! { <li>{a.label.clone()}" · "{a.mode.unwrap_or("no mode")}" · "<span class="mono">{a.url.clone()}</span>" · "<span class="muted">{rule}</span></li> }
            }).collect_view()}
        </ul>
    }
}
