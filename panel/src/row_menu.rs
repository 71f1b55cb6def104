//! The message list's context menu (right-click a row), as in the Network
//! panel: filter by the value of the cell clicked, copy the message as a
//! call of the client library or as a `postMessage` snippet, replay it from
//! the frame that sent it. The same actions as the detail pane's Send
//! section, one right-click away.

use leptos::prelude::*;
use serde_json::Value;
use wwe_core::compose::{self, Reference, Route};

use crate::bridge;
use crate::model::Store;
use crate::replay::replay_route_of;
use crate::send::{describe, fresh_reference, Mode, Send, Sender};
use crate::table::CellAction;

/// Where the menu is open: the message, the filter term of the cell
/// right-clicked (if it has one), and the point.
#[derive(Clone, Debug, PartialEq)]
pub struct MenuAt {
    pub id: u64,
    pub filter: Option<String>,
    pub x: i32,
    pub y: i32,
}

/// What the menu can do with a message: its data, and the route to replay
/// it (a client message whose sending frame is known).
fn message_of(store: Store, id: u64) -> Option<(Value, Option<Route>)> {
    store.read_untracked_session(|s| {
        let captured = s.message(id)?;
        let route = replay_route_of(s, captured).and_then(Result::ok);
        Some((captured.record.data.clone(), route))
    })
}

/// The menu, while `at` is set. A line under it says what an action did.
#[component]
pub fn RowMenu(store: Store, at: RwSignal<Option<MenuAt>>, on_action: Callback<CellAction>) -> impl IntoView {
    let status = RwSignal::new(None::<String>);
    let closed = window_event_listener(leptos::ev::click, move |_| at.set(None));
    let escaped = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() == "Escape" {
            at.set(None);
        }
    });
    on_cleanup(move || {
        closed.remove();
        escaped.remove();
    });
    let done = move |text: String| {
        status.set(Some(text));
        at.set(None);
    };
    move || {
        let Some(menu) = at.get() else {
            return status.get().map(|text| view! { <div class="row-menu-status" data-testid="row-menu-status">{text}</div> }).into_any();
        };
        let id = menu.id;
        let Some((data, route)) = message_of(store, id) else { return ().into_any() };
        let call = compose::copy_as_call(&data);
        let post = route.as_ref().map(|r| compose::copy_as_post_message(&data, &compose::target_expression(r), &r.target_origin));
        let sender = Sender::get().filter(|_| route.is_some());
        let filter = menu.filter.clone();
        view! {
            <div class="column-menu row-menu" data-testid="row-menu" style=format!("left: {}px; top: {}px", menu.x, menu.y) on:click=|ev| ev.stop_propagation()>
                {filter.map(|term| {
                    let label = format!("Filter by {term}");
                    view! { <button class="tool" data-testid="row-menu-filter" on:click=move |_| {
                        on_action.run(CellAction::Filter(term.clone()));
                        at.set(None);
                    }>{label}</button> }
                })}
                {call.map(|text| view! { <button class="tool" data-testid="row-menu-copy-call" on:click=move |_| {
                    bridge::copy_text(&text);
                    done(format!("copied: {text}"));
                }>"Copy as call"</button> })}
                {post.map(|text| view! { <button class="tool" data-testid="row-menu-copy-post" on:click=move |_| {
                    bridge::copy_text(&text);
                    done(format!("copied: {text}"));
                }>"Copy as postMessage"</button> })}
                {sender.zip(route).map(|(sender, route)| view! { <button class="tool" data-testid="row-menu-replay" on:click=move |_| {
                    let rid = fresh_reference();
                    sender.mark(store, rid.clone(), id);
                    let message = compose::with_reference(&data, &Reference::Fresh(rid));
                    status.set(Some("replay: sending…".into()));
                    at.set(None);
                    sender.send(
                        Send { route: route.clone(), mode: Mode::Post, messages: vec![message], interval_ms: 0, spoof_origin: String::new(), probe_ms: 0 },
                        move |outcome| status.set(Some(describe(&outcome, "replay"))),
                    );
                }>"Replay"</button> })}
            </div>
        }
        .into_any()
    }
}
