//! Sending from the panel: the one path every send takes (replay, edit and
//! send, forge, bulk) — a `send` message on the panel's port, which the
//! background runs with the scripting API in the chosen frame — and the
//! detail pane's actions on a captured request: replay (fresh or original
//! `referenceId`), "replay of #N" links, bulk send with a confirmation and a
//! hard cap, "copy as" snippets, and the editor.
//!
//! Sends into a non-loopback origin ask once per origin.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};

use leptos::prelude::*;
use serde_json::Value;
use wasm_bindgen::JsValue;
use wwe_core::compose::{self, Reference, Route};
use wwe_core::decode::Message;
use wwe_core::session::Session;
use wwe_core::wire::{self, PanelToBackground, SendCommand};

use crate::bridge::{self, Port};
use crate::model::Store;

/// The most copies one bulk send may post.
pub const BULK_CAP: u32 = 200;

/// How a send is delivered in its frame: `Post` is `postMessage` to the
/// route's window (genuine origin and source), `Dispatch` a synthetic
/// `message` event on the frame's own window with a spoofed origin and no
/// source. The contract's type, so the panel writes what the background reads.
pub use wwe_core::wire::SendMode as Mode;

/// One send, as the panel asks for it.
pub struct Send {
    pub route: Route,
    pub mode: Mode,
    pub messages: Vec<Value>,
    pub interval_ms: u32,
    pub spoof_origin: String,
    /// Wait this long after sending and report the page's text fingerprint
    /// before and after (the origin-check audit).
    pub probe_ms: u32,
}

/// What the background reports back: the contract's `sent` answer.
pub type Outcome = wire::SentAnswer;

/// A sent request whose `referenceId` links the captured copy back to the
/// message it replays.
#[derive(Clone, Debug, PartialEq)]
struct Mark {
    reference: String,
    /// The highest record id when it was sent: the copy comes later.
    after: u64,
    original: u64,
}

/// The panel's sending state, shared through the context.
#[derive(Clone, Copy)]
pub struct Sender {
    port: StoredValue<Option<Port>, LocalStorage>,
    marks: RwSignal<Vec<Mark>>,
}

type Callback = Box<dyn FnOnce(Outcome)>;

thread_local! {
    static PENDING: RefCell<HashMap<u32, Callback>> = RefCell::new(HashMap::new());
    static NEXT_ID: Cell<u32> = const { Cell::new(1) };
    static NEXT_REFERENCE: Cell<u64> = const { Cell::new(0) };
    static CONFIRMED: RefCell<HashSet<String>> = RefCell::new(HashSet::new());
    static BOOT: String = {
        let t = js_sys::Date::now() as u64;
        format!("{t:x}").chars().rev().take(5).collect()
    };
}

/// Makes sending available to the panel's components (the capture view
/// calls this once with its port).
pub fn provide(port: StoredValue<Option<Port>, LocalStorage>) {
    provide_context(Sender { port, marks: RwSignal::new(Vec::new()) });
}

/// Handles a `sent` message from the background; false for anything else.
pub fn take_result(message: &JsValue) -> bool {
    let kind = js_sys::Reflect::get(message, &"type".into()).ok().and_then(|v| v.as_string());
    if kind.as_deref() != Some("sent") {
        return false;
    }
    let id = js_sys::Reflect::get(message, &"id".into()).ok().and_then(|v| v.as_f64()).unwrap_or(0.0) as u32;
    let text = js_sys::JSON::stringify(message).map(String::from).unwrap_or_default();
    let outcome: Outcome = serde_json::from_str(&text).unwrap_or_else(|e| Outcome {
        error: Some(format!("unreadable answer from the background: {e}")),
        ..Outcome::default()
    });
    if let Some(callback) = PENDING.with(|p| p.borrow_mut().remove(&id)) {
        callback(outcome);
    }
    true
}

/// A fresh `referenceId` that no client library counter produces.
pub fn fresh_reference() -> String {
    let n = NEXT_REFERENCE.with(|c| {
        let n = c.get();
        c.set(n + 1);
        n
    });
    BOOT.with(|boot| compose::fresh_reference(boot, n))
}

impl Sender {
    /// The sender of this panel.
    pub fn get() -> Option<Sender> {
        use_context::<Sender>()
    }

    /// Sends, after asking once per non-loopback origin; `done` gets the
    /// background's answer (or the refusal).
    pub fn send(self, send: Send, done: impl FnOnce(Outcome) + 'static) {
        // The page sent into: the receiver of a post, the frame itself for
        // a synthetic dispatch (its route names its own origin).
        let origin = send.route.target_origin.clone();
        if !compose::is_loopback(&origin) && !CONFIRMED.with(|c| c.borrow().contains(&origin)) {
            let question = format!(
                "Send into {origin}? wwe-devtools will post messages into a page that is not on this machine. You will not be asked again for this origin."
            );
            let yes = window().confirm_with_message(&question).unwrap_or(false);
            if !yes {
                done(Outcome { error: Some(format!("not sent: sending into {origin} was not confirmed")), ..Outcome::default() });
                return;
            }
            CONFIRMED.with(|c| c.borrow_mut().insert(origin));
        }
        let has_port = self.port.with_value(Option::is_some);
        if !has_port {
            done(Outcome { error: Some("not sent: this panel shows a trace file, not a live tab".into()), ..Outcome::default() });
            return;
        }
        let id = NEXT_ID.with(|n| {
            let id = n.get();
            n.set(id + 1);
            id
        });
        PENDING.with(|p| p.borrow_mut().insert(id, Box::new(done)));
        let messages: Vec<String> = send.messages.iter().map(Value::to_string).collect();
        let command = PanelToBackground::Send(SendCommand {
            id,
            tab_id: send.route.tab_id,
            frame_id: send.route.frame_id,
            mode: send.mode,
            base: send.route.base.to_string(),
            path: send.route.path,
            target_origin: send.route.target_origin,
            spoof_origin: send.spoof_origin,
            messages,
            interval_ms: send.interval_ms,
            probe_ms: send.probe_ms,
        });
        self.port.with_value(|p| {
            if let Some(port) = p {
                bridge::post(port, &command);
            }
        });
    }

    /// Remembers that requests carrying `reference`, captured after now,
    /// are replays of `original`.
    pub fn mark(self, store: Store, reference: String, original: u64) {
        let after = store.read_untracked_session(|s| s.messages().iter().map(|m| m.record.id).max().unwrap_or(0));
        self.marks.update(|m| m.push(Mark { reference, after, original }));
    }

    /// The message a captured request replays, if it is a replay.
    pub fn original_of(self, session: &Session, id: u64) -> Option<u64> {
        let captured = session.message(id)?;
        // A reply links through its request.
        let request = match captured.decoded.message {
            Message::Request(_) | Message::Subscribe { .. } => captured,
            _ => session.message(captured.exchange.map(|i| session.exchanges()[i].request)?)?,
        };
        let reference = compose::reference_of(&request.record.data)?;
        self.marks.with(|marks| {
            marks
                .iter()
                .rev()
                .find(|m| m.reference == reference && request.record.id > m.after && m.original != request.record.id)
                .map(|m| m.original)
        })
    }
}

/// Says how a send went, in one line.
pub fn describe(outcome: &Outcome, what: &str) -> String {
    match (&outcome.error, outcome.ok) {
        (Some(e), _) => format!("{what}: {e}"),
        (None, true) => format!("{what}: posted {}", outcome.posted),
        (None, false) => format!("{what}: failed"),
    }
}

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
