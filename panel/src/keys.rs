//! The capture view's keyboard: arrows move the selection, Enter expands
//! an exchange, `/` focuses the filter, Esc closes what is open. Keys typed
//! into a field are the field's.

use leptos::html::Input;
use leptos::prelude::*;

use crate::model::ListItem;

/// Listens for the capture view's keys on the window while the view lives.
pub fn listen(
    filter_input: NodeRef<Input>,
    items: Memo<Vec<ListItem>>,
    selected: RwSignal<Option<u64>>,
    show_settings: RwSignal<bool>,
    expanded: RwSignal<Vec<u64>>,
    grouped: RwSignal<bool>,
) {
    let keys = window_event_listener(leptos::ev::keydown, move |ev| {
        on_key(&ev, filter_input, items, selected, show_settings, expanded, grouped.get_untracked());
    });
    on_cleanup(move || keys.remove());
}

/// Keyboard: arrows move the selection, Enter expands an exchange, `/`
/// focuses the filter, Esc closes what is open.
fn on_key(
    ev: &leptos::ev::KeyboardEvent,
    filter_input: NodeRef<Input>,
    items: Memo<Vec<ListItem>>,
    selected: RwSignal<Option<u64>>,
    show_settings: RwSignal<bool>,
    expanded: RwSignal<Vec<u64>>,
    grouped: bool,
) {
    let typing = ev
        .target()
        .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
        .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA"));
    match ev.key().as_str() {
        "/" if !typing => {
            ev.prevent_default();
            if let Some(input) = filter_input.get_untracked() {
                let _ = input.focus();
            }
        }
        "Escape" => {
            if typing {
                if let Some(input) = filter_input.get_untracked() {
                    let _ = input.blur();
                }
            } else if show_settings.get_untracked() {
                show_settings.set(false);
            } else {
                selected.set(None);
            }
        }
        "ArrowDown" | "ArrowUp" if !typing => {
            ev.prevent_default();
            let down = ev.key() == "ArrowDown";
            let next = items.with_untracked(|list| {
                let rows: Vec<u64> = list.iter().filter(|i| !i.nested).map(|i| i.id).collect();
                let at = selected.get_untracked().and_then(|id| rows.iter().position(|r| *r == id));
                match (at, down) {
                    (None, _) => rows.first().copied(),
                    (Some(i), true) => rows.get(i + 1).or(rows.last()).copied(),
                    (Some(i), false) => rows.get(i.saturating_sub(1)).copied(),
                }
            });
            if next.is_some() {
                selected.set(next);
            }
        }
        "Enter" if !typing && grouped => {
            if let Some(id) = selected.get_untracked() {
                expanded.update(|list| toggle(list, id));
            }
        }
        _ => {}
    }
}

/// Expands the exchange `id` if it is collapsed, collapses it if expanded.
pub fn toggle(expanded: &mut Vec<u64>, id: u64) {
    match expanded.iter().position(|x| *x == id) {
        Some(at) => {
            expanded.remove(at);
        }
        None => expanded.push(id),
    }
}
