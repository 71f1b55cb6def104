//! Sending from the panel: the one path every send takes (replay, edit and
//! send, compose, forge, bulk) — a `send` message on the panel's port, which
//! the background runs with the scripting API in the chosen frame — and the
//! bookkeeping around it: answers matched to their callbacks, fresh
//! `referenceId`s, and which captured request replays which. The views that
//! send (`replay.rs`, `editor.rs`, `composer.rs`, `forge.rs`, `row_menu.rs`)
//! import this module and not each other.
//!
//! Sends into a non-loopback origin ask once per origin.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};

use leptos::prelude::*;
use serde_json::Value;
use wasm_bindgen::JsValue;
use wwe_core::compose::{self, Route};
use wwe_core::decode::Message;
use wwe_core::session::Session;
use wwe_core::wire::{self, PanelToBackground, SendCommand};

use crate::bridge::{self, Port};
use crate::model::Store;

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
