//! The panel's top-level components: the capture view for one tab (toolbar,
//! filter bar, message list, detail pane, views), or a tab picker when the
//! page was opened without `?tabId=`. The capture view owns the signals and
//! lays out the views; its jobs live elsewhere: the port and ticker in
//! `live.rs`, settings in `settings_sync.rs`, the toolbar in `toolbar.rs`,
//! keys in `keys.rs`, dropped files in `trace.rs`.

use leptos::html::Input;
use leptos::prelude::*;
use wwe_core::query::Query;
use wwe_core::wire::PanelToBackground;

use crate::bridge::{self, TabId};
use crate::detail::DetailPane;
use crate::filter::FilterBar;
use crate::findings::FindingsView;
use crate::frames::FramesSidebar;
use crate::interactions::InteractionsView;
use crate::model::{Listing, Store, Toggles, ViewFilter};
use crate::options_field::OptionsField;
use crate::policy::PolicyView;
use crate::ratelimits::RateLimitView;
use crate::settings::Settings;
use crate::table::{CellAction, MessageList};
use crate::toolbar::{Toolbar, View};
use crate::trace::{self, ExportDialog};
use crate::{keys, live, settings_sync};

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

/// Live capture of one tab, or (without a tab, or once a file is opened)
/// a trace file, read-only, with the same views.
#[component]
fn Capture(tab: Option<TabId>) -> impl IntoView {
    let store = Store::new();
    let paused = RwSignal::new(false);
    let missed_while_paused = RwSignal::new(0usize);
    let settings = RwSignal::new(Settings::default());
    let settings_loaded = RwSignal::new(false);

    let port = live::connect(tab, store, paused, missed_while_paused);
    crate::send::provide(port);
    let show_export = RwSignal::new(false);
    if tab.is_some() {
        live::start_ticker(store);
    }
    let options_error = RwSignal::new(None::<String>);
    let findings_badge = crate::findings::badge(store);
    settings_sync::keep(settings, settings_loaded, options_error, port, store);
    let undelivered = crate::undelivered::keep(tab, settings, settings_loaded, port);

    let filter_text = RwSignal::new(String::new());
    let toggles = RwSignal::new(Toggles::default());
    let grouped = RwSignal::new(false);
    let selected = RwSignal::new(None::<u64>);
    let expanded = RwSignal::new(Vec::<u64>::new());
    let frame_filter = RwSignal::new(None::<(i64, i64)>);
    let view = RwSignal::new(View::Messages);
    let show_settings = RwSignal::new(false);
    let filter_input = NodeRef::<Input>::new();
    settings_sync::seed_view(settings, settings_loaded, toggles, grouped);

    let query = Memo::new(move |_| Query::parse(&filter_text.get()));
    let sort = Memo::new(move |_| settings.with(|s| s.columns.sort));
    // Typing that narrows the query filters the previous rows again.
    let listing = Memo::new(move |previous: Option<&Listing>| {
        let filter = ViewFilter {
            query: query.get(),
            toggles: toggles.get(),
            grouped: grouped.get(),
            expanded: expanded.get(),
            frame: frame_filter.get(),
            sort: sort.get(),
        };
        let version = store.version();
        store.read_with_cache(|session, cache| Listing::new(session, cache, filter, version, previous))
    });
    let items = Memo::new(move |_| listing.with(|listing| listing.items.clone()));
    let hidden_foreign = Signal::derive(move || listing.with(|listing| listing.hidden.foreign));
    let hidden_page_made = Signal::derive(move || listing.with(|listing| listing.hidden.page_made));
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
        CellAction::Toggle(id) => expanded.update(|list| keys::toggle(list, id)),
    });
    // A view's link to a message: select it in the message list.
    let show_message = Callback::new(move |id| {
        selected.set(Some(id));
        view.set(View::Messages);
    });

    trace::open_dropped_files(store);
    keys::listen(filter_input, items, selected, show_settings, expanded, grouped);

    let clear = Callback::new(move |()| {
        if store.trace.get_untracked().is_none() {
            live::post(port, &PanelToBackground::Clear);
        }
        store.clear();
        selected.set(None);
        missed_while_paused.set(0);
    });

    view! {
        <Toolbar
            store=store
            paused=paused
            missed_while_paused=missed_while_paused
            settings=settings
            view=view
            findings_badge=findings_badge
            show_export=show_export
            show_settings=show_settings
            on_clear=clear
            undelivered=undelivered
        />
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
                        live::post(port, &PanelToBackground::Subscribe { tab_id: i64::from(tab.map_or(0, |t| t.0)) });
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
        {move || store.trace_note.get().map(|text| view! {
            <div class="problem" role="status" data-testid="import-note">
                {text} " "
                <button class="link" on:click=move |_| store.trace_note.set(None)>"dismiss"</button>
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
                        <p class="empty" data-testid="list-empty">
                            "No messages yet. Traffic appears here as the page posts messages. If an app should be talking to WWE and nothing shows, what usually causes it: "
                            <span data-testid="silence-causes">{wwe_core::lint::SILENCE_CAUSES}</span> "."
                            {move || matches!(undelivered.attachment.get(), crate::undelivered::Attachment::Off).then(|| view! {
                                " Turn on " <strong>"Undelivered"</strong> " in the toolbar to see the posts Chromium refused between frames of this site."
                            })}
                        </p>
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
                <span>"Recording store (MB)"</span>
                <input
                    type="number"
                    min="1"
                    data-testid="record-budget"
                    prop:value=move || settings.with(|s| s.record_budget_mb.to_string())
                    on:change=move |ev| {
                        if let Ok(mb) = event_target_value(&ev).trim().parse::<u64>() {
                            settings.update(|s| s.record_budget_mb = mb.max(1));
                        }
                    }
                />
                <span class="muted">
                    "What is recorded is stored in the extension, over all tabs, up to this size, so a restart of the browser's                      background worker loses none of it; beyond it the oldest messages are dropped and counted."
                </span>
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
