//! The live capture's link to the background: the port (one per panel,
//! `hello` first), what each message from the background does to the
//! store, and the ticker that moves the session's clock while the page is
//! quiet. A trace file on screen has no port and no ticker.

use leptos::prelude::*;
use wwe_core::wire::{Hello, PanelToBackground};

use crate::bridge::{self, Port, TabId};
use crate::feed::{self, BackgroundToPanel, Feed};
use crate::model::Store;

/// How far behind the wall clock the live session's clock runs.
const TICK_MARGIN_MS: f64 = 1_500.0;

/// The panel's port to the background, `None` without a tab.
pub type LivePort = StoredValue<Option<Port>, LocalStorage>;

/// Connects to the background for `tab` (nothing without one). Records
/// go to `store`, or, while `paused`, are only counted in `missed`.
pub fn connect(tab: Option<TabId>, store: Store, paused: RwSignal<bool>, missed: RwSignal<usize>) -> LivePort {
    let port = tab.map(|tab| {
        bridge::connect(
            tab,
            move |message| on_background(store, paused, missed, message),
            move || store.problem.set(Some("Lost the connection to the extension; reload the panel.".into())),
        )
    });
    StoredValue::new_local(port)
}

/// Posts `message` on the port, if there is one.
pub fn post(port: LivePort, message: &PanelToBackground) {
    port.with_value(|p| p.iter().for_each(|p| bridge::post(p, message)));
}

/// Live capture only: moves the session's clock every second so requests
/// without a reply time out (or show as swallowed) while the page is quiet.
/// A margin leaves records still in flight from other frames' batches time
/// to arrive before the clock passes them.
pub fn start_ticker(store: Store) {
    let ticker = set_interval_with_handle(
        move || {
            if store.trace.get_untracked().is_none() {
                store.tick(js_sys::Date::now() - TICK_MARGIN_MS);
            }
        },
        std::time::Duration::from_secs(1),
    );
    if let Ok(ticker) = ticker {
        on_cleanup(move || ticker.clear());
    }
}

/// One message from the background.
fn on_background(store: Store, paused: RwSignal<bool>, missed: RwSignal<usize>, message: wasm_bindgen::JsValue) {
    // Answers to the panel's own sends (replay, forge) go to their callers.
    if crate::send::take_result(&message) {
        return;
    }
    // A trace on screen is read-only: live traffic waits in the background
    // until the user goes back to live capture (which asks for the backlog).
    if store.trace.get_untracked().is_some() {
        return;
    }
    match feed::parse(&message) {
        Ok(Feed::Other(BackgroundToPanel::Hello(Hello { protocol, .. }))) => {
            if protocol != wwe_core::wire::PROTOCOL_VERSION {
                store.problem.set(Some(format!(
                    "The extension's background speaks protocol {protocol}, this panel {}; reload the extension and DevTools.",
                    wwe_core::wire::PROTOCOL_VERSION
                )));
            }
        }
        Ok(Feed::Backlog { records, dropped }) => {
            store.clear();
            store.push(records);
            store.dropped.set(dropped);
            // `?bench=N` (cargo xtask bench) loads its records once the
            // backlog is in; without it this does nothing.
            crate::bench::after_backlog(store);
        }
        Ok(Feed::Records { records }) => {
            if paused.get_untracked() {
                missed.update(|n| *n += records.len());
            } else {
                store.push(records);
            }
        }
        Ok(Feed::Other(BackgroundToPanel::Dropped { total })) => store.dropped.set(total),
        Ok(Feed::Other(BackgroundToPanel::Navigated)) => store.clear(),
        Ok(Feed::Other(BackgroundToPanel::Error { message })) => store.problem.set(Some(message)),
        // Answers to sends were taken by `send::take_result` above; records
        // come as `Feed::Backlog` and `Feed::Records`.
        Ok(Feed::Other(BackgroundToPanel::Sent(_) | BackgroundToPanel::Backlog { .. } | BackgroundToPanel::Records { .. })) => {}
        Err(message) => store.problem.set(Some(message)),
    }
}
