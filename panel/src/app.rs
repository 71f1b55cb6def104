//! The panel's top-level components: the capture view for one tab (toolbar,
//! filter bar, message list, detail pane, views), or a tab picker when the
//! page was opened without `?tabId=`.

use leptos::html::Input;
use leptos::prelude::*;
use wwe_core::query::Query;

use crate::bridge::{self, TabId};
use crate::detail::DetailPane;
use crate::feed::{self, BackgroundToPanel};
use wwe_core::wire::{Hello, PanelToBackground};
use crate::filter::FilterBar;
use crate::findings::FindingsView;
use crate::interactions::InteractionsView;
use crate::frames::FramesSidebar;
use crate::policy::PolicyView;
use crate::ratelimits::RateLimitView;
use crate::model::{visible, ListItem, Store, Toggles, ViewFilter};
use crate::options_field::{self, OptionsField};
use crate::settings::Settings;
use crate::table::{CellAction, MessageList};
use crate::trace::{self, ExportDialog};

/// The whole panel.
#[component]
pub fn App() -> impl IntoView {
    if bridge::dark_theme() {
        if let Some(body) = document().body() {
            let _ = body.class_list().add_1("theme-dark");
        }
    }
    view! { <Capture tab=bridge::tab_id()/> }
}

/// How far behind the wall clock the live session's clock runs.
const TICK_MARGIN_MS: f64 = 1_500.0;

/// The views of the capture, as tabs under the toolbar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum View {
    Messages,
    RateLimits,
    Findings,
    Policy,
    Interactions,
    Send,
}

/// Live capture of one tab, or (without a tab, or once a file is opened)
/// a trace file, read-only, with the same views.
#[component]
fn Capture(tab: Option<TabId>) -> impl IntoView {
    let store = Store::new();
    let paused = RwSignal::new(false);
    let missed_while_paused = RwSignal::new(0usize);
    let settings = RwSignal::new(Settings::default());
    let settings_loaded = RwSignal::new(false);

    let port = tab.map(|tab| {
        bridge::connect(
            tab,
            move |message| on_background(store, paused, missed_while_paused, message),
            move || store.problem.set(Some("Lost the connection to the extension; reload the panel.".into())),
        )
    });
    let port = StoredValue::new_local(port);
    crate::send::provide(port);
    let show_export = RwSignal::new(false);
    // Live capture only: move the session's clock every second so requests
    // without a reply time out (or show as swallowed) while the page is
    // quiet. A margin leaves records still in flight from other frames'
    // batches time to arrive before the clock passes them.
    if tab.is_some() {
        let ticker = set_interval_with_handle(
            move || {
                if store.trace.get_untracked().is_none() {
                    store.tick(js_sys::Date::now() - TICK_MARGIN_MS);
                }
            },
            std::time::Duration::from_secs(1),
        );
        if let Ok(ticker) = ticker {
            on_cleanup(move || ticker.clear());
        }
    }

    // Settings: load once, then save every change and apply what the
    // background and the core need to know. The load is asynchronous (and
    // slow in a Firefox profile's first seconds): what the user sets before
    // it completes is applied at once and wins over the save.
    leptos::task::spawn_local(async move {
        if let Some(text) = bridge::load_settings().await {
            let saved = Settings::from_json(&text);
            settings.update(|current| *current = saved.overridden_by(current));
        }
        settings_loaded.set(true);
    });
    let options_error = RwSignal::new(None::<String>);
    // The Findings badge counts the interaction findings too. Bringing the
    // interaction model up to date takes a few hundred milliseconds for
    // 100,000 new messages: it runs when the browser is idle, after the
    // rows are painted, never before.
    let findings_badge = RwSignal::new(0usize);
    Effect::new(move |_| {
        store.read(|_| ());
        leptos::leptos_dom::helpers::request_idle_callback(move || {
            findings_badge.set(store.read_interactions_untracked(crate::findings::count))
        });
    });
    Effect::new(move |_| {
        let current = settings.get();
        // Saved, and told to the background, only once the save is in:
        // before, they would overwrite it with the defaults.
        if settings_loaded.get() {
            bridge::save_settings(&current.to_json());
            port.with_value(|p| p.iter().for_each(|p| bridge::post(p, &PanelToBackground::Preserve { on: current.preserve_log })));
        }
        let (options, error) = match options_field::parse(&current.options_text) {
            Ok(options) => (options, None),
            Err(error) => (None, Some(error)),
        };
        options_error.set(error);
        store.set_options(options);
    });

    let filter_text = RwSignal::new(String::new());
    let toggles = RwSignal::new(Toggles::default());
    let grouped = RwSignal::new(false);
    let selected = RwSignal::new(None::<u64>);
    let expanded = RwSignal::new(Vec::<u64>::new());
    let frame_filter = RwSignal::new(None::<(i64, i64)>);
    let view = RwSignal::new(View::Messages);
    let show_settings = RwSignal::new(false);
    let filter_input = NodeRef::<Input>::new();

    // The saved choices seed the view once loaded; the view writes back. A
    // choice the user made before the (asynchronous) load wins over the
    // saved one: a value still at its default was not touched.
    Effect::new(move |_| {
        if settings_loaded.get() {
            let s = settings.get_untracked();
            if toggles.with_untracked(|t| t.foreign == Toggles::default().foreign) {
                toggles.update(|t| t.foreign = s.show_foreign);
            }
            if !grouped.get_untracked() {
                grouped.set(s.grouped);
            }
        }
    });
    Effect::new(move |_| {
        let (foreign, group) = (toggles.with(|t| t.foreign), grouped.get());
        if settings_loaded.get_untracked() {
            settings.update(|s| {
                s.show_foreign = foreign;
                s.grouped = group;
            });
        }
    });

    let query = Memo::new(move |_| Query::parse(&filter_text.get()));
    let sort = Memo::new(move |_| settings.with(|s| s.columns.sort));
    let listing = Memo::new(move |_| {
        let filter = ViewFilter {
            query: query.get(),
            toggles: toggles.get(),
            grouped: grouped.get(),
            expanded: expanded.get(),
            frame: frame_filter.get(),
            sort: sort.get(),
        };
        store.read_with_cache(|session, cache| visible(session, cache, &filter))
    });
    let items = Memo::new(move |_| listing.with(|(items, _)| items.clone()));
    let hidden_foreign = Signal::derive(move || listing.with(|(_, hidden)| hidden.foreign));
    let hidden_page_made = Signal::derive(move || listing.with(|(_, hidden)| hidden.page_made));
    let shown = Signal::derive(move || items.with(Vec::len));
    let problems = Signal::derive(move || query.with(|q| q.problems().iter().map(ToString::to_string).collect()));

    let on_action = Callback::new(move |action: CellAction| match action {
        CellAction::Select(id) => selected.set(Some(id)),
        CellAction::Filter(term) => filter_text.update(|text| {
            if !text.split_whitespace().any(|t| t == term) {
                if !text.trim().is_empty() {
                    text.push(' ');
                }
                text.push_str(&term);
            }
        }),
        CellAction::Toggle(id) => expanded.update(|list| toggle(list, id)),
    });
    // A view's link to a message: select it in the message list.
    let show_message = Callback::new(move |id| {
        selected.set(Some(id));
        view.set(View::Messages);
    });

    let drag_over = window_event_listener(leptos::ev::dragover, move |ev| ev.prevent_default());
    let drop = window_event_listener(leptos::ev::drop, move |ev| {
        ev.prevent_default();
        if let Some(file) = trace::first_file(ev.data_transfer().and_then(|d| d.files())) {
            trace::open_file(store, file);
        }
    });
    on_cleanup(move || {
        drag_over.remove();
        drop.remove();
    });
    let keys = window_event_listener(leptos::ev::keydown, move |ev| {
        on_key(&ev, filter_input, items, selected, show_settings, expanded, grouped.get_untracked());
    });
    on_cleanup(move || keys.remove());

    let clear = move |_| {
        if store.trace.get_untracked().is_none() {
            port.with_value(|p| p.iter().for_each(|p| bridge::post(p, &PanelToBackground::Clear)));
        }
        store.clear();
        selected.set(None);
        missed_while_paused.set(0);
    };

    view! {
        <header class="toolbar">
            <button
                class="tool record"
                class:off=move || paused.get()
                data-testid="record"
                aria-pressed=move || (!paused.get()).to_string()
                title=move || if paused.get() { "Record (resume capture in this panel)" } else { "Stop recording" }
                on:click=move |_| paused.update(|p| *p = !*p)
            >
                {move || if paused.get() { "● Record" } else { "■ Pause" }}
            </button>
            <button class="tool" title="Clear" on:click=clear data-testid="clear">"⊘ Clear"</button>
            <label class="check" title="Keep messages across navigation and reload">
                <input
                    type="checkbox"
                    data-testid="preserve"
                    prop:checked=move || settings.with(|s| s.preserve_log)
                    on:change=move |ev| settings.update(|s| s.preserve_log = event_target_checked(&ev))
                />
                "Preserve log"
            </label>
            <span class="sep"></span>
            <nav class="views">
                <button class="view-tab" class:on=move || view.get() == View::Messages data-testid="view-messages" on:click=move |_| view.set(View::Messages)>"Messages"</button>
                <button class="view-tab" class:on=move || view.get() == View::RateLimits data-testid="view-ratelimits" on:click=move |_| view.set(View::RateLimits)>"Rate limits"</button>
                <button class="view-tab" class:on=move || view.get() == View::Findings data-testid="view-findings" on:click=move |_| view.set(View::Findings)>
                    "Findings "
                    <span class="badge" data-testid="count-findings">{move || findings_badge.get()}</span>
                </button>
                <button class="view-tab" class:on=move || view.get() == View::Policy data-testid="view-policy" on:click=move |_| view.set(View::Policy)>"Policy"</button>
                <button class="view-tab" class:on=move || view.get() == View::Interactions data-testid="view-interactions" on:click=move |_| view.set(View::Interactions)>"Interactions"</button>
                <button class="view-tab" class:on=move || view.get() == View::Send data-testid="view-send" on:click=move |_| view.set(View::Send)>"Send"</button>
            </nav>
            <span class="spacer"></span>
            {move || (missed_while_paused.get() > 0).then(|| view! {
                <span class="count muted" title="Messages that arrived while recording was paused in this panel">
                    {format!("{} not recorded (paused)", missed_while_paused.get())}
                </span>
            })}
            <span class="count">
                <span data-testid="count-total">{move || store.len()}</span>
                " messages"
            </span>
            <span
                class="count dropped"
                class:none=move || store.dropped.get() == 0
                title="Records the extension could not keep (buffer full or lost in transit)"
            >
                <span data-testid="count-dropped">{move || store.dropped.get()}</span>
                " dropped"
            </span>
            <label class="tool" title="Open a trace file (HAR or JSON Lines); you can also drop one on the panel">
                "⤒ Open"
                <input
                    type="file"
                    class="hidden-input"
                    accept=".har,.json,.jsonl,application/json"
                    data-testid="import-file"
                    on:change=move |ev| {
                        let input: web_sys::HtmlInputElement = event_target(&ev);
                        if let Some(file) = trace::first_file(input.files()) {
                            trace::open_file(store, file);
                        }
                        input.set_value("");
                    }
                />
            </label>
            <button class="tool" title="Export the capture (HAR 1.2 or JSON Lines), redacted" data-testid="export" on:click=move |_| show_export.update(|s| *s = !*s)>"⤓ Export"</button>
            <button class="tool" title="Settings" data-testid="settings" on:click=move |_| show_settings.update(|s| *s = !*s)>"⚙"</button>
        </header>
        <Show when=move || show_export.get()>
            <ExportDialog store=store open=show_export/>
        </Show>
        {move || store.trace.get().map(|name| view! {
            <div class="trace-banner" data-testid="trace-banner">
                "Viewing the trace " <strong>{name}</strong> " — read-only. "
                {tab.map(|_| view! {
                    <button class="link" data-testid="back-to-live" on:click=move |_| {
                        store.trace.set(None);
                        store.clear();
                        port.with_value(|p| p.iter().for_each(|p| bridge::post(p, &PanelToBackground::Subscribe { tab_id: i64::from(tab.map_or(0, |t| t.0)) })));
                    }>"Back to live capture"</button>
                })}
            </div>
        })}
        {move || store.trace_error.get().map(|text| view! {
            <div class="problem" role="alert" data-testid="import-error">
                {text} " "
                <button class="link" on:click=move |_| store.trace_error.set(None)>"dismiss"</button>
            </div>
        })}
        {move || (tab.is_none() && store.trace.get().is_none()).then(|| view! { <TabPicker/> })}
        <Show when=move || show_settings.get()>
            <SettingsDrawer settings=settings options_error=options_error/>
        </Show>
        {move || store.problem.get().map(|text| view! { <div class="problem" role="alert">{text}</div> })}
        <Show when=move || view.get() == View::Messages>
            <FilterBar
                text=filter_text
                toggles=toggles
                grouped=grouped
                problems=problems
                hidden_foreign=hidden_foreign
                hidden_page_made=hidden_page_made
                shown=shown
                input=filter_input
            />
            <main class="split" class:with-detail=move || selected.get().is_some()>
                <FramesSidebar store=store selected=frame_filter/>
                <section class="list-pane">
                    <MessageList store=store items=items selected=selected grouped=grouped on_action=on_action settings=settings/>
                    {move || (store.len() == 0).then(|| view! {
                        <p class="empty">"No messages yet. Traffic appears here as the page posts messages."</p>
                    })}
                </section>
                <DetailPane store=store selected=selected/>
            </main>
        </Show>
        <Show when=move || view.get() == View::RateLimits>
            <RateLimitView store=store/>
        </Show>
        <Show when=move || view.get() == View::Policy>
            <PolicyView store=store settings=settings options_error=options_error/>
        </Show>
        <Show when=move || view.get() == View::Interactions>
            <InteractionsView store=store on_select=show_message/>
        </Show>
        <Show when=move || view.get() == View::Send>
            <section class="table-view">
                <crate::composer::Composer store=store/>
                <crate::forge::ForgeView store=store/>
            </section>
        </Show>
        <Show when=move || view.get() == View::Findings>
            <FindingsView store=store on_select=show_message/>
        </Show>
    }
}

/// One message from the background.
fn on_background(store: Store, paused: RwSignal<bool>, missed: RwSignal<usize>, message: wasm_bindgen::JsValue) {
    // Answers to the panel's own sends (replay, forge) go to their callers.
    if crate::send::take_result(&message) {
        return;
    }
    // A trace on screen is read-only: live traffic waits in the background
    // until the user goes back to live capture (which asks for the backlog).
    if store.trace.get_untracked().is_some() {
        return;
    }
    let records = |list: Vec<feed::WireRecord>| list.into_iter().map(|r| {
        let json = r.json.clone();
        (r.into_record(), json)
    });
    match feed::parse(&message) {
        Ok(BackgroundToPanel::Hello(Hello { protocol, .. })) => {
            if protocol != bridge::protocol_version() {
                store.problem.set(Some(format!(
                    "The extension's background speaks protocol {protocol}, this panel {}; reload the extension and DevTools.",
                    bridge::protocol_version()
                )));
            }
        }
        Ok(BackgroundToPanel::Backlog { records: list, dropped, .. }) => {
            store.clear();
            store.push(records(list));
            store.dropped.set(dropped);
            // `?bench=N` (cargo xtask bench) loads its records once the
            // backlog is in; without it this does nothing.
            crate::bench::after_backlog(store);
        }
        Ok(BackgroundToPanel::Records { records: list }) => {
            if paused.get_untracked() {
                missed.update(|n| *n += list.len());
            } else {
                store.push(records(list));
            }
        }
        Ok(BackgroundToPanel::Dropped { total }) => store.dropped.set(total),
        Ok(BackgroundToPanel::Navigated) => store.clear(),
        Ok(BackgroundToPanel::Error { message }) => store.problem.set(Some(message)),
        // Answers to sends were taken by `send::take_result` above.
        Ok(BackgroundToPanel::Sent(_)) => {}
        Err(message) => store.problem.set(Some(message)),
    }
}

/// Keyboard: arrows move the selection, Enter expands an exchange, `/`
/// focuses the filter, Esc closes what is open.
fn on_key(
    ev: &leptos::ev::KeyboardEvent,
    filter_input: NodeRef<Input>,
    items: Memo<Vec<ListItem>>,
    selected: RwSignal<Option<u64>>,
    show_settings: RwSignal<bool>,
    expanded: RwSignal<Vec<u64>>,
    grouped: bool,
) {
    let typing = ev
        .target()
        .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
        .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA"));
    match ev.key().as_str() {
        "/" if !typing => {
            ev.prevent_default();
            if let Some(input) = filter_input.get_untracked() {
                let _ = input.focus();
            }
        }
        "Escape" => {
            if typing {
                if let Some(input) = filter_input.get_untracked() {
                    let _ = input.blur();
                }
            } else if show_settings.get_untracked() {
                show_settings.set(false);
            } else {
                selected.set(None);
            }
        }
        "ArrowDown" | "ArrowUp" if !typing => {
            ev.prevent_default();
            let down = ev.key() == "ArrowDown";
            let next = items.with_untracked(|list| {
                let rows: Vec<u64> = list.iter().filter(|i| !i.nested).map(|i| i.id).collect();
                let at = selected.get_untracked().and_then(|id| rows.iter().position(|r| *r == id));
                match (at, down) {
                    (None, _) => rows.first().copied(),
                    (Some(i), true) => rows.get(i + 1).or(rows.last()).copied(),
                    (Some(i), false) => rows.get(i.saturating_sub(1)).copied(),
                }
            });
            if next.is_some() {
                selected.set(next);
            }
        }
        "Enter" if !typing && grouped => {
            if let Some(id) = selected.get_untracked() {
                expanded.update(|list| toggle(list, id));
            }
        }
        _ => {}
    }
}

/// Expands the exchange `id` if it is collapsed, collapses it if expanded.
fn toggle(expanded: &mut Vec<u64>, id: u64) {
    match expanded.iter().position(|x| *x == id) {
        Some(at) => {
            expanded.remove(at);
        }
        None => expanded.push(id),
    }
}

/// Settings: the WWE options (used by policy findings and the views) and
/// the size cap. Saved as they change.
#[component]
fn SettingsDrawer(settings: RwSignal<Settings>, options_error: RwSignal<Option<String>>) -> impl IntoView {
    view! {
        <section class="settings" data-testid="settings-drawer">
            <OptionsField
                settings=settings
                error=options_error
                testid="options-input"
                rows=5
                placeholder="service-client-api.accepted-web-content-origins=http://localhost:8480 (agent.*, voice.dial)\nservice-client-api.rate-limit.voice.dial=3"
            />
            <label class="setting">
                <span>"Size cap (KB)"</span>
                <input
                    type="number"
                    min="1"
                    data-testid="size-cap"
                    prop:value=move || settings.with(|s| (s.size_cap / 1024).to_string())
                    on:change=move |ev| {
                        if let Ok(kb) = event_target_value(&ev).trim().parse::<u64>() {
                            settings.update(|s| s.size_cap = kb.max(1) * 1024);
                        }
                    }
                />
                <span class="muted">"Messages over the cap are recorded truncated, with their real size."</span>
            </label>
            <label class="setting">
                <input
                    type="checkbox"
                    data-testid="send-side"
                    prop:checked=move || settings.with(|s| s.send_side)
                    on:change=move |ev| settings.update(|s| s.send_side = event_target_checked(&ev))
                />
                <span>"Send-side detail (targetOrigin, caller stack)"</span>
                <span class="muted" data-testid="send-side-note">
                    "Runs a script in every page's own world that wraps postMessage, for pages loaded after you turn it on. \
                     Pages can detect it (postMessage's toString, a symbol on Array.prototype, an extra frame in exception stacks), \
                     and messages between same-origin windows sent through .call, .apply or .bind (in Firefox also a popup's to its opener) \
                     can arrive with the wrong event.source, which can break the page. \
                     Only same-origin sends are seen; what it reports is shown as claimed by the page."
                </span>
            </label>
        </section>
    }
}

/// Shown at `panel.html` without `?tabId=`: pick the tab to watch.
#[component]
fn TabPicker() -> impl IntoView {
    let tabs = LocalResource::new(bridge::tabs);
    view! {
        <h1 class="picker-title">"WWE API — choose a tab to watch"</h1>
        <ul class="tabs">
            <Suspense fallback=|| view! { <li>"Loading tabs…"</li> }>
                {move || tabs.get().map(|list| list.into_iter().map(|tab| view! {
                    <li data-testid="tab" data-tab-id=tab.id.to_string()>
                        <a href=format!("panel.html?tabId={}", tab.id)>{tab.title}</a>
                        " "
                        <span class="url">{tab.url}</span>
                    </li>
                }).collect_view())}
            </Suspense>
        </ul>
    }
}
