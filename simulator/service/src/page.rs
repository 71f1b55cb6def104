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
//! parameters (`show|label|url` or just a URL).

use leptos::prelude::*;
use serde_json::{Map, Value};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::model::{ClientKey, Outgoing, Service, Show, MEDIA, STATES};

/// One embedded web application, like a WWE `interaction.web-content` section.
#[derive(Debug, Clone, PartialEq)]
struct App {
    label: String,
    url: String,
    show: Show,
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
        key
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
        let known = self.model.with_value(|m| m.frame_id_of(key).is_some());
        let out = self
            .model
            .try_update_value(|m| m.handle(key, &event.origin(), &value, now()))
            .unwrap_or_default();
        if !known && self.model.with_value(|m| m.frame_id_of(key).is_some()) {
            let visible = frame_visibility(&source).unwrap_or(true);
            self.model.update_value(|m| m.set_visible(key, visible));
        }
        self.post(out);
    }
}

/// Whether the window is one of the page's app iframes shown on screen
/// (`None`: not one of them, e.g. a popup or an embedding CRM page).
fn frame_visibility(source: &JsValue) -> Option<bool> {
    let frames = document().query_selector_all("iframe[data-show]").ok()?;
    for i in 0..frames.length() {
        let Some(node) = frames.item(i) else { continue };
        let frame: web_sys::HtmlIFrameElement = node.unchecked_into();
        if let Some(w) = frame.content_window() {
            if js_sys::Object::is(&w.into(), source) {
                return Some(frame.get_attribute("data-show").as_deref() == Some("tab"));
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

fn apps_from(value: &Value) -> Vec<App> {
    value
        .as_array()
        .map(|a| {
            a.iter()
                .enumerate()
                .filter_map(|(i, v)| {
                    let url = v.get("url")?.as_str()?.to_owned();
                    let label = v
                        .get("label")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                        .unwrap_or_else(|| format!("App {}", i + 1));
                    let show = v
                        .get("show")
                        .and_then(Value::as_str)
                        .and_then(Show::parse)
                        .unwrap_or(Show::Tab);
                    Some(App { label, url, show })
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `show|label|url`, `show|url` or `url`.
fn app_from_param(text: &str, n: usize) -> App {
    let parts: Vec<&str> = text.splitn(3, '|').collect();
    match parts.as_slice() {
        [show, label, url] => App {
            label: label.to_string(),
            url: url.to_string(),
            show: Show::parse(show).unwrap_or(Show::Tab),
        },
        [show, url] => App {
            label: format!("App {n}"),
            url: url.to_string(),
            show: Show::parse(show).unwrap_or(Show::Tab),
        },
        _ => App {
            label: format!("App {n}"),
            url: text.to_owned(),
            show: Show::Tab,
        },
    }
}

fn initial_config() -> (String, Vec<App>) {
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
    (options, apps)
}

/// Entry point, run by `init()` in `service.html`.
#[wasm_bindgen(start)]
pub fn start() {
    leptos::mount::mount_to_body(Desktop);
}

#[component]
fn Desktop() -> impl IntoView {
    let (options, initial_apps) = initial_config();
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
    let apps = RwSignal::new(initial_apps);
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
            {move || apps.get().into_iter().filter(|a| a.show == Show::Tab).map(|a| {
                let label = a.label.clone();
                let l2 = label.clone();
                view! { <button class:active=move || current_tab.get() == l2 on:click=move |_| current_tab.set(label.clone())>{a.label.clone()}</button> }
            }).collect_view()}
            {move || apps.get().into_iter().filter(|a| a.show == Show::Popup).map(|a| {
                let (url, label) = (a.url.clone(), a.label.clone());
                view! { <button data-testid="open-popup" data-label=a.label.clone() on:click=move |_| {
                    let _ = window().open_with_url_and_target_and_features(&url, &label, "width=640,height=720");
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
            {move || apps.get().into_iter().filter(|a| a.show != Show::Popup).map(|a| {
                let label = a.label.clone();
                let shown = a.show == Show::Tab;
                view! {
                    <iframe class="app" data-testid="app-frame" data-label=a.label.clone() data-show=a.show.as_str()
                        src=a.url.clone() title=a.label.clone()
                        hidden=move || !shown || current_tab.get() != label></iframe>
                }
            }).collect_view()}
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
fn Settings(desk: Desk, apps: RwSignal<Vec<App>>) -> impl IntoView {
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
    let label = RwSignal::new(String::from("My app"));
    let url = RwSignal::new(String::new());
    let show = RwSignal::new(String::from("tab"));
    let add = move |_| {
        let u = url.get_untracked();
        if !u.is_empty() {
            let app = App {
                label: label.get_untracked(),
                url: u,
                show: Show::parse(&show.get_untracked()).unwrap_or(Show::Tab),
            };
            apps.update(|a| a.push(app));
        }
    };
    view! {
        <h2>"Service Client API options"</h2>
        <p class="muted">"Properties or JSON, as on the WWE cluster application. Applying resets the rate-limit counters."</p>
        <textarea data-testid="options" rows="10" cols="100" prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))></textarea>
        <p><button data-testid="apply-options" on:click=apply>"Apply"</button>" "<span data-testid="options-status">{move || status.get()}</span></p>
        <h2>"Web content (interaction.web-content)"</h2>
        <ul>
            {move || apps.get().into_iter().map(|a| view! { <li>{a.label.clone()}" · "{a.show.as_str()}" · "<span class="mono">{a.url.clone()}</span></li> }).collect_view()}
        </ul>
        <p>
            <input placeholder="label" prop:value=move || label.get() on:input=move |ev| label.set(event_target_value(&ev))/>
            <input placeholder="https://your-app.example/" size="50" prop:value=move || url.get() on:input=move |ev| url.set(event_target_value(&ev))/>
            <select on:change=move |ev| show.set(event_target_value(&ev))>
                <option value="tab">"tab"</option><option value="popup">"popup"</option>
                <option value="background">"background"</option><option value="hidden">"hidden"</option>
            </select>
            <button data-testid="add-app" on:click=add>"Add"</button>
        </p>
    }
}
