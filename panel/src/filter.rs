//! The filter bar: the query box (parsed by the core's `query` module) and
//! the quick toggles. View filters choose rows; they never drop data.

use leptos::html::Input;
use leptos::prelude::*;

use crate::model::Toggles;

/// The query box and the type chips.
#[component]
pub fn FilterBar(
    text: RwSignal<String>,
    toggles: RwSignal<Toggles>,
    grouped: RwSignal<bool>,
    /// Problems in the query text, as sentences.
    #[prop(into)]
    problems: Signal<Vec<String>>,
    /// Foreign messages hidden by the toggle.
    #[prop(into)]
    hidden_foreign: Signal<usize>,
    /// Page-made `message` events hidden by the toggle.
    #[prop(into)]
    hidden_page_made: Signal<usize>,
    /// Rows shown / messages captured.
    #[prop(into)]
    shown: Signal<usize>,
    input: NodeRef<Input>,
) -> impl IntoView {
    let chip = move |label: &'static str, testid: &'static str, get: fn(&Toggles) -> bool, set: fn(&mut Toggles, bool)| {
        view! {
            <button
                class="chip"
                class:on=move || toggles.with(get)
                data-testid=testid
                aria-pressed=move || toggles.with(get).to_string()
                on:click=move |_| toggles.update(|t| { let now = get(t); set(t, !now) })
            >
                {label}
            </button>
        }
    };
    view! {
        <div class="filterbar">
            <input
                node_ref=input
                class="filter"
                type="search"
                data-testid="filter"
                spellcheck="false"
                placeholder="Filter  (kind:request  name:voice.*  ns:interaction  status:error  origin:…  frame:…  latency>500  -term)"
                prop:value=move || text.get()
                on:input=move |ev| text.set(event_target_value(&ev))
            />
            <button
                class="chip"
                class:on=move || toggles.with(Toggles::all)
                data-testid="toggle-all"
                on:click=move |_| toggles.update(|t| *t = Toggles { foreign: t.foreign, page_made: t.page_made, ..Toggles::default() })
            >
                "All"
            </button>
            {chip("Requests", "toggle-requests", |t| t.requests, |t, on| t.requests = on)}
            {chip("Events", "toggle-events", |t| t.events, |t, on| t.events = on)}
            {chip("Errors", "toggle-errors", |t| t.errors, |t, on| t.errors = on)}
            {chip("Rate limited", "toggle-rate-limited", |t| t.rate_limited, |t, on| t.rate_limited = on)}
            <span class="sep"></span>
            <label class="check" title="Messages that are not WWE traffic: kept and counted, hidden unless shown here">
                <input
                    type="checkbox"
                    data-testid="toggle-foreign"
                    prop:checked=move || toggles.with(|t| t.foreign)
                    on:change=move |ev| toggles.update(|t| t.foreign = event_target_checked(&ev))
                />
                "Foreign"
                <span class="badge" data-testid="count-foreign-hidden">{move || hidden_foreign.get()}</span>
            </label>
            <label class="check" title="message events made and dispatched by page script (not delivered by the browser): their origin and source are only claims. Kept and counted, hidden unless shown here">
                <input
                    type="checkbox"
                    data-testid="toggle-page-made"
                    prop:checked=move || toggles.with(|t| t.page_made)
                    on:change=move |ev| toggles.update(|t| t.page_made = event_target_checked(&ev))
                />
                "Page-made"
                <span class="badge" data-testid="count-page-made-hidden">{move || hidden_page_made.get()}</span>
            </label>
            <label class="check" title="One row per request and reply; expand a row for its raw messages">
                <input
                    type="checkbox"
                    data-testid="toggle-grouped"
                    prop:checked=move || grouped.get()
                    on:change=move |ev| grouped.set(event_target_checked(&ev))
                />
                "Group by exchange"
            </label>
            <span class="spacer"></span>
            <span class="count" data-testid="count-shown">{move || shown.get()}</span>
            <span class="count">" shown"</span>
        </div>
        {move || {
            let problems = problems.get();
            (!problems.is_empty()).then(|| view! {
                <div class="filter-problems" data-testid="filter-problem">{problems.join("  ·  ")}</div>
            })
        }}
    }
}
