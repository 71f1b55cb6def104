//! The message editor of the detail pane: the captured request as JSON,
//! checked against the catalog as you type by the core's lints
//! (`compose::check_draft`), request-name autocomplete from the catalog and
//! the typed request's parameter hint; "Send" posts it from the frame that
//! sent the original, the same path as replay.

use leptos::prelude::*;
use wwe_core::catalog;
use wwe_core::compose::{self, Route};

use crate::model::Store;
use crate::send::{describe, Mode, Send, Sender};

/// The editor for request `original`, prefilled with `prefill`.
#[component]
pub fn Editor(store: Store, original: u64, route: Route, prefill: String, status: RwSignal<Option<(bool, String)>>) -> impl IntoView {
    let sender = Sender::get();
    let text = RwSignal::new(prefill);
    let draft = Memo::new(move |_| text.with(|t| compose::check_draft(t)));
    let hint = Memo::new(move |_| text.with(|t| compose::typed_request_name(t)).map(|name| compose::param_hint(&name).unwrap_or_else(|| format!("{name}: not in the catalog"))));
    let request_name = move || text.with(|t| compose::typed_request_name(t)).unwrap_or_default();
    // Picking a name from the list writes it into the message.
    let set_name = move |name: String| {
        text.update(|t| {
            if let Ok(mut value) = serde_json::from_str::<serde_json::Value>(t) {
                if let Some(map) = value.as_object_mut() {
                    map.insert("request".into(), serde_json::Value::String(name));
                    *t = serde_json::to_string_pretty(&value).unwrap_or_default();
                }
            }
        });
    };
    let send = move |_| {
        let Some(sender) = sender else { return };
        let Some(value) = draft.get_untracked().value else { return };
        if let Some(rid) = compose::reference_of(&value) {
            sender.mark(store, rid, original);
        }
        status.set(Some((true, "edited: sending…".into())));
        sender.send(
            Send { route: route.clone(), mode: Mode::Post, messages: vec![value], interval_ms: 0, spoof_origin: String::new(), probe_ms: 0 },
            move |outcome| status.set(Some((outcome.ok, describe(&outcome, "edited")))),
        );
    };
    view! {
        <div class="editor" data-testid="editor-box">
            <datalist id="wwe-request-names">
                {catalog::requests().iter().map(|r| view! { <option value=r.name>{r.description}</option> }).collect_view()}
            </datalist>
            <label class="setting">
                <span>"request"</span>
                <input
                    list="wwe-request-names"
                    data-testid="editor-request"
                    prop:value=request_name
                    on:change=move |ev| set_name(event_target_value(&ev))
                />
            </label>
            {move || hint.get().map(|h| view! { <div class="hint muted" data-testid="editor-hint">{h}</div> })}
            // Parameter autocomplete: one choice per shape each parameter
            // accepts (a target as a string or as an object, ...).
            <div class="shapes">
                {move || compose::shape_choices(&request_name()).into_iter().map(|choice| {
                    let label = format!("{}: {}", choice.param, choice.example);
                    let pick = choice.clone();
                    view! {
                        <button class="tool chip" data-testid="editor-shape" data-param=choice.param title="Put this value in the message"
                            on:click=move |_| text.update(|t| if let Some(next) = compose::with_shape(t, &pick) { *t = next })>{label}</button>
                    }
                }).collect_view()}
            </div>
            <textarea
                data-testid="editor"
                rows="10"
                spellcheck="false"
                prop:value=move || text.get()
                on:input=move |ev| text.set(event_target_value(&ev))
            ></textarea>
            <ul class="findings">
                {move || draft.with(|d| d.problems.iter().map(|p| { let code = p.code.clone(); view! {
                    <li class="sev-warning" data-testid="editor-problem" data-code=code.clone()><code>{code.clone()}</code> " " {p.message.clone()}</li>
                }}).collect_view())}
            </ul>
            <button class="tool" data-testid="editor-send" prop:disabled=move || draft.with(|d| d.value.is_none()) on:click=send>"Send"</button>
        </div>
    }
}
