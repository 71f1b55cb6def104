//! The client-frame picker of the Send view: the composer chooses the client
//! frame to send from, the forge the client frame to send into. Each builds
//! its own list (what it needs to know about a frame differs); the choice
//! and the `<select>` are the same.

use leptos::prelude::*;
use wwe_core::session::{Frame, Role, Session};

/// A client frame as a picker offers it.
pub trait ClientFrame {
    /// Stable across updates of the list ([`frame_key`]).
    fn key(&self) -> &str;
    /// What the option shows.
    fn label(&self) -> &str;
}

/// The frames of `session` that act as clients (send requests).
pub fn client_frames(session: &Session) -> impl Iterator<Item = &Frame> {
    session.frames().iter().filter(|f| matches!(f.role, Role::Client | Role::Both))
}

/// The key of a frame: `tab:frame`.
pub fn frame_key(frame: &Frame) -> String {
    format!("{}:{}", frame.tab_id, frame.frame_id)
}

/// The frames offered and the one in use: the user's pick while the list
/// still holds it, otherwise the first.
pub struct ClientChoice<T: Send + Sync + 'static> {
    list: Memo<Vec<T>>,
    chosen: RwSignal<Option<String>>,
    /// The frame in use, if any is offered.
    pub current: Memo<Option<T>>,
}

impl<T: Send + Sync + 'static> Clone for ClientChoice<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for ClientChoice<T> {}

impl<T: ClientFrame + Clone + PartialEq + Send + Sync + 'static> ClientChoice<T> {
    /// A choice over `list`, nothing picked yet.
    pub fn new(list: Memo<Vec<T>>) -> Self {
        let chosen = RwSignal::new(None::<String>);
        let current = Memo::new(move |_| {
            list.with(|l| {
                let key = chosen.get();
                l.iter().find(|c| Some(c.key()) == key.as_deref()).or_else(|| l.first()).cloned()
            })
        });
        Self { list, chosen, current }
    }
}

/// A labelled `<select>` over the choice's frames, `testid` on the select,
/// each option's value the frame's key.
#[component]
pub fn ClientPicker<T>(choice: ClientChoice<T>, label: &'static str, testid: &'static str) -> impl IntoView
where
    T: ClientFrame + Clone + PartialEq + Send + Sync + 'static,
{
    let ClientChoice { list, chosen, current } = choice;
    view! {
        <label class="setting">
            <span>{label}</span>
            <select data-testid=testid on:change=move |ev| chosen.set(Some(event_target_value(&ev)))>
                {move || list.get().into_iter().map(|c| {
                    let selected = current.with(|cur| cur.as_ref().map(|x| x.key().to_owned())).as_deref() == Some(c.key());
                    view! { <option value=c.key().to_owned() selected=selected>{c.label().to_owned()}</option> }
                }).collect_view()}
            </select>
        </label>
    }
}
