//! Keeps the settings: loads the saved ones once, saves every change, and
//! applies what the background (preserve log) and the core (the WWE
//! options) need to know; seeds the view's toggles from them and writes the
//! view's choices back. The load is asynchronous (and slow in a Firefox
//! profile's first seconds): what the user sets before it completes is
//! applied at once and wins over the save.

use leptos::prelude::*;
use wwe_core::wire::PanelToBackground;

use crate::bridge;
use crate::live::{self, LivePort};
use crate::model::{Store, Toggles};
use crate::options_field;
use crate::settings::Settings;

/// Loads the settings into `settings` (then sets `loaded`), and from then
/// on saves each change and tells it to the background; every change's
/// options go to the store, a parse error to `options_error`.
pub fn keep(settings: RwSignal<Settings>, loaded: RwSignal<bool>, options_error: RwSignal<Option<String>>, port: LivePort, store: Store) {
    leptos::task::spawn_local(async move {
        if let Some(text) = bridge::load_settings().await {
            let saved = Settings::from_json(&text);
            settings.update(|current| *current = saved.overridden_by(current));
        }
        loaded.set(true);
    });
    Effect::new(move |_| {
        let current = settings.get();
        // Saved, and told to the background, only once the save is in:
        // before, they would overwrite it with the defaults.
        if loaded.get() {
            bridge::save_settings(&current.to_json());
            live::post(port, &PanelToBackground::Preserve { on: current.preserve_log });
        }
        let (options, error) = match options_field::parse(&current.options_text) {
            Ok(options) => (options, None),
            Err(error) => (None, Some(error)),
        };
        options_error.set(error);
        store.set_options(options);
    });
}

/// The saved choices seed the view once loaded; the view writes back. A
/// choice the user made before the (asynchronous) load wins over the saved
/// one: a value still at its default was not touched.
pub fn seed_view(settings: RwSignal<Settings>, loaded: RwSignal<bool>, toggles: RwSignal<Toggles>, grouped: RwSignal<bool>) {
    Effect::new(move |_| {
        if loaded.get() {
            let s = settings.get_untracked();
            if toggles.with_untracked(|t| t.foreign == Toggles::default().foreign) {
                toggles.update(|t| t.foreign = s.show_foreign);
            }
            if !grouped.get_untracked() {
                grouped.set(s.grouped);
            }
        }
    });
    Effect::new(move |_| {
        let (foreign, group) = (toggles.with(|t| t.foreign), grouped.get());
        if loaded.get_untracked() {
            settings.update(|s| {
                s.show_foreign = foreign;
                s.grouped = group;
            });
        }
    });
}
