//! The "Send" view: forge a reply or an event towards a client frame, really
//! posted from the service frame (genuine origin and source), or — clearly
//! labelled — dispatched in the client as a synthetic `message` event with a
//! spoofed origin; and the origin-check audit, which sends a spoofed event
//! and reports whether the client reacted (sent a request, or changed the
//! text it shows), i.e. whether it checks `event.origin`.

use leptos::prelude::*;
use serde_json::Value;
use wwe_core::compose::{self, Forge, Route};
use wwe_core::decode::Direction;
use wwe_core::session::Session;

use crate::client_picker::{client_frames, frame_key, ClientChoice, ClientFrame, ClientPicker};
use crate::model::Store;
use crate::send::{describe, Mode, Send, Sender};

/// How long the audit watches the client after the spoofed event.
const AUDIT_WATCH_MS: u32 = 1500;

/// A client frame the panel can forge towards.
#[derive(Clone, PartialEq)]
struct Client {
    key: String,
    label: String,
    /// From the service frame to the client, when known.
    genuine: Result<Route, String>,
    /// Inside the client itself (synthetic dispatch).
    inside: Route,
}

impl ClientFrame for Client {
    fn key(&self) -> &str {
        &self.key
    }
    fn label(&self) -> &str {
        &self.label
    }
}

fn clients(session: &Session) -> Vec<Client> {
    client_frames(session)
        .filter_map(|f| {
            let received: Vec<_> = session
                .messages()
                .iter()
                .filter(|m| m.record.tab_id == f.tab_id && m.record.frame_id == f.frame_id)
                .collect();
            let last = received.last()?;
            let genuine = received
                .iter()
                .rev()
                .find(|m| m.record.source_frame_id.is_some() && m.decoded.message.direction() == Direction::ToClient)
                .map_or_else(|| Err("no message from the service to this frame was captured yet".into()), |m| compose::forge_route(&m.record));
            Some(Client {
                key: frame_key(f),
                label: format!("frame {} · {}", f.frame_id, f.url),
                genuine,
                inside: Route {
                    tab_id: f.tab_id,
                    frame_id: f.frame_id,
                    base: "self",
                    path: Vec::new(),
                    target_origin: last.record.frame_origin.clone(),
                },
            })
        })
        .collect()
}

/// Requests the client frame sent after record `after`.
fn requests_since(session: &Session, client: &Route, after: u64) -> usize {
    session
        .messages()
        .iter()
        .filter(|m| m.record.id > after && m.record.source_frame_id == Some(client.frame_id))
        .filter(|m| m.record.source_tab_id.unwrap_or(m.record.tab_id) == client.tab_id)
        .filter(|m| m.decoded.message.direction() == Direction::ToService)
        .count()
}

/// The audit's verdict.
#[derive(Clone, PartialEq)]
struct Verdict {
    checks_origin: bool,
    text: String,
}

/// The view.
#[component]
pub fn ForgeView(store: Store) -> impl IntoView {
    let sender = Sender::get();
    let list = ClientChoice::new(Memo::new(move |_| store.read(clients)));
    let current = list.current;
    let kind = RwSignal::new(Forge::AgentStateChanged);
    let reference = RwSignal::new(String::from("0"));
    let request = RwSignal::new(String::from("voice.dial"));
    let text = RwSignal::new(String::new());
    Effect::new(move |_| {
        let message = kind.get().message(Some(&reference.get()), &request.get());
        text.set(serde_json::to_string_pretty(&message).unwrap_or_default());
    });
    let spoof = RwSignal::new(String::from("https://attacker.invalid"));
    let status = RwSignal::new(None::<(bool, String)>);
    let verdict = RwSignal::new(None::<Verdict>);
    let parsed = move || serde_json::from_str::<Value>(&text.get_untracked()).map_err(|e| format!("not JSON: {e}"));

    let send_genuine = move |_| {
        let (Some(sender), Some(client)) = (sender, current.get_untracked()) else { return };
        let route = match client.genuine {
            Ok(r) => r,
            Err(why) => return status.set(Some((false, format!("forge: {why}")))),
        };
        let message = match parsed() {
            Ok(m) => m,
            Err(e) => return status.set(Some((false, e))),
        };
        sender.send(
            Send { route, mode: Mode::Post, messages: vec![message], interval_ms: 0, spoof_origin: String::new(), probe_ms: 0 },
            move |o| status.set(Some((o.ok, describe(&o, "forged from the service frame")))),
        );
    };
    let send_spoofed = move |_| {
        let (Some(sender), Some(client)) = (sender, current.get_untracked()) else { return };
        let message = match parsed() {
            Ok(m) => m,
            Err(e) => return status.set(Some((false, e))),
        };
        sender.send(
            Send { route: client.inside, mode: Mode::Dispatch, messages: vec![message], interval_ms: 0, spoof_origin: spoof.get_untracked(), probe_ms: 0 },
            move |o| status.set(Some((o.ok, describe(&o, "synthetic, spoofed origin")))),
        );
    };
    let audit = move |_| {
        let (Some(sender), Some(client)) = (sender, current.get_untracked()) else { return };
        let message = Forge::AgentStateChanged.message(None, "");
        let after = store.read_untracked_session(|s| s.messages().iter().map(|m| m.record.id).max().unwrap_or(0));
        let inside = client.inside.clone();
        verdict.set(None);
        status.set(Some((true, "audit: dispatching a spoofed agent STATE_CHANGED…".into())));
        sender.send(
            Send { route: client.inside, mode: Mode::Dispatch, messages: vec![message], interval_ms: 0, spoof_origin: spoof.get_untracked(), probe_ms: AUDIT_WATCH_MS },
            move |o| {
                if !o.ok {
                    status.set(Some((false, describe(&o, "audit"))));
                    return;
                }
                let requests = store.read_untracked_session(|s| requests_since(s, &inside, after));
                let changed = o.probe.as_ref().is_some_and(|p| p.before != p.after);
                let reacted = requests > 0 || changed;
                let text = if reacted {
                    format!(
                        "The client reacted to a message from {} ({}): it does not check event.origin.",
                        spoof.get_untracked(),
                        match (changed, requests) {
                            (true, 0) => "it changed what it shows".to_string(),
                            (false, n) => format!("it sent {n} request(s)"),
                            (true, n) => format!("it changed what it shows and sent {n} request(s)"),
                        }
                    )
                } else {
                    format!("The client ignored a message from {}: it checks event.origin (or ignores this event).", spoof.get_untracked())
                };
                status.set(Some((true, "audit: done".into())));
                verdict.set(Some(Verdict { checks_origin: !reacted, text }));
            },
        );
    };

    view! {
        <section class="forge" data-testid="forge">
            <h3>"Forge towards a client"</h3>
            <ClientPicker choice=list label="Client frame" testid="forge-client"/>
            <label class="setting">
                <span>"Message"</span>
                <select data-testid="forge-kind" on:change=move |ev| if let Some(k) = Forge::from_key(&event_target_value(&ev)) { kind.set(k) }>
                    {Forge::ALL.iter().map(|f| view! { <option value=f.key()>{f.label()}</option> }).collect_view()}
                </select>
                " referenceId "
                <input size="8" data-testid="forge-ref" prop:value=move || reference.get() on:change=move |ev| reference.set(event_target_value(&ev))/>
                " request "
                <input size="16" data-testid="forge-request" prop:value=move || request.get() on:change=move |ev| request.set(event_target_value(&ev))/>
            </label>
            <textarea data-testid="forge-json" rows="8" spellcheck="false" prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))></textarea>
            <div class="send-actions">
                <button class="tool" data-testid="forge-send" title="postMessage from the service frame: the client sees WWE's real origin and source" on:click=send_genuine>"Post from the service frame"</button>
                {move || current.get().and_then(|c| c.genuine.err()).map(|why| view! { <span class="muted" data-testid="forge-unavailable">{why}</span> })}
            </div>
            <div class="send-actions spoofed">
                <strong>"Synthetic (spoofed origin): "</strong>
                <input size="28" data-testid="forge-spoof-origin" prop:value=move || spoof.get() on:change=move |ev| spoof.set(event_target_value(&ev))/>
                <button class="tool" data-testid="forge-spoof" title="Dispatch a synthetic message event in the client with this origin and no source" on:click=send_spoofed>"Dispatch synthetic message"</button>
                <button class="tool" data-testid="audit" title="Dispatch a spoofed agent STATE_CHANGED and watch whether the client reacts" on:click=audit>"Origin-check audit"</button>
            </div>
            {move || status.get().map(|(ok, text)| view! { <div class="send-status" class:error=!ok data-testid="forge-status" data-ok=ok.to_string()>{text}</div> })}
            {move || verdict.get().map(|v| view! {
                <div class="audit-verdict" class:error=!v.checks_origin data-testid="audit-verdict" data-checks-origin=v.checks_origin.to_string()>{v.text}</div>
            })}
        </section>
    }
}
