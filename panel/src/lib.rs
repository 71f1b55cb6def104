//! The wwe-devtools panel: a Leptos app mounted into `panel.html`, shown as
//! the "WWE API" DevTools panel or as an extension page `panel.html?tabId=N`.
//!
//! Domain logic lives in `wwe-core`; this crate holds signals and views.
//! Extension APIs are reached only through `bridge` (JS glue in
//! `extension/panel-loader.js`).

mod app;
mod bench;
mod bridge;
mod client_picker;
mod clock;
mod columns;
mod composer;
mod detail;
mod editor;
mod feed;
mod filter;
mod findings;
mod forge;
mod frames;
mod interactions;
mod json_tree;
mod keys;
mod live;
mod model;
mod options_field;
mod policy;
mod ratelimits;
mod replay;
mod row_menu;
mod send;
mod settings;
mod settings_sync;
mod table;
mod toolbar;
#[cfg(test)]
mod testing;
mod trace;
mod undelivered;

use wasm_bindgen::prelude::wasm_bindgen;

/// Entry point, run by `init()` in `panel-loader.js`.
#[wasm_bindgen(start)]
pub fn start() {
    leptos::mount::mount_to_body(app::App);
}
