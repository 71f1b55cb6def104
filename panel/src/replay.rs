//! The detail pane's actions on a captured request: replay (fresh or
//! original `referenceId`), "replay of #N" links, bulk send with a
//! confirmation and a hard cap, "copy as" snippets, and the editor. Every
//! send goes through `send.rs`.

use leptos::prelude::*;
use serde_json::Value;
use wwe_core::compose::{self, Reference, Route};
use wwe_core::session::Session;

use crate::bridge;
use crate::model::Store;
use crate::send::{describe, fresh_reference, Mode, Outcome, Send, Sender};

/// The most copies one bulk send may post.
pub const BULK_CAP: u32 = 200;

/// How to replay a captured message: `None` when it is not a client's
/// message, else the route to its sending frame or why there is none. The
/// detail pane and the list's row menu both ask this.
pub fn replay_route_of(session: &Session, captured: &wwe_core::session::Captured) -> Option<Result<Route, String>> {
    compose::is_client_message(&captured.record.data).then(|| {
        let record = compose::with_known_sender(&captured.record, session.messages().iter().map(|m| &m.record));
        compose::replay_route(&record)
    })
}

/// The detail pane's actions for message `id`.
#[component]
pub fn Actions(store: Store, selected: RwSignal<Option<u64>>, id: u64) -> impl IntoView {
    let Some(sender) = Sender::get() else { return ().into_any() };
    actions(store, selected, id, sender).into_any()
}

fn actions(store: Store, selected: RwSignal<Option<u64>>, id: u64, sender: Sender) -> impl IntoView {
    let info = Memo::new(move |_| {
        store.read(|s| {
            let captured = s.message(id)?;
            let original = sender.original_of(s, id);
            Some((captured.record.data.clone(), replay_route_of(s, captured), original))
        })
    });
    let keep = RwSignal::new(false);
    let status = RwSignal::new(None::<(bool, String)>);
    let editing = RwSignal::new(false);
    let snippet = RwSignal::new(None::<String>);
    let bulk_count = RwSignal::new(5u32);
    let bulk_interval = RwSignal::new(100u32);
    let bulk_asking = RwSignal::new(false);
    let report = move |what: &'static str| {
        move |outcome: Outcome| status.set(Some((outcome.ok, describe(&outcome, what))))
    };
    move || {
        let Some((data, route, original)) = info.get() else { return ().into_any() };
        let replay_of = original.map(|n| view! {
            <div class="replay-of">
                <button class="link" data-testid="replay-of" data-original=n.to_string() on:click=move |_| selected.set(Some(n))>
                    {format!("replay of #{n}")}
                </button>
            </div>
        });
        let Some(route) = route else { return view! { {replay_of} }.into_any() };
        let actions = match route {
            Err(why) => view! { <p class="muted" data-testid="replay-unavailable">{format!("Cannot replay: {why}")}</p> }.into_any(),
            Ok(route) => {
                let (route_a, route_b, route_c, route_d) = (route.clone(), route.clone(), route.clone(), route.clone());
                let (data_a, data_b, data_c, data_d) = (data.clone(), data.clone(), data.clone(), data.clone());
                let replay = move |_| {
                    let reference = if keep.get_untracked() { Reference::Keep } else { Reference::Fresh(fresh_reference()) };
                    let message = compose::with_reference(&data_a, &reference);
                    if let Some(rid) = compose::reference_of(&message) {
                        sender.mark(store, rid, id);
                    }
                    status.set(Some((true, "replay: sending…".into())));
                    sender.send(
                        Send { route: route_a.clone(), mode: Mode::Post, messages: vec![message], interval_ms: 0, spoof_origin: String::new(), probe_ms: 0 },
                        report("replay"),
                    );
                };
                let bulk_origin = StoredValue::new(route_d.target_origin.clone());
                let bulk = move |_| {
                    let n = bulk_count.get_untracked().clamp(1, BULK_CAP);
                    let messages: Vec<Value> = (0..n)
                        .map(|_| {
                            let rid = fresh_reference();
                            sender.mark(store, rid.clone(), id);
                            compose::with_reference(&data_b, &Reference::Fresh(rid))
                        })
                        .collect();
                    bulk_asking.set(false);
                    status.set(Some((true, format!("bulk: sending {n}…"))));
                    sender.send(
                        Send { route: route_b.clone(), mode: Mode::Post, messages, interval_ms: bulk_interval.get_untracked(), spoof_origin: String::new(), probe_ms: 0 },
                        report("bulk"),
                    );
                };
                let copy_call = move |_| {
                    if let Some(text) = compose::copy_as_call(&data_c) {
                        bridge::copy_text(&text);
                        snippet.set(Some(text));
                    }
                };
                let copy_post = move |_| {
                    let text = compose::copy_as_post_message(&data_d, &compose::target_expression(&route_c), &route_c.target_origin);
                    bridge::copy_text(&text);
                    snippet.set(Some(text));
                };
                let prefill = serde_json::to_string_pretty(&compose::with_reference(&data, &Reference::Fresh(fresh_reference()))).unwrap_or_default();
                view! {
                    <div class="send-actions">
                        <button class="tool" data-testid="replay" title="Send this request again from the frame that sent it" on:click=replay>"↻ Replay"</button>
                        <label class="check" title="Keep the original referenceId (the client may take the reply as its own)">
                            <input type="checkbox" data-testid="replay-keep-ref" prop:checked=move || keep.get() on:change=move |ev| keep.set(event_target_checked(&ev))/>
                            "keep referenceId"
                        </label>
                        <button class="tool" data-testid="edit" on:click=move |_| editing.update(|e| *e = !*e)>"✎ Edit and send"</button>
                        <button class="tool" data-testid="copy-call" title="Copy as a genesys.wwe.service call" on:click=copy_call>"Copy as call"</button>
                        <button class="tool" data-testid="copy-post" title="Copy as a postMessage snippet" on:click=copy_post>"Copy as postMessage"</button>
                    </div>
                    <div class="send-actions bulk">
                        "Bulk: "
                        <input type="number" min="1" max=BULK_CAP.to_string() data-testid="bulk-count" prop:value=move || bulk_count.get().to_string()
                            on:change=move |ev| bulk_count.set(event_target_value(&ev).trim().parse::<u32>().unwrap_or(1).clamp(1, BULK_CAP))/>
                        " copies, every "
                        <input type="number" min="0" data-testid="bulk-interval" prop:value=move || bulk_interval.get().to_string()
                            on:change=move |ev| bulk_interval.set(event_target_value(&ev).trim().parse::<u32>().unwrap_or(0).min(60000))/>
                        " ms "
                        <button class="tool" data-testid="bulk-send" on:click=move |_| bulk_asking.set(true)>"Send…"</button>
                        <Show when=move || bulk_asking.get()>
                            <span class="confirm" data-testid="bulk-confirm-box">
                                {move || format!("Send {} copies (at most {BULK_CAP}) to {}? ", bulk_count.get(), bulk_origin.get_value())}
                                <button class="tool" data-testid="bulk-confirm" on:click=bulk.clone()>"Send"</button>
                                <button class="tool" on:click=move |_| bulk_asking.set(false)>"Cancel"</button>
                            </span>
                        </Show>
                    </div>
                    <Show when=move || editing.get()>
                        <crate::editor::Editor store=store original=id route=route.clone() prefill=prefill.clone() status=status/>
                    </Show>
                }
                .into_any()
            }
        };
        view! {
            <section class="send" data-testid="send-section">
                <h4>"Send"</h4>
                {replay_of}
                {actions}
                {move || status.get().map(|(ok, text)| view! { <div class="send-status" class:error=!ok data-testid="send-status" data-ok=ok.to_string()>{text}</div> })}
                {move || snippet.get().map(|text| view! { <pre class="raw" data-testid="copy-preview">{text}</pre> })}
            </section>
        }
        .into_any()
    }
}
