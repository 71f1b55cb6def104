//! The composer: pick a client frame and a request from the catalog, fill a
//! form with the request's named parameters, and send it from that frame to
//! WWE — the same path as replay, so the service sees the client's genuine
//! origin and `event.source`. The draft is checked by the core's lints as
//! it is filled.

use leptos::prelude::*;
use serde_json::Value;
use wwe_core::catalog;
use wwe_core::compose::{self, Route};
use wwe_core::decode::Direction;
use wwe_core::session::Session;

use crate::client_picker::{client_frames, frame_key, ClientChoice, ClientFrame, ClientPicker};
use crate::model::Store;
use crate::send::{describe, fresh_reference, Mode, Send, Sender};

/// A client frame and how to reach WWE from it, learnt from a message it
/// sent to the service.
#[derive(Clone, PartialEq)]
struct ClientRoute {
    key: String,
    label: String,
    route: Result<Route, String>,
}

impl ClientFrame for ClientRoute {
    fn key(&self) -> &str {
        &self.key
    }
    fn label(&self) -> &str {
        &self.label
    }
}

fn client_routes(session: &Session) -> Vec<ClientRoute> {
    client_frames(session)
        .map(|f| {
            let sent = session.messages().iter().rev().find(|m| {
                m.sender_frame_id == Some(f.frame_id)
                    && m.record.sender_tab_id() == f.tab_id
                    && m.decoded.message.direction() == Direction::ToService
            });
            ClientRoute {
                key: frame_key(f),
                label: format!("frame {} · {}", f.frame_id, if f.url.is_empty() { &f.origin } else { &f.url }),
                route: sent
                    .map(|m| {
                        // The session may know the sender from its index path.
                        let mut record = m.record.clone();
                        record.source_frame_id = m.sender_frame_id;
                        compose::replay_route(&record)
                    })
                    .unwrap_or_else(|| Err("this client has not sent anything to WWE yet, so the way to WWE's window is not known".into())),
            }
        })
        .collect()
}

/// A form value for a parameter of this kind: JSON when it parses and the
/// kind takes it (numbers, objects, quoted strings), otherwise the text
/// itself — so `5001` is a string destination, not a number.
fn param_value(text: &str, kind: catalog::ParamKind) -> Value {
    // A kind whose first shape is a string (an id, a number to dial) keeps
    // typed digits as text, as the vendor's sample sends them; one whose
    // first shape is a number (a state-list index) reads them as a number.
    let prefers_text = kind.examples().first().is_some_and(|e| e.starts_with('"'));
    match serde_json::from_str::<Value>(text.trim()) {
        Ok(Value::Number(_)) if prefers_text => Value::String(text.to_string()),
        Ok(value) if kind.accepts(&value) => value,
        Ok(value) if !kind.accepts(&Value::String(text.to_string())) => value,
        _ => Value::String(text.to_string()),
    }
}

/// The composer section of the Send view.
#[component]
pub fn Composer(store: Store) -> impl IntoView {
    let sender = Sender::get();
    let clients = ClientChoice::new(Memo::new(move |_| store.read(client_routes)));
    let current = clients.current;
    let request = RwSignal::new(String::from("agent.get"));
    // One text per parameter of the chosen request, reset when it changes.
    let values = RwSignal::new(Vec::<String>::new());
    Effect::new(move |_| {
        let count = catalog::request(&request.get()).map_or(0, |r| r.params.len());
        values.set(vec![String::new(); count]);
    });
    let message = Memo::new(move |_| {
        let spec = catalog::request(&request.get());
        let params: Vec<Value> = values.with(|v| {
            let kinds = spec.map_or(&[][..], |s| s.params);
            let mut v: Vec<Value> = v.iter().zip(kinds).map(|(t, p)| param_value(t, p.kind)).collect();
            // Trailing empty optional parameters are left out, as the client
            // library leaves out arguments not given.
            while v.last().is_some_and(|x| x.as_str() == Some("")) {
                v.pop();
            }
            v
        });
        compose::request_message(&request.get(), params, "composed")
    });
    let draft = Memo::new(move |_| compose::check_draft(&message.get().to_string()));
    let status = RwSignal::new(None::<(bool, String)>);

    let send = move |_| {
        let (Some(sender), Some(client)) = (sender, current.get_untracked()) else { return };
        let route = match client.route {
            Ok(route) => route,
            Err(why) => return status.set(Some((false, format!("compose: {why}")))),
        };
        let mut value = message.get_untracked();
        value["referenceId"] = Value::String(fresh_reference());
        status.set(Some((true, "composed: sending…".into())));
        sender.send(
            Send { route, mode: Mode::Post, messages: vec![value], interval_ms: 0, spoof_origin: String::new(), probe_ms: 0 },
            move |outcome| status.set(Some((outcome.ok, describe(&outcome, "composed")))),
        );
    };

    view! {
        <section class="forge composer" data-testid="composer">
            <h3>"Compose a request"</h3>
            <ClientPicker choice=clients label="From client" testid="compose-client"/>
            <label class="setting">
                <span>"Request"</span>
                <select data-testid="compose-request" on:change=move |ev| request.set(event_target_value(&ev))>
                    {catalog::requests().iter().map(|r| view! {
                        <option value=r.name selected=r.name == "agent.get" title=r.description>{r.name}</option>
                    }).collect_view()}
                </select>
            </label>
            {move || catalog::request(&request.get()).map(|spec| view! { <div class="hint muted" data-testid="compose-doc">{spec.description}</div> })}
            {move || {
                let spec = catalog::request(&request.get());
                spec.map(|spec| spec.params.iter().enumerate().map(|(i, p)| view! {
                    <label class="setting" data-testid="compose-param" data-name=p.name>
                        <span>{p.name}{p.optional.then_some(" (optional)")}</span>
                        <input
                            placeholder=p.kind.expectation()
                            prop:value=move || values.with(|v| v.get(i).cloned().unwrap_or_default())
                            on:input=move |ev| values.update(|v| if let Some(slot) = v.get_mut(i) { *slot = event_target_value(&ev) })
                        />
                    </label>
                }).collect_view())
            }}
            <pre class="raw" data-testid="compose-preview">{move || serde_json::to_string_pretty(&message.get()).unwrap_or_default()}</pre>
            <ul class="findings">
                {move || draft.with(|d| d.problems.iter().map(|p| { let code = p.code.clone(); view! {
                    <li class="sev-warning" data-testid="compose-problem" data-code=code.clone()><code>{code.clone()}</code> " " {p.message.clone()}</li>
                }}).collect_view())}
            </ul>
            <div class="send-actions">
                <button class="tool" data-testid="compose-send" on:click=send>"Send from this client"</button>
                {move || current.get().and_then(|c| c.route.err()).map(|why| view! { <span class="muted">{why}</span> })}
            </div>
            {move || status.get().map(|(ok, text)| view! { <div class="send-status" class:error=!ok data-testid="compose-status" data-ok=ok.to_string()>{text}</div> })}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::param_value;
    use serde_json::json;
    use wwe_core::catalog;

    #[test]
    fn form_values_follow_the_parameter_kind() {
        let dial = catalog::request("voice.dial").unwrap();
        let (destination, user_data) = (dial.params[0].kind, dial.params[1].kind);
        assert_eq!(param_value("5001", destination), json!("5001"), "a number typed for a string parameter stays text");
        assert_eq!(param_value("\"5001\"", destination), json!("5001"));
        assert_eq!(param_value("{\"k\": 1}", user_data), json!({"k": 1}));
        assert_eq!(param_value("017c02b1", destination), json!("017c02b1"));
        assert_eq!(param_value("", destination), json!(""));
        let set_state = catalog::request("agent.setState").unwrap().params[0].kind;
        assert_eq!(param_value("0", set_state), json!(0), "a state-list index is a number");
        assert_eq!(param_value("Ready", set_state), json!("Ready"));
    }
}
