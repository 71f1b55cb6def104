//! The frames sidebar: every browser frame that sent or received messages,
//! with its origin, role (service or client), WWE frame id and counts; a
//! frame whose posts the browser refused says so, and is marked silent
//! when none of its messages reached WWE.
//! Selecting a frame filters the message list to its traffic.

use leptos::prelude::*;
use wwe_core::session::{Frame, Role};

use crate::model::Store;

/// Which frame it is, as the sidebar's second line and the list's From and
/// To say it: WWE's frame id for a client that has one, else `top` or the
/// browser's frame number; `popup` when it is another tab's (a popup
/// captured with its opener).
pub fn frame_which(f: &Frame, capture_tab: i64) -> String {
    let which = match (f.wwe_frame_id, f.frame_id) {
        (Some(id), _) => format!("frameId {id}"),
        (None, 0) => "top".to_owned(),
        (None, n) => format!("frame {n}"),
    };
    if f.tab_id == capture_tab { which } else { format!("popup {which}") }
}

/// A frame's name in the list: its role (when known), which frame, and the
/// host it is on, e.g. `client frameId 2 · localhost:8480`.
pub fn frame_name(f: &Frame, capture_tab: i64) -> String {
    let host = f.origin.split_once("://").map_or(f.origin.as_str(), |(_, rest)| rest);
    let host = if host.is_empty() { "(origin unknown)" } else { host };
    match f.role {
        Role::Unknown => format!("{} · {host}", frame_which(f, capture_tab)),
        role => format!("{} {} · {host}", role.as_str(), frame_which(f, capture_tab)),
    }
}

#[derive(Clone, PartialEq)]
struct FrameRow {
    key: (i64, i64),
    label: String,
    origin: String,
    url: String,
    role: &'static str,
    wwe_frame_id: Option<i64>,
    received: u64,
    sent: u64,
    /// Posts the browser refused (issue 19).
    undelivered: u64,
    /// Refused posts and no client message of it delivered: as far as the
    /// capture can tell, WWE never heard from it ([`wwe_core::session::Session::is_silent`]).
    silent: bool,
}

/// The sidebar. `selected` is the (tab, browser frame id) filtering the list.
#[component]
pub fn FramesSidebar(store: Store, selected: RwSignal<Option<(i64, i64)>>) -> impl IntoView {
    let frames = Memo::new(move |_| {
        store.read(|session| {
            let mut rows: Vec<FrameRow> = session
                .frames()
                .iter()
                .map(|f| FrameRow {
                    key: (f.tab_id, f.frame_id),
                    label: if f.frame_id == 0 { "top".to_string() } else { format!("frame {}", f.frame_id) },
                    origin: f.origin.clone(),
                    url: f.url.clone(),
                    role: f.role.as_str(),
                    wwe_frame_id: f.wwe_frame_id,
                    received: f.received,
                    sent: f.sent,
                    undelivered: f.undelivered,
                    silent: session.is_silent(f),
                })
                .collect();
            // The top frame first, then its subframes in id order: the order
            // the browser created them in.
            rows.sort_by_key(|r| (r.key.0, r.key.1 != 0, r.key.1));
            rows
        })
    });
    view! {
        <nav class="frames" data-testid="frames">
            <div class="frames-head">
                "Frames"
                {move || selected.get().is_some().then(|| view! {
                    <button class="link" data-testid="frame-all" on:click=move |_| selected.set(None)>"show all"</button>
                })}
            </div>
            <ul>
                <For each=move || frames.get() key=|f| (f.key, f.received, f.sent, f.role, f.wwe_frame_id, f.undelivered, f.silent) let:frame>
                    {
                        let key = frame.key;
                        let count = frame.received + frame.sent;
                        view! {
                            <li
                                class="frame"
                                class:nested=key.1 != 0
                                class:selected=move || selected.get() == Some(key)
                                class:silent=frame.silent
                                data-undelivered=frame.undelivered.to_string()
                                data-silent=frame.silent.then_some("1")
                                data-testid="frame"
                                data-frame-id=key.1.to_string()
                                data-role=frame.role
                                data-origin=frame.origin.clone()
                                data-wwe-frame-id=frame.wwe_frame_id.map(|id| id.to_string())
                                data-count=count.to_string()
                                title=frame.url.clone()
                                on:click=move |_| selected.update(|s| *s = if *s == Some(key) { None } else { Some(key) })
                            >
                                <div class="frame-line">
                                    <span class=format!("role role-{}", frame.role)>{frame.role}</span>
                                    <span class="frame-origin">{frame.origin.clone()}</span>
                                </div>
                                <div class="frame-line muted">
                                    {frame.label.clone()}
                                    {frame.wwe_frame_id.map(|id| format!(" · WWE frameId {id}"))}
                                    {format!(" · {} in / {} out", frame.received, frame.sent)}
                                </div>
                                {(frame.undelivered > 0).then(|| view! {
                                    <div class="frame-line frame-undelivered" data-testid="frame-undelivered">
                                        {format!("{} post{} refused by the browser", frame.undelivered, if frame.undelivered == 1 { "" } else { "s" })}
                                        {frame.silent.then_some(": no message of this frame reached WWE in this capture")}
                                    </div>
                                })}
                            </li>
                        }
                    }
                </For>
            </ul>
        </nav>
    }
}
