//! The capture view's toolbar: record/pause, clear, preserve log, the view
//! tabs (with the findings badge), the message and dropped counts, open,
//! export and settings. It holds no state of its own: every button writes a
//! signal the capture view owns.

use leptos::prelude::*;

use crate::model::Store;
use crate::settings::Settings;
use crate::trace;

/// The views of the capture, as tabs under the toolbar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Messages,
    RateLimits,
    Findings,
    Policy,
    Interactions,
    Send,
}

/// The toolbar. `on_clear` runs when Clear is pressed.
#[component]
#[allow(clippy::too_many_arguments)]
pub fn Toolbar(
    store: Store,
    paused: RwSignal<bool>,
    missed_while_paused: RwSignal<usize>,
    settings: RwSignal<Settings>,
    view: RwSignal<View>,
    findings_badge: RwSignal<usize>,
    show_export: RwSignal<bool>,
    show_settings: RwSignal<bool>,
    on_clear: Callback<()>,
    undelivered: crate::undelivered::Switch,
) -> impl IntoView {
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
            <button class="tool" title="Clear" on:click=move |_| on_clear.run(()) data-testid="clear">"⊘ Clear"</button>
            <label class="check" title="Keep messages across navigation and reload">
                <input
                    type="checkbox"
                    data-testid="preserve"
                    prop:checked=move || settings.with(|s| s.preserve_log)
                    on:change=move |ev| settings.update(|s| s.preserve_log = event_target_checked(&ev))
                />
                "Preserve log"
            </label>
            <crate::undelivered::UndeliveredSwitch switch=undelivered settings=settings/>
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
    }
}
